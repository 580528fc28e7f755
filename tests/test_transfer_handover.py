"""转出到本县学校: school A sends its pupil to school B of the county; B accepts it (or declines).

As the people who do it, by form and by API: officer A files from the pupil's page; officer B reads,
among its incoming pupils, only what recognises the child (name, gender, grade, masked ID number,
the sending school) and accepts into a grade and class of its own, or declines with a reason A reads;
A may withdraw while it waits; the centre sees every transfer and may answer a stuck one. On
acceptance the pupil and its records move to B, the history names both schools, and A sees the
pupil no more. A third school sees nothing of any of it, on any page or endpoint.
"""
from __future__ import annotations

from datetime import date

import pytest
from flask import g
from sqlalchemy import delete, select

from app import clock
from app.rules import idcard
from app.extensions import db
from app.models import Identification, InfoOfficer, School, SchoolTransfer, StatusChange, Student, TransferRequest
from app.models.outreach import HomeVisit
from app.rules import RuleError
from app.security.scope import ScopeViolation
from tests.conftest import WORLD, purge, visible_text

PUPIL = "甲校转本县学生"
REASON = "家庭8月迁入古河镇居住"
# what school B never reads of school A's pupil, before or after: its class there, its records at A
A_ONLY = ("7班", REASON, "甲校走访发现")


@pytest.fixture(scope="module")
def school_c(app):
    """A third school of the county, with its officer: it must see nothing of A's and B's transfer."""
    from app.cli import create_user

    with app.app_context():
        school = School(code="T0009", name="测试丙小学", stage="primary", town="武岗镇", complaint_hotline="0550-9999999")
        db.session.add(school)
        db.session.commit()
        create_user("t_officer_c", "SchoolOfficer", "Test@2021pw", school_code="T0009")
        school_id = school.id
    yield school_id
    with app.app_context():
        user = db.session.scalars(select(app.appbuilder.sm.user_model).filter_by(username="t_officer_c")).one()
        user.active = False  # the account stays (its logins are on record); the school goes
        db.session.connection().execute(delete(InfoOfficer).where(InfoOfficer.school_id == school_id))
        purge(db.session.get(School, school_id))
        db.session.commit()


@pytest.fixture()
def pupil(app):
    """A pupil of school A with an identification and a home visit (records that follow it)."""
    with app.app_context():
        pupil = Student(school_id=WORLD.school_a, name=PUPIL, id_number=idcard.make("341124", date(2013, 4, 5), 741),
                        grade="高二", class_name="7班", enrolment_year=2024)
        db.session.add(pupil)
        db.session.flush()
        ident = Identification(student_id=pupil.id, school_year="2026-2027", level="difficult", cat_subsistence=True,
                               evidence_source="civil_affairs", identified_on=date(2026, 9, 10))
        visit = HomeVisit(student_id=pupil.id, visit_type="receiving_aid", visited_on=date(2026, 9, 20), visitors="甲校班主任",
                          findings="甲校走访发现")
        db.session.add_all([ident, visit])
        db.session.commit()
        ids = pupil.id, pupil.id_number, ident.id, visit.id
    yield ids
    with app.app_context():
        conn = db.session.connection()
        conn.execute(delete(SchoolTransfer).where(SchoolTransfer.student_id == ids[0]))
        conn.execute(delete(TransferRequest).where(TransferRequest.id_number == ids[1]))
        purge(db.session.get(HomeVisit, ids[3]), db.session.get(Identification, ids[2]), db.session.get(Student, ids[0]))
        db.session.commit()


def _start(client, student_id, **over):
    data = {"to_school": WORLD.school_b, "left_on": clock.today().isoformat(), "reason": REASON, **over}
    return client.post(f"/transferhandoverview/start/{student_id}", data=data)


def _transfers(student_id):
    return db.session.scalars(select(SchoolTransfer).where(SchoolTransfer.student_id == student_id)
                              .order_by(SchoolTransfer.id)).all()


def _filed(app, client, student_id):
    assert _start(client, student_id).status_code == 302
    with app.app_context():
        return _transfers(student_id)[-1].id


