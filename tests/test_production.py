"""Production refuses what is only for trying (app/demo/guard.py, config.py).

Outside development (AID_ENV other than ``development``; production is the default): no demo
county is loaded, whoever asks; no demo account and no demo password logs in, and the answer is
that of a wrong password; keys are never generated; the first administrator comes from
``flask users create``.
"""
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from config import TestConfig

ROOT = Path(__file__).resolve().parent.parent
# production apps on SQLite databases of their own (and processes started without keys): the same whatever
# the suite runs on
pytestmark = pytest.mark.once
DEMO = "Demo@2021"
REAL = "Real#Pass2024x"


class ProductionConfig(TestConfig):
    """The suite's settings (plain HTTP, no CSRF on the test forms, real keys) as production."""

    AID_ENV = "production"
    SECRET_KEY = "p" * 8 + uuid.uuid4().hex  # 40 random-enough characters, not a known default


def _database(prefix):
    folder = tempfile.mkdtemp(prefix=prefix)
    return f"sqlite:///{folder}/aid.db"


def _app(config, url):
    from app import create_app

    return create_app(config, SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={},
                      AUDIT_ANCHOR_FILE=url.replace("sqlite:///", "") + ".anchors.log" if url.startswith("sqlite:///")
                      else None)


def _counts(app):
    """Rows of every table of the schema."""
    from app.extensions import db

    with app.app_context():
        return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


@pytest.fixture(scope="module")
def empty_production():
    """A production app on a migrated database with its roles and nothing else."""
    from flask_migrate import upgrade

    app = _app(ProductionConfig, _database("aid-prod-empty-"))
    with app.app_context():
        upgrade()
        app.appbuilder.sm.sync_roles()
    return app


@pytest.fixture(scope="module")
def county():
    """A database whose demo county was loaded under development (`make run` on it once), then
    served in production; besides the demo users, an account typed with the demo password and
    a real one, both made with `flask users create` under development."""
    from flask_migrate import upgrade

    from app.cli import create_user
    from app.demo.county import seed_demo
    from app.security.roles import AID_CENTER

    url = _database("aid-prod-demo-")
    development = _app("config.TestConfig", url)
    with development.app_context():
        upgrade()
        assert seed_demo(students=40).created
        create_user("t_plain", AID_CENTER, DEMO)
        create_user("t_real", AID_CENTER, REAL)
    return _app(ProductionConfig, url)


# --- (1) no demo data ----------------------------------------------------------------------


def test_seed_demo_refuses_in_production_and_writes_nothing(empty_production):
    before = _counts(empty_production)
    result = empty_production.test_cli_runner().invoke(args=["seed-demo", "--students", "20"])
    assert result.exit_code != 0
    assert "AID_ENV=production" in result.output and "never loaded outside development" in result.output
    assert "Demo@2021" not in result.output
    assert _counts(empty_production) == before
    assert before["school"] == 0 and before["ab_user"] == 0


@pytest.mark.parametrize("name", [
    "app.demo.county:seed_demo", "app.demo.county:_seed_aid", "app.demo.county:_seed_reporting", "app.demo.county:_seed_loans",
    "app.demo.county:_seed_funds_and_social", "app.demo.work:seed_complaints", "app.demo.work:seed_outreach",
    "app.demo.work:seed_inspections", "app.demo.work:seed_budgets",
])
def test_every_demo_seeder_refuses_itself_in_production(empty_production, name):
    """Below the command too: a script or a shell calling the seeders gets the same refusal."""
    import importlib
    import random
    from datetime import date

    from app.demo.guard import DemoRefused

    module, function = name.split(":")
    seeder = getattr(importlib.import_module(module), function)
    arguments = {
        "seed_demo": dict(students=20),
        "_seed_aid": dict(rng=random.Random(1), schools=[], year_start=2024, today=date.today()),
        "_seed_reporting": dict(rng=random.Random(1), schools=[], today=date.today()),
        "_seed_loans": dict(rng=random.Random(1), schools=[], year_start=2024, today=date.today(), count=5),
        "_seed_funds_and_social": dict(rng=random.Random(1), schools=[], year_start=2024, identified=[]),
        "seed_complaints": dict(rng=random.Random(1), schools=[], today=date.today()),
        "seed_outreach": dict(rng=random.Random(1), schools=[], year_start=2024, today=date.today()),
        "seed_inspections": dict(rng=random.Random(1), schools=[], today=date.today()),
        "seed_budgets": dict(rng=random.Random(1), today=date.today()),
    }[function]
    before = _counts(empty_production)
    with empty_production.app_context():
        with pytest.raises(DemoRefused, match="never loaded outside development"):
            seeder(**arguments)
    assert _counts(empty_production) == before


# --- (2) no demo login -----------------------------------------------------------------------


def _form_login(app, username, password):
    client = app.test_client()
    response = client.post("/login/", data={"username": username, "password": password})
    with client.session_transaction() as session:
        flashes = list(session.get("_flashes", []))
        logged_in = "_user_id" in session
    return response.status_code, response.headers.get("Location"), flashes, logged_in


def _api_login(app, username, password):
    response = app.test_client().post("/api/v1/security/login",
                                      json={"username": username, "password": password, "provider": "db"})
    return response.status_code, response.get_json()


