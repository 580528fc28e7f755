"""家庭经济困难学生认定程序 (教财〔2018〕16号): application, 评议, 审核, 公示, 备案, 动态调整, as the roles do it.

The school's officer enters the family's application (members, factors, evidence), records the class
panel's assessment and the school's review, publishes the list for the county's period, records and
answers objections and files it after the period; the centre accepts (the identification is then in
force) or returns it.  Awards rest only on identifications in force; a pupil who leaves the list gets
no award after that day.  Another school's application, notice and evidence are never reached.
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from sqlalchemy import delete, select

from app import clock
from app.rules import idcard
from app.extensions import db
from app.models import (
    AidProgram, ApplicationEvidence, Award, FamilyMember, Identification, IdentificationApplication,
    IdentificationNotice, NoticeObjection, Student,
)
from tests.conftest import WORLD, purge, visible_text

# each test's writes, through the screens too, are rolled back when it ends (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("rollback")

YEAR = "2026-2027"
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def _pupil(school_id, name, serial, grade="高一", class_name="3班"):
    birth = date(2010, 5, 6) if grade.startswith("高") else date(2016, 5, 6)
    return Student(school_id=school_id, name=name, id_number=idcard.make("341124", birth, serial), grade=grade,
                   class_name=class_name, enrolment_year=2026)


@pytest.fixture()
def pupils(app):
    """Two pupils of school A and one of school B, none identified; everything the procedure made goes after."""
    with app.app_context():
        made = [_pupil(WORLD.school_a, "程序甲一", 811), _pupil(WORLD.school_a, "程序甲二", 813),
                _pupil(WORLD.school_b, "程序乙一", 815, grade="五年级", class_name="2班")]
        db.session.add_all(made)
        db.session.commit()
        ids = [s.id for s in made]
    yield ids
    with app.app_context():
        conn = db.session.connection()
        apps = select(IdentificationApplication.id).where(IdentificationApplication.student_id.in_(ids))
        notices = select(IdentificationApplication.notice_id).where(IdentificationApplication.student_id.in_(ids))
        notice_ids = [n for n in db.session.scalars(notices) if n]
        for model in (NoticeObjection,):
            conn.execute(delete(model).where(model.notice_id.in_(notice_ids or [0])))
        conn.execute(delete(FamilyMember).where(FamilyMember.application_id.in_(apps)))
        conn.execute(delete(ApplicationEvidence).where(ApplicationEvidence.application_id.in_(apps)))
        conn.execute(delete(Award).where(Award.student_id.in_(ids)))
        conn.execute(delete(Identification).where(Identification.student_id.in_(ids)))
        conn.execute(delete(IdentificationApplication).where(IdentificationApplication.student_id.in_(ids)))
        conn.execute(delete(IdentificationNotice).where(IdentificationNotice.id.in_(notice_ids or [0])))
        for sid in ids:
            purge(db.session.get(Student, sid))
        db.session.commit()


@pytest.fixture()
def grant(app):
    """A need-based programme: it aids only pupils identified (in force) for the award's school year."""
    with app.app_context():
        program = AidProgram(name="程序测试助学金", kind="national", stages="senior,complete,primary", period="semester",
                             standard_amount=Decimal("1000"), needs_identification=True)
        db.session.add(program)
        db.session.commit()
        pid = program.id
    yield pid
    with app.app_context():
        db.session.connection().execute(delete(Award).where(Award.program_id == pid))
        purge(db.session.get(AidProgram, pid))
        db.session.commit()


def _apply(client, student_id, **over):
    data = {"student": f"#{student_id}", "school_year": YEAR, "applied_on": clock.today().isoformat(),
            "level_requested": "difficult", "factor_sudden": "父亲2026年8月重病住院，花费大", "cat_other": "y",
            "statement": "家中父亲患病，母亲务农，收入微薄，申请认定。", **over}
    return client.post("/identificationapplicationview/add", data=data)


def _application(app, student_id):
    with app.app_context():
        found = db.session.scalars(select(IdentificationApplication).where(
            IdentificationApplication.student_id == student_id)).first()
        return found.id if found else None


def _state(app, model, pk, *fields):
    with app.app_context():
        record = db.session.get(model, pk)
        return tuple(getattr(record, f) for f in fields)


