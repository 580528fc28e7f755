"""Bulk writes go through the same rules, school scope and audit trail as a form save.

app/operations/bulkwrites.py turns every INSERT, UPDATE and DELETE on a business table that goes through
the session into ORM writes: these tests write in bulk as the import, the turnover and any
future code would, and read back what is stored and what the audit trail says.
"""
from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from flask import g
from sqlalchemy import delete, func, insert, select, text, update

from app.rules import idcard
from app.operations.bulkwrites import BulkWriteRefused
from app.extensions import db
from app.models import Award, Identification, SchoolFund, Semester, Student
from app.models.audit import AuditEntry
from app.rules import RuleError, states
from app.security.scope import ScopeViolation
from tests.conftest import WORLD, purge
from tests.test_imports import _row, _upload, _xlsx

# each test's writes, through the screens too, are rolled back when it ends (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("rollback")


def _last_entry():
    return db.session.scalar(select(func.max(AuditEntry.id))) or 0


def _entries(entity, record_id, after):
    """The trail of one record since `after` (SQLite may give a purged record's id to a new one)."""
    return db.session.scalars(select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.record_id == record_id,
                                                       AuditEntry.id > after).order_by(AuditEntry.id)).all()


@pytest.fixture()
def as_user(app):
    """as_user(username): a request of that user (the scope and the trail read g.user)."""
    from flask_appbuilder.security.sqla.models import User

    contexts = []

    def enter(username):
        ctx = app.test_request_context()
        ctx.push()
        contexts.append(ctx)
        g.user = db.session.scalar(select(User).where(User.username == username))

    yield enter
    db.session.rollback()
    for ctx in reversed(contexts):
        ctx.pop()


def test_an_officers_import_leaves_one_masked_entry_per_record(app, officer_a):
    with app.app_context():
        start = _last_entry()
    r = _upload(officer_a, _xlsx([_row("批量审计甲", 901, guardian_phone="13912345678", address="襄河镇东街99号")]))
    assert "新增学生 1 名" in r.get_data(as_text=True)
    with app.app_context():
        pupil = db.session.scalar(select(Student).where(Student.name == "批量审计甲"))
        ident = db.session.scalar(select(Identification).where(Identification.student_id == pupil.id))
        try:
            [entry] = _entries("student", pupil.id, start)
            assert entry.action == "create" and entry.username == "t_officer_a" and entry.school_id == WORLD.school_a
            changes = json.loads(entry.changes)
            assert changes["name"] == "批量审计甲" and changes["grade"] == "高一"
            assert changes["id_number"] == idcard.mask(pupil.id_number) and pupil.id_number not in entry.changes
            assert "13912345678" not in entry.changes and "东街99号" not in entry.changes
            [ident_entry] = _entries("identification", ident.id, start)
            assert ident_entry.action == "create" and json.loads(ident_entry.changes)["cat_subsistence"] is True
        finally:
            purge(ident, pupil)
            db.session.commit()


def test_the_turnover_leaves_an_update_per_pupil_and_a_create_per_carried_identification(app):
    from app.operations import turnover

    with app.app_context():
        start = _last_entry()
        pupil = Student(school_id=WORLD.school_a, name="升级审计", id_number=idcard.make("341124", date(2009, 4, 4), 911),
                        grade="高一", class_name="2班", enrolment_year=2026)
        db.session.add(pupil)
        db.session.flush()
        db.session.add(Identification(student_id=pupil.id, school_year="2026-2027", level="difficult", cat_other=True,
                                      evidence_source="school", identified_on=date(2026, 9, 1)))
        db.session.commit()
        plan = turnover.plan(db.session, "2026-2027")  # only the current school year is turned over
        # only this test's pupil: the others belong to other tests
        plan.moves = [m for m in plan.moves if m.student_id == pupil.id]
        carried = [i for i in plan.carried if db.session.get(Identification, i).student_id == pupil.id]
        plan.carried, plan.semesters = carried, []
        record = turnover.apply(db.session, plan, early=True)
        db.session.commit()
        try:
            [entry] = [e for e in _entries("student", pupil.id, start) if e.action == "update"]
            assert json.loads(entry.changes)["grade"] == ["高一", "高二"] and entry.username == "（命令行）"
            copy = db.session.scalar(select(Identification).where(Identification.student_id == pupil.id,
                                                                  Identification.school_year == "2027-2028"))
            assert copy.needs_review and [e.action for e in _entries("identification", copy.id, start)] == ["create"]
        finally:
            for obj in db.session.scalars(select(Identification).where(Identification.student_id == pupil.id)):
                purge(obj)
            purge(pupil, record)
            db.session.commit()


