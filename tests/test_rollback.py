"""The suite's rollback of a test's writes (tests/conftest.py ``rollback``): what a test stores through the
screens, and the audit entries of it, are there during the test and gone after it, on SQLite and on
PostgreSQL; a refused save inside it goes back to its own savepoint only. The three tests run in order."""
from datetime import date

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Student
from app.models.audit import AuditEntry
from app.rules import idcard
from tests.conftest import WORLD

COUNTS = {}
NUMBER = idcard.make("341124", date(2008, 1, 2), 901)
PUPIL = {"school": None, "name": "回滚测试学生", "id_number": NUMBER, "gender": "M", "birth_date": "2008-01-02",
         "grade": "高一", "class_name": "1班", "enrolment_year": 2024}


def _counts(app):
    with app.app_context():
        out = (db.session.scalar(select(func.count()).select_from(Student)),
               db.session.scalar(select(func.count()).select_from(AuditEntry)))
        db.session.remove()
        return out


def test_before(app):
    COUNTS["before"] = _counts(app)


@pytest.mark.usefixtures("rollback")
def test_writes_through_the_screens_and_below_them(app, officer_a):
    r = officer_a.post("/studentview/add", data={**PUPIL, "school": WORLD.school_a})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    students, entries = _counts(app)
    assert students == COUNTS["before"][0] + 1 and entries > COUNTS["before"][1]
    with app.app_context():
        pupil = db.session.scalars(select(Student).where(Student.name == PUPIL["name"])).one()
        pupil.class_name = "2班"
        db.session.commit()  # the app's hooks run as on a real commit: the change is in the trail
        last = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (last.entity, last.action, last.record_id) == ("student", "update", pupil.id)
    # the same pupil again: refused, rolled back to its own savepoint, the first one kept
    r = officer_a.post("/studentview/add", data={**PUPIL, "school": WORLD.school_a})
    assert r.status_code == 200
    assert _counts(app)[0] == COUNTS["before"][0] + 1


def test_after(app):
    assert _counts(app) == COUNTS["before"]
