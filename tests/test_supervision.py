"""监督检查: who records inspections, rectification back and forth, overdue, unannounced visits."""
import re
from datetime import date, timedelta
from io import BytesIO

from sqlalchemy import update

from app.extensions import db
from app.models import Inspection
from app.rules.supervision import is_rectification_overdue
from tests.conftest import WORLD, post_edit, visible_text
import pytest

# each test's writes, through the screens too, are rolled back when it ends (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("rollback")


def _inspect(client, **over):
    data = {"school": WORLD.school_a, "kind": "patrol", "status": "done", "inspected_on": date.today().isoformat(),
            "findings": "公示栏未更新", "result": "pass", "rectification_demand": "一周内更新公示栏",
            "rectification_deadline": (date.today() + timedelta(days=7)).isoformat()}
    data.update(over)
    return client.post("/inspectionview/add", data=data)


def test_supervisor_records_officer_rectifies_supervisor_reopens_then_accepts(app, as_role, officer_a):
    supervisor = as_role("t_supervisor")
    assert _inspect(supervisor).status_code == 302
    with app.app_context():
        insp = db.session.query(Inspection).filter_by(findings="公示栏未更新").order_by(Inspection.id.desc()).first()
        assert insp.rectification_status == "required"
        assert [u.username for u in insp.inspectors] == ["t_supervisor"]  # none named: whoever recorded it
        insp_id = insp.id
    # the page offers what makes sense now: the school's 填报整改情况, not yet the supervisor's 整改通过
    page = officer_a.get(f"/inspectionview/show/{insp_id}").get_data(as_text=True)
    assert f"/inspectionview/rectify/{insp_id}" in page
    assert f"/inspectionview/evidence/{insp_id}" not in page  # no evidence yet: no button to an empty file
    assert f"/inspectionview/check/{insp_id}" not in supervisor.get(f"/inspectionview/show/{insp_id}").get_data(as_text=True)
    assert "请填写整改情况" in visible_text(officer_a.post(f"/inspectionview/rectify/{insp_id}", data={"done": " "}))
    r = officer_a.post(f"/inspectionview/rectify/{insp_id}", data={"done": "已更新公示栏",
                       "evidence": (BytesIO(b"\xff\xd8\xff\xe0photo"), "公示栏.jpg")}, content_type="multipart/form-data")
    assert r.status_code == 302
    assert officer_a.get(f"/inspectionview/evidence/{insp_id}").data == b"\xff\xd8\xff\xe0photo"
    page = supervisor.get(f"/inspectionview/show/{insp_id}").get_data(as_text=True)
    assert f"/inspectionview/check/{insp_id}" in page and f"/inspectionview/evidence/{insp_id}" in page
    assert f"/inspectionview/rectify/{insp_id}" not in officer_a.get(f"/inspectionview/show/{insp_id}").get_data(as_text=True)
    supervisor.post(f"/inspectionview/check/{insp_id}", data={"decision": "reopen", "comment": "缺少资助政策栏"})
    with app.app_context():
        insp = db.session.get(Inspection, insp_id)
        assert insp.rectification_status == "reopened" and "缺少资助政策栏" in insp.rectification_demand
    officer_a.post(f"/inspectionview/rectify/{insp_id}", data={"done": "已补充资助政策栏"}, content_type="multipart/form-data")
    supervisor.post(f"/inspectionview/check/{insp_id}", data={"decision": "accept"})
    with app.app_context():
        assert db.session.get(Inspection, insp_id).rectification_status == "accepted"


def test_who_may_do_what(app, as_role, officer_a):
    assert officer_a.get("/inspectionview/add").status_code in (302, 403)
    assert as_role("t_leader").get("/inspectionview/add").status_code in (302, 403)
    assert as_role("t_supervisor").get("/studentview/add").status_code in (302, 403)
    with app.app_context():
        insp = Inspection(school_id=WORLD.school_a, kind="patrol", status="done", inspected_on=date(2026, 9, 1),
                          rectification_demand="x", rectification_deadline=date(2026, 9, 30))
        db.session.add(insp)
        db.session.commit()
        insp_id = insp.id
    officer_a.post(f"/inspectionview/rectify/{insp_id}", data={"done": "已整改"}, content_type="multipart/form-data")
    officer_a.post(f"/inspectionview/check/{insp_id}", data={"decision": "accept"})
    with app.app_context():
        assert db.session.get(Inspection, insp_id).rectification_status == "submitted"  # the officer cannot accept its own


def test_a_rectification_demand_needs_a_deadline(as_role):
    r = _inspect(as_role("t_supervisor"), rectification_deadline="", findings="无期限")
    assert "请给出整改期限" in visible_text(r)