def _not_found(response):
    return response.status_code in (302, 403, 404)


def test_the_sending_school_files_from_the_pupils_page_and_the_receiving_school_reads_only_the_child(
        app, as_role, api, pupil, school_c):
    student_id, number, _, _ = pupil
    officer_a, officer_b, officer_c = as_role("t_officer_a"), as_role("t_officer_b"), as_role("t_officer_c")
    page = officer_a.get(f"/studentview/show/{student_id}").get_data(as_text=True)
    assert f"/transferhandoverview/start/{student_id}" in page and "转出到本县学校" in page
    form = visible_text(officer_a.get(f"/transferhandoverview/start/{student_id}"))
    # a select of the county's schools (names only), the pupil's own school left out
    assert "测试乙小学" in form and "测试丙小学" in form and "0550-2222222" not in form
    assert "必填" in visible_text(_start(officer_a, student_id, reason=" "))
    assert "不能晚于今天" in visible_text(_start(officer_a, student_id, left_on=date(2099, 1, 1).isoformat())) or \
        "未来" in visible_text(_start(officer_a, student_id, left_on=date(2099, 1, 1).isoformat()))
    pk = _filed(app, officer_a, student_id)
    with app.app_context():
        (t,) = _transfers(student_id)
        assert (t.school_id, t.to_school_id, t.status, t.left_on, t.reason) == (
            WORLD.school_a, WORLD.school_b, "pending", clock.today(), REASON)
        assert (t.name, t.gender, t.grade, t.id_number_masked) == (PUPIL, "F" if int(number[16]) % 2 == 0 else "M",
                                                                    "高二", idcard.mask(number))
        pupil_now = db.session.get(Student, student_id)
        assert (pupil_now.school_id, pupil_now.status) == (WORLD.school_a, "in_school")
    # A second transfer while the first waits is refused
    assert "已有一项转学等待答复" in visible_text(_start(officer_a, student_id, to_school=school_c))
    with app.app_context():
        assert len(_transfers(student_id)) == 1
    # B: on its to-do, on the menu's page, on the transfer's page: the child, nothing more
    home = visible_text(officer_b.get("/"))
    assert "待接收的转入学生" in home and PUPIL in home
    for url in ("/transferhandoverview/incoming/", f"/transferhandoverview/show/{pk}", "/transferhandoverview/list/"):
        response = officer_b.get(url)
        text = visible_text(response)
        assert PUPIL in text and "测试甲中学" in text and idcard.mask(number) in text and "高二" in text, url
        assert not [s for s in A_ONLY if s in text], url
        assert number not in response.get_data(as_text=True)
    assert "女" in visible_text(officer_b.get(f"/transferhandoverview/show/{pk}")) or \
        "男" in visible_text(officer_b.get(f"/transferhandoverview/show/{pk}"))
    # nor the pupil's record itself, nor its records, until B has accepted it
    assert _not_found(officer_b.get(f"/studentview/show/{student_id}"))
    assert PUPIL not in visible_text(officer_b.get("/studentview/list/"))
    # A reads its own reason and may withdraw; B reads neither
    a_page = visible_text(officer_a.get(f"/transferhandoverview/show/{pk}"))
    assert REASON in a_page and "撤回转学" in a_page and "接收该生" not in a_page
    b_page = visible_text(officer_b.get(f"/transferhandoverview/show/{pk}"))
    assert "接收该生" in b_page and "撤回转学" not in b_page
    # the API answers the same, masked, without the reason
    body = api("t_officer_b").get(f"/api/v1/school_transfer/{pk}").get_json()["result"]
    assert body["name"] == PUPIL and body["id_number_masked"] == idcard.mask(number) and "reason" not in body
    # a third school: nothing, on any page or endpoint
    assert PUPIL not in visible_text(officer_c.get("/")) and PUPIL not in visible_text(officer_c.get(
        "/transferhandoverview/list/"))
    assert PUPIL not in visible_text(officer_c.get("/transferhandoverview/incoming/"))
    assert _not_found(officer_c.get(f"/transferhandoverview/show/{pk}"))
    assert _not_found(officer_c.get(f"/transferhandoverview/decline/{pk}"))
    api_c = api("t_officer_c")
    assert api_c.get(f"/api/v1/school_transfer/{pk}").status_code == 404
    assert api_c.get("/api/v1/school_transfer/").get_json()["count"] == 0


