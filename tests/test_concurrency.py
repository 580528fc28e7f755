"""Two people editing the same record: the second save is refused with a clear message and the
first one's change survives, on the screens and through the API."""
from __future__ import annotations


from app.extensions import db
from app.models import Student
from tests.conftest import WORLD, form_version, visible_text


def _form(client, url):
    version = form_version(client, url)
    assert version, "the edit form carries the record's version"
    return version


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


def _edit_views(app):
    """Every screen with an edit form (a new one is in the sweep by itself)."""
    from app.views.base import AidModelView

    for view in app.appbuilder.baseviews:
        model = getattr(getattr(view, "datamodel", None), "obj", None)
        if isinstance(view, AidModelView) and model is not None and "can_edit" in (view.base_permissions or []):
            yield view, model


def test_a_form_without_a_version_saves_nothing_on_any_screen(app, as_role):
    from sqlalchemy import select

    from app.security.scope import unscoped
    from app.views.base import version_of

    admin, tried = as_role("t_admin"), []
    for view, model in _edit_views(app):
        with app.app_context():
            row = db.session.scalars(select(model).limit(1).execution_options(**unscoped())).first()
            if row is None:
                continue
            pk, before = row.id, version_of(row)
        url = f"{view.route_base}/edit/{pk}"
        r = admin.post(url, data={}, follow_redirects=True)
        assert r.status_code in (200, 403, 404), (url, r.status_code)
        if r.status_code == 200:
            assert "没有带上所修改记录的版本" in visible_text(r), url
            tried.append(url)
        with app.app_context():
            assert version_of(db.session.get(model, pk)) == before, url
    assert len(tried) >= 10, tried


def test_two_saves_of_one_version_the_database_refuses_the_second(app):
    """The version check is in the UPDATE itself (WHERE updated_at = the version read): a change
    committed between reading and saving makes the save fail, not overwrite it."""
    import pytest
    from sqlalchemy import update
    from sqlalchemy.orm.exc import StaleDataError

    from app import clock
    from app.rules import RuleError
    from app.views.base import AidInterface

    with app.app_context():
        student = db.session.get(Student, WORLD.student_b)
        student.guardian = "慢的一方"
        with db.engine.begin() as other:  # someone else's save lands first
            other.execute(update(Student.__table__).where(Student.__table__.c.id == WORLD.student_b)
                          .values(guardian="快的一方", updated_at=clock.now()))
        with pytest.raises(StaleDataError):
            db.session.commit()
        db.session.rollback()
        assert db.session.get(Student, WORLD.student_b).guardian == "快的一方"
        # through the screens' and the API's data interface it is a rule error with the Chinese message
        student = db.session.get(Student, WORLD.student_b)
        student.guardian = "慢的一方"
        with db.engine.begin() as other:
            other.execute(update(Student.__table__).where(Student.__table__.c.id == WORLD.student_b)
                          .values(guardian="乙家长", updated_at=clock.now()))
        with pytest.raises(RuleError) as refused:
            AidInterface(Student).edit(student)
        assert "已有其他人修改" in str(refused.value)
        assert db.session.get(Student, WORLD.student_b).guardian == "乙家长"
