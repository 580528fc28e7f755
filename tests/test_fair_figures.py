"""Figures that judge schools (issue 18): each counts only what can be judged, and never rewards missing data.

The figures are the work plan's: 全椒县2021年学生资助工作安排 (the county's 2021 work plan) —
三（三）规范信息报送制度 "上报信息必须在规定时间内报送，信息内容要准确无误。信息报送及时率、准确率将作为学校
年终考核的依据之一"; 二（三）2 "确保本息回收率达到100%"; 三（四）"结合学生资助绩效考核评价体系，落实资助工作
巡查、不定期暗访和电话回访等制度".  Each test below is one unfairness the issue found, red on the old figure.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app import clock
from app.rules import idcard
from app.extensions import db
from app.models import (
    Inspection, InspectionItem, InspectionScore, Loan, RepaymentDue, ReportTask, School, SchoolFund, Student, Submission,
)
from app.models.evaluation import EvaluationPart
from app.rules import RuleError
from tests.conftest import WORLD, post_edit, purge, visible_text


def _school(code, name, stage="primary"):
    school = School(code=code, name=name, stage=stage, town="襄河镇")
    db.session.add(school)
    db.session.flush()
    return school


# --- 信息报送及时率、准确率 (work plan 三（三）) -----------------------------------------------------------

def test_a_task_due_next_week_is_not_late_today(app, center):
    """信息报送及时率 (全椒县2021年学生资助工作安排 三（三）): "在规定时间内报送" — before the deadline a task
    not yet answered is not late; it used to count as required and missing, halving the school's rate."""
    from app.kpi.reporting import reporting_figures

    with app.app_context():
        school = _school("FF001", "及时率测试小学")
        done = ReportTask(title="已截止的报表", deadline=datetime(2033, 3, 1, 17), schools=[school])
        later = ReportTask(title="下周截止的报表", deadline=datetime(2033, 3, 10, 17), schools=[school])
        db.session.add_all([done, later])
        db.session.flush()
        db.session.add(Submission(task_id=done.id, school_id=school.id, submitted_at=datetime(2033, 2, 28, 9),
                                  status="accepted"))
        db.session.commit()
        sid = school.id
    with app.test_request_context():
        row = next(r for r in reporting_figures(2033, now=datetime(2033, 3, 3, 9)) if r.school_id == sid)
        assert (row.required, row.on_time, row.pending, row.missing) == (1, 1, 1, [])
        assert row.timeliness == 1
        # once its deadline has passed unanswered it is late and missing
        row = next(r for r in reporting_figures(2033, now=datetime(2033, 3, 11, 9)) if r.school_id == sid)
        assert (row.required, row.on_time, row.pending) == (2, 1, 0) and row.timeliness == 0.5
        assert [t.title for t in row.missing] == ["下周截止的报表"]

    # on the centre's page, today: a task due next week shows as not yet due, not as missing
    due = clock.now() + timedelta(days=7)
    with app.app_context():
        school = _school("FF002", "下周报送小学")
        db.session.add(ReportTask(title="下周才截止的任务", deadline=due, schools=[school]))
        db.session.commit()
    page = visible_text(center.get(f"/reporting/figures/?year={due.year}"))
    # required 0, on time 0, rate —, submitted 0, reviewed 0, accurate 0, rate —, awaiting review 0, not yet due 1
    row = page[page.index("下周报送小学"):]
    assert row.startswith("下周报送小学 0 0 — 0 0 0 — 0 1 ") and not row[29:].startswith("下周才截止的任务")
    assert "未到期" in page and "待审核" in page


