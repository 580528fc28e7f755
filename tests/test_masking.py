"""Masking is a property of the data as it leaves the server, for every role (app/security/personal.py).

Every API answer (a record, a list, the record a PUT or a POST saved, ``_info``), every page's
links, every error message and the audit trail: ID, card and phone numbers masked for the roles
that see them masked, and the birth date (the middle of the ID number) as its year only.
"""
from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.security import audit
from app.rules import idcard
from app.security import personal
from app.extensions import db
from app.models import AidProgram, Award, Complaint, Identification, Loan, Student
from app.models.audit import AuditEntry
from app.models.budgets import BatchLine
from app.security.roles import AID_CENTER, AUDITOR, LEADER, SCHOOL_OFFICER, SUPERVISOR
from app.rules import RuleError, cards
from app.views.base import AidModelApi
from tests.conftest import WORLD, purge, visible_text
from tests.sweep import build_url, routes, without_pdf_layout
from tests.test_post_routes import USERS, _api_client, _login, _print_job_b, _value  # noqa: F401  (a fixture)

MASKED_ROLES = [SCHOOL_OFFICER, SUPERVISOR, LEADER, AUDITOR]
PHONE = "13955556666"


@pytest.fixture()
def exposed(app):
    """A pupil of school A with every personal field filled, priority-identified and not aided this
    term (应助尽助 lists it with its link), and a 高三 pupil with a guardian phone who had the 普通高中国家
    助学金 (the loan pre-application list shows it)."""
    with app.app_context():
        grant = db.session.scalars(select(AidProgram).where(AidProgram.name == "普通高中国家助学金")).first()
        made_grant = grant is None
        if made_grant:
            grant = AidProgram(name="普通高中国家助学金", kind="national", stages="senior", standard_amount=Decimal("2000"),
                               period="year", active=True)
            db.session.add(grant)
            db.session.flush()
        pupil = Student(school_id=WORLD.school_a, name="掩码到底", id_number=idcard.make("341124", date(2010, 11, 23), 951),
                        grade="高一", class_name="1班", enrolment_year=2026, guardian="掩码家长", guardian_phone=PHONE,
                        address="掩码地址")
        senior = Student(school_id=WORLD.school_a, name="掩码高三", id_number=idcard.make("341124", date(2008, 2, 14), 953),
                         grade="高三", class_name="3班", enrolment_year=2024, guardian="高三家长", guardian_phone="13955557777")
        db.session.add_all([pupil, senior])
        db.session.flush()
        ident = Identification(student_id=pupil.id, school_year="2026-2027", level="difficult", cat_registered_poor=True,
                               evidence_source="school", identified_on=date(2026, 9, 5))
        award = Award(student_id=senior.id, program_id=grant.id, semester_id=WORLD.semester, amount=Decimal("1000"),
                      card_kind="aid_card", card_number=cards.make("6217", 19, 9531), status="approved")
        db.session.add_all([ident, award])
        db.session.commit()
        made = pupil.id, senior.id, ident.id, award.id, grant.id if made_grant else None
    yield made[0]
    with app.app_context():
        for loan in db.session.scalars(select(Loan).where(Loan.student_id.in_(made[:2]))).all():
            purge(loan)
        purge(db.session.get(Award, made[3]), db.session.get(Identification, made[2]),
              db.session.get(Student, made[0]), db.session.get(Student, made[1]))
        if made[4]:
            purge(db.session.get(AidProgram, made[4]))
        db.session.commit()


def full_values(app):
    """Every ID, card and phone number the database holds, in full."""
    values = set()
    with app.app_context():
        for model, columns in [(Student, ("id_number", "guardian_phone")), (Award, ("card_number",)),
                               (BatchLine, ("card_number",)), (Loan, ("co_borrower_phone",)),
                               (Complaint, ("complainant_contact",))]:
            for row in db.session.execute(select(*[getattr(model, c) for c in columns])).all():
                values.update(v for v in row if v and len(v) >= 7)
        db.session.remove()
    return values


def birth_dates(app):
    with app.app_context():
        found = {d.isoformat() for d in db.session.scalars(select(Student.birth_date))}
        db.session.remove()
    return found


def _leaks(body, values):
    return sorted(v for v in values if v in body)


