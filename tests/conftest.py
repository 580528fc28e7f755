"""Fixtures: one app for the whole run on a fresh database (SQLite file, or a fresh
PostgreSQL schema when DATABASE_URL points at PostgreSQL), built by the
migrations, with two schools and a logged-in client per role."""
from __future__ import annotations

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


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """With several pytest processes (make test: --dist loadgroup), a file's tests run in one process (its
    module fixtures are built once), and the browser tests all in one (one server and one browser for them)."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        path = item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group("e2e" if path.startswith("tests/e2e/") else path))


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


def _world(app):
    from app.rules import idcard
    from app.cli import create_user
    from app.extensions import db
    from app.models import Identification, School, Student

    a = School(code="T0001", name="测试甲中学", stage="senior", town="襄河镇", complaint_hotline="0550-1111111")
    b = School(code="T0002", name="测试乙小学", stage="primary", town="古河镇", complaint_hotline="0550-2222222")
    db.session.add_all([a, b])
    db.session.commit()
    sa = Student(school_id=a.id, name="甲校学生", id_number=idcard.make("341124", date(2008, 3, 1), 11), grade="高二", class_name="1班", enrolment_year=2024)
    sb = Student(school_id=b.id, name="乙校学生", id_number=idcard.make("341124", date(2015, 6, 1), 22), grade="五年级", class_name="2班", enrolment_year=2021, guardian="乙家长", address="乙校秘密地址")
    db.session.add_all([sa, sb])
    db.session.commit()
    ia = Identification(student_id=sa.id, school_year="2026-2027", level="difficult", cat_subsistence=True, evidence_source="civil_affairs", identified_on=date(2026, 9, 10))
    ib = Identification(student_id=sb.id, school_year="2026-2027", level="special", cat_registered_poor=True, evidence_source="poverty_office", identified_on=date(2026, 9, 11), notes="乙校认定备注")
    db.session.add_all([ia, ib])
    db.session.commit()
    from decimal import Decimal

    from app.models import AidProgram, Award, Semester
    from app.rules import cards

    senior = AidProgram(name="测试高中助学金", kind="national", stages="senior,complete", standard_amount=Decimal("2000"), period="year", active=True)
    primary = AidProgram(name="测试义务教育补助", kind="local", stages="primary,junior", standard_amount=Decimal("500"), period="semester", active=True)
    term = Semester(school_year="2026-2027", term="1", starts_on=date(2026, 9, 1), ends_on=date(2027, 1, 20), payment_deadline=date(2026, 12, 31), is_current=True)
    db.session.add_all([senior, primary, term])
    db.session.commit()
    card_a, card_b = cards.make("6217", 19, 1001), cards.make("6228", 19, 2002)
    aa = Award(student_id=sa.id, program_id=senior.id, semester_id=term.id, amount=Decimal("1000"), card_kind="aid_card", card_number=card_a)
    ab = Award(student_id=sb.id, program_id=primary.id, semester_id=term.id, amount=Decimal("500"), card_kind="bank_card", card_number=card_b, over_standard_reason="乙校资助说明")
    db.session.add_all([aa, ab])
    db.session.commit()
    WORLD.program_senior, WORLD.program_primary, WORLD.semester = senior.id, primary.id, term.id
    WORLD.award_a, WORLD.award_b = aa.id, ab.id
    WORLD.card_b = card_b
    from app.models import Pairing, SchoolFund, SocialProject

    project = SocialProject(name="测试结对项目", donor="测试基金会", kind="pairing", budget=Decimal("100000"), starts_on=date(2026, 9, 1))
    db.session.add(project)
    db.session.flush()
    fa = SchoolFund(school_id=a.id, year=2026, operating_income=Decimal("1000000"), extracted=Decimal("40000"))
    fb = SchoolFund(school_id=b.id, year=2026, operating_income=Decimal("500000"), extracted=Decimal("1000"), notes="乙校资金备注")
    pb = Pairing(project_id=project.id, student_id=sb.id, donor_name="乙校捐助人", amount=Decimal("1000"), starts_on=date(2026, 9, 1))
    db.session.add_all([fa, fb, pb])
    db.session.commit()
    WORLD.project, WORLD.fund_a, WORLD.fund_b, WORLD.pairing_b = project.id, fa.id, fb.id, pb.id
    from app.models import Loan, LoanMaterial, LoanReminder, RepaymentDue

    material = LoanMaterial(name="测试身份证", required=True, sort_order=1)
    loan_a = Loan(student_id=sa.id, co_borrower="甲家长", academic_year="2026-2027", amount=Decimal("8000"), university="测试大学")
    db.session.add_all([material, loan_a])
    db.session.flush()
    # School B's loan, the other school's record the isolation tests reach for: a 小学 has no borrowers
    # (app/rules/loans.py refuses a new loan for its pupils), so it stands for a loan kept from before
    # that rule, written below the session as such a record was.
    loan_b = db.session.get(Loan, db.session.connection().execute(Loan.__table__.insert().values(
        school_id=b.id, student_id=sb.id, co_borrower="乙校共同借款人", academic_year="2026-2027", amount=Decimal("8000"),
        university="乙校测试大学", status="repaying", contract_number="乙校合同001", degree="undergraduate",
        grace_years=0, repayment_years=15)).inserted_primary_key[0])
    due_b = RepaymentDue(loan_id=loan_b.id, due_on=date(2026, 12, 20), principal=Decimal("0"), interest=Decimal("308"))
    reminder_b = LoanReminder(loan_id=loan_b.id, on=date(2026, 3, 5), channel="phone", result="乙校提醒结果")
    db.session.add_all([due_b, reminder_b])
    db.session.commit()
    from datetime import datetime

    from app.files import storage
    from app.models import ReportTask, Submission

    task = ReportTask(title="测试报送任务", deadline=datetime(2026, 10, 31, 17, 0), schools=[a, b])
    db.session.add(task)
    db.session.flush()
    sub_b = Submission(task_id=task.id, school_id=b.id, content="乙校报送内容", submitted_at=datetime(2026, 10, 30, 9, 0),
                       file_path=storage.save("乙校附件内容".encode(), "乙校报表.xlsx"), file_name="乙校报表.xlsx")
    db.session.add(sub_b)
    db.session.commit()
    WORLD.task, WORLD.submission_b = task.id, sub_b.id
    from app.models import Inspection, InspectionItem, InspectionScore

    item = InspectionItem(name="测试资金专款专用", max_score=20, sort_order=1)
    insp_b = Inspection(school_id=b.id, kind="patrol", status="done", inspected_on=date(2026, 10, 8), findings="乙校检查发现",
                        result="pass", rectification_demand="乙校整改要求", rectification_deadline=date(2026, 11, 30))
    hidden_a = Inspection(school_id=a.id, kind="unannounced", status="planned", inspected_on=date(2026, 12, 1),
                          findings="甲校暗访计划")
    db.session.add_all([item, insp_b, hidden_a])
    db.session.flush()
    score_b = InspectionScore(inspection_id=insp_b.id, item_id=item.id, score=15, note="乙校评分说明")
    db.session.add(score_b)
    db.session.commit()
    WORLD.item, WORLD.inspection_b, WORLD.score_b, WORLD.hidden_a = item.id, insp_b.id, score_b.id, hidden_a.id
    from app.models import PhoneCall

    call_b = PhoneCall(inspection_id=insp_b.id, award_id=ab.id, reached=True, confirms_receipt=True,
                       stated_amount=Decimal("500"), note="乙校回访记录")
    db.session.add(call_b)
    db.session.commit()
    WORLD.call_b = call_b.id
    from app.models import Complaint

    received = datetime(2026, 10, 9, 10, 0)
    complaint_b = Complaint(school_id=b.id, origin="school", shared_with_school=True, channel="phone", kind="complaint",
                            received_at=received, complainant_name="乙校投诉人", complainant_contact="13900002222",
                            subject="乙校投诉标题", content="乙校投诉内容")
    # registered by the centre, handed to school A for rectification: A sees it, never the complainant
    complaint_a = Complaint(school_id=a.id, origin="centre", shared_with_school=True, channel="letter", kind="report",
                            received_at=received, complainant_name="甲校保密投诉人", complainant_contact="13900001111",
                            subject="甲校移交投诉", content="甲校移交投诉内容", status="rectifying",
                            rectification_demand="甲校投诉整改要求")
    # about school A, not handed over: A does not see it at all
    complaint_a_hidden = Complaint(school_id=a.id, origin="centre", channel="visit", kind="report", received_at=received,
                                   complainant_name="甲校举报人", complainant_contact="13900003333",
                                   subject="甲校未移交举报", content="甲校未移交举报内容")
    db.session.add_all([complaint_b, complaint_a, complaint_a_hidden])
    db.session.commit()
    WORLD.complaint_b, WORLD.complaint_a, WORLD.complaint_a_hidden = complaint_b.id, complaint_a.id, complaint_a_hidden.id
    from app.models.outreach import (
        AidStaff, HomeVisit, PublicityActivity, PublicityPhoto, Recognition, TrainingAttendance, TrainingSession,
    )

    visit_b = HomeVisit(student_id=sb.id, visit_type="receiving_aid", visited_on=date(2026, 10, 12), visitors="乙校走访人",
                        findings="乙校走访发现", opinions="乙校家长意见", resolved=True)
    activity_b = PublicityActivity(school_id=b.id, activity_type="class_meeting", held_on=date(2026, 9, 3),
                                   title="乙校宣传活动", audience=45, target_stage="all", notes="乙校宣传说明")
    staff_a = AidStaff(school_id=a.id, name="甲校资助专干", post="资助专干", employment="full_time", since=date(2020, 9, 1))
    staff_b = AidStaff(school_id=b.id, name="乙校资助专干", post="资助专干", employment="part_time", since=date(2019, 9, 1))
    training = TrainingSession(held_on=date(2026, 6, 15), topic="测试资助政策培训", hours=Decimal("4"), trainer="县资助中心")
    db.session.add_all([visit_b, activity_b, staff_a, staff_b, training])
    db.session.flush()
    photo_b = PublicityPhoto(activity_id=activity_b.id, path=storage.save(b"\x89PNG\r\n\x1a\n", "乙校照片.png"),
                             name="乙校照片.png")
    attendance_b = TrainingAttendance(session_id=training.id, staff_id=staff_b.id)
    recognition_b = Recognition(student_id=sb.id, year=2026, kind="star", title="励志之星", citation="乙校励志之星事迹")
    db.session.add_all([photo_b, attendance_b, recognition_b])
    db.session.commit()
    WORLD.visit_b, WORLD.activity_b, WORLD.photo_b = visit_b.id, activity_b.id, photo_b.id
    WORLD.staff_a, WORLD.staff_b, WORLD.training = staff_a.id, staff_b.id, training.id
    WORLD.attendance_b, WORLD.recognition_b = attendance_b.id, recognition_b.id
    from app.models.budgets import BatchLine, PaymentBatch

    batch = PaymentBatch(semester_id=term.id, program_id=primary.id, status="reconciled")
    db.session.add(batch)
    db.session.flush()
    line_b = BatchLine(batch_id=batch.id, award_id=ab.id, name="乙校学生", card_number=card_b, amount=Decimal("500"),
                       result="failed", fail_reason="card_error", fail_note="乙校退票说明")
    db.session.add(line_b)
    db.session.commit()
    WORLD.batch, WORLD.line_b = batch.id, line_b.id
    from app.models import TransferRequest

    # school B asks for school A's pupil (学生转入申请): what B typed is B's; A's pupil stays A's until the centre moves it
    transfer_b = TransferRequest(school_id=b.id, id_number=sa.id_number, name="乙校转入学生", grade="五年级",
                                 class_name="3班", reason="乙校转入理由")
    db.session.add(transfer_b)
    db.session.commit()
    WORLD.transfer_b = transfer_b.id
    from app.models import StatusChange

    # school B's line of its pupil's 学籍变动 history
    change_b = StatusChange(school_id=b.id, student_id=sb.id, kind="enrol", changed_on=date(2024, 9, 1), reason="乙校入学说明")
    db.session.add(change_b)
    db.session.commit()
    WORLD.status_change_b = change_b.id
    # school B sent its pupil to a third school, then withdrew (转出到本县学校): a record between B and C that
    # school A must never see; C is inactive, so that no count of the county's schools changes
    from app.rules import states
    from app.rules.transfers import file_handover, withdraw

    c = School(code="T0008", name="测试戊小学", stage="primary", town="古河镇", complaint_hotline="0550-8888888")
    db.session.add(c)
    db.session.flush()
    handover_b = file_handover(db.session, sb, c.id, date(2026, 10, 8), "乙校转出理由")
    withdraw(handover_b, db.session, {states.SYSTEM})
    c.active = False
    db.session.commit()
    WORLD.school_c, WORLD.handover_b = c.id, handover_b.id
    from app.models import ApplicationEvidence, FamilyMember, IdentificationApplication, IdentificationNotice, NoticeObjection

    # 认定程序: school B's application (being completed: members and evidence may still change) and its notice
    application_b = IdentificationApplication(student_id=sb.id, school_year="2026-2027", applied_on=date(2026, 9, 20),
                                              level_requested="special", factor_economy="乙校家庭经济情况",
                                              statement="乙校认定申请陈述")
    notice_b = IdentificationNotice(school_id=b.id, school_year="2026-2027", title="乙校认定公示", working_days=5,
                                    starts_on=date(2026, 10, 8), ends_on=date(2026, 10, 15))
    db.session.add_all([application_b, notice_b])
    db.session.flush()
    member_b = FamilyMember(application_id=application_b.id, relation="母亲", name="乙校家庭成员", age=38)
    evidence_b = ApplicationEvidence(application_id=application_b.id, name="乙校证明材料.png",
                                     path=storage.save(b"\x89PNG\r\n\x1a\n", "乙校证明材料.png"))
    objection_b = NoticeObjection(notice_id=notice_b.id, received_on=date(2026, 10, 9), content="乙校公示异议")
    db.session.add_all([member_b, evidence_b, objection_b])
    db.session.commit()
    WORLD.application_b, WORLD.notice_b = application_b.id, notice_b.id
    WORLD.member_b, WORLD.evidence_b, WORLD.objection_b = member_b.id, evidence_b.id, objection_b.id
    WORLD.material, WORLD.loan_a, WORLD.loan_b, WORLD.due_b, WORLD.reminder_b = (
        material.id, loan_a.id, loan_b.id, due_b.id, reminder_b.id)
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
