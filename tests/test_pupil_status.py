"""学籍状态: a pupil is in school, suspended (休学), dropped out (退学), gone from the county (转出) or graduated,
changed only by a recorded 学籍变动 (app/rules/pupil_status.py) and kept as history.

The work plan's first aim is 不因家庭经济困难而辍学: the 控辍保学 page lists the identified pupils who left
school without graduating, and whether a home visit followed. A pupil who is not in school gets no new award
(财科教〔2019〕19号: 资助 goes to 在校 pupils).
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.rules import idcard
from app.extensions import db
from app.models import HomeVisit, Identification, StatusChange, Student
from app.rules import RuleError, cards
from app.rules.pupil_status import change
from tests.conftest import WORLD, purge, visible_text

# each test's writes, through the screens too, are rolled back when it ends (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("rollback")


@pytest.fixture()
def pupil(app):
    """An identified 高一 pupil of school A."""
    with app.app_context():
        s = Student(school_id=WORLD.school_a, name="学籍测试生", id_number=idcard.make("341124", date(2011, 5, 6), 951),
                    grade="高一", class_name="2班", enrolment_year=2026)
        db.session.add(s)
        db.session.flush()
        db.session.add(Identification(student_id=s.id, school_year="2026-2027", level="difficult", cat_other=True,
                                      evidence_source="school", identified_on=date(2026, 9, 12)))
        db.session.commit()
        sid = s.id
    yield sid
    with app.app_context():
        purge(*db.session.scalars(select(HomeVisit).where(HomeVisit.student_id == sid)))
        purge(*db.session.scalars(select(Identification).where(Identification.student_id == sid)))
        from app.models import Award

        purge(*db.session.scalars(select(Award).where(Award.student_id == sid)))
        purge(db.session.get(Student, sid))
        db.session.commit()


def _status(app, sid):
    with app.app_context():
        s = db.session.get(Student, sid)
        return s.status, [(c.kind, c.school_id, c.reason) for c in db.session.scalars(
            select(StatusChange).where(StatusChange.student_id == sid).order_by(StatusChange.id))]


def _record(client, sid, kind, reason="", on=None):
    return client.post(f"/pupilstatus/change/{sid}", data={
        "kind": kind, "changed_on": (on or clock.today()).isoformat(), "reason": reason})


def test_the_officer_records_a_suspension_and_a_return_from_the_pupils_page(app, officer_a, pupil):
    page = visible_text(officer_a.get(f"/studentview/show/{pupil}"))
    assert "办理学籍变动" in page and "暂无学籍变动" in page
    form = visible_text(officer_a.get(f"/pupilstatus/change/{pupil}"))
    assert "休学" in form and "退学" in form and "复学" not in form  # only what may follow 在校
    # no reason: refused, nothing stored
    r = _record(officer_a, pupil, "suspend")
    assert r.status_code == 200 and "请填写原因" in visible_text(r)
    assert _status(app, pupil) == ("in_school", [])
    r = _record(officer_a, pupil, "suspend", "因病休学一年，附医院证明")
    assert r.status_code == 302
    assert _status(app, pupil) == ("suspended", [("suspend", WORLD.school_a, "因病休学一年，附医院证明")])
    page = visible_text(officer_a.get(f"/studentview/show/{pupil}"))
    assert "休学" in page and "因病休学一年" in page
    # a date in the future, or before the last change, is refused
    r = _record(officer_a, pupil, "resume", on=clock.today() + timedelta(days=3))
    assert "日期不能晚于今天" in visible_text(r)
    r = _record(officer_a, pupil, "resume")
    assert r.status_code == 302
    assert _status(app, pupil)[0] == "in_school"


def test_a_status_is_never_written_without_its_change(app, officer_a, api, pupil):
    """Form, API and a direct write alike: the status column moves only with a 学籍变动 record."""
    with app.app_context():
        number = db.session.get(Student, pupil).id_number
    r = api("t_officer_a").put_current(f"/api/v1/student/{pupil}", json={"status": "dropped_out"})
    assert r.status_code in (400, 422)
    officer_a.post(f"/studentview/edit/{pupil}", data={"status": "dropped_out", "name": "学籍测试生",
                                                       "id_number": number, "grade": "高一", "class_name": "2班",
                                                       "enrolment_year": "2026", "school": WORLD.school_a})
    assert _status(app, pupil) == ("in_school", [])
    with app.app_context():
        s = db.session.get(Student, pupil)
        s.status = "graduated"
        with pytest.raises(RuleError):
            db.session.commit()
        db.session.rollback()
        # a change once recorded is history: never edited
        change(db.session, db.session.get(Student, pupil), "suspend", reason="家庭原因")
        db.session.commit()
        record = db.session.scalar(select(StatusChange).where(StatusChange.student_id == pupil))
        record.reason = "改写"
        with pytest.raises(RuleError):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(RuleError):
            db.session.delete(db.session.get(StatusChange, record.id))
            db.session.commit()
        db.session.rollback()
    assert _status(app, pupil)[0] == "suspended"


def test_another_school_cannot_record_nor_read_the_change(app, as_role, pupil):
    officer_b = as_role("t_officer_b")
    assert officer_b.get(f"/pupilstatus/change/{pupil}").status_code == 404
    assert _record(officer_b, pupil, "drop_out", "越权").status_code == 404
    assert _status(app, pupil) == ("in_school", [])
    with app.app_context():
        change(db.session, db.session.get(Student, pupil), "drop_out", reason="外出务工")
        db.session.commit()
        cid = db.session.scalar(select(StatusChange.id).where(StatusChange.student_id == pupil))
    assert officer_b.get(f"/statuschangeview/show/{cid}").status_code == 404
    assert "学籍测试生" not in visible_text(officer_b.get("/statuschangeview/list/"))
    assert "学籍测试生" not in visible_text(officer_b.get("/pupilstatus/dropouts/"))
    # the supervisor reads 控辍保学 but records nothing
    supervisor = as_role("t_supervisor")
    assert "学籍测试生" in visible_text(supervisor.get("/pupilstatus/dropouts/"))
    assert supervisor.get(f"/pupilstatus/change/{pupil}").status_code in (302, 403)


def test_a_pupil_not_in_school_gets_no_new_award(app, api, pupil):
    """财科教〔2019〕19号: aid goes to pupils in school; 休学 and 退学 pupils get none until they return."""
    body = {"student": pupil, "program": WORLD.program_senior, "semester": WORLD.semester, "amount": "1000",
            "card_kind": "aid_card", "card_number": cards.make("6217", 19, 951), "over_standard_reason": "测试"}
    with app.app_context():
        change(db.session, db.session.get(Student, pupil), "suspend", reason="因病休学")
        db.session.commit()
    r = api("t_center").post("/api/v1/award/", json=body)
    assert r.status_code == 422 and "不在校（休学）" in str(r.get_json()["message"])
    with app.app_context():
        change(db.session, db.session.get(Student, pupil), "resume")
        db.session.commit()
    r = api("t_center").post("/api/v1/award/", json=body)
    assert r.status_code == 201, r.get_data(as_text=True)


def test_dropouts_list_the_identified_pupils_who_left_and_the_visit_after(app, center, officer_a, pupil):
    """控辍保学 (the work plan: 不因家庭经济困难而辍学): an identified pupil who drops out is listed for the centre and
    the pupil's school, in red until a 劝返 home visit follows the change (another kind of visit is not one)."""
    _record(officer_a, pupil, "drop_out", "家庭困难外出打工")
    page = visible_text(center.get("/pupilstatus/dropouts/?school_year=2026-2027")).split("变动后劝返家访")[-1]
    assert "学籍测试生" in page and "家庭困难外出打工" in page and "尚未家访" in page
    with app.app_context():
        db.session.add(HomeVisit(student_id=pupil, visit_type="receiving_aid", visited_on=clock.today(),
                                 visitors="班主任", findings="发放情况核实"))
        db.session.commit()
    page = visible_text(center.get("/pupilstatus/dropouts/?school_year=2026-2027")).split("变动后劝返家访")[-1]
    assert "尚未家访" in page
    with app.app_context():
        db.session.add(HomeVisit(student_id=pupil, visit_type="persuade_back", visited_on=clock.today(),
                                 visitors="班主任", findings="劝返，家长同意下学期返校"))
        db.session.commit()
    page = visible_text(officer_a.get("/pupilstatus/dropouts/?school_year=2026-2027")).split("变动后劝返家访")[-1]
    assert "学籍测试生" in page and "尚未家访" not in page and clock.today().isoformat() in page
    # back at school: off the list
    _record(officer_a, pupil, "return", "劝返复学")
    assert "学籍测试生" not in visible_text(center.get("/pupilstatus/dropouts/?school_year=2026-2027"))


