"""Excel import of students and identifications: all or nothing, every bad cell named, idempotent."""
from datetime import date
from io import BytesIO

from openpyxl import Workbook, load_workbook

from app.rules import idcard
from app.extensions import db
from app.operations.imports import STUDENT_COLUMNS
from app.models import Identification, Student
from tests.conftest import WORLD, visible_text
import pytest

# each test's writes, through the screens too, are rolled back when it ends (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("rollback")

HEADERS = [title for _, title, _, _ in STUDENT_COLUMNS]


def _xlsx(rows, headers=HEADERS):
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _row(name, seq, school="T0001", grade="高一", ident=True, **over):
    values = {"school_code": school, "name": name, "id_number": idcard.make("341124", date(2010, 2, 3), seq),
              "grade": grade, "class_name": "5班", "enrolment_year": 2026, "guardian": "家长", "guardian_phone": "13900000001",
              "address": "地址", "boarding": "否", "school_year": "2026-2027" if ident else None, "level": "困难" if ident else None,
              "categories": "低保、残疾" if ident else None, "evidence_source": "民政部门" if ident else None,
              "identified_on": "2026-09-20" if ident else None}
    values.update(over)
    return [values.get(key) for key, *_ in STUDENT_COLUMNS]


def _upload(client, data):
    return client.post("/import/students/", data={"file": (BytesIO(data), "学生.xlsx")}, content_type="multipart/form-data")


