"""学生转入申请: a school learns only that an ID number is on the county's list, and asks the centre for the pupil.

Whether a person is a pupil in the county is personal data: adding or importing a pupil registered at
another school tells the school that the number is taken and how to ask for the pupil, never where,
under which name or in which class. The centre sees the pupil's current record beside the request and
moves the pupil (its records follow) or returns the request with a reason the school reads.
"""
from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from app.rules import idcard
from app.extensions import db
from app.operations.imports import STUDENT_COLUMNS
from app.models import Identification, Student, TransferRequest
from app.models.audit import AuditEntry
from tests.conftest import WORLD, purge, visible_text

# each test's writes, through the screens too, are rolled back when it ends (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("rollback")

ELSEWHERE = "已在本县学籍名单中"
# What officer B may never learn of school A's pupil: its school, name, grade and class.
A_SECRETS = ("测试甲中学", "甲校转出学生", "高二", "7班")


@pytest.fixture()
def pupil_a(app):
    """A pupil of school A, with an identification, that school B will ask for."""
    with app.app_context():
        # 13 on 1 September: young for 高二 and old for 五年级 (the grade it joins at school B), both within 3 years
        pupil = Student(school_id=WORLD.school_a, name="甲校转出学生", id_number=idcard.make("341124", date(2013, 4, 5), 731),
                        grade="高二", class_name="7班", enrolment_year=2024)
        db.session.add(pupil)
        db.session.flush()
        ident = Identification(student_id=pupil.id, school_year="2026-2027", level="difficult", cat_subsistence=True,
                               evidence_source="civil_affairs", identified_on=date(2026, 9, 10))
        db.session.add(ident)
        db.session.commit()
        ids = pupil.id, pupil.id_number, ident.id
    yield ids
    with app.app_context():
        requests = db.session.scalars(select(TransferRequest).where(TransferRequest.id_number == ids[1])).all()
        purge(*requests)
        purge(db.session.get(Identification, ids[2]))
        purge(db.session.get(Student, ids[0]))
        db.session.commit()


def _request_form(number, **over):
    return {"school": WORLD.school_b, "id_number": number, "name": "甲校转出学生", "grade": "五年级",
            "class_name": "3班", "reason": "家庭9月迁入古河镇，已在本校就读", **over}


def _file(client, number, **over):
    return client.post("/transferrequestview/add", data=_request_form(number, **over))


def _request_of(number, school_id):
    return db.session.scalars(select(TransferRequest).where(TransferRequest.id_number == number,
                                                            TransferRequest.school_id == school_id)).all()


def _student_xlsx(rows):
    wb = Workbook()
    ws = wb.active
    ws.append([title for _, title, _, _ in STUDENT_COLUMNS])
    for row in rows:
        ws.append([row.get(key) for key, *_ in STUDENT_COLUMNS])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def test_adding_a_pupil_registered_elsewhere_tells_only_that_and_how_to_ask(app, as_role, api, pupil_a):
    """Form, API and import alike: the number is on the county's list; nothing of the other school's pupil."""
    _, number, _ = pupil_a
    officer_b = as_role("t_officer_b")
    form = {"school": WORLD.school_b, "name": "乙校新生", "id_number": number, "grade": "五年级", "class_name": "3班",
            "enrolment_year": "2026"}
    text = visible_text(officer_b.post("/studentview/add", data=form))
    assert ELSEWHERE in text and "学生转入申请" in text
    assert not [s for s in A_SECRETS if s in text]
    r = api("t_officer_b").post("/api/v1/student/", json={"school": WORLD.school_b, "name": "乙校新生", "id_number": number,
                                                          "grade": "五年级", "class_name": "3班", "enrolment_year": 2026})
    answer = str(r.get_json())
    assert r.status_code == 422 and ELSEWHERE in answer and not [s for s in A_SECRETS if s in answer]
    data = _student_xlsx([{"school_code": "T0002", "name": "乙校新生", "id_number": number, "grade": "五年级",
                           "class_name": "3班", "enrolment_year": 2026}])
    text = visible_text(officer_b.post("/import/students/", data={"file": (BytesIO(data), "学生.xlsx")},
                                       content_type="multipart/form-data"))
    assert ELSEWHERE in text and not [s for s in A_SECRETS if s in text]
    with app.app_context():
        pupil = db.session.scalars(select(Student).where(Student.id_number == number)).one()
        assert (pupil.school_id, pupil.name) == (WORLD.school_a, "甲校转出学生")


