"""年终考核: hand-computed scores, ties, schools without data, weights changed on the screen."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.kpi.evaluation import evaluate, rank
from app.models import (
    Complaint, Inspection, InspectionScore, ReportTask, School, SchoolFund, Submission,
)
from app.models.evaluation import EvaluationPart
from tests.conftest import WORLD, post_edit, purge, visible_text

YEAR = 2018


@pytest.fixture(scope="module")
def year_2018(app):
    """A year of records for schools A and B (and a school C with none), removed afterwards."""
    with app.app_context():
        a, b = db.session.get(School, WORLD.school_a), db.session.get(School, WORLD.school_b)
        c = School(code="T0003", name="测试丙小学", stage="primary", town="大墅镇")
        t1 = ReportTask(title="2018年报表一", deadline=datetime(YEAR, 3, 31, 17), schools=[a, b])
        t2 = ReportTask(title="2018年报表二", deadline=datetime(YEAR, 9, 30, 17), schools=[a])
        db.session.add_all([c, t1, t2])
        db.session.flush()
        rows = [
            # A: task 1 on time and accepted, task 2 missing. B: task 1 late and returned.
            Submission(task_id=t1.id, school_id=a.id, content="x", submitted_at=datetime(YEAR, 3, 30), late=False,
                       status="accepted"),
            Submission(task_id=t1.id, school_id=b.id, content="x", submitted_at=datetime(YEAR, 4, 2), late=True,
                       status="returned"),
            # A: 15 of 20 points, its rectification submitted the day before the deadline
            Inspection(school_id=a.id, kind="patrol", status="done", inspected_on=date(YEAR, 5, 10),
                       rectification_demand="整改", rectification_deadline=date(YEAR, 6, 30),
                       rectification_status="accepted", rectified_at=datetime(YEAR, 6, 29, 10)),
            # B: 10 of 20 points, its rectification never submitted
            Inspection(school_id=b.id, kind="patrol", status="done", inspected_on=date(YEAR, 4, 10),
                       rectification_demand="整改", rectification_deadline=date(YEAR, 5, 31),
                       rectification_status="required"),
            SchoolFund(school_id=a.id, year=YEAR, operating_income=Decimal("1000000"), extracted=Decimal("40000")),
        ]
        db.session.add_all(rows)
        db.session.flush()
        insp_a, insp_b = rows[2], rows[3]
        rows += [InspectionScore(inspection_id=insp_a.id, item_id=WORLD.item, score=15),
                 InspectionScore(inspection_id=insp_b.id, item_id=WORLD.item, score=10)]
        # complaints closed in the year: A one 属实 and one 部分属实; B six 属实 (capped)
        for school, result in [(a, "substantiated"), (a, "partly")] + [(b, "substantiated")] * 6:
            rows.append(Complaint(school_id=school.id, channel="phone", kind="complaint", received_at=datetime(YEAR, 2, 1),
                                  complainant_name="某", subject="考核测试", content="x", status="closed",
                                  result=result, closed_at=datetime(YEAR, 3, 1)))
        # a consultation and an unfounded complaint deduct nothing
        rows.append(Complaint(school_id=a.id, channel="phone", kind="complaint", received_at=datetime(YEAR, 2, 1),
                              complainant_name="某", subject="考核测试", content="x", status="closed",
                              result="unfounded", closed_at=datetime(YEAR, 3, 1)))
        db.session.add_all(rows[5:])
        completeness = db.session.scalars(select(EvaluationPart).where(EvaluationPart.code == "completeness")).one()
        completeness.active = False
        db.session.commit()
        c_id = c.id
    yield SimpleNamespace(school_c=c_id)
    with app.app_context():
        for model in (InspectionScore, Submission, Complaint):
            for row in db.session.scalars(select(model)):
                when = getattr(row, "received_at", None) or getattr(row, "submitted_at", None)
                if (model is InspectionScore and row.inspection.inspected_on.year == YEAR) or (
                        when is not None and when.year == YEAR):
                    purge(row)
        db.session.flush()
        for model, column in ((Inspection, Inspection.inspected_on), (SchoolFund, SchoolFund.year)):
            for row in db.session.scalars(select(model)):
                if (row.inspected_on.year if model is Inspection else row.year) == YEAR:
                    purge(row)
        for task in db.session.scalars(select(ReportTask).where(ReportTask.title.like("2018年%"))):
            db.session.delete(task)
        db.session.delete(db.session.get(School, c_id))
        db.session.scalars(select(EvaluationPart).where(EvaluationPart.code == "completeness")).one().active = True
        db.session.commit()


def _by_school(scores):
    return {s.school_id: s for s in scores}


def test_scores_by_hand(app, year_2018):
    with app.app_context():
        scores = _by_school(evaluate(db.session, YEAR, today=date(2026, 11, 28)))
        a, b, c = scores[WORLD.school_a], scores[WORLD.school_b], scores[year_2018.school_c]
        values = {code: v.value for code, v in a.parts.items()}
        assert values == {"timeliness": Decimal("0.5"), "accuracy": Decimal(1), "inspection": Decimal("0.75"),
                          "rectification": Decimal(1), "funds": Decimal(1)}
        # (20×0.5 + 20×1 + 25×0.75 + 15×1 + 10×1) / 90 × 100 = 81.94; 2 × (1 + ½) = 3 off
        assert (a.base, a.deduction, a.score) == (Decimal("81.94"), Decimal("3.00"), Decimal("78.94"))
        assert a.parts["timeliness"].detail == "1/2" and a.parts["rectification"].detail == "1/1"
        # B: a primary school has no extraction band, so funds does not count for it
        assert b.parts["funds"].value is None
        assert {k: v.value for k, v in b.parts.items() if k != "funds"} == {
            "timeliness": Decimal(0), "accuracy": Decimal(0), "inspection": Decimal("0.5"), "rectification": Decimal(0)}
        # 25 × 0.5 / 80 × 100 = 15.625 → 15.63; six cases × 2 = 12, capped at 10
        assert (b.base, b.deduction, b.score) == (Decimal("15.63"), Decimal("10"), Decimal("5.63"))
        # C has no data at all: it was never inspected, so that part is missing (缺数据) and scored
        # zero as set (it used to be left out: C had no score; a school with only good data in the
        # parts it did have then ranked first); it ranks last, with a score
        assert [p.code for p in c.missing] == ["inspection"] and c.parts["inspection"].filled_as == "zero"
        assert (c.score, c.rank) == (Decimal("0.00"), 3)
        assert a.rank < b.rank < c.rank


def test_a_school_with_a_fund_band_and_no_fund_record_scores_zero_there(app, year_2018):
    with app.app_context():
        fund = db.session.scalars(select(SchoolFund).where(SchoolFund.year == YEAR)).one()
        purge(fund)  # a fund record is never deleted through the app: the test takes it away itself
        db.session.commit()
        try:
            a = _by_school(evaluate(db.session, YEAR))[WORLD.school_a]
            assert a.parts["funds"].value == 0 and a.parts["funds"].detail == "未填报"
            # (10 + 20 + 18.75 + 15 + 0) / 90 × 100 = 70.83; − 3
            assert a.score == Decimal("67.83")
        finally:
            db.session.add(SchoolFund(school_id=WORLD.school_a, year=YEAR, operating_income=Decimal("1000000"),
                                      extracted=Decimal("40000")))
            db.session.commit()


def test_equal_scores_share_a_rank():
    rows = [SimpleNamespace(school_id=i, code=f"S{i}", score=score, rank=None)
            for i, score in enumerate([Decimal("80"), Decimal("92.5"), Decimal("80"), None, Decimal("70")])]
    ranked = rank(rows)
    assert [(r.code, r.rank) for r in ranked] == [("S1", 1), ("S0", 2), ("S2", 2), ("S4", 4), ("S3", None)]


def test_the_centre_changes_a_weight_and_the_ranking_follows(app, year_2018, center):
    with app.app_context():
        part = db.session.scalars(select(EvaluationPart).where(EvaluationPart.code == "timeliness")).one()
        pk = part.id
    r = post_edit(center, f"/evaluationpartview/edit/{pk}", {"weight": "40", "missing": "zero", "active": "y"})
    assert r.status_code == 302
    try:
        with app.app_context():
            a = _by_school(evaluate(db.session, YEAR))[WORLD.school_a]
            # (40×0.5 + 20 + 18.75 + 15 + 10) / 110 × 100 = 76.14; − 3
            assert a.score == Decimal("73.14")
        page = visible_text(center.get(f"/evaluation/?year={YEAR}"))
        assert "73.14" in page and "40.00" in page
        # a part switched off no longer counts
        r = post_edit(center, f"/evaluationpartview/edit/{pk}", {"weight": "40", "missing": "zero"})
        with app.app_context():
            a = _by_school(evaluate(db.session, YEAR))[WORLD.school_a]
            assert "timeliness" not in a.parts
            # (20 + 18.75 + 15 + 10) / 70 × 100 = 91.07; − 3
            assert a.score == Decimal("88.07")
    finally:
        post_edit(center, f"/evaluationpartview/edit/{pk}", {"weight": "20", "missing": "zero", "active": "y"})
    # only the centre edits the weights
    assert center.get("/evaluationpartview/add").status_code in (302, 403, 404)


def test_ranking_page_drill_down_and_export(app, year_2018, center, as_role, officer_a):
    page = visible_text(center.get(f"/evaluation/?year={YEAR}"))
    assert "78.94" in page and "5.63" in page and "测试丙小学" in page and "缺数据" in page
    page = visible_text(center.get(f"/evaluation/school/{WORLD.school_a}?year={YEAR}"))
    assert "81.94" in page and "1/2" in page and "−3" in page
    r = center.get(f"/evaluation/export/?year={YEAR}")
    sheet = load_workbook(BytesIO(r.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "名次" and any(row[1] == "测试甲中学" and row[-1] == pytest.approx(78.94) for row in rows)
    assert as_role("t_leader").get(f"/evaluation/?year={YEAR}").status_code == 200
    # an officer sees its own school's evaluation only
    page = visible_text(officer_a.get(f"/evaluation/?year={YEAR}"))
    assert "测试甲中学" in page and "测试乙小学" not in page
    assert officer_a.get(f"/evaluation/school/{WORLD.school_b}?year={YEAR}").status_code == 404
    assert officer_a.get("/evaluationpartview/list/").status_code in (302, 403)


def test_the_ranking_prints_the_table_of_the_year_it_shows(app, year_2018, center, as_role, officer_a):
    """A January evaluation of last year: the ranking of a year carries the printed 年度考核表 of that
    year (the menu's entry prints the current year's), for those who print it."""
    for client in (center, as_role("t_leader")):
        page = client.get(f"/evaluation/?year={YEAR}").get_data(as_text=True)
        assert f'href="/print/evaluation?year={YEAR}"' in page and "打印本年度考核表" in page
    r = center.get(f"/print/evaluation?year={YEAR}")
    assert r.status_code == 200 and r.mimetype == "application/pdf" and str(YEAR) in r.headers["Content-Disposition"]
    # a school's officer does not print the county's table: no button
    assert "/print/evaluation" not in officer_a.get(f"/evaluation/?year={YEAR}").get_data(as_text=True)