def test_bulk_rows_are_judged_by_the_rules_as_stored(app):
    with app.app_context():
        good = dict(school_id=WORLD.school_a, name="规则甲", id_number=idcard.make("341124", date(2010, 1, 1), 921),
                    grade="高一", class_name="1班", enrolment_year=2026)
        # a pupil whose gender contradicts the ID number, in a bulk INSERT
        bad = idcard.make("341124", date(2010, 1, 1), 922)
        wrong = "F" if idcard.parse(bad).gender == "M" else "M"
        with pytest.raises(RuleError) as refused:
            db.session.execute(insert(Student), [good, dict(good, id_number=bad, gender=wrong)])
        assert "gender" in refused.value.errors
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Student).where(Student.name == "规则甲")) == 0
        # the rule normalises as on a form: the birth date and gender come from the number
        [(sid,)] = db.session.execute(insert(Student).returning(Student.id), [good]).all()
        stored = db.session.get(Student, sid)
        assert stored.birth_date == date(2010, 1, 1) and stored.gender
        db.session.rollback()
        # an approved award's money is frozen, also for a bulk UPDATE (the rule sees the old and new value)
        award = db.session.get(Award, WORLD.award_a)
        status, amount = award.status, award.amount
        states.step(award)  # as the workflow's approval does
        award.status = "approved"
        db.session.commit()
        try:
            with pytest.raises(RuleError):
                db.session.execute(update(Award).where(Award.id == WORLD.award_a).values(amount=Decimal("9999")))
            db.session.rollback()
            # ... and never deleted
            with pytest.raises(RuleError):
                db.session.execute(delete(Award).where(Award.id == WORLD.award_a))
            db.session.rollback()
            assert db.session.get(Award, WORLD.award_a).amount == amount
        finally:
            db.session.connection().execute(update(Award).where(Award.id == WORLD.award_a).values(status=status))
            db.session.commit()


def test_an_officers_bulk_update_and_delete_stay_in_its_school(app, as_user):
    as_user("t_officer_a")
    # criteria narrow the statement to school A: B's rows are not touched
    assert db.session.execute(update(Student).where(Student.id == WORLD.student_b).values(name="越权改名")).rowcount == 0
    assert db.session.execute(update(SchoolFund).values(notes="越权备注")).rowcount == 1  # A's own fund only
    assert db.session.execute(delete(SchoolFund).where(SchoolFund.id == WORLD.fund_b)).rowcount == 0
    db.session.rollback()
    # moving its own pupil to another school, or writing a row of another school, is refused
    with pytest.raises(ScopeViolation):
        db.session.execute(update(Student).where(Student.id == WORLD.student_a).values(school_id=WORLD.school_b))
    db.session.rollback()
    with pytest.raises(ScopeViolation):
        db.session.execute(insert(Student), [dict(school_id=WORLD.school_b, name="越权新增", grade="五年级", class_name="1班",
                                                  enrolment_year=2021,
                                                  id_number=idcard.make("341124", date(2015, 1, 1), 931))])
    db.session.rollback()
    with pytest.raises(ScopeViolation):  # a Core statement on a school's table: no criteria could reach it
        db.session.execute(update(Student.__table__).where(Student.__table__.c.id == WORLD.student_b).values(name="x"))
    db.session.rollback()
    assert db.session.connection().execute(select(Student.__table__.c.name).where(
        Student.__table__.c.id == WORLD.student_b)).scalar() == "乙校学生"
    assert db.session.connection().execute(select(func.count()).select_from(SchoolFund.__table__)).scalar() >= 2


def test_what_the_rules_and_the_trail_cannot_follow_is_refused(app):
    with app.app_context():
        with pytest.raises(BulkWriteRefused):  # SQL text writing a business table
            db.session.execute(text("UPDATE student SET grade = '高三' WHERE id = :i"), {"i": WORLD.student_a})
        db.session.rollback()
        with pytest.raises(BulkWriteRefused):  # a value computed in SQL
            db.session.execute(update(SchoolFund).where(SchoolFund.id == WORLD.fund_a)
                               .values(extracted=SchoolFund.extracted + 1))
        db.session.rollback()
        with pytest.raises(BulkWriteRefused):  # INSERT ... SELECT
            db.session.execute(insert(Semester).from_select(["school_year", "term"], select(Semester.school_year, Semester.term)))
        db.session.rollback()


def test_a_bulk_statement_by_the_centre_is_recorded_with_its_changed_fields(app, as_user):
    as_user("t_center")
    before, start = db.session.get(SchoolFund, WORLD.fund_b).notes, _last_entry()
    result = db.session.execute(update(SchoolFund).where(SchoolFund.id == WORLD.fund_b).values(notes="批量改备注"))
    assert result.rowcount == 1
    db.session.commit()
    try:
        entry = _entries("school_fund", WORLD.fund_b, start)[-1]
        assert entry.action == "update" and entry.username == "t_center"
        assert json.loads(entry.changes) == {"notes": [before, "批量改备注"]}
    finally:
        db.session.execute(update(SchoolFund).where(SchoolFund.id == WORLD.fund_b).values(notes=before))
        db.session.commit()


# Writes on a bare connection are below the session: no hook sees them. Only these may exist.
BELOW_THE_SESSION = {
    "app/security/audit.py": "the trail itself (audit_entry, audit_head)",
    "app/reports/jobs.py": "print jobs' progress (print_job, a log)",
    "app/security/crypto.py": "key rotation re-encrypts every value; nothing a user sees changes",
}


def test_no_write_path_goes_around_the_session():
    root = Path(__file__).resolve().parent.parent / "app"
    dml = re.compile(r"\b(?:conn|connection|cursor)\.(?:execute|executemany)\(\s*(?:sa\.)?(?:insert|update|delete)\(|"
                     r"\b(?:conn|connection)\.execute\(\s*(?:sa\.)?text\(\s*[\"'](?:insert|update|delete)", re.IGNORECASE)
    around = re.compile(r"\bbulk_(?:save_objects|insert_mappings|update_mappings)\b|\.copy_expert\(|\bCOPY\s+\w+\s+FROM\b")
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).as_posix()
        source = path.read_text(encoding="utf-8")
        if around.search(source):
            found.append(f"{rel}: writes around the unit of work")
        if dml.search(source) and rel not in BELOW_THE_SESSION:
            found.append(f"{rel}: a write on a bare connection")
    assert not found, found
