"""Pages that change data are POST, and only for the roles that may.

Every URL rule of the app that accepts POST, PUT, PATCH or DELETE is discovered from the app
itself (a route added later is in the sweep without anyone listing it) and tried as every role
that lacks the permission it checks; nothing of the product's records may be stored.  The
product's own write routes are listed with the roles that may use them: a new one missing from
the list, or a permission granted to one more role, fails until the list says so.  Every GET
route, tried with real record ids by every role, stores nothing either.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.security.roles import ADMIN, AID_CENTER, AUDITOR, LEADER, SCHOOL_OFFICER, SUPERVISOR
from tests.conftest import PASSWORD, WORLD, purge
from tests.sweep import (
    WRITE_METHODS, build_url, business_state, changed_tables, model_of, permission_of, role_may, routes, row_counts,
    server_error_or_sql, view_for_endpoint, without_pdf_layout,
)
from tests.test_isolation import _b_value, _payload_for

USERS = {AUDITOR: "t_auditor", LEADER: "t_leader", SUPERVISOR: "t_supervisor", SCHOOL_OFFICER: "t_officer_a",
         AID_CENTER: "t_center", ADMIN: "t_admin"}
C, O, S, L = AID_CENTER, SCHOOL_OFFICER, SUPERVISOR, LEADER
# The product's own write routes (not Flask-AppBuilder's generated add/edit/delete and REST API), and who
# besides the system administrator may use each.  "endpoint:action" names an action of a list or record page.
WRITERS = {
    "AwardView.void": {C}, "AwardApi.void": {C}, "AwardView.action:approve": {C}, "AwardView.action:pay": {C},
    "AwardImportView.upload": {C, O}, "StudentImportView.upload": {C, O},
    "VerificationView.upload": {C}, "VerificationView.apply": {C}, "VerificationView.undo": {C},
    "BatchLineView.correct": {C, O},
    "PaymentBatchView.build": {C}, "PaymentBatchView.bank_list": {C}, "PaymentBatchView.answer": {C},
    "TurnoverView.apply": {C},
    "LoanPagesView.pre_apply": {C, O}, "LoanView.reject": {C},
    **{f"LoanView.action:{step}": {C} for step in ("accept", "approve", "sign", "disburse", "confirm_graduation",
                                                   "start_repayment", "mark_overdue", "resume", "settle")},
    "ComplaintView.edit": {C, O}, "ComplaintView.step": {C, O, S, L}, "ComplaintView.identity": {C, O, S, L},
    "ComplaintApi.step": {C, O, S, L},
    "InspectionView.rectify": {O}, "InspectionView.check": {C, S}, "InspectionView.sample": {C, S},
    "InspectionView.scores": {C, S},
    "SubmissionView.return_form": {C}, "SubmissionView.action:accept": {C}, "ReportingPagesView.submit": {O},
    "PublicityActivityView.photos": {C, O},
    "PrintView.letters": {C, O}, "PrintJobView.retry": {C, O},
    "TransferRequestView.approve": {C}, "TransferRequestView.return_form": {C},
    # 转出到本县学校: the rules tell the sending school (files, withdraws) from the receiving one (answers)
    "TransferHandoverView.start": {C, O}, "TransferHandoverView.accept": {C, O}, "TransferHandoverView.decline": {C, O},
    "TransferHandoverView.withdraw": {C, O}, "TransferHandoverApi.step": {C, O},
    "PupilStatusView.change": {C, O},
    # 认定程序 (app/rules/procedure.py): the school's steps, the centre's decision on a filing, 退出认定 by either
    **{f"IdentificationApplicationView.{route}": {O} for route in ("step", "member", "member_delete", "evidence")},
    "IdentificationApplicationApi.step": {O},
    **{f"IdentificationNoticeView.{route}": {O} for route in ("publish", "objection", "answer", "submit_filing")},
    "IdentificationNoticeView.accept": {C}, "IdentificationNoticeView.return_form": {C},
    "IdentificationView.end": {C, O},
    "SearchRelayView.relay": {C, O, S, L, AUDITOR},  # a list search, posted: it stores nothing
    "StudentView.pick": {C, O, S, L},  # the pupil picker's search, posted: it stores nothing
    "AidUserDBModelView.action:unlock": set(),
    "AuditView.verify": {AUDITOR},  # appends an anchor of the audit trail (app/security/audit.py)
}
# Who writes through the generated screens and REST API, among the roles that mostly read.
READ_ONLY_CRUD = {LEADER: set(), AUDITOR: set(), SUPERVISOR: {"InspectionView", "InspectionScoreView", "PhoneCallView"}}
# Writes anyone may send: logging in, and one's own password and profile.
OPEN_WRITES = {"AuthDBView.login", "SecurityApi.login", "SecurityApi.refresh", "AuthDBView.logout"}
SELF_SERVICE = {"ResetMyPasswordView.this_form_post", "UserInfoEditView.this_form_post", "SearchRelayView.relay",
                # 个人信息's buttons 修改密码 and 编辑用户: actions that open the user's own forms above
                "AidUserDBModelView.action:resetmypassword", "AidUserDBModelView.action:userinfoedit"}
READ_PERMISSIONS = {"can_list", "can_show", "can_get", "can_info", "can_export", "can_download", "menu_access"}


@pytest.fixture(autouse=True, scope="module")
def _print_job_b(app):
    from tests.test_reports import make_print_job_b

    make_print_job_b(app)


def _is_action(endpoint):
    return endpoint.endswith((".action", ".action_post"))


def _write_targets(app):
    """(rule, method, action name or None, key) of every write the app accepts."""
    for rule in sorted(routes(app), key=lambda r: r.rule):
        methods = sorted(rule.methods & WRITE_METHODS)
        if not methods:
            continue
        actions = [None]
        if _is_action(rule.endpoint):
            actions = sorted(getattr(view_for_endpoint(app, rule.endpoint), "actions", {}))
        for method in methods:
            for name in actions:
                yield rule, method, name, f"{rule.endpoint.replace('.action_post', '.action')}:{name}" if name else rule.endpoint


def _is_own(app, rule, name):
    """A write route the product wrote itself (everything but Flask-AppBuilder's generated ones)."""
    view = view_for_endpoint(app, rule.endpoint)
    if name is not None:
        return name != "muldelete" and view.actions[name].func.__module__.startswith("app.")
    func = getattr(view, rule.endpoint.split(".", 1)[1], None)
    return getattr(func, "__module__", "").startswith("app.")


def test_every_write_checks_a_permission_of_its_own(app):
    own = set()
    for rule, _, name, key in _write_targets(app):
        if rule.endpoint in OPEN_WRITES:
            continue
        permission = permission_of(app, rule.endpoint, name)
        assert permission is not None, f"{rule.rule} ({key}) changes data without checking a permission"
        if _is_own(app, rule, name):
            own.add(key)
            assert permission[0] not in READ_PERMISSIONS, f"{key} writes with the read permission {permission[0]}"
            # the permission that lets a user open a read page never lets it write
            view = view_for_endpoint(app, rule.endpoint)
            for other in routes(app):
                if other.endpoint.split(".")[0] == rule.endpoint.split(".")[0] and not other.methods & WRITE_METHODS:
                    assert permission_of(app, other.endpoint) != permission, (
                        f"{key} writes with {permission[0]}, the permission of the read page {other.endpoint} "
                        f"of {type(view).__name__}")
            may = {role for role in (C, O, S, L, AUDITOR) if role_may(role, *permission)}
            assert key in WRITERS, f"{key} is a new write route: add it to WRITERS with the roles that may use it"
            assert may == WRITERS[key], f"{key} is open to {sorted(may)}, WRITERS says {sorted(WRITERS[key])}"
    assert own == set(WRITERS), f"WRITERS names routes that no longer write: {sorted(set(WRITERS) - own)}"


@pytest.mark.parametrize("role", sorted(READ_ONLY_CRUD))
def test_reading_roles_write_only_where_listed(app, role):
    writes = set()
    for rule, _, name, key in _write_targets(app):
        if rule.endpoint in OPEN_WRITES | SELF_SERVICE or key in SELF_SERVICE or _is_own(app, rule, name):
            continue
        permission = permission_of(app, rule.endpoint, name)
        if role_may(role, *permission):
            writes.add(rule.endpoint.split(".")[0])
    assert writes == READ_ONLY_CRUD[role]


def _value(arg, model):
    """Real records in the URL: school B's (every role but the officer may see them) and a real step."""
    extra = {"action": lambda: "approve", "task_id": lambda: WORLD.task, "school_id": lambda: WORLD.school_b,
             "entity": lambda: "Student", "record_id": lambda: WORLD.student_b}
    return extra[arg]() if arg in extra else _b_value(arg, model)


def _login(app, username):
    client = app.test_client()
    if username:
        assert client.post("/login/", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def _api_client(app, username):
    from tests.conftest import api_token

    client = app.test_client()
    headers = {"Authorization": "Bearer " + api_token(app, username)} if username else {}
    return client, headers


@pytest.mark.parametrize("role", ["Public", AUDITOR, LEADER, SUPERVISOR, SCHOOL_OFFICER, AID_CENTER])
def test_roles_without_the_permission_store_nothing(app, role):
    username = USERS.get(role)
    browser = _login(app, username)
    api, headers = _api_client(app, username)
    before, counts = business_state(app), row_counts(app)
    tried = 0
    for rule, method, name, key in _write_targets(app):
        if rule.endpoint in OPEN_WRITES:
            continue
        permission = permission_of(app, rule.endpoint, name)
        if role != "Public" and role_may(role, *permission):
            continue
        url = build_url(app, rule, lambda arg, model: name if arg == "name" else _value(arg, model))
        if name is not None:
            model = model_of(app, rule.endpoint)
            data = {"action": name, "rowid": [str(_value("pk", model))]}
            response = browser.open(url, method=method, data=data)
        elif rule.rule.startswith("/api/"):
            response = api.open(url, method=method, json=_payload_for(app, rule), headers=headers)
        else:
            response = browser.open(url, method=method, data=_payload_for(app, rule))
        assert response.status_code in (302, 401, 403, 405), f"{role} {method} {url} ({key}) → {response.status_code}"
        assert row_counts(app) == counts, f"{role} {method} {url} ({key}) stored rows"
        tried += 1
    assert tried > 10
    assert changed_tables(before, business_state(app)) == []


def _get_urls(app):
    """Every GET route with real ids; a record page's actions each by name."""
    for rule in sorted(routes(app), key=lambda r: r.rule):
        if "GET" not in rule.methods:
            continue
        names = [None]
        if _is_action(rule.endpoint):
            names = sorted(getattr(view_for_endpoint(app, rule.endpoint), "actions", {}))
        for name in names:
            yield rule, build_url(app, rule, lambda arg, model: name if arg == "name" else _value(arg, model))


@pytest.mark.parametrize("role", ["Public", AUDITOR, LEADER, SUPERVISOR, SCHOOL_OFFICER, AID_CENTER, ADMIN])
def test_no_get_changes_a_record(app, role, monkeypatch):
    """Reading is recorded (the audit trail, the bank-list and complainant reads): nothing else is stored.
    And no answer is a server error or shows SQL (for the screens with their real values, and refused, this
    is that check of test_hostile_requests.py, which asks them with hostile values). A PDF is built up to
    its HTML, not laid out (``without_pdf_layout``)."""
    without_pdf_layout(monkeypatch)
    client = _login(app, USERS.get(role))
    before = business_state(app)
    checked, problems = 0, []
    for rule, url in _get_urls(app):
        problems.append(server_error_or_sql(client.get(url), f"{role} GET {url}"))
        checked += 1
    assert checked > 100
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems[:40])
    assert changed_tables(before, business_state(app)) == []


# --- the two cases that were found --------------------------------------------------------------

@pytest.fixture()
def candidate(app):
    """A 高三 pupil of school A who had the 普通高中国家助学金 and has no loan: a pre-application candidate."""
    from app.rules import idcard
    from app.models import AidProgram, Award, Student
    from app.rules import cards

    with app.app_context():
        program = db.session.scalars(select(AidProgram).where(AidProgram.name == "普通高中国家助学金")).first()
        made_program = program is None
        if made_program:
            program = AidProgram(name="普通高中国家助学金", kind="national", stages="senior", standard_amount=Decimal("2000"),
                                 period="year", active=True)
            db.session.add(program)
            db.session.flush()
        student = Student(school_id=WORLD.school_a, name="预申请候选", id_number=idcard.make("341124", date(2008, 5, 5), 731),
                          grade="高三", class_name="3班", enrolment_year=2024, guardian="候选家长")
        db.session.add(student)
        db.session.flush()
        award = Award(student_id=student.id, program_id=program.id, semester_id=WORLD.semester, amount=Decimal("1000"),
                      card_kind="aid_card", card_number=cards.make("6217", 19, 7311), status="approved")
        db.session.add(award)
        db.session.commit()
        ids = student.id, award.id, program.id if made_program else None
    yield ids[0]
    with app.app_context():
        from app.models import Loan

        for loan in db.session.scalars(select(Loan).where(Loan.student_id == ids[0])).all():
            purge(loan)
        purge(db.session.get(Award, ids[1]), db.session.get(Student, ids[0]))
        if ids[2]:
            purge(db.session.get(AidProgram, ids[2]))
        db.session.commit()


def _loans_of(app, student_id):
    from app.models import Loan

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Loan).where(Loan.student_id == student_id))


