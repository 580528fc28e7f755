"""Errors say nothing about the inside: a database refusal reads in Chinese and names the field, on every path.

The rules refuse nearly everything first; what the database itself refuses (a unique pair, a value too long,
a state outside its CHECK) goes through app/rules/db_errors.py from forms, the REST API and bulk actions.
"""
from __future__ import annotations

import json

import pytest
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import InspectionScore
from app.rules import RuleError
from app.rules.db_errors import readable
from tests.conftest import WORLD, visible_text
from tests.sweep import routes

# each test's writes, through the screens too, are rolled back when it ends (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("rollback")

INSIDE = ("sqlite3", "psycopg", "IntegrityError", "INSERT INTO", "UPDATE ", "constraint failed", "violates",
          "Project-Id-Version", "Traceback", "[SQL:")


def _inside(text):
    return [word for word in INSIDE if word in text]


def test_a_duplicate_score_names_the_checklist_item_in_chinese(app, as_role):
    """Scoring an item twice for one inspection: the form says which field, in Chinese; nothing is stored."""
    centre = as_role("t_center")
    r = centre.post("/inspectionscoreview/add", data={"inspection": WORLD.inspection_b, "item": WORLD.item, "score": "10",
                                                       "note": "重复评分"}, follow_redirects=True)
    text = visible_text(r)
    assert "已有相同“检查记录”、“检查项目”的记录" in text or "“检查项目”" in text, text[-800:]
    assert not _inside(r.get_data(as_text=True))
    with app.app_context():
        assert db.session.query(InspectionScore).filter_by(inspection_id=WORLD.inspection_b).count() == 1


def test_the_database_refusal_itself_becomes_a_chinese_message_naming_the_field(app):
    """Below the screens, on SQLite and PostgreSQL alike: the unique pair, a required column, a CHECK."""
    from app.models import Complaint

    with app.test_request_context("/"):
        db.session.add(InspectionScore(inspection_id=WORLD.inspection_b, item_id=WORLD.item, school_id=WORLD.school_b,
                                       score=1))
        with pytest.raises(IntegrityError) as caught:
            db.session.connection().execute(InspectionScore.__table__.insert().values(
                inspection_id=WORLD.inspection_b, item_id=WORLD.item, school_id=WORLD.school_b, score=1))
        db.session.rollback()
        error = readable(caught.value, InspectionScore)
        assert isinstance(error, RuleError) and "item" in error.errors
        assert "检查项目" in str(error) and not _inside(str(error))
        with pytest.raises(IntegrityError) as caught:
            db.session.connection().execute(Complaint.__table__.update().where(Complaint.id == WORLD.complaint_b)
                                            .values(status="nonsense"))
        db.session.rollback()
        error = readable(caught.value, Complaint)
        assert "status" in error.errors and "不是允许的取值" in str(error) and not _inside(str(error))


def test_api_field_descriptions_never_carry_the_translation_header(app, api):
    """_info of every REST resource: a column without a description answers "", not the catalogue's header."""
    resources = sorted({rule.rule.split("/")[3] for rule in routes(app)
                        if rule.rule.startswith("/api/v1/") and rule.rule.endswith("/_info")})
    assert "student" in resources
    for username in ("t_center", "t_officer_a"):
        client = api(username)
        for resource in resources:
            r = client.get(f"/api/v1/{resource}/_info")
            if r.status_code != 200:
                continue
            text = json.dumps(r.get_json(), ensure_ascii=False)
            assert not _inside(text), (username, resource)
