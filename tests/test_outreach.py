"""宣传与走访 and 队伍建设: home visits, publicity with photos, staff, training, 励志之星, figures."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO

from sqlalchemy import select

from app.extensions import db
from app.kpi.outreach import publicity_figures, staffing, training_hours, visit_figures
from app.models import Student
from app.models.outreach import (
    AidStaff, HomeVisit, PublicityActivity, PublicityPhoto, Recognition, TrainingAttendance, TrainingSession,
)
from tests.conftest import WORLD, visible_text
import pytest

# each test's writes, through the screens too, are rolled back when it ends (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("rollback")


def _number(pk):
    with WORLD.app.app_context():
        return db.session.get(Student, pk).id_number


VISIT = {"visit_type": "entering_senior", "visited_on": "2026-10-20", "visitors": "王老师、李老师", "family_met": "母亲",
         "findings": "父亲务工受伤，家庭收入下降", "opinions": "希望了解高中助学金申请", "solved": "讲解了高中资助政策"}


def test_an_officer_records_a_home_visit_of_its_own_pupil(app, officer_a):
    r = officer_a.post("/homevisitview/add", data={"student": _number(WORLD.student_a), **VISIT,
                                                   "open_problems": "需申请助学贷款", "follow_up": ""})
    assert r.status_code == 200 and "请说明未解决问题的跟进安排" in visible_text(r)
    r = officer_a.post("/homevisitview/add", data={"student": _number(WORLD.student_a), **VISIT,
                                                   "open_problems": "需申请助学贷款", "follow_up": "班主任下周跟进",
                                                   "resolved": "y"})
    assert r.status_code == 200 and "仍有未解决问题" in visible_text(r)
    r = officer_a.post("/homevisitview/add", data={"student": _number(WORLD.student_a), **VISIT, "visited_on": "2099-01-01"})
    assert r.status_code == 200 and "走访日期不能晚于今天" in visible_text(r)
    r = officer_a.post("/homevisitview/add", data={"student": _number(WORLD.student_a), **VISIT,
                                                   "open_problems": "需申请助学贷款", "follow_up": "班主任下周跟进"})
    assert r.status_code == 302
    with app.app_context():
        visit = db.session.scalars(select(HomeVisit).where(HomeVisit.follow_up == "班主任下周跟进")).one()
        assert (visit.school_id, visit.resolved) == (WORLD.school_a, False)
    # another school's pupil cannot be found by its ID number
    r = officer_a.post("/homevisitview/add", data={"student": _number(WORLD.student_b), **VISIT})
    assert r.status_code == 200 and "没有找到该身份证号的本校学生" in visible_text(r)
    assert "乙校走访发现" not in visible_text(officer_a.get("/homevisitview/list/"))


def test_a_visits_page_is_titled_as_a_visit_record(app, officer_a):
    """The record's page says 走访记录; 上门 is a loan reminder's channel, not the title of a visit."""
    r = officer_a.post("/homevisitview/add", data={"student": _number(WORLD.student_a), **VISIT,
                                                   "findings": "标题核对：家中三口人"})
    assert r.status_code == 302
    with app.app_context():
        visit = db.session.scalars(select(HomeVisit).where(HomeVisit.findings == "标题核对：家中三口人")).one()
    page = visible_text(officer_a.get(f"/homevisitview/show/{visit.id}"))
    assert "走访记录" in page and "上门" not in page, page[:800]


def test_the_centre_sees_every_schools_visits(app, center):
    page = visible_text(center.get("/homevisitview/list/"))
    assert "测试乙小学" in page and "乙校学生" in page


def test_visit_and_publicity_figures_by_hand(app):
    """2019: school A 2 visits (1 open) + 1 visit of another type, school B 1 visit; publicity likewise."""
    with app.app_context():
        a_pupil, b_pupil = WORLD.student_a, WORLD.student_b
        visits = [
            HomeVisit(student_id=a_pupil, visit_type="receiving_aid", visited_on=date(2019, 3, 1), visitors="x", findings="x"),
            HomeVisit(student_id=a_pupil, visit_type="receiving_aid", visited_on=date(2019, 5, 1), visitors="x", findings="x",
                      resolved=True),
            HomeVisit(student_id=a_pupil, visit_type="needing_loan", visited_on=date(2019, 12, 31), visitors="x",
                      findings="x", resolved=True),
            HomeVisit(student_id=b_pupil, visit_type="entering_senior", visited_on=date(2019, 1, 1), visitors="x",
                      findings="x", resolved=True),
            HomeVisit(student_id=b_pupil, visit_type="entering_senior", visited_on=date(2018, 12, 31), visitors="x",
                      findings="x", resolved=True),  # the year before: not counted
        ]
        acts = [
            PublicityActivity(school_id=WORLD.school_a, activity_type="parent_letter", held_on=date(2019, 9, 1), title="x",
                              audience=300, target_stage="senior"),
            PublicityActivity(school_id=WORLD.school_a, activity_type="parent_meeting", held_on=date(2019, 9, 8), title="x",
                              audience=120, target_stage="senior"),
            PublicityActivity(school_id=WORLD.school_b, activity_type="parent_letter", held_on=date(2019, 10, 1), title="x",
                              audience=80, target_stage="all"),
        ]
        db.session.add_all(visits + acts)
        db.session.commit()
        try:
            rows, totals = visit_figures(db.session, 2019)
            by_school = {r.school_id: (dict(r.counts), r.total, r.extra) for r in rows}
            assert by_school == {WORLD.school_a: ({"receiving_aid": 2, "needing_loan": 1}, 3, 1),
                                 WORLD.school_b: ({"entering_senior": 1}, 1, 0)}
            assert totals == {"receiving_aid": 2, "needing_loan": 1, "entering_senior": 1}
            rows, totals, stages = publicity_figures(db.session, 2019)
            by_school = {r.school_id: (dict(r.counts), r.total, r.extra) for r in rows}
            assert by_school == {WORLD.school_a: ({"parent_letter": 1, "parent_meeting": 1}, 2, 420),
                                 WORLD.school_b: ({"parent_letter": 1}, 1, 80)}
            assert totals == {"parent_letter": 2, "parent_meeting": 1}
            assert stages == {"senior": 2, "all": 1}
        finally:
            for obj in visits + acts:
                db.session.delete(obj)
            db.session.commit()


def test_publicity_photos_are_kept_and_served_within_the_school(app, officer_a):
    r = officer_a.post("/publicityactivityview/add", data={
        "school": WORLD.school_a, "activity_type": "parent_meeting", "held_on": "2026-09-20", "title": "高一家长会资助政策宣讲", "audience": "260",
        "target_stage": "senior", "notes": "发放致家长一封信"})
    assert r.status_code == 302
    with app.app_context():
        activity = db.session.scalars(select(PublicityActivity).where(PublicityActivity.title == "高一家长会资助政策宣讲")).one()
        pk = activity.id
        assert activity.school_id == WORLD.school_a
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    r = officer_a.post(f"/publicityactivityview/photos/{pk}", content_type="multipart/form-data",
                       data={"files": [(BytesIO(png), "家长会1.png"), (BytesIO(png), "家长会2.jpg")]})
    assert r.status_code == 302
    r = officer_a.post(f"/publicityactivityview/photos/{pk}", content_type="multipart/form-data",
                       data={"files": [(BytesIO(b"MZ..."), "病毒.exe")]}, follow_redirects=True)
    assert "不是照片" in visible_text(r)
    with app.app_context():
        photos = db.session.scalars(select(PublicityPhoto).where(PublicityPhoto.activity_id == pk)).all()
        assert sorted(p.name for p in photos) == ["家长会1.png", "家长会2.jpg"]
        photo_id = photos[0].id
    page = officer_a.get(f"/publicityactivityview/show/{pk}").get_data(as_text=True)
    assert f"/publicityactivityview/photo/{photo_id}" in page
    assert officer_a.get(f"/publicityactivityview/photo/{photo_id}").data == png
    assert officer_a.get(f"/publicityactivityview/photo/{WORLD.photo_b}").status_code == 404


def test_staffing_shows_schools_without_a_full_time_person_and_changes(app, center):
    with app.app_context():
        people = [
            AidStaff(school_id=WORLD.school_a, name="甲校离任专干", post="专干", employment="full_time",
                     since=date(2018, 9, 1), until=date(2019, 8, 31)),
            AidStaff(school_id=None, name="中心专干", post="科员", employment="full_time", since=date(2019, 3, 1)),
        ]
        db.session.add_all(people)
        db.session.commit()
        try:
            rows = {r.school_id: r for r in staffing(db.session, 2019, today=date(2026, 11, 28))}
            a, b, centre = rows[WORLD.school_a], rows[WORLD.school_b], rows[None]
            assert (a.full_time, a.part_time, a.joined, a.left, a.lacks_full_time) == (1, 0, 0, 1, False)
            assert (b.full_time, b.part_time, b.lacks_full_time) == (0, 1, True)
            assert (centre.full_time, centre.joined, centre.lacks_full_time) == (1, 1, False)
            # on a day before A's present officer took up the post, A had nobody full-time
            rows = {r.school_id: r for r in staffing(db.session, 2019, today=date(2019, 10, 1))}
            assert rows[WORLD.school_a].lacks_full_time
        finally:
            for p in people:
                db.session.delete(p)
            db.session.commit()
    page = visible_text(center.get("/outreach/figures/?year=2026"))
    assert "没有专职资助工作人员" in page and "测试乙小学" in page


def test_training_hours_per_person_and_attendance_only_while_in_post(app, center):
    with app.app_context():
        s1 = TrainingSession(held_on=date(2021, 3, 5), topic="资助政策解读", hours=Decimal("3"))
        s2 = TrainingSession(held_on=date(2021, 9, 10), topic="系统操作培训", hours=Decimal("2.5"))
        db.session.add_all([s1, s2])
        db.session.commit()
        ids = (s1.id, s2.id)
    for session_id in ids:
        r = center.post("/trainingattendanceview/add", data={"session": session_id, "staff": WORLD.staff_a})
        assert r.status_code == 302
    r = center.post("/trainingattendanceview/add", data={"session": ids[1], "staff": WORLD.staff_b})
    assert r.status_code == 302
    # the same person twice at one session is refused
    r = center.post("/trainingattendanceview/add", data={"session": ids[1], "staff": WORLD.staff_b})
    with app.app_context():
        assert db.session.query(TrainingAttendance).filter_by(session_id=ids[1], staff_id=WORLD.staff_b).count() == 1
        late = AidStaff(school_id=WORLD.school_a, name="新任专干", post="专干", employment="part_time", since=date(2022, 1, 1))
        db.session.add(late)
        db.session.commit()
        late_id = late.id
    r = center.post("/trainingattendanceview/add", data={"session": ids[0], "staff": late_id})
    assert r.status_code == 200 and "不在岗" in visible_text(r)
    with app.app_context():
        hours = {h.name: (h.sessions, h.hours) for h in training_hours(db.session, 2021)}
        assert hours == {"甲校资助专干": (2, Decimal("5.5")), "乙校资助专干": (1, Decimal("2.5"))}
        assert training_hours(db.session, 2020) == []
    page = visible_text(center.get("/outreach/figures/?year=2021"))
    assert "甲校资助专干" in page and "5.5" in page


def test_an_officer_sees_its_own_staff_and_figures_only(app, officer_a):
    page = visible_text(officer_a.get("/aidstaffview/list/"))
    assert "甲校资助专干" in page and "乙校资助专干" not in page
    page = visible_text(officer_a.get("/outreach/figures/?year=2026"))
    assert "测试乙小学" not in page and "乙校资助专干" not in page
    # it records its own staff; the school is its own whatever it sends
    r = officer_a.post("/aidstaffview/add", data={"name": "甲校兼职专干", "post": "班主任", "employment": "part_time",
                                                  "since": "2026-09-01"})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(AidStaff.school_id).where(AidStaff.name == "甲校兼职专干")).one() == WORLD.school_a
    r = officer_a.post("/aidstaffview/add", data={"name": "错日期", "post": "x", "employment": "part_time",
                                                  "since": "2026-09-01", "until": "2026-01-01"})
    assert r.status_code == 200 and "离岗日期不能早于到岗日期" in visible_text(r)


def test_an_officer_records_a_star_of_self_reliance(app, officer_a):
    r = officer_a.post("/recognitionview/add", data={"student": _number(WORLD.student_a), "year": "2026", "kind": "star",
                                                     "title": "县级励志之星", "citation": "身残志坚，品学兼优"})
    assert r.status_code == 302
    with app.app_context():
        rec = db.session.scalars(select(Recognition).where(Recognition.title == "县级励志之星")).one()
        assert (rec.school_id, rec.student_id) == (WORLD.school_a, WORLD.student_a)
    r = officer_a.post("/recognitionview/add", data={"student": _number(WORLD.student_a), "year": "2099", "kind": "star",
                                                     "title": "未来", "citation": "x"})
    assert r.status_code == 200
    assert "乙校励志之星事迹" not in visible_text(officer_a.get("/recognitionview/list/"))