def test_a_submission_awaiting_review_is_neither_accurate_nor_inaccurate(app):
    """准确率 (全椒县2021年学生资助工作安排 三（三）: "信息内容要准确无误"): only what the centre reviewed is judged;
    a submission awaiting review used to count as inaccurate."""
    from app.kpi.reporting import reporting_figures

    with app.app_context():
        school = _school("FF003", "准确率测试小学")
        tasks = [ReportTask(title=f"准确率任务{i}", deadline=datetime(2034, 4, 1 + i, 17), schools=[school]) for i in range(2)]
        db.session.add_all(tasks)
        db.session.flush()
        db.session.add_all([
            Submission(task_id=tasks[0].id, school_id=school.id, submitted_at=datetime(2034, 3, 30), status="accepted"),
            Submission(task_id=tasks[1].id, school_id=school.id, submitted_at=datetime(2034, 3, 30), status="submitted"),
        ])
        db.session.commit()
        sid = school.id
    with app.test_request_context():
        row = next(r for r in reporting_figures(2034, now=datetime(2034, 5, 1)) if r.school_id == sid)
        assert (row.submitted, row.reviewed, row.awaiting_review, row.accurate_first) == (2, 1, 1, 1)
        assert row.accuracy == 1  # was 1/2
        assert row.timeliness == 1  # both arrived on time: the review does not make them late


# --- 本息回收率 (work plan 二（三）2) ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def borrowers(app):
    """A school whose borrower owes instalments of 2039, 2040 and 2041 (far years: nothing else is due then)."""
    with app.app_context():
        school = _school("FF010", "回收率测试中学", stage="senior")
        student = Student(school_id=school.id, name="回收率借款人", grade="高三", class_name="1班", enrolment_year=2024,
                          id_number=idcard.make("341124", date(2008, 5, 5), 611))
        db.session.add(student)
        db.session.flush()
        loan = Loan(student_id=student.id, co_borrower="父", academic_year="2031-2032", status="repaying",
                    amount=Decimal("8000"))
        db.session.add(loan)
        db.session.flush()

        def due(on, owed, paid=0, paid_on=None):
            return RepaymentDue(loan_id=loan.id, due_on=on, principal=Decimal(owed), interest=Decimal(0),
                                paid_principal=Decimal(paid), paid_interest=Decimal(0), paid_on=paid_on)

        db.session.add_all([
            due(date(2039, 12, 20), 400, 400, date(2039, 12, 1)),   # settled in its year: not in 2041's figure
            due(date(2040, 12, 20), 1000),                          # an arrear, still unpaid
            due(date(2040, 12, 21), 500, 500, date(2041, 3, 1)),    # an arrear paid in 2041
            due(date(2041, 12, 20), 1200, 1200, date(2041, 12, 1)),  # this year's, paid
            due(date(2041, 12, 21), 300, 300, date(2042, 1, 10)),   # this year's, paid only after the year
        ])
        db.session.commit()
        yield school.id
        for row in db.session.scalars(select(RepaymentDue).where(RepaymentDue.loan_id == loan.id)):
            purge(row)
        purge(db.session.get(Loan, loan.id))
        purge(db.session.get(Student, student.id))
        db.session.commit()


def test_the_recovery_rate_includes_the_arrears_of_earlier_years(app, borrowers):
    """本息回收率 (全椒县2021年学生资助工作安排 二（三）2 "确保本息回收率达到100%"): what is owed includes the
    arrears of earlier years; the year's own instalments alone showed 100% while 1,000 yuan of 2040 was unpaid."""
    from app.kpi.loans import loan_figures

    with app.test_request_context():
        _, rows = loan_figures(2041, today=date(2042, 6, 1))
        row = next(r for r in rows if r.school_id == borrowers)
        # due: 1000 + 500 (arrears) + 1200 + 300; recovered: 500 + 1200 (the 300 came after the year)
        assert (row.due, row.recovered) == (Decimal("3000"), Decimal("1700"))
        assert row.recovery_rate == Decimal("1700") / Decimal("3000")
        # within the year, before its instalments fall due, only the arrears are owed
        _, rows = loan_figures(2041, today=date(2041, 6, 1))
        row = next(r for r in rows if r.school_id == borrowers)
        assert (row.due, row.recovered) == (Decimal("1500"), Decimal("500"))


