"""Menu and routes: every screen and API of the app is registered here."""
from flask_babel import lazy_gettext as _l

from app.views.aid import AidProgramApi, AidProgramView, AwardApi, AwardView, ProgramStandardView, SemesterView
from app.views.imports import AwardImportView, StudentImportView, VerificationView
from app.views.pupil_file import PupilFileView
from app.views.pupil_status import PupilStatusView, StatusChangeView
from app.views.funds import PairingView, SchoolFundView, SocialProjectView
from app.views.loans import (
    LoanApi, LoanMaterialView, LoanPagesView, LoanRateView, LoanReminderView, LoanView, RepaymentDueView,
)
from app.views.supervision import InspectionItemView, InspectionScoreView, InspectionView, PhoneCallView
from app.views.outreach import (
    AidStaffView, HomeVisitView, OutreachFiguresView, PublicityActivityView, RecognitionView, TrainingAttendanceView,
    TrainingSessionView,
)
from app.views.budgets import (
    AllocationView, BatchLineView, BudgetFiguresView, PaymentBatchView, ProgramBudgetView, TurnoverView,
)
from app.views.audit import AuditView
from app.views.search import SearchRelayView
from app.views.transfers import TransferHandoverApi, TransferHandoverView, TransferRequestView
from app.views.calendar import NoticeRuleView, WorkCalendarView
from app.views.evaluation import EvaluationPartView, EvaluationView
from app.views.procedure import (
    IdentificationApplicationApi, IdentificationApplicationView, IdentificationNoticeView, IdentificationProgressView,
)
from app.views.complaints import ComplaintApi, ComplaintFiguresView, ComplaintView
from app.views.reporting import ReportingPagesView, ReportTaskView, SubmissionView
from app.views.pages import CompletenessView, CoverageView, OverlapView, PublicNoticeView
from app.views.basic import (
    IdentificationApi,
    IdentificationView,
    InfoOfficerView,
    SchoolApi,
    SchoolView,
    StudentApi,
    StudentView,
)