def test_the_receiving_school_accepts_and_the_pupil_moves_with_its_records(app, as_role, api, pupil, school_c):
    student_id, number, ident_id, visit_id = pupil
    officer_a, officer_b, officer_c = as_role("t_officer_a"), as_role("t_officer_b"), as_role("t_officer_c")
    pk = _filed(app, officer_a, student_id)
    accept = {"joined_grade": "五年级", "joined_class": "3班"}
    # the sending school does not accept its own transfer; a third school does not find it
    assert "转出学校不能答复自己的转学" in visible_text(officer_a.post(f"/transferhandoverview/accept/{pk}", data=accept,
                                                              follow_redirects=True))
    assert api("t_officer_a").post(f"/api/v1/school_transfer/{pk}/step",
                                   json={"action": "accept", **accept}).status_code == 422
    assert _not_found(officer_c.post(f"/transferhandoverview/accept/{pk}", data=accept))
    assert api("t_officer_c").post(f"/api/v1/school_transfer/{pk}/step",
                                   json={"action": "accept", **accept}).status_code == 404
    # a grade of another stage, or no class, is refused
    assert "小学" in visible_text(officer_b.post(f"/transferhandoverview/accept/{pk}",
                                                data={**accept, "joined_grade": "高二"}, follow_redirects=True))
    officer_b.post(f"/transferhandoverview/accept/{pk}", data={**accept, "joined_class": ""})
    with app.app_context():
        assert db.session.get(SchoolTransfer, pk).status == "pending"
        assert db.session.get(Student, student_id).school_id == WORLD.school_a
    # the B page's form
    r = officer_b.post(f"/transferhandoverview/accept/{pk}", data=accept, follow_redirects=True)
    assert "该生已转入本校" in visible_text(r)
    with app.app_context():
        moved = db.session.get(Student, student_id)
        assert (moved.school_id, moved.grade, moved.class_name, moved.status) == (
            WORLD.school_b, "五年级", "3班", "in_school")
        assert db.session.get(Identification, ident_id).school_id == WORLD.school_b
        assert db.session.get(HomeVisit, visit_id).school_id == WORLD.school_b
        t = db.session.get(SchoolTransfer, pk)
        assert (t.status, t.joined_grade, t.joined_class, t.school_id) == ("accepted", "五年级", "3班", WORLD.school_a)
        assert t.decided_by.username == "t_officer_b" and t.decided_at is not None
        changes = db.session.scalars(select(StatusChange).where(StatusChange.student_id == student_id)
                                     .order_by(StatusChange.id)).all()
        assert [(c.kind, c.school_id, c.other_school_id) for c in changes] == [
            ("transfer_out", WORLD.school_a, WORLD.school_b), ("transfer_in", WORLD.school_b, WORLD.school_a)]
        assert changes[0].reason == REASON and changes[0].changed_on == clock.today()
        assert "测试甲中学" in changes[1].reason and changes[1].recorded_by.username == "t_officer_b"
    # B: the pupil on its list, its page with the history naming both schools
    assert PUPIL in visible_text(officer_b.get("/studentview/list/?_flt_0_status=in_school"))
    page = visible_text(officer_b.get(f"/studentview/show/{student_id}"))
    assert "转入" in page and "测试乙小学" in page and "测试甲中学" in page
    # A: the pupil and its records are gone from its pages; its own line of the history stays
    assert _not_found(officer_a.get(f"/studentview/show/{student_id}"))
    assert _not_found(officer_a.get(f"/identificationview/show/{ident_id}"))
    assert _not_found(officer_a.get(f"/homevisitview/show/{visit_id}"))
    assert PUPIL not in visible_text(officer_a.get("/studentview/list/"))
    assert "甲校走访发现" not in visible_text(officer_a.get("/homevisitview/list/"))
    assert "已接收" in visible_text(officer_a.get(f"/transferhandoverview/show/{pk}"))
    lines = visible_text(officer_a.get("/statuschangeview/list/"))
    assert "转出" in lines and "测试乙小学" in lines
    # answered is answered
    assert "已答复或撤回" in visible_text(officer_b.post(f"/transferhandoverview/accept/{pk}", data=accept,
                                                      follow_redirects=True))
    # C still sees nothing
    assert _not_found(officer_c.get(f"/studentview/show/{student_id}"))
    assert _not_found(officer_c.get(f"/transferhandoverview/show/{pk}"))


