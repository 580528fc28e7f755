"""Personal data: encrypted at rest, found by exact ID number, masked unless revealed, key rotation."""
import json
import secrets
from datetime import date

import pytest
from sqlalchemy import select, text

from app.security import crypto
from app.rules import idcard
from app.extensions import db
from app.models import Award, Complaint, Loan, Student
from app.models.audit import AuditEntry
from app.models.budgets import BatchLine
from app.rules import cards
from tests.conftest import WORLD, visible_text
from tests.test_reports import pdf_text

ENCRYPTED = [("student", "id_number"), ("student", "guardian_phone"), ("award", "card_number"),
             ("batch_line", "card_number"), ("loan", "co_borrower_phone"), ("complaint", "complainant_contact")]


def _student(app, name, seq, school=None, phone="13912345678"):
    with app.app_context():
        s = Student(school_id=school or WORLD.school_a, name=name, id_number=idcard.make("341124", date(2009, 4, 4), seq),
                    grade="高二", class_name="2班", enrolment_year=2025, guardian_phone=phone)
        db.session.add(s)
        db.session.commit()
        return s.id, s.id_number


def _raw(column, table):
    return [v for (v,) in db.session.execute(text(f"SELECT {column} FROM {table}"))]


def test_the_database_holds_no_plaintext(app):
    with app.app_context():
        plain = {
            "student": [s.id_number for s in db.session.scalars(select(Student))],
            "award": [a.card_number for a in db.session.scalars(select(Award))],
            "batch_line": [b.card_number for b in db.session.scalars(select(BatchLine))],
            "complaint": [c.complainant_contact for c in db.session.scalars(select(Complaint)) if c.complainant_contact],
        }
        for table, column in ENCRYPTED:
            for value in _raw(column, table):
                assert value is None or value == "" or value.startswith(crypto.PREFIX + crypto.key_id() + ":"), (table, value)
        raw_all = " ".join(str(v) for t, c in ENCRYPTED for v in _raw(c, t))
        for values in plain.values():
            assert values and all(v not in raw_all for v in values)
        assert WORLD.student_b_number not in raw_all and WORLD.card_b not in raw_all and "13900002222" not in raw_all
        # the keyed hash, not the number, is what the database can compare
        hashes = _raw("id_number_hash", "student")
        assert crypto.lookup(WORLD.student_b_number) in hashes and WORLD.student_b_number not in hashes
        # ...and the same number encrypts differently every time
        assert crypto.encrypt("341124200803010117") != crypto.encrypt("341124200803010117")


def test_plaintext_from_before_the_migration_reads_back_and_blanks_stay_blank(app):
    with app.app_context():
        assert crypto.decrypt("13900001111") == "13900001111"
        assert crypto.encrypt(None) is None and crypto.encrypt("") == "" and crypto.encrypt("  ") == "  "


def test_exact_id_number_finds_the_pupil_on_the_list_the_forms_and_the_api(app, officer_a, api):
    sid, number = _student(app, "检索学生", 801)
    # the list's search by ID number (exact; lower-case x and spaces are normalised)
    page = visible_text(officer_a.get(f"/studentview/list/?_flt_0_id_number={number}", follow_redirects=True))
    assert "检索学生" in page
    assert "检索学生" not in visible_text(officer_a.get(f"/studentview/list/?_flt_0_id_number={number[:10]}"))
    # the award form finds the pupil by the number typed
    card = cards.make("6217", 19, 8801)
    r = officer_a.post("/awardview/add", data={"student": number.lower(), "program": WORLD.program_senior,
                                                "semester": WORLD.semester, "amount": "1000", "over_standard_reason": "",
                                                "card_kind": "aid_card", "card_number": card})
    assert r.status_code == 302
    with app.app_context():
        award = db.session.scalars(select(Award).where(Award.student_id == sid)).one()
        assert award.card_number == card
        assert "检索学生" in visible_text(officer_a.get(f"/awardview/list/?_flt_0_student={number}", follow_redirects=True))
        # the ORM: an equality on the number is a comparison of keyed hashes
        assert db.session.scalars(select(Student).where(Student.id_number == number.lower())).one().id == sid
        assert [s.id for s in db.session.scalars(select(Student).where(Student.id_number.in_([number])))] == [sid]
        # a comparison that could only compare ciphertext is refused instead of finding nothing
        with pytest.raises(crypto.EncryptedComparison):
            select(Award).where(Award.card_number == card)
    # the API search by ID number
    body = api("t_officer_a").get(f"/api/v1/student/?q={json.dumps({'filters': [{'col': 'id_number', 'opr': 'eqh', 'value': number}]})}").get_json()
    assert body["ids"] == [sid]