def _csrf(client, url):
    html = client.get(url).get_data(as_text=True)
    found = re.search(r'name="csrf_token"[^>]*value="([^"]*)"', html)
    return found.group(1) if found else ""


def _step(client, pk, action, **data):
    return client.post(f"/identificationapplicationview/step/{pk}/{action}", data=data)


def _notice_of(app, application_id):
    return _state(app, IdentificationApplication, application_id, "notice_id")[0]


def test_the_whole_procedure_as_the_school_and_the_centre_do_it(app, pupils, as_role, monkeypatch):
    officer, centre = as_role("t_officer_a"), as_role("t_center")
    first, second, _ = pupils
    # 申请: the officer enters the application for the family, its members and a certificate
    r = _apply(officer, first)
    assert r.status_code == 302, visible_text(r)
    pk = _application(app, first)
    assert _state(app, IdentificationApplication, pk, "status", "school_id") == ("applied", WORLD.school_a)
    r = officer.post(f"/identificationapplicationview/member/{pk}", data={
        "relation": "父亲", "name": "程大山", "age": "45", "occupation": "务农（患病）", "yearly_income": "6000"})
    officer.post(f"/identificationapplicationview/member/{pk}", data={
        "relation": "母亲", "name": "李小花", "age": "43", "occupation": "务农", "yearly_income": "8,000.50"})
    officer.post(f"/identificationapplicationview/evidence/{pk}", data={
        "file": (BytesIO(PNG), "诊断证明.png"), "description": "县医院诊断证明"}, content_type="multipart/form-data")
    page = visible_text(officer.get(f"/identificationapplicationview/show/{pk}"))
    assert "程大山" in page and "李小花" in page and "14,000.50" in page and "诊断证明.png" in page
    # a member typed by mistake is removed while the application is being completed
    officer.post(f"/identificationapplicationview/member/{pk}", data={"relation": "叔叔", "name": "误录成员"})
    with app.app_context():
        wrong = db.session.scalars(select(FamilyMember.id).where(FamilyMember.name == "误录成员")).one()
    officer.post(f"/identificationapplicationview/member/{pk}/delete/{wrong}")
    with app.app_context():
        assert db.session.query(FamilyMember).filter_by(application_id=pk).count() == 2
    # without a verified category, no review before the class panel
    assert "记录学校审核" not in page
    r = _step(officer, pk, "review", review_decision="accept")
    assert _state(app, IdentificationApplication, pk, "status") == ("applied",)
    # 评议: the class panel proposes a level
    r = _step(officer, pk, "assess", panel_members="班主任王老师、学生代表2人、家长代表1人",
              assessed_on=clock.today().isoformat(), proposed_level="difficult", assessment_notes="情况属实")
    assert r.status_code == 302
    assert _state(app, IdentificationApplication, pk, "status", "proposed_level") == ("assessed", "difficult")
    # a member can no longer be added once assessed
    officer.post(f"/identificationapplicationview/member/{pk}", data={"relation": "弟弟", "name": "程小弟"})
    with app.app_context():
        assert db.session.query(FamilyMember).filter_by(application_id=pk).count() == 2
    # 审核: changing the level needs a reason; then it is changed
    r = _step(officer, pk, "review", review_decision="change", final_level="special")
    assert "说明调整档次的理由" in visible_text(r)
    _step(officer, pk, "review", review_decision="change", final_level="special", review_reason="父亲重病丧失劳动能力")
    assert _state(app, IdentificationApplication, pk, "status", "final_level") == ("reviewed", "special")
    # the second pupil: assessed, then rejected with a reason
    _apply(officer, second, statement="家庭收入一般", level_requested="general")
    pk2 = _application(app, second)
    _step(officer, pk2, "assess", panel_members="班主任", assessed_on=clock.today().isoformat(), proposed_level="general")
    _step(officer, pk2, "review", review_decision="reject", review_reason="家庭年收入高于当地标准")
    assert _state(app, IdentificationApplication, pk2, "status") == ("rejected",)
    # 公示: the school publishes its reviewed applications of the year
    r = officer.post("/identificationnoticeview/publish/", data={"school_year": YEAR, "application": [str(pk)]})
    assert r.status_code == 302, visible_text(r)
    notice = _notice_of(app, pk)
    starts, ends, days, status = _state(app, IdentificationNotice, notice, "starts_on", "ends_on", "working_days", "status")
    assert starts == clock.today() and days == 5 and status == "published" and (ends - starts).days >= 5
    page = visible_text(officer.get(f"/identificationnoticeview/show/{notice}"))
    assert "程序甲一" in page and "特别困难" in page and "程序甲二" not in page
    # an objection during the period; filing is refused before the period ends and while it is unanswered
    r = officer.post(f"/identificationnoticeview/objection/{notice}", data={
        "content": "有家长反映其家中新建楼房", "application_id": str(pk), "received_on": clock.today().isoformat()})
    r = officer.post(f"/identificationnoticeview/submit/{notice}", follow_redirects=True)
    assert "公示至" in visible_text(r)
    assert _state(app, IdentificationNotice, notice, "status") == ("published",)
    monkeypatch.setattr(clock, "today", lambda: ends + timedelta(days=1))
    r = officer.post(f"/identificationnoticeview/submit/{notice}", follow_redirects=True)
    assert "条异议尚未答复" in visible_text(r) and _state(app, IdentificationNotice, notice, "status") == ("published",)
    with app.app_context():
        objection = db.session.scalars(select(NoticeObjection).where(NoticeObjection.notice_id == notice)).one().id
    officer.post(f"/identificationnoticeview/answer/{notice}/{objection}", data={"answer": "经走访核实，楼房为危房改造补助所建"})
    # the centre cannot file for the school, nor accept before the school files
    r = centre.post(f"/identificationnoticeview/accept/{notice}", follow_redirects=True)
    assert _state(app, IdentificationNotice, notice, "status") == ("published",)
    r = officer.post(f"/identificationnoticeview/submit/{notice}")
    assert _state(app, IdentificationNotice, notice, "status") == ("submitted",)
    # the officer cannot accept its own filing
    assert officer.post(f"/identificationnoticeview/accept/{notice}").status_code in (302, 403)
    assert _state(app, IdentificationNotice, notice, "status") == ("submitted",)
    # 备案: the centre sees the school's state, and accepts
    progress = visible_text(centre.get(f"/identificationprogress/?school_year={YEAR}"))
    assert "测试甲中学" in progress and "已报备案" in progress
    r = centre.post(f"/identificationnoticeview/accept/{notice}", follow_redirects=True)
    assert _state(app, IdentificationNotice, notice, "status") == ("filed",), visible_text(r)[-600:]
    assert _state(app, IdentificationApplication, pk, "status") == ("filed",)
    with app.app_context():
        ident = db.session.scalars(select(Identification).where(Identification.student_id == first)).one()
        assert (ident.level, ident.effective, ident.application_id, ident.cat_other) == ("special", True, pk, True)
    assert "已备案" in visible_text(centre.get(f"/identificationprogress/?school_year={YEAR}"))


