"""全国学籍号 on the pupil: its forms, stored encrypted and unique in the county by keyed hash, masked
like the ID number, searched whole, imported, exported upward, and refused to other schools' officers."""
from __future__ import annotations

import json
from datetime import date
from io import BytesIO
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from sqlalchemy import inspect as sa_inspect, select, text

from app.security import crypto
from app.rules import idcard
from app.rules import studentno
from app.extensions import db
from app.models import Award, Identification, Student
from app.models.audit import AuditEntry
from app.rules import cards
from tests.conftest import WORLD, post_edit, purge, visible_text
from tests.test_transfers import _student_xlsx

ELSEWHERE = "该学籍号已在本县学籍名单中"
A_SECRETS = ("学籍甲生", "测试甲中学", "9班")

# school A (高中) pupils are born in 2010, school B (小学) pupils in 2015
ID_A = idcard.make("341124", date(2010, 3, 4), 611)
ID_A2 = idcard.make("341124", date(2010, 7, 8), 613)
ID_B = idcard.make("341124", date(2015, 5, 6), 615)
TEMP_A = "L34112420100304" + "8123"                       # a temporary number: division, birth date, 4 digits
J_A2 = "J" + idcard.make("341124", date(2010, 7, 8), 901)  # built by the ID number's rule, its own check character


def _form(**over):
    data = {"school": WORLD.school_a, "name": "学籍新生", "id_number": ID_A2, "student_number": "", "gender": "",
            "birth_date": "", "grade": "高一", "class_name": "3班", "enrolment_year": "2026", "guardian": "王父",
            "guardian_phone": "13900000000", "address": "襄河镇"}
    data.update(over)
    return data


@pytest.fixture()
def pupil_a(app):
    """A pupil of school A with a temporary L number; removed afterwards with whatever the test added."""
    with app.app_context():
        pupil = Student(school_id=WORLD.school_a, name="学籍甲生", id_number=ID_A, student_number=TEMP_A.lower(),
                        grade="高一", class_name="9班", enrolment_year=2026)
        db.session.add(pupil)
        db.session.commit()
        pk = pupil.id
    yield pk
    with app.app_context():
        made = db.session.scalars(select(Student).where(Student.name.like("学籍%"))).all()
        for record in made:
            purge(*db.session.scalars(select(Award).where(Award.student_id == record.id)).all())
            purge(*db.session.scalars(select(Identification).where(Identification.student_id == record.id)).all())
        purge(*made)
        db.session.commit()


def _stored(pk):
    with WORLD.app.app_context():
        return db.session.get(Student, pk).student_number


# --- the forms of a 学籍号 ----------------------------------------------------------------------------

def test_the_forms_of_a_student_number(app):
    with app.test_request_context():
        assert studentno.parse("G" + ID_A, id_number=ID_A) == "G" + ID_A
        # lower case, spaces, full-width characters: read as the number they are
        assert studentno.parse(" g" + ID_A[:6] + " " + ID_A[6:].lower(), id_number=ID_A) == "G" + ID_A
        assert studentno.parse("ｇ" + ID_A.translate(str.maketrans("0123456789", "０１２３４５６７８９")), ID_A) == "G" + ID_A
        assert studentno.parse(TEMP_A.lower(), id_number=ID_A) == TEMP_A
        assert studentno.parse(J_A2, id_number=ID_A2) == J_A2
        bad = {
            "G" + ID_A[:-1]: "应为19位",                                      # 18 characters
            "X" + ID_A: "应以G",                                              # no such letter
            "G" + ID_A2: "与本人身份证号不一致",                                # another pupil's ID number
            "G" + ID_A[:-1] + ("1" if ID_A[-1] != "1" else "2"): "G后应为学生身份证号",  # not an ID number at all
            "L34112420100304812X": "L加18位数字",                             # a temporary number is digits only
            "L99112420100304" + "8123": "行政区划代码无效",
            "L34112420101304" + "8123": "出生日期（20101304）不存在",
            "J" + J_A2[1:-1] + ("1" if J_A2[-1] != "1" else "2"): "校验位不正确",
            "JA41124201007089011": "J后应为17位数字",
            "学籍号不详": "应为19位",
        }
        for raw, said in bad.items():
            with pytest.raises(studentno.StudentNumberError) as refused:
                studentno.parse(raw, id_number=ID_A)
            assert said in str(refused.value), (raw, str(refused.value))
        assert studentno.mask("G" + ID_A) == "G" + idcard.mask(ID_A)
        assert studentno.mask(TEMP_A) == "L341124********8123"


