"""Schemathesis against the app's own OpenAPI spec, as each role: whatever a client sends (related
fields take any JSON the spec allows: objects, lists, strings, huge numbers), no 500, no SQL text
in any answer, and a school's officer never receives another school's records.

It runs on a county of its own (the demo county, in a fresh SQLite file or PostgreSQL schema,
on whichever database the suite runs), so that the records it creates and changes disturb no
other test.
"""
from __future__ import annotations

import os
import re
import tempfile
import uuid
from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

ROLES = {"center": None, "officer": "全椒县中学", "leader": None}
# what a database error carries when it leaks into an answer
SQL_TEXT = re.compile(r"\[SQL:|sqlite3\.|psycopg|\bSELECT\b.+\bFROM\b|\bINSERT INTO\b|\bUPDATE\b.+\bSET\b|IntegrityError")


@pytest.fixture(scope="module")
def county():
    from flask_migrate import upgrade

    from app import create_app
    from app.demo.county import seed_demo

    url = os.environ.get("DATABASE_URL", "")
    overrides, schema, admin = {}, None, None
    if url.startswith("postgres"):
        import sqlalchemy as sa

        schema = "fz_" + uuid.uuid4().hex[:10]
        admin = sa.create_engine(url.replace("postgres://", "postgresql://"))
        with admin.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        overrides = dict(SQLALCHEMY_DATABASE_URI=url,
                         SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"options": f"-csearch_path={schema}"}})
    else:
        overrides = dict(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tempfile.mkdtemp(prefix='aid-fuzz-')}/county.db")
    # a county of its own, with its own audit anchors (the suite's trail is another database's)
    app = create_app("config.TestConfig", AUDIT_ANCHOR_FILE=f"{tempfile.mkdtemp(prefix='aid-fuzz-')}/anchors.log",
                     **overrides)
    with app.app_context():
        upgrade()
        seed_demo(students=200, today=date(2026, 11, 28))
    yield app
    if schema:
        import sqlalchemy as sa

        from app.extensions import db

        with app.app_context():
            db.session.remove()
            db.engines[None].dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(scope="module")
def api_schema(county, tokens):
    return schemathesis.from_wsgi("/api/v1/_openapi", county, headers={"Authorization": f"Bearer {tokens['center']}"})


@pytest.fixture(scope="module")
def tokens(county):
    client = county.test_client()
    out = {}
    for user in ROLES:
        r = client.post("/api/v1/security/login", json={"username": user, "password": county.config["DEMO_PASSWORD"],
                                                         "provider": "db"})
        assert r.status_code == 200, r.get_data(as_text=True)
        out[user] = r.get_json()["access_token"]
    return out


def _schools_in(data, out):
    """Every school named in a response: {"school.id": 3}, {"school_id": 3} or {"school": {"id": 3}}."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("school.id", "school_id") and isinstance(value, int):
                out.add(value)
            elif key == "school.name" and isinstance(value, str):
                out.add(value)
            elif key == "school" and isinstance(value, dict) and "id" in value:
                out.add(value["id"])
            else:
                _schools_in(value, out)
    elif isinstance(data, list):
        for item in data:
            _schools_in(item, out)
    return out


schema = schemathesis.from_pytest_fixture("api_schema")


@schema.parametrize()
# derandomized: the same requests on every run, so that CI is repeatable (raise max_examples by hand to dig deeper)
@settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_server_error_and_no_other_school(case, county, tokens):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import School

    with county.app_context():
        own = db.session.execute(select(School.id, School.name).where(School.name == ROLES["officer"])).one()
    for user, school in ROLES.items():
        response = case.call_wsgi(headers={"Authorization": f"Bearer {tokens[user]}"})
        case.validate_response(response, checks=(not_a_server_error,))
        assert not SQL_TEXT.search(response.get_data(as_text=True)), response.get_data(as_text=True)[:500]
        if school is not None and response.status_code < 300 and response.is_json:
            # the records are under "result" (labels and descriptions name columns, not schools)
            seen = _schools_in((response.get_json(silent=True) or {}).get("result"), set())
            assert seen <= {own.id, own.name}, f"{user} received records of other schools: {seen}"