def _birth_dates_shown(data):
    """Every birth_date value an API answer holds, at any depth."""
    if isinstance(data, list):
        return [d for item in data for d in _birth_dates_shown(item)]
    if isinstance(data, dict):  # not the labels and descriptions of the fields, which are text
        data = {k: v for k, v in data.items() if k not in ("message", "label_columns", "description_columns")}
        return [v for k, v in data.items() if k == "birth_date" and v] + [
            d for v in data.values() for d in _birth_dates_shown(v)]
    return []


def _resources(app):
    return [view for view in app.appbuilder.baseviews if isinstance(view, AidModelApi)]


def _answers(app, role):
    """(what was asked, the answer) for every resource: its _info, its list, each of its records, and a
    PUT {} of the first records (the version read sent back)."""
    client, headers = _api_client(app, USERS[role])
    out = []
    for view in _resources(app):
        base = f"/api/v1/{view.resource_name}/"
        out.append((f"GET {base}_info", client.get(base + "_info", headers=headers)))
        listed = client.get(base + "?q=(page_size:100)", headers=headers)
        out.append((f"GET {base}", listed))
        ids = (listed.get_json(silent=True) or {}).get("ids") or []
        for pk in ids[:25]:
            out.append((f"GET {base}{pk}", client.get(f"{base}{pk}", headers=headers)))
        for pk in ids[:3]:
            read = client.get(f"{base}{pk}", headers=headers)
            out.append((f"PUT {base}{pk} {{}}", client.put(f"{base}{pk}", json={},
                                                          headers={**headers, "If-Match": read.headers.get("ETag", "")})))
    return out


@pytest.mark.parametrize("role", MASKED_ROLES)
def test_no_api_answer_carries_a_full_number_to_a_masked_role(app, role, exposed):
    values = full_values(app)
    answered = 0
    for asked, r in _answers(app, role):
        body = r.get_data(as_text=True)
        assert not _leaks(body, values), (asked, r.status_code, _leaks(body, values))
        shown = _birth_dates_shown(r.get_json(silent=True))
        assert all(re.fullmatch(r"\d{4}-\*\*-\*\*", d) for d in shown), (asked, shown)
        answered += r.status_code == 200
    assert answered > 5 or role == AUDITOR, role  # the auditor reads the trail, not the API


def _last_entry(app):
    with app.app_context():
        last = db.session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)) or 0
        db.session.remove()
        return last


def _audit_reads(app, entity, record_id, since=0):
    """The reads of a record written to the trail after entry ``since`` (record ids come back after a purge)."""
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.record_id == record_id,
                                                           AuditEntry.action == "view", AuditEntry.id > since)).all()
        db.session.remove()
        return len(rows)


def _writes(app, role, pupil):
    """The answers to writes on the pupil's records: PUT {} and PUT of a field on the pupil, its award and
    a loan, and a POST of a pupil, an award, a loan and a complaint."""
    client, headers = _api_client(app, USERS[role])

    def put(url, body):
        etag = client.get(url, headers=headers).headers.get("ETag", "")
        return client.put(url, json=body, headers={**headers, "If-Match": etag})

    with app.app_context():
        award = Award(student_id=pupil, program_id=WORLD.program_senior, semester_id=WORLD.semester, amount=Decimal("900"),
                      card_kind="aid_card", card_number=cards.make("6217", 19, 9511), status="proposed")
        loan = Loan(student_id=pupil, co_borrower="掩码家长", co_borrower_phone="13955558888", academic_year="2026-2027",
                    degree="undergraduate", status="pre_applied")
        db.session.add_all([award, loan])
        db.session.commit()
        award_id, loan_id = award.id, loan.id
    answers = {
        ("student", pupil, "put {}"): put(f"/api/v1/student/{pupil}", {}),
        ("student", pupil, "put"): put(f"/api/v1/student/{pupil}", {"address": "掩码新地址"}),
        ("award", award_id, "put {}"): put(f"/api/v1/award/{award_id}", {}),
        ("award", award_id, "put"): put(f"/api/v1/award/{award_id}", {"amount": 800}),
        ("loan", loan_id, "put {}"): put(f"/api/v1/loan/{loan_id}", {}),
        ("loan", loan_id, "put"): put(f"/api/v1/loan/{loan_id}", {"university": "掩码大学"}),
    }
    number = idcard.make("341124", date(2011, 6, 7), 957 if role == AID_CENTER else 955)
    posted = client.post("/api/v1/student/", json={"name": "掩码新生", "id_number": number, "grade": "高一", "class_name": "2班",
                                                   "enrolment_year": 2026, "guardian_phone": "13955559999",
                                                   **({"school": WORLD.school_a} if role == AID_CENTER else {})},
                         headers=headers)
    answers[("student", (posted.get_json(silent=True) or {}).get("id"), "post")] = posted
    answers[("complaint", None, "post")] = client.post(
        "/api/v1/complaint/", json={"kind": "complaint", "channel": "phone", "school": WORLD.school_a, "anonymous": False,
                                    "complainant_name": "掩码投诉人", "complainant_contact": "13955550000",
                                    "subject": "掩码投诉", "content": "掩码投诉内容"}, headers=headers)
    return answers, (award_id, loan_id, number)


