"""The audit trail: every change and every look at personal data, masked, chained, append-only."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app import clock
from app.security import audit
from app.extensions import db
from app.models import Award, Student
from app.models.audit import AUDIT_ACTIONS, AuditEntry, AuditHead
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

        from app.rules import idcard
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
            verdict = audit.verify(db.session)
            checked, broken = verdict.checked, verdict.broken
            assert broken is not None and broken["id"] == victim.id and checked == 3
            result = runner.invoke(args=["audit", "verify"])
            assert result.exit_code != 0 and f"第 {victim.id} 条" in result.output
        finally:
            db.session.rollback()
            db.session.execute(text("UPDATE audit_entry SET summary = :s WHERE id = :id"), {"s": original, "id": victim.id})
            for sql in on:
                db.session.execute(text(sql))
            db.session.commit()
        assert audit.verify(db.session).intact


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


# --- keyed chain and anchors: someone with the database's keys ------------------------------------

REFUSE = "审计日志只能追加，不能修改或删除"


def _guard(on):
    """The append-only triggers, on or off (what someone who owns the database can do)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"ALTER TABLE audit_entry {'ENABLE' if on else 'DISABLE'} TRIGGER audit_entry_no_change"))
    else:
        for verb in ("UPDATE", "DELETE"):
            db.session.execute(text(f"CREATE TRIGGER audit_entry_no_{verb.lower()} BEFORE {verb} ON audit_entry "
                                    f"BEGIN SELECT RAISE(ABORT, '{REFUSE}'); END") if on
                               else text(f"DROP TRIGGER audit_entry_no_{verb.lower()}"))


def _rows():
    return [dict(r) for r in db.session.execute(select(AuditEntry.__table__).order_by(AuditEntry.id)).mappings()]


def _plain(entry):
    """The hash an attacker without AUDIT_KEY can compute: the plain SHA-256 of the entry."""
    return audit._digest(dict(entry, key_version=0))


def _rechain(rows, start, key_version=None):
    """Recompute every hash from rows[start] on without the key, as someone who rewrote an entry would."""
    prev = rows[start - 1]["hash"] if start else audit.GENESIS
    for row in rows[start:]:
        row["prev_hash"] = prev
        if key_version is not None:
            row["key_version"] = key_version
        row["hash"] = prev = _plain(row)
        db.session.execute(text("UPDATE audit_entry SET summary = :summary, prev_hash = :prev_hash, hash = :hash, "
                                "key_version = :key_version WHERE id = :id"), row)


@pytest.fixture()
def tamper(app, tmp_path, monkeypatch):
    """The guard switched off, the anchors in a file of the test's own, no anchor written behind its back;
    afterwards the trail is put back exactly as it was and verified against the suite's anchors."""
    suite_anchors = audit.anchor_path(app)
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_FILE", str(tmp_path / "audit_anchor.log"))
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_EVERY", 0)
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_MINUTES", 0)
    with app.app_context():
        saved = _rows()
        head = db.session.execute(text("SELECT entries FROM audit_head WHERE id = 1")).scalar()
        assert head == len(saved)
        _guard(False)
        db.session.commit()
    yield tmp_path / "audit_anchor.log"
    with app.app_context():
        db.session.rollback()
        db.session.execute(text("DELETE FROM audit_entry"))
        db.session.execute(AuditEntry.__table__.insert(), saved)
        db.session.execute(text("UPDATE audit_head SET entries = :n WHERE id = 1"), {"n": head})
        _guard(True)
        db.session.commit()
        assert audit.verify(db.session, suite_anchors).intact


def test_a_rewritten_entry_with_every_later_hash_recomputed_is_found(app, tamper):
    with app.app_context():
        assert audit.verify_and_anchor(db.session).intact
        rows = _rows()
        assert all(r["key_version"] == audit.KEY_VERSION for r in rows)
        k = len(rows) // 2
        victim = rows[k]["id"]
        rows[k]["summary"] = "被改写"
        # without the key: plain hashes from the rewritten entry on, a chain that holds together
        _rechain(rows, k)
        db.session.commit()
        verdict = audit.verify(db.session)
        assert not verdict.intact and verdict.broken["id"] == victim and verdict.reason == "seal"
        assert verdict.checked == k and verdict.total == len(rows)
        # ... marked as entries from before the key: a plain entry after a keyed one is refused
        _rechain(rows, k, key_version=0)
        db.session.commit()
        verdict = audit.verify(db.session)
        assert verdict.broken["id"] == victim and verdict.reason == "plain"
        result = app.test_cli_runner().invoke(args=["audit", "verify"])
        assert result.exit_code != 0 and f"第 {victim} 条" in result.output
        # ... every entry made plain, so no keyed one comes first: the anchor knew entries were keyed,
        # and its entry's hash is not what it was
        _rechain(rows, 0, key_version=0)
        db.session.commit()
        verdict = audit.verify(db.session)
        assert verdict.broken["id"] == rows[0]["id"] and verdict.reason == "plain"
        assert verdict.truncated and verdict.anchor_problem["kind"] == "hash"


