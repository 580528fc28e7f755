"""An officer keeps its school's students and their difficulty identifications."""
from datetime import date

from app.rules import idcard
from app.extensions import db
from app.models import Identification, Student
from tests.conftest import WORLD, post_edit, visible_text
import pytest

# each test's writes, through the screens too, are rolled back when it ends (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("rollback")


def _form(**over):
    data = {"school": WORLD.school_a, "name": "新生王", "id_number": idcard.make("341124", date(2010, 5, 6), 123),
            "gender": "", "birth_date": "", "grade": "高一", "class_name": "3班", "enrolment_year": "2026",
            "guardian": "王父", "guardian_phone": "13900000000", "address": "襄河镇"}
    data.update(over)
    return data


def test_officer_adds_a_student_and_the_id_number_fills_birth_date_and_gender(app, officer_a):
    number = idcard.make("341124", date(2010, 5, 6), 124)  # even sequence: female
    r = officer_a.post("/studentview/add", data=_form(id_number=number.lower(), name="录入测试"))
    assert r.status_code == 302
    with app.app_context():
        s = db.session.query(Student).filter_by(id_number=number).one()
        assert (s.birth_date, s.gender, s.school_id) == (date(2010, 5, 6), "F", WORLD.school_a)


def test_a_wrong_id_number_keeps_the_form_and_says_why_in_chinese(app, officer_a):
    good = idcard.make("341124", date(2010, 5, 6), 125)
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    r = officer_a.post("/studentview/add", data=_form(id_number=bad, name="错号学生"))
    assert r.status_code == 200
    text = visible_text(r)
    assert "身份证号校验位不正确" in text
    assert 'value="错号学生"' in r.get_data(as_text=True)  # the input is still there
    with app.app_context():
        assert db.session.query(Student).filter_by(name="错号学生").count() == 0


def test_birth_date_and_gender_must_agree_with_the_id_number(app, officer_a):
    number = idcard.make("341124", date(2010, 5, 6), 127)  # male
    r = officer_a.post("/studentview/add", data=_form(id_number=number, birth_date="2010-05-07", gender="F"))
    text = visible_text(r)
    assert "出生日期与身份证号不一致" in text and "性别与身份证号不一致" in text


def test_the_same_id_number_twice_gets_a_readable_message(app, officer_a, as_role):
    number = idcard.make("341124", date(2010, 7, 8), 129)
    assert officer_a.post("/studentview/add", data=_form(id_number=number, name="重复甲")).status_code == 302
    # double submit of the same form
    r = officer_a.post("/studentview/add", data=_form(id_number=number, name="重复甲"))
    assert "该身份证号已登记为本校学生 重复甲" in visible_text(r)
    # another school's officer: told it exists elsewhere, never whose it is
    r = as_role("t_officer_b").post("/studentview/add", data=_form(school=WORLD.school_b, id_number=number, name="重复乙", grade="五年级"))
    text = visible_text(r)
    assert "已在本县学籍名单中" in text and "重复甲" not in text
    with app.app_context():
        assert db.session.query(Student).filter_by(id_number=number).count() == 1


def test_officer_edits_its_student(app, officer_a):
    r = post_edit(officer_a, f"/studentview/edit/{WORLD.student_a}", _form(
        id_number=db_number(app, WORLD.student_a), name="甲校学生", class_name="9班", grade="高二", enrolment_year="2024"))
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(Student, WORLD.student_a).class_name == "9班"


def db_number(app, student_id):
    with app.app_context():
        return db.session.get(Student, student_id).id_number


def test_identification_derives_priority_and_is_filterable(app, officer_a):
    number = idcard.make("341124", date(2009, 1, 1), 131)
    officer_a.post("/studentview/add", data=_form(id_number=number, name="认定学生"))
    with app.app_context():
        sid = db.session.query(Student).filter_by(id_number=number).one().id
    r = officer_a.post("/identificationview/add", data={
        "student": number.lower(), "school_year": "2026-2027", "level": "special", "cat_disability": "y", "cat_orphan": "y",
        "evidence_source": "disabled_fed", "identified_on": "2026-09-15", "notes": ""})
    assert r.status_code == 302
    with app.app_context():
        ident = db.session.query(Identification).filter_by(student_id=sid).one()
        assert ident.is_priority and ident.school_id == WORLD.school_a
    listed = visible_text(officer_a.get("/identificationview/list/?_flt_0_is_priority=y"))
    assert "认定学生" in listed and "特别困难" in listed and "残疾、孤儿" in listed
    # a second identification of the same student for the same year is refused
    r = officer_a.post("/identificationview/add", data={
        "student": number, "school_year": "2026-2027", "level": "general", "cat_other": "y",
        "evidence_source": "school", "identified_on": "2026-09-16"})
    with app.app_context():
        assert db.session.query(Identification).filter_by(student_id=sid).count() == 1


def test_identification_needs_a_category_and_a_proper_school_year(app, officer_a):
    r = officer_a.post("/identificationview/add", data={
        "student": db_number(app, WORLD.student_a), "school_year": "2026", "level": "general",
        "evidence_source": "school", "identified_on": "2026-09-16"})
    text = visible_text(r)
    assert "2021-2022" in text and "请至少勾选一个类别" in text