def test_before_this_years_due_date_the_dashboard_shows_the_last_closed_year(app, borrowers, center):
    """本息回收率 on the home page: before the year's instalments fall due (12月20日) there is nothing of this
    year to recover; the page showed "—" under a bare 本息回收率, now last year's figure named 2041年度."""
    from app.kpi import dashboard
    from app.kpi.loans import recovery, recovery_year

    with app.test_request_context():
        assert recovery_year(date(2042, 6, 1)) == 2041
        assert recovery_year(date(2041, 12, 20)) == 2041  # once this year's fall due, this year's
        board = dashboard.overview(today=date(2042, 6, 1))
        loans = next(g for g in board["groups"] if str(g.title) == "助学贷款")
        figure = next(f for f in loans.figures if "本息回收率" in str(f.label))
        assert str(figure.label) == "本息回收率（2041年度）"
        expected = recovery(date(2042, 6, 1))
        assert expected.closed and figure.value == expected.rate and figure.value is not None
        assert figure.detail == f"{expected.recovered:,.0f}/{expected.due:,.0f}"
        board = dashboard.overview(today=date(2041, 12, 28))
        loans = next(g for g in board["groups"] if str(g.title) == "助学贷款")
        assert any(str(f.label) == "本息回收率（2041年截至今日）" for f in loans.figures)
        today_label = dashboard._recovery_label(recovery())
    # the home page today names its year the same way, and links to that year's loan figures
    page = visible_text(center.get("/"))
    assert str(today_label) in page


# --- 年终考核 (work plan 三（四）"学生资助绩效考核评价体系") ------------------------------------------------

YEAR = 2019


@pytest.fixture(scope="module")
def evaluated(app):
    """Two 普通高中 of 2019: P inspected (16/20) with its fund within the band; Q never inspected and without a
    fund record.  Both have one pupil with every required field filled."""
    with app.app_context():
        p, q = _school("FF020", "考核有数据高中", "senior"), _school("FF021", "考核缺数据高中", "senior")
        for i, school in enumerate((p, q)):
            db.session.add(Student(school_id=school.id, name=f"考核学生{i}", grade="高一", class_name="1班",
                                   enrolment_year=2026, id_number=idcard.make("341124", date(2011, 4, 4), 620 + i),
                                   guardian="家长", guardian_phone="13800000000", address="襄河镇"))
        inspection = Inspection(school_id=p.id, kind="patrol", status="done", inspected_on=date(YEAR, 5, 6))
        db.session.add_all([inspection, SchoolFund(school_id=p.id, year=YEAR, operating_income=Decimal("1000000"),
                                                   extracted=Decimal("40000"))])
        db.session.flush()
        db.session.add(InspectionScore(inspection_id=inspection.id, item_id=WORLD.item, score=16))
        db.session.commit()
        ids, inspection_id = (p.id, q.id), inspection.id
    yield ids
    with app.app_context():
        for row in db.session.scalars(select(InspectionScore).where(InspectionScore.inspection_id == inspection_id)):
            purge(row)
        purge(db.session.get(Inspection, inspection_id))
        for row in db.session.scalars(select(SchoolFund).where(SchoolFund.year == YEAR)):
            purge(row)
        for school_id in ids:
            for row in db.session.scalars(select(Student).where(Student.school_id == school_id)):
                purge(row)
            db.session.get(School, school_id).active = False
        db.session.commit()


def _scores(year=YEAR):
    from app.kpi.evaluation import evaluate

    return {s.school_id: s for s in evaluate(db.session, year, today=date(2026, 12, 1))}