def _cleanup(app, pupil, award_id, loan_id, number):
    with app.app_context():
        made = [db.session.get(Award, award_id), db.session.get(Loan, loan_id)]
        made += db.session.scalars(select(Student).where(Student.id_number == number)).all()
        made += db.session.scalars(select(Complaint).where(Complaint.subject == "掩码投诉")).all()
        purge(*[m for m in made if m is not None])
        db.session.commit()


def test_write_answers_are_masked_for_the_officer_and_record_nothing(app, exposed):
    values = full_values(app) | {PHONE, "13955558888", "13955559999", "13955550000"}
    since = _last_entry(app)
    answers, made = _writes(app, SCHOOL_OFFICER, exposed)
    try:
        values |= {made[2]}
        assert answers[("student", exposed, "put {}")].status_code == 200
        for key, r in answers.items():
            body = r.get_data(as_text=True)
            assert not _leaks(body, values), (key, r.status_code, _leaks(body, values))
            assert all(re.fullmatch(r"\d{4}-\*\*-\*\*", d) for d in _birth_dates_shown(r.get_json(silent=True))), key
        result = answers[("student", exposed, "put {}")].get_json()["result"]
        with app.app_context():
            number = db.session.get(Student, exposed).id_number
        assert result["id_number"] == idcard.mask(number) and result["guardian_phone"] == personal.mask_phone(PHONE)
        assert result["birth_date"] == "2010-**-**"
        # nothing was shown in full: the answers to the PUTs add no read to those of the GETs before them
        assert _audit_reads(app, "student", exposed, since) == 2
        assert _audit_reads(app, "award", made[0], since) == 2 and _audit_reads(app, "loan", made[1], since) == 2
    finally:
        _cleanup(app, exposed, *made)


def test_write_answers_are_in_full_for_the_centre_and_recorded_as_reads(app, exposed):
    with app.app_context():
        number = db.session.get(Student, exposed).id_number
    since = _last_entry(app)
    answers, made = _writes(app, AID_CENTER, exposed)
    try:
        r = answers[("student", exposed, "put {}")]
        assert r.status_code == 200
        result = r.get_json()["result"]
        assert result["id_number"] == number and result["guardian_phone"] == PHONE and result["birth_date"] == "2010-11-23"
        # each PUT answer on the pupil is a read of it, recorded as a GET's is (the GET before it is one too)
        assert _audit_reads(app, "student", exposed, since) == 4
        award_id, loan_id, new_number = made
        assert answers[("award", award_id, "put {}")].get_json()["result"]["card_number"] == cards.make("6217", 19, 9511)
        assert _audit_reads(app, "award", award_id, since) == 4 and _audit_reads(app, "loan", loan_id, since) == 4
        pid = next(k[1] for k in answers if k[0] == "student" and k[2] == "post")
        posted = answers[("student", pid, "post")]
        assert posted.status_code == 201, posted.get_data(as_text=True)
        assert posted.get_json()["result"]["id_number"] == new_number and _audit_reads(app, "student", pid, since) == 1
        # the complaint's answer never carries the complainant, to anyone (only /identity does, recorded)
        complaint = answers[("complaint", None, "post")]
        assert complaint.status_code == 201 and "13955550000" not in complaint.get_data(as_text=True)
        assert "掩码投诉人" not in complaint.get_data(as_text=True)
    finally:
        _cleanup(app, exposed, *made)