def test_api_validates_like_the_screens(app, api):
    jwt = api("t_officer_a")
    good = idcard.make("341124", date(2010, 9, 9), 141)
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    r = jwt.post("/api/v1/student/", json={"name": "接口学生", "id_number": bad, "grade": "高一", "class_name": "1班", "enrolment_year": 2026})
    assert r.status_code == 422 and "id_number" in r.get_json()["message"]
    r = jwt.post("/api/v1/student/", json={"name": "接口学生", "id_number": good, "grade": "高一", "class_name": "1班", "enrolment_year": 2026})
    assert r.status_code == 201, r.get_json()
    with app.app_context():
        s = db.session.get(Student, r.get_json()["id"])
        assert s.school_id == WORLD.school_a and s.gender == "M" and s.birth_date == date(2010, 9, 9)
    again = jwt.post("/api/v1/student/", json={"name": "接口学生", "id_number": good, "grade": "高一", "class_name": "1班", "enrolment_year": 2026})
    assert again.status_code == 422


def test_lists_show_masked_id_numbers_and_chinese_labels(officer_a):
    text = visible_text(officer_a.get("/studentview/list/"))
    assert "341124********" in text
    assert "男" in text or "女" in text


def test_center_moves_a_student_and_its_identifications_follow(app, center):
    number = idcard.make("341124", date(2012, 2, 2), 151)  # 14: old for 高一, and old for 六年级, both within 3 years
    with app.app_context():
        s = Student(school_id=WORLD.school_a, name="转学生", id_number=number, grade="高一", class_name="1班", enrolment_year=2025)
        db.session.add(s)
        db.session.flush()
        db.session.add(Identification(student_id=s.id, school_year="2026-2027", level="general", cat_other=True, evidence_source="school", identified_on=date(2026, 9, 1)))
        db.session.commit()
        sid = s.id
    r = post_edit(center, f"/studentview/edit/{sid}", _form(school=WORLD.school_b, id_number=number, name="转学生", grade="六年级", enrolment_year="2025"))
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(Student, sid).school_id == WORLD.school_b
        assert {i.school_id for i in db.session.query(Identification).filter_by(student_id=sid)} == {WORLD.school_b}


def test_officer_exports_its_students_to_excel(app, officer_a):
    from io import BytesIO

    from openpyxl import load_workbook

    r = officer_a.get("/studentview/export/")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(BytesIO(r.data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("姓名", "性别", "身份证号")
    schools = {row[rows[0].index("学校")] for row in rows[1:]}
    assert schools == {"测试甲中学"}
    assert all("*" in row[2] for row in rows[1:])  # ID numbers masked as in the list
    with app.app_context():
        assert len(rows) - 1 == db.session.query(Student).filter_by(school_id=WORLD.school_a).count()
    # the search applies to the export too
    r = officer_a.get("/studentview/export/?_flt_0_name=甲校学生")
    rows = list(load_workbook(BytesIO(r.data)).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == ["甲校学生"]


def test_record_counts_are_the_users_own(app, officer_a, center, api):
    import re

    with app.app_context():
        own = db.session.query(Student).filter_by(school_id=WORLD.school_a).count()
        everyone = db.session.query(Student).count()

    def shown(client, url):
        return int(re.search(r"共 (\d+) 条", visible_text(client.get(url, follow_redirects=True))).group(1))

    assert shown(officer_a, "/studentview/list/") == own
    assert shown(center, "/studentview/list/") == everyone
    assert shown(center, f"/studentview/list/?_flt_0_school={WORLD.school_b}") == everyone - own - _others(app)
    assert shown(officer_a, "/studentview/list/?_flt_0_name=甲校学生") == 1
    assert api("t_officer_a").get("/api/v1/student/").get_json()["count"] == own
    assert api("t_center").get("/api/v1/student/").get_json()["count"] == everyone


def _others(app):
    with app.app_context():
        return db.session.query(Student).filter(Student.school_id.notin_([WORLD.school_a, WORLD.school_b])).count()


def test_identification_of_another_schools_student_cannot_be_found(app, officer_a):
    r = officer_a.post("/identificationview/add", data={
        "student": db_number(app, WORLD.student_b), "school_year": "2026-2027", "level": "general",
        "cat_other": "y", "evidence_source": "school", "identified_on": "2026-09-16"})
    assert "没有找到该身份证号的本校学生" in visible_text(r)
    from app.rules.identification import school_year_of

    form = officer_a.get("/identificationview/add").get_data(as_text=True)
    assert f'value="{school_year_of(date.today())}"' in form  # the current school year is proposed
    assert f'value="{date.today().isoformat()}"' in form


def test_lists_are_searched_by_text_and_codes(app, officer_a, center):
    import re

    def count(client, url):
        page = visible_text(client.get(url, follow_redirects=True))
        if "没有符合搜索条件的记录" in page:  # the empty list says so instead of a count
            return 0
        return int(re.search(r"共 (\d+) 条", page).group(1))

    number = db_number(app, WORLD.student_a)
    assert count(officer_a, f"/identificationview/list/?_flt_0_student={number.lower()}") == 1
    assert count(officer_a, "/identificationview/list/?_flt_0_student=甲校") == 1
    assert count(officer_a, f"/identificationview/list/?_flt_0_student={db_number(app, WORLD.student_b)}") == 0
    with app.app_context():
        special = db.session.query(Identification).filter_by(level="special").count()
        not_special = db.session.query(Identification).count() - special
    assert count(center, "/identificationview/list/?_flt_0_level=special") == special
    assert count(center, "/identificationview/list/?_flt_1_level=special") == not_special
    # the filter form (rendered into the page as escaped JSON) offers no dropdown of every student
    import json

    html = center.get("/identificationview/list/").get_data(as_text=True)
    for name in ("乙校学生", "甲校学生"):
        assert json.dumps(name).strip('"') not in html
