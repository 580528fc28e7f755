"""School isolation on every registered route, discovered from the app itself.

Officer A (school A) goes through every URL rule of the app — every screen,
action, related list, download, export and REST endpoint that exists now or is
added later — with school B's record ids, and tries to write into school B
through every form and API that accepts a body.  Nothing of school B may show
up in what A receives, and nothing of school B may change.
"""
from __future__ import annotations

import json
from datetime import date

import pytest
from flask_appbuilder import ModelRestApi, ModelView
from sqlalchemy import select

from app.rules import idcard
from app.extensions import db
from app.models import (
    Award, Identification, InfoOfficer, Loan, LoanReminder, Pairing, RepaymentDue, School, SchoolFund, Student,
    Complaint, Inspection, InspectionScore, PhoneCall, SchoolTransfer, StatusChange, Submission, TransferRequest,
)
from app.models.budgets import BatchLine
from app.models.outreach import AidStaff, HomeVisit, PublicityActivity, Recognition, TrainingAttendance
from app.models.printing import PrintJob
from app.models.procedure import IdentificationApplication, IdentificationNotice
from app.models.base import SchoolOwned
from tests.conftest import WORLD
from tests.sweep import build_url, routes as _routes, view_for_endpoint as _view_for_endpoint



def _snapshot():
    with WORLD.app.app_context():
        return _snapshot_in_context()


def _snapshot_in_context():
    """Every column of every school-B row (and the row counts), to prove nothing changed."""
    out = {}
    for model in [School, InfoOfficer, Student, Identification] + [
        m for m in _scoped_models() if m not in (InfoOfficer, Student, Identification)
    ]:
        col = model.id if model is School else model.school_id
        rows = db.session.scalars(select(model).where(col == WORLD.school_b).order_by(model.id)).all()
        out[model.__name__] = [
            {c.key: str(getattr(r, c.key)) for c in model.__table__.columns if c.key not in ("updated_at",)}
            for r in rows
        ]
    return out


def _scoped_models():
    return [m.class_ for m in db.Model.registry.mappers if issubclass(m.class_, SchoolOwned)]


def _b_id_for(model):
    ids = {
        School: WORLD.school_b,
        Student: WORLD.student_b,
        Identification: WORLD.ident_b,
        InfoOfficer: WORLD.officer_b,
        Award: WORLD.award_b,
        SchoolFund: WORLD.fund_b,
        Pairing: WORLD.pairing_b,
        Loan: WORLD.loan_b,
        RepaymentDue: WORLD.due_b,
        LoanReminder: WORLD.reminder_b,
        Submission: WORLD.submission_b,
        Inspection: WORLD.inspection_b,
        InspectionScore: WORLD.score_b,
        PhoneCall: WORLD.call_b,
        Complaint: WORLD.complaint_b,
        HomeVisit: WORLD.visit_b,
        PublicityActivity: WORLD.activity_b,
        AidStaff: WORLD.staff_b,
        TrainingAttendance: WORLD.attendance_b,
        TransferRequest: WORLD.transfer_b,
        StatusChange: WORLD.status_change_b,
        SchoolTransfer: WORLD.handover_b,
        Recognition: WORLD.recognition_b,
        BatchLine: WORLD.line_b,
        PrintJob: getattr(WORLD, "print_job_b", None),
        IdentificationApplication: WORLD.application_b,
        IdentificationNotice: WORLD.notice_b,
    }
    if model in ids:
        return ids[model]
    if model is not None and issubclass(model, SchoolOwned):
        # a school's record without a school-B row here would be attacked with some other record's id
        pytest.fail(f"the test world has no school-B {model.__name__} to attack: add one (tests/conftest.py _world)")
    return WORLD.student_b  # a county table's view: any id; the sweep checks no school-B data shows


# 打印文书: the print routes name their record in the URL; a finished print job of school B to attack.
_PRINT_ARGS = {
    "student_id": lambda: WORLD.student_b,
    "inspection_id": lambda: WORLD.inspection_b,
    "loan_id": lambda: WORLD.loan_b,
    "job_id": lambda: WORLD.print_job_b,
    "complaint_id": lambda: WORLD.complaint_b,
    # 认定程序: school B's family member, evidence file and objection, named beside their record
    "member_id": lambda: WORLD.member_b,
    "evidence_id": lambda: WORLD.evidence_b,
    "objection_id": lambda: WORLD.objection_b,
}


@pytest.fixture(autouse=True, scope="module")
def _print_job_b(app):
    from tests.test_reports import make_print_job_b

    make_print_job_b(app)


def _b_value(arg, model):
    """School B's record for a URL argument."""
    fixed = {"photo_id": lambda: WORLD.photo_b, "filename": lambda: "anything.xlsx", "version": lambda: "v1",
             "locale": lambda: "zh", "column_name": lambda: "school", "name": lambda: "muldelete", **_PRINT_ARGS}
    return fixed[arg]() if arg in fixed else _b_id_for(model)


