"""``GET /healthz``: can this web process serve? For the load balancer, systemd checks and monitoring.

Answers JSON, without a login and outside the login rate limit, and says nothing about people:

* ``database``: one ``SELECT 1`` on the app's engine (required);
* ``redis``: a PING of REDIS_URL, when set (print jobs and the login rate limit use it);
* ``storage``: the file store (app/files/storage.py) can be used: its folders can be written, or
  its S3 bucket answers (required);
* ``print_worker``: when REDIS_URL is set, print jobs wait on the RQ queue ``print`` until a
  ``flask print-worker`` takes them: at least one worker must be registered on that queue
  (RQ's ``Worker.all``; a worker that died drops out within RQ's worker TTL).

200 ``{"status": "ok", ...}`` when every configured check passes, else 503 with
``"status": "unavailable"`` and, for each failed check, its reason. A check that does not apply
(no REDIS_URL: the web process prints itself) is reported as ``"skipped"``.
"""
from __future__ import annotations

import logging
import time

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from app.extensions import db

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)
TIMEOUT_SECONDS = 2


def _reason(exc):
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first}"[:300]


def _timed(check):
    start = time.perf_counter()
    try:
        result = check() or {}
        result.setdefault("ok", True)
    except Exception as exc:  # every failure is an answer, never a 500
        log.warning("health check %s failed: %s", check.__name__, _reason(exc))
        result = {"ok": False, "error": _reason(exc)}
    result["ms"] = round((time.perf_counter() - start) * 1000, 1)
    return result


def check_database():
    with db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def check_storage():
    from app.files import storage

    for area in storage.AREAS:
        storage.store(area).check()
    return {"backend": storage.backend(current_app.config)}


def _redis():
    from redis import Redis

    return Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=TIMEOUT_SECONDS,
                          socket_connect_timeout=TIMEOUT_SECONDS)


def check_redis():
    _redis().ping()


def check_print_worker():
    from rq import Queue, Worker

    from app.reports.jobs import QUEUE_NAME

    name = current_app.config.get("PRINT_QUEUE") or QUEUE_NAME
    workers = Worker.all(queue=Queue(name, connection=_redis()))
    if not workers:
        return {"ok": False, "queue": name, "workers": 0,
                "error": f"no print worker listens on the queue {name!r} (flask print-worker)"}
    return {"queue": name, "workers": len(workers)}


def health():
    """The answer of /healthz as (dict, HTTP status)."""
    checks = {"database": _timed(check_database), "storage": _timed(check_storage)}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = _timed(check_redis)
        if checks["redis"]["ok"]:
            checks["print_worker"] = _timed(check_print_worker)
        else:
            checks["print_worker"] = {"ok": False, "error": "Redis cannot be reached"}
    else:
        skipped = "REDIS_URL is not set: the web process prints"
        checks["redis"], checks["print_worker"] = {"skipped": skipped}, {"skipped": skipped}
    ok = all(c.get("ok", True) for c in checks.values())
    return {"status": "ok" if ok else "unavailable", "checks": checks}, 200 if ok else 503


@bp.get("/healthz")
def healthz():
    body, status = health()
    return jsonify(body), status


def install(app):
    app.register_blueprint(bp)
    limiter = getattr(getattr(app, "appbuilder", None), "sm", None)
    limiter = getattr(limiter, "limiter", None)
    if limiter is not None:
        limiter.exempt(bp)  # a monitor polling often is never refused