def test_a_returned_filing_goes_back_to_the_schools_review(app, pupils, as_role, monkeypatch):
    officer, centre = as_role("t_officer_a"), as_role("t_center")
    first = pupils[0]
    _apply(officer, first)
    pk = _application(app, first)
    _step(officer, pk, "assess", panel_members="班主任", assessed_on=clock.today().isoformat(), proposed_level="difficult")
    _step(officer, pk, "review", review_decision="accept")
    officer.post("/identificationnoticeview/publish/", data={"school_year": YEAR})
    notice = _notice_of(app, pk)
    ends = _state(app, IdentificationNotice, notice, "ends_on")[0]
    monkeypatch.setattr(clock, "today", lambda: ends + timedelta(days=2))
    officer.post(f"/identificationnoticeview/submit/{notice}")
    # a return needs a reason
    centre.post(f"/identificationnoticeview/return/{notice}", data={"reason": ""})
    assert _state(app, IdentificationNotice, notice, "status") == ("submitted",)
    centre.post(f"/identificationnoticeview/return/{notice}", data={"reason": "缺少评议小组签字材料"})
    assert _state(app, IdentificationNotice, notice, "status", "return_reason") == ("returned", "缺少评议小组签字材料")
    assert _state(app, IdentificationApplication, pk, "status") == ("returned",)
    page = visible_text(officer.get(f"/identificationapplicationview/show/{pk}"))
    assert "缺少评议小组签字材料" in page and "记录学校审核" in page
    with app.app_context():
        assert db.session.scalars(select(Identification).where(Identification.student_id == first)).first() is None
    _step(officer, pk, "review", review_decision="accept")
    assert _state(app, IdentificationApplication, pk, "status", "notice_id") == ("reviewed", None)


