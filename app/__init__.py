"""The application factory."""
from __future__ import annotations


def create_app(config_object="config.Config", **overrides):
    """Build one app with its own AppBuilder (one AppBuilder serves one app only).

    Flask, Flask-AppBuilder and the models are imported here, not when the package is: a print
    worker imports ``app.reports.render`` only, and importing this package took it 1.2–1.4 s of
    Flask-AppBuilder, SQLAlchemy and marshmallow it never uses (app/reports/render.py ``_pool``)."""
    from flask import Flask
    from flask_appbuilder import AppBuilder

    from app.extensions import db, enforce_sqlite_foreign_keys, migrate

    app = Flask(__name__, instance_relative_config=False)
    app.config.from_object(config_object)
    app.config.update(overrides)
    # Roles and their permissions are code (app/security/roles.py), read by the security manager.
    from app.security.roles import FAB_ROLES

    app.config["FAB_ROLES"] = FAB_ROLES
    from app import clock

    clock.install(app)  # the process runs on the county's clock (TIMEZONE)
    from app.security import hardening

    hardening.install_early(app)  # refuses default keys outside development; CSRF before the APIs exist
    from app.operations import logs

    logs.install(app)  # JSON lines (or text) on stdout, a request id and the user on each (LOG_FORMAT)

    from app.fab import speedups

    speedups.install()
    from app.fab import fixes

    fixes.install()  # FAB behaviours corrected in place (an unknown filter position in a list's address)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()))

    with app.app_context():
        from app import models  # noqa: F401  (register the mappers)
        from app.security import scope

        scope.install(db.session)
        from app.security import audit

        audit.install(db.session)
        from app.demo import guard as demo_guard

        demo_guard.install(db.session)  # a new password makes a kept demo account an ordinary one
        from app.security import sessions

        sessions.install(db.session)  # a password change or deactivation ends the user's sessions
        from app.files import storage

        storage.install(app, db.session)  # a stored upload lives only if its record is committed
        enforce_sqlite_foreign_keys(db.engine)
        appbuilder = AppBuilder(update_perms=False)
        appbuilder.init_app(app, db.session)
        from app.views import register_views

        register_views(appbuilder)
        appbuilder.post_init()
        hardening.install(app)  # security headers, session expiry, login rate limit
        app.appbuilder_views = {type(v).__name__: v for v in appbuilder.baseviews}

    from app.cli import register_cli
    from app.errors import register_error_handlers

    register_cli(app)
    register_error_handlers(app)
    from app.operations import health

    health.install(app)  # GET /healthz: database, Redis, print worker (app/operations/health.py)
    from app.operations import static_files

    static_files.install(app)  # static files cached for a year under addresses that carry their content's digest
    from app.security import personal

    app.add_template_filter(personal.template_filter, "pd")
    app.add_template_filter(personal.masked, "masked")
    from app.fab import templating

    templating.install(app)  # permission filters answered per request, never folded into a template
    from app.fab import navigation

    navigation.install(app)  # the side bar, top bar and breadcrumbs of every page (app/templates/layout.html)
    from app.views.search import redirect_numbers

    app.before_request(redirect_numbers)  # no ID number in a page's address (app/views/search.py)
    return app


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"
