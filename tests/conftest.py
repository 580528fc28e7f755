"""Fixtures: one app for the whole run on a fresh database (SQLite file, or a fresh
PostgreSQL schema when DATABASE_URL points at PostgreSQL), built by the
migrations, with two schools and a logged-in client per role."""
from __future__ import annotations

import gc
import os
import re
import tempfile
import time
import uuid
from datetime import date

import pytest

_TMP = tempfile.mkdtemp(prefix="aid-test-")
# The suite is development (config.py's default is production): keys kept in the instance folder,
# the demo county allowed. TestConfig says so too; tests/test_production.py builds production apps.
os.environ["AID_ENV"] = "development"
if os.environ.get("PYTEST_XDIST_WORKER"):
    # one of several pytest processes (make test runs them side by side): its own instance folder
    # (uploads, keys, audit anchors, fonts) beside its own database, whatever the others' are
    os.environ["INSTANCE_DIR"] = _TMP
os.environ.setdefault("INSTANCE_DIR", _TMP)
os.environ.setdefault("SECRET_KEY", "test-secret-of-the-student-aid-suite-0123456789")
# The tests read the county's clock, as the app does from its start (app/clock.py): "today" in a
# test is the county's today, also in the end-to-end tests that never build an app here.
os.environ["TZ"] = os.environ.get("TIMEZONE") or "Asia/Shanghai"
time.tzset()

# The garbage collector walks young objects every 10,000 allocations instead of 700: a test's
# requests make and drop hundreds of thousands of short-lived objects (SQL statements, template
# frames), and each early walk promoted some of them, which then set off full walks of the whole
# heap. Measured on tests/test_hostile_requests.py: 40-45 s -> 36-37 s; nothing else changes.
gc.set_threshold(10_000, 20, 20)

PASSWORD = "Test@2021pw"
PG_SCHEMA = None
_url = os.environ.get("DATABASE_URL", "")
if _url.startswith("postgres"):
    # A schema of our own, dropped at the end: every run starts from nothing.
    PG_SCHEMA = "t_" + uuid.uuid4().hex[:12]


def _engine_options():
    opts = {"pool_pre_ping": True}
    if PG_SCHEMA:
        opts["connect_args"] = {"options": f"-csearch_path={PG_SCHEMA}"}
    return opts


def pytest_configure(config):
    config.addinivalue_line("markers", "once: the test never uses the suite's database (it builds a SQLite "
                            "database of its own, or needs none): on PostgreSQL it would repeat the SQLite run "
                            "exactly, so CI's PostgreSQL run leaves it out (-m 'not once')")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """The browser tests are ``once`` (they serve a SQLite demo county of their own); a test marked ``once``
    that takes the suite's app (so its database) is a mistake, refused here. With several pytest processes
    (make test: --dist loadgroup), a file's tests run in one process (its module fixtures are built once), and
    the browser tests all in one (one server and one browser for them)."""
    wrong = []
    for item in items:
        if item.nodeid.startswith("tests/e2e/"):
            item.add_marker(pytest.mark.once)
        if item.get_closest_marker("once") and "app" in getattr(item, "fixturenames", ()):
            wrong.append(item.nodeid)
    if wrong:
        raise pytest.UsageError("marked once but using the suite's database (the app fixture): " + ", ".join(wrong))
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        path = item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group("e2e" if path.startswith("tests/e2e/") else path))
    # (the processes collect the tests and send the order; xdist tells them only that the run is by group)
    if getattr(config.option, "loadgroup", False) and not getattr(config.option, "loadscopereorder", True):
        # The files that take longest go out to the processes first (the Makefile turns off xdist's ordering by
        # number of tests, which sent a sweep of ten long tests last while the other process sat idle).
        items.sort(key=lambda item: next((i for i, p in enumerate(_LONGEST) if item.nodeid.startswith(p)), len(_LONGEST)))


# The test files that take longest, longest first (``--durations``, 2026-12-06): only the order in which
# `make test`'s processes take files up depends on it.
_LONGEST = ("tests/e2e/", "tests/test_hostile_requests.py", "tests/test_nothing_raw.py", "tests/test_post_routes.py",
            "tests/test_state_rules.py", "tests/test_api_fuzz.py", "tests/test_deploy.py", "tests/test_demo.py",
            "tests/test_two_processes.py", "tests/test_masking.py", "tests/test_login_security.py", "tests/test_i18n.py",
            "tests/test_security_headers.py", "tests/test_uploads.py", "tests/test_write_paths.py")


