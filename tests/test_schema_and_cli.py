"""The migrations build exactly the models' schema; the command-line tools behave."""
import pytest
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


@pytest.mark.once  # migrations on a SQLite database of its own
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


@pytest.mark.once  # migrations on a SQLite database of its own
def test_the_waiver_and_grade_migration_rewrites_what_was_kept_the_old_way(tmp_path):
    """3d5f7a9c1e2b: a 免学费 award keeps no card (财科教〔2019〕19号: credited to the school); 中职国家助学金's
    2019 rows keep covering 一、二年级 and the spring-2025 standard (2024 notice on 国家奖助学金) covers every year;
    grades typed the old way (初一, 高1) become the listed ones. 5e7a9c1b3d4f: each loan year carries its ceilings."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app

    scratch = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/old.db",
                         SQLALCHEMY_ENGINE_OPTIONS={}, AUDIT_ANCHOR_FILE=str(tmp_path / "anchors.log"))
    with scratch.app_context():
        upgrade(revision="c4e8a1f0b2d3")
        def run(statement):
            return db.session.connection().execute(statement)

        stamp = "'2026-09-01 00:00:00', '2026-09-01 00:00:00'"
        run(text("INSERT INTO school (id, code, name, stage, town, active, created_at, updated_at) "
                 f"VALUES (1, 'M1', '迁移测试中学', 'complete', '襄河镇', 1, {stamp})"))
        run(text("INSERT INTO student (id, school_id, name, id_number, id_number_hash, gender, birth_date, grade, "
                 "class_name, enrolment_year, boarding, created_at, updated_at) VALUES "
                 f"(1, 1, '旧写法', 'x', 'h1', 'M', '2014-03-01', '初一', '1班', 2026, 0, {stamp}), "
                 f"(2, 1, '旧写法二', 'y', 'h2', 'F', '2011-03-01', '高1', '1班', 2026, 0, {stamp})"))
        run(text("INSERT INTO aid_program (id, name, kind, stages, standard_amount, period, active, needs_identification,"
                 " waiver, grades, created_at, updated_at) VALUES "
                 f"(1, '普通高中免学费', 'national', 'senior', 1700, 'year', 1, 1, 1, NULL, {stamp}), "
                 f"(2, '中职国家助学金', 'national', 'vocational', 2000, 'year', 1, 1, 0, '中职一年级,中职二年级', {stamp})"))
        run(text("INSERT INTO program_standard (program_id, since_year, since_term, level, amount, created_at, updated_at)"
                 f" VALUES (2, '2019-2020', '1', 'general', 1000, {stamp})"))
        run(text("INSERT INTO semester (id, school_year, term, starts_on, ends_on, is_current, created_at, updated_at) "
                 f"VALUES (1, '2026-2027', '1', '2026-09-01', '2027-01-20', 1, {stamp})"))
        run(text("INSERT INTO award (school_id, student_id, program_id, semester_id, amount, card_kind, card_number, "
                 "card_holder, status, created_at, updated_at) VALUES "
                 f"(1, 2, 1, 1, 850, 'aid_card', '6217000000000000017', '旧写法二', 'approved', {stamp})"))
        # a batch line refers to the award: SQLite's copy of the award table must not trip over it
        run(text("INSERT INTO payment_batch (id, semester_id, program_id, status, reissue, created_at, updated_at) "
                 f"VALUES (1, 1, 1, 'open', 0, {stamp})"))
        run(text("INSERT INTO batch_line (school_id, batch_id, award_id, name, card_number, amount, result) "
                 "VALUES (1, 1, 1, '旧写法二', '6217000000000000017', 850, 'pending')"))
        db.session.commit()
        upgrade()
        assert run(text("SELECT card_kind, card_number, card_holder FROM award")).one() == (None, None, None)
        assert [g for (g,) in run(text("SELECT grade FROM student ORDER BY id"))] == ["七年级", "高一"]
        assert run(text("SELECT grades FROM aid_program WHERE id = 2")).scalar() is None
        rows = run(text("SELECT since_year, since_term, level, grades, amount FROM program_standard "
                        "WHERE program_id = 2 ORDER BY since_year, level")).all()
        assert rows[0][:4] == ("2019-2020", "1", "general", "中职一年级,中职二年级")
        assert sorted((r[2], float(r[4])) for r in rows[1:]) == [("difficult", 2300.0), ("general", 1500.0),
                                                                 ("special", 3100.0)]
        assert all(r[3] is None and r[:2] == ("2024-2025", "2") for r in rows[1:])
        assert run(text("SELECT ceiling_undergraduate, ceiling_postgraduate, reduction_bp FROM loan_rate "
                        "WHERE school_year = '2024-2025'")).one() == (20000, 25000, 70)
        # the partial unique index survives SQLite's table copy: a second live award of the same semester is refused
        index = run(text("SELECT sql FROM sqlite_master WHERE name = 'uq_award_student_program_semester'")).scalar()
        assert "WHERE status <> 'void'" in index