def _url(app, rule):
    return build_url(app, rule, _b_value)


def _body_text(response):
    """What a response carries, as text: HTML, JSON, or the cells of an Excel file."""
    if response.mimetype.endswith("spreadsheetml.sheet"):
        from io import BytesIO

        from openpyxl import load_workbook

        sheet = load_workbook(BytesIO(response.data)).active
        return "\n".join(" ".join(str(v) for v in row if v is not None) + "<" for row in sheet.iter_rows(values_only=True))
    return response.get_data().decode("utf-8", errors="replace")


def _assert_no_leak(response, where, sent=None):
    """No school-B string in the response, except what the request itself sent (a form echoes it)."""
    echoed = " ".join(str(v) for v in (sent or {}).values())
    body = _body_text(response)
    try:
        body += json.dumps(response.get_json(silent=True) or {}, ensure_ascii=False)
    except Exception:
        pass
    for marker in WORLD.markers_b:
        if marker.rstrip("<") in echoed:
            continue
        assert marker not in body, f"{where} shows school B's {marker!r}"


def test_every_route_was_discovered(app):
    endpoints = {r.endpoint for r in _routes(app)}
    # The screens and APIs of the basic-data module are all in the sweep.
    for expected in ["StudentView.list", "StudentView.show", "StudentView.edit", "StudentView.delete",
                     "StudentView.action_post", "StudentApi.get", "StudentApi.get_list", "StudentApi.put",
                     "IdentificationView.list", "SchoolView.show", "InfoOfficerView.list", "SchoolApi.info"]:
        assert expected in endpoints


@pytest.mark.parametrize("how", ["browser", "api"])
def test_officer_reads_nothing_of_another_school_anywhere(app, officer_a, api, how):
    client = officer_a if how == "browser" else api("t_officer_a")
    before = _snapshot()
    checked = 0
    for rule in _routes(app):
        if "GET" not in rule.methods:
            continue
        url = _url(app, rule)
        response = client.get(url)
        assert response.status_code < 500, f"GET {url} → {response.status_code}"
        _assert_no_leak(response, f"GET {url}")
        checked += 1
        # list pages and API lists with a filter asking for school B explicitly
        if rule.endpoint.endswith(".list") or rule.endpoint.endswith(".get_list"):
            if rule.endpoint.endswith(".list"):
                response = client.get(url + f"?_flt_0_school={WORLD.school_b}&_flt_0_id={WORLD.student_b}")
            else:
                q = f"(filters:!((col:school,opr:rel_o_m,value:{WORLD.school_b})))"
                response = client.get(url + "?q=" + q)
            _assert_no_leak(response, f"GET {url} filtered to school B")
    assert checked > 20
    assert _snapshot() == before


def test_officer_cannot_change_or_delete_another_schools_records(app, officer_a, api):
    before = _snapshot()
    jwt = api("t_officer_a")
    for rule in _routes(app):
        url = _url(app, rule)
        for method in sorted(rule.methods - {"GET", "HEAD", "OPTIONS"}):
            if rule.endpoint.startswith(("AuthDBView", "ResetMyPasswordView", "UserInfoEditView", "SecurityApi")):
                continue
            body = _payload_for(app, rule)
            if rule.endpoint.endswith(".action_post"):
                view = _view_for_endpoint(app, rule.endpoint)
                model = getattr(getattr(view, "datamodel", None), "obj", None)
                for action in sorted(getattr(view, "actions", {}) or ["muldelete"]):
                    r = officer_a.post(url, data={"action": action, "rowid": [str(_b_id_for(model))]})
                    assert r.status_code < 500, f"{action} on {url} → {r.status_code}"
                continue
            if rule.rule.startswith("/api/"):
                r = jwt.client.open(url, method=method, json=body, headers=jwt.headers)
            else:
                r = officer_a.open(url, method=method, data=body)
            assert r.status_code < 500, f"{method} {url} → {r.status_code}: {r.get_data(as_text=True)[:300]}"
            _assert_no_leak(r, f"{method} {url}", sent=body)
    assert _snapshot() == before, "school B's records changed"


