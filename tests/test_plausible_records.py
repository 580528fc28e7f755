"""Plausible records: a pupil's grade, age, enrolment year, class and the phones of the county's records.

Policy basis:
* the county's work plan (/work/shared/seed): 资助信息100%填报 and 及时、准确填报学生资助管理信息系统 — the
  全国学生资助管理信息系统 takes each pupil's 学段、年级、班级、入学年份 and the guardian's phone from the
  school, so they must be the values that system and the 学籍 system know;
* 《中小学生学籍管理办法》(教基一〔2013〕7号) and 《中等职业学校学生学籍管理办法》(教职成〔2010〕7号):
  a pupil's 学籍 records the school, grade, class and 入学年月 as the national 学籍 data standard lists
  them (小学 一年级…六年级, 初中 七年级…九年级, 高中 高一…高三; a 完全中学 keeps 初中 and 高中);
* 《中华人民共和国义务教育法》(2006年修订) art. 11: school from the age of six (一年级 at 6, so 七年级 at
  12, 高一 at 15); 《幼儿园工作规程》(教育部令第39号, 2016) art. 4: kindergarten for children of 3 to 6.
  A pupil's age may differ from the usual age of the grade by 3 years at most (app/rules/grades.py);
* phones: 11-digit mobiles (1[3-9]…) and landlines with their area code, as the national numbering plan
  (《电信网编号计划（2017年版）》) gives them; the school's 监督举报电话 is printed on letters and the 公示
  (DESIGN.md: "the hotlines for questions and complaints"), so it must be a number one can call.

The record of the issue: a pupil born in 1960 in 高1 class "x", enrolment year 1999, phone "12345".
"""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select, text

from app.rules import idcard
from app.extensions import db
from app.models import InfoOfficer, Loan, School, Student
from app.rules import RuleError, grades, phones
from app.rules.students import check_student
from tests.conftest import WORLD, post_edit, purge, visible_text

# each test's writes, through the screens too, are rolled back when it ends (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("rollback")

TODAY = date.today()
YEAR = TODAY.year if TODAY.month >= 9 else TODAY.year - 1  # the school year's autumn


def born(age, seq):
    """An ID number of a pupil this old on 1 September of the current school year."""
    return idcard.make("341124", date(YEAR - age, 3, 1), seq)


ISSUE = {"name": "离谱学生", "id_number": idcard.make("341124", date(1960, 3, 1), 601), "grade": "高1",
         "class_name": "x", "enrolment_year": 1999, "guardian_phone": "12345"}


def _form(**over):
    data = {"school": WORLD.school_a, "name": "合理新生", "id_number": born(15, 602), "gender": "", "birth_date": "",
            "grade": "高一", "class_name": "3班", "enrolment_year": str(YEAR), "guardian": "家长",
            "guardian_phone": "13912345678", "address": "襄河镇"}
    data.update(over)
    return data


def _gone(name):
    with db.session.no_autoflush:
        return db.session.query(Student).filter_by(name=name).count() == 0


def test_the_issues_record_is_refused_by_the_api_field_by_field(app, api):
    jwt = api("t_officer_a")
    r = jwt.post("/api/v1/student/", json=ISSUE)
    assert r.status_code == 422
    message = r.get_json()["message"]
    assert {"grade", "class_name", "enrolment_year", "guardian_phone"} <= set(message), message
    assert "高一、高二、高三" in message["grade"]  # the allowed list, not a guess at what 高1 meant
    # the right grade, still a pupil of 66: the age is refused, without telling it
    r = jwt.post("/api/v1/student/", json={**ISSUE, "grade": "高一", "class_name": "1班", "enrolment_year": YEAR,
                                           "guardian_phone": "13912345678"})
    assert r.status_code == 422 and set(r.get_json()["message"]) == {"grade"}
    assert "12" in r.get_json()["message"]["grade"] and "66" not in r.get_json()["message"]["grade"]
    with app.app_context():
        assert _gone("离谱学生")