def test_the_receiving_school_declines_with_a_reason_the_sending_school_reads(app, as_role, pupil):
    student_id = pupil[0]
    officer_a, officer_b = as_role("t_officer_a"), as_role("t_officer_b")
    pk = _filed(app, officer_a, student_id)
    assert "转出学校不能答复自己的转学" in visible_text(officer_a.post(f"/transferhandoverview/decline/{pk}",
                                                              data={"answer": "自己拒收"}))
    assert "请填写拒收理由" in visible_text(officer_b.post(f"/transferhandoverview/decline/{pk}", data={"answer": " "}))
    with app.app_context():
        assert db.session.get(SchoolTransfer, pk).status == "pending"
    assert officer_b.post(f"/transferhandoverview/decline/{pk}", data={"answer": "本校六年级学位已满"}).status_code == 302
    with app.app_context():
        t = db.session.get(SchoolTransfer, pk)
        assert (t.status, t.answer, t.decided_by.username) == ("declined", "本校六年级学位已满", "t_officer_b")
        stays = db.session.get(Student, student_id)
        assert (stays.school_id, stays.status, stays.grade) == (WORLD.school_a, "in_school", "高二")
        assert db.session.scalars(select(StatusChange).where(StatusChange.student_id == student_id)).all() == []
    text = visible_text(officer_a.get(f"/transferhandoverview/show/{pk}"))
    assert "已拒收" in text and "本校六年级学位已满" in text
    assert PUPIL in visible_text(officer_a.get("/studentview/list/?_flt_0_status=in_school"))
    assert PUPIL not in visible_text(officer_b.get("/transferhandoverview/incoming/"))
    # a declined transfer does not stand in the way of the next one
    assert _start(officer_a, student_id).status_code == 302


def test_the_sending_school_withdraws_while_it_waits(app, as_role, api, pupil):
    student_id = pupil[0]
    officer_a, officer_b = as_role("t_officer_a"), as_role("t_officer_b")
    pk = _filed(app, officer_a, student_id)
    assert "撤回" in visible_text(officer_b.post(f"/transferhandoverview/withdraw/{pk}", follow_redirects=True))
    assert api("t_officer_b").post(f"/api/v1/school_transfer/{pk}/step", json={"action": "withdraw"}).status_code == 422
    with app.app_context():
        assert db.session.get(SchoolTransfer, pk).status == "pending"
    assert "已撤回" in visible_text(officer_a.post(f"/transferhandoverview/withdraw/{pk}", follow_redirects=True))
    with app.app_context():
        t = db.session.get(SchoolTransfer, pk)
        assert t.status == "withdrawn" and db.session.get(Student, student_id).school_id == WORLD.school_a
    assert PUPIL not in visible_text(officer_b.get("/transferhandoverview/incoming/"))
    assert "已答复或撤回" in visible_text(officer_b.post(f"/transferhandoverview/accept/{pk}",
                                                      data={"joined_grade": "五年级", "joined_class": "3班"},
                                                      follow_redirects=True))
    with app.app_context():
        assert db.session.get(Student, student_id).school_id == WORLD.school_a


