"""Nothing that money or casework rests on is hard-deleted: one registry (app/rules/deletion.py)
names every table, and every delete path is judged by it."""
from __future__ import annotations

from datetime import date

import pytest
from flask import g
from sqlalchemy import delete, func, select

from app.rules import idcard
from app.extensions import db
from app.models import Identification, SchoolFund, Student
from app.rules import RuleError
from app.rules.awards import transition
from app.rules.deletion import FREE, KEPT, WHILE_UNUSED
from app.security.scope import unscoped
from tests.conftest import WORLD

# each test's writes, through the screens too, are rolled back when it ends (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("rollback")


def _tables():
    return {m.class_.__tablename__: m.class_ for m in db.Model.registry.mappers}


def test_every_table_is_in_the_registry_once(app):
    with app.app_context():
        tables = set(_tables())
    assert not (KEPT & WHILE_UNUSED) and not (KEPT & FREE) and not (WHILE_UNUSED & FREE)
    missing = tables - KEPT - WHILE_UNUSED - FREE
    assert not missing, f"say in app/rules/deletion.py whether these may be deleted: {sorted(missing)}"
    assert not (KEPT | WHILE_UNUSED | FREE) - tables, "the registry names tables that no longer exist"


def _as(app, username):
    ctx = app.test_request_context("/")
    ctx.push()
    g.user = db.session.scalars(select(app.appbuilder.sm.user_model).filter_by(username=username)).one()
    return ctx


def test_every_kept_record_refuses_deletion_through_the_session_and_a_bulk_statement(app):
    """Walk every table of KEPT that holds a row: a flush and a DELETE statement are both refused, even
    for the system administrator."""
    ctx = _as(app, "t_admin")
    tried = []
    try:
        for table, model in sorted(_tables().items()):
            if table not in KEPT or table in ("audit_entry", "audit_head"):
                continue  # the trail refuses it on its own (tests/test_audit.py)
            row = db.session.scalars(select(model).limit(1).execution_options(**unscoped())).first()
            if row is None:
                continue
            for attempt in ("flush", "statement"):
                if table == "award" and row.status == "proposed":
                    # a proposal is not money yet; an approved award is
                    transition(row, "approve", ["AidCenter"], user=g.user)
                    db.session.flush()
                with pytest.raises(RuleError):
                    if attempt == "flush":
                        db.session.delete(row)
                        db.session.flush()
                    else:
                        db.session.execute(delete(model).where(model.id == row.id))
                db.session.rollback()
            assert db.session.get(model, row.id) is not None
            tried.append(table)
    finally:
        db.session.rollback()
        ctx.pop()
    assert {"award", "loan", "school_fund", "pairing", "submission", "complaint", "inspection", "inspection_score",
            "phone_call", "payment_batch", "batch_line", "repayment_due", "loan_reminder"} <= set(tried), tried


def test_the_reported_deletions_are_refused_by_the_api_the_form_and_the_bulk_action(app, api, officer_a):
    """An officer deleting the identification of a pupil who holds an award, and its school's fund record."""
    r = api("t_officer_a").delete(f"/api/v1/identification/{WORLD.ident_a}")
    assert r.status_code in (403, 405, 422), r.status_code
    officer_a.post(f"/identificationview/delete/{WORLD.ident_a}")
    officer_a.post("/identificationview/action_post", data={"action": "muldelete", "rowid": [str(WORLD.ident_a)]})
    officer_a.post(f"/schoolfundview/delete/{WORLD.fund_a}")
    officer_a.post("/schoolfundview/action_post", data={"action": "muldelete", "rowid": [str(WORLD.fund_a)]})
    r = api("t_center").delete(f"/api/v1/identification/{WORLD.ident_a}")
    assert r.status_code == 422 and "2026-2027" in str(r.get_json()["message"])
    with app.app_context():
        assert db.session.get(Identification, WORLD.ident_a) is not None
        assert db.session.get(SchoolFund, WORLD.fund_a) is not None


def test_a_record_is_deletable_only_while_nothing_refers_to_it(app, api):
    with app.app_context():
        pupil = Student(school_id=WORLD.school_a, name="待删学生", id_number=idcard.make("341124", date(2010, 2, 2), 881),
                        grade="高一", class_name="3班", enrolment_year=2026)
        db.session.add(pupil)
        db.session.commit()
        ident = Identification(student_id=pupil.id, school_year="2025-2026", level="general", cat_other=True,
                               evidence_source="school", identified_on=date(2025, 9, 9))
        db.session.add(ident)
        db.session.commit()
        pupil_id, ident_id = pupil.id, ident.id
    centre = api("t_center")
    r = centre.delete(f"/api/v1/student/{pupil_id}")
    assert r.status_code == 422
    assert "引用" in str(r.get_json()["message"])  # names what still refers to it
    # an identification without an award of its year goes; then the pupil, now unused, goes too
    assert centre.delete(f"/api/v1/identification/{ident_id}").status_code == 200
    assert centre.delete(f"/api/v1/student/{pupil_id}").status_code == 200
    with app.app_context():
        assert db.session.get(Student, pupil_id) is None


def test_a_programme_or_semester_in_use_stays(app, center):
    from app.models import AidProgram, Semester

    center.post(f"/aidprogramview/delete/{WORLD.program_senior}")
    center.post(f"/semesterview/delete/{WORLD.semester}")
    with app.app_context():
        assert db.session.get(AidProgram, WORLD.program_senior) is not None
        assert db.session.get(Semester, WORLD.semester) is not None
        assert db.session.scalar(select(func.count()).select_from(AidProgram)) >= 2