def test_an_id_number_stays_unique_county_wide(app, officer_a, as_role):
    from tests.test_students import _form

    number = idcard.make("341124", date(2010, 7, 8), 811)
    assert officer_a.post("/studentview/add", data=_form(id_number=number, name="唯一甲")).status_code == 302
    r = as_role("t_officer_b").post("/studentview/add", data=_form(school=WORLD.school_b, id_number=number,
                                                                    name="唯一乙", grade="五年级"))
    assert "已在本县学籍名单中" in visible_text(r)
    with app.app_context():
        assert db.session.query(Student).filter_by(id_number=number).count() == 1
        # below the rules, the unique index on the keyed hash refuses it too
        from sqlalchemy.exc import IntegrityError

        with pytest.raises(IntegrityError):
            db.session.connection().execute(text("INSERT INTO student (school_id, name, gender, id_number, id_number_hash, birth_date, "
                                    "grade, class_name, enrolment_year, created_at, updated_at) VALUES (:s, 'x', 'M', 'x', :h, "
                                    "'2010-07-08', '高一', '1班', 2026, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                               {"s": WORLD.school_b, "h": crypto.lookup(number)})
        db.session.rollback()


def test_masked_in_lists_exports_api_and_pages_without_the_reveal_permission(app, officer_a, center, as_role, api):
    from io import BytesIO

    from openpyxl import load_workbook

    sid, number = _student(app, "掩码学生", 821, phone="13987654321")
    masked_id, masked_phone = idcard.mask(number), "139****4321"
    for client in (officer_a, center):  # lists on screen: masked for everyone
        page = client.get("/studentview/list/").get_data(as_text=True)
        assert number not in page and masked_id in page
    # exports: masked for the officer, in full for the centre (the export is in the audit trail)
    def sheet(client):
        wb = load_workbook(BytesIO(client.get("/studentview/export/").data))
        return " ".join(str(c.value) for row in wb.active.iter_rows() for c in row)

    assert number not in sheet(officer_a) and masked_id in sheet(officer_a)
    assert number in sheet(center)
    # the API: masked for the officer, in full for the centre
    one = api("t_officer_a").get(f"/api/v1/student/{sid}").get_json()["result"]
    assert one["id_number"] == masked_id and one["guardian_phone"] == masked_phone
    listed = api("t_officer_a").get("/api/v1/student/?q=(page_size:100)").get_data(as_text=True)
    assert number not in listed and masked_id in listed
    assert api("t_center").get(f"/api/v1/student/{sid}").get_json()["result"]["id_number"] == number
    # a pupil's page: masked for the officer, the supervisor and the leader; in full for the centre
    for client in (officer_a, as_role("t_supervisor"), as_role("t_leader")):
        html = client.get(f"/studentview/show/{sid}").get_data(as_text=True)
        assert number not in html and "13987654321" not in html and masked_id in html
    assert number in center.get(f"/studentview/show/{sid}").get_data(as_text=True)
    # PDFs carry no ID number at all
    assert number not in pdf_text(officer_a.get(f"/print/letter/{sid}").data)


def test_revealing_is_for_the_permitted_and_is_logged(app, officer_a, as_role):
    sid, number = _student(app, "揭示学生", 831)

    def reveals():
        with app.app_context():
            return db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "student", AuditEntry.record_id == sid,
                                                               AuditEntry.action == "view",
                                                               AuditEntry.summary.startswith("显示完整号码"))).all()

    page = officer_a.get(f"/studentview/show/{sid}").get_data(as_text=True)
    assert "?reveal=1" in page and not reveals()
    html = officer_a.get(f"/studentview/show/{sid}?reveal=1").get_data(as_text=True)
    assert number in html and "13912345678" in html
    entries = reveals()
    assert len(entries) == 1 and entries[0].username == "t_officer_a" and number not in (entries[0].summary or "")
    # the supervisor has no reveal: the page stays masked and nothing is revealed
    html = as_role("t_supervisor").get(f"/studentview/show/{sid}?reveal=1").get_data(as_text=True)
    assert number not in html and "?reveal=1" not in html and len(reveals()) == 1
    # another school's officer never reaches the record at all
    assert number not in as_role("t_officer_b").get(f"/studentview/show/{sid}?reveal=1").get_data(as_text=True)
    # opening the edit form (which holds the full number) is a reveal too
    officer_a.get(f"/studentview/edit/{sid}")
    assert len(reveals()) == 2