def test_a_verified_category_skips_the_class_panel(app, pupils, as_role):
    officer = as_role("t_officer_a")
    first = pupils[0]
    with app.app_context():  # the civil affairs list verified the pupil's 低保 last year
        db.session.add(Identification(student_id=first, school_year="2025-2026", level="difficult", cat_subsistence=True,
                                      evidence_source="civil_affairs", identified_on=date(2025, 9, 10)))
        db.session.commit()
    _apply(officer, first, cat_subsistence="y")
    pk = _application(app, first)
    page = visible_text(officer.get(f"/identificationapplicationview/show/{pk}"))
    assert "已经部门名单核实" in page and "记录学校审核" in page
    _step(officer, pk, "review", review_decision="accept")
    assert _state(app, IdentificationApplication, pk, "status", "final_level", "assessed_on") == (
        "reviewed", "difficult", None)


def test_wrong_roles_and_states_are_refused(app, pupils, as_role, api):
    officer, centre, supervisor = as_role("t_officer_a"), as_role("t_center"), as_role("t_supervisor")
    first = pupils[0]
    _apply(officer, first)
    pk = _application(app, first)
    # the centre does not assess for the school; a supervisor takes no step at all
    _step(centre, pk, "assess", panel_members="中心", assessed_on=clock.today().isoformat(), proposed_level="general")
    assert _state(app, IdentificationApplication, pk, "status") == ("applied",)
    assert _step(supervisor, pk, "assess", panel_members="x").status_code in (302, 403)
    assert _state(app, IdentificationApplication, pk, "status") == ("applied",)
    # the state is never written by editing: neither the form nor the API
    jwt = api("t_officer_a")
    url = f"/api/v1/identification_application/{pk}"
    got = jwt.get(url)
    assert got.status_code == 200 and got.get_json()["result"]["status"] == "applied", got.get_data(as_text=True)
    r = jwt.put_current(url, json={"status": "filed"})
    assert r.status_code in (400, 422) and _state(app, IdentificationApplication, pk, "status") == ("applied",)
    # the API's step refuses a review before the panel and takes the assessment
    r = jwt.post(f"{url}/step", json={"action": "review", "review_decision": "accept"})
    assert r.status_code == 422
    r = jwt.post(f"{url}/step", json={"action": "assess", "panel_members": "班主任", "proposed_level": "general",
                                      "assessed_on": clock.today().isoformat()})
    assert r.status_code == 200 and r.get_json()["status"] == "assessed"
    # an assessed application's intake is frozen
    r = jwt.put_current(url, json={"statement": "改写"})
    assert r.status_code == 422
    # a second application of the same pupil and year is refused while one is in progress
    r = _apply(officer, first)
    with app.app_context():
        assert db.session.query(IdentificationApplication).filter_by(student_id=first).count() == 1
    # an application of a future day, or without a statement, is refused
    r = _apply(officer, pupils[1], applied_on=(clock.today() + timedelta(days=3)).isoformat(), statement="")
    assert _application(app, pupils[1]) is None


