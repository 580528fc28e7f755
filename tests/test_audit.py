"""The audit trail: every change and every look at personal data, masked, chained, append-only."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app import audit, clock
from app.extensions import db
from app.models import Award, Student
from app.models.audit import AuditEntry
from tests.conftest import WORLD, post_edit, visible_text


def _entries(entity, record_id, action=None):
    with WORLD.app.app_context():
        stmt = select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.record_id == record_id)
        if action:
            stmt = stmt.where(AuditEntry.action == action)
        rows = db.session.scalars(stmt.order_by(AuditEntry.id)).all()
        for r in rows:
            db.session.expunge(r)
        return rows


def test_a_change_is_recorded_with_who_where_and_masked_values(app, officer_a, center):
    with app.app_context():
        student = db.session.get(Student, WORLD.student_a)
        old_phone = student.guardian_phone
    r = post_edit(officer_a, f"/studentview/edit/{WORLD.student_a}", {
        "school": WORLD.school_a, "name": "甲校学生", "id_number": student.id_number, "gender": student.gender,
        "birth_date": student.birth_date.isoformat(), "grade": "高二", "class_name": "1班", "enrolment_year": "2024",
        "guardian": "甲家长", "guardian_phone": "13912345678", "address": "襄河镇审计路1号"})
    assert r.status_code == 302
    entry = _entries("student", WORLD.student_a, "update")[-1]
    assert entry.username == "t_officer_a" and entry.ip == "127.0.0.1" and entry.school_id == WORLD.school_a
    changes = json.loads(entry.changes)
    assert changes["guardian_phone"] == [audit.masked("guardian_phone", old_phone), "139******78"]
    assert "13912345678" not in entry.changes and "审计路" not in entry.changes
    # the centre reads the record's history from its page; the officer may not
    page = center.get(f"/studentview/show/{WORLD.student_a}").get_data(as_text=True)
    assert f"/auditview/history/student/{WORLD.student_a}" in page
    history = visible_text(center.get(f"/auditview/history/student/{WORLD.student_a}"))
    assert "t_officer_a" in history and "139******78" in history
    # read as the screens say it: the fields' labels, not their column names; the time in the county's clock
    assert "guardian_phone" not in history and "grade" not in history and "高二" in history, history
    assert clock.local(entry.at).strftime("%Y-%m-%d %H:%M") in history
    assert officer_a.get(f"/auditview/history/student/{WORLD.student_a}").status_code in (302, 403)
    assert officer_a.get("/auditview/list/").status_code in (302, 403)


def test_create_status_change_and_delete_are_recorded(app, center):
    r = center.post("/awardview/add", data={"student": WORLD.student_b_number, "program": WORLD.program_primary,
                                            "semester": WORLD.semester, "amount": "100", "card_kind": "bank_card",
                                            "card_number": WORLD.card_b})
    # B already has that programme this semester: refused, and nothing is recorded for a refused save
    with app.app_context():
        before = db.session.query(AuditEntry).count()
    assert r.status_code == 200
    with app.app_context():
        assert db.session.query(AuditEntry).count() == before
    # a proposal of school A, approved, then a second one deleted
    with app.app_context():
        award = db.session.scalars(select(Award).where(Award.id == WORLD.award_a)).one()
        status = award.status
    if status == "proposed":
        center.post("/awardview/action_post", data={"action": "approve", "rowid": [str(WORLD.award_a)]})
        entry = _entries("award", WORLD.award_a, "status")[-1]
        assert json.loads(entry.changes)["status"] == ["proposed", "approved"] and entry.username == "t_center"
    with app.app_context():
        from datetime import date

        from app import idcard
        from app.rules import cards

        pupil = Student(school_id=WORLD.school_a, name="审计删除生", id_number=idcard.make("341124", date(2008, 4, 4), 901),
                        grade="高一", class_name="2班", enrolment_year=2026)
        db.session.add(pupil)
        db.session.flush()
        extra = Award(student_id=pupil.id, program_id=WORLD.program_senior, semester_id=WORLD.semester, amount=500,
                      card_kind="aid_card", card_number=cards.make("6217", 19, 4242), status="proposed")
        db.session.add(extra)
        db.session.commit()
        pk = extra.id
        db.session.delete(extra)
        db.session.delete(pupil)
        db.session.commit()
    created, deleted = _entries("award", pk, "create"), _entries("award", pk, "delete")
    assert created and deleted
    assert json.loads(created[0].changes)["card_number"].startswith("6217") and "*" in json.loads(created[0].changes)["card_number"]


def test_looks_at_and_exports_of_personal_data_are_recorded(app, center, api):
    center.get(f"/studentview/show/{WORLD.student_a}")
    view = _entries("student", WORLD.student_a, "view")
    assert view and view[-1].username == "t_center"
    with app.app_context():
        before = db.session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()))
    center.get("/studentview/export/")
    with app.app_context():
        export = db.session.scalars(select(AuditEntry).where(AuditEntry.id > before, AuditEntry.action == "export")).one()
        assert export.entity == "student" and json.loads(export.changes)["count"] >= 2
    api("t_center").get(f"/api/v1/student/{WORLD.student_b}")
    assert _entries("student", WORLD.student_b, "view")[-1].summary == "API student"


def test_passwords_never_reach_the_trail(app):
    from app.cli import create_user

    with app.app_context():
        create_user("t_audit_pw", "Leader", "Secret@2021pw")
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "ab_user")).all()
        assert rows and all("Secret@2021pw" not in (r.changes or "") for r in rows)
        assert any('"password": "***"' in (r.changes or "") for r in rows)


def test_the_chain_verifies_and_names_the_first_tampered_entry(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "哈希链无断裂" in result.output
    with app.app_context():
        victim = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id).offset(3)).first()
        original = victim.summary
        # the database refuses to change an entry ...
        with pytest.raises(DBAPIError):
            db.session.execute(text("UPDATE audit_entry SET summary = 'x' WHERE id = :id"), {"id": victim.id})
            db.session.flush()
        db.session.rollback()
        # ... so someone with the database's keys must first switch the guard off; the chain still tells
        dialect = db.engine.dialect.name
        off, on = ((["ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_no_change"],
                    ["ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_no_change"]) if dialect == "postgresql" else
                   (["DROP TRIGGER audit_entry_no_update"],
                    ["CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
                     "BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改或删除'); END"]))
        try:
            for sql in off:
                db.session.execute(text(sql))
            db.session.execute(text("UPDATE audit_entry SET summary = '被改过' WHERE id = :id"), {"id": victim.id})
            db.session.commit()
            checked, broken = audit.verify(db.session)
            assert broken is not None and broken["id"] == victim.id and checked == 3
            result = runner.invoke(args=["audit", "verify"])
            assert result.exit_code != 0 and f"第 {victim.id} 条" in result.output
        finally:
            db.session.rollback()
            db.session.execute(text("UPDATE audit_entry SET summary = :s WHERE id = :id"), {"s": original, "id": victim.id})
            for sql in on:
                db.session.execute(text(sql))
            db.session.commit()
        assert audit.verify(db.session)[1] is None


def test_nobody_edits_or_deletes_the_trail(app, as_role):
    admin, auditor = as_role("t_admin"), as_role("t_auditor")
    with app.app_context():
        pk = db.session.scalar(select(AuditEntry.id).order_by(AuditEntry.id))
    assert auditor.get("/auditview/list/").status_code == 200
    assert auditor.get(f"/auditview/show/{pk}").status_code == 200
    # the auditor reads the trail and nothing else
    for url in ["/studentview/list/", "/awardview/list/", "/complaintview/list/", "/users/list/"]:
        assert auditor.get(url).status_code in (302, 403), url
    # no screen edits or deletes an entry, not even for the system administrator
    for url in [f"/auditview/edit/{pk}", f"/auditview/delete/{pk}", "/auditview/add"]:
        assert admin.get(url).status_code in (302, 403, 404, 405), url
    r = admin.post("/auditview/action_post", data={"action": "muldelete", "rowid": [str(pk)]})
    with app.app_context():
        assert db.session.get(AuditEntry, pk) is not None
        entry = db.session.get(AuditEntry, pk)
        entry.summary = "改"
        with pytest.raises(Exception):
            db.session.commit()
        db.session.rollback()
    assert r.status_code < 500




def test_money_and_casework_are_never_deleted(app, center, as_role):
    from app.models import Complaint, Inspection, Loan
    from app.rules import RuleError

    for url in [f"/loanview/delete/{WORLD.loan_a}", f"/inspectionview/delete/{WORLD.inspection_b}",
                f"/complaintview/delete/{WORLD.complaint_a}"]:
        assert center.get(url).status_code in (302, 403, 404, 405), url
    center.post("/loanview/action_post", data={"action": "muldelete", "rowid": [str(WORLD.loan_a)]})
    admin = as_role("t_admin")
    r = admin.post("/complaintview/action_post", data={"action": "muldelete", "rowid": [str(WORLD.complaint_a)]},
                   follow_redirects=True)
    assert r.status_code == 200
    with app.app_context():
        assert db.session.get(Loan, WORLD.loan_a) is not None
        assert db.session.get(Complaint, WORLD.complaint_a) is not None
        db.session.delete(db.session.get(Inspection, WORLD.inspection_b))
        with pytest.raises(RuleError):
            db.session.flush()
        db.session.rollback()
