"""生源地信用助学贷款: every step by role, the checklist, the ceiling, the schedule, overdue and the figures."""
from datetime import date
from decimal import Decimal

import pytest

from app.rules import idcard
from app.extensions import db
from app.models import Award, Loan, LoanEvent, LoanMaterial, RepaymentDue, Student
from app.rules.loans import instalments, is_overdue
from tests.conftest import WORLD, visible_text
from tests.factories import make_pupil, make_school

# each test's writes, through the screens too, are rolled back when it ends (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("rollback")


def _loan(app, status="pre_applied", amount="8000", seq=None, **over):
    with app.app_context():
        s = make_pupil(WORLD.school_a, "高三", name=f"贷款{seq}")
        loan = Loan(student_id=s.id, co_borrower="父亲", academic_year="2026-2027", status=status,
                    amount=Decimal(amount) if amount else None, **over)
        db.session.add(loan)
        db.session.commit()
        return loan.id


def _status(app, loan_id):
    with app.app_context():
        return db.session.get(Loan, loan_id).status


def _step(client, loan_id, action):
    return client.post("/loanview/action_post", data={"action": action, "rowid": [str(loan_id)]}, follow_redirects=True)


def test_the_whole_lifecycle_is_recorded_step_by_step(app, center):
    loan_id = _loan(app, seq=201)
    with app.app_context():
        loan = db.session.get(Loan, loan_id)
        loan.materials = db.session.query(LoanMaterial).filter_by(required=True).all()
        loan.contract_number = "HT2026-201"
        loan.expected_graduation = date(2030, 7, 1)
        loan.grace_years, loan.repayment_years = 2, 10
        db.session.commit()
    for action, expected in [("accept", "accepted"), ("approve", "approved"), ("sign", "contracted"),
                             ("disburse", "disbursed"), ("confirm_graduation", "graduated"),
                             ("start_repayment", "repaying"), ("mark_overdue", "overdue"), ("resume", "repaying"),
                             ("settle", "settled")]:
        _step(center, loan_id, action)
        assert _status(app, loan_id) == expected, action
    with app.app_context():
        events = db.session.query(LoanEvent).filter_by(loan_id=loan_id).order_by(LoanEvent.id).all()
        assert [e.to_status for e in events][:3] == ["accepted", "approved", "contracted"]
        assert all(e.user is not None and e.user.username == "t_center" and e.at for e in events)
        dues = db.session.query(RepaymentDue).filter_by(loan_id=loan_id).order_by(RepaymentDue.due_on).all()
        assert len(dues) == 10 and dues[0].principal == 0 and dues[2].principal > 0
    history = visible_text(center.get(f"/loanview/history/{loan_id}"))
    assert "预申请 → 已受理" in history and "还款中 → 已结清" in history


def test_steps_out_of_order_or_by_the_wrong_role_are_refused(app, center, officer_a):
    loan_id = _loan(app, seq=203)
    text = visible_text(_step(center, loan_id, "disburse"))
    assert "不能执行此步骤" in text and _status(app, loan_id) == "pre_applied"
    _step(officer_a, loan_id, "accept")
    assert _status(app, loan_id) == "pre_applied"
    officer_a.post(f"/loanview/reject/{loan_id}", data={"reason": "x"})
    assert _status(app, loan_id) == "pre_applied"  # only the centre decides a loan


def test_approval_needs_every_required_material(app, center):
    loan_id = _loan(app, seq=205)
    _step(center, loan_id, "accept")
    text = visible_text(_step(center, loan_id, "approve"))
    assert "缺少必需的受理材料：测试身份证" in text and _status(app, loan_id) == "accepted"


def test_not_approved_needs_a_reason(app, center):
    loan_id = _loan(app, seq=207)
    _step(center, loan_id, "accept")
    assert "请填写未通过的原因" in visible_text(center.post(f"/loanview/reject/{loan_id}", data={"reason": " "}))
    center.post(f"/loanview/reject/{loan_id}", data={"reason": "非本县户籍"})
    with app.app_context():
        loan = db.session.get(Loan, loan_id)
        assert loan.status == "rejected" and loan.reject_reason == "非本县户籍"


def test_signing_needs_a_contract_number(app, center):
    loan_id = _loan(app, status="approved", seq=209)
    assert "请先填写合同编号" in visible_text(_step(center, loan_id, "sign"))


