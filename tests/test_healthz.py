"""GET /healthz (app/operations/health.py): what a load balancer or a monitor asks, without logging in.

200 when the database answers and every configured service does (Redis and a print worker on
the RQ queue when REDIS_URL is set), 503 with the reason otherwise; no personal data, no
cookie, never refused by the rate limit.
"""
from __future__ import annotations

import socket
import uuid

import pytest

from tests.conftest import WORLD


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


def _redis_reachable(url="redis://127.0.0.1:6379/0"):
    try:
        from redis import Redis

        return Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except Exception:
        return False


def test_database_up_without_redis_is_healthy(app):
    client = app.test_client()  # nobody logged in
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert "skipped" in body["checks"]["redis"] and "skipped" in body["checks"]["print_worker"]
    assert "Set-Cookie" not in response.headers  # no session for a monitor
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    for marker in ["甲校学生", "乙校学生", "测试甲中学", WORLD.student_b_number, "t_officer_a", "sqlite", "postgresql"]:
        assert marker not in text


def test_redis_on_a_closed_port_is_503_with_the_reason(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{_closed_port()}/0")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is True
    redis = body["checks"]["redis"]
    assert redis["ok"] is False and "ConnectionError" in redis["error"]
    assert body["checks"]["print_worker"] == {"ok": False, "error": "Redis cannot be reached"}


@pytest.mark.skipif(not _redis_reachable(), reason="no Redis at 127.0.0.1:6379")
def test_real_redis_needs_a_print_worker_on_the_queue(app, monkeypatch):
    from redis import Redis
    from rq import Queue, Worker

    url = "redis://127.0.0.1:6379/0"
    queue_name = "print-healthz-" + uuid.uuid4().hex[:8]  # nobody else's workers on it
    monkeypatch.setitem(app.config, "REDIS_URL", url)
    monkeypatch.setitem(app.config, "PRINT_QUEUE", queue_name)
    client = app.test_client()

    response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["redis"]["ok"] is True
    assert checks["print_worker"]["ok"] is False and checks["print_worker"]["workers"] == 0
    assert queue_name in checks["print_worker"]["error"]

    # a worker starting on that queue registers itself in Redis, as `flask print-worker` does
    worker = Worker([Queue(queue_name, connection=Redis.from_url(url))], connection=Redis.from_url(url),
                    name="healthz-" + uuid.uuid4().hex[:8])
    worker.register_birth()
    try:
        response = client.get("/healthz")
        assert response.status_code == 200, response.get_json()
        checks = response.get_json()["checks"]
        assert checks["print_worker"] == {**checks["print_worker"], "ok": True, "workers": 1, "queue": queue_name}
    finally:
        worker.register_death()
    assert client.get("/healthz").status_code == 503  # the worker stopped: nobody prints


@pytest.fixture(scope="module")
def database_down():
    """An app whose PostgreSQL does not answer (nothing listens on its port), with a strict default
    rate limit on every route, as a careless configuration might set."""
    from app import create_app

    return create_app("config.TestConfig",
                      SQLALCHEMY_DATABASE_URI=f"postgresql://aid@127.0.0.1:{_closed_port()}/aid",
                      SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}},
                      RATELIMIT_DEFAULT="3 per minute")


def test_database_down_is_503_and_polling_is_never_rate_limited(database_down):
    client = database_down.test_client()
    for _ in range(10):
        response = client.get("/healthz")
        assert response.status_code == 503  # never 429, however often the monitor asks
        body = response.get_json()
        assert body["status"] == "unavailable"
        database = body["checks"]["database"]
        assert database["ok"] is False and database["error"].startswith("OperationalError")