def test_the_form_offers_the_schools_grades_and_refuses_the_rest(app, officer_a):
    page = officer_a.get("/studentview/add").get_data(as_text=True)
    assert '<option value="高一">' in page and '<option value="一年级">' not in page  # school A is a 高中
    r = officer_a.post("/studentview/add", data=_form(name="离谱学生", grade="高1"))
    assert r.status_code == 200 and _gone_in(app, "离谱学生")
    r = officer_a.post("/studentview/add", data=_form(name="离谱学生", id_number=ISSUE["id_number"], class_name="x",
                                                      enrolment_year="1999", guardian_phone="12345"))
    shown = visible_text(r)
    assert "身份证号所示年龄与高一不符" in shown and "请按学校的叫法填写班级" in shown
    assert "入学年份应在" in shown and "11位手机号码" in shown
    assert _gone_in(app, "离谱学生")
    # a plausible pupil goes in, the phone stored as its digits
    r = officer_a.post("/studentview/add", data=_form(guardian_phone="139 1234 5678"))
    assert r.status_code == 302
    with app.app_context():
        pupil = db.session.query(Student).filter_by(name="合理新生").one()
        assert (pupil.grade, pupil.guardian_phone) == ("高一", "13912345678")
        purge(pupil)
        db.session.commit()


def _gone_in(app, name):
    with app.app_context():
        return _gone(name)


def test_the_import_refuses_a_grade_outside_the_list_and_names_the_list(app, officer_a):
    from tests.test_imports import HEADERS, _row, _upload, _xlsx

    text_ = visible_text(_upload(officer_a, _xlsx([
        _row("导入离谱", 611, grade="高四", id_number=born(15, 611)),
        _row("导入离龄", 613, grade="高一", id_number=idcard.make("341124", date(1960, 3, 1), 613)),
        _row("导入坏号", 615, id_number=born(15, 615), guardian_phone="12345", class_name="x", enrolment_year=1999),
    ], HEADERS)))
    assert "普通高中的年级为 高一、高二、高三" in text_
    assert "身份证号所示年龄与高一不符" in text_
    assert "11位手机号码" in text_ and "请按学校的叫法填写班级" in text_ and "入学年份应在" in text_
    with app.app_context():
        assert all(_gone(n) for n in ("导入离谱", "导入离龄", "导入坏号"))


def test_the_import_reads_a_grade_spelled_the_old_way_as_the_listed_grade(app, officer_a):
    """Files kept before grades were a list write 高1 or 初一: the pupil is stored in 高一 (app/rules/grades.py ALIASES)."""
    from tests.test_imports import HEADERS, _row, _upload, _xlsx

    text_ = visible_text(_upload(officer_a, _xlsx([_row("导入旧写法", 617, grade="高1", ident=False,
                                                                     id_number=born(15, 617))],
                                                  HEADERS)))
    assert "错误" not in text_, text_[-300:]
    with app.app_context():
        student = db.session.scalar(select(Student).where(Student.name == "导入旧写法"))
        assert student.grade == "高一"
        purge(student)
        db.session.commit()


@pytest.mark.parametrize("class_name", ["1班", "一班", "(3)班", "（3）班", "3班", " 3班 ", "火箭班", "3"])
def test_class_names_schools_use_are_accepted(app, class_name):
    with app.test_request_context():
        probe = _probe(class_name=class_name)
        check_student(probe, db.session)
        assert probe.class_name == class_name.strip()


@pytest.mark.parametrize("class_name", ["x", "A", "ab", "-", "()"])
def test_a_class_with_no_digit_nor_chinese_is_refused(app, class_name):
    with app.test_request_context(), pytest.raises(RuleError) as refused:
        check_student(_probe(class_name=class_name), db.session)
    assert set(refused.value.errors) == {"class_name"}


def _probe(school_id=None, **over):
    values = dict(id=None, school_id=school_id or WORLD.school_a, name="探针", gender=None, birth_date=None,
                  id_number=born(15, 621), grade="高一", class_name="1班", enrolment_year=YEAR,
                  guardian=None, guardian_phone=None, address=None)
    values.update(over)
    return SimpleNamespace(**values)