@pytest.mark.parametrize("user", ["t_leader", "t_supervisor", "t_auditor"])
def test_reading_roles_cannot_create_pre_applications(app, as_role, candidate, user):
    client = as_role(user)
    page = client.get("/loans/pre-applications/")
    if user != "t_auditor":
        assert page.status_code == 200 and "预申请候选" in page.get_data(as_text=True)
        assert 'name="student"' not in page.get_data(as_text=True), "the leader is offered a form that creates loans"
    for url in ("/loans/pre-applications/", "/loans/pre-applications/create"):
        client.post(url, data={"student": str(candidate)})
    assert _loans_of(app, candidate) == 0


def test_officer_creates_a_pre_application_from_the_list(app, officer_a, candidate):
    page = officer_a.get("/loans/pre-applications/").get_data(as_text=True)
    assert 'action="/loans/pre-applications/create"' in page and f'value="{candidate}"' in page
    r = officer_a.post("/loans/pre-applications/create", data={"student": str(candidate)})
    assert r.status_code == 302
    assert _loans_of(app, candidate) == 1


@pytest.fixture()
def open_batch(app):
    """A payment batch with one line waiting for the bank."""
    from app.models.budgets import BatchLine, PaymentBatch
    from app.rules import cards

    with app.app_context():
        batch = PaymentBatch(semester_id=WORLD.semester, program_id=WORLD.program_senior, status="open")
        db.session.add(batch)
        db.session.flush()
        line = BatchLine(batch_id=batch.id, award_id=WORLD.award_a, name="甲校学生", card_number=cards.make("6217", 19, 7312),
                         amount=Decimal("1000"), result="pending")
        db.session.add(line)
        db.session.commit()
        ids = batch.id, line.id
    yield ids[0]
    with app.app_context():
        from app.models.budgets import CardExport

        for export in db.session.scalars(select(CardExport).where(CardExport.batch_id == ids[0])).all():
            purge(export)
        purge(db.session.get(BatchLine, ids[1]), db.session.get(PaymentBatch, ids[0]))
        db.session.commit()