def test_the_centre_sees_every_transfer_and_answers_a_stuck_one(app, as_role, pupil):
    student_id = pupil[0]
    pk = _filed(app, as_role("t_officer_a"), student_id)
    centre = as_role("t_center")
    assert PUPIL in visible_text(centre.get("/transferhandoverview/list/"))
    assert PUPIL in visible_text(centre.get("/transferhandoverview/incoming/"))
    text = visible_text(centre.get(f"/transferhandoverview/show/{pk}"))
    assert REASON in text and "接收该生" in text
    r = centre.post(f"/transferhandoverview/accept/{pk}", data={"joined_grade": "五年级", "joined_class": "3班"})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(Student, student_id).school_id == WORLD.school_b
        assert db.session.get(SchoolTransfer, pk).decided_by.username == "t_center"
    # the leader reads, never answers
    leader = as_role("t_leader")
    assert PUPIL in visible_text(leader.get("/transferhandoverview/list/"))


def test_by_the_api_the_sending_school_files_and_the_receiving_school_answers(app, api, pupil, school_c):
    student_id, number, ident_id, _ = pupil
    api_a, api_b, api_c = api("t_officer_a"), api("t_officer_b"), api("t_officer_c")
    body = {"student": student_id, "to_school": WORLD.school_b, "left_on": clock.today().isoformat(),
            "reason": REASON}
    # in another school's name, with the relationship's name, for another school's pupil: refused
    assert api_a.post("/api/v1/school_transfer/", json={**body, "school": WORLD.school_b}).status_code in (400, 422)
    assert api_a.post("/api/v1/school_transfer/", json={**body, "school_id": WORLD.school_b}).status_code in (400, 422)
    r = api_a.post("/api/v1/school_transfer/", json={**{k: v for k, v in body.items() if k != "to_school"},
                                                     "to_school_id": WORLD.school_b})
    assert r.status_code in (400, 422)
    assert api_a.post("/api/v1/school_transfer/", json={**body, "to_school": {"name": "新学校"}}).status_code in (400, 422)
    assert api_a.post("/api/v1/school_transfer/", json={**body, "student": WORLD.student_b}).status_code in (403, 422)
    assert api_b.post("/api/v1/school_transfer/", json={**body, "to_school": school_c}).status_code in (403, 422)
    assert api_c.post("/api/v1/school_transfer/", json={**body, "to_school": school_c}).status_code in (403, 422)
    assert api_a.post("/api/v1/school_transfer/", json={**body, "to_school": WORLD.school_a}).status_code == 422
    with app.app_context():
        assert _transfers(student_id) == []
    r = api_a.post("/api/v1/school_transfer/", json={**body, "name": "改过的名字", "status": "accepted"})
    assert r.status_code in (400, 422)  # neither the copy of the pupil nor the state is the client's to give
    r = api_a.post("/api/v1/school_transfer/", json=body)
    assert r.status_code == 201, r.get_data(as_text=True)
    pk = r.get_json()["id"]
    with app.app_context():
        t = db.session.get(SchoolTransfer, pk)
        assert (t.school_id, t.to_school_id, t.name, t.status) == (WORLD.school_a, WORLD.school_b, PUPIL, "pending")
    # no PUT, no DELETE: a transfer changes only by its steps
    assert api_b.put(f"/api/v1/school_transfer/{pk}", json={"reason": "乙校改"}).status_code in (401, 403, 404, 405)
    assert api_a.delete(f"/api/v1/school_transfer/{pk}").status_code in (401, 403, 404, 405)
    assert api_b.post(f"/api/v1/school_transfer/{pk}/step", json={"action": "close"}).status_code == 422
    assert api_b.post(f"/api/v1/school_transfer/{pk}/step",
                      json={"action": "accept", "joined_grade": "五年级"}).status_code == 422
    r = api_b.post(f"/api/v1/school_transfer/{pk}/step",
                   json={"action": "accept", "joined_grade": "五年级", "joined_class": "3班"})
    assert r.status_code == 200 and r.get_json()["status"] == "accepted"
    with app.app_context():
        assert db.session.get(Student, student_id).school_id == WORLD.school_b
        assert db.session.get(Identification, ident_id).school_id == WORLD.school_b
    assert api_a.get(f"/api/v1/student/{student_id}").status_code == 404
    assert api_b.get(f"/api/v1/student/{student_id}").status_code == 200
    listed = api_c.get("/api/v1/school_transfer/").get_json()
    assert listed["count"] == 0