# --- error messages ---------------------------------------------------------------------------------

def test_refusals_never_echo_a_number_or_the_birth_date_it_holds(app, exposed, as_role, api):
    with app.app_context():
        number = db.session.get(Student, exposed).id_number
    # a birth date that disagrees with the stored number: refused without saying which date the number holds
    r = api("t_officer_a").put_current(f"/api/v1/student/{exposed}", json={"birth_date": "2001-01-01"})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert number not in body and "2010-11-23" not in body and "20101123" not in body
    # the same number at another school: refused without the number (over the API and on the form)
    r = api("t_officer_b").post("/api/v1/student/", json={"name": "重复", "id_number": number, "grade": "五年级",
                                                          "class_name": "1班", "enrolment_year": 2026})
    assert r.status_code == 422 and number not in r.get_data(as_text=True)
    assert "13955556666" not in r.get_data(as_text=True)
    from tests.test_students import _form

    page = visible_text(as_role("t_officer_b").post("/studentview/add", data=_form(
        school=WORLD.school_b, id_number=number, name="重复乙", grade="五年级")))
    assert "已在本县学籍名单中" in page
    message = page[page.index("已在本县学籍名单中") - 60:page.index("已在本县学籍名单中") + 60]
    assert number not in message and "2010" not in message
    # a conflict the database refuses (the unique keyed hash, past the rules): its message is ours, no values
    with app.app_context(), app.test_request_context("/api/v1/student/"):
        from app.rules import RuleError
        from app.views.base import AidInterface

        twin = Student(school_id=WORLD.school_a, name="冲突", id_number=number, gender="M", birth_date=date(2010, 11, 23),
                       grade="高一", class_name="1班", enrolment_year=2026)
        with pytest.raises(RuleError) as refused:
            AidInterface(Student).add(twin)
        said = json.dumps(refused.value.errors, ensure_ascii=False, default=str)
        assert number not in said and "2010-11-23" not in said and "INSERT" not in said
        db.session.rollback()
        db.session.remove()


# --- the audit trail ---------------------------------------------------------------------------------

def test_the_trail_stores_every_personal_field_masked_and_its_screens_do_not_unmask(app, exposed, as_role):
    """Every field of personal.MASKS, in every table that has one, created and changed: the trail keeps
    them masked (the birth date as its year), and its list, record, export and history pages show them so."""
    with app.app_context():
        # from the pupil's own creation on (its entry holds the ID number and the birth date)
        since = db.session.scalar(select(AuditEntry.id).where(
            AuditEntry.entity == "student", AuditEntry.record_id == exposed, AuditEntry.action == "create",
        ).order_by(AuditEntry.id.desc()).limit(1)) - 1
        pupil = db.session.get(Student, exposed)
        number = pupil.id_number
        award = Award(student_id=exposed, program_id=WORLD.program_senior, semester_id=WORLD.semester, amount=Decimal("700"),
                      card_kind="aid_card", card_number=cards.make("6217", 19, 9591), status="proposed")
        loan = Loan(student_id=exposed, co_borrower="掩码家长", co_borrower_phone="13955551234", academic_year="2026-2027",
                    degree="undergraduate", status="pre_applied")
        complaint = Complaint(kind="complaint", channel="phone", school_id=WORLD.school_a, anonymous=False,
                              complainant_name="掩码举报人", complainant_contact="13955554321", subject="掩码留痕",
                              content="掩码留痕内容")
        db.session.add_all([award, loan, complaint])
        db.session.flush()
        line = BatchLine(batch_id=WORLD.batch, award_id=award.id, name="掩码到底", card_number=cards.make("6217", 19, 9592),
                         amount=Decimal("700"))
        db.session.add(line)
        db.session.commit()
        made = [(BatchLine, line.id), (Complaint, complaint.id), (Loan, loan.id), (Award, award.id)]
        secrets = [number, PHONE, "2010-11-23", award.card_number, line.card_number, "13955551234", "13955554321",
                   "13955551111", "13955552222", "13955553333", cards.make("6217", 19, 9593)]
        # and changed: old and new values both kept masked
        pupil.guardian_phone, loan.co_borrower_phone = "13955551111", "13955552222"
        complaint.complainant_contact, award.card_number = "13955553333", cards.make("6217", 19, 9593)
        db.session.commit()
        db.session.remove()
    try:
        with app.app_context():
            entries = db.session.scalars(select(AuditEntry).where(AuditEntry.id > since)).all()
            assert {e.entity for e in entries} >= {"student", "award", "loan", "complaint", "batch_line"}
            assert {e.action for e in entries} >= {"create", "update"}
            stored = " ".join(json.dumps(e.changes, ensure_ascii=False, default=str) + (e.summary or "") for e in entries)
            for secret in secrets:
                assert secret not in stored, secret
            assert "2010-**-**" in stored and idcard.mask(number) in stored  # the year only, the number masked
            assert set(personal.MASKS) <= set(audit.MASKS)  # every field masked on screen is masked in the trail
            ids = [e.id for e in entries]
            db.session.remove()
        for username in ("t_auditor", "t_center", "t_admin"):
            client = as_role(username)
            pages = [client.get("/auditview/list/"), client.get("/auditview/export/"),
                     client.get(f"/auditview/history/student/{exposed}")]
            pages += [client.get(f"/auditview/show/{pk}") for pk in ids]
            for r in pages:
                assert r.status_code == 200, (username, r.request.path)
                xlsx = r.mimetype.endswith("spreadsheetml.sheet")
                body = _sheet_text(r.data) if xlsx else r.get_data(as_text=True)
                for secret in secrets:
                    assert secret not in body, (username, r.request.path, secret)
    finally:
        with app.app_context():
            purge(*[db.session.get(model, pk) for model, pk in made])
            db.session.commit()


