"""Logging: one place, one line per event on stdout (a ``flask`` command's on stderr).

``LOG_FORMAT=json`` (the default outside development) writes one JSON object a line: ``time`` (UTC),
``level``, ``logger``, ``message``, the request's ``request_id`` and the logged-in user
(``user_id``, ``username``) when there is one, the exception's text, and any ``extra=`` fields.
``LOG_FORMAT=text`` (development) writes the same as one readable line. ``LOG_LEVEL`` (INFO)
is the root level; ``app.security.audit`` always logs its anchors at INFO (README "Audit trail").

Every request gets a request id: nginx's ``X-Request-ID`` header when it sends a sane one
(letters, digits, ``._:-``, up to 128 characters), else a new one. It goes back in the response's
``X-Request-ID`` header and into every line logged while the request runs, and each request
ends with one access line (logger ``app.request``: method, path without the query string, status,
milliseconds, client address, user). The query string is left out: a search may carry a name or
an ID number (app/views/search.py moves those out of addresses, but the first request has them).

gunicorn (deploy/gunicorn.conf.py) sends its own lines through the same handler and formatter
(``gunicorn_logconfig``); its access log stays off, the app's access line replaces it (gunicorn
cannot know the user). The print worker (``flask print-worker``) logs through the root handler too:
RQ adds its own handlers only when none is there.

The JSON formatter is the standard library's ``logging.Formatter`` with ``json.dumps``: the few
lines python-json-logger would save do not pay for another dependency to keep up to date.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone

from flask import g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
_ENVIRON_ID = "aid.request_id"
_ENVIRON_START = "aid.request_start"
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# The attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}
_CONTEXT = ("request_id", "user_id", "username")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(username)s] %(message)s"


# --- the request id ------------------------------------------------------------------------------


def request_id():
    """This request's id (outside a request: None)."""
    if not has_request_context():
        return None
    environ = request.environ
    rid = environ.get(_ENVIRON_ID)
    if rid is None:
        sent = environ.get("HTTP_X_REQUEST_ID", "")
        rid = environ[_ENVIRON_ID] = sent if _SANE_ID.fullmatch(sent) else uuid.uuid4().hex
    return rid


def _current_user():
    """(id, username) of the request's logged-in user, or (None, None). Reads only what is loaded,
    never the database: a line logged while a transaction has failed (Flask-AppBuilder logs a refused
    write before it rolls back) must not touch the session, or the refusal it reports is replaced by
    the session's "roll back first" error. The name is kept on ``g`` once seen, for the lines logged
    after a commit has expired the user (g.user: Flask-AppBuilder's hook and the JWT loader;
    _login_user: Flask-Login)."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import NoInspectionAvailable

    user = g.get("user") or g.get("_login_user")
    if user is None:
        return None, None
    try:
        state = inspect(user)
    except NoInspectionAvailable:  # Flask-Login's anonymous user
        return None, None
    identity = state.identity
    user_id = identity[0] if identity else state.dict.get("id")
    if user_id is None:
        return None, None
    username = state.dict.get("username")
    if username is not None:
        g.aid_log_username = username
    return user_id, username if username is not None else g.get("aid_log_username")


class RequestContext(logging.Filter):
    """Puts the request id and the user on every record (None outside a request)."""

    def filter(self, record):
        if has_request_context():
            record.request_id = request_id()
            if not hasattr(record, "user_id"):
                record.user_id, record.username = _current_user()
        for name in _CONTEXT:
            if not hasattr(record, name):
                setattr(record, name, None)
        return True


# --- formats -------------------------------------------------------------------------------------


class JsonFormatter(logging.Formatter):
    """One JSON object a line (non-ASCII kept: the messages are often Chinese)."""

    def format(self, record):
        entry = {
            # UTC, as the security records keep it (README "Time"): every process says the same
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")[:-6] + "Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _CONTEXT:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        for name, value in vars(record).items():
            if name not in _STANDARD and name not in _CONTEXT and not name.startswith("_"):
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__(TEXT_FORMAT)

    def format(self, record):
        for name in _CONTEXT:
            if getattr(record, name, None) is None:
                setattr(record, name, "-")
        return super().format(record)


FORMATTERS = {"json": JsonFormatter, "text": TextFormatter}


class StdoutHandler(logging.StreamHandler):
    """The process's stdout (the web process, gunicorn: the journal under systemd), or its stderr
    while a ``flask`` command runs, so that what the command prints stays apart from the log.
    The real streams, looked up at each line: a test's or CliRunner's replaced ``sys.stdout`` never
    receives log lines, and a stream closed since is never written to. The request's context is
    added to every record."""

    def __init__(self, log_format="json"):
        super().__init__()
        self.setFormatter(formatter(log_format))
        self.addFilter(RequestContext())

    @property
    def stream(self):
        import click

        if click.get_current_context(silent=True) is not None:
            return sys.__stderr__ or sys.stderr
        return sys.__stdout__ or sys.stdout

    @stream.setter
    def stream(self, _value):
        pass


def formatter(log_format):
    try:
        return FORMATTERS[(log_format or "json").strip().lower()]()
    except KeyError:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATTERS)}, not {log_format!r}") from None


# --- installation --------------------------------------------------------------------------------


def configure(log_format="json", level="INFO"):
    """The root logger writes to stdout through one StdoutHandler (a previous one is replaced)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, StdoutHandler):
            root.removeHandler(handler)
    root.addHandler(StdoutHandler(log_format))
    root.setLevel(str(level).upper())
    logging.getLogger("flask_appbuilder").setLevel(logging.WARNING)
    logging.getLogger("app.security.audit").setLevel(logging.INFO)  # the anchors of the audit trail


def install(app):
    """Configure logging from LOG_FORMAT / LOG_LEVEL and log every request with its id and user."""
    configure(app.config.get("LOG_FORMAT", "json"), app.config.get("LOG_LEVEL", "INFO"))
    app.wsgi_app = _Stamp(app.wsgi_app)
    access = logging.getLogger("app.request")

    @app.after_request  # registered first, so it runs last: the response as it leaves
    def log_request(response):
        response.headers[REQUEST_ID_HEADER] = request_id()
        quiet = request.endpoint in ("static", "appbuilder.static") or (
            request.endpoint == "health.healthz" and response.status_code == 200)
        level = logging.DEBUG if quiet else logging.INFO
        if access.isEnabledFor(level):
            start = request.environ.get(_ENVIRON_START)
            access.log(level, "%s %s %s", request.method, request.path, response.status_code, extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - start) * 1000, 1) if start else None,
                "remote_addr": request.remote_addr,
            })
        return response


class _Stamp:
    """WSGI middleware: the time a request arrived (for the access line's duration)."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        environ[_ENVIRON_START] = time.perf_counter()
        return self.wsgi_app(environ, start_response)


def gunicorn_logconfig(log_format="json", level="INFO"):
    """gunicorn's ``logconfig_dict``: its master's and workers' lines in the app's format on stdout."""
    formatter(log_format)  # a wrong LOG_FORMAT stops gunicorn with the reason
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"stdout": {"()": StdoutHandler, "log_format": log_format}},
        "root": {"level": str(level).upper(), "handlers": ["stdout"]},
        "loggers": {
            "gunicorn.error": {"level": str(level).upper(), "handlers": [], "propagate": True},
            # the app writes the access line (with the user); gunicorn's own would say it twice
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
    }
