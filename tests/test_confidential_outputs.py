"""What leaves the server stays what it is: spreadsheet text never becomes a formula, no
cache keeps a page or a download, and the audit trail's address is the one the server saw."""
from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.security import hardening
from app.rules import idcard
from app.operations.exports import workbook_bytes
from app.extensions import db
from app.operations.imports import template
from app.models import Student
from app.models.audit import AuditEntry
from app.security.roles import AID_CENTER, SCHOOL_OFFICER
from tests.conftest import WORLD, purge
from tests.sweep import build_url, routes, without_pdf_layout
from tests.test_post_routes import USERS, _api_client, _login, _print_job_b, _value  # noqa: F401  (school B's print job, a fixture)

HOSTILE = ['=HYPERLINK("http://x","y")', "@SUM(A1)", "+1+2", "-3+4", "\t=1+1", "\r=1+1", "#N/A"]


def _text_cells(data):
    """{value: data_type} of every text cell of the workbook's first sheet."""
    sheet = load_workbook(BytesIO(data)).active
    return {cell.value: cell.data_type for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)}


def _assert_text(data, values):
    cells = _text_cells(data)
    for value in values:
        if value not in cells:  # a raw carriage return is read back as a line feed (lxml writes it as &#13;)
            value = value.replace("\r", "\n")
        assert value in cells, (value, list(cells)[:20])
        assert cells[value] == "s", f"{value!r} is stored as {cells[value]!r}, not as text"


@pytest.fixture()
def hostile_pupil(app):
    with app.app_context():
        s = Student(school_id=WORLD.school_a, name=HOSTILE[0], id_number=idcard.make("341124", date(2009, 5, 5), 771),
                    grade="高二", class_name=HOSTILE[1],
                    enrolment_year=2025, guardian=HOSTILE[2], address=HOSTILE[3])
        db.session.add(s)
        db.session.commit()
        yield s
        purge(s)
        db.session.commit()


def test_the_centres_student_export_stores_formula_like_names_as_text(app, center, officer_a, hostile_pupil):
    for client in (center, officer_a):
        r = client.get(f"/studentview/export/?_flt_0_name={HOSTILE[0]}")
        assert r.status_code == 200
        _assert_text(r.data, HOSTILE[:2])


def test_every_sheet_writer_stores_text_as_text():
    """The list exports, the public notice, the evaluation and the bank's list all write through
    workbook_bytes; the import templates (the bank answer's among them) through template."""
    data = workbook_bytes("名单", ["姓名", "备注", "金额"], [[value, value, 12.5] for value in HOSTILE])
    _assert_text(data, HOSTILE)
    sheet = load_workbook(BytesIO(data)).active
    assert sheet["C2"].value == 12.5 and sheet["C2"].data_type == "n"  # numbers stay numbers
    columns = [("name", value, True, value) for value in HOSTILE]
    _assert_text(template(columns, "模板"), HOSTILE)


@pytest.mark.parametrize("role", [SCHOOL_OFFICER, AID_CENTER])
def test_no_page_answer_or_download_is_cached(app, role, monkeypatch):
    without_pdf_layout(monkeypatch)  # a PDF's headers are read here, not its pages
    browser = _login(app, USERS[role])
    api, headers = _api_client(app, USERS[role])
    answered = 0
    for rule in sorted(routes(app), key=lambda r: r.rule):
        if "GET" not in rule.methods:
            continue
        url = build_url(app, rule, _value)
        client, extra = (api, headers) if rule.rule.startswith("/api/") else (browser, {})
        r = client.get(url, headers=extra)
        if r.status_code == 200:
            answered += 1
            assert r.headers.get("Cache-Control") == "no-store", url
            assert r.headers.get("Pragma") == "no-cache", url
    assert answered > 40
    # the app's own static files may be cached
    static = browser.get("/static/css/aid.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")


def _last_view_ip(app, client, **kw):
    client.get(f"/studentview/show/{WORLD.student_a}", **kw)
    with app.app_context():
        return db.session.scalars(select(AuditEntry.ip).where(
            AuditEntry.entity == "student", AuditEntry.record_id == WORLD.student_a, AuditEntry.action == "view",
        ).order_by(AuditEntry.id.desc()).limit(1)).one()


SPOOFED = {"X-Real-IP": "6.6.6.6", "X-Forwarded-For": "6.6.6.6"}


def test_the_trail_records_the_address_the_server_saw_not_a_header(app, center):
    ip = _last_view_ip(app, center, headers=SPOOFED, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert ip == "10.1.2.3"


def test_behind_a_declared_proxy_the_forwarded_address_is_recorded(app, center):
    wsgi_app, setting = app.wsgi_app, app.config.get("PROXY_FIX")
    try:
        app.config["PROXY_FIX"] = 1
        hardening.install_proxy_fix(app)
        # the proxy (10.0.0.1) appends the address it saw; what the client wrote before is ignored
        ip = _last_view_ip(app, center, headers={"X-Forwarded-For": "6.6.6.6, 192.0.2.7", "X-Real-IP": "6.6.6.6"},
                           environ_base={"REMOTE_ADDR": "10.0.0.1"})
        assert ip == "192.0.2.7"
    finally:
        app.wsgi_app = wsgi_app
        app.config["PROXY_FIX"] = setting