@pytest.mark.parametrize("degree, amount, ok", [("undergraduate", "20000", True), ("undergraduate", "20000.01", False),
                                                ("postgraduate", "25000", True), ("postgraduate", "25001", False)])
def test_the_yearly_ceiling(app, officer_a, degree, amount, ok):
    """财政部 教育部 中国人民银行 国家金融监督管理总局 (2024): from autumn 2024 a student may borrow up to 20,000 a year
    (本专科) or 25,000 (研究生); the ceiling is the loan's school year's (助学贷款 › 贷款利率)."""
    with app.app_context():
        number = make_pupil(WORLD.school_a, "高三", name="额度").id_number
    r = officer_a.post("/loanview/add", data={"student": number, "co_borrower": "母亲", "degree": degree,
                                              "academic_year": "2026-2027", "amount": amount, "grace_years": "0",
                                              "repayment_years": "15"})
    assert (r.status_code == 302) is ok
    if not ok:
        assert "每年最多可贷" in visible_text(r)


def test_schedule_by_hand():
    # 12,000 at 4%: graduation 2030-07-01, 2 grace years, 5-year term → first due 2030-12-20
    rows = instalments(Decimal("12000"), "0.04", date(2030, 7, 1), 2, 5)
    assert [r[0] for r in rows] == [date(y, 12, 20) for y in range(2030, 2035)]
    assert [r[1] for r in rows] == [Decimal("0.00"), Decimal("0.00"), Decimal("4000.00"), Decimal("4000.00"), Decimal("4000.00")]
    # the first charges the 172 days from 2 July to 20 December only (12,000 × 4% × 172/365 = 226.19)
    assert [r[2] for r in rows] == [Decimal("226.19"), Decimal("480.00"), Decimal("480.00"), Decimal("320.00"), Decimal("160.00")]
    # graduating after 20 December: the first instalment is the next year's
    assert instalments(Decimal("9000"), "0.04", date(2030, 12, 21), 0, 3)[0][0] == date(2031, 12, 20)
    # rounding: the last part takes what is left
    assert sum(r[1] for r in instalments(Decimal("10000"), "0.04", date(2030, 7, 1), 0, 3)) == Decimal("10000")


@pytest.mark.parametrize("today, paid, expected", [
    (date(2026, 12, 20), 0, False),   # the day itself is still on time
    (date(2026, 12, 21), 0, True),
    (date(2027, 1, 1), 0, True),      # across the year end
    (date(2027, 1, 1), 308, False),   # paid in full
    (date(2027, 1, 1), 300, True),    # 8 yuan short
])
def test_overdue_around_the_due_day(today, paid, expected):
    due = RepaymentDue(due_on=date(2026, 12, 20), principal=Decimal("0"), interest=Decimal("308"),
                       paid_principal=Decimal("0"), paid_interest=Decimal(paid))
    assert is_overdue(due, today) is expected


def test_figures_by_hand(app):
    from app.kpi.loans import loan_figures

    with app.app_context():
        school = make_school("senior", name="贷款统计中学", save=False)
        db.session.add(school)
        db.session.flush()
        made = []
        for i, (status, amount) in enumerate([("accepted", 8000), ("approved", 10000), ("rejected", 6000),
                                              ("disbursed", 12000), ("repaying", 5000), ("pre_applied", None)]):
            s = make_pupil(school, "高三", save=False, name=f"统计{i}")
            db.session.add(s)
            db.session.flush()
            loan = Loan(student_id=s.id, co_borrower="父", academic_year="2031-2032", status=status,
                        amount=Decimal(amount) if amount else None)
            db.session.add(loan)
            made.append(loan)
        db.session.flush()
        repaying = made[4]
        db.session.add_all([
            RepaymentDue(loan_id=repaying.id, due_on=date(2031, 12, 20), principal=Decimal("1000"), interest=Decimal("200"),
                         paid_principal=Decimal("1000"), paid_interest=Decimal("200"), paid_on=date(2031, 12, 1)),
            RepaymentDue(loan_id=made[3].id, due_on=date(2031, 12, 20), principal=Decimal("0"), interest=Decimal("300"),
                         paid_principal=Decimal("0"), paid_interest=Decimal("0")),
        ])
        db.session.commit()
    with app.test_request_context():
        total, per_school = loan_figures(2031, today=date(2032, 1, 10))
        row = next(r for r in per_school if r.school_name == "贷款统计中学")
        assert (row.applications, row.approvals, row.rejections) == (5, 3, 1)
        assert row.approval_rate == 0.75
        assert row.lent == Decimal("17000")
        assert (row.due, row.recovered) == (Decimal("1500"), Decimal("1200"))
        assert row.recovery_rate == Decimal("1200") / Decimal("1500")
        assert row.overdue_borrowers == 1


