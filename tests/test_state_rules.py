"""State decides what may change: every frozen field of every workflow, tried by every write path
that exists for its model (form edit, API PUT by relationship and by column name, import, the
record written below the screens) as every role that must be refused; what is stored is checked.

The tables are in each workflow's rules module (``STATES``), enforced by app/rules/states.py.
Everything here is made on a school, programmes and semesters of the test's own and removed at
the end, so that no other test sees it.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from io import BytesIO
from types import SimpleNamespace

import pytest
from flask import g
from sqlalchemy import delete, select, update
from werkzeug.exceptions import Forbidden

from app.rules import idcard
from app.extensions import db
from app.rules import RuleError, cards, states
from tests.conftest import PASSWORD, api_token, login, visible_text
from tests.test_imports import _xlsx

OFFICER = "t_state_officer"
CENTRE, ADMIN, SUPERVISOR, LEADER = "t_center", "t_admin", "t_supervisor", "t_leader"
EVERYONE = (OFFICER, CENTRE, ADMIN, SUPERVISOR, LEADER)
BORN = date(2007, 2, 16)
W = SimpleNamespace()


def _number(seq):
    return idcard.make("341124", BORN, seq)


@pytest.fixture(scope="module")
def sw(app):
    """The test's own county corner: one senior school with its officer, two programmes, two semesters,
    and a record of each workflow in each state that freezes something."""
    from app.cli import create_user
    from app.models import (
        AidProgram, Award, Complaint, Identification, Inspection, InspectionScore, Loan, LoanMaterial, ReportTask,
        School, Semester, Student, Submission,
    )
    from app.models.budgets import BatchLine, PaymentBatch

    with app.app_context():
        school = School(code="T0916", name="状态规则测试中学", stage="senior", town="襄河镇")
        db.session.add(school)
        db.session.commit()
        create_user(OFFICER, "SchoolOfficer", PASSWORD, school_code="T0916")
        pupils = [Student(school_id=school.id, name=f"状态{i}", id_number=_number(100 + i), grade="高三",
                          class_name="1班", enrolment_year=2024) for i in range(3)]
        grant = AidProgram(name="状态测试助学金", kind="national", stages="senior", standard_amount=Decimal("2000"),
                           period="year")
        other = AidProgram(name="状态测试免学费", kind="national", stages="senior", standard_amount=Decimal("1700"),
                           period="year")
        term1 = Semester(school_year="2039-2040", term="1", starts_on=date(2039, 9, 1), ends_on=date(2040, 1, 20))
        term2 = Semester(school_year="2039-2040", term="2", starts_on=date(2040, 2, 20), ends_on=date(2040, 7, 10))
        material = LoanMaterial(name="状态测试户口簿", required=False, sort_order=99)
        db.session.add_all([*pupils, grant, other, term1, term2, material])
        db.session.commit()
        s0, s1, s2 = pupils
        card = cards.make("6217", 19, 9161)

        def award(status, semester, student=s0, **over):
            return Award(student_id=student.id, program_id=grant.id, semester_id=semester.id, amount=Decimal("1000"),
                         card_kind="aid_card", card_number=card, status=status, **over)

        awards = {"approved": award("approved", term1), "paid": award("paid", term2, paid_on=date(2040, 3, 1)),
                  "void": award("void", term1, void_reason="测试撤销"), "proposed": award("proposed", term1, s1)}
        db.session.add_all(awards.values())
        loans = {}
        for n, status in enumerate(("approved", "rejected", "contracted", "disbursed", "graduated", "repaying",
                                    "overdue", "settled", "pre_applied")):
            loans[status] = Loan(student_id=s0.id, co_borrower="状态家长", academic_year="2039-2040",
                                 amount=Decimal("8000"), status=status, university="状态大学",
                                 contract_number=None if status in ("approved", "rejected", "pre_applied")
                                 else f"ZT-{n:03d}")
        db.session.add_all(loans.values())
        received = datetime(2026, 10, 9, 10, 0)
        complaints = {status: Complaint(school_id=school.id, origin="school", shared_with_school=True, channel="phone",
                                        kind="complaint", received_at=received, complainant_name="状态投诉人",
                                        subject=f"状态投诉{status}", content="内容", status=status, handler="school",
                                        findings="状态调查" if status in ("rectifying", "closed") else None,
                                        result="partly" if status in ("rectifying", "closed") else None)
                      for status in ("awaiting_approval", "approved", "investigating", "rectifying", "closed")}
        complaints["registered"] = Complaint(school_id=school.id, origin="school", channel="phone", kind="complaint",
                                             received_at=received, complainant_name="状态投诉人", subject="状态登记",
                                             content="内容")
        db.session.add_all(complaints.values())
        inspection = Inspection(school_id=school.id, kind="patrol", status="done", inspected_on=date(2026, 10, 8),
                                findings="状态检查发现", result="pass", rectification_demand="状态整改要求",
                                rectification_deadline=date(2040, 11, 30))
        planned = Inspection(school_id=school.id, kind="patrol", status="planned", inspected_on=date(2040, 12, 1))
        db.session.add_all([inspection, planned])
        task = ReportTask(title="状态报送任务", deadline=datetime(2039, 10, 31, 17, 0), schools=[school])
        db.session.add(task)
        db.session.flush()
        score = InspectionScore(inspection_id=inspection.id, item_id=_checklist_item(), score=15, note="状态评分")
        submissions = {status: Submission(task_id=task.id, school_id=school.id, content=f"状态报送{status}",
                                          submitted_at=datetime(2039, 10, 30, 9, 0), status=status)
                       for status in ("submitted", "accepted", "returned")}
        idents = {"in_use": Identification(student_id=s0.id, school_year="2039-2040", level="difficult",
                                           cat_subsistence=True, evidence_source="civil_affairs",
                                           identified_on=date(2026, 9, 10)),
                  "open": Identification(student_id=s1.id, school_year="2039-2040", level="difficult",
                                         cat_other=True, evidence_source="school", identified_on=date(2026, 9, 10))}
        batch = PaymentBatch(semester_id=term1.id, program_id=grant.id, status="exported")
        db.session.add_all([score, *submissions.values(), *idents.values(), batch])
        db.session.flush()
        line = BatchLine(batch_id=batch.id, award_id=awards["approved"].id, name=s0.name, card_number=card,
                         amount=Decimal("1000"), open_award_id=awards["approved"].id)
        db.session.add(line)
        db.session.commit()
        W.__dict__.update(
            school=school.id, students=[p.id for p in pupils], numbers=[p.id_number for p in pupils],
            grant=grant.id, other=other.id, term1=term1.id, term2=term2.id, material=material.id,
            awards={k: v.id for k, v in awards.items()}, loans={k: v.id for k, v in loans.items()},
            complaints={k: v.id for k, v in complaints.items()}, inspection=inspection.id, planned=planned.id,
            score=score.id, task=task.id, submissions={k: v.id for k, v in submissions.items()},
            idents={k: v.id for k, v in idents.items()}, batch=batch.id, line=line.id,
        )
    yield W
    with app.app_context():
        _remove_all()


def _checklist_item():
    from app.models import InspectionItem

    item = InspectionItem(name="状态测试评分项", max_score=20, sort_order=99)
    db.session.add(item)
    db.session.flush()
    return item.id


def _remove_all():
    """Everything the module made, money and casework included (the app itself never deletes those)."""
    from flask_appbuilder.security.sqla.models import User

    from app.models import (
        AidProgram, Award, Complaint, ComplaintStep, Identification, InfoOfficer, Inspection, InspectionItem,
        InspectionScore, Loan, LoanEvent, LoanMaterial, ReportTask, School, Semester, Student, Submission,
    )
    from app.models.budgets import BatchLine, PaymentBatch
    from app.models.loans import loan_material_check
    from app.models.reporting import report_task_school
    from app.models.supervision import inspection_inspector

    loans = select(Loan.id).where(Loan.school_id == W.school)
    inspections = select(Inspection.id).where(Inspection.school_id == W.school)
    for stmt in (
        delete(BatchLine).where(BatchLine.batch_id == W.batch), delete(PaymentBatch).where(PaymentBatch.id == W.batch),
        delete(Award).where(Award.school_id == W.school), delete(LoanEvent).where(LoanEvent.school_id == W.school),
        delete(loan_material_check).where(loan_material_check.c.loan_id.in_(loans)),
        delete(Loan).where(Loan.school_id == W.school), delete(ComplaintStep).where(ComplaintStep.school_id == W.school),
        delete(Complaint).where(Complaint.school_id == W.school),
        delete(InspectionScore).where(InspectionScore.school_id == W.school),
        delete(inspection_inspector).where(inspection_inspector.c.inspection_id.in_(inspections)),
        delete(Inspection).where(Inspection.school_id == W.school),
        delete(Submission).where(Submission.school_id == W.school),
        delete(report_task_school).where(report_task_school.c.task_id == W.task),
        delete(ReportTask).where(ReportTask.id == W.task),
        delete(Identification).where(Identification.school_id == W.school),
        delete(InfoOfficer).where(InfoOfficer.school_id == W.school),
        delete(Student).where(Student.school_id == W.school),
        delete(Semester).where(Semester.id.in_([W.term1, W.term2])),
        delete(AidProgram).where(AidProgram.id.in_([W.grant, W.other])),
        delete(LoanMaterial).where(LoanMaterial.id == W.material),
        delete(InspectionItem).where(InspectionItem.name == "状态测试评分项"),
        delete(School).where(School.id == W.school),
    ):
        db.session.connection().execute(stmt)  # below the rules: money records are never deleted by the app
    user = db.session.scalar(select(User).where(User.username == OFFICER))
    if user is not None:
        user.active = False
    db.session.commit()


# --- the write paths ------------------------------------------------------------------------------

class _FormReader(HTMLParser):
    """The fields of the edit form as the browser would post them back."""

    def __init__(self):
        super().__init__()
        self.fields, self._in_form, self._select, self._textarea = {}, False, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post" and "row_version" not in self.fields:
            self._in_form = True
            self.fields = {}
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.setdefault(name, []).append(a.get("value", "y"))
            elif a.get("type") not in ("submit", "button", "file"):
                self.fields[name] = a.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._in_form and "row_version" in self.fields:
            self._in_form = False

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


_CLIENTS, _TOKENS = {}, {}


def _client(app, username):
    if username not in _CLIENTS:
        _CLIENTS[username] = login(app, username)
    return _CLIENTS[username]


def _token(app, username):
    if username not in _TOKENS:
        _TOKENS[username] = api_token(app, username)
    return _TOKENS[username]


def _form_edit(app, username, view, pk, field, value):
    """Open the edit form, change one field, post it back (with its row_version). None: no form for this role."""
    client = _client(app, username)
    page = client.get(f"/{view}/edit/{pk}")
    if page.status_code != 200:
        return None
    reader = _FormReader()
    reader.feed(page.get_data(as_text=True))
    data = dict(reader.fields)
    assert "row_version" in data, f"no edit form for {view}"
    data[field] = value
    return client.post(f"/{view}/edit/{pk}", data=data)


def _api_put(app, username, resource, pk, body):
    client = app.test_client()
    headers = {"Authorization": "Bearer " + _token(app, username)}
    got = client.get(f"/api/v1/{resource}/{pk}", headers=headers)
    if got.status_code != 200:
        return got
    return client.put(f"/api/v1/{resource}/{pk}", json=body, headers={**headers, "If-Match": got.headers["ETag"]})


def _as_user(app, username, write):
    """Write below the screens, as this user would through any screen not yet built: the rules still hold."""
    from flask_appbuilder.security.sqla.models import User

    with app.test_request_context():
        g.user = db.session.scalar(select(User).where(User.username == username))
        try:
            write()
            db.session.commit()
        except (RuleError, Forbidden) as exc:  # refused by the rules, or by the school scope
            db.session.rollback()
            return exc
        finally:
            db.session.remove()
    return None


def _stored(app, model_name, pk, field):
    import app.models as models
    from sqlalchemy import inspect

    model = getattr(models, model_name)
    with app.app_context():
        record = db.session.get(model, pk)
        rel = inspect(model).relationships.get(field)
        if rel is not None and rel.secondary is not None:
            return sorted(o.id for o in getattr(record, field))
        if rel is not None:
            return getattr(record, next(iter(rel.local_columns)).key)
        return getattr(record, field)


REFUSAL_WORDS = ("不能修改", "只能由", "只能通过办理步骤", "办理步骤填写")


def _explains(text):
    return any(word in text for word in REFUSAL_WORDS)


# --- the frozen fields ----------------------------------------------------------------------------

FORM_VALUE = {
    # field → how the edit form carries a new value (the student is typed by ID number)
    "student": lambda: W.numbers[2],
}


def _case(workflow, model, view, resource, state_key, pk, field, value, refused=EVERYONE, paths=None):
    return pytest.param(SimpleNamespace(model=model, view=view, resource=resource, pk=pk, field=field, value=value,
                                        refused=refused, paths=paths), id=f"{workflow}-{state_key}-{field}")


def _award_cases():
    out = []
    for state in ("approved", "paid", "void"):
        fields = {"student": lambda: W.students[2], "program": lambda: W.other,
                  "semester": (lambda: W.term1) if state == "paid" else (lambda: W.term2),
                  "amount": lambda: "1500.00", "card_kind": lambda: "bank_card",
                  "card_number": lambda: cards.make("6228", 19, 9162), "over_standard_reason": lambda: "改写原因"}
        for field, value in fields.items():
            out.append(_case("award", "Award", "awardview", "award", state, lambda s=state: W.awards[s], field, value))
    return out


def _loan_cases():
    out = []
    application = {"student": lambda: W.students[2], "amount": lambda: "12000.00", "co_borrower": lambda: "改写家长",
                   "academic_year": lambda: "2040-2041", "grace_years": lambda: 3, "repayment_years": lambda: 10,
                   "degree": lambda: "postgraduate", "contract_number": lambda: "改写合同"}
    for state in ("contracted", "disbursed", "graduated", "repaying", "overdue", "settled", "rejected"):
        for field, value in application.items():
            out.append(_case("loan", "Loan", "loanview", "loan", state, lambda s=state: W.loans[s], field, value))
    for state in ("graduated", "repaying", "settled"):
        for field, value in {"university": lambda: "改写大学", "expected_graduation": lambda: "2044-07-01"}.items():
            out.append(_case("loan", "Loan", "loanview", "loan", state, lambda s=state: W.loans[s], field, value))
    # approved: the application is the centre's alone until the contract is signed
    for field, value in application.items():
        out.append(_case("loan", "Loan", "loanview", "loan", "approved", lambda: W.loans["approved"], field, value,
                         refused=(OFFICER, SUPERVISOR, LEADER)))
    return out


def _identification_cases():
    out = []
    for field, value in {"student": lambda: W.students[2], "school_year": lambda: "2040-2041"}.items():
        out.append(_case("identification", "Identification", "identificationview", "identification", "in_use",
                         lambda: W.idents["in_use"], field, value))
    for field, value in {"level": lambda: "special", "cat_subsistence": lambda: False,
                         "evidence_source": lambda: "school", "identified_on": lambda: "2026-09-01"}.items():
        out.append(_case("identification", "Identification", "identificationview", "identification", "in_use",
                         lambda: W.idents["in_use"], field, value, refused=(OFFICER, SUPERVISOR, LEADER)))
    return out


def _inspection_cases():
    out = []
    for field, value in {"school": lambda: _world_school_a(), "kind": lambda: "unannounced",
                         "status": lambda: "planned"}.items():
        out.append(_case("inspection", "Inspection", "inspectionview", None, "done", lambda: W.inspection, field,
                         value))
    for field, value in {"findings": lambda: "学校改写的发现", "result": lambda: "good",
                         "rectification_demand": lambda: "学校改写的要求"}.items():
        out.append(_case("inspection", "Inspection", "inspectionview", None, "done", lambda: W.inspection, field,
                         value, refused=(OFFICER, LEADER)))
    for field, value in {"rectification_status": lambda: "accepted", "rectification_done": lambda: "直接写的整改"}.items():
        out.append(_case("inspection", "Inspection", "inspectionview", None, "done", lambda: W.inspection, field,
                         value))
    for field, value in {"score": lambda: Decimal("20"), "note": lambda: "学校改写的评分说明"}.items():
        out.append(_case("inspection-score", "InspectionScore", "inspectionscoreview", None, "done",
                         lambda: W.score, field, value, refused=(OFFICER, LEADER)))
    return out


def _world_school_a():
    from tests.conftest import WORLD

    return WORLD.school_a


def _complaint_cases():
    out = []
    for state in ("awaiting_approval", "approved", "investigating", "rectifying", "closed"):
        for field, value in {"subject": lambda: "改写标题", "content": lambda: "改写内容", "kind": lambda: "consult",
                             "complainant_name": lambda: "改写投诉人"}.items():
            out.append(_case("complaint", "Complaint", "complaintview", "complaint", state,
                             lambda s=state: W.complaints[s], field, value))
    for field, value in {"status": lambda: "closed", "findings": lambda: "直接写的结论", "reply": lambda: "直接写的答复",
                         "rectification_done": lambda: "直接写的整改", "result": lambda: "unfounded"}.items():
        out.append(_case("complaint", "Complaint", "complaintview", "complaint", "rectifying",
                         lambda: W.complaints["rectifying"], field, value))
    return out


def _submission_cases():
    out = []
    for state in ("submitted", "accepted", "returned"):
        for field, value in {"content": lambda: "改写的报送内容", "file_name": lambda: "改写.xlsx",
                             "submitted_at": lambda: datetime(2039, 10, 1, 9, 0), "late": lambda: True}.items():
            out.append(_case("submission", "Submission", None, None, state, lambda s=state: W.submissions[s], field,
                             value))
    for field, value in {"status": lambda: "accepted", "review_comment": lambda: "直接写的意见"}.items():
        out.append(_case("submission", "Submission", None, None, "submitted", lambda: W.submissions["submitted"],
                         field, value))
    return out


def _batch_cases():
    out = []
    for field, value in {"status": lambda: "reconciled", "program": lambda: W.other,
                         "semester": lambda: W.term2}.items():
        out.append(_case("batch", "PaymentBatch", None, None, "exported", lambda: W.batch, field, value))
    for field, value in {"amount": lambda: Decimal("9999"), "card_number": lambda: cards.make("6228", 19, 9163),
                         "result": lambda: "paid", "name": lambda: "改写户名"}.items():
        out.append(_case("batch-line", "BatchLine", None, None, "pending", lambda: W.line, field, value))
    return out


CASES = (_award_cases() + _loan_cases() + _identification_cases() + _inspection_cases() + _complaint_cases()
         + _submission_cases() + _batch_cases())


def _orm_value(model_name, field, value):
    """The value to assign below the screens: a record for a relationship, else the value itself."""
    import app.models as models
    from sqlalchemy import inspect

    rel = inspect(getattr(models, model_name)).relationships.get(field)
    if rel is not None and rel.direction.name == "MANYTOONE":
        return db.session.get(rel.mapper.class_, value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and field.endswith(("_on", "graduation")):
        return date.fromisoformat(value)
    return value


@pytest.mark.parametrize("case", CASES)
def test_a_frozen_field_stays_as_stored_whatever_the_path_and_role(app, sw, case):
    import app.models as models
    from sqlalchemy import inspect

    pk = case.pk()
    model = getattr(models, case.model)
    before = _stored(app, case.model, pk, case.field)
    value = case.value()
    rel = inspect(model).relationships.get(case.field)
    column = next(iter(rel.local_columns)).key if rel is not None and rel.secondary is None else None
    for username in case.refused:
        # below the screens, by the relationship and by the column
        writes = [(case.field, lambda: _orm_value(case.model, case.field, value))]
        if column:
            writes.append((column, lambda: value))
        for attr, make in writes:
            def write(attr=attr, make=make):
                setattr(db.session.get(model, pk), attr, make())
            refused = _as_user(app, username, write)
            assert refused is not None, (username, attr)
            assert _stored(app, case.model, pk, case.field) == before, (username, attr)
        if case.view:
            form_value = FORM_VALUE.get(case.field, lambda: value)()
            if isinstance(form_value, bool):
                form_value = "y" if form_value else ""
            r = _form_edit(app, username, case.view, pk, case.field, str(form_value))
            if r is not None and username in (OFFICER, CENTRE, ADMIN) and r.status_code == 200:
                assert _explains(r.get_data(as_text=True)), (username, "form")
            assert _stored(app, case.model, pk, case.field) == before, (username, "form")
        if case.resource:
            api_value = str(value) if isinstance(value, Decimal) else value
            bodies = [{case.field: api_value}] + ([{column: api_value}] if column else [])
            for body in bodies:
                r = _api_put(app, username, case.resource, pk, body)
                assert r.status_code != 200, (username, body, r.get_json())
                assert _stored(app, case.model, pk, case.field) == before, (username, body)


# --- imports and bulk actions -----------------------------------------------------------------------


def _upload(app, username, route, data):
    return _client(app, username).post(route, data={"file": (BytesIO(data), "名单.xlsx")},
                                       content_type="multipart/form-data")


@pytest.mark.parametrize("username", [OFFICER, CENTRE])
def test_an_import_cannot_rewrite_an_approved_award(app, sw, username):
    from app.operations.imports import AWARD_COLUMNS

    pk = W.awards["approved"]
    before = _stored(app, "Award", pk, "amount")
    row = [W.numbers[0], "状态0", "状态测试助学金", "2039-2040", "第一学期", "1500", "学生资助卡",
           cards.make("6217", 19, 9161), "改写原因"]
    r = _upload(app, username, "/import/awards/", _xlsx([row], [title for _, title, _, _ in AWARD_COLUMNS]))
    assert _explains(r.get_data(as_text=True))
    assert _stored(app, "Award", pk, "amount") == before


def test_an_import_cannot_rewrite_an_identification_awards_rest_on(app, sw):
    from app.operations.imports import STUDENT_COLUMNS

    pk = W.idents["in_use"]
    row = ["T0916", "状态0", W.numbers[0], "高三", "1班", "2024", "", "", "", "", "2039-2040", "特别困难", "低保", "民政部门",
           "2026-09-10"]
    r = _upload(app, OFFICER, "/import/students/", _xlsx([row], [title for _, title, _, _ in STUDENT_COLUMNS]))
    assert "“困难等级”只能由资助中心" in r.get_data(as_text=True)
    assert _stored(app, "Identification", pk, "level") == "difficult"


def test_a_bulk_action_moves_only_what_the_workflow_allows(app, sw):
    """The list's actions are the workflow's steps: an approved award is paid by them, a paid one is not paid again."""
    pk = W.awards["paid"]
    paid_on = _stored(app, "Award", pk, "paid_on")
    for username in (CENTRE, OFFICER):
        _client(app, username).post("/awardview/action_post", data={"action": "pay", "rowid": [str(pk)]})
        _client(app, username).post("/awardview/action_post", data={"action": "approve", "rowid": [str(pk)]})
        assert _stored(app, "Award", pk, "status") == "paid" and _stored(app, "Award", pk, "paid_on") == paid_on
    for username, action in ((OFFICER, "confirm_graduation"), (CENTRE, "accept")):
        _client(app, username).post("/loanview/action_post", data={"action": action, "rowid": [str(W.loans["repaying"])]})
        assert _stored(app, "Loan", W.loans["repaying"], "status") == "repaying"


# --- the state moves only through the steps ------------------------------------------------------

STATUS_WRITES = [
    ("Award", lambda: W.awards["approved"], "status", "paid"),
    ("Award", lambda: W.awards["proposed"], "status", "approved"),
    ("Award", lambda: W.awards["paid"], "paid_on", date(2040, 1, 1)),
    ("Loan", lambda: W.loans["repaying"], "status", "settled"),
    ("Loan", lambda: W.loans["pre_applied"], "status", "approved"),
    ("Loan", lambda: W.loans["rejected"], "reject_reason", "改写原因"),
    ("Complaint", lambda: W.complaints["registered"], "status", "closed"),
    ("Inspection", lambda: W.inspection, "status", "planned"),
    ("Submission", lambda: W.submissions["returned"], "status", "accepted"),
    ("PaymentBatch", lambda: W.batch, "status", "reconciled"),
    ("BatchLine", lambda: W.line, "result", "paid"),
]


@pytest.mark.parametrize("model_name,pk,field,value", STATUS_WRITES,
                         ids=[f"{m}-{f}-{v}" for m, _, f, v in STATUS_WRITES])
def test_the_state_changes_only_through_a_step_even_for_the_centre_and_the_system(app, sw, model_name, pk, field,
                                                                                 value):
    import app.models as models

    model = getattr(models, model_name)
    before = _stored(app, model_name, pk(), field)
    for username in (CENTRE, ADMIN):
        refused = _as_user(app, username, lambda: setattr(db.session.get(model, pk()), field, value))
        assert refused is not None and "办理步骤" in str(refused)
    with app.app_context():  # a command, the demo seed: the system acts as the centre
        setattr(db.session.get(model, pk()), field, value)
        with pytest.raises(RuleError):
            db.session.commit()
        db.session.rollback()
    assert _stored(app, model_name, pk(), field) == before


def test_new_records_start_in_the_first_state_and_only_their_authors_create_them(app, sw):
    from app.models import Loan, Submission

    def loan(status):
        return lambda: db.session.add(Loan(student_id=W.students[1], co_borrower="新家长", academic_year="2039-2040",
                                           status=status))

    refused = _as_user(app, OFFICER, loan("repaying"))
    assert refused is not None and "预申请" in str(refused)
    refused = _as_user(app, CENTRE, lambda: db.session.add(Submission(task_id=W.task, school_id=W.school,
                                                                         content="中心代报")))
    assert refused is not None and "不能新建" in str(refused)
    with app.app_context():
        assert db.session.scalar(select(Loan.id).where(Loan.student_id == W.students[1])) is None
        assert db.session.scalar(select(Submission.id).where(Submission.content == "中心代报")) is None


# --- what stays open -----------------------------------------------------------------------------

def test_what_each_state_leaves_open_is_saved(app, sw):
    """The other side of every freeze: the fields a state leaves open to a role are saved, by form and API."""
    from tests.conftest import visible_text

    # a borrower in repayment gives a new phone number: the form posts every field back unchanged
    r = _form_edit(app, OFFICER, "loanview", W.loans["repaying"], "co_borrower_phone", "13912345678")
    assert r.status_code == 302, visible_text(r)[-400:]
    assert _stored(app, "Loan", W.loans["repaying"], "co_borrower_phone") == "13912345678"
    # an approved loan: the centre enters the contract number (to sign it), the school may not
    assert _api_put(app, OFFICER, "loan", W.loans["approved"], {"contract_number": "ZT-NEW"}).status_code == 422
    assert _api_put(app, CENTRE, "loan", W.loans["approved"], {"contract_number": "ZT-NEW"}).status_code == 200
    assert _stored(app, "Loan", W.loans["approved"], "contract_number") == "ZT-NEW"
    # a proposal is still the school's to correct, by relationship too
    r = _api_put(app, OFFICER, "award", W.awards["proposed"], {"amount": "900.00", "program": W.grant})
    assert r.status_code == 200, r.get_json()
    assert _stored(app, "Award", W.awards["proposed"], "amount") == Decimal("900.00")
    # a relationship set to the record it already names is no change, even on a paid award
    r = _api_put(app, OFFICER, "award", W.awards["paid"], {"student": W.students[0], "program": W.grant,
                                                           "semester": W.term2})
    assert r.status_code == 200, r.get_json()
    # an identification awards rest on: the school keeps its notes, the centre adjusts the level
    r = _form_edit(app, OFFICER, "identificationview", W.idents["in_use"], "notes", "学校补充说明")
    assert r.status_code == 302 and _stored(app, "Identification", W.idents["in_use"], "notes") == "学校补充说明"
    assert _api_put(app, CENTRE, "identification", W.idents["in_use"], {"level": "special"}).status_code == 200
    assert _stored(app, "Identification", W.idents["in_use"], "level") == "special"
    # one no award rests on is the school's to correct, pupil and year included
    r = _api_put(app, OFFICER, "identification", W.idents["open"], {"level": "general", "school_year": "2038-2039"})
    assert r.status_code == 200, r.get_json()
    # the supervisor corrects a done inspection's findings, and records a planned one as done
    r = _form_edit(app, SUPERVISOR, "inspectionview", W.inspection, "findings", "督查补充的发现")
    assert r.status_code == 302 and _stored(app, "Inspection", W.inspection, "findings") == "督查补充的发现"
    r = _form_edit(app, SUPERVISOR, "inspectionview", W.planned, "status", "done")
    assert _stored(app, "Inspection", W.planned, "status") == "planned"  # not in the future: the rule on dates
    r = _form_edit(app, SUPERVISOR, "inspectionview", W.planned, "inspected_on", "2026-10-01")
    r = _form_edit(app, SUPERVISOR, "inspectionview", W.planned, "status", "done")
    assert r.status_code == 302 and _stored(app, "Inspection", W.planned, "status") == "done"


# --- the helper ----------------------------------------------------------------------------------

def test_changes_sees_relationships_as_stored(app, sw):
    """A relationship counts under its foreign key, whether or not the key was copied before the rules ran."""
    from app.models import Award, Student
    from app.rules.states import changes

    with app.app_context():
        award = db.session.get(Award, W.awards["approved"])
        other = db.session.get(Student, W.students[2])
        same = db.session.get(Student, W.students[0])
        assert changes(award) == set()
        award.student = same
        assert changes(award) == set()  # the same record is no change
        award.student = other
        assert changes(award) == {"student_id"}
        award.student_id = other.id  # as a flush step copying the target's id would
        assert changes(award) == {"student_id"}
        db.session.rollback()
        award = db.session.get(Award, W.awards["approved"])
        award.student = Student(school_id=W.school, name="新学生", id_number=_number(190), grade="高一")
        assert changes(award) == {"student_id"}  # a record not stored yet
        db.session.rollback()
        award = db.session.get(Award, W.awards["approved"])
        award.student_id = W.students[0]
        award.amount = Decimal("1000.00")  # the stored value, written again
        assert changes(award) == set()
        db.session.expire(award, ["card_number"])
        award.card_number = award_card = cards.make("6217", 19, 9161)  # the old value unknown to the session
        assert award_card and changes(award) == set()
        db.session.rollback()
        # a form's stand-in (a detached namespace with the form's values) against the stored record
        probe = SimpleNamespace(id=W.awards["approved"], student_id=W.students[2], amount=Decimal("1000"))
        assert changes(probe, model=Award) == {"student_id"}


def test_every_table_covers_every_state_and_names_every_field_in_chinese(app):
    """A state missing from a table would freeze everything silently; a field without a label would be refused in
    English."""
    from app.rules import awards, budgets, complaints, identification, loans, reporting, supervision

    from app.rules import transfers

    tables = [transfers.STATES, awards.STATES, loans.STATES, complaints.STATES, supervision.STATES, supervision.SCORE_STATES,
              reporting.STATES, identification.STATES, budgets.BATCH_STATES, budgets.LINE_STATES, loans.DUE_STATES]
    with app.test_request_context():
        for table in tables:
            model = table.model_class()
            choices = getattr(model, "__choices__", {}).get(table.status)
            if choices is not None:
                assert set(table.states) == set(choices.codes), table.model
                assert set(table.created or {}) <= set(choices.codes), table.model
            for key in table.governed():
                label = str(table.label(table.public_name(key)))
                assert not label.isascii(), (table.model, key)
            for state in table.states:
                assert not str(table.state_labels(state)).isascii(), (table.model, state)


def test_an_instalment_records_payments_only_while_its_loan_is_repaid(app, as_role):
    """The schedule is never edited by hand; what was paid is recorded by the centre while the loan is
    in repayment or overdue, and stays as recorded once the loan is settled (the school never)."""
    from app.models import Loan, RepaymentDue
    from tests.conftest import WORLD, post_edit

    url = f"/repaymentdueview/edit/{WORLD.due_b}"
    with app.app_context():
        due = db.session.get(RepaymentDue, WORLD.due_b)
        before = (due.principal, due.interest, due.paid_principal, due.paid_interest, due.paid_on)
        assert db.session.get(Loan, WORLD.loan_b).status == "repaying"
    centre = as_role("t_center")
    try:
        assert post_edit(centre, url, {"paid_principal": "0", "paid_interest": "308",
                                       "paid_on": "2026-12-01"}).status_code == 302
        with app.app_context():
            assert db.session.get(RepaymentDue, WORLD.due_b).paid_interest == Decimal("308")
            # the schedule itself: refused below the screens, even to the centre
            ctx = app.test_request_context("/")
            ctx.push()
            try:
                g.user = db.session.scalars(select(app.appbuilder.sm.user_model).filter_by(username="t_center")).one()
                db.session.get(RepaymentDue, WORLD.due_b).interest = Decimal("1")
                with pytest.raises(RuleError):
                    db.session.flush()
                db.session.rollback()
            finally:
                ctx.pop()
            loan = db.session.get(Loan, WORLD.loan_b)
            states.step(loan)
            loan.status = "settled"
            db.session.commit()
        r = post_edit(centre, url, {"paid_principal": "0", "paid_interest": "0", "paid_on": ""}, follow_redirects=True)
        assert "已结清" in visible_text(r)
        with app.app_context():
            assert db.session.get(RepaymentDue, WORLD.due_b).paid_interest == Decimal("308")
    finally:
        with app.app_context():
            db.session.connection().execute(update(Loan).where(Loan.id == WORLD.loan_b).values(status="repaying"))
            db.session.connection().execute(update(RepaymentDue).where(RepaymentDue.id == WORLD.due_b).values(
                principal=before[0], interest=before[1], paid_principal=before[2], paid_interest=before[3],
                paid_on=before[4]))
            db.session.commit()