@pytest.mark.parametrize("stage, grade, ok", [
    ("senior", "高三", True), ("senior", "七年级", False), ("senior", "高1", False),
    ("primary", "六年级", True), ("primary", "七年级", False),
    ("complete", "七年级", True), ("complete", "高三", True), ("complete", "六年级", False),
    ("vocational", "中职一年级", True), ("vocational", "高一", False),
    ("kindergarten", "大班", True), ("kindergarten", "一年级", False),
])
def test_the_grade_is_one_of_the_schools_stage(app, stage, grade, ok):
    with app.test_request_context():
        school = School(code="T09" + stage[:2], name=f"学段测试{stage}", stage=stage, town="襄河镇")
        db.session.add(school)
        db.session.flush()
        age = grades.usual_age(grade)[0] if grades.usual_age(grade) else 15
        try:
            probe = _probe(school.id, grade=grade, id_number=born(age, 631),
                           enrolment_year=YEAR - (grades.grade_index(stage, grade) or 0))
            if ok:
                check_student(probe, db.session)
            else:
                with pytest.raises(RuleError) as refused:
                    check_student(probe, db.session)
                assert set(refused.value.errors) == {"grade"}
                assert "、".join(grades.grades_for_stage(stage)) in refused.value.errors["grade"]
        finally:
            db.session.rollback()


@pytest.mark.parametrize("grade, usual", [("小班", 3), ("一年级", 6), ("六年级", 11), ("七年级", 12), ("高一", 15),
                                          ("高三", 17), ("中职一年级", 15)])
def test_the_age_fits_the_grade_within_three_years(app, grade, usual):
    stage = {"小班": "kindergarten", "一年级": "primary", "六年级": "primary", "七年级": "complete", "高一": "senior",
             "高三": "complete", "中职一年级": "vocational"}[grade]
    assert grades.usual_age(grade) == (usual, 3)
    with app.test_request_context():
        school = School(code="T08" + stage[:2], name=f"年龄测试{stage}", stage=stage, town="襄河镇")
        db.session.add(school)
        db.session.flush()
        try:
            for age, ok in ((usual - 3, True), (usual + 3, True), (usual - 4, False), (usual + 4, False)):
                if age < 1:
                    continue  # not born yet
                probe = _probe(school.id, grade=grade, id_number=born(age, 641))
                if ok:
                    check_student(probe, db.session)
                else:
                    with pytest.raises(RuleError) as refused:
                        check_student(probe, db.session)
                    assert set(refused.value.errors) == {"grade"}, (age, refused.value.errors)
        finally:
            db.session.rollback()


def test_the_enrolment_year_is_not_in_the_future_nor_older_than_the_stage_and_three_years(app):
    with app.test_request_context():
        # school A is a 高中 (3 years): from this year back to 6 years ago
        for year, ok in ((TODAY.year, True), (TODAY.year - 6, True), (TODAY.year + 1, False), (TODAY.year - 7, False),
                         (1999, False)):
            probe = _probe(enrolment_year=year)
            if ok:
                check_student(probe, db.session)
            else:
                with pytest.raises(RuleError) as refused:
                    check_student(probe, db.session)
                assert set(refused.value.errors) == {"enrolment_year"}
        # a primary school teaches 6 years: 9 years back are accepted there
        check_student(_probe(WORLD.school_b, grade="六年级", id_number=born(11, 651), enrolment_year=TODAY.year - 9),
                      db.session)
        # a former pupil (a loan's borrower) enrolled long ago
        check_student(_probe(grade=grades.GRADUATED, id_number=born(25, 652), enrolment_year=TODAY.year - 12), db.session)


@pytest.mark.parametrize("value, stored", [
    ("13912345678", "13912345678"), ("139 1234 5678", "13912345678"), ("139-1234-5678", "13912345678"),
    ("+86 13912345678", "13912345678"), ("0550-5123456", "0550-5123456"), ("010-12345678", "010-12345678"),
    ("0550-5123456-801", "0550-5123456-801"), ("0550-5123456转801", "0550-5123456-801"), ("0550 5123456", "0550-5123456"),
    ("05505123456", "0550-5123456"), ("01012345678", "010-12345678"), ("", None), ("  ", None), (None, None),
])
def test_phones_that_can_be_called(value, stored):
    assert phones.normalise(value) == stored


@pytest.mark.parametrize("value", ["12345", "12345678901", "1391234567", "139123456789", "5123456", "05505123456x", "0550512345",
                                   "0550-51234", "0550-512345678", "phone", "0550-5123456-", "110"])
def test_numbers_no_one_can_call_back_are_refused(value):
    with pytest.raises(phones.PhoneError):
        phones.normalise(value)