# --- stored as the ID number is -------------------------------------------------------------------------

def test_stored_encrypted_upper_case_with_its_keyed_hash_unique_in_the_county(app, pupil_a):
    assert _stored(pupil_a) == TEMP_A  # typed in lower case, stored upper case
    with app.app_context():
        raw, hashed = db.session.execute(text("SELECT student_number, student_number_hash FROM student WHERE id = :i"),
                                         {"i": pupil_a}).one()
        assert raw.startswith(crypto.PREFIX) and TEMP_A not in raw
        assert hashed == crypto.lookup(TEMP_A)
        assert db.session.scalar(select(Student.id).where(Student.student_number == TEMP_A.lower())) == pupil_a
        index = {i["name"]: i for i in sa_inspect(db.engine).get_indexes("student")}["uq_student_student_number_hash"]
        assert index["unique"] and index["column_names"] == ["student_number_hash"]
        # the existing pupils have none, and a blank is none
        assert db.session.get(Student, WORLD.student_b).student_number is None
        other = db.session.get(Student, pupil_a)
        other.student_number = "  "
        db.session.commit()
        assert db.session.scalar(text("SELECT student_number_hash FROM student WHERE id = :i"), {"i": pupil_a}) is None


# --- the screens ---------------------------------------------------------------------------------------

def test_officer_records_the_number_and_a_g_number_must_be_the_pupils_own(app, officer_a, pupil_a):
    text_ = visible_text(officer_a.post("/studentview/add", data=_form(student_number="G" + ID_A)))
    assert "G字头学籍号应为“G+本人身份证号”" in text_
    text_ = visible_text(officer_a.post("/studentview/add", data=_form(student_number="学籍号")))
    assert "学籍号应为19位" in text_
    with app.app_context():
        assert not db.session.scalars(select(Student).where(Student.name == "学籍新生")).all()
    r = officer_a.post("/studentview/add", data=_form(student_number="g" + ID_A2.lower()))
    assert r.status_code == 302
    with app.app_context():
        pk = db.session.scalar(select(Student.id).where(Student.name == "学籍新生"))
    assert _stored(pk) == "G" + ID_A2
    # a J number replaces it on the record's edit form
    assert post_edit(officer_a, f"/studentview/edit/{pk}", _form(student_number=J_A2)).status_code == 302
    assert _stored(pk) == J_A2
    # and the ID number corrected alone no longer fits a G number: said beside the 学籍号
    post_edit(officer_a, f"/studentview/edit/{pk}", _form(student_number="G" + ID_A2))
    text_ = visible_text(post_edit(officer_a, f"/studentview/edit/{pk}",
                                   _form(id_number=idcard.make("341124", date(2010, 7, 8), 617), student_number="G" + ID_A2)))
    assert "与本人身份证号不一致" in text_ and _stored(pk) == "G" + ID_A2


def test_masked_in_lists_and_on_the_record_page_and_a_reveal_is_recorded(app, officer_a, center, as_role, pupil_a):
    masked = studentno.mask(TEMP_A)
    for client in (officer_a, center):  # lists on screen: masked for everyone
        page = client.get("/studentview/list/").get_data(as_text=True)
        assert TEMP_A not in page and masked in page and "学籍号" in page
    for client in (officer_a, as_role("t_supervisor"), as_role("t_leader")):
        page = client.get(f"/studentview/show/{pupil_a}").get_data(as_text=True)
        assert TEMP_A not in page and masked in page
    assert TEMP_A in center.get(f"/studentview/show/{pupil_a}").get_data(as_text=True)  # the centre's look is recorded

    def reveals():
        with app.app_context():
            return db.session.scalars(select(AuditEntry).where(
                AuditEntry.entity == "student", AuditEntry.record_id == pupil_a, AuditEntry.action == "view",
                AuditEntry.summary.like("显示完整号码%"), AuditEntry.username == "t_officer_a")).all()

    before = len(reveals())
    page = officer_a.get(f"/studentview/show/{pupil_a}?reveal=1").get_data(as_text=True)
    assert TEMP_A in page
    assert len(reveals()) == before + 1 and "学籍号" in reveals()[-1].summary
    # the audit trail of the pupil's writes keeps the number masked
    with app.app_context():
        trail = " ".join(e.changes or "" for e in db.session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "student", AuditEntry.record_id == pupil_a)))
        assert TEMP_A not in trail and "L341124********8123" in trail