def _every_value(app):
    values = {}
    with app.app_context():
        for model, columns in [(Student, ("id_number", "guardian_phone")), (Award, ("card_number",)),
                               (BatchLine, ("card_number",)), (Loan, ("co_borrower_phone",)),
                               (Complaint, ("complainant_contact",))]:
            rows = db.session.execute(select(model.id, *[getattr(model, c) for c in columns]).order_by(model.id)).all()
            values[model.__tablename__] = [tuple(r) for r in rows]
        db.session.remove()
    return values


def test_key_rotation_reencrypts_everything_and_every_value_reads_back_the_same(app):
    _student(app, "轮换学生", 841)
    before = _every_value(app)
    old_key = app.config["ENCRYPTION_KEY"]
    new_key = secrets.token_urlsafe(32)
    with app.app_context():
        old_raw = {(t, c): _raw(c, t) for t, c in ENCRYPTED}
        db.session.remove()
    runner = app.test_cli_runner()
    try:
        result = runner.invoke(args=["crypto", "rotate", "--new-key-env", "AID_TEST_NEW_KEY"],
                               env={"AID_TEST_NEW_KEY": new_key})
        assert result.exit_code == 0, result.output
        assert "ENCRYPTION_KEY" in result.output
        app.config["ENCRYPTION_KEY"] = new_key
        assert _every_value(app) == before
        with app.app_context():
            assert crypto.key_id() != crypto.key_id(old_key)
            for (t, c), values in old_raw.items():
                now = _raw(c, t)
                assert all(v is None or v == "" or v.startswith(f"{crypto.PREFIX}{crypto.key_id()}:") for v in now)
                assert len(set(now) - {None, ""}) == len(set(values) - {None, ""})
                assert not (set(now) - {None, ""}) & set(values)
            # lookups by ID number still find the pupil with the new key
            found = db.session.scalars(select(Student).where(Student.id_number == WORLD.student_b_number)).one()
            assert found.id == WORLD.student_b
            db.session.remove()
    finally:
        # back to the suite's key, the same way
        app.config["ENCRYPTION_KEY"] = new_key
        result = runner.invoke(args=["crypto", "rotate", "--new-key-env", "AID_TEST_OLD_KEY"],
                               env={"AID_TEST_OLD_KEY": old_key})
        app.config["ENCRYPTION_KEY"] = old_key
        assert result.exit_code == 0, result.output
    assert _every_value(app) == before


def test_a_failed_rotation_changes_nothing(app):
    with app.app_context():
        before = {(t, c): _raw(c, t) for t, c in ENCRYPTED}
        with pytest.raises(crypto.EncryptionKeyError):
            with db.engine.begin() as conn:
                crypto.rotate(conn, app.config["ENCRYPTION_KEY"], "too-short")
        with pytest.raises(RuntimeError):
            with db.engine.begin() as conn:
                crypto.rotate(conn, app.config["ENCRYPTION_KEY"], secrets.token_urlsafe(32))
                raise RuntimeError("interrupted before the commit")
        assert {(t, c): _raw(c, t) for t, c in ENCRYPTED} == before
        db.session.remove()


def test_the_wrong_key_is_a_clear_error(app):
    old_key = app.config["ENCRYPTION_KEY"]
    app.config["ENCRYPTION_KEY"] = secrets.token_urlsafe(32)
    try:
        with app.app_context():
            with pytest.raises(crypto.EncryptionKeyError, match="ENCRYPTION_KEY"):
                db.session.execute(select(Student.id_number)).all()
            db.session.rollback()
            runner = app.test_cli_runner()
            result = runner.invoke(args=["crypto", "check"])
            assert result.exit_code != 0 and "ENCRYPTION_KEY" in result.output
            db.session.remove()
    finally:
        app.config["ENCRYPTION_KEY"] = old_key
    with app.app_context():
        assert db.session.get(Student, WORLD.student_b).id_number == WORLD.student_b_number
        assert "ENCRYPTION_KEY" in app.test_cli_runner().invoke(args=["crypto", "check"]).output
        db.session.remove()