def _sheet_text(data):
    from io import BytesIO

    from openpyxl import load_workbook

    return " ".join(str(c.value) for row in load_workbook(BytesIO(data)).active.iter_rows() for c in row)


# --- the birth date beside a masked ID -------------------------------------------------------------

def test_the_birth_date_shows_its_year_wherever_the_id_is_masked(app, exposed, as_role, center, api):
    with app.app_context():
        number = db.session.get(Student, exposed).id_number
    assert idcard.mask(number) == number[:6] + "********" + number[-4:]  # the birth date is the part hidden
    for username in ("t_officer_a", "t_supervisor", "t_leader"):
        html = as_role(username).get(f"/studentview/show/{exposed}").get_data(as_text=True)
        assert idcard.mask(number) in html and "2010-11-23" not in html and "2010-**-**" in html, username
        one = api(username).get(f"/api/v1/student/{exposed}").get_json()["result"]
        assert one["birth_date"] == "2010-**-**" and one["id_number"] == idcard.mask(number)
    # revealed (recorded), or seen by the centre (recorded): the whole date, with the whole number
    html = as_role("t_officer_a").get(f"/studentview/show/{exposed}?reveal=1").get_data(as_text=True)
    assert number in html and "2010-11-23" in html
    html = center.get(f"/studentview/show/{exposed}").get_data(as_text=True)
    assert number in html and "2010-11-23" in html
    assert api("t_center").get(f"/api/v1/student/{exposed}").get_json()["result"]["birth_date"] == "2010-11-23"


# --- no number in an address -----------------------------------------------------------------------

_URL_ATTR = re.compile(r'(?:href|action|src|formaction)\s*=\s*["\']([^"\']*)["\']', re.I)
_ID_SHAPE = re.compile(r"(?<![0-9])\d{17}[\dXx](?![0-9])")