def _payload_for(app, rule):
    """A complete, valid body that points at school B wherever it can."""
    view = _view_for_endpoint(app, rule.endpoint)
    model = getattr(getattr(view, "datamodel", None), "obj", None)
    number = idcard.make("341124", date(2012, 1, 2), 555)
    common = {
        Student: {"school": WORLD.school_b, "name": "越权学生", "id_number": number, "gender": "M",
                  "birth_date": "2012-01-02", "grade": "六年级", "class_name": "1班", "enrolment_year": 2020},
        Identification: {"student": WORLD.student_b_number if rule.rule.find("/api/") < 0 else WORLD.student_b, "school_year": "2026-2027", "level": "general",
                         "cat_other": True, "evidence_source": "school", "identified_on": "2026-10-01"},
        School: {"code": "X999", "name": "越权学校", "stage": "primary", "town": "古河镇", "active": True},
        InfoOfficer: {"school": WORLD.school_b, "user": 1, "phone": "123456"},
        TransferRequest: {"school": WORLD.school_b, "id_number": number, "name": "越权转入", "grade": "六年级",
                          "class_name": "1班", "reason": "越权转入理由"},
        StatusChange: {"kind": "drop_out", "changed_on": "2026-10-01", "reason": "越权退学"},
        # school B's pupil sent by officer A to school A, answered in B's name
        SchoolTransfer: {"student": WORLD.student_b, "to_school": WORLD.school_a, "left_on": "2026-10-01",
                         "reason": "越权转出", "joined_grade": "高一", "joined_class": "1班", "answer": "越权拒收",
                         "action": "accept"},
        Award: {"student": WORLD.student_b_number if rule.rule.find("/api/") < 0 else WORLD.student_b,
                "program": WORLD.program_primary, "semester": WORLD.semester, "amount": "400",
                "card_kind": "bank_card", "card_number": WORLD.card_b, "void_reason": "越权撤销"},
        SchoolFund: {"school": WORLD.school_b, "year": 2025, "operating_income": "100000", "extracted": "4000"},
        Pairing: {"project": WORLD.project, "student": WORLD.student_b_number if rule.rule.find("/api/") < 0 else WORLD.student_b,
                  "donor_name": "越权捐助", "amount": "100", "starts_on": "2026-09-01"},
        Loan: {"student": WORLD.student_b_number if rule.rule.find("/api/") < 0 else WORLD.student_b,
               "co_borrower": "越权", "academic_year": "2026-2027", "amount": "5000", "degree": "undergraduate",
               "grace_years": "0", "repayment_years": "10", "reason": "越权"},
        RepaymentDue: {"paid_principal": "999", "paid_interest": "999", "paid_on": "2026-12-01"},
        LoanReminder: {"loan": WORLD.loan_b, "on": "2026-03-01", "channel": "sms", "result": "越权提醒"},
        Submission: {"comment": "越权退回", "content": "越权报送"},
        Inspection: {"school": WORLD.school_b, "kind": "patrol", "status": "done", "inspected_on": "2026-10-01",
                     "done": "越权整改", "decision": "accept"},
        InspectionScore: {"inspection": WORLD.inspection_b, "item": WORLD.item, "score": "1"},
        PhoneCall: {"reached": "y", "confirms_receipt": "", "stated_amount": "1", "semester": WORLD.semester, "size": "5"},
        Complaint: {"school": WORLD.school_b, "kind": "consult", "channel": "phone", "subject": "越权投诉",
                    "content": "越权内容", "complainant_name": "越权", "received_at": "2026-10-01 10:00:00",
                    "action": "answer", "reply": "越权答复", "result": "unfounded", "accountability": "none",
                    "findings": "越权调查", "rectification_done": "越权整改", "comment": "越权"},
        HomeVisit: {"student": WORLD.student_b_number, "visit_type": "receiving_aid", "visited_on": "2026-10-01",
                    "visitors": "越权走访", "findings": "越权发现"},
        PublicityActivity: {"school": WORLD.school_b, "activity_type": "other", "held_on": "2026-10-01",
                            "title": "越权活动", "audience": "1", "target_stage": "all"},
        AidStaff: {"school": WORLD.school_b, "name": "越权人员", "post": "专干", "employment": "full_time",
                   "since": "2020-01-01", "until": "2026-01-01"},
        TrainingAttendance: {"session": WORLD.training, "staff": WORLD.staff_b},
        Recognition: {"student": WORLD.student_b_number, "year": "2026", "kind": "star", "title": "越权",
                      "citation": "越权事迹"},
        BatchLine: {"card_number": "6217000000000000005"},
        IdentificationApplication: {
            "student": WORLD.student_b_number if rule.rule.find("/api/") < 0 else WORLD.student_b,
            "school_year": "2026-2027", "applied_on": "2026-10-01", "level_requested": "general", "cat_other": True,
            "statement": "越权申请", "relation": "父亲", "name": "越权成员", "action": "assess",
            "panel_members": "越权评议", "assessed_on": "2026-10-02", "proposed_level": "general",
            "review_decision": "accept", "description": "越权材料"},
        IdentificationNotice: {"content": "越权异议", "received_on": "2026-10-09", "answer": "越权答复",
                               "reason": "越权退回", "school_year": "2026-2027"},
    }
    if rule.endpoint.startswith(("PrintView.", "PrintJobView.")):
        return {"school": WORLD.school_b, "grade": "五年级", "class_name": "2班"}
    if model is None:
        return {}
    if issubclass(model, SchoolOwned) or model is School:
        assert model in common, f"add an attack payload for {model.__name__} to tests/test_isolation.py"
        return dict(common[model])
    return {}