@pytest.fixture(scope="session")
def app():
    if PG_SCHEMA:
        import sqlalchemy as sa

        admin = sa.create_engine(_url.replace("postgres://", "postgresql://"))
        with admin.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {PG_SCHEMA}"))
    from app import create_app

    overrides = dict(SQLALCHEMY_ENGINE_OPTIONS=_engine_options())
    if not PG_SCHEMA:
        overrides["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{_TMP}/test.db"
    application = create_app("config.TestConfig", **overrides)
    with application.app_context():
        from flask_migrate import upgrade

        upgrade()
        application.appbuilder.sm.sync_roles()
        _world(application)
    yield application
    if PG_SCHEMA:
        import sqlalchemy as sa

        from app.extensions import db

        with application.app_context():
            db.session.remove()
            db.engines[None].dispose() if hasattr(db, "engines") else None
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {PG_SCHEMA} CASCADE"))
        admin.dispose()


class World:
    """The two schools every test can rely on: A (the officer's) and B (someone else's)."""


WORLD = World()


# The world's schools and pupils hold what the tests state and nothing the builders would add: no
# address, principal nor office phone for a school; no 学籍号, guardian's phone nor address for a pupil
# unless stated (tests may rely on their absence: tests/test_student_number.py's pupils without 学籍号).
UNSTATED_SCHOOL = dict(address=None, principal=None, phone=None)
UNSTATED_PUPIL = dict(student_number=None, guardian=None, guardian_phone=None, address=None, boarding=False)


def _world(app):
    from datetime import datetime
    from decimal import Decimal

    from app import clock
    from app.extensions import db
    from app.files import storage
    from app.models import (
        ApplicationEvidence, BatchLine, FamilyMember, IdentificationApplication, IdentificationNotice, Inspection,
        InspectionItem, InspectionScore, Loan, LoanMaterial, LoanReminder, NoticeObjection, Pairing, PaymentBatch, PhoneCall,
        ReportTask, RepaymentDue, SchoolFund, SocialProject, StatusChange, Submission, TransferRequest,
    )
    from app.models.outreach import (
        AidStaff, HomeVisit, PublicityActivity, PublicityPhoto, Recognition, TrainingAttendance, TrainingSession,
    )
    from app.rules import cards, idcard
    from tests.factories import (
        make, make_award, make_complaint, make_identification, make_loan, make_program, make_pupil, make_school,
        make_semester,
    )

    a = make_school("senior", name="测试甲中学", code="T0001", town="襄河镇", complaint_hotline="0550-1111111",
                    **UNSTATED_SCHOOL)
    b = make_school("primary", name="测试乙小学", code="T0002", town="古河镇", complaint_hotline="0550-2222222",
                    **UNSTATED_SCHOOL)
    sa = make_pupil(a, "高二", name="甲校学生", id_number=idcard.make("341124", date(2008, 3, 1), 11), class_name="1班",
                    enrolment_year=2024, **UNSTATED_PUPIL)
    sb = make_pupil(b, "五年级", name="乙校学生", id_number=idcard.make("341124", date(2015, 6, 1), 22), class_name="2班",
                    enrolment_year=2021, **{**UNSTATED_PUPIL, "guardian": "乙家长", "address": "乙校秘密地址"})
    ia = make_identification(sa, "2026-2027", "difficult", ["cat_subsistence"])
    ib = make_identification(sb, "2026-2027", "special", ["cat_registered_poor"], identified_on=date(2026, 9, 11),
                             notes="乙校认定备注")
    senior = make_program("测试高中助学金", "senior,complete", "2000")
    primary = make_program("测试义务教育补助", "primary,junior", "500", period="semester", kind="local")
    term = make_semester("2026-2027", is_current=True)
    card_a, card_b = cards.make("6217", 19, 1001), cards.make("6228", 19, 2002)
    aa = make_award(sa, senior, term, Decimal("1000"), card_number=card_a)
    ab = make_award(sb, primary, term, Decimal("500"), card="bank", card_number=card_b, over_standard_reason="乙校资助说明")
    WORLD.program_senior, WORLD.program_primary, WORLD.semester = senior.id, primary.id, term.id
    WORLD.award_a, WORLD.award_b = aa.id, ab.id
    WORLD.card_b = card_b

    project = make(SocialProject, name="测试结对项目", donor="测试基金会", kind="pairing", budget=Decimal("100000"),
                   starts_on=date(2026, 9, 1))
    fa = make(SchoolFund, school_id=a.id, year=2026, operating_income=Decimal("1000000"), extracted=Decimal("40000"))
    fb = make(SchoolFund, school_id=b.id, year=2026, operating_income=Decimal("500000"), extracted=Decimal("1000"),
              notes="乙校资金备注")
    pb = make(Pairing, project_id=project.id, student_id=sb.id, donor_name="乙校捐助人", amount=Decimal("1000"),
              starts_on=date(2026, 9, 1))
    WORLD.project, WORLD.fund_a, WORLD.fund_b, WORLD.pairing_b = project.id, fa.id, fb.id, pb.id

    material = make(LoanMaterial, name="测试身份证", required=True, sort_order=1)
    # a pre-application: where and what the pupil will study, and when it graduates, are not known yet
    loan_a = make_loan(sa, 2026, amount=Decimal("8000"), co_borrower="甲家长", university="测试大学", major=None,
                       expected_graduation=None, grace_years=0, repayment_years=15)
    # School B's loan, the other school's record the isolation tests reach for: a 小学 has no borrowers
    # (app/rules/loans.py refuses a new loan for its pupils), so it stands for a loan kept from before
    # that rule, written below the session as such a record was.
    loan_b = db.session.get(Loan, db.session.connection().execute(Loan.__table__.insert().values(
        school_id=b.id, student_id=sb.id, co_borrower="乙校共同借款人", academic_year="2026-2027", amount=Decimal("8000"),
        university="乙校测试大学", status="repaying", contract_number="乙校合同001", degree="undergraduate",
        grace_years=0, repayment_years=15)).inserted_primary_key[0])
    due_b = make(RepaymentDue, loan_id=loan_b.id, due_on=date(2026, 12, 20), principal=Decimal("0"), interest=Decimal("308"))
    reminder_b = make(LoanReminder, loan_id=loan_b.id, on=date(2026, 3, 5), channel="phone", result="乙校提醒结果")

    task = make(ReportTask, title="测试报送任务", deadline=datetime(2026, 10, 31, 17, 0), schools=[a, b])
    sub_b = make(Submission, task_id=task.id, school_id=b.id, content="乙校报送内容", submitted_at=datetime(2026, 10, 30, 9, 0),
                 file_path=storage.save("乙校附件内容".encode(), "乙校报表.xlsx"), file_name="乙校报表.xlsx")
    WORLD.task, WORLD.submission_b = task.id, sub_b.id

    item = make(InspectionItem, name="测试资金专款专用", max_score=20, sort_order=1)
    insp_b = make(Inspection, school_id=b.id, kind="patrol", status="done", inspected_on=date(2026, 10, 8),
                  findings="乙校检查发现", result="pass", rectification_demand="乙校整改要求",
                  rectification_deadline=date(2026, 11, 30))
    hidden_a = make(Inspection, school_id=a.id, kind="unannounced", status="planned", inspected_on=date(2026, 12, 1),
                    findings="甲校暗访计划")
    score_b = make(InspectionScore, inspection_id=insp_b.id, item_id=item.id, score=15, note="乙校评分说明")
    WORLD.item, WORLD.inspection_b, WORLD.score_b, WORLD.hidden_a = item.id, insp_b.id, score_b.id, hidden_a.id
    call_b = make(PhoneCall, inspection_id=insp_b.id, award_id=ab.id, reached=True, confirms_receipt=True,
                  stated_amount=Decimal("500"), note="乙校回访记录")
    WORLD.call_b = call_b.id

    # named complainants, registered by no one, in their state since the world was made
    received, since = datetime(2026, 10, 9, 10, 0), clock.now()
    complaint_b = make_complaint(b, "complaint", "乙校投诉标题", received, content="乙校投诉内容", origin="school",
                                 channel="phone", complainant=("乙校投诉人", "13900002222"), shared_with_school=True,
                                 stage_since=since)
    # registered by the centre, handed to school A for rectification: A sees it, never the complainant
    complaint_a = make_complaint(a, "report", "甲校移交投诉", received, content="甲校移交投诉内容", anonymous=False,
                                 channel="letter", complainant=("甲校保密投诉人", "13900001111"), shared_with_school=True,
                                 status="rectifying", rectification_demand="甲校投诉整改要求", stage_since=since)
    # about school A, not handed over: A does not see it at all
    complaint_a_hidden = make_complaint(a, "report", "甲校未移交举报", received, content="甲校未移交举报内容",
                                        anonymous=False, channel="visit", complainant=("甲校举报人", "13900003333"),
                                        stage_since=since)
    WORLD.complaint_b, WORLD.complaint_a, WORLD.complaint_a_hidden = complaint_b.id, complaint_a.id, complaint_a_hidden.id

    visit_b = make(HomeVisit, student_id=sb.id, visit_type="receiving_aid", visited_on=date(2026, 10, 12),
                   visitors="乙校走访人", findings="乙校走访发现", opinions="乙校家长意见", resolved=True)
    activity_b = make(PublicityActivity, school_id=b.id, activity_type="class_meeting", held_on=date(2026, 9, 3),
                      title="乙校宣传活动", audience=45, target_stage="all", notes="乙校宣传说明")
    staff_a = make(AidStaff, school_id=a.id, name="甲校资助专干", post="资助专干", employment="full_time",
                   since=date(2020, 9, 1))
    staff_b = make(AidStaff, school_id=b.id, name="乙校资助专干", post="资助专干", employment="part_time",
                   since=date(2019, 9, 1))
    training = make(TrainingSession, held_on=date(2026, 6, 15), topic="测试资助政策培训", hours=Decimal("4"),
                    trainer="县资助中心")
    photo_b = make(PublicityPhoto, activity_id=activity_b.id, path=storage.save(b"\x89PNG\r\n\x1a\n", "乙校照片.png"),
                   name="乙校照片.png")
    attendance_b = make(TrainingAttendance, session_id=training.id, staff_id=staff_b.id)
    recognition_b = make(Recognition, student_id=sb.id, year=2026, kind="star", title="励志之星", citation="乙校励志之星事迹")
    WORLD.visit_b, WORLD.activity_b, WORLD.photo_b = visit_b.id, activity_b.id, photo_b.id
    WORLD.staff_a, WORLD.staff_b, WORLD.training = staff_a.id, staff_b.id, training.id
    WORLD.attendance_b, WORLD.recognition_b = attendance_b.id, recognition_b.id

    batch = make(PaymentBatch, semester_id=term.id, program_id=primary.id, status="reconciled")
    line_b = make(BatchLine, batch_id=batch.id, award_id=ab.id, name="乙校学生", card_number=card_b, amount=Decimal("500"),
                  result="failed", fail_reason="card_error", fail_note="乙校退票说明")
    WORLD.batch, WORLD.line_b = batch.id, line_b.id
    # school B asks for school A's pupil (学生转入申请): what B typed is B's; A's pupil stays A's until the centre moves it
    transfer_b = make(TransferRequest, school_id=b.id, id_number=sa.id_number, name="乙校转入学生", grade="五年级",
                      class_name="3班", reason="乙校转入理由")
    WORLD.transfer_b = transfer_b.id
    # school B's line of its pupil's 学籍变动 history
    change_b = make(StatusChange, school_id=b.id, student_id=sb.id, kind="enrol", changed_on=date(2024, 9, 1),
                    reason="乙校入学说明")
    WORLD.status_change_b = change_b.id
    # school B sent its pupil to a third school, then withdrew (转出到本县学校): a record between B and C that
    # school A must never see; C is inactive, so that no count of the county's schools changes
    from app.rules import states
    from app.rules.transfers import file_handover, withdraw

    c = make_school("primary", name="测试戊小学", code="T0008", town="古河镇", complaint_hotline="0550-8888888", save=False,
                    **UNSTATED_SCHOOL)
    db.session.add(c)
    db.session.flush()
    handover_b = file_handover(db.session, sb, c.id, date(2026, 10, 8), "乙校转出理由")
    withdraw(handover_b, db.session, {states.SYSTEM})
    c.active = False
    db.session.commit()
    WORLD.school_c, WORLD.handover_b = c.id, handover_b.id

    # 认定程序: school B's application (being completed: members and evidence may still change) and its notice
    application_b = make(IdentificationApplication, student_id=sb.id, school_year="2026-2027", applied_on=date(2026, 9, 20),
                         level_requested="special", factor_economy="乙校家庭经济情况", statement="乙校认定申请陈述")
    notice_b = make(IdentificationNotice, school_id=b.id, school_year="2026-2027", title="乙校认定公示", working_days=5,
                    starts_on=date(2026, 10, 8), ends_on=date(2026, 10, 15))
    member_b = make(FamilyMember, application_id=application_b.id, relation="母亲", name="乙校家庭成员", age=38)
    evidence_b = make(ApplicationEvidence, application_id=application_b.id, name="乙校证明材料.png",
                      path=storage.save(b"\x89PNG\r\n\x1a\n", "乙校证明材料.png"))
    objection_b = make(NoticeObjection, notice_id=notice_b.id, received_on=date(2026, 10, 9), content="乙校公示异议")
    WORLD.application_b, WORLD.notice_b = application_b.id, notice_b.id
    WORLD.member_b, WORLD.evidence_b, WORLD.objection_b = member_b.id, evidence_b.id, objection_b.id
    WORLD.material, WORLD.loan_a, WORLD.loan_b, WORLD.due_b, WORLD.reminder_b = (
        material.id, loan_a.id, loan_b.id, due_b.id, reminder_b.id)
    from app.cli import create_user

    for username, role, code in [
        ("t_admin", "Admin", None), ("t_center", "AidCenter", None), ("t_officer_a", "SchoolOfficer", "T0001"),
        ("t_officer_b", "SchoolOfficer", "T0002"), ("t_supervisor", "Supervisor", None), ("t_leader", "Leader", None),
        ("t_officer_nolink", "SchoolOfficer", None), ("t_auditor", "Auditor", None),
    ]:
        if code is None and role == "SchoolOfficer":
            sm = app.appbuilder.sm
            sm.add_user(username=username, first_name=username, last_name="", email=f"{username}@x.invalid", role=sm.find_role(role), password=PASSWORD)
        else:
            create_user(username, role, PASSWORD, school_code=code)
    WORLD.app = app
    WORLD.school_a, WORLD.school_b = a.id, b.id
    WORLD.student_a, WORLD.student_b = sa.id, sb.id
    WORLD.student_b_number = sb.id_number
    WORLD.ident_a, WORLD.ident_b = ia.id, ib.id
    from app.models import InfoOfficer

    WORLD.officer_b = db.session.query(InfoOfficer).filter_by(school_id=b.id).one().id
    WORLD.officer_a = db.session.query(InfoOfficer).filter_by(school_id=a.id).one().id
    # Strings that belong to school B only: none may reach officer A.
    WORLD.markers_b = ["测试乙小学", "乙校学生", "乙家长", "乙校秘密地址", "乙校认定备注", "乙校资助说明", "乙校资金备注", "乙校捐助人", "乙校共同借款人", "乙校测试大学", "乙校合同001",
                       "乙校提醒结果", "乙校报送内容", "乙校报表", "乙校附件内容", "乙校检查发现",
                       "乙校整改要求", "乙校评分说明", "甲校暗访计划", "乙校回访记录", "t_officer_b",
                       "乙校投诉人", "13900002222", "乙校投诉标题", "乙校投诉内容",
                       # not school B's, but never for officer A: a confidential complainant, an unshared report
                       "甲校保密投诉人", "13900001111", "甲校未移交举报", "甲校举报人",
                       "乙校走访人", "乙校走访发现", "乙校家长意见", "乙校宣传活动", "乙校宣传说明", "乙校照片",
                       "乙校资助专干", "乙校励志之星事迹", "乙校退票说明", "乙校转入学生", "乙校转入理由",
                       "乙校家庭经济情况", "乙校认定申请陈述", "乙校认定公示", "乙校家庭成员", "乙校证明材料", "乙校公示异议",
                       sb.id_number, sb.id_number[-4:] + "<", card_b, card_b[-4:] + "<"]
    db.session.remove()


@pytest.fixture()
def world(app):
    return WORLD


@pytest.fixture()
def rollback(app):
    """Whatever the test writes, through the test client's requests too, is rolled back when it ends.

    One connection is opened and a transaction begun on it; every session the app makes meanwhile (one
    per request and per app context) runs on that connection inside a SAVEPOINT of its own
    (SQLAlchemy's "join an external transaction" recipe, ``join_transaction_mode="create_savepoint"``):
    a view's commit releases its savepoint, a view's rollback goes back to it, the after-commit hooks
    (the audit chain's head, uploaded files kept) run as they do for a real commit, and what the whole
    test stored goes when the outer transaction is rolled back. Code that opens a connection of its own
    (``db.engine.connect()``: the print queue, the audit anchor, a backup) does not see the test's
    writes (nor is an audit anchor written meanwhile): modules that need that, or that write from other
    threads, do not use this fixture. A module takes it with ``pytestmark = pytest.mark.usefixtures("rollback")``."""
    from sqlalchemy import event

    from app.extensions import db

    with app.app_context():
        engine = db.engine
    connection = engine.connect()
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        # pysqlite begins a transaction only before a write and never around a SAVEPOINT: SQLAlchemy's
        # documented workaround, on this one connection only (the pool's other connections keep the default)
        dbapi = connection.connection.driver_connection
        saved_level = dbapi.isolation_level
        dbapi.isolation_level = None

        def _begin(conn):
            conn.exec_driver_sql("BEGIN")

        event.listen(connection, "begin", _begin)
    outer = connection.begin()
    factory = db.session.session_factory
    saved_class, saved_kw = factory.class_, dict(factory.kw)

    class Joined(saved_class):
        def get_bind(self, *args, **kwargs):
            return connection

    factory.class_ = Joined
    factory.kw.update(bind=connection, join_transaction_mode="create_savepoint")
    # an audit anchor names what is committed, on a connection of its own: nothing is, here
    saved_anchors = {key: app.config.get(key) for key in ("AUDIT_ANCHOR_EVERY", "AUDIT_ANCHOR_MINUTES")}
    app.config.update(AUDIT_ANCHOR_EVERY=0, AUDIT_ANCHOR_MINUTES=0)
    try:
        yield connection
    finally:
        app.config.update(saved_anchors)
        factory.class_ = saved_class
        factory.kw.clear()
        factory.kw.update(saved_kw)
        outer.rollback()
        if sqlite:
            event.remove(connection, "begin", _begin)
            dbapi.isolation_level = saved_level
        connection.close()


def login(app, username):
    client = app.test_client()
    response = client.post("/login/", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, f"login of {username} failed"
    return client


@pytest.fixture()
def as_role(app):
    return lambda username: login(app, username)


@pytest.fixture()
def officer_a(app):
    return login(app, "t_officer_a")


@pytest.fixture()
def center(app):
    return login(app, "t_center")


def api_token(app, username):
    client = app.test_client()
    r = client.post("/api/v1/security/login", json={"username": username, "password": PASSWORD, "provider": "db"})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()["access_token"]


@pytest.fixture()
def api(app):
    """api(username) -> a test client whose requests carry that user's JWT."""

    class ApiClient:
        def __init__(self, username):
            self.client = app.test_client()
            self.headers = {"Authorization": "Bearer " + api_token(app, username)}

        def __getattr__(self, method):
            call = getattr(self.client, method)
            return lambda url, headers=None, **kw: call(url, headers={**self.headers, **(headers or {})}, **kw)

        def put_current(self, url, **kw):
            """A PUT of the version just read (If-Match: the ETag of a GET of the same record)."""
            etag = self.get(url).headers.get("ETag", "")
            return self.put(url, headers={"If-Match": etag}, **kw)

    return ApiClient


def form_version(client, url):
    """The version an edit form was opened at (its hidden row_version), as a browser would send it back."""
    html = client.get(url).get_data(as_text=True)
    found = re.search(r'name="row_version"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="row_version"', html)
    return (found.group(1) or found.group(2)) if found else ""


def post_edit(client, url, data, **kwargs):
    """Save an edit form as a person does: open it, then post the changes with the version it showed."""
    return client.post(url, data={**data, "row_version": form_version(client, url)}, **kwargs)


def visible_text(response):
    html = response.get_data(as_text=True)
    html = re.sub(r"(?s)<script.*?</script>", " ", html)
    html = re.sub(r"(?s)<style.*?</style>", " ", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def purge(*records):
    """Remove what a test made, money and casework included (the app itself never deletes those)."""
    from sqlalchemy import delete

    from app.extensions import db

    from app.models import School, StatusChange, Student

    for record in records:
        if record is not None:
            model = type(record)
            if model is Student:  # the pupil's 学籍变动 go with it
                db.session.connection().execute(delete(StatusChange).where(StatusChange.student_id == record.id))
            elif model is School:
                db.session.connection().execute(delete(StatusChange).where(
                    (StatusChange.school_id == record.id) | (StatusChange.other_school_id == record.id)))
            db.session.connection().execute(delete(model).where(model.id == record.id))  # below the rules and the audit
