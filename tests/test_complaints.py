"""投诉处理: intake, every step allowed and refused by role, deadlines, the complainant's
confidentiality through every path, and the figures."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from io import BytesIO
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.kpi.complaints import complaint_figures
from app.models import Complaint, ComplaintStep, IdentityRead, School
from app.rules import RuleError
from app.rules import complaints as rules
from tests.conftest import WORLD, purge, visible_text

# each test's writes, through the screens too, are rolled back when it ends (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("rollback")

SECRET_NAME, SECRET_PHONE = "甲校保密投诉人", "13900001111"


def _register(client, **fields):
    data = {"kind": "complaint", "channel": "phone", "received_at": "2026-11-02 09:30:00", "school": WORLD.school_a,
            "complainant_name": "王投诉", "complainant_contact": "13800000000", "subject": "助学金未到账",
            "content": "家长反映本学期助学金未到账。"}
    data.update(fields)
    r = client.post("/complaintview/add", data=data)
    assert r.status_code == 302, visible_text(r)[:2000]
    with WORLD.app.app_context():
        return db.session.scalar(select(Complaint.id).where(Complaint.subject == data["subject"])
                                 .order_by(Complaint.id.desc()))


def _step(client, pk, action, **data):
    return client.post(f"/complaintview/step/{pk}/{action}", data=data)


def _complaint(pk):
    with WORLD.app.app_context():
        c = db.session.get(Complaint, pk)
        db.session.expunge(c)
        return c


def _steps(pk):
    with WORLD.app.app_context():
        return [(s.action, s.from_status, s.to_status, s.user.username if s.user else None, s.comment)
                for s in db.session.scalars(select(ComplaintStep).where(ComplaintStep.complaint_id == pk)
                                            .order_by(ComplaintStep.id))]


# --- the whole workflow, each role doing its part through the screens -------------------------------

def test_a_complaint_goes_from_registration_to_closing(app, center, officer_a, as_role):
    leader = as_role("t_leader")
    pk = _register(center, subject="流程测试投诉")
    c = _complaint(pk)
    assert (c.status, c.origin, c.school_id) == ("registered", "centre", WORLD.school_a)
    # the school does not see it before it is handed over
    assert "流程测试投诉" not in visible_text(officer_a.get("/complaintview/list/"))
    assert officer_a.get(f"/complaintview/show/{pk}").status_code == 404

    assert _step(center, pk, "submit", comment="请领导审阅").status_code == 302
    # the leader returns it: a reason is required
    r = _step(leader, pk, "return", comment="")
    assert r.status_code == 200 and "请说明退回原因" in visible_text(r)
    assert _complaint(pk).status == "awaiting_approval"
    assert _step(leader, pk, "return", comment="诉求不清，请补充").status_code == 302
    assert _complaint(pk).status == "returned"
    assert _step(center, pk, "submit").status_code == 302
    # the centre cannot approve for the leader
    r = _step(center, pk, "approve")
    assert "您的角色不能对该投诉执行此步骤" in visible_text(r)
    assert _step(leader, pk, "approve", comment="同意，请督查核实").status_code == 302
    assert _complaint(pk).status == "approved"

    # handed to the school concerned: now the school sees it, without the complainant
    assert _step(center, pk, "assign", handler="school").status_code == 302
    page = visible_text(officer_a.get(f"/complaintview/show/{pk}"))
    assert "流程测试投诉" in page and "王投诉" not in page and "13800000000" not in page
    r = _step(officer_a, pk, "find", findings="核实属实，系银行卡号错误", result="substantiated",
              rectification_demand="更正卡号并补发")
    assert r.status_code == 302
    c = _complaint(pk)
    assert (c.status, c.result, c.shared_with_school) == ("rectifying", "substantiated", True)
    assert _step(officer_a, pk, "rectify", rectification_done="").status_code == 200
    assert _step(officer_a, pk, "rectify", rectification_done="已更正卡号，11月10日补发").status_code == 302
    # the school cannot close it
    assert "您的角色" in visible_text(_step(officer_a, pk, "close", result="substantiated", reply="x",
                                            accountability="none"))
    r = _step(center, pk, "close", result="substantiated", reply="已补发，电话告知家长", accountability="notice")
    assert "请写明被追责人员" in visible_text(r)
    r = _step(center, pk, "close", result="substantiated", reply="已补发，电话告知家长", accountability="notice",
              accountable_persons="某校资助专干 张某")
    assert r.status_code == 302
    c = _complaint(pk)
    assert (c.status, c.accountability, c.accountable_persons) == ("closed", "notice", "某校资助专干 张某")
    assert c.closed_at is not None and c.reply == "已补发，电话告知家长"
    assert [s[:4] for s in _steps(pk)] == [
        ("submit", "registered", "awaiting_approval", "t_center"),
        ("return", "awaiting_approval", "returned", "t_leader"),
        ("submit", "returned", "awaiting_approval", "t_center"),
        ("approve", "awaiting_approval", "approved", "t_leader"),
        ("assign", "approved", "investigating", "t_center"),
        ("find", "investigating", "rectifying", "t_officer_a"),
        ("rectify", "rectifying", "rectified", "t_officer_a"),
        ("close", "rectified", "closed", "t_center"),
    ]
    # the timeline on the page shows each step with who and the comments
    page = visible_text(center.get(f"/complaintview/show/{pk}"))
    for text in ["报请领导", "领导退回", "诉求不清，请补充", "领导同意", "同意，请督查核实", "移交调查", "已办结"]:
        assert text in page, text
    # a closed complaint takes no more steps
    assert _step(center, pk, "close", result="unfounded", reply="x", accountability="none").status_code == 200
    assert _complaint(pk).result == "substantiated"


def test_a_supervisor_investigates_only_what_is_assigned_to_it(app, center, as_role, officer_a):
    supervisor, leader = as_role("t_supervisor"), as_role("t_leader")
    pk = _register(center, subject="督查调查投诉", school="")
    _step(center, pk, "submit")
    _step(leader, pk, "approve")
    # a complaint with no school cannot go to a school
    r = _step(center, pk, "assign", handler="school")
    assert "未涉及具体学校" in visible_text(r)
    r = _step(center, pk, "assign", handler="supervisor", assignee_id="")
    assert "请选择负责调查的督查人员" in visible_text(r)
    with app.app_context():
        from flask_appbuilder.security.sqla.models import User

        sup_id = db.session.scalar(select(User.id).where(User.username == "t_supervisor"))
    assert _step(center, pk, "assign", handler="supervisor", assignee_id=str(sup_id)).status_code == 302
    c = _complaint(pk)
    assert (c.handler, c.assignee_id, c.shared_with_school) == ("supervisor", sup_id, False)
    # the supervisor's home page lists it
    assert "督查调查投诉" in visible_text(supervisor.get("/"))
    assert officer_a.get(f"/complaintview/show/{pk}").status_code == 404
    r = _step(supervisor, pk, "find", findings="经核实不属实", result="unfounded")
    assert r.status_code == 302
    assert _complaint(pk).status == "investigated"
    assert _step(center, pk, "close", result="unfounded", reply="已向来电人解释政策", accountability="none").status_code == 302
    assert _complaint(pk).status == "closed"


def test_consultations_are_answered_directly(app, center, officer_a):
    pk = _register(center, kind="consult", subject="咨询高中助学金标准", school="")
    assert _step(center, pk, "answer", reply="").status_code == 200
    assert _step(center, pk, "answer", reply="一般困难1000元/年，困难2000元/年，特别困难3000元/年").status_code == 302
    c = _complaint(pk)
    assert (c.status, c.result) == ("closed", None)
    # a complaint cannot be "answered" past the leader
    pk2 = _register(center, subject="不能直接答复的投诉")
    assert _step(center, pk2, "answer", reply="x").status_code == 200
    assert _complaint(pk2).status == "registered"
    # a school answers the consultations of its own hotline
    pk3 = _register(officer_a, kind="consult", subject="本校热线咨询", school="")
    c = _complaint(pk3)
    assert (c.origin, c.school_id) == ("school", WORLD.school_a)
    assert _step(officer_a, pk3, "answer", reply="已电话答复").status_code == 302
    assert _complaint(pk3).status == "closed"


# --- every action × role × state, in the rules themselves ---------------------------------------------

ROLES = ["Admin", "AidCenter", "Leader", "Supervisor", "SchoolOfficer"]
ALLOWED = {
    # (action, from status): roles that may take it (a supervisor only when assigned, the school only when handed it)
    ("submit", "registered"): {"Admin", "AidCenter"},
    ("submit", "returned"): {"Admin", "AidCenter"},
    ("approve", "awaiting_approval"): {"Leader"},
    ("return", "awaiting_approval"): {"Leader"},
    ("assign", "approved"): {"Admin", "AidCenter"},
    ("find", "investigating"): {"Admin", "AidCenter", "Supervisor"},
    ("rectify", "rectifying"): {"Admin", "AidCenter", "SchoolOfficer"},
    ("close", "investigated"): {"Admin", "AidCenter"},
    ("close", "rectified"): {"Admin", "AidCenter"},
}


@pytest.mark.parametrize("status", [s for s, _ in __import__("app.models.complaints", fromlist=["x"]).COMPLAINT_STATUSES])
@pytest.mark.parametrize("action", list(rules.ACTIONS))
def test_each_step_is_allowed_exactly_to_its_roles_and_states(app, status, action):
    complaint = SimpleNamespace(status=status, kind="complaint", origin="centre", handler="supervisor", assignee_id=7,
                                school_id=1)
    for role in ROLES:
        allowed = role in ALLOWED.get((action, status), set())
        assert (action in rules.available_actions(complaint, [role], user_id=7)) is allowed, (action, status, role)
    # the same with the transition itself: a refused step changes nothing
    with app.test_request_context():
        for role in ROLES:
            if role in ALLOWED.get((action, status), set()):
                continue
            c = SimpleNamespace(**vars(complaint))
            with pytest.raises(RuleError):
                rules.transition(c, action, [role], db.session, user=SimpleNamespace(id=7), data={})
            assert c.status == status


def test_the_handler_decides_who_investigates(app):
    base = dict(status="investigating", kind="complaint", origin="centre", school_id=1)
    by_school = SimpleNamespace(handler="school", assignee_id=None, **base)
    by_supervisor = SimpleNamespace(handler="supervisor", assignee_id=7, **base)
    assert rules.available_actions(by_school, ["SchoolOfficer"]) == ["find"]
    assert rules.available_actions(by_school, ["Supervisor"], user_id=7) == []
    assert rules.available_actions(by_supervisor, ["Supervisor"], user_id=7) == ["find"]
    assert rules.available_actions(by_supervisor, ["Supervisor"], user_id=8) == []
    assert rules.available_actions(by_supervisor, ["SchoolOfficer"]) == []
    consult = SimpleNamespace(status="registered", kind="consult", origin="centre", handler=None, assignee_id=None,
                              school_id=1)
    assert rules.available_actions(consult, ["SchoolOfficer"]) == []
    consult.origin = "school"
    assert rules.available_actions(consult, ["SchoolOfficer"]) == ["answer"]
    assert rules.available_actions(consult, ["AidCenter"]) == ["submit", "answer"]


def test_the_api_refuses_what_the_screen_refuses(app, api):
    center, officer, leader = api("t_center"), api("t_officer_a"), api("t_leader")
    r = center.post("/api/v1/complaint/", json={"kind": "complaint", "channel": "online", "school": WORLD.school_a,
                                                "complainant_name": "接口投诉人", "complainant_contact": "13700000000",
                                                "subject": "接口登记投诉", "content": "网上来信"})
    assert r.status_code == 201, r.get_json()
    pk = r.get_json()["id"]
    assert "接口投诉人" not in r.get_data(as_text=True)
    assert center.post(f"/api/v1/complaint/{pk}/step", json={"action": "approve"}).status_code == 422
    assert officer.post(f"/api/v1/complaint/{pk}/step", json={"action": "submit"}).status_code == 404  # not handed over
    assert center.post(f"/api/v1/complaint/{pk}/step", json={"action": "submit"}).get_json()["status"] == "awaiting_approval"
    r = leader.post(f"/api/v1/complaint/{pk}/step", json={"action": "return"})
    assert r.status_code == 422 and "comment" in r.get_json()["message"]
    r = leader.post(f"/api/v1/complaint/{pk}/step", json={"action": "approve", "comment": "同意"})
    assert r.status_code == 200 and r.get_json()["status"] == "approved"
    r = leader.post(f"/api/v1/complaint/{pk}/step", json={"action": "approve"})
    assert r.status_code == 422 and "status" in r.get_json()["message"]
    assert center.post(f"/api/v1/complaint/{pk}/step", json={"action": "fly"}).status_code == 422
    # once approved, the registration is no longer corrected
    assert center.put(f"/api/v1/complaint/{pk}", json={"subject": "改了"}).status_code == 422
    r = center.post(f"/api/v1/complaint/{pk}/step", json={"action": "assign", "handler": "school"})
    assert r.get_json()["status"] == "investigating"
    r = officer.post(f"/api/v1/complaint/{pk}/step", json={"action": "find", "findings": "不属实", "result": "unfounded"})
    assert r.status_code == 200 and r.get_json()["status"] == "investigated"


def test_an_intake_needs_its_content_and_a_complainant_unless_anonymous(app, center):
    r = center.post("/complaintview/add", data={"kind": "complaint", "channel": "phone", "subject": "缺投诉人",
                                                "content": "内容", "received_at": "2026-11-02 09:30:00"})
    assert r.status_code == 200 and "请填写投诉人姓名或联系方式，或勾选匿名" in visible_text(r)
    r = center.post("/complaintview/add", data={"kind": "complaint", "channel": "phone", "subject": "未来来信",
                                                "content": "内容", "complainant_name": "某", "received_at": "2099-01-01 09:30:00"})
    assert r.status_code == 200 and "不能晚于今天" in visible_text(r)
    pk = _register(center, subject="匿名举报", anonymous="y", complainant_name="本应丢弃", kind="report")
    c = _complaint(pk)
    assert c.anonymous and c.complainant_name is None and c.complainant_contact is None
    page = visible_text(center.get(f"/complaintview/show/{pk}"))
    assert "匿名" in page and "查看投诉人" not in page


# --- confidentiality ---------------------------------------------------------------------------------

def test_a_school_never_sees_the_complainant_of_a_centre_complaint(app, officer_a, api):
    pk = WORLD.complaint_a
    # it sees the complaint handed to it, with what to rectify
    page = visible_text(officer_a.get(f"/complaintview/show/{pk}"))
    assert "甲校移交投诉" in page and "甲校投诉整改要求" in page
    leaks = [SECRET_NAME, SECRET_PHONE]

    def clean(response, where):
        if response.mimetype.endswith("sheet"):
            sheet = load_workbook(BytesIO(response.data)).active
            body = " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None)
        else:
            body = response.get_data(as_text=True)
        for leak in leaks:
            assert leak not in body, f"{where} shows {leak}"

    for url in ["/complaintview/list/", f"/complaintview/show/{pk}", "/complaintview/export/",
                f"/complaintview/list/?_flt_0_complainant_name={SECRET_NAME}",
                f"/complaintview/list/?_flt_2_complainant_name={SECRET_NAME}", "/", "/complaintview/step/%d/rectify" % pk]:
        r = officer_a.get(url)
        assert r.status_code in (200, 302), url
        clean(r, url)
    # the edit form (which carries the complainant) is not offered
    r = officer_a.get(f"/complaintview/edit/{pk}")
    assert r.status_code == 302
    clean(officer_a.get(f"/complaintview/edit/{pk}", follow_redirects=True), "edit")
    # revealing it is refused
    assert officer_a.post(f"/complaintview/identity/{pk}").status_code == 403
    jwt = api("t_officer_a")
    for url in ["/api/v1/complaint/", f"/api/v1/complaint/{pk}",
                f"/api/v1/complaint/?q=(filters:!((col:complainant_name,opr:ct,value:{SECRET_NAME})))"]:
        r = jwt.get(url)
        clean(r, url)
    assert jwt.get(f"/api/v1/complaint/{pk}/identity").status_code == 403
    assert jwt.put(f"/api/v1/complaint/{pk}", json={"subject": "改"}).status_code in (403, 422)
    with app.app_context():
        assert not db.session.scalars(select(IdentityRead).where(IdentityRead.complaint_id == pk)).all()


def test_a_school_sees_the_complainant_of_its_own_hotline_and_the_look_is_recorded(app, officer_a, api):
    pk = _register(officer_a, subject="本校热线投诉", complainant_name="热线来电人", complainant_contact="13600000000",
                   school="")
    page = visible_text(officer_a.get(f"/complaintview/show/{pk}"))
    assert "热线来电人" not in page and "查看投诉人" in page
    r = officer_a.post(f"/complaintview/identity/{pk}")
    assert r.status_code == 200 and "热线来电人" in visible_text(r) and "13600000000" in visible_text(r)
    r = api("t_officer_a").get(f"/api/v1/complaint/{pk}/identity")
    assert r.get_json()["name"] == "热线来电人"
    with app.app_context():
        reads = db.session.execute(select(IdentityRead.channel, IdentityRead.user_id)
                                   .where(IdentityRead.complaint_id == pk).order_by(IdentityRead.id)).all()
        assert [c for c, _ in reads] == ["show", "api"]


def test_the_centre_sees_the_complainant_on_request_and_who_looked(app, center, as_role, api):
    pk = WORLD.complaint_a
    page = visible_text(center.get(f"/complaintview/show/{pk}"))
    assert SECRET_NAME not in page  # hidden until asked for
    r = center.post(f"/complaintview/identity/{pk}")
    assert SECRET_NAME in visible_text(r) and SECRET_PHONE in visible_text(r)
    assert SECRET_NAME in api("t_leader").get(f"/api/v1/complaint/{pk}/identity").get_json()["name"]
    page = visible_text(center.get(f"/complaintview/show/{pk}"))
    assert "t_center" in page and "t_leader" in page  # who has seen the complainant
    # a list, an export or an API list never carries it, for anyone
    for url in ["/complaintview/list/", "/complaintview/export/"]:
        r = center.get(url)
        body = r.get_data(as_text=True) if not r.mimetype.endswith("sheet") else " ".join(
            str(v) for row in load_workbook(BytesIO(r.data)).active.iter_rows(values_only=True) for v in row if v)
        assert SECRET_NAME not in body
    assert SECRET_NAME not in api("t_center").get("/api/v1/complaint/").get_data(as_text=True)


def test_a_school_does_not_see_complaints_about_it_that_were_not_handed_over(app, officer_a, api):
    assert "甲校未移交举报" not in visible_text(officer_a.get("/complaintview/list/"))
    assert officer_a.get(f"/complaintview/show/{WORLD.complaint_a_hidden}").status_code == 404
    assert api("t_officer_a").get(f"/api/v1/complaint/{WORLD.complaint_a_hidden}").status_code == 404


# --- deadlines -----------------------------------------------------------------------------------------

def test_a_stage_is_overdue_the_day_after_its_days_run_out(app):
    with app.app_context():
        days = app.config["COMPLAINT_STAGE_DAYS"]["awaiting_approval"]
        start = datetime(2026, 3, 2, 16, 0)
        c = SimpleNamespace(status="awaiting_approval", kind="complaint", received_at=start, stage_since=start)
        due = date(2026, 3, 2) + timedelta(days=days)
        assert rules.due_date(c) == due
        assert not rules.is_overdue(c, today=due)
        assert rules.is_overdue(c, today=due + timedelta(days=1))
        # a stage cannot run past the closing deadline of the whole case
        c = SimpleNamespace(status="rectifying", kind="complaint", received_at=datetime(2026, 3, 1, 8, 0),
                            stage_since=datetime(2026, 3, 25, 8, 0))
        assert rules.due_date(c) == date(2026, 3, 31) == rules.closing_deadline(c)
        closed = SimpleNamespace(status="closed", kind="consult", received_at=datetime(2026, 3, 1, 8, 0),
                                 closed_at=datetime(2026, 3, 6, 23, 0))
        assert rules.due_date(closed) is None and rules.closed_on_time(closed)
        closed.closed_at = datetime(2026, 3, 7, 0, 1)
        assert not rules.closed_on_time(closed)


def test_the_days_are_configurable(app):
    with app.app_context():
        old = dict(app.config["COMPLAINT_STAGE_DAYS"])
        try:
            app.config["COMPLAINT_STAGE_DAYS"]["registered"] = 10
            c = SimpleNamespace(status="registered", kind="complaint", received_at=datetime(2026, 3, 1),
                                stage_since=datetime(2026, 3, 1))
            assert rules.due_date(c) == date(2026, 3, 11)
        finally:
            app.config["COMPLAINT_STAGE_DAYS"] = old


def test_overdue_complaints_stand_out_on_the_centre_and_leader_home_pages(app, center, as_role, officer_a):
    with app.app_context():
        late = Complaint(school_id=WORLD.school_a, origin="centre", channel="phone", kind="complaint",
                         received_at=datetime.utcnow() - timedelta(days=10), stage_since=datetime.utcnow() - timedelta(days=10),
                         complainant_name="某", subject="逾期未处理的投诉", content="内容", status="awaiting_approval")
        db.session.add(late)
        db.session.commit()
        pk = late.id
    for client in (center, as_role("t_leader")):
        page = visible_text(client.get("/"))
        assert "逾期未处理的投诉" in page and "超期未办的投诉" in page
    assert "逾期未处理的投诉" not in visible_text(officer_a.get("/"))
    assert "逾期" in visible_text(center.get("/complaintview/list/"))
    with app.app_context():
        purge(db.session.get(Complaint, pk))
        db.session.commit()


# --- figures -------------------------------------------------------------------------------------------

def test_figures_by_hand(app):
    """2019: five cases. Hand-counted below."""
    with app.app_context():
        a, b = WORLD.school_a, WORLD.school_b
        d = datetime
        rows = [
            # kind, school, received, closed, result
            ("consult", a, d(2019, 1, 5, 9), d(2019, 1, 8, 9), None),                # on time (5 days)
            ("complaint", a, d(2019, 1, 20, 9), d(2019, 3, 1, 9), "substantiated"),  # 40 days: late
            ("report", b, d(2019, 3, 3, 9), d(2019, 3, 13, 9), "unfounded"),         # on time
            ("complaint", None, d(2019, 3, 10, 9), d(2019, 4, 9, 18), "partly"),     # exactly 30 days: on time
            ("complaint", a, d(2019, 12, 20, 9), None, None),                        # open, long overdue
        ]
        ids = []
        for kind, school, received, closed, result in rows:
            c = Complaint(school_id=school, channel="phone", kind=kind, received_at=received, stage_since=received,
                          complainant_name="某", subject="统计", content="统计", status="closed" if closed else "registered",
                          closed_at=closed, result=result)
            db.session.add(c)
            db.session.flush()
            ids.append(c.id)
        db.session.commit()
        try:
            f = complaint_figures(db.session, 2019, today=date(2026, 11, 28))
            assert f.total == 5
            assert f.by_kind == {"consult": 1, "complaint": 3, "report": 1}
            assert f.by_month[0] == {"consult": 1, "complaint": 1, "report": 0}
            assert f.by_month[2] == {"consult": 0, "complaint": 1, "report": 1}
            assert f.by_month[11] == {"consult": 0, "complaint": 1, "report": 0}
            assert sum(sum(m.values()) for m in f.by_month) == 5
            assert (f.closed, f.closed_on_time, f.on_time_share) == (4, 3, 0.75)
            assert (f.with_result, f.substantiated, f.partly) == (3, 1, 1)
            assert f.substantiated_share == pytest.approx(2 / 3)
            assert (f.open, f.overdue) == (1, 1)
            by_school = {r.school_id: (r.total, r.by_kind["complaint"], r.substantiated) for r in f.schools}
            assert by_school == {a: (3, 2, 1), b: (1, 0, 0), None: (1, 1, 1)}
            assert f.schools[0].school_id == a
            empty = complaint_figures(db.session, 2018)
            assert empty.total == 0 and empty.on_time_share is None and empty.substantiated_share is None
        finally:
            for pk in ids:
                purge(db.session.get(Complaint, pk))
            db.session.commit()


def test_the_figures_page_shows_the_year(app, center, as_role, officer_a):
    page = visible_text(center.get("/complaints/figures/?year=2026"))
    assert "按月统计" in page and "分学校" in page and "测试甲中学" in page
    assert as_role("t_leader").get("/complaints/figures/").status_code == 200
    assert officer_a.get("/complaints/figures/").status_code in (302, 403)


def test_officer_registration_is_its_own_school(app, officer_a):
    with app.app_context():
        school_b_name = db.session.get(School, WORLD.school_b).name
    assert school_b_name not in officer_a.get("/complaintview/add").get_data(as_text=True)