def test_pre_application_candidates_and_bulk_creation(app, center, officer_a):
    with app.app_context():
        s = Student(school_id=WORLD.school_a, name="预申请对象", grade="高三", class_name="2班", enrolment_year=2024,
                    id_number=idcard.make("341124", date(2008, 3, 3), 451), guardian="王父")
        other = Student(school_id=WORLD.school_a, name="无助学金", grade="高三", class_name="2班", enrolment_year=2024,
                        id_number=idcard.make("341124", date(2008, 3, 3), 453))
        db.session.add_all([s, other])
        db.session.flush()
        from app.models import AidProgram, Semester

        grant = AidProgram(name="普通高中国家助学金", kind="national", stages="senior,complete",
                           standard_amount=Decimal("3000"), period="year") if not db.session.query(AidProgram).filter_by(
                               name="普通高中国家助学金").count() else db.session.query(AidProgram).filter_by(name="普通高中国家助学金").one()
        db.session.add(grant)
        db.session.flush()
        old = db.session.query(Semester).filter_by(school_year="2024-2025", term="1").one_or_none()
        if old is None:  # another test may have recorded that semester already
            old = Semester(school_year="2024-2025", term="1", starts_on=date(2024, 9, 1), ends_on=date(2025, 1, 20))
            db.session.add(old)
            db.session.flush()
        from app.rules import cards

        db.session.add(Award(student_id=s.id, program_id=grant.id, semester_id=old.id, amount=Decimal("1000"),
                             card_kind="aid_card", card_number=cards.make("6217", 19, 3131), status="paid"))
        db.session.commit()
        sid = s.id
    page = visible_text(officer_a.get("/loans/pre-applications/"))
    assert "预申请对象" in page and "无助学金" not in page
    officer_a.post("/loans/pre-applications/create", data={"student": [str(sid)]})
    with app.app_context():
        loan = db.session.query(Loan).filter_by(student_id=sid).one()
        assert loan.status == "pre_applied" and loan.school_id == WORLD.school_a and loan.co_borrower == "王父"
    assert "预申请对象" not in visible_text(officer_a.get("/loans/pre-applications/"))


def test_reminder_month_lists_graduates_and_dues_of_the_year(app, center, officer_a):
    _loan(app, status="disbursed", seq=501, expected_graduation=date(2027, 6, 30), co_borrower_phone="13700000000")
    repaying = _loan(app, status="repaying", seq=503)
    with app.app_context():
        db.session.add(RepaymentDue(loan_id=repaying, due_on=date(2027, 12, 20), principal=Decimal("1000"),
                                    interest=Decimal("100")))
        db.session.add(RepaymentDue(loan_id=repaying, due_on=date(2028, 12, 20), principal=Decimal("1000"),
                                    interest=Decimal("60")))
        db.session.commit()
    text = visible_text(center.get("/loans/reminders/?year=2027"))
    assert "贷款501" in text and "2027-06-30" in text
    assert "贷款503" in text and "2027-12-20" in text and "2028-12-20" not in text
    assert "乙校" not in visible_text(officer_a.get("/loans/reminders/?year=2026"))


def test_loan_api_keeps_to_the_officers_school_and_the_ceiling(app, api):
    jwt = api("t_officer_a")
    listed = jwt.get("/api/v1/loan/").get_json()
    assert listed["count"] >= 1 and all(row["school"]["id"] == WORLD.school_a for row in listed["result"])
    assert jwt.get(f"/api/v1/loan/{WORLD.loan_b}").status_code == 404
    with app.app_context():
        sid = make_pupil(WORLD.school_a, "高三", name="接口贷款").id
    too_much = jwt.post("/api/v1/loan/", json={"student": sid, "co_borrower": "母", "academic_year": "2026-2027",
                                               "amount": 20001, "degree": "undergraduate"})
    assert too_much.status_code == 422 and "amount" in too_much.get_json()["message"]
    ok = jwt.post("/api/v1/loan/", json={"student": sid, "co_borrower": "母", "academic_year": "2026-2027",
                                         "amount": 20000, "degree": "undergraduate"})
    assert ok.status_code == 201, ok.get_json()


