"""The migrations build exactly the models' schema; the command-line tools behave."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db
from app.models import InfoOfficer, School


def test_migrations_match_the_models(app):
    with app.app_context():
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, db.metadata)
    assert diff == [], f"models and migrations disagree (run `flask db migrate`): {diff}"


def test_no_table_is_created_behind_the_migrations(app):
    assert app.config["FAB_CREATE_DB"] is False
    with app.app_context():
        tables = set(db.inspect(db.engine).get_table_names())
    assert "alembic_version" in tables and "ab_user" in tables and "student" in tables


def _run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_users_create_for_each_role_and_officer_needs_a_school(app):
    r = _run(app, "users", "create", "--username", "cli_leader", "--role", "Leader", "--password", "Cli@2021pw")
    assert r.exit_code == 0, r.output
    r = _run(app, "users", "create", "--username", "cli_officer", "--role", "SchoolOfficer", "--password", "Cli@2021pw")
    assert r.exit_code != 0 and "--school" in r.output
    with app.app_context():
        school = School(code="CLI01", name="命令行测试学校", stage="junior", town="马厂镇")
        db.session.add(school)
        db.session.commit()
    r = _run(app, "users", "create", "--username", "cli_officer", "--role", "SchoolOfficer", "--school", "CLI01", "--password", "Cli@2021pw")
    assert r.exit_code == 0, r.output
    # a second officer for the same school is refused with a clear message
    r = _run(app, "users", "create", "--username", "cli_officer2", "--role", "SchoolOfficer", "--school", "CLI01", "--password", "Cli@2021pw")
    assert r.exit_code != 0 and "already has an information officer" in r.output
    r = _run(app, "users", "create", "--username", "cli_weak", "--role", "Leader", "--password", "short")
    assert r.exit_code != 0
    with app.app_context():
        assert db.session.query(InfoOfficer).join(School).filter(School.code == "CLI01").count() == 1


def test_one_officer_per_school_is_enforced_by_the_database(app):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from tests.conftest import WORLD

    with app.app_context():
        from flask_appbuilder.security.sqla.models import User

        user = db.session.query(User).filter_by(username="t_officer_nolink").one()
        conn = db.engine.connect()
        with pytest.raises(IntegrityError):
            with conn.begin():
                conn.execute(InfoOfficer.__table__.insert().values(
                    school_id=WORLD.school_a, user_id=user.id, created_at=db.func.now(), updated_at=db.func.now()))
        conn.close()


def test_second_officer_in_the_ui_gets_a_readable_message(app, center):
    from flask_appbuilder.security.sqla.models import User

    from tests.conftest import WORLD, visible_text

    with app.app_context():
        uid = db.session.query(User).filter_by(username="t_officer_nolink").one().id
    r = center.post("/infoofficerview/add", data={"school": WORLD.school_a, "user": uid, "phone": "", "note": ""})
    assert "该校已有信息员" in visible_text(r)


def test_sync_roles_is_idempotent(app):
    for _ in range(2):
        r = _run(app, "sync-roles")
        assert r.exit_code == 0
    with app.app_context():
        from flask_appbuilder.security.sqla.models import Role

        names = [r.name for r in db.session.query(Role)]
    assert sorted(names) == sorted(set(names))
    assert {"Admin", "AidCenter", "SchoolOfficer", "Supervisor", "Leader"} <= set(names)


def test_seed_demo_on_a_populated_database_changes_nothing(app):
    with app.app_context():
        before = db.session.query(School).count()
    r = _run(app, "seed-demo", "--students", "50")
    assert r.exit_code == 0 and "nothing changed" in r.output
    with app.app_context():
        assert db.session.query(School).count() == before


def test_a_second_app_in_the_same_process_keeps_its_routes(app):
    """One AppBuilder per app: a second create_app() must not lose the views."""
    from app import create_app

    other = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                       SQLALCHEMY_ENGINE_OPTIONS=app.config["SQLALCHEMY_ENGINE_OPTIONS"], WTF_CSRF_ENABLED=True)
    endpoints = {r.endpoint for r in other.url_map.iter_rules()}
    assert {"StudentView.list", "StudentApi.get_list", "SchoolView.add"} <= endpoints
    # with CSRF on (as in production): a form post without its token and a GET delete do nothing
    from tests.conftest import PASSWORD, WORLD

    client = other.test_client()
    login_page = client.get("/login/").get_data(as_text=True)
    assert 'name="csrf_token"' in login_page
    assert client.post("/login/", data={"username": "t_center", "password": PASSWORD}).status_code == 200  # no token: form shown again
    with app.app_context():
        from app.models import Student

        assert db.session.get(Student, WORLD.student_a) is not None


def test_the_county_clock_migration_moves_stamped_times_and_leaves_typed_ones(tmp_path):
    """Times the system stamped in UTC move to the county's wall clock (+8 h in Asia/Shanghai);
    a typed deadline stays as typed; downgrade moves them back."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from app import create_app

    scratch = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/clock.db",
                         SQLALCHEMY_ENGINE_OPTIONS={}, AUDIT_ANCHOR_FILE=str(tmp_path / "anchors.log"))
    with scratch.app_context():
        upgrade(revision="d3e4f5a6b7c8")
        session = db.session
        session.connection().execute(text("INSERT INTO school_year_turnover (from_year, to_year, applied_at, promoted, graduated, "
                             "identifications, semesters) VALUES ('2025-2026', '2026-2027', '2026-08-31 16:30:00', 0, 0, 0, 0)"))
        session.connection().execute(text("INSERT INTO report_task (title, deadline, active, created_at, updated_at) "
                             "VALUES ('月报', '2026-09-30 17:00:00', 1, '2026-09-01 00:00:00', '2026-09-01 00:00:00')"))
        session.commit()
        upgrade()
        applied = session.execute(text("SELECT applied_at FROM school_year_turnover")).scalar()
        deadline = session.execute(text("SELECT deadline FROM report_task")).scalar()
        assert str(applied).startswith("2026-09-01 00:30:00") and str(deadline).startswith("2026-09-30 17:00:00")
        downgrade(revision="d3e4f5a6b7c8")
        assert str(session.execute(text("SELECT applied_at FROM school_year_turnover")).scalar()).startswith(
            "2026-08-31 16:30:00")