def register_views(appbuilder):
    basic = dict(category="BasicData", category_label=_l("Basic data"), category_icon="fa-database")
    appbuilder.add_view(SchoolView, "Schools", label=_l("Schools"), icon="fa-university", **basic)
    appbuilder.add_view(InfoOfficerView, "InfoOfficers", label=_l("Information officers"), icon="fa-id-badge", **basic)
    appbuilder.add_view(StudentView, "Students", label=_l("Students"), icon="fa-child", href=StudentView.IN_SCHOOL_HREF,
                        **basic)
    appbuilder.add_view(StatusChangeView, "StatusChanges", label=_l("Status changes"), icon="fa-history", **basic)
    appbuilder.add_view_no_menu(PupilStatusView)
    appbuilder.add_view_no_menu(PupilFileView)  # 资助档案: a button on the pupil's page
    appbuilder.add_link("Dropouts", href="PupilStatusView.dropouts", label=_l("Pupils who left school (控辍保学)"),
                        icon="fa-user-times", **basic)
    appbuilder.add_view(TransferRequestView, "TransferRequests", label=_l("Transfer requests"), icon="fa-exchange",
                        **basic)
    appbuilder.add_view(TransferHandoverView, "TransferHandovers", label=_l("Transfers within the county"),
                        icon="fa-share", **basic)
    appbuilder.add_link("IncomingTransfers", href="TransferHandoverView.incoming", label=_l("Incoming pupils to accept"),
                        icon="fa-sign-in", **basic)
    appbuilder.add_view(
        IdentificationView, "Identifications", label=_l("Difficulty identifications"), icon="fa-heart", **basic
    )
    appbuilder.add_view(IdentificationApplicationView, "IdentificationApplications",
                        label=_l("Identification applications"), icon="fa-file-text-o", **basic)
    appbuilder.add_view(IdentificationNoticeView, "IdentificationNotices", label=_l("Identification notices"),
                        icon="fa-bullhorn", **basic)
    appbuilder.add_view_no_menu(IdentificationProgressView)
    appbuilder.add_link("IdentificationProgress", href="IdentificationProgressView.show",
                        label=_l("Identification procedure by school"), icon="fa-tasks", **basic)
    appbuilder.add_view(StudentImportView, "StudentImport", label=_l("Import students"), icon="fa-upload", **basic)
    appbuilder.add_view(VerificationView, "Verification", label=_l("Verification lists"), icon="fa-check", **basic)
    appbuilder.add_view_no_menu(TurnoverView)
    appbuilder.add_link("Turnover", href="TurnoverView.preview", label=_l("School-year turnover"), icon="fa-level-up",
                        **basic)
    aid = dict(category="AidManagement", category_label=_l("Aid management"), category_icon="fa-yen")
    appbuilder.add_view(AidProgramView, "AidPrograms", label=_l("Aid programmes"), icon="fa-list", **aid)
    appbuilder.add_view(ProgramStandardView, "ProgramStandards", label=_l("Aid standards"), icon="fa-balance-scale",
                        **aid)
    appbuilder.add_view(SemesterView, "Semesters", label=_l("School years and semesters"), icon="fa-calendar", **aid)
    appbuilder.add_view(AwardView, "Awards", label=_l("Award list"), icon="fa-money", **aid)
    appbuilder.add_view(AwardImportView, "AwardImport", label=_l("Import award proposals"), icon="fa-upload", **aid)
    appbuilder.add_view(SchoolFundView, "SchoolFunds", label=_l("School aid funds"), icon="fa-book", **aid)
    appbuilder.add_view(SocialProjectView, "SocialProjects", label=_l("Social aid projects"), icon="fa-handshake-o", **aid)
    appbuilder.add_view(PairingView, "Pairings", label=_l("Pairings"), icon="fa-link", **aid)
    appbuilder.add_view(PublicNoticeView, "PublicNotice", label=_l("Public notice"), icon="fa-bullhorn", **aid)
    appbuilder.add_view(NoticeRuleView, "NoticeRules", label=_l("Notice periods"), icon="fa-clock-o", **aid)
    appbuilder.add_view(WorkCalendarView, "WorkCalendar", label=_l("Working-day calendar"), icon="fa-calendar-o", **aid)
    appbuilder.add_view(CoverageView, "Coverage", label=_l("Coverage"), icon="fa-check-square-o", **aid)
    appbuilder.add_view(OverlapView, "Overlaps", label=_l("Duplicate aid check"), icon="fa-clone", **aid)
    appbuilder.add_view(ProgramBudgetView, "ProgramBudgets", label=_l("Budgets and matching funds"), icon="fa-bank", **aid)
    appbuilder.add_view_no_menu(AllocationView)
    appbuilder.add_view_no_menu(BudgetFiguresView)
    appbuilder.add_link("BudgetFigures", href="BudgetFiguresView.figures", label=_l("Budget execution"),
                        icon="fa-pie-chart", **aid)
    appbuilder.add_view(PaymentBatchView, "PaymentBatches", label=_l("Payment batches"), icon="fa-credit-card", **aid)
    appbuilder.add_view(BatchLineView, "BatchLines", label=_l("Payments sent to the bank"), icon="fa-exchange", **aid)
    loans = dict(category="StudentLoans", category_label=_l("Student loans"), category_icon="fa-graduation-cap")
    appbuilder.add_view(LoanView, "Loans", label=_l("Loan list"), icon="fa-list", **loans)
    appbuilder.add_view_no_menu(LoanPagesView)
    appbuilder.add_link("PreApplications", href="LoanPagesView.pre_applications", label=_l("Pre-applications"),
                        icon="fa-user-plus", **loans)
    appbuilder.add_view(RepaymentDueView, "RepaymentDues", label=_l("Instalments"), icon="fa-calendar-check-o", **loans)
    appbuilder.add_link("ReminderMonth", href="LoanPagesView.reminders", label=_l("Reminder month (温馨提示月)"),
                        icon="fa-envelope", **loans)
    appbuilder.add_view(LoanReminderView, "LoanReminders", label=_l("Reminders (温馨提示)"), icon="fa-bell", **loans)
    appbuilder.add_link("LoanFigures", href="LoanPagesView.figures", label=_l("Loan figures"), icon="fa-bar-chart", **loans)
    appbuilder.add_view(LoanMaterialView, "LoanMaterials", label=_l("Application materials"), icon="fa-check-square", **loans)
    appbuilder.add_view(LoanRateView, "LoanRates", label=_l("Loan interest rates"), icon="fa-percent", **loans)
    reports = dict(category="Reporting", category_label=_l("Information reporting"), category_icon="fa-paper-plane")
    appbuilder.add_view_no_menu(ReportingPagesView)
    appbuilder.add_link("ReportTodo", href="ReportingPagesView.todo", label=_l("My report tasks"), icon="fa-tasks", **reports)
    appbuilder.add_view(ReportTaskView, "ReportTasks", label=_l("Report tasks"), icon="fa-list", **reports)
    appbuilder.add_view(SubmissionView, "Submissions", label=_l("Submissions"), icon="fa-inbox", **reports)
    appbuilder.add_link("ReportFigures", href="ReportingPagesView.figures", label=_l("Reporting timeliness and accuracy"),
                        icon="fa-bar-chart", **reports)
    appbuilder.add_view(CompletenessView, "Completeness", label=_l("Completeness of the records"),
                        icon="fa-check-circle", **reports)
    supervision = dict(category="Supervision", category_label=_l("Supervision"), category_icon="fa-search")
    appbuilder.add_view(InspectionView, "Inspections", label=_l("Inspections"), icon="fa-clipboard", **supervision)
    appbuilder.add_view_no_menu(InspectionScoreView)
    appbuilder.add_view(PhoneCallView, "PhoneCalls", label=_l("Phone follow-up calls"), icon="fa-phone", **supervision)
    appbuilder.add_view(InspectionItemView, "InspectionItems", label=_l("Inspection checklist"), icon="fa-list-ol",
                        **supervision)
    complaints = dict(category="ComplaintsMenu", category_label=_l("Complaints"), category_icon="fa-comments")
    appbuilder.add_view(ComplaintView, "Complaints", label=_l("Complaints and consultations"), icon="fa-comment",
                        **complaints)
    appbuilder.add_view_no_menu(ComplaintFiguresView)
    appbuilder.add_link("ComplaintFigures", href="ComplaintFiguresView.figures", label=_l("Complaint figures"),
                        icon="fa-bar-chart", **complaints)
    outreach = dict(category="Outreach", category_label=_l("Publicity and visits"), category_icon="fa-home")
    appbuilder.add_view(HomeVisitView, "HomeVisits", label=_l("Home visits"), icon="fa-home", **outreach)
    appbuilder.add_view(PublicityActivityView, "PublicityActivities", label=_l("Publicity activities"),
                        icon="fa-bullhorn", **outreach)
    appbuilder.add_view(AidStaffView, "AidStaff", label=_l("Aid staff"), icon="fa-users", **outreach)
    appbuilder.add_view(TrainingSessionView, "TrainingSessions", label=_l("Training"), icon="fa-graduation-cap",
                        **outreach)
    appbuilder.add_view_no_menu(TrainingAttendanceView)
    appbuilder.add_view(RecognitionView, "Recognitions", label=_l("Aid education (资助育人)"), icon="fa-star",
                        **outreach)
    appbuilder.add_view_no_menu(OutreachFiguresView)
    appbuilder.add_link("OutreachFigures", href="OutreachFiguresView.figures", label=_l("Outreach and staff figures"),
                        icon="fa-bar-chart", **outreach)
    stats = dict(category="Statistics", category_label=_l("Statistics and evaluation"), category_icon="fa-line-chart")
    appbuilder.add_view_no_menu(EvaluationView)
    appbuilder.add_link("Evaluation", href="EvaluationView.ranking", label=_l("Year-end evaluation"), icon="fa-trophy",
                        **stats)
    appbuilder.add_view(EvaluationPartView, "EvaluationParts", label=_l("Evaluation weights"), icon="fa-sliders", **stats)
    for api in (SchoolApi, StudentApi, IdentificationApi, IdentificationApplicationApi, AidProgramApi, AwardApi, LoanApi,
                ComplaintApi, TransferHandoverApi):
        appbuilder.add_api(api)
    from app.views.reports import register_print_views

    register_print_views(appbuilder)
    appbuilder.add_view_no_menu(SearchRelayView)
    appbuilder.add_view(AuditView, "AuditTrail", label=_l("Audit trail"), icon="fa-shield", category="Security")
    # System administration (registered first by the framework) goes to the end of the menu.
    appbuilder.menu.menu.sort(key=lambda item: item.name == "Security")