def test_a_school_never_inspected_and_without_a_fund_record_does_not_rank_first(app, evaluated):
    """学生资助绩效考核评价体系 (全椒县2021年学生资助工作安排 三（四）): missing data is not a reward.  Q, never
    inspected and with no fund record, was scored on completeness alone: 100 points, first of the county."""
    p_id, q_id = evaluated
    with app.test_request_context():
        scores = _scores()
        p, q = scores[p_id], scores[q_id]
        assert [v.code for v in q.missing] == ["inspection", "funds"]
        assert q.parts["inspection"].value == 0 and q.parts["inspection"].filled_as == "zero"
        # Q: (25×0 + 10×0 + 10×1) / 45 = 22.22; P: (25×0.8 + 10×1 + 10×1) / 45 = 88.89
        assert q.score == Decimal("22.22") and p.score == Decimal("88.89")
        assert p.rank < q.rank and q.score != 100
        assert not p.missing


def test_the_centre_sets_a_missing_part_to_the_county_average(app, evaluated, center):
    """The centre's setting (data, edited on the weights screen): a school not inspected may take the county
    average of the schools inspected instead of zero."""
    p_id, q_id = evaluated
    with app.app_context():
        pk = db.session.scalar(select(EvaluationPart.id).where(EvaluationPart.code == "inspection"))
    r = post_edit(center, f"/evaluationpartview/edit/{pk}", {"weight": "25", "missing": "average", "active": "y"})
    assert r.status_code == 302
    try:
        with app.test_request_context():
            q = _scores()[q_id]
            v = q.parts["inspection"]
            assert v.missing and v.filled_as == "average" and 0 < v.value < 1  # the mean of the inspected schools
            assert q.score == (Decimal(100) * (25 * v.value + 10) / 45).quantize(Decimal("0.01"))
        page = visible_text(center.get(f"/evaluation/?year={YEAR}"))
        assert "按全县平均" in page
    finally:
        post_edit(center, f"/evaluationpartview/edit/{pk}", {"weight": "25", "missing": "zero", "active": "y"})
    with app.app_context():
        assert db.session.get(EvaluationPart, pk).missing == "zero"


def test_missing_data_is_shown_on_the_ranking_the_school_page_and_the_printed_table(app, evaluated, center):
    """What is missing is said where the figure is read: the ranking (with how many schools), the school's own
    page and the evaluation table the centre signs."""
    from tests.test_reports import pdf_text

    p_id, q_id = evaluated
    page = visible_text(center.get(f"/evaluation/?year={YEAR}"))
    row = page[page.index("考核缺数据高中"):][:300]
    assert "缺数据" in row and "按0分计" in row
    assert "有缺数据的指标" in page and "不予剔除" in page
    page = visible_text(center.get(f"/evaluation/school/{q_id}?year={YEAR}"))
    assert "缺数据：督查得分率、资金提取合规" in page and "22.22" in page
    page = visible_text(center.get(f"/evaluation/school/{p_id}?year={YEAR}"))
    assert "缺数据" not in page
    r = center.get(f"/print/evaluation?year={YEAR}")
    assert r.mimetype == "application/pdf"
    printed = pdf_text(r.data).replace(" ", "")
    # (the name cell wraps: "考核缺数据高中（缺数" / "据）")
    assert "考核缺数据高中（缺数" in printed and "缺数据按0.0%" in printed
    assert "所学校有缺数据的指标" in printed and "不予剔除" in printed


def test_the_evaluation_stays_within_its_weights(app, evaluated, monkeypatch):
    """A part never gives more than its weight: an inspection share above 1 (25 of 20, recorded before the
    rule) counts as 1, and a negative one as 0."""
    from app.kpi import inspections

    p_id, _ = evaluated
    real = inspections.inspection_figures

    def inflated(session, year, today=None):
        out = real(session, year, today)
        out[p_id].score_sum = Decimal("1.25") * out[p_id].inspections
        return out

    monkeypatch.setattr(inspections, "inspection_figures", inflated)
    with app.test_request_context():
        p = _scores()[p_id]
        assert p.parts["inspection"].value == 1 and p.parts["inspection"].points == Decimal("25.00")
        assert p.score == Decimal("100.00")