@pytest.mark.parametrize("action", sorted(__import__("app.rules.loans", fromlist=["TRANSITIONS"]).TRANSITIONS))
def test_every_step_allowed_for_the_centre_from_its_state_and_refused_otherwise(app, action):
    from types import SimpleNamespace

    from app.models.loans import LOAN_STATUSES
    from app.rules import RuleError
    from app.rules.loans import TRANSITIONS, transition

    sources, target, _ = TRANSITIONS[action]

    class Session:
        def add(self, obj):
            pass

        def scalars(self, stmt):  # no material is required; the loans' year has its rate
            from app.models import LoanRate

            rates = [LoanRate(school_year="2026-2027", reference_rate=Decimal("3.50"), reduction_bp=70, basis="测试",
                              ceiling_undergraduate=Decimal(20000), ceiling_postgraduate=Decimal(25000))]
            return SimpleNamespace(all=lambda: rates if "loan_rate" in str(stmt) else [])

    with app.test_request_context():
        for role in ("SchoolOfficer", "Supervisor", "Leader"):
            loan = Loan(status=next(iter(sources)), contract_number="HT1", amount=Decimal("8000"),
                        expected_graduation=date(2030, 7, 1), academic_year="2026-2027", grace_years=0, repayment_years=10)
            with pytest.raises(RuleError):
                transition(loan, action, [role], Session(), comment="理由")
            assert loan.status in sources
        for code, _ in LOAN_STATUSES:
            loan = Loan(status=code, contract_number="HT1", amount=Decimal("8000"), expected_graduation=date(2030, 7, 1),
                        academic_year="2026-2027", grace_years=0, repayment_years=10)
            if code in sources:
                transition(loan, action, ["AidCenter"], Session(), comment="理由")
                assert loan.status == target
            else:
                with pytest.raises(RuleError):
                    transition(loan, action, ["AidCenter"], Session(), comment="理由")


def test_the_list_links_each_loan_to_its_history(app, center):
    html = center.get("/loanview/list/").get_data(as_text=True)
    assert f"/loanview/history/{WORLD.loan_a}" in html


def test_the_loan_export_has_text_not_links(app, center):
    from io import BytesIO

    from openpyxl import load_workbook

    rows = list(load_workbook(BytesIO(center.get("/loanview/export/").data)).active.iter_rows(values_only=True))
    assert "状态" in rows[0] and not any("<a" in str(v) for row in rows for v in row)


def test_applications_without_a_contract_number_yet_do_not_clash(app, officer_a):
    """The school records applications before any contract exists: the form sends the number blank,
    stored as none (the number is unique), so a second such application is not refused."""
    numbers = []
    with app.app_context():
        for seq in (451, 452):
            numbers.append(make_pupil(WORLD.school_a, "高三", name=f"无合同{seq}").id_number)
    for number in numbers:
        r = officer_a.post("/loanview/add", data={"student": number, "co_borrower": "母亲", "degree": "undergraduate",
                                                  "academic_year": "2026-2027", "contract_number": "  ",
                                                  "amount": "8000", "grace_years": "0", "repayment_years": "15"})
        assert r.status_code == 302, visible_text(r)[:1500]
    with app.app_context():
        made = db.session.scalars(db.select(Loan).join(Student).where(Student.id_number.in_(numbers))).all()
        assert len(made) == 2 and all(loan.contract_number is None for loan in made)


def test_each_instalment_is_paid_from_the_loans_history(app, center, as_role):
    """The centre records a payment from the borrower's 办理记录 (登记还款 beside each instalment): the
    instalment list has no search by borrower. A supervisor reads the schedule without the button."""
    loan_id = _loan(app, status="graduated", amount="12000", seq=455, expected_graduation=date(2025, 6, 30),
                    repayment_years=10)
    _step(center, loan_id, "start_repayment")
    with app.app_context():
        due = db.session.scalars(db.select(RepaymentDue).where(RepaymentDue.loan_id == loan_id)
                                 .order_by(RepaymentDue.due_on)).first()
        assert due is not None and due.due_on == date(2025, 12, 20)
        due_id = due.id
    page = center.get(f"/loanview/history/{loan_id}").get_data(as_text=True)
    assert f"/repaymentdueview/edit/{due_id}" in page and "登记还款" in page
    page = as_role("t_supervisor").get(f"/loanview/history/{loan_id}").get_data(as_text=True)
    assert "2025-12-20" in page and "/repaymentdueview/edit/" not in page and "登记还款" not in page