def test_the_last_five_entries_deleted_are_found_against_the_anchor(app, tamper):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "anchor"])
    assert result.exit_code == 0 and "已记下锚点" in result.output
    with app.app_context():
        rows = _rows()
        anchored = json.loads(tamper.read_text().splitlines()[-1])
        assert (anchored["id"], anchored["hash"], anchored["count"]) == (rows[-1]["id"], rows[-1]["hash"], len(rows))
        assert audit.verify(db.session).intact
        db.session.execute(text("DELETE FROM audit_entry WHERE id >= :id"), {"id": rows[-5]["id"]})
        db.session.execute(text("UPDATE audit_head SET entries = entries - 5 WHERE id = 1"))
        db.session.commit()
        # what is left is a perfect chain: only the anchor tells
        verdict = audit.verify(db.session)
        assert verdict.broken is None and verdict.total == len(rows) - 5
        assert not verdict.intact and verdict.truncated and verdict.anchor_problem["kind"] == "beyond"
        assert verdict.anchor_problem["last"]["id"] == rows[-6]["id"]
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0 and "被截短" in result.output and f"第 {rows[-1]['id']} 条" in result.output
    lines = len(tamper.read_text().splitlines())
    with app.app_context():
        # the trail goes on from the cut, past the anchored entry: sealed with the key, it still does not match
        for _ in range(6):
            audit.record_access("view", "student", [WORLD.student_a], "截短后的查看")
        verdict = audit.verify(db.session)
        assert verdict.broken is None and verdict.truncated
        assert verdict.anchor_problem["kind"] in ("hash", "missing")  # SQLite reuses the id, PostgreSQL does not
    assert len(tamper.read_text().splitlines()) == lines, "a trail found cut short was anchored"


def test_a_wrong_audit_key_fails(app, monkeypatch):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    monkeypatch.setitem(app.config, "AUDIT_KEY", "another-key-of-the-right-length-0123456789")
    with app.app_context():
        verdict = audit.verify(db.session)
        first = db.session.scalar(select(AuditEntry.id).order_by(AuditEntry.id))
        assert not verdict.intact and verdict.broken["id"] == first and verdict.reason == "seal"
        assert verdict.bad_anchor_lines  # the anchors were signed with the right key
    lines = audit.anchor_path(app).read_text()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0 and "AUDIT_KEY" in result.output
    assert audit.anchor_path(app).read_text() == lines


