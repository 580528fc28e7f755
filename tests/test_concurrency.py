"""Two people editing the same record: the second save is refused with a clear message and the
first one's change survives, on the screens and through the API."""
from __future__ import annotations

import re

from app.extensions import db
from app.models import Student
from tests.conftest import WORLD, visible_text


def _form(client, url):
    html = client.get(url).get_data(as_text=True)
    version = re.search(r'name="row_version"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="row_version"', html)
    assert version, "the edit form carries the record's version"
    return version.group(1) or version.group(2)


def _student_form(student, **changes):
    data = {"school": student.school_id, "name": student.name, "id_number": student.id_number, "gender": student.gender,
            "birth_date": student.birth_date.isoformat(), "grade": student.grade, "class_name": student.class_name,
            "enrolment_year": str(student.enrolment_year), "guardian": student.guardian or "",
            "guardian_phone": student.guardian_phone or "", "address": student.address or ""}
    data.update(changes)
    return data


def test_the_second_save_on_screen_is_refused_and_the_first_survives(app, officer_a, center):
    url = f"/studentview/edit/{WORLD.student_a}"
    with app.app_context():
        student = db.session.get(Student, WORLD.student_a)
        db.session.expunge(student)
    officer_version = _form(officer_a, url)
    center_version = _form(center, url)
    assert officer_version == center_version
    r = center.post(url, data=_student_form(student, guardian="中心改的监护人", row_version=center_version))
    assert r.status_code == 302
    r = officer_a.post(url, data=_student_form(student, guardian="学校改的监护人", row_version=officer_version))
    assert r.status_code == 200
    page = visible_text(r)
    assert "已被他人修改" in page and "t_center" in page
    assert "学校改的监护人" in r.get_data(as_text=True)  # the officer's input stays on the form
    with app.app_context():
        assert db.session.get(Student, WORLD.student_a).guardian == "中心改的监护人"
    # opened again, the form carries the new version and the save goes through
    fresh = _form(officer_a, url)
    assert fresh != officer_version
    r = officer_a.post(url, data=_student_form(student, guardian="学校改的监护人", row_version=fresh))
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(Student, WORLD.student_a).guardian == "学校改的监护人"


def test_the_api_needs_the_version_it_changes(app, api):
    first, second = api("t_center"), api("t_admin")
    url = f"/api/v1/student/{WORLD.student_b}"
    etag = first.get(url).headers["ETag"]
    assert second.get(url).headers["ETag"] == etag
    assert first.put(url, json={"guardian": "无版本"}).status_code == 428
    r = first.client.put(url, json={"guardian": "接口甲改"}, headers={**first.headers, "If-Match": etag})
    assert r.status_code == 200, r.get_json()
    r = second.client.put(url, json={"guardian": "接口乙改"}, headers={**second.headers, "If-Match": etag})
    assert r.status_code == 409 and "已被他人修改" in r.get_json()["message"]
    with app.app_context():
        assert db.session.get(Student, WORLD.student_b).guardian == "接口甲改"
    # with the current version the second client can save
    fresh = second.get(url).headers["ETag"]
    assert fresh != etag
    r = second.client.put(url, json={"guardian": "乙家长"}, headers={**second.headers, "If-Match": fresh})
    assert r.status_code == 200