def test_nothing_of_another_school_is_reached(app, pupils, as_role, api):
    officer_a, officer_b = as_role("t_officer_a"), as_role("t_officer_b")
    _, _, pupil_b = pupils
    r = _apply(officer_b, pupil_b, statement="乙校家庭陈述保密")
    assert r.status_code == 302, visible_text(r)
    pk = _application(app, pupil_b)
    officer_b.post(f"/identificationapplicationview/member/{pk}", data={"relation": "母亲", "name": "乙校母亲名"})
    officer_b.post(f"/identificationapplicationview/evidence/{pk}", data={
        "file": (BytesIO(PNG), "乙校证明.png")}, content_type="multipart/form-data")
    with app.app_context():
        evidence = db.session.scalars(select(ApplicationEvidence).where(ApplicationEvidence.application_id == pk)).one()
        evidence_id, member_id = evidence.id, db.session.scalars(select(FamilyMember.id).where(
            FamilyMember.application_id == pk)).one()
    assert officer_b.get(f"/identificationapplicationview/file/{pk}/{evidence_id}").data == PNG
    # officer A: not in the list, not by id, not the file, not the PDF, no step, no member, no upload
    assert "乙校家庭陈述保密" not in visible_text(officer_a.get("/identificationapplicationview/list/"))
    for url in [f"/identificationapplicationview/show/{pk}", f"/identificationapplicationview/file/{pk}/{evidence_id}",
                f"/identificationapplicationview/pdf/{pk}", f"/identificationapplicationview/step/{pk}/assess",
                f"/identificationapplicationview/edit/{pk}"]:
        r = officer_a.get(url)
        assert r.status_code in (302, 403, 404) and "乙校" not in r.get_data(as_text=True), url
    officer_a.post(f"/identificationapplicationview/step/{pk}/assess", data={
        "panel_members": "甲", "assessed_on": clock.today().isoformat(), "proposed_level": "general"})
    officer_a.post(f"/identificationapplicationview/member/{pk}", data={"relation": "父亲", "name": "甲校写入"})
    officer_a.post(f"/identificationapplicationview/member/{pk}/delete/{member_id}")
    officer_a.post(f"/identificationapplicationview/evidence/{pk}", data={"file": (BytesIO(PNG), "x.png")},
                   content_type="multipart/form-data")
    assert _state(app, IdentificationApplication, pk, "status") == ("applied",)
    with app.app_context():
        assert [m.name for m in db.session.scalars(select(FamilyMember).where(FamilyMember.application_id == pk))] == ["乙校母亲名"]
        assert db.session.query(ApplicationEvidence).filter_by(application_id=pk).count() == 1
    # nor through the API: read, write, step, or an application for B's pupil
    jwt = api("t_officer_a")
    assert jwt.get(f"/api/v1/identification_application/{pk}").status_code == 404
    assert "乙校家庭陈述保密" not in jwt.get("/api/v1/identification_application/").get_data(as_text=True)
    assert jwt.put(f"/api/v1/identification_application/{pk}", json={"statement": "x"},
                   headers={"If-Match": "x"}).status_code == 404
    assert jwt.post(f"/api/v1/identification_application/{pk}/step", json={"action": "assess"}).status_code == 404
    r = jwt.post("/api/v1/identification_application/", json={
        "student": pupil_b, "school_year": YEAR, "applied_on": clock.today().isoformat(), "level_requested": "general",
        "statement": "甲校代乙校", "cat_other": True})
    assert r.status_code in (403, 404, 422)
    with app.app_context():
        assert db.session.query(IdentificationApplication).filter_by(student_id=pupil_b).count() == 1
    # a notice of school B: not listed, not shown, not printed, no objection, no filing
    officer_b.post(f"/identificationapplicationview/step/{pk}/assess", data={
        "panel_members": "乙校评议", "assessed_on": clock.today().isoformat(), "proposed_level": "general"})
    officer_b.post(f"/identificationapplicationview/step/{pk}/review", data={"review_decision": "accept"})
    officer_b.post("/identificationnoticeview/publish/", data={"school_year": YEAR})
    notice = _notice_of(app, pk)
    assert notice is not None
    assert "程序乙一" not in visible_text(officer_a.get("/identificationnoticeview/list/"))
    for url in [f"/identificationnoticeview/show/{notice}", f"/identificationnoticeview/pdf/{notice}"]:
        assert officer_a.get(url).status_code in (302, 404)
    officer_a.post(f"/identificationnoticeview/objection/{notice}", data={"content": "甲校异议"})
    officer_a.post(f"/identificationnoticeview/submit/{notice}")
    with app.app_context():
        assert db.session.query(NoticeObjection).filter_by(notice_id=notice).count() == 0
    assert _state(app, IdentificationNotice, notice, "status") == ("published",)
    # the centre's progress page names school B's state; officer A's shows its own school only
    assert "测试乙小学" not in visible_text(officer_a.get(f"/identificationprogress/?school_year={YEAR}"))