def test_a_school_files_a_request_and_sees_nothing_of_the_pupil_elsewhere(app, as_role, pupil_a):
    _, number, _ = pupil_a
    officer_b = as_role("t_officer_b")
    r = _file(officer_b, number)
    assert r.status_code == 302
    with app.app_context():
        (request,) = _request_of(number, WORLD.school_b)
        assert (request.status, request.grade, request.class_name) == ("pending", "五年级", "3班")
        pk = request.id
    for url in ("/transferrequestview/list/", f"/transferrequestview/show/{pk}"):
        text = visible_text(officer_b.get(url))
        assert "甲校转出学生" in text  # the name the school typed itself
        assert "测试甲中学" not in text and "高二" not in text and "7班" not in text
        assert number not in officer_b.get(url).get_data(as_text=True)  # masked on every page of the school
    # the same request twice, while the first waits
    text = visible_text(_file(officer_b, number))
    assert "正在等待资助中心办理" in text
    with app.app_context():
        assert len(_request_of(number, WORLD.school_b)) == 1
    # another school's officer never sees it
    officer_a = as_role("t_officer_a")
    assert "甲校转出学生" not in visible_text(officer_a.get("/transferrequestview/list/"))
    assert officer_a.get(f"/transferrequestview/show/{pk}").status_code in (302, 404)


def test_the_centre_moves_the_pupil_and_its_records_follow(app, as_role, pupil_a):
    student_id, number, ident_id = pupil_a
    officer_b = as_role("t_officer_b")
    assert _file(officer_b, number).status_code == 302
    with app.app_context():
        (request,) = _request_of(number, WORLD.school_b)
        pk = request.id
    # the school cannot decide its own request, by the button's route or by editing the state
    assert officer_b.post(f"/transferrequestview/approve/{pk}").status_code in (302, 403)
    officer_b.post(f"/transferrequestview/edit/{pk}", data={**_request_form(number), "status": "done"})
    with app.app_context():
        assert db.session.get(TransferRequest, pk).status == "pending"
        assert db.session.get(Student, student_id).school_id == WORLD.school_a
    centre = as_role("t_center")
    text = visible_text(centre.get(f"/transferrequestview/show/{pk}"))
    assert "该学生当前学籍" in text and "测试甲中学" in text and "高二" in text
    r = centre.post(f"/transferrequestview/approve/{pk}", follow_redirects=True)
    assert "学籍及其资助记录已转入申请学校" in visible_text(r)
    with app.app_context():
        pupil = db.session.get(Student, student_id)
        assert (pupil.school_id, pupil.grade, pupil.class_name) == (WORLD.school_b, "五年级", "3班")
        assert db.session.get(Identification, ident_id).school_id == WORLD.school_b
        request = db.session.get(TransferRequest, pk)
        assert (request.status, request.student_id) == ("done", student_id)
        assert request.decided_by.username == "t_center" and request.decided_at is not None
        moved = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "student",
                                                            AuditEntry.record_id == student_id)).all()
        assert any("school_id" in (e.changes or {}) for e in moved)
        # the history shows both schools, each on its own line; the pupil stays in school
        from app.models import StatusChange

        changes = db.session.scalars(select(StatusChange).where(StatusChange.student_id == student_id)
                                     .order_by(StatusChange.id)).all()
        assert [(c.kind, c.school_id, c.other_school_id) for c in changes] == [
            ("transfer_out", WORLD.school_a, WORLD.school_b), ("transfer_in", WORLD.school_b, WORLD.school_a)]
        assert pupil.status == "in_school"
    assert "甲校转出学生" in visible_text(officer_b.get("/studentview/list/?_flt_0_name=甲校转出学生"))
    a_list = visible_text(as_role("t_officer_a").get("/studentview/list/?_flt_0_name=甲校转出学生"))
    # the list says nothing matched; the name appears only in the search bar and its chip (what was typed)
    assert "没有符合搜索条件的记录" in a_list and "甲校转出学生" not in a_list.split("没有符合搜索条件的记录")[-1]
    # school A keeps its own line of the history (the pupil left it), school B sees only its own
    assert "转出" in visible_text(as_role("t_officer_a").get("/statuschangeview/list/"))
    b_list = visible_text(officer_b.get("/statuschangeview/list/"))
    assert "转入" in b_list and "家庭9月迁入古河镇" in b_list
    # decided is decided: neither approved again nor edited
    assert "已办理完毕" in visible_text(centre.post(f"/transferrequestview/approve/{pk}", follow_redirects=True))
    officer_b.post(f"/transferrequestview/edit/{pk}", data=_request_form(number, grade="六年级"))
    with app.app_context():
        assert db.session.get(TransferRequest, pk).grade == "五年级"


