"""Ways around the rules found by trying them as an attacker would, each kept as a test.

Every test does what the attacker did and checks what is stored afterwards (and that the
answer is a refusal, never a server error)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from tests.conftest import WORLD, purge, visible_text

# each test's writes, through the screens too, are rolled back when it ends (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("rollback")


# --- a complaint's step over the API takes text, not whatever a JSON body can hold ---------------

@pytest.fixture()
def registered_complaint(app):
    from app.models import Complaint

    with app.app_context():
        complaint = Complaint(school_id=WORLD.school_a, origin="centre", channel="phone", kind="complaint",
                              received_at=datetime(2026, 10, 9, 10, 0), complainant_name="攻击测试投诉人",
                              subject="攻击测试投诉", content="攻击测试投诉内容")
        db.session.add(complaint)
        db.session.commit()
        pk = complaint.id
    yield pk
    with app.app_context():
        from app.models.complaints import ComplaintStep

        for step in db.session.scalars(select(ComplaintStep).where(ComplaintStep.complaint_id == pk)).all():
            purge(step)
        purge(db.session.get(Complaint, pk))
        db.session.commit()


@pytest.mark.parametrize("body", [
    {"action": "submit", "comment": {"x": 1}},
    {"action": "submit", "comment": ["a", "b"]},
    {"action": ["submit"]},
    {"action": {"a": 1}},
    [1, 2],
], ids=["object comment", "list comment", "list action", "object action", "list body"])
def test_a_complaint_step_with_a_body_of_the_wrong_shape_is_refused_and_changes_nothing(app, api, registered_complaint,
                                                                                        body):
    from app.models import Complaint
    from app.models.complaints import ComplaintStep

    r = api("t_center").post(f"/api/v1/complaint/{registered_complaint}/step", json=body)
    assert r.status_code in (400, 422), r.get_data(as_text=True)
    assert "Fatal" not in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Complaint, registered_complaint).status == "registered"
        assert not db.session.scalar(select(func.count()).select_from(ComplaintStep)
                                     .where(ComplaintStep.complaint_id == registered_complaint))


def test_a_complaint_step_with_text_still_goes_through(app, api, registered_complaint):
    from app.models import Complaint

    r = api("t_center").post(f"/api/v1/complaint/{registered_complaint}/step", json={"action": "submit", "comment": "报请"})
    assert r.status_code == 200, r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Complaint, registered_complaint).status == "awaiting_approval"


# --- the bank's answer typed in by hand: a day that is not a date is refused, not a server error --

@pytest.fixture()
def exported_line(app):
    """A batch sent to the bank with one line waiting (school B's award, held by no open batch: the
    refusal comes before any award is looked at, and no award is made, whose id another test would meet)."""
    from app.models.budgets import BatchLine, PaymentBatch

    with app.app_context():
        batch = PaymentBatch(semester_id=WORLD.semester, program_id=WORLD.program_primary, status="exported")
        db.session.add(batch)
        db.session.flush()
        line = BatchLine(batch_id=batch.id, award_id=WORLD.award_b, school_id=WORLD.school_b, name="乙校学生",
                         card_number=WORLD.card_b, amount=Decimal("500"))
        db.session.add(line)
        db.session.commit()
        ids = batch.id, line.id
    yield ids
    with app.app_context():
        purge(db.session.get(BatchLine, ids[1]))
        purge(db.session.get(PaymentBatch, ids[0]))
        db.session.commit()


@pytest.mark.parametrize("day", ["abc", "2026-02-31", "99999-01-01"])
def test_a_bank_answer_with_a_day_that_is_no_date_is_refused(app, center, exported_line, day):
    from app.models import Award
    from app.models.budgets import BatchLine

    batch_id, line_id = exported_line
    with app.app_context():
        status = db.session.get(Award, WORLD.award_b).status
    r = center.post(f"/paymentbatchview/answer/{batch_id}", data={f"line-{line_id}": "paid", "paid_on": day},
                    follow_redirects=True)
    assert r.status_code == 200
    assert "入账日期格式应为2021-09-01" in visible_text(r)
    with app.app_context():
        assert db.session.get(BatchLine, line_id).result == "pending"
        assert db.session.get(Award, WORLD.award_b).status == status


# --- the school-year turnover: a year that is no school year is refused, not a server error -------

@pytest.mark.parametrize("year", ["-1--2", "abc", "2026", "2026-2028"])
def test_a_turnover_of_something_that_is_no_school_year_is_refused_and_moves_nobody(app, center, year):
    from app.models import Student
    from app.models.schoolyear import SchoolYearTurnover

    with app.app_context():
        grades = dict(db.session.execute(select(Student.id, Student.grade)).all())
        turnovers = db.session.scalar(select(func.count()).select_from(SchoolYearTurnover))
    r = center.post("/turnover/apply", data={"from_year": year, "confirm": "y"})
    assert r.status_code in (302, 400, 422)
    with app.app_context():
        assert dict(db.session.execute(select(Student.id, Student.grade)).all()) == grades
        assert db.session.scalar(select(func.count()).select_from(SchoolYearTurnover)) == turnovers


# --- no version, no save: also for the records whose table has no version column (a digest of the record) --


def test_a_recorded_repayment_is_not_undone_by_a_form_without_a_version(app, as_role):
    from app.models import RepaymentDue

    with app.app_context():
        due = db.session.get(RepaymentDue, WORLD.due_b)
        before = (due.paid_principal, due.paid_interest, due.paid_on)
    try:
        as_role("t_center").post(f"/repaymentdueview/edit/{WORLD.due_b}",
                                 data={"paid_principal": "0", "paid_interest": "1", "paid_on": "2026-12-01"})
        with app.app_context():
            assert db.session.get(RepaymentDue, WORLD.due_b).paid_interest == before[1]
    finally:
        with app.app_context():
            due = db.session.get(RepaymentDue, WORLD.due_b)
            due.paid_principal, due.paid_interest, due.paid_on = before
            db.session.commit()



def test_a_score_is_not_overwritten_by_a_form_without_a_version(app, as_role):
    from app.models.supervision import InspectionScore

    with app.app_context():
        before = db.session.get(InspectionScore, WORLD.score_b).score
    try:
        as_role("t_supervisor").post(f"/inspectionscoreview/edit/{WORLD.score_b}",
                                     data={"inspection": WORLD.inspection_b, "item": WORLD.item, "score": "3",
                                           "note": "乙校评分说明"})
        with app.app_context():
            assert db.session.get(InspectionScore, WORLD.score_b).score == before
    finally:
        with app.app_context():
            db.session.get(InspectionScore, WORLD.score_b).score = before
            db.session.commit()
