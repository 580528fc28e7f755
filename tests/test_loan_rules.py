"""生源地信用助学贷款 rules of issue 18: the rate is the loan's school year's, kept by the centre; the first
instalment charges interest only from graduation; a pre-application belongs to the autumn the pupil
goes to university; the day an instalment was paid is its 还款日期."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.rules import idcard
from app.extensions import db
from app.models import Loan, LoanRate, RepaymentDue, Student
from app.rules import RuleError
from app.rules.loans import pre_application_year
from tests.conftest import WORLD, post_edit, visible_text

# each test's writes, through the screens too, are rolled back when it ends (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("rollback")


def _graduated_loan(app, seq, school_year, **over):
    """A borrower who graduated on 30 June 2025 (confirmed online in spring, as 毕业确认 is done)."""
    with app.app_context():
        s = Student(school_id=WORLD.school_a, name=f"利率{seq}", grade="已毕业", class_name="1班", enrolment_year=2018,
                    id_number=idcard.make("341124", date(2003, 5, 5), seq))
        db.session.add(s)
        db.session.flush()
        loan = Loan(student_id=s.id, co_borrower="父亲", academic_year=school_year, status="graduated",
                    amount=Decimal("12000"), expected_graduation=date(2025, 6, 30),
                    graduation_confirmed_on=date(2025, 3, 15), grace_years=0, repayment_years=10,
                    contract_number=f"LV{seq}", **over)
        db.session.add(loan)
        db.session.commit()
        return loan.id


def _start_repayment(client, loan_id):
    return client.post("/loanview/action_post", data={"action": "start_repayment", "rowid": [str(loan_id)]},
                       follow_redirects=True)


def _dues(app, loan_id):
    with app.app_context():
        return [(d.due_on, d.principal, d.interest) for d in db.session.scalars(
            select(RepaymentDue).where(RepaymentDue.loan_id == loan_id).order_by(RepaymentDue.due_on))]


def test_the_rate_is_the_loans_school_years_and_the_first_instalment_starts_at_graduation(app, center):
    """2021年生源地信用助学贷款政策调整（LPR减30个基点）: from 2021 a loan's yearly rate is the 5-year LPR
    less 30 basis points (2021-2022: 4.65% − 0.30% = 4.35%), lowered again later (2023-2024: 4.20% −
    0.60% = 3.60%), so each school year's loans take that year's rate, kept as data. Interest while
    studying is paid by the state (财政贴息): the borrower pays it from the day after graduation, so the
    first instalment (20 December) charges the 173 days from 1 July only, not a whole year, and not
    from the spring day graduation was confirmed."""
    with app.app_context():
        stored = {r.school_year: r for r in db.session.scalars(select(LoanRate))}
        assert (stored["2021-2022"].reference_rate, stored["2021-2022"].reduction_bp) == (Decimal("4.65"), 30)
        assert stored["2021-2022"].rate == Decimal("0.0435") and stored["2023-2024"].rate == Decimal("0.036")
    of_2021 = _graduated_loan(app, 701, "2021-2022")
    of_2023 = _graduated_loan(app, 703, "2023-2024")
    for loan_id in (of_2021, of_2023):
        _start_repayment(center, loan_id)
    dues = _dues(app, of_2021)
    assert len(dues) == 10 and dues[0][0] == date(2025, 12, 20)
    # 12,000 × 4.35% × 173/365 = 247.41; then a whole year on the 10,800 left: 469.80
    assert [d[1:] for d in dues[:2]] == [(Decimal("1200.00"), Decimal("247.41")), (Decimal("1200.00"), Decimal("469.80"))]
    # the same loan of 2023-2024 at 3.60%: 204.76, then 388.80
    assert [d[2] for d in _dues(app, of_2023)[:2]] == [Decimal("204.76"), Decimal("388.80")]
    history = visible_text(center.get(f"/loanview/history/{of_2021}"))
    assert "2025-12-20" in history and "247.41" in history
    rates = visible_text(center.get("/loanrateview/list/"))
    assert "2021-2022" in rates and "4.35" in rates and "LPR减30个基点" in rates


def test_a_year_without_a_rate_waits_for_the_centre_to_record_it(app, center, officer_a):
    """Rates change by year (2021年生源地信用助学贷款政策调整（LPR减30个基点）and later years lower): a
    schedule is never drawn up at a rate that is not the loan's year's. The centre records the year's
    rate on its screen; a school reads it but does not set it."""
    loan_id = _graduated_loan(app, 705, "2039-2040")
    text = visible_text(_start_repayment(center, loan_id))
    assert "2039-2040 学年尚未录入贷款利率" in text
    with app.app_context():
        assert db.session.get(Loan, loan_id).status == "graduated"
    assert _dues(app, loan_id) == []
    new_rate = {"school_year": "2039-2040", "reference_rate": "3.00", "reduction_bp": "60",
                "basis": "2021年生源地信用助学贷款政策调整（LPR减30个基点）", "ceiling_undergraduate": "20000",
                "ceiling_postgraduate": "25000"}
    officer_a.post("/loanrateview/add", data=new_rate)
    assert "2039-2040" not in visible_text(officer_a.get("/loanrateview/list/"))
    r = center.post("/loanrateview/add", data=new_rate)
    assert r.status_code == 302
    _start_repayment(center, loan_id)
    # at 3.00% − 0.60% = 2.40%: 12,000 × 2.40% × 173/365 = 136.50
    assert _dues(app, loan_id)[0][1:] == (Decimal("1200.00"), Decimal("136.50"))
    with app.app_context():
        assert db.session.get(Loan, loan_id).status == "repaying"


def test_the_ceiling_and_the_rate_are_the_loan_years(app, officer_a):
    """What a student may borrow a year and the rate follow the loan's school year: 财教〔2014〕180号 8,000 / 12,000;
    2021年国家助学贷款政策调整 12,000 / 16,000, LPR减30个基点; 教育部 财政部 中国人民银行 国家金融监督管理总局
    《关于调整完善国家助学贷款有关政策的通知》(2023) 16,000 / 20,000, LPR减60个基点; the 2024 notice of the same
    four departments 20,000 / 25,000 (本专科 / 研究生), LPR减70个基点."""
    from app.rules.loans import ceiling

    with app.app_context():
        rows = {r.school_year: (r.ceiling_undergraduate, r.ceiling_postgraduate, r.reduction_bp)
                for r in db.session.scalars(select(LoanRate))}
        assert rows["2019-2020"] == (8000, 12000, 0)
        assert rows["2021-2022"] == (12000, 16000, 30)
        assert rows["2023-2024"] == (16000, 20000, 60)
        assert rows["2024-2025"] == (20000, 25000, 70)
        assert ceiling(db.session, "undergraduate", "2022-2023") == 12000
        assert ceiling(db.session, "postgraduate", "2023-2024") == 20000
        latest = max(rows)
        assert ceiling(db.session, "undergraduate", "2059-2060") == rows[latest][0]  # holds until a policy changes it
        student = db.session.scalar(select(Loan.student_id).where(Loan.school_id == WORLD.school_a))
        loan = Loan(student_id=student, co_borrower="父", academic_year="2022-2023", status="accepted",
                    amount=Decimal("13000"), degree="undergraduate")
        db.session.add(loan)
        with pytest.raises(RuleError) as refused:
            db.session.commit()
        db.session.rollback()
        assert "2022-2023" in str(refused.value) and "12,000" in str(refused.value)


def test_a_rate_must_be_a_rate_on_every_path(app, center):
    """LPR减30个基点 (2021年生源地信用助学贷款政策调整): a rate is a reference rate less whole basis
    points, above zero, with the document it follows; the screen and a direct write are refused alike."""
    r = center.post("/loanrateview/add", data={"school_year": "2041-2042", "reference_rate": "3.00",
                                              "reduction_bp": "300", "basis": "测试", "ceiling_undergraduate": "20000",
                                              "ceiling_postgraduate": "25000"})
    assert "减点后的利率必须大于零" in visible_text(r)
    with app.app_context():
        assert db.session.scalar(select(LoanRate).where(LoanRate.school_year == "2041-2042")) is None
        ceilings = dict(ceiling_undergraduate=Decimal(20000), ceiling_postgraduate=Decimal(25000))
        for bad in (dict(school_year="2041", reference_rate=Decimal("3"), reduction_bp=30, basis="x"),
                    dict(school_year="2041-2042", reference_rate=Decimal("3"), reduction_bp=30, basis=" "),
                    dict(school_year="2041-2042", reference_rate=Decimal("0.25"), reduction_bp=30, basis="x"),
                    dict(school_year="2041-2042", reference_rate=Decimal("3"), reduction_bp=30, basis="x",
                         ceiling_undergraduate=Decimal(0))):
            db.session.add(LoanRate(**{**ceilings, **bad}))
            with pytest.raises(RuleError):
                db.session.commit()
            db.session.rollback()
        db.session.add(LoanRate(school_year="2041-2042", reference_rate=Decimal("3.00"), reduction_bp=30, basis="x",
                                **ceilings))
        db.session.commit()
        rate_id = db.session.scalar(select(LoanRate.id).where(LoanRate.school_year == "2041-2042"))
    # the centre corrects a year's rate on the form
    post_edit(center, f"/loanrateview/edit/{rate_id}", {"school_year": "2041-2042", "reference_rate": "3.10",
                                                        "reduction_bp": "30", "basis": "x",
                                                        "ceiling_undergraduate": "20000", "ceiling_postgraduate": "25000"})
    with app.app_context():
        assert db.session.get(LoanRate, rate_id).rate == Decimal("0.028")


@pytest.mark.parametrize("day, school_year", [
    (date(2026, 12, 5), "2027-2028"),    # December: the 高三 pupils go to university next autumn
    (date(2027, 1, 10), "2027-2028"),
    (date(2027, 5, 20), "2027-2028"),
    (date(2027, 8, 31), "2027-2028"),    # the summer the applicants graduate from high school
    (date(2027, 9, 1), "2028-2029"),     # a new school year, new 高三 pupils
])
def test_a_pre_application_is_for_the_autumn_the_pupil_goes_to_university(day, school_year):
    """生源地信用助学贷款 预申请 among 高三 grant holders (the county's work plan): the loan is for the
    school year the pupil starts university, so one made in December belongs to the next school year."""
    assert pre_application_year(day) == school_year


def test_a_pre_application_made_today_is_stored_for_that_school_year(app, officer_a):
    """预申请 (the county's work plan, 生源地信用助学贷款): a pre-application made in December 2026 is
    for 2027-2028, the autumn this year's 高三 pupils go to university; the page says so."""
    from app.models import AidProgram, Award, Semester
    from app.rules import cards

    with app.app_context():
        s = Student(school_id=WORLD.school_a, name="十二月预申请", grade="高三", class_name="3班", enrolment_year=2024,
                    id_number=idcard.make("341124", date(2008, 6, 6), 707), guardian="李母")
        db.session.add(s)
        db.session.flush()
        grant = db.session.scalar(select(AidProgram).where(AidProgram.name == "普通高中国家助学金"))
        if grant is None:
            grant = AidProgram(name="普通高中国家助学金", kind="national", stages="senior,complete",
                               standard_amount=Decimal("3000"), period="year")
            db.session.add(grant)
            db.session.flush()
        semester = db.session.scalar(select(Semester).where(Semester.school_year == "2024-2025", Semester.term == "1"))
        if semester is None:
            semester = Semester(school_year="2024-2025", term="1", starts_on=date(2024, 9, 1), ends_on=date(2025, 1, 20))
            db.session.add(semester)
            db.session.flush()
        db.session.add(Award(student_id=s.id, program_id=grant.id, semester_id=semester.id, amount=Decimal("1000"),
                             card_kind="aid_card", card_number=cards.make("6217", 19, 7071), status="paid"))
        db.session.commit()
        sid = s.id
    expected = pre_application_year(date.today())
    assert expected in visible_text(officer_a.get("/loans/pre-applications/"))
    officer_a.post("/loans/pre-applications/create", data={"student": [str(sid)]})
    with app.app_context():
        loan = db.session.scalar(select(Loan).where(Loan.student_id == sid))
        assert loan.status == "pre_applied" and loan.academic_year == expected
        if date.today().month >= 9:  # September to December: not the calendar year's school year
            assert loan.academic_year != f"{date.today().year}-{date.today().year + 1}"


def test_the_day_an_instalment_was_paid_is_its_repayment_date(app, center):
    """The national scheme's wording: what the borrower paid and on which day is the 还款日期 (not the
    发放日期 of an award)."""
    loan_id = _graduated_loan(app, 709, "2022-2023")
    _start_repayment(center, loan_id)
    with app.app_context():
        due_id = db.session.scalar(select(RepaymentDue.id).where(RepaymentDue.loan_id == loan_id)
                                   .order_by(RepaymentDue.due_on))
    for url in ("/repaymentdueview/list/", f"/repaymentdueview/show/{due_id}", f"/repaymentdueview/edit/{due_id}",
                f"/loanview/history/{loan_id}"):
        text = visible_text(center.get(url))
        assert "还款日期" in text and "发放日期" not in text, url
    r = post_edit(center, f"/repaymentdueview/edit/{due_id}", {"paid_principal": "0", "paid_interest": "0",
                                                               "paid_on": "2025-12-19"})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(RepaymentDue, due_id).paid_on == date(2025, 12, 19)


# --- who may borrow: pupils of 高中 and 中职 going to university, never a 幼儿园's, 小学's or 初中's -----------

NO_LOAN = "生源地信用助学贷款面向升入高校的高中、中职学生"


def _loan_count(app):
    with app.app_context():
        return db.session.query(Loan).count()


def test_a_loan_for_a_primary_pupil_is_refused_by_the_form(app, center):
    before = _loan_count(app)
    r = center.post("/loanview/add", data={"student": WORLD.student_b_number, "co_borrower": "乙家长",
                                           "degree": "undergraduate", "academic_year": "2026-2027", "amount": "8000",
                                           "grace_years": "0", "repayment_years": "15"})
    shown = visible_text(r)
    assert r.status_code == 200 and f"{NO_LOAN}：测试乙小学属于小学，其学生不能申请贷款。" in shown, shown[:2000]
    assert _loan_count(app) == before


def test_a_loan_for_a_primary_pupil_is_refused_by_the_api_post_and_put(app, api):
    jwt = api("t_center")
    before = _loan_count(app)
    r = jwt.post("/api/v1/loan/", json={"student": WORLD.student_b, "co_borrower": "乙家长", "academic_year": "2026-2027",
                                        "amount": 8000, "degree": "undergraduate"})
    assert r.status_code == 422 and NO_LOAN in str(r.get_json()["message"]), r.get_json()
    assert _loan_count(app) == before
    # nor is a high-school pupil's loan given to a primary pupil
    r = jwt.put_current(f"/api/v1/loan/{WORLD.loan_a}", json={"student": WORLD.student_b})
    assert r.status_code == 422 and NO_LOAN in str(r.get_json()["message"]), r.get_json()
    with app.app_context():
        assert db.session.get(Loan, WORLD.loan_a).student_id == WORLD.student_a


def test_a_bulk_insert_of_a_primary_pupils_loan_is_refused(app):
    from sqlalchemy import insert

    with app.app_context():
        with pytest.raises(RuleError) as refused:
            db.session.execute(insert(Loan), [dict(student_id=WORLD.student_b, school_id=WORLD.school_b,
                                                   co_borrower="乙家长", academic_year="2026-2027")])
        assert "student" in refused.value.errors
        db.session.rollback()
    assert _loan_count(app) >= 1


def test_a_complete_schools_junior_pupils_cannot_borrow_its_senior_and_former_pupils_can(app):
    from app.models import School
    from tests.conftest import purge

    with app.app_context():
        school = School(code="T0019", name="贷款测试完全中学", stage="complete", town="古河镇")
        db.session.add(school)
        db.session.commit()
        pupils = {grade: Student(school_id=school.id, name=f"完中{grade}", grade=grade, class_name="1班",
                                 enrolment_year=2022 if grade != "已毕业" else 2019,
                                 id_number=idcard.make("341124", born, 700 + n))
                  for n, (grade, born) in enumerate((("八年级", date(2013, 3, 3)), ("高三", date(2008, 3, 3)),
                                                     ("已毕业", date(2004, 3, 3))))}
        db.session.add_all(pupils.values())
        db.session.commit()
        made = []
        try:
            db.session.add(Loan(student_id=pupils["八年级"].id, co_borrower="家长", academic_year="2026-2027"))
            with pytest.raises(RuleError) as refused:
                db.session.flush()
            assert "八年级（初中）学生不能申请贷款" in str(refused.value.errors["student"])
            db.session.rollback()
            for grade in ("高三", "已毕业"):
                loan = Loan(student_id=pupils[grade].id, co_borrower="家长", academic_year="2026-2027")
                db.session.add(loan)
                db.session.commit()
                made.append(loan)
        finally:
            db.session.rollback()
            purge(*made, *pupils.values(), school)
            db.session.commit()


def test_a_loan_kept_from_before_the_rule_still_takes_its_contact_changes(app, api):
    # School B's loan (tests/conftest.py) was written before the rule: its borrower is not judged again
    # for a change that does not touch the borrower
    r = api("t_center").put_current(f"/api/v1/loan/{WORLD.loan_b}", json={"notes": "联系方式已更新"})
    assert r.status_code == 200, r.get_json()
    with app.app_context():
        assert db.session.get(Loan, WORLD.loan_b).notes == "联系方式已更新"


def test_an_officer_of_a_school_without_borrowers_has_no_loan_pages_by_any_address(app, as_role, api):
    primary = as_role("t_officer_b")
    for url in ("/loanview/list/", f"/loanview/show/{WORLD.loan_b}", "/loanview/add", "/loans/figures/",
                "/loans/reminders/", "/loans/pre-applications/", "/repaymentdueview/list/",
                "/loanreminderview/list/", "/loanrateview/list/", "/loanmaterialview/list/",
                f"/print/loan/{WORLD.loan_b}"):
        r = primary.get(url, follow_redirects=True)
        assert "您没有执行此操作的权限" in visible_text(r) or r.status_code in (403, 404), (url, r.status_code)
    r = primary.post("/loanview/add", data={"student": WORLD.student_b_number, "co_borrower": "乙家长",
                                            "academic_year": "2026-2027"}, follow_redirects=True)
    assert "您没有执行此操作的权限" in visible_text(r)
    jwt = api("t_officer_b")
    assert jwt.get("/api/v1/loan/").status_code in (401, 403)
    assert jwt.post("/api/v1/loan/", json={"student": WORLD.student_b, "co_borrower": "乙家长",
                                           "academic_year": "2026-2027"}).status_code in (401, 403)
    # a high school's officer keeps its loan work
    senior = as_role("t_officer_a")
    assert senior.get("/loanview/list/").status_code == 200 and senior.get("/loans/figures/").status_code == 200
    assert api("t_officer_a").get("/api/v1/loan/").status_code == 200