def test_the_centre_returns_a_request_with_a_reason_the_school_reads(app, as_role, pupil_a):
    _, number, _ = pupil_a
    officer_b = as_role("t_officer_b")
    assert _file(officer_b, number).status_code == 302
    with app.app_context():
        (request,) = _request_of(number, WORLD.school_b)
        pk = request.id
    centre = as_role("t_center")
    assert "请填写退回理由" in visible_text(centre.post(f"/transferrequestview/return/{pk}", data={"answer": "  "}))
    with app.app_context():
        assert db.session.get(TransferRequest, pk).status == "pending"
    assert officer_b.post(f"/transferrequestview/return/{pk}", data={"answer": "自己退回"}).status_code in (302, 403)
    r = centre.post(f"/transferrequestview/return/{pk}", data={"answer": "原学校反映该生仍在校就读，请核实"})
    assert r.status_code == 302
    with app.app_context():
        request = db.session.get(TransferRequest, pk)
        assert (request.status, request.answer) == ("returned", "原学校反映该生仍在校就读，请核实")
    text = visible_text(officer_b.get(f"/transferrequestview/show/{pk}"))
    assert "已退回" in text and "原学校反映该生仍在校就读" in text
    # a new request may follow once the first is decided
    assert _file(officer_b, number).status_code == 302


def test_a_request_for_a_number_nobody_holds_is_returned_not_moved(app, as_role):
    number = idcard.make("341124", date(2011, 5, 6), 733)
    officer_b = as_role("t_officer_b")
    assert _file(officer_b, number, name="无此学生").status_code == 302
    with app.app_context():
        (request,) = _request_of(number, WORLD.school_b)
        pk = request.id
    try:
        centre = as_role("t_center")
        assert "本县没有该身份证号的学籍记录" in visible_text(centre.get(f"/transferrequestview/show/{pk}"))
        text = visible_text(centre.post(f"/transferrequestview/approve/{pk}", follow_redirects=True))
        assert "本县没有该身份证号的学籍记录" in text
        with app.app_context():
            assert db.session.get(TransferRequest, pk).status == "pending"
    finally:
        with app.app_context():
            purge(db.session.get(TransferRequest, pk))
            db.session.commit()


def test_a_bad_id_number_or_another_schools_name_is_refused(app, as_role):
    officer_b = as_role("t_officer_b")
    text = visible_text(_file(officer_b, "341124200901011234", name="错号学生"))
    assert "身份证号" in text
    # filed in another school's name: the scope refuses it
    number = idcard.make("341124", date(2011, 5, 6), 735)
    _file(officer_b, number, school=WORLD.school_a)
    with app.app_context():
        assert db.session.scalars(select(TransferRequest).where(TransferRequest.name == "错号学生")).all() == []
        assert _request_of(number, WORLD.school_a) == []