def test_overdue_rectification():
    insp = Inspection(rectification_status="required", rectification_deadline=date(2026, 11, 30))
    assert not is_rectification_overdue(insp, date(2026, 11, 30))
    assert is_rectification_overdue(insp, date(2026, 12, 1))
    insp.rectification_status = "submitted"
    assert not is_rectification_overdue(insp, date(2026, 12, 1))


def test_an_unannounced_visit_is_unseen_by_the_school_until_done(app, officer_a, center):
    assert "甲校暗访计划" in visible_text(center.get(f"/inspectionview/show/{WORLD.hidden_a}"))
    assert "甲校暗访计划" not in visible_text(officer_a.get("/inspectionview/list/"))
    assert officer_a.get(f"/inspectionview/show/{WORLD.hidden_a}").status_code == 404
    with app.app_context():
        db.session.get(Inspection, WORLD.hidden_a).status = "done"
        db.session.get(Inspection, WORLD.hidden_a).inspected_on = date(2026, 11, 1)
        db.session.commit()
    try:
        assert officer_a.get(f"/inspectionview/show/{WORLD.hidden_a}").status_code == 200
    finally:
        with app.app_context():  # a done visit never goes back to planned: the shared record is reset behind the rules
            db.session.connection().execute(update(Inspection).where(Inspection.id == WORLD.hidden_a).values(status="planned"))
            db.session.commit()


def test_phone_follow_up_sample_is_reproducible_and_discrepancies_are_flagged(app, as_role):
    from decimal import Decimal

    from app.rules import idcard
    from app.models import Award, PhoneCall, Student
    from app.rules import cards
    from app.rules.supervision import sample_awards

    with app.app_context():
        from app.models import School

        school = School(code="PH001", name="回访学校", stage="primary", town="石沛镇")
        db.session.add(school)
        db.session.flush()
        for i in range(12):
            s = Student(school_id=school.id, name=f"回访{i}", grade="四年级", class_name="1班", enrolment_year=2023,
                        id_number=idcard.make("341124", date(2016, 1, 1 + i), 800 + i))
            db.session.add(s)
            db.session.flush()
            db.session.add(Award(student_id=s.id, program_id=WORLD.program_primary, semester_id=WORLD.semester,
                                 amount=Decimal("500"), card_kind="bank_card", card_number=cards.make("6228", 19, 6000 + i),
                                 status="paid"))
        db.session.commit()
        first = [a.id for a in sample_awards(db.session, school.id, WORLD.semester, 5, 42)]
        again = [a.id for a in sample_awards(db.session, school.id, WORLD.semester, 5, 42)]
        other = [a.id for a in sample_awards(db.session, school.id, WORLD.semester, 5, 7)]
        assert first == again and len(first) == 5 and first != other
        insp = Inspection(school_id=school.id, kind="phone", status="done", inspected_on=date(2026, 11, 2))
        db.session.add(insp)
        db.session.commit()
        insp_id = insp.id
    supervisor = as_role("t_supervisor")
    supervisor.post(f"/inspectionview/sample/{insp_id}", data={"semester": WORLD.semester, "size": "5", "seed": "42"})
    supervisor.post(f"/inspectionview/sample/{insp_id}", data={"semester": WORLD.semester, "size": "5", "seed": "42"})
    with app.app_context():
        calls = db.session.query(PhoneCall).filter_by(inspection_id=insp_id).order_by(PhoneCall.award_id).all()
        assert sorted(c.award_id for c in calls) == sorted(first)  # drawn once, not twice
        ids = [c.id for c in calls]
    for call_id, data in zip(ids, [
        {"called_on": "2026-11-03", "reached": "y", "confirms_receipt": "y", "stated_amount": "500"},   # agrees
        {"called_on": "2026-11-03", "reached": "y", "confirms_receipt": "y", "stated_amount": "300"},   # other amount
        {"called_on": "2026-11-03", "reached": "y", "confirms_receipt": "", "stated_amount": ""},       # denies
        {"called_on": "2026-11-03", "reached": "", "confirms_receipt": "", "stated_amount": ""},        # not reached
    ]):
        assert post_edit(supervisor, f"/phonecallview/edit/{call_id}", data).status_code == 302
    with app.app_context():
        flags = [db.session.get(PhoneCall, i).discrepancy for i in ids[:4]]
    assert flags == [False, True, True, False]
    assert "需核查" in visible_text(supervisor.get("/phonecallview/list/?_flt_0_discrepancy=y"))