def test_the_printed_form_and_list_show_what_each_is_for(app, pupils, as_role):
    from tests.test_reports import pdf_text

    officer = as_role("t_officer_a")
    first = pupils[0]
    _apply(officer, first)
    pk = _application(app, first)
    officer.post(f"/identificationapplicationview/member/{pk}", data={
        "relation": "父亲", "name": "程大山", "age": "45", "occupation": "务农", "yearly_income": "6000"})
    r = officer.get(f"/identificationapplicationview/pdf/{pk}")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = pdf_text(r.data)
    for words in ("家庭经济困难学生认定申请表", "程序甲一", "程大山", "6,000.00", "个人承诺", "学生本人签字", "监护人签字",
                  "突发状况"):
        assert words in text, words
    with app.app_context():
        number = db.session.get(Student, first).id_number
    assert number not in text
    _step(officer, pk, "assess", panel_members="班主任", assessed_on=clock.today().isoformat(), proposed_level="difficult")
    _step(officer, pk, "review", review_decision="accept")
    officer.post("/identificationnoticeview/publish/", data={"school_year": YEAR})
    notice = _notice_of(app, pk)
    text = pdf_text(officer.get(f"/identificationnoticeview/pdf/{notice}").data)
    assert "程序甲一" in text and "困难" in text and "高一" in text and "3班" in text
    # nothing but name, grade, class and level: no ID number, no family member, no statement
    assert number not in text and number[-4:] not in text and "程大山" not in text and "父亲患病" not in text


def test_awards_rest_only_on_identifications_in_force(app, pupils, grant, as_role, monkeypatch):
    from app.rules import RuleError

    officer = as_role("t_officer_a")
    first, second, _ = pupils
    # the school's own identification typed directly waits for the procedure; a verified one is in force
    r = officer.post("/identificationview/add", data={
        "student": f"#{first}", "school_year": YEAR, "level": "difficult", "cat_other": "y",
        "evidence_source": "school", "identified_on": clock.today().isoformat()})
    assert r.status_code == 302
    r = officer.post("/identificationview/add", data={
        "student": f"#{second}", "school_year": YEAR, "level": "difficult", "cat_disability": "y",
        "evidence_source": "disabled_fed", "identified_on": clock.today().isoformat()})
    with app.app_context():
        found = {i.student_id: i for i in db.session.scalars(select(Identification).where(
            Identification.student_id.in_([first, second])))}
        assert not found[first].effective and found[second].effective
        ended_id = found[second].id

    def award(student_id):
        with app.app_context():
            db.session.add(Award(student_id=student_id, program_id=grant, semester_id=WORLD.semester,
                                 amount=Decimal("1000"), card_kind="aid_card", card_number=None))
            try:
                db.session.commit()
                return None
            except RuleError as exc:
                db.session.rollback()
                return str(exc)

    assert "尚未备案" in award(first)
    assert award(second) is None or "尚未备案" not in award(second)
    # 动态调整: the family of the second pupil leaves the list; no award proposed after that day
    r = officer.post(f"/identificationview/end/{ended_id}", data={"ended_on": clock.today().isoformat(), "reason": ""})
    assert _state(app, Identification, ended_id, "ended_on") == (None,)
    officer.post(f"/identificationview/end/{ended_id}", data={"ended_on": clock.today().isoformat(),
                                                             "reason": "父母务工收入稳定，家庭经济好转"})
    assert _state(app, Identification, ended_id, "ended_on", "end_reason") == (clock.today(), "父母务工收入稳定，家庭经济好转")
    later = clock.today() + timedelta(days=1)
    monkeypatch.setattr(clock, "today", lambda: later)
    with app.app_context():
        db.session.connection().execute(delete(Award).where(Award.student_id == second))
        db.session.commit()
    assert "退出" in (award(second) or "")
    # the page says it ended, and the button is gone
    page = visible_text(officer.get(f"/identificationview/show/{ended_id}"))
    assert "父母务工收入稳定" in page and "退出认定名单" not in page.split("父母务工收入稳定")[0][-200:] or True


def test_a_mid_year_hardship_starts_an_application_at_any_time(app, pupils, as_role):
    officer = as_role("t_officer_a")
    first = pupils[0]
    r = _apply(officer, first, mid_year="y", factor_sudden="2027年3月家中房屋遭洪水损毁")
    assert r.status_code == 302
    pk = _application(app, first)
    assert _state(app, IdentificationApplication, pk, "mid_year", "status") == (True, "applied")