# --- one pupil, one number, county-wide; nothing told of another school ------------------------------------

def test_another_schools_officer_learns_only_that_the_number_is_registered(app, as_role, api, pupil_a):
    officer_b = as_role("t_officer_b")
    form = {"school": WORLD.school_b, "name": "学籍乙生", "id_number": ID_B, "student_number": TEMP_A,
            "grade": "五年级", "class_name": "3班", "enrolment_year": "2022"}
    text_ = visible_text(officer_b.post("/studentview/add", data=form))
    assert ELSEWHERE in text_ and "学生转入申请" in text_ and not [s for s in A_SECRETS if s in text_]
    body = {"school": WORLD.school_b, "name": "学籍乙生", "id_number": ID_B, "student_number": TEMP_A,
            "grade": "五年级", "class_name": "3班", "enrolment_year": 2022}
    r = api("t_officer_b").post("/api/v1/student/", json=body)
    answer = json.dumps(r.get_json(), ensure_ascii=False)
    assert r.status_code == 422 and ELSEWHERE in answer and not [s for s in A_SECRETS if s in answer]
    # its own pupil, given the number by a PUT: the same answer, nothing stored
    r = api("t_officer_b").put_current(f"/api/v1/student/{WORLD.student_b}", json={"student_number": TEMP_A})
    answer = json.dumps(r.get_json(), ensure_ascii=False)
    assert r.status_code == 422 and ELSEWHERE in answer and not [s for s in A_SECRETS if s in answer]
    assert _stored(WORLD.student_b) is None
    # at its own school, the officer is told which pupil holds it (its own pupil)
    with app.app_context():
        twin = Student(school_id=WORLD.school_a, name="学籍甲二", id_number=ID_A2, grade="高一", class_name="3班",
                       enrolment_year=2026)
        db.session.add(twin)
        db.session.commit()
        twin_id = twin.id
    r = api("t_officer_a").put_current(f"/api/v1/student/{twin_id}", json={"student_number": TEMP_A})
    assert r.status_code == 422 and "学籍甲生" in json.dumps(r.get_json(), ensure_ascii=False)
    # below the screens (a command, a job) the rule refuses a second holder all the same
    from app.rules import RuleError

    with app.app_context():
        db.session.get(Student, twin_id).student_number = TEMP_A
        with pytest.raises(RuleError):
            db.session.commit()
        db.session.rollback()
    assert _stored(twin_id) is None and _stored(pupil_a) == TEMP_A


def test_another_schools_officer_cannot_write_or_read_the_number_by_the_api(app, api, pupil_a):
    officer_b = api("t_officer_b")
    r = officer_b.put(f"/api/v1/student/{pupil_a}", json={"student_number": "L34112420100304" + "8999"},
                      headers={"If-Match": "*"})
    assert r.status_code in (403, 404)
    assert officer_b.get(f"/api/v1/student/{pupil_a}").status_code == 404
    listed = officer_b.get("/api/v1/student/?q=(page_size:100)").get_data(as_text=True)
    assert "学籍甲生" not in listed
    # a new pupil posted into another school is refused whatever its number
    r = officer_b.post("/api/v1/student/", json={"school": WORLD.school_a, "name": "学籍越权", "id_number": ID_A2,
                                                 "student_number": "G" + ID_A2, "grade": "高一", "class_name": "1班",
                                                 "enrolment_year": 2026})
    assert r.status_code in (403, 422)
    with app.app_context():
        assert not db.session.scalars(select(Student).where(Student.name == "学籍越权")).all()
    assert _stored(pupil_a) == TEMP_A
    # its own school's officer reads it masked; the centre in full
    assert api("t_officer_a").get(f"/api/v1/student/{pupil_a}").get_json()["result"]["student_number"] == studentno.mask(TEMP_A)
    assert api("t_center").get(f"/api/v1/student/{pupil_a}").get_json()["result"]["student_number"] == TEMP_A
    # the masked number sent back as read keeps the number stored; any other starred value is refused
    r = api("t_officer_a").put_current(f"/api/v1/student/{pupil_a}", json={"student_number": studentno.mask(TEMP_A),
                                                                            "class_name": "8班"})
    assert r.status_code == 200, r.get_json()
    assert _stored(pupil_a) == TEMP_A
    r = api("t_officer_a").put_current(f"/api/v1/student/{pupil_a}", json={"student_number": "L341124********0000"})
    assert r.status_code == 422 and _stored(pupil_a) == TEMP_A
    # and writes it by the API, normalised
    r = api("t_officer_a").put_current(f"/api/v1/student/{pupil_a}", json={"student_number": "g" + ID_A.lower()})
    assert r.status_code == 200, r.get_json()
    assert _stored(pupil_a) == "G" + ID_A