def test_every_phone_of_the_county_goes_through_the_one_check(app, api, center):
    """Guardian (above), co-borrower, the school's phone and complaint hotline, the officer's phone."""
    centre = api("t_center")
    r = centre.put_current(f"/api/v1/school/{WORLD.school_a}", json={"complaint_hotline": "12345"})
    assert r.status_code == 422 and set(r.get_json()["message"]) == {"complaint_hotline"}
    r = centre.put_current(f"/api/v1/school/{WORLD.school_a}", json={"phone": "5123456"})
    assert r.status_code == 422 and set(r.get_json()["message"]) == {"phone"}
    r = api("t_officer_a").put_current(f"/api/v1/loan/{WORLD.loan_a}", json={"co_borrower_phone": "12345"})
    assert r.status_code == 422 and "co_borrower_phone" in r.get_json()["message"]
    # the officer's phone, on its form
    with app.app_context():
        user_id = db.session.get(InfoOfficer, WORLD.officer_a).user_id
    r = post_edit(center, f"/infoofficerview/edit/{WORLD.officer_a}",
                  {"school": WORLD.school_a, "user": user_id, "phone": "12345", "note": ""})
    assert "11位手机号码" in visible_text(r)
    with app.app_context():
        assert db.session.get(School, WORLD.school_a).complaint_hotline == "0550-1111111"
        assert db.session.get(School, WORLD.school_a).phone in (None, "")
        assert db.session.get(Loan, WORLD.loan_a).co_borrower_phone in (None, "")
        assert db.session.get(InfoOfficer, WORLD.officer_a).phone in (None, "")
        # and below the screens: the flush refuses a stored record's bad phone too
        officer = db.session.get(InfoOfficer, WORLD.officer_a)
        officer.phone = "12345"
        with pytest.raises(RuleError):
            db.session.flush()
        db.session.rollback()
    r = centre.put_current(f"/api/v1/school/{WORLD.school_a}", json={"phone": "0550 5123456"})
    assert r.status_code == 200, r.get_json()
    with app.app_context():
        assert db.session.get(School, WORLD.school_a).phone == "0550-5123456"
        db.session.get(School, WORLD.school_a).phone = None
        db.session.commit()


def test_an_old_record_is_judged_on_what_a_write_changes(app):
    """A pupil stored before these rules (phone 12345, class x) is promoted by the turnover and its address
    edited; a write that sets the phone or the class again is judged."""
    with app.test_request_context():
        pupil = db.session.get(Student, WORLD.student_b)
        db.session.connection().execute(text("UPDATE student SET class_name = 'x' WHERE id = :i"), {"i": pupil.id})
        db.session.expire(pupil)
        try:
            pupil.address = "乙校新地址"
            pupil.grade = "六年级"  # the year's promotion
            db.session.flush()
            pupil.class_name = "y"
            with pytest.raises(RuleError) as refused:
                db.session.flush()
            assert set(refused.value.errors) == {"class_name"}
        finally:
            db.session.rollback()


def test_the_turnover_and_the_forms_share_one_list(app):
    from app.models.choices import GRADES_BY_STAGE
    from app.operations.turnover import next_grade

    for stage in GRADES_BY_STAGE:
        assert tuple(GRADES_BY_STAGE[stage]) == grades.grades_for_stage(stage)
        listed = grades.grades_for_stage(stage)
        assert [next_grade(stage, g) for g in listed] == [*listed[1:], grades.GRADUATED]
        assert grades.is_final_grade(stage, listed[-1]) and not grades.is_final_grade(stage, listed[0])
    assert grades.grade_index("complete", "高一") == 3 and grades.grade_index("senior", "高一") == 0
    assert grades.level_of("七年级") == "junior" and grades.year_of("中职二年级") == 2
    assert grades.grades_for_stage("complete") == grades.grades_for_stage("junior") + grades.grades_for_stage("senior")


def test_a_transfer_request_names_a_grade_of_the_requesting_school(app, as_role):
    """The grade the pupil joins is the school's: school B (小学) cannot ask for a pupil in 高一."""
    from app.models import TransferRequest

    officer_b = as_role("t_officer_b")
    page = officer_b.get("/transferrequestview/add").get_data(as_text=True)
    assert '<option value="五年级">' in page and '<option value="高一">' not in page
    with app.test_request_context():
        request = TransferRequest(school_id=WORLD.school_b, id_number=born(15, 661), name="转入探针", grade="高一",
                                  class_name="x", reason="迁入")
        db.session.add(request)
        with pytest.raises(RuleError) as refused:
            db.session.flush()
        assert set(refused.value.errors) == {"grade", "class_name"}
        assert "一年级、二年级" in refused.value.errors["grade"]
        db.session.rollback()