def test_officer_cannot_create_records_in_another_school(app, officer_a, api):
    before_counts = _count_b()
    number = idcard.make("341124", date(2012, 1, 2), 556)
    # screens: the school dropdown offers only school A, so B is "not a valid choice"
    r = officer_a.post("/studentview/add", data={
        "school": WORLD.school_b, "name": "越权学生", "id_number": number, "gender": "M",
        "birth_date": "2012-01-02", "grade": "六年级", "class_name": "1班", "enrolment_year": 2020})
    assert r.status_code in (200, 403)
    from app.models import Student as _S

    with app.app_context():
        number_b = db.session.get(_S, WORLD.student_b).id_number
    r = officer_a.post("/identificationview/add", data={
        "student": number_b, "school_year": "2026-2027", "level": "general", "cat_other": "y",
        "evidence_source": "school", "identified_on": "2026-10-01"})
    assert r.status_code in (200, 403)
    # API: a school or foreign key of school B in the body is refused
    jwt = api("t_officer_a")
    r = jwt.post("/api/v1/student/", json={
        "school": WORLD.school_b, "name": "越权学生", "id_number": number, "gender": "M",
        "grade": "六年级", "class_name": "1班", "enrolment_year": 2020})
    assert r.status_code in (403, 422), r.get_json()
    r = jwt.post("/api/v1/identification/", json={
        "student": WORLD.student_b, "school_year": "2026-2027", "level": "general", "cat_other": True,
        "evidence_source": "school", "identified_on": "2026-10-01"})
    assert r.status_code in (403, 422), r.get_json()
    # moving its own student to school B is refused too
    etag = jwt.get(f"/api/v1/student/{WORLD.student_a}").headers["ETag"]
    r = jwt.client.put(f"/api/v1/student/{WORLD.student_a}", json={"school": WORLD.school_b},
                       headers={**jwt.headers, "If-Match": etag})
    assert r.status_code in (403, 422), r.get_json()
    r = officer_a.post(f"/studentview/edit/{WORLD.student_a}", data={"school": WORLD.school_b})
    assert r.status_code in (200, 403)
    assert _count_b() == before_counts
    with app.app_context():
        assert db.session.get(Student, WORLD.student_a).school_id == WORLD.school_a


def _count_b():
    with WORLD.app.app_context():
        return tuple(
            db.session.query(m).filter(m.school_id == WORLD.school_b).count() for m in (Student, Identification)
        )


def test_officer_without_school_sees_nothing(app, as_role):
    client = as_role("t_officer_nolink")
    r = client.get("/studentview/list/")
    assert r.status_code == 200
    for marker in ["甲校学生", "乙校学生"]:
        assert marker not in r.get_data(as_text=True)


def test_related_dropdowns_and_search_choices_offer_only_own_school(app, officer_a):
    for url in ["/studentview/add", "/identificationview/add", "/studentview/list/", "/identificationview/list/"]:
        body = officer_a.get(url).get_data(as_text=True)
        assert "测试乙小学" not in body and "乙校学生" not in body, url
    assert "测试甲中学" in officer_a.get("/studentview/add").get_data(as_text=True)


def test_views_and_apis_are_all_scoped_models_or_harmless(app):
    """A new business view on a model without school_id must be a conscious decision."""
    # county-wide reference data that every school reads and only the centre changes
    allowed_unscoped = {"User", "Role", "Permission", "ViewMenu", "PermissionView", "RegisterUser", "Group", "ApiKey",
                        "AidProgram", "ProgramStandard", "Semester", "SocialProject", "LoanMaterial", "LoanRate", "ReportTask",
                        "InspectionItem",
                        "TrainingSession", "EvaluationPart", "ProgramBudget", "Allocation", "PaymentBatch",
                        "AuditEntry"}  # the audit trail: the centre, the admin and the auditor only
    allowed_unscoped |= {"LetterPolicy", "LetterPart"}  # the county's wording of the letter to parents
    allowed_unscoped |= {"NoticeRule", "WorkCalendarEntry"}  # the 公示期 and the calendar of working days
    for view in app.appbuilder.baseviews:
        if isinstance(view, (ModelView, ModelRestApi)):
            model = view.datamodel.obj
            assert issubclass(model, SchoolOwned) or model is School or model.__name__ in allowed_unscoped, (
                f"{type(view).__name__} shows {model.__name__}, which has no school scope"
            )