def test_overdue_rectifications_stand_out_on_the_centres_home_page(app, center, officer_a):
    with app.app_context():
        db.session.add(Inspection(school_id=WORLD.school_a, kind="patrol", status="done", inspected_on=date(2026, 1, 5),
                                  rectification_demand="建立资助档案", rectification_deadline=date(2026, 2, 1)))
        db.session.commit()
    assert "项整改已超过期限" in visible_text(center.get("/"))


def test_the_inspection_page_names_its_inspectors_and_new_tasks_start_active(app, as_role, center):
    from flask_appbuilder.security.sqla.models import User
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Inspection

    with app.app_context():
        inspection = db.session.get(Inspection, WORLD.inspection_b)
        supervisor = db.session.scalars(select(User).where(User.username == "t_supervisor")).one()
        inspection.inspectors = [supervisor]
        db.session.commit()
    page = visible_text(as_role("t_supervisor").get(f"/inspectionview/show/{WORLD.inspection_b}"))
    assert "t_supervisor" in page and "[" not in page.split("检查人员")[1][:40]
    # a box whose column defaults to true starts ticked: a new report task is active unless unticked
    html = center.get("/reporttaskview/add").get_data(as_text=True)
    import re

    box = re.search(r'<input[^>]*name="active"[^>]*>', html).group(0)
    assert "checked" in box


def test_a_planned_phone_follow_up_is_saved_without_a_result(app, as_role):
    # "—" in 总体结论 means none yet: stored as nothing (the column's codes refuse ''), the record opens
    r = _inspect(as_role("t_supervisor"), kind="phone", status="planned", result="", findings="",
                 rectification_demand="", rectification_deadline="")
    assert r.status_code == 302 and "/inspectionview/show/" in r.headers["Location"], visible_text(r)[:1500]
    pk = int(r.headers["Location"].rstrip("/").split("/")[-1])
    with app.app_context():
        inspection = db.session.get(Inspection, pk)
        assert inspection.kind == "phone" and inspection.status == "planned" and inspection.result is None
        assert inspection.total_score is None  # no score recorded: not a score of 0
    # its page and the list say 得分 —, not 0 (a planned visit has not been scored)
    supervisor = as_role("t_supervisor")
    shown = visible_text(supervisor.get(f"/inspectionview/show/{pk}"))
    assert re.search(r"得分\s*—", shown), shown[:800]
    html = supervisor.get("/inspectionview/list/?psize_InspectionView=100").get_data(as_text=True)
    row = re.search(rf'(?s)<tr>(?:(?!</tr>).)*?/inspectionview/show/{pk}\b.*?</tr>', html).group(0)
    assert re.search(r'<td class="aid-col-total_score[^"]*">—</td>', row), row


def test_the_call_form_says_whom_to_call_and_what_was_paid(app, as_role):
    from decimal import Decimal

    from app.rules import idcard
    from app.models import AuditEntry, Award, PhoneCall, Student
    from app.rules import cards

    with app.app_context():
        pupil = Student(school_id=WORLD.school_a, name="回访对象", grade="高二", class_name="3班", enrolment_year=2025,
                        id_number=idcard.make("341124", date(2009, 2, 2), 881), guardian="回访家长",
                        guardian_phone="13955556666")
        db.session.add(pupil)
        db.session.flush()
        award = Award(student_id=pupil.id, program_id=WORLD.program_senior, semester_id=WORLD.semester,
                      amount=Decimal("1000"), card_kind="aid_card", card_number=cards.make("6217", 19, 8810),
                      status="paid", paid_on=date(2026, 11, 1))
        db.session.add(award)
        db.session.flush()
        inspection = Inspection(school_id=WORLD.school_a, kind="phone", status="planned", inspected_on=date(2026, 11, 2))
        db.session.add(inspection)
        db.session.flush()
        call = PhoneCall(inspection_id=inspection.id, award_id=award.id)
        db.session.add(call)
        db.session.commit()
        call_id, pupil_id = call.id, pupil.id
    supervisor = as_role("t_supervisor")
    page = visible_text(supervisor.get(f"/phonecallview/edit/{call_id}"))
    assert "回访对象 · 测试甲中学 · 高二3班" in page and "回访家长" in page, page[:2000]
    assert "回访电话 13955556666" in page and "测试高中助学金" in page and "1,000.00 元" in page, page[:2000]
    with app.app_context():  # the number shown in full is a read, on the record
        assert db.session.query(AuditEntry).filter_by(action="view", entity="student", record_id=pupil_id).count() >= 1
    # the family states another amount: marked for investigation
    r = post_edit(supervisor, f"/phonecallview/edit/{call_id}", {"called_on": "2026-11-03", "reached": "y",
                                                                  "confirms_receipt": "y", "stated_amount": "800"})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(PhoneCall, call_id).discrepancy is True