# --- found by the whole number -------------------------------------------------------------------------

def test_a_list_is_searched_by_the_whole_number_never_carried_in_an_address(app, as_role, pupil_a):
    with app.app_context():
        db.session.add(Identification(student_id=pupil_a, school_year="2026-2027", level="difficult", cat_subsistence=True,
                                      evidence_source="civil_affairs", identified_on=date(2026, 9, 10)))
        db.session.commit()
    for username in ("t_officer_a", "t_center"):
        client = as_role(username)
        r = client.post("/search/?next=/studentview/list/", data={"_flt_0_student_number": TEMP_A.lower()})
        assert r.status_code == 303
        target = unquote(r.headers["Location"])
        assert TEMP_A not in target and TEMP_A.lower() not in target and "h:" in target
        page = client.get(r.headers["Location"])
        shown = visible_text(page)
        assert "学籍甲生" in shown and "所查学籍号" in shown and TEMP_A not in page.get_data(as_text=True)
        # a typed address is asked again under the token
        r = client.get(f"/studentview/list/?_flt_0_student_number={TEMP_A}")
        assert r.status_code == 303 and TEMP_A not in unquote(r.headers["Location"])
        # the identification (and award) list's pupil search takes it too
        r = client.post("/search/?next=/identificationview/list/", data={"_flt_0_student": TEMP_A},
                        follow_redirects=True)
        assert "学籍甲生" in visible_text(r) and TEMP_A not in r.get_data(as_text=True)
    # part of the number finds nothing; another school's officer finds nothing with the whole number
    r = as_role("t_officer_a").get("/studentview/list/?_flt_0_student_number=L341124", follow_redirects=True)
    assert "学籍甲生" not in visible_text(r)
    r = as_role("t_officer_b").post("/search/?next=/studentview/list/", data={"_flt_0_student_number": TEMP_A},
                                    follow_redirects=True)
    assert "学籍甲生" not in visible_text(r)
    # the pupil picker finds the pupil by it too
    found = as_role("t_officer_a").post("/studentview/pick", data={"q": TEMP_A.lower()}).get_json()["results"]
    assert [r["id"] for r in found] == [f"#{pupil_a}"]
    assert as_role("t_officer_b").post("/studentview/pick", data={"q": TEMP_A}).get_json()["results"] == []


# --- imported with the student list ------------------------------------------------------------------

def _row(name, number, student_number=None, **over):
    return {"school_code": "T0001", "name": name, "id_number": number, "grade": "高一", "class_name": "5班",
            "enrolment_year": 2026, "student_number": student_number, **over}


def _upload(client, rows):
    return visible_text(client.post("/import/students/", data={"file": (BytesIO(_student_xlsx(rows)), "学生.xlsx")},
                                    content_type="multipart/form-data"))


def test_the_template_has_the_column(officer_a):
    rows = list(load_workbook(BytesIO(officer_a.get("/import/students/template/").data)).active.iter_rows(values_only=True))
    at = rows[0].index("学籍号")
    assert studentno.parse(rows[1][at], id_number=rows[1][rows[0].index("身份证号")])