def test_the_turnover_graduates_with_history_and_leaves_a_suspended_pupil_in_its_grade(app):
    from app.operations import turnover

    with app.app_context():
        final = Student(school_id=WORLD.school_a, name="毕业测试生", id_number=idcard.make("341124", date(2008, 8, 8), 952),
                        grade="高三", class_name="1班", enrolment_year=2024)
        paused = Student(school_id=WORLD.school_a, name="休学测试生", id_number=idcard.make("341124", date(2010, 8, 8), 953),
                         grade="高二", class_name="1班", enrolment_year=2025)
        db.session.add_all([final, paused])
        db.session.commit()
        change(db.session, paused, "suspend", reason="因病")
        db.session.commit()
        plan = turnover.plan(db.session, "2026-2027")
        ids = {m.student_id: m.to_grade for m in plan.moves}
        assert ids[final.id] == "已毕业" and paused.id not in ids
        db.session.rollback()
        # apply the graduation of this pupil alone (the whole county's turnover is tested in test_turnover.py)
        one = turnover.Plan(plan.from_year, plan.to_year)
        one.moves = [m for m in plan.moves if m.student_id == final.id]
        try:
            turnover.apply(db.session, one, today=date(2027, 7, 1), early=True)
            db.session.flush()
            s = db.session.get(Student, final.id)
            assert (s.status, s.grade) == ("graduated", "已毕业")
            assert [(c.kind, c.changed_on) for c in db.session.scalars(
                select(StatusChange).where(StatusChange.student_id == final.id))] == [("graduate", date(2027, 7, 1))]
        finally:
            db.session.rollback()
            purge(db.session.get(Student, final.id), db.session.get(Student, paused.id))
            db.session.commit()