def test_a_demo_account_cannot_log_in_in_production_and_the_answer_is_a_wrong_passwords(county):
    wrong_form, wrong_api = _form_login(county, "admin", "Wrong#Pass2024"), _api_login(county, "admin", "Wrong#Pass2024")
    assert wrong_form[0] == 302 and wrong_form[2] and not wrong_form[3]
    assert wrong_api[0] == 401
    for name in ("admin", "center", "officer", "auditor"):
        assert _form_login(county, name, DEMO) == wrong_form[:1] + (wrong_form[1], wrong_form[2], False)
        assert _api_login(county, name, DEMO) == wrong_api
    # an account typed with the demo password, not made by the demo: the same
    assert _form_login(county, "t_plain", DEMO)[1:] == wrong_form[1:]
    assert _api_login(county, "t_plain", DEMO) == wrong_api
    # the login page does not hint at the demo password
    assert DEMO not in county.test_client().get("/login/").get_data(as_text=True)


def test_a_real_account_logs_in_in_production(county):
    status, location, flashes, logged_in = _form_login(county, "t_real", REAL)
    assert status == 302 and logged_in and not flashes
    status, body = _api_login(county, "t_real", REAL)
    assert status == 200 and body["access_token"]


def test_a_demo_account_is_known_by_its_mark_whatever_its_password(county):
    """Seeded with another DEMO_PASSWORD than the one production has: the mark still refuses it."""
    from werkzeug.security import generate_password_hash

    from app.extensions import db
    from flask_appbuilder.security.sqla.models import User

    # below the session (whose hooks would drop the mark with a new password), as a seeding with
    # DEMO_PASSWORD=Other#Pass2024 would have left it
    with county.app_context(), db.engine.begin() as connection:
        connection.execute(update(User.__table__).where(User.__table__.c.username == "supervisor")
                           .values(password=generate_password_hash("Other#Pass2024")))
    assert _api_login(county, "supervisor", "Other#Pass2024") == _api_login(county, "supervisor", "Wrong#Pass2024")
    assert not _form_login(county, "supervisor", "Other#Pass2024")[3]


def test_a_kept_demo_account_logs_in_once_its_password_is_changed(county):
    from app.extensions import db

    runner = county.test_cli_runner()
    # the demo password cannot be set again in production
    refused = runner.invoke(args=["users", "set-password", "leader", "--password", DEMO])
    assert refused.exit_code != 0 and "演示系统的密码" in refused.output
    listed = runner.invoke(args=["users", "list"]).output
    assert "leader" in listed and "demo account" in listed.split("leader", 1)[1].splitlines()[0]
    done = runner.invoke(args=["users", "set-password", "leader", "--password", "Leader#New2024"])
    assert done.exit_code == 0, done.output
    assert _api_login(county, "leader", "Leader#New2024")[0] == 200
    assert _form_login(county, "leader", "Leader#New2024")[3]
    with county.app_context():
        user_id = db.session.scalar(text("SELECT id FROM ab_user WHERE username = 'leader'"))
        assert db.session.scalar(text("SELECT count(*) FROM demo_account WHERE user_id = :u"), {"u": user_id}) == 0
    listed = runner.invoke(args=["users", "list"]).output
    assert "demo account" not in listed.split("leader", 1)[1].splitlines()[0]


def test_the_first_administrator_comes_from_users_create_in_production(empty_production):
    runner = empty_production.test_cli_runner()
    refused = runner.invoke(args=["users", "create", "--username", "chief", "--role", "Admin", "--password", DEMO])
    assert refused.exit_code != 0 and "演示系统的密码" in refused.output
    made = runner.invoke(args=["users", "create", "--username", "chief", "--role", "Admin"],
                         input="Chief#Admin2024\nChief#Admin2024\n")  # asked for, out of the shell's history
    assert made.exit_code == 0, made.output
    assert "Chief#Admin2024" not in made.output
    status, body = _api_login(empty_production, "chief", "Chief#Admin2024")
    assert status == 200 and body["access_token"]


# --- (3) production is the default; no keys, no start ----------------------------------------


def _clean_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items()
           if k not in {"AID_ENV", "SECRET_KEY", "ENCRYPTION_KEY", "SESSION_COOKIE_SECURE", "DATABASE_URL"}}
    env.update(INSTANCE_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path}/x.db", **extra)
    return env


def test_without_aid_env_the_app_is_production_and_generates_no_keys(tmp_path):
    out = subprocess.run([sys.executable, "-c", "import config; print(config.AID_ENV, config.Config.SECRET_KEY, "
                          "config.Config.ENCRYPTION_KEY, config.Config.SESSION_COOKIE_SECURE)"],
                         cwd=ROOT, env=_clean_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["production", "None", "None", "True"]
    assert not (tmp_path / "secret_key").exists() and not (tmp_path / "encryption_key").exists()


def test_production_without_a_secret_key_refuses_to_start(empty_production):
    from app.security import hardening

    url = empty_production.config["SQLALCHEMY_DATABASE_URI"]
    from app import create_app

    with pytest.raises(hardening.InsecureConfiguration, match="SECRET_KEY"):
        create_app(ProductionConfig, SQLALCHEMY_DATABASE_URI=url, SECRET_KEY=None)


def test_flask_commands_without_aid_env_or_keys_refuse(tmp_path):
    """`flask seed-demo` on a server with nothing set: production, no keys, nothing done."""
    out = subprocess.run([sys.executable, "-m", "flask", "--app", "run.py", "seed-demo"], cwd=ROOT,
                         env=_clean_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    assert "AID_ENV=production: refusing to start" in out.stderr
    assert "set the environment variable SECRET_KEY" in out.stderr
    assert not (tmp_path / "secret_key").exists() and not (tmp_path / "x.db").exists()
