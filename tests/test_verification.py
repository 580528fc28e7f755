"""Verification lists from 民政/扶贫/残联: matched by ID number, previewed, then applied."""
import re
from datetime import date
from io import BytesIO

from openpyxl import Workbook

from app import idcard
from app.extensions import db
from app.models import Identification, Student
from tests.conftest import WORLD, visible_text


def _list(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号"])
    for row in rows:
        ws.append(row)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _pupils(app):
    with app.app_context():
        made = {}
        for key, seq, cats in [("gains", 901, dict(cat_other=True)), ("loses", 903, dict(cat_subsistence=True)),
                               ("keeps", 905, dict(cat_subsistence=True)), ("none", 907, None)]:
            s = Student(school_id=WORLD.school_a, name=f"核对{key}", grade="高二", class_name="1班", enrolment_year=2025,
                        id_number=idcard.make("341124", date(2009, 6, 6), seq))
            db.session.add(s)
            db.session.flush()
            if cats is not None:
                db.session.add(Identification(student_id=s.id, school_year="2030-2031", level="general",
                                              evidence_source="school", identified_on=date(2026, 9, 1), **cats))
            made[key] = (s.id, s.id_number)
        db.session.commit()
        return made


def test_centre_compares_and_applies_a_subsistence_list(app, center):
    p = _pupils(app)
    outsider = idcard.make("341124", date(2011, 1, 1), 909)
    data = _list([["甲", p["gains"][1]], ["乙", p["keeps"][1]], ["丙", p["none"][1]], ["外人", outsider]])
    r = center.post("/verification/", data={"kind": "cat_subsistence", "school_year": "2030-2031",
                                            "file": (BytesIO(data), "低保.xlsx")}, content_type="multipart/form-data")
    text = visible_text(r)
    assert "新增该类别 1 人，取消该类别 1 人，在校但尚未认定 1 人，未在任何学校学籍中 1 人" in text
    assert outsider in text
    with app.app_context():  # nothing changed yet
        assert not db.session.query(Identification).filter_by(student_id=p["gains"][0]).one().cat_subsistence
    numbers = re.search(r'name="numbers" type="hidden" value="([^"]+)"', r.get_data(as_text=True)).group(1)
    r = center.post("/verification/apply/", data={"kind": "cat_subsistence", "school_year": "2030-2031", "numbers": numbers})
    assert r.status_code == 302
    with app.app_context():
        gained = db.session.query(Identification).filter_by(student_id=p["gains"][0]).one()
        assert gained.cat_subsistence and gained.is_priority
        lost = db.session.query(Identification).filter_by(student_id=p["loses"][0]).one()
        assert not lost.cat_subsistence and lost.cat_other and not lost.is_priority
        created = db.session.query(Identification).filter_by(student_id=p["none"][0]).one()
        assert created.cat_subsistence and created.evidence_source == "civil_affairs" and created.school_year == "2030-2031"


def test_a_bad_number_in_the_list_stops_the_comparison(app, center):
    good = idcard.make("341124", date(2011, 1, 1), 911)
    data = _list([["甲", good[:-1] + ("1" if good[-1] != "1" else "2")]])
    r = center.post("/verification/", data={"kind": "cat_disability", "school_year": "2030-2031",
                                            "file": (BytesIO(data), "残疾.xlsx")}, content_type="multipart/form-data")
    assert "未进行比对" in visible_text(r) and "2 身份证号 身份证号校验位不正确" in visible_text(r)


def test_only_the_centre_handles_verification_lists(as_role):
    for user in ("t_officer_a", "t_supervisor", "t_leader"):
        client = as_role(user)
        assert client.get("/verification/").status_code in (302, 403)
        assert client.post("/verification/apply/", data={"kind": "cat_subsistence", "school_year": "2030-2031",
                                                         "numbers": ""}).status_code in (302, 403)
