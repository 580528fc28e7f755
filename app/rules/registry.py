"""Which rule checks which model before every write (called from the flush hook)."""
from app.rules.awards import check_award
from app.rules.complaints import check_complaint
from app.rules.eligibility import check_program, check_standard
from app.rules.funds import check_fund, check_pairing, check_project
from app.rules.identification import check_identification
from app.rules.procedure import check_application, check_evidence, check_member, check_notice, check_objection
from app.rules.loans import check_due, check_loan, check_rate
from app.rules.supervision import check_call, check_inspection, check_item, check_score
from app.rules.officers import check_officer
from app.rules.schools import check_school
from app.rules.semesters import check_semester
from app.rules.pupil_status import check_change, check_status
from app.rules.students import check_student
from app.rules.transfers import check_handover, check_transfer
from app.rules.workdays import check_calendar_entry, check_notice_rule


def _checks():
    from app.models import (
        AidProgram, ProgramStandard, Award, Identification, InfoOfficer, Inspection, Loan, LoanRate, Pairing, PhoneCall,
        RepaymentDue, School, SchoolFund, Semester,
        SchoolTransfer, SocialProject, StatusChange, Student, TransferRequest,
    )
    from app.models.calendar import NoticeRule, WorkCalendarEntry
    from app.models.procedure import (
        ApplicationEvidence, FamilyMember, IdentificationApplication, IdentificationNotice, NoticeObjection,
    )

    from app.models.budgets import Allocation, BatchLine, PaymentBatch, ProgramBudget
    from app.models.complaints import Complaint
    from app.models.reporting import Submission
    from app.models.supervision import InspectionItem, InspectionScore
    from app.rules.budgets import check_allocation, check_batch, check_budget, check_line
    from app.rules.reporting import check_submission
    from app.models.outreach import AidStaff, HomeVisit, PublicityActivity, Recognition, TrainingAttendance, TrainingSession
    from app.rules.outreach import (
        check_activity, check_attendance, check_recognition, check_staff, check_training, check_visit,
    )

    return {
        IdentificationApplication: lambda session, obj: check_application(obj, session),
        FamilyMember: lambda session, obj: check_member(obj, session),
        ApplicationEvidence: lambda session, obj: check_evidence(obj, session),
        IdentificationNotice: lambda session, obj: check_notice(obj, session),
        NoticeObjection: lambda session, obj: check_objection(obj, session),
        NoticeRule: lambda session, obj: check_notice_rule(obj, session),
        WorkCalendarEntry: lambda session, obj: check_calendar_entry(obj, session),
        HomeVisit: lambda session, obj: check_visit(obj),
        PublicityActivity: lambda session, obj: check_activity(obj),
        AidStaff: lambda session, obj: check_staff(obj),
        TrainingSession: lambda session, obj: check_training(obj),
        TrainingAttendance: lambda session, obj: check_attendance(obj, session),
        Recognition: lambda session, obj: check_recognition(obj),
        Complaint: lambda session, obj: check_complaint(obj, session),
        ProgramBudget: lambda session, obj: check_budget(obj),
        Allocation: lambda session, obj: check_allocation(obj),
        PhoneCall: lambda session, obj: check_call(obj, session),
        Inspection: lambda session, obj: check_inspection(obj, session=session),
        InspectionScore: lambda session, obj: check_score(obj, session),
        InspectionItem: lambda session, obj: check_item(obj, session),
        PaymentBatch: lambda session, obj: check_batch(obj, session),
        BatchLine: lambda session, obj: check_line(obj, session),
        Submission: lambda session, obj: check_submission(obj, session),
        Loan: lambda session, obj: check_loan(obj, session),
        RepaymentDue: lambda session, obj: check_due(obj, session),
        LoanRate: lambda session, obj: check_rate(obj, session),
        SchoolFund: lambda session, obj: check_fund(obj, session),
        Pairing: lambda session, obj: check_pairing(obj),
        SocialProject: lambda session, obj: check_project(obj),
        Semester: lambda session, obj: check_semester(obj, session),
        Award: lambda session, obj: check_award(obj, session),
        AidProgram: lambda session, obj: check_program(obj, session),
        ProgramStandard: lambda session, obj: check_standard(obj, session),
        InfoOfficer: lambda session, obj: check_officer(obj, session),
        School: lambda session, obj: check_school(obj, session),
        Student: lambda session, obj: (check_status(obj, session), check_student(obj, session)),
        StatusChange: lambda session, obj: check_change(obj, session),
        TransferRequest: lambda session, obj: check_transfer(obj, session),
        SchoolTransfer: lambda session, obj: check_handover(obj, session),
        Identification: lambda session, obj: check_identification(obj, session=session),
    }


_CHECKS = None


def run_checks(session, obj):
    global _CHECKS
    if _CHECKS is None:
        _CHECKS = _checks()
    check = _CHECKS.get(type(obj))
    if check is not None:
        check(session, obj)


def run_delete_checks(session, obj):
    """Refuse deletions the rules forbid (app/rules/deletion.py: one registry for every table)."""
    from app.rules.deletion import check_delete

    check_delete(session, obj)