def _as(app, username):
    ctx = app.test_request_context("/")
    ctx.push()
    g.user = db.session.scalars(select(app.appbuilder.sm.user_model).filter_by(username=username)).one()
    return ctx


def _refused(app, username, write):
    """As the user, in a request: the write is refused when the session flushes."""
    ctx = _as(app, username)
    try:
        write()
        with pytest.raises((RuleError, ScopeViolation)):
            db.session.flush()
    finally:
        db.session.rollback()
        db.session.remove()
        ctx.pop()


def test_below_the_screens_a_transfer_changes_only_by_its_steps_and_its_schools(app, as_role, pupil, school_c):
    """What a form, an API body or a script writes is judged at the flush: the state, the schools, the
    pupil and the copy of it are not written by hand; the receiving school never files in the sending
    school's name; a third school touches nothing."""
    student_id = pupil[0]
    pk = _filed(app, as_role("t_officer_a"), student_id)
    for username, change in [("t_officer_b", {"status": "accepted"}), ("t_officer_b", {"to_school_id": school_c}),
                             ("t_officer_b", {"joined_grade": "六年级"}), ("t_officer_a", {"status": "withdrawn"}),
                             ("t_officer_a", {"name": "改名"}), ("t_officer_a", {"reason": "改理由"}),
                             ("t_officer_a", {"to_school_id": school_c}), ("t_center", {"student_id": WORLD.student_a})]:
        _refused(app, username, lambda: [setattr(db.session.get(SchoolTransfer, pk), k, v) for k, v in change.items()])
    # the receiving school files nothing in the sending school's name, a third school nothing at all
    for username in ("t_officer_b", "t_officer_c"):
        _refused(app, username, lambda: db.session.add(SchoolTransfer(
            school_id=WORLD.school_a, to_school_id=WORLD.school_b, student_id=student_id, left_on=clock.today(),
            reason="越权", name="x", gender="M", grade="高二", id_number_masked="x")))
    # the bulk-action route exists for no one here
    officer_b = as_role("t_officer_b")
    r = officer_b.post("/transferhandoverview/action_post", data={"action": "muldelete", "rowid": [pk]})
    assert r.status_code in (302, 403, 404, 405)
    with app.app_context():
        t = db.session.get(SchoolTransfer, pk)
        assert (t.status, t.to_school_id, t.name, t.reason) == ("pending", WORLD.school_b, PUPIL, REASON)


def test_a_pupil_who_left_school_or_awaits_a_request_is_not_transferred(app, as_role, pupil):
    student_id, number, _, _ = pupil
    officer_a, officer_b = as_role("t_officer_a"), as_role("t_officer_b")
    # school B has asked the centre for this pupil already (学生转入申请): one transfer at a time
    r = officer_b.post("/transferrequestview/add", data={"school": WORLD.school_b, "id_number": number, "name": PUPIL,
                                                        "grade": "五年级", "class_name": "3班", "reason": "家长申请"})
    assert r.status_code == 302
    assert "已有一项转学等待答复" in visible_text(_start(officer_a, student_id))
    with app.app_context():
        assert _transfers(student_id) == []
        conn = db.session.connection()
        conn.execute(delete(TransferRequest).where(TransferRequest.id_number == number))
        db.session.commit()
    # a pupil who dropped out gets no button and no transfer
    assert officer_a.post(f"/pupilstatus/change/{student_id}", data={
        "kind": "drop_out", "changed_on": clock.today().isoformat(), "reason": "外出务工"}).status_code == 302
    assert "/transferhandoverview/start/" not in officer_a.get(f"/studentview/show/{student_id}").get_data(as_text=True)
    assert "在校" in visible_text(_start(officer_a, student_id))
    with app.app_context():
        assert _transfers(student_id) == []