def test_anchors_are_signed_and_logged(app, tmp_path, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_FILE", str(tmp_path / "anchors.log"))
    with app.app_context(), caplog.at_level("INFO", logger="app.security.audit"):
        with db.engine.connect() as connection:
            written = audit.anchor(connection, by="command")
        assert f'"id": {written["id"]}' in caplog.text
        assert audit.read_anchors() == ([dict(written, line=1, by="command")], [])
        # a head moved forward by hand, in the file: its signature no longer holds
        forged = json.loads((tmp_path / "anchors.log").read_text())
        forged["count"] += 5
        with open(tmp_path / "anchors.log", "a") as f:
            f.write(json.dumps(forged) + "\n")
        verdict = audit.verify(db.session)
        assert verdict.bad_anchor_lines == [2] and not verdict.intact and verdict.broken is None
    # an anchor file that cannot be written: the verdict still stands, and says so
    (tmp_path / "a-file").write_text("")
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_FILE", str(tmp_path / "a-file" / "anchors.log"))
    with app.app_context():
        verdict = audit.verify_and_anchor(db.session)
        assert verdict.intact and verdict.anchor_written is None and verdict.anchor_error
        assert "锚点写不进" in audit.describe(verdict)
    # every N entries, once committed: an anchor each time the trail's count reaches a multiple of N
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_FILE", str(tmp_path / "every.log"))
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_MINUTES", 0)
    with app.app_context():
        # start from an even count, whatever the tests before wrote, so the second entry below makes a multiple of 2
        monkeypatch.setitem(app.config, "AUDIT_ANCHOR_EVERY", 0)
        if db.session.scalar(select(AuditHead.entries).where(AuditHead.id == 1)) % 2:
            audit.record_access("view", "student", [WORLD.student_a], "锚点测试对齐")
        monkeypatch.setitem(app.config, "AUDIT_ANCHOR_EVERY", 2)
        for _ in range(2):
            audit.record_access("view", "student", [WORLD.student_a], "锚点测试")
        good, bad = audit.read_anchors()
        last = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert len(good) == 1 and not bad and good[0]["id"] == last.id and good[0]["by"] == "count"
        # a rolled-back save anchors nothing
        audit.record_access("view", "student", [WORLD.student_a], "回滚", commit=False)
        audit.record_access("view", "student", [WORLD.student_a], "回滚", commit=False)
        db.session.rollback()
        audit.record_access("view", "student", [WORLD.student_a], "锚点测试")
        assert len(audit.read_anchors()[0]) == 1


def _verify_page(client):
    return client.post("/auditview/verify", data={}, follow_redirects=False)


def test_the_auditor_verifies_the_trail_from_the_browser(app, as_role, tamper):
    auditor = as_role("t_auditor")
    page = auditor.get("/auditview/list/").get_data(as_text=True)
    assert 'action="/auditview/verify"' in page and "核验审计日志" in page
    # the page behind the button: reading it changes nothing
    assert auditor.get("/auditview/verify").status_code == 200 and not tamper.exists()
    r = _verify_page(auditor)
    text_ = visible_text(r)
    with app.app_context():
        rows = _rows()
    assert r.status_code == 200 and "完整" in text_ and f"核对条数 {len(rows)}" in text_ and "已被篡改" not in text_
    assert json.loads(tamper.read_text().splitlines()[-1])["id"] == rows[-1]["id"]  # the verified head, anchored
    # an entry changed behind the application's back
    victim = rows[len(rows) // 2]
    with app.app_context():
        db.session.execute(text("UPDATE audit_entry SET summary = '被改过' WHERE id = :id"), {"id": victim["id"]})
        db.session.commit()
    r = _verify_page(auditor)
    text_ = visible_text(r)
    assert "已被篡改" in text_ and "第一条有问题的记录" in text_
    assert f"在第 {victim['id']} 条处断裂" in text_ and f"#{victim['id']}" in text_
    assert clock.local(victim["at"]).strftime("%Y-%m-%d %H:%M:%S") in text_
    assert (victim["username"] or "（命令行）") in text_
    with app.test_request_context():
        assert str(AUDIT_ACTIONS.label(victim["action"])) in text_  # in Chinese, as the list shows it
    # the last five removed: told against the anchor the first verification wrote
    with app.app_context():
        db.session.execute(text("UPDATE audit_entry SET summary = :s WHERE id = :id"),
                           {"s": victim["summary"], "id": victim["id"]})
        db.session.execute(text("DELETE FROM audit_entry WHERE id >= :id"), {"id": rows[-5]["id"]})
        db.session.commit()
    text_ = visible_text(_verify_page(auditor))
    assert "已被篡改" in text_ and "无断裂" in text_ and "与锚点相比是否被截短或改写 是" in text_
    assert f"现在只到第 {rows[-6]['id']} 条" in text_


@pytest.mark.parametrize("user", ["t_center", "t_officer_a", "t_supervisor", "t_leader"])
def test_only_the_auditor_and_the_administrator_verify(app, as_role, tmp_path, monkeypatch, user):
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_FILE", str(tmp_path / "anchors.log"))
    # only the button writes an anchor here, not the trail's 1,000th entry or the hour (whichever tests ran before)
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_EVERY", 0)
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_MINUTES", 0)
    client = as_role(user)
    assert client.post("/auditview/verify").status_code == 403
    assert client.get("/auditview/verify").status_code == 403
    assert "/auditview/verify" not in client.get("/auditview/list/").get_data(as_text=True)
    assert not (tmp_path / "anchors.log").exists()
    admin = as_role("t_admin")
    assert "完整" in visible_text(admin.post("/auditview/verify"))
    assert (tmp_path / "anchors.log").exists()


def test_the_button_is_a_form_with_its_csrf_token(app, tmp_path):
    import re

    from app import create_app
    from tests.conftest import PASSWORD

    guarded = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                         SQLALCHEMY_ENGINE_OPTIONS=app.config["SQLALCHEMY_ENGINE_OPTIONS"], WTF_CSRF_ENABLED=True,
                         AUDIT_ANCHOR_FILE=str(tmp_path / "anchors.log"),
                         # only the button writes an anchor here: the login's entries could be the suite's
                         # 1,000th or reach the hour, whichever tests this process ran before
                         AUDIT_ANCHOR_EVERY=0, AUDIT_ANCHOR_MINUTES=0)
    client = guarded.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login/").get_data(as_text=True)).group(1)
    assert client.post("/login/", data={"username": "t_auditor", "password": PASSWORD, "csrf_token": token}).status_code == 302
    page = client.get("/auditview/list/").get_data(as_text=True)
    form = re.search(r'(?s)<form method="post" action="/auditview/verify".*?</form>', page).group(0)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    assert client.post("/auditview/verify").status_code == 400  # a form from elsewhere
    assert not (tmp_path / "anchors.log").exists()
    r = client.post("/auditview/verify", data={"csrf_token": token})
    assert r.status_code == 200 and "完整" in visible_text(r) and (tmp_path / "anchors.log").exists()


def test_entries_from_before_the_key_still_verify_and_stay_protected(app, tmp_path):
    """The migration keeps the plain hashes of the entries already written (key_version 0), touches no row and
    leaves the guard in place; the first keyed entry seals them, and the anchors know where keying began."""
    from datetime import datetime

    import sqlalchemy as sa
    from flask_migrate import downgrade, upgrade

    from app import create_app
    from tests.conftest import PG_SCHEMA, _engine_options, _url

    options, admin = {}, None
    uri = f"sqlite:///{tmp_path}/keyed.db"
    if PG_SCHEMA:
        schema = PG_SCHEMA + "_key"
        admin = sa.create_engine(_url.replace("postgres://", "postgresql://"))
        with admin.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        uri, options = app.config["SQLALCHEMY_DATABASE_URI"], dict(_engine_options(),
                                                                  connect_args={"options": f"-csearch_path={schema}"})
    scratch = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=uri, SQLALCHEMY_ENGINE_OPTIONS=options,
                         AUDIT_ANCHOR_FILE=str(tmp_path / "anchors.log"), AUDIT_ANCHOR_EVERY=0, AUDIT_ANCHOR_MINUTES=0)
    try:
        with scratch.app_context():
            upgrade(revision="e7f8a9b0c1d2")
            prev = audit.GENESIS
            for i in range(3):  # written by the program before the key: plain SHA-256, no key_version yet
                entry = audit._entry("update", "school", i + 1, summary=f"旧记录{i}", who=(None, "（命令行）", None),
                                     at=datetime(2026, 11, 1, 8, i))
                entry["prev_hash"] = prev
                entry["hash"] = prev = audit._digest(entry)
                db.session.execute(text(
                    "INSERT INTO audit_entry (at, user_id, username, ip, action, entity, record_id, school_id, summary, "
                    "changes, prev_hash, hash) VALUES (:at, :user_id, :username, :ip, :action, :entity, :record_id, "
                    ":school_id, :summary, :changes, :prev_hash, :hash)"), entry)
            db.session.execute(text("UPDATE audit_head SET entries = 3 WHERE id = 1"))
            db.session.commit()
            upgrade()
            with pytest.raises(DBAPIError):  # the guard is still there
                db.session.execute(text("UPDATE audit_entry SET summary = 'x' WHERE id = 1"))
                db.session.flush()
            db.session.rollback()
            verdict = audit.verify(db.session)
            assert verdict.intact and verdict.total == 3 and verdict.first_keyed is None
            for _ in range(2):
                audit.record_access("view", "student", [1], "新记录")
            verdict = audit.verify_and_anchor(db.session)
            assert verdict.intact and verdict.total == 5 and verdict.first_keyed == 4
            rows = _rows()
            assert [r["key_version"] for r in rows] == [0, 0, 0, 1, 1]
            assert verdict.anchor_written["keyed_from"] == 4
            # the program before the key would read the seals as broken hashes: no way back
            with pytest.raises(SystemExit):  # Flask-Migrate logs the RuntimeError and exits
                downgrade(revision="e7f8a9b0c1d2")
            db.session.rollback()
            assert db.session.execute(text("SELECT count(*) FROM audit_entry WHERE key_version = 1")).scalar() == 2
            # an old entry rewritten and the old hashes recomputed: the first keyed entry no longer follows
            _guard(False)
            rows[1]["summary"] = "改写的旧记录"
            _rechain(rows[:3], 1)
            db.session.commit()
            verdict = audit.verify(db.session)
            assert verdict.broken["id"] == 4 and verdict.reason == "link"
            # ... and the keyed entries made plain too: the anchor says keying began at entry 4
            _rechain(rows, 1, key_version=0)
            db.session.commit()
            verdict = audit.verify(db.session)
            assert verdict.broken["id"] == 4 and verdict.reason == "plain" and verdict.truncated
            _guard(True)
            db.session.commit()
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
    finally:
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()
