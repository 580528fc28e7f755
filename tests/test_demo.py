"""The demo county: enough, varied and valid data; idempotent."""
import tempfile

import pytest

from sqlalchemy import func, select

from app.rules import idcard
from app.models import Identification, InfoOfficer, School, Student
from app.security.roles import FAB_ROLES


def test_seed_demo_builds_a_plausible_county_once(app):
    from flask_migrate import upgrade

    from app import create_app
    from app.demo.county import GRADES, seed_demo
    from app.extensions import db

    folder = tempfile.mkdtemp(prefix="aid-demo-")
    demo = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/demo.db",
                      AUDIT_ANCHOR_FILE=f"{folder}/anchors.log")
    with demo.app_context():
        upgrade()
        result = seed_demo(students=600)
        assert result.created and result.students == 600
        schools = db.session.scalars(select(School)).all()
        assert len(schools) >= 25
        assert {s.stage for s in schools} == {"kindergarten", "primary", "junior", "senior", "complete", "vocational"}
        assert any(s.name.endswith("职业教育中心") for s in schools)
        assert any(s.name.endswith("中心幼儿园") for s in schools)
        students = db.session.scalars(select(Student).where(Student.grade != "已毕业")).all()
        # the pupils asked for, and this year's 高三 loan applicants among the borrowers
        assert 600 <= len(students) <= 700
        stage_of = {s.id: s.stage for s in schools}
        for st in students:
            info = idcard.parse(st.id_number)
            assert (info.birth_date, info.gender) == (st.birth_date, st.gender)
            assert st.grade in GRADES[stage_of[st.school_id]]
        # every pupil (former pupils too), school and officer passes the record rules as if typed in anew
        from types import SimpleNamespace

        from sqlalchemy import inspect as sa_inspect

        from app.rules.officers import check_officer
        from app.rules.schools import check_school
        from app.rules.students import check_student

        for model, check in ((Student, check_student), (School, check_school), (InfoOfficer, check_officer)):
            columns = [c.key for c in sa_inspect(model).column_attrs]
            for record in db.session.scalars(select(model)):
                check(SimpleNamespace(**{c: getattr(record, c) for c in columns}), db.session)
        # this school year's (last year's of the same pupils are there too: last semester's awards rest on them)
        this_year = max(db.session.scalars(select(Identification.school_year)).all())
        idents = db.session.scalars(select(Identification).where(Identification.school_year == this_year)).all()
        assert 0.04 * 600 < len(idents) < 0.2 * 600
        assert {i.level for i in idents} == {"special", "difficult", "general"}
        assert any(i.is_priority for i in idents) and not all(i.is_priority for i in idents)
        for i in idents:
            assert i.school_id == db.session.get(Student, i.student_id).school_id
        # every demo award, fund and pairing passes the rules that guard the screens
        from app.models import Award, Pairing, SchoolFund
        from app.rules.awards import check_award
        from app.rules.funds import check_fund, check_pairing

        awards = db.session.scalars(select(Award)).all()
        assert {a.status for a in awards} >= {"proposed", "approved", "paid"}
        for award in awards:  # eligibility and the standard too (app/rules/eligibility.py)
            check_award(award, db.session, full=True)
        # 免学费 is credited to the school: no card; since spring 2025 中职国家助学金 reaches the third year too
        assert all(a.card_number is None for a in awards if a.program.waiver)
        assert all(a.card_number for a in awards if not a.program.waiver)
        assert any(a.student.grade == "中职三年级" and a.program.name == "中职国家助学金" for a in awards)
        # 控辍保学 has something to show: identified pupils who dropped out this year, one visited since
        from app.rules.identification import school_year_of
        from app import clock
        from app.rules.pupil_status import dropouts

        left = dropouts(db.session, school_year_of(clock.today()))
        assert len(left) >= 2 and any(visited for _, _, visited in left) and not all(visited for _, _, visited in left)
        for fund in db.session.scalars(select(SchoolFund)):
            stored = fund.compliance
            check_fund(fund, db.session)
            assert fund.compliance == stored
        for pairing in db.session.scalars(select(Pairing)):
            check_pairing(pairing)
        from app.models import Loan
        from app.rules.loans import check_loan

        loans = db.session.scalars(select(Loan)).all()
        assert len(loans) >= 100
        assert {loan.status for loan in loans} >= {"pre_applied", "accepted", "rejected", "disbursed", "repaying",
                                                    "settled", "overdue"}
        for loan in loans:
            check_loan(loan)
        # a pre-application is for the autumn its 高三 pupil goes to university; each schedule is at the rate
        # of its loan's school year, the first instalment charging interest from graduation only
        from datetime import date

        from app.rules.loans import _graduation, instalments, pre_application_year, rate_for

        for loan in loans:
            if loan.status == "pre_applied":
                assert loan.academic_year == pre_application_year(date.today()) and loan.student.grade == "高三"
            if loan.status in ("repaying", "settled", "overdue"):
                expected = instalments(loan.amount, rate_for(db.session, loan.academic_year), _graduation(loan),
                                       loan.grace_years, loan.repayment_years)
                assert [(d.due_on, d.principal, d.interest) for d in loan.dues] == expected
        db.session.rollback()
        # complaints in every state, each with the steps that led there; outreach that passes its rules
        from app.models import Complaint, HomeVisit, PublicityActivity, Recognition
        from app.models.outreach import AidStaff, TrainingAttendance
        from app.rules.complaints import ACTIONS
        from app.rules.outreach import check_activity, check_attendance, check_staff, check_visit

        complaints = db.session.scalars(select(Complaint)).all()
        assert {c.status for c in complaints} >= {"registered", "awaiting_approval", "investigating", "closed"}
        assert {c.kind for c in complaints} == {"consult", "complaint", "report"}
        for c in complaints:
            state = "registered"
            for step in c.steps:  # each step a legal one from where the case stood
                assert step.from_status == state and state in ACTIONS[step.action][0]
                state = step.to_status
            assert state == c.status
        for visit in db.session.scalars(select(HomeVisit)):
            check_visit(visit)
            assert visit.school_id == db.session.get(Student, visit.student_id).school_id
        for activity in db.session.scalars(select(PublicityActivity)):
            check_activity(activity)
        for person in db.session.scalars(select(AidStaff)):
            check_staff(person)
        for attendance in db.session.scalars(select(TrainingAttendance)):
            check_attendance(attendance, db.session)
        assert db.session.scalar(select(func.count(Recognition.id))) > 0
        from app.models import Inspection

        inspections = db.session.scalars(select(Inspection)).all()
        assert {i.status for i in inspections} == {"planned", "done"}
        assert {i.rectification_status for i in inspections} >= {"none", "required", "accepted"}
        assert all(i.scores for i in inspections if i.status == "done")
        from app.models.budgets import PaymentBatch, ProgramBudget
        from app.rules.budgets import check_budget, reconciliation

        budgets = db.session.scalars(select(ProgramBudget)).all()
        assert budgets and all(b.allocations for b in budgets)
        for budget in budgets:
            check_budget(budget)
        batch = db.session.scalars(select(PaymentBatch)).one()
        assert batch.status == "exported" and reconciliation(batch).balanced
        assert result.complaints == len(complaints) and result.outreach["visits"] > 0
        # 认定程序: this school year's procedure in every state across schools, as the centre's page shows it
        from app.rules.identification import school_year_of
        from app.rules.procedure import school_progress

        progress = {state for _, state, _, _ in school_progress(db.session, school_year_of(date.today()))}
        assert {"not_started", "assessing", "published", "submitted", "returned", "filed"} <= progress
        filed = db.session.scalars(select(Identification).where(Identification.application_id.is_not(None))).all()
        assert filed and all(i.effective for i in filed) and any(i.ended_on for i in filed)
        # one user per role; officers linked to their school
        from flask_appbuilder.security.sqla.models import User

        roles = {r.name for u in db.session.scalars(select(User)) for r in u.roles}
        assert roles == set(FAB_ROLES)
        assert db.session.scalar(select(func.count(InfoOfficer.id))) == 3
        # 转出到本县学校: one pupil of 第二中学 awaits 县中学 (the demo officer's to-do)
        from app.models import SchoolTransfer

        (transfer,) = db.session.scalars(select(SchoolTransfer)).all()
        names = {s.id: s.name for s in schools}
        assert transfer.status == "pending" and names[transfer.school_id].endswith("第二中学")
        assert names[transfer.to_school_id].endswith("县中学")
        assert db.session.get(Student, transfer.student_id).school_id == transfer.school_id
        total_students = db.session.scalar(select(func.count(Student.id)))
        # a second run changes nothing
        again = seed_demo(students=600)
        assert not again.created and "nothing changed" in again.summary()
        assert db.session.scalar(select(func.count(Student.id))) == total_students