def _batch(app, pk):
    from app.models.budgets import CardExport, PaymentBatch

    with app.app_context():
        exports = db.session.scalar(select(func.count()).select_from(CardExport).where(CardExport.batch_id == pk))
        return db.session.get(PaymentBatch, pk).status, exports


def test_a_link_to_the_bank_list_changes_nothing(app, center, open_batch):
    assert center.get(f"/paymentbatchview/bank-list/{open_batch}").status_code == 405
    assert _batch(app, open_batch) == ("open", 0)


def test_the_bank_list_is_sent_by_a_button_that_records_it(app, center, open_batch):
    page = center.get(f"/paymentbatchview/show/{open_batch}").get_data(as_text=True)
    assert f'action="/paymentbatchview/bank-list/{open_batch}"' in page and 'method="post"' in page
    r = center.post(f"/paymentbatchview/bank-list/{open_batch}")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    assert _batch(app, open_batch) == ("exported", 1)


def test_a_bank_list_that_fails_half_way_leaves_the_batch_as_it_was(app, center, open_batch, monkeypatch):
    """The batch is marked exported before the download is recorded: a failure there keeps neither."""
    def unrecordable(**_):
        raise RuntimeError("the download could not be recorded")

    monkeypatch.setattr("app.models.budgets.CardExport", unrecordable)
    with pytest.raises(RuntimeError):
        center.post(f"/paymentbatchview/bank-list/{open_batch}")
    monkeypatch.undo()
    assert _batch(app, open_batch) == ("open", 0)
    assert center.post(f"/paymentbatchview/bank-list/{open_batch}").status_code == 200
    assert _batch(app, open_batch) == ("exported", 1)


def test_generated_delete_and_action_routes_refuse_a_get(app, center):
    """Flask-AppBuilder acts on a GET of these when its CSRF guard is off (FAB_ALLOW_GET_UNSAFE_MUTATIONS):
    the app refuses the GET itself, whatever the configuration."""
    from app.models import SocialProject

    with app.app_context():
        project = SocialProject(name="只读请求删除测试项目", donor="测试", kind="pairing", budget=Decimal("1"),
                                starts_on=date(2026, 9, 1))
        db.session.add(project)
        db.session.commit()
        pk = project.id
    app.config["FAB_ALLOW_GET_UNSAFE_MUTATIONS"] = True
    try:
        assert center.get(f"/socialprojectview/delete/{pk}").status_code == 405
        assert center.get(f"/socialprojectview/action/muldelete/{pk}").status_code == 405
    finally:
        app.config.pop("FAB_ALLOW_GET_UNSAFE_MUTATIONS")
    with app.app_context():
        assert db.session.get(SocialProject, pk) is not None
        purge(db.session.get(SocialProject, pk))
        db.session.commit()