def test_a_former_pupil_recorded_as_graduated_is_graduated(app):
    """已毕业 and 毕业 go together: a loan's borrower recorded as a former pupil, or a grade set to 已毕业, is graduated
    (with its change recorded when the pupil was in school)."""
    with app.app_context():
        former = Student(school_id=WORLD.school_a, name="往届借款人", id_number=idcard.make("341124", date(2003, 3, 3), 954),
                         grade="已毕业", class_name="1班", enrolment_year=2018)
        current = Student(school_id=WORLD.school_a, name="即将毕业", id_number=idcard.make("341124", date(2008, 3, 3), 955),
                          grade="高三", class_name="1班", enrolment_year=2024)
        db.session.add_all([former, current])
        db.session.commit()
        try:
            assert former.status == "graduated"
            current.grade = "已毕业"
            db.session.commit()
            assert current.status == "graduated"
            assert [c.kind for c in db.session.scalars(
                select(StatusChange).where(StatusChange.student_id == current.id))] == ["graduate"]
        finally:
            purge(former, current)
            db.session.commit()


def _figure(page_html):
    """The 控辍保学 card of a home page: (its figure, its detail, its link)."""
    import re

    m = re.search(r'<a class="aid-figure-card[^"]*" href="([^"]*pupilstatus/dropouts/[^"]*)">\s*'
                  r'<span class="aid-figure">([^<]*)</span>\s*<span class="aid-figure-label">([^<]*)</span>\s*'
                  r'<span class="aid-figure-detail">([^<]*)</span>', page_html)
    assert m, "no 控辍保学 figure on the home page"
    return int(m.group(2)), m.group(4).strip(), m.group(1).replace("&amp;", "&"), m.group(3)