def _county(students, key, today):
    """What a fresh database holds after seed_demo(students) with ENCRYPTION_KEY ``key``: pupils, identifications,
    awards, loans, this year's 学籍变动 (by the pupils' ID numbers) and the complaints."""
    from flask_migrate import upgrade

    from app import create_app
    from app.demo.county import seed_demo
    from app.extensions import db
    from app.models import Award, Complaint, Loan, StatusChange

    folder = tempfile.mkdtemp(prefix="aid-demo-")
    demo = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/demo.db",
                      AUDIT_ANCHOR_FILE=f"{folder}/anchors.log", ENCRYPTION_KEY=key)
    with demo.app_context():
        upgrade()
        result = seed_demo(students=students, today=today)
        number = dict(db.session.execute(select(Student.id, Student.id_number)).all())
        out = dict(
            created=result.created,
            pupils=[(s.name, s.id_number, s.student_number, s.grade, s.status, s.school.name)
                    for s in db.session.scalars(select(Student).order_by(Student.id))],
            identifications=sorted((number[i.student_id], i.school_year, i.level, i.identified_on, i.is_priority)
                                   for i in db.session.scalars(select(Identification))),
            awards=sorted((number[a.student_id], a.program.name, a.semester.school_year, a.semester.term, a.amount,
                           a.status, a.paid_on, a.card_number) for a in db.session.scalars(select(Award))),
            loans=sorted((number[loan.student_id], loan.status, loan.amount, loan.academic_year)
                         for loan in db.session.scalars(select(Loan))),
            changes=sorted((number[c.student_id], c.kind) for c in db.session.scalars(select(StatusChange))),
            complaints=sorted((c.kind, c.subject, c.channel, c.status, c.received_at, c.anonymous, c.complainant_name or "",
                               c.complainant_contact or "", c.school.name if c.school else "")
                              for c in db.session.scalars(select(Complaint))),
        )
        db.session.remove()
    return out


@pytest.mark.once  # demo counties in SQLite databases of their own
def test_the_same_seed_on_the_same_day_loads_the_same_county():
    """The demo county is one county: the browser tests and the README name what is in it. The seeder follows its
    random draws through reads of the database, which come back in the order of whatever index the database walks
    (the ID numbers' keyed hashes, different under another key) unless the seeder states the order."""
    import base64
    import secrets

    from app import clock

    today = clock.today()
    keys = [base64.urlsafe_b64encode(secrets.token_bytes(32)).decode() for _ in range(2)]
    first, second = (_county(300, key, today) for key in keys)
    assert first["created"] and first["awards"] and first["loans"] and first["changes"] and first["complaints"]
    assert first == second
    # the benchmarks' seeders load the county's frame alone (schools, users, programmes, borrowers, cases)
    frame = _county(0, keys[0], today)
    assert frame["created"] and frame["loans"] and not frame["identifications"]
    assert all(grade in ("高三", "已毕业") for _, _, _, grade, _, _ in frame["pupils"])