@pytest.mark.parametrize("role", [SCHOOL_OFFICER, AID_CENTER])
def test_no_link_form_or_redirect_carries_a_number(app, role, exposed, monkeypatch):
    without_pdf_layout(monkeypatch)  # a PDF's redirect and headers are read here, not its pages
    values = full_values(app)
    browser = _login(app, USERS[role])
    seen_links, crawled = set(), 0
    for rule in sorted(routes(app), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.rule.startswith("/api/"):
            continue
        url = build_url(app, rule, _value)
        # the route with its pupil, and with the pupil whose numbers are exposed (once where it names none)
        for target in dict.fromkeys((url, url.replace(str(WORLD.student_b), str(exposed)))):
            r = browser.get(target)
            crawled += 1
            addresses = [r.headers.get("Location", "")]
            if r.mimetype == "text/html":
                addresses += _URL_ATTR.findall(r.get_data(as_text=True))
            for address in addresses:
                assert not _leaks(address, values), (target, address)
                for found in _ID_SHAPE.findall(address):
                    try:
                        idcard.parse(found)
                    except idcard.IdNumberError:
                        continue
                    pytest.fail(f"{target} links {address}")
                if "/awardview/add?" in address:
                    seen_links.add(address)
    assert crawled > 40
    # the 应助尽助 page's 提出资助 link was among them, naming the pupil by record id
    assert any(f"student={exposed}" in link for link in seen_links), seen_links


# --- the loan pre-application list -----------------------------------------------------------------

@pytest.mark.parametrize("username", ["t_center", "t_officer_a", "t_supervisor"])
def test_the_pre_application_list_is_masked_for_everyone(app, exposed, as_role, username):
    html = as_role(username).get("/loans/pre-applications/").get_data(as_text=True)
    assert "掩码高三" in html
    assert "13955557777" not in html and personal.mask_phone("13955557777") in html


def test_a_masked_value_written_back_keeps_the_number_and_a_starred_one_is_refused(app, exposed, api):
    """An API client saving a record as it read it sends 139****5678 back: the stored number stays. Any
    other value with "*" is refused on every path (the API, a form, code), never stored."""
    officer = api("t_officer_a")
    url = f"/api/v1/student/{exposed}"
    read = officer.get(url).get_json()["result"]
    assert "*" in read["guardian_phone"] and "*" in read["id_number"]
    echo = {k: read[k] for k in ("name", "id_number", "guardian_phone", "grade", "class_name")}
    r = officer.put_current(url, json={**echo, "class_name": "2班"})
    assert r.status_code == 200, r.get_data(as_text=True)
    with app.app_context():
        pupil = db.session.get(Student, exposed)
        assert (pupil.guardian_phone, pupil.class_name) == (PHONE, "2班")
        assert "*" not in pupil.id_number
    r = officer.put_current(url, json={"guardian_phone": "139****0000"})
    assert r.status_code == 422 and "带“*”的号码是脱敏显示" in str(r.get_json())
    with app.app_context():
        assert db.session.get(Student, exposed).guardian_phone == PHONE
        pupil = db.session.get(Student, exposed)
        pupil.guardian_phone = "139****0001"
        with pytest.raises(RuleError):
            db.session.flush()
        db.session.rollback()
        assert db.session.get(Student, exposed).guardian_phone == PHONE


def test_a_list_searched_by_id_number_never_carries_the_number_in_its_address(app, exposed, as_role):
    """The search form is posted; the number becomes its search token, which finds the same pupil. A page
    asked for with a number in its address is asked again under tokens before anything is shown."""
    from urllib.parse import unquote

    with app.app_context():
        number = db.session.get(Student, exposed).id_number
    for username in ("t_officer_a", "t_center"):
        client = as_role(username)
        r = client.post("/search/?next=/studentview/list/", data={"_flt_0_id_number": number.lower()})
        assert r.status_code == 303
        target = r.headers["Location"]
        assert number not in unquote(target) and number.lower() not in unquote(target) and "h%3A" in target
        page = client.get(target)
        assert page.status_code == 200 and "掩码到底" in visible_text(page)
        assert number not in page.get_data(as_text=True)
        # the award list's name-or-number search and a typed address alike
        r = client.get(f"/awardview/list/?_flt_0_student={number}")
        assert r.status_code == 303 and number not in unquote(r.headers["Location"])
        r = client.get(f"/studentview/list/?_flt_0_id_number={number}", follow_redirects=True)
        assert "掩码到底" in visible_text(r) and number not in r.get_data(as_text=True)
    # another school's officer finds nothing with the token either
    r = as_role("t_officer_b").post("/search/?next=/studentview/list/", data={"_flt_0_id_number": number},
                                    follow_redirects=True)
    assert "掩码到底" not in visible_text(r)
    # the relay goes nowhere but the app's own pages
    assert as_role("t_officer_a").post("/search/?next=//evil.example/", data={}).status_code == 400