def test_the_home_pages_count_the_pupils_who_left_and_link_to_the_list(app, center, officer_a, as_role, pupil):
    """The centre's dashboard counts the county's identified pupils who left school this school year, and links
    to 控辍保学; a school's officer sees its own school's count (school B none of school A's pupils)."""
    officer_b = as_role("t_officer_b")
    before = {who: _figure(c.get("/").get_data(as_text=True))[0]
              for who, c in (("center", center), ("a", officer_a), ("b", officer_b))}
    _record(officer_a, pupil, "drop_out", "家庭困难外出打工")
    n, detail, link, label = _figure(center.get("/").get_data(as_text=True))
    assert label == "本学年辍学/转出的困难学生"
    assert n == before["center"] + 1 and "尚未劝返家访" in detail
    assert link.endswith("/pupilstatus/dropouts/?school_year=2026-2027")
    assert "学籍测试生" in visible_text(center.get(link))
    assert _figure(officer_a.get("/").get_data(as_text=True))[0] == before["a"] + 1
    assert _figure(officer_b.get("/").get_data(as_text=True))[0] == before["b"]
    # the 劝返 visit: the count stays (the pupil is still out of school), the pupil no longer waits for a visit
    unvisited = int(detail.split()[0])
    with app.app_context():
        db.session.add(HomeVisit(student_id=pupil, visit_type="persuade_back", visited_on=clock.today(),
                                 visitors="班主任", findings="劝返"))
        db.session.commit()
    n2, detail2, _, _ = _figure(center.get("/").get_data(as_text=True))
    assert n2 == n and int(detail2.split()[0]) == unvisited - 1


def test_a_visit_before_the_leaving_is_no_follow_up(app, officer_a, pupil):
    with app.app_context():
        db.session.add(HomeVisit(student_id=pupil, visit_type="persuade_back", visited_on=clock.today() - timedelta(days=3),
                                 visitors="班主任", findings="家长说孩子想外出打工，劝其留校"))
        db.session.commit()
    _record(officer_a, pupil, "drop_out", "外出打工", on=clock.today() - timedelta(days=1))
    with app.app_context():
        from app.rules.pupil_status import dropouts

        rows = [r for r in dropouts(db.session, "2026-2027") if r[0].id == pupil]
        assert len(rows) == 1 and rows[0][2] is None


def test_the_dropouts_page_opens_the_visit_form_filled_for_a_persuade_back_visit(app, officer_a, as_role, pupil):
    """登记劝返家访: the form opens with the pupil and the kind chosen; saved, the pupil is visited. Another school
    cannot use the link for this pupil, and the supervisor, who records no visit, has no button."""
    _record(officer_a, pupil, "drop_out", "家庭困难外出打工")
    page = officer_a.get("/pupilstatus/dropouts/?school_year=2026-2027").get_data(as_text=True)
    link = f"/homevisitview/add?student={pupil}&amp;visit_type=persuade_back"
    assert link in page and "登记劝返家访" in page
    supervisor_page = visible_text(as_role("t_supervisor").get("/pupilstatus/dropouts/?school_year=2026-2027"))
    assert "学籍测试生" in supervisor_page and "登记劝返家访" not in supervisor_page
    form = officer_a.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert f'value="#{pupil}" selected' in form and "学籍测试生" in form
    assert '<option selected value="persuade_back">' in form or '<option value="persuade_back" selected>' in form
    r = officer_a.post("/homevisitview/add", data={
        "student": f"#{pupil}", "visit_type": "persuade_back", "visited_on": clock.today().isoformat(),
        "visitors": "班主任、资助专干", "family_met": "母亲", "findings": "宣讲资助政策，家长同意返校"})
    assert r.status_code == 302, visible_text(r)[:500]
    with app.app_context():
        visit = db.session.scalars(select(HomeVisit).where(HomeVisit.student_id == pupil)).one()
        assert (visit.visit_type, visit.school_id) == ("persuade_back", WORLD.school_a)
    page = officer_a.get("/pupilstatus/dropouts/?school_year=2026-2027").get_data(as_text=True)
    assert link not in page and clock.today().isoformat() in visible_text(officer_a.get(
        "/pupilstatus/dropouts/?school_year=2026-2027")).split("变动后劝返家访")[-1]
    # school B: the link chooses nothing, and the pupil's id posted is refused
    officer_b = as_role("t_officer_b")
    form = officer_b.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "学籍测试生" not in form and f'value="#{pupil}"' not in form
    r = officer_b.post("/homevisitview/add", data={
        "student": f"#{pupil}", "visit_type": "persuade_back", "visited_on": clock.today().isoformat(),
        "visitors": "越权", "findings": "越权"})
    assert r.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(HomeVisit).where(HomeVisit.student_id == pupil)) == 1
    # a made-up kind in the link chooses none
    form = officer_a.get(f"/homevisitview/add?student={pupil}&visit_type=bogus").get_data(as_text=True)
    assert 'value="bogus"' not in form