def test_the_template_has_chinese_headers_and_an_example(officer_a):
    r = officer_a.get("/import/students/template/")
    rows = list(load_workbook(BytesIO(r.data)).active.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS and len(rows) == 2
    assert idcard.parse(rows[1][2])  # the example row is valid


def test_officer_imports_its_pupils_and_reimporting_changes_nothing(app, officer_a):
    data = _xlsx([_row("导入甲", 801), _row("导入乙", 803, ident=False)])
    r = _upload(officer_a, data)
    assert "新增学生 2 名" in visible_text(r) and "困难认定 1 条" in visible_text(r)
    with app.app_context():
        s = db.session.query(Student).filter_by(name="导入甲").one()
        assert s.school_id == WORLD.school_a and s.birth_date == date(2010, 2, 3)
        ident = db.session.query(Identification).filter_by(student_id=s.id).one()
        assert ident.is_priority and ident.cat_subsistence and ident.cat_disability and ident.level == "difficult"
    r = _upload(officer_a, data)
    assert "新增学生 0 名" in visible_text(r) and "未变 2 名" in visible_text(r)
    with app.app_context():
        assert db.session.query(Student).filter(Student.name.in_(["导入甲", "导入乙"])).count() == 2
        assert db.session.query(Identification).join(Student).filter(Student.name == "导入甲").count() == 1


def test_a_file_with_bad_rows_writes_nothing_and_names_every_problem(app, officer_a):
    good = idcard.make("341124", date(2010, 2, 3), 811)
    bad_number = good[:-1] + ("1" if good[-1] != "1" else "2")
    data = _xlsx([
        _row("好行", 813),
        _row("坏号", 815, id_number=bad_number),
        _row("坏校", 817, school="T0002"),                  # another school's code
        _row("坏级", 819, level="很困难"),
        _row("坏类", 821, categories="低保、外星"),
        _row("坏期", 823, identified_on="2026/9/20"),
        _row("重号", 813),                                  # same ID number as row 2
        _row("", 825),
    ])
    text = visible_text(_upload(officer_a, data))
    assert "未导入任何数据" in text
    for fragment in ["3 身份证号 身份证号校验位不正确", "4 学校代码 本校代码不符", "5 困难等级 请填写以下之一", "6 困难类别 无法识别的困难类别“外星”",
                     "7 认定日期 日期请按", "8 身份证号 与第2行身份证号重复", "9 姓名 此项为必填项"]:
        assert fragment in text, fragment
    with app.app_context():
        assert db.session.query(Student).filter_by(name="好行").count() == 0


def test_the_garbage_collector_searches_less_often_during_an_import_and_as_before_after_it(app, officer_a, monkeypatch):
    """An import makes the cycle search rare (a quarter of the time of 10,000 pupils); whatever the import
    ends with (written, refused, raised), the thresholds are as before, once the last of several at once ends."""
    import gc

    from app.operations import imports

    before = gc.get_threshold()
    assert before != imports.IMPORT_GC_THRESHOLD
    during = []
    real = imports._import_students
    monkeypatch.setattr(imports, "_import_students", lambda *a: during.append(gc.get_threshold()) or real(*a))
    assert "新增学生 1 名" in visible_text(_upload(officer_a, _xlsx([_row("暂停甲", 831)])))
    assert "未导入任何数据" in visible_text(_upload(officer_a, _xlsx([_row("坏级", 833, level="很困难")])))
    assert during == [imports.IMPORT_GC_THRESHOLD] * 2 and gc.get_threshold() == before
    monkeypatch.setattr(imports, "_import_students", lambda *a: 1 / 0)
    with pytest.raises(ZeroDivisionError), app.test_request_context():
        imports.import_students(b"")
    assert gc.get_threshold() == before
    # two imports in two threads, the first ending first: the import's thresholds hold until the second ends
    import threading

    entered, first_done, seen = threading.Event(), threading.Event(), []

    def second():
        with imports.fewer_cycle_collections():
            entered.set()
            first_done.wait(10)
            seen.append(gc.get_threshold())

    with imports.fewer_cycle_collections():
        other = threading.Thread(target=second)
        other.start()
        assert entered.wait(10)
    first_done.set()
    other.join(10)
    assert seen == [imports.IMPORT_GC_THRESHOLD] and gc.get_threshold() == before
    # thresholds someone set while an import ran are theirs: the import's end leaves them
    with imports.fewer_cycle_collections():
        gc.set_threshold(5_000, 10, 10)
    assert gc.get_threshold() == (5_000, 10, 10)
    gc.set_threshold(*before)


def test_an_officer_cannot_overwrite_another_schools_pupil(app, officer_a):
    with app.app_context():
        number_b = db.session.get(Student, WORLD.student_b).id_number
    text = visible_text(_upload(officer_a, _xlsx([_row("冒名", 0, id_number=number_b)])))
    assert "已在本县学籍名单中" in text and "乙校学生" not in text
    with app.app_context():
        assert db.session.get(Student, WORLD.student_b).name == "乙校学生"


def test_a_file_that_is_not_excel_or_misses_columns(app, officer_a):
    assert "不是有效的Excel文件" in visible_text(_upload(officer_a, b"not a spreadsheet"))
    text = visible_text(_upload(officer_a, _xlsx([["x"]], headers=["姓名"])))
    assert "缺少该列" in text and "身份证号" in text


def test_the_centre_imports_for_several_schools(app, center):
    text = visible_text(_upload(center, _xlsx([_row("中心导甲", 831), _row("中心导乙", 833, school="T0002", grade="五年级",
                                                                          id_number=idcard.make("341124", date(2016, 2, 3), 833))])))
    assert "新增学生 2 名" in text
    with app.app_context():
        assert db.session.query(Student).filter_by(name="中心导乙").one().school_id == WORLD.school_b


AWARD_HEADERS = ["身份证号", "姓名", "资助项目", "学年", "学期", "金额", "卡类型", "卡号", "超标准原因"]


def test_officer_imports_award_proposals_idempotently_and_bad_rows_write_nothing(app, officer_a):
    from app.models import Award
    from app.rules import cards

    with app.app_context():
        number_a = db.session.get(Student, WORLD.student_a).id_number
        number_b = db.session.get(Student, WORLD.student_b).id_number
        s = Student(school_id=WORLD.school_a, name="名单导入", id_number=idcard.make("341124", date(2009, 8, 8), 951),
                    grade="高二", class_name="1班", enrolment_year=2025)
        db.session.add(s)
        db.session.commit()
        new_id, new_number = s.id, s.id_number
    card = cards.make("6217", 19, 4242)
    good = [new_number, "名单导入", "测试高中助学金", "2026-2027", "第一学期", 1000, "学生资助卡", card, None]
    upload = lambda rows: officer_a.post("/import/awards/", data={"file": (BytesIO(_xlsx(rows, AWARD_HEADERS)), "名单.xlsx")},  # noqa: E731
                                         content_type="multipart/form-data")
    bad = visible_text(upload([
        good,
        [number_b, "", "测试义务教育补助", "2026-2027", "第一学期", 100, "银行卡", card, None],         # another school's pupil
        [number_a, "", "测试高中助学金", "2026-2027", "第一学期", 1000, "学生资助卡", card, None],        # on record: an update
        [new_number, "", "测试高中助学金", "2026-2027", "第三学期", 1000, "学生资助卡", card, None],       # no such semester
        [new_number, "", "测试高中助学金", "2026-2027", "第一学期", "一千", "学生资助卡", card, None],     # not a number
        [new_number, "", "测试高中助学金", "2026-2027", "第一学期", 1000, "银行卡", card, None],           # repeats row 2
    ]))
    assert "未导入任何数据" in bad
    for fragment in ["3 身份证号 没有找到该身份证号的本校学生", "5 学期 没有该学期",
                     "6 金额 金额请填写数字", "7 身份证号 与第2行的学生、资助项目和学期重复"]:
        assert fragment in bad, fragment
    assert "乙校学生" not in bad
    with app.app_context():
        assert db.session.query(Award).filter_by(student_id=new_id).count() == 0
    wrong_card = visible_text(upload([good[:6] + ["银行卡"] + good[7:]]))
    assert "2 卡类型 普通高中、中职资助只能发放到学校为学生办理的学生资助卡" in wrong_card
    assert "新增拟资助 1 条" in visible_text(upload([good]))
    assert "新增拟资助 0 条" in visible_text(upload([good]))
    with app.app_context():
        award = db.session.query(Award).filter_by(student_id=new_id).one()
        assert award.status == "proposed" and award.school_id == WORLD.school_a