# --- 督查评分 within 0 and the item's full score -------------------------------------------------------------

@pytest.fixture()
def inspection_b(app):
    """A planned inspection of school B scored on nothing yet (WORLD.item is worth 20)."""
    with app.app_context():
        insp = Inspection(school_id=WORLD.school_b, kind="patrol", status="planned", inspected_on=date(2026, 12, 28))
        db.session.add(insp)
        db.session.commit()
        pk = insp.id
    yield pk
    with app.app_context():
        for row in db.session.scalars(select(InspectionScore).where(InspectionScore.inspection_id == pk)):
            purge(row)
        purge(db.session.get(Inspection, pk))
        db.session.commit()


def _stored(app, inspection_id):
    with app.app_context():
        return [s.score for s in db.session.scalars(select(InspectionScore).where(InspectionScore.inspection_id == inspection_id))]


@pytest.mark.parametrize("score, message", [("25", "最多 20 分"), ("-5", "得分不能小于0")])
def test_a_score_outside_the_item_is_refused_on_the_form(app, as_role, inspection_b, score, message):
    """督查评分 (巡查 of the work plan 三（四）): 25 out of 20 and −5 were accepted and printed on a signed report."""
    supervisor = as_role("t_supervisor")
    r = supervisor.post("/inspectionscoreview/add", data={"inspection": inspection_b, "item": WORLD.item, "score": score},
                        follow_redirects=True)
    assert message in visible_text(r)
    assert _stored(app, inspection_b) == []
    r = supervisor.post("/inspectionscoreview/add", data={"inspection": inspection_b, "item": WORLD.item, "score": "20"})
    assert r.status_code == 302 and _stored(app, inspection_b) == [Decimal("20")]
    # nor may an edit take it outside
    with app.app_context():
        pk = db.session.scalar(select(InspectionScore.id).where(InspectionScore.inspection_id == inspection_b))
    r = post_edit(supervisor, f"/inspectionscoreview/edit/{pk}", {"inspection": inspection_b, "item": WORLD.item,
                                                                   "score": score}, follow_redirects=True)
    assert message in visible_text(r) and _stored(app, inspection_b) == [Decimal("20")]


def test_a_score_outside_the_item_is_refused_below_the_screens(app, inspection_b):
    """Every path (an import, a script): the rule runs from the flush hook, and the database refuses what gets
    past it (a CHECK for the lower bound, a trigger for the item's full score)."""
    with app.app_context():
        for score in (Decimal("20.5"), Decimal("-0.5")):
            db.session.add(InspectionScore(inspection_id=inspection_b, item_id=WORLD.item, school_id=WORLD.school_b,
                                           score=score))
            with pytest.raises(RuleError):
                db.session.flush()
            db.session.rollback()
        for score in (25, -5):
            with pytest.raises(DBAPIError):
                db.session.connection().execute(text(
                    "INSERT INTO inspection_score (school_id, inspection_id, item_id, score) VALUES (:s, :i, :t, :v)"),
                    {"s": WORLD.school_b, "i": inspection_b, "t": WORLD.item, "v": score})
            db.session.rollback()
    assert _stored(app, inspection_b) == []


def test_an_items_full_score_cannot_drop_below_a_score_given(app, inspection_b):
    """Lowering 测试资金专款专用 from 20 to 10 would turn a 15 already given into 15 out of 10."""
    with app.app_context():
        db.session.add(InspectionScore(inspection_id=inspection_b, item_id=WORLD.item, school_id=WORLD.school_b,
                                       score=Decimal("15")))
        db.session.commit()
        item = db.session.get(InspectionItem, WORLD.item)
        item.max_score = 10
        with pytest.raises(RuleError):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(DBAPIError):
            db.session.connection().execute(text("UPDATE inspection_item SET max_score = 10 WHERE id = :i"),
                                            {"i": WORLD.item})
        db.session.rollback()
        assert db.session.get(InspectionItem, WORLD.item).max_score == 20