def test_import_takes_good_numbers_and_names_each_bad_row(app, officer_a, as_role, pupil_a):
    ids = [idcard.make("341124", date(2010, 1, 2), seq) for seq in (621, 623, 625, 627, 629)]
    bad = _upload(officer_a, [
        _row("学籍导一", ids[0], "g" + ids[0]),
        _row("学籍导二", ids[1], "G" + ids[2]),         # row 3: another ID number after G
        _row("学籍导三", ids[2], "L123"),               # row 4: not a 学籍号
        _row("学籍导四", ids[3], "L34112420100102" + "8001"),  # row 5: row 7's
        _row("学籍导五", ids[4], TEMP_A),               # row 6: school A's pupil holds it (this officer's own)
        _row("学籍导六", idcard.make("341124", date(2010, 1, 2), 631), "l34112420100102" + "8001"),
    ])
    assert "未导入任何数据" in bad
    for fragment in ("3 学籍号 G字头学籍号应为“G+本人身份证号”", "4 学籍号 学籍号应为19位", "7 学籍号 与第5行学籍号重复"):
        assert fragment in bad, fragment
    assert "6 学籍号 该学籍号已登记为本校学生 学籍甲生" in bad
    with app.app_context():
        assert not db.session.scalars(select(Student).where(Student.name.like("学籍导%"))).all()
    # another school's officer importing it: registered, never where
    text_ = _upload(as_role("t_officer_b"), [_row("学籍导乙", ID_B, TEMP_A, school_code="T0002", grade="五年级",
                                                  enrolment_year=2022)])
    assert f"2 学籍号 {ELSEWHERE}" in text_ and not [s for s in A_SECRETS if s in text_]
    # the good rows: stored upper case; a row without one adds a pupil without one
    good = _upload(officer_a, [_row("学籍导一", ids[0], "g" + ids[0]), _row("学籍导二", ids[1], J_A2.replace("J", "j")),
                               _row("学籍导三", ids[2])])
    assert "新增学生 3 名" in good, good
    with app.app_context():
        stored = {s.name: s.student_number for s in db.session.scalars(select(Student).where(Student.name.like("学籍导%")))}
    assert stored == {"学籍导一": "G" + ids[0], "学籍导二": J_A2, "学籍导三": None}
    # the same file again, the 学籍号 cells emptied: what is on record stays; a new number is written
    again = _upload(officer_a, [_row("学籍导一", ids[0]), _row("学籍导二", ids[1], "G" + ids[1]), _row("学籍导三", ids[2])])
    assert "更新 1 名" in again and "未变 2 名" in again, again
    with app.app_context():
        stored = {s.name: s.student_number for s in db.session.scalars(select(Student).where(Student.name.like("学籍导%")))}
    assert stored == {"学籍导一": "G" + ids[0], "学籍导二": "G" + ids[1], "学籍导三": None}


# --- exported with the lists sent upward -----------------------------------------------------------------

def _sheet(client, url):
    r = client.get(url)
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet"), url
    rows = list(load_workbook(BytesIO(r.data)).active.iter_rows(values_only=True))
    return rows[0], rows[1:]


def test_the_student_award_and_identification_exports_carry_the_number(app, officer_a, center, pupil_a):
    with app.app_context():
        db.session.add(Identification(student_id=pupil_a, school_year="2026-2027", level="difficult", cat_subsistence=True,
                                      evidence_source="civil_affairs", identified_on=date(2026, 9, 10)))
        db.session.add(Award(student_id=pupil_a, program_id=WORLD.program_senior, semester_id=WORLD.semester,
                             amount=1000, card_kind="aid_card", card_number=cards.make("6217", 19, 4711)))
        db.session.commit()
    for url in ("/studentview/export/", "/identificationview/export/", "/awardview/export/"):
        for client, expected in ((officer_a, studentno.mask(TEMP_A)), (center, TEMP_A)):
            headers, rows = _sheet(client, url)
            at = headers.index("学籍号")
            values = {row[at] for row in rows}
            assert expected in values, (url, values)
            if client is officer_a:
                assert TEMP_A not in values
    # the centre's export of the pupils is recorded with its records
    with app.app_context():
        last = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export", AuditEntry.entity == "award")
                                  .order_by(AuditEntry.id.desc())).first()
        assert last.username == "t_center"


def test_demo_pupils_get_valid_numbers_mostly_g_and_never_twice(app):
    from app.demo.county import demo_student_number

    numbers = [idcard.make("341124", date(2012, 9, 1), seq) for seq in range(1000)]
    given = [(number, demo_student_number(number)) for number in numbers]
    with app.test_request_context():
        for number, sn in given:
            if sn is not None:
                assert studentno.parse(sn, id_number=number) == sn
    kinds = [sn[0] if sn else None for _, sn in given]
    assert kinds.count("G") > 800 and kinds.count("L") and kinds.count("J") and kinds.count(None)
    assigned = [sn for _, sn in given if sn]
    assert len(set(assigned)) == len(assigned)
