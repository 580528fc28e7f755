"""Several web processes on several machines: nothing that matters lives in one process or on one
machine's disk.

Two real web processes (tests/e2e/serve.py, each with its own INSTANCE_DIR, as two machines would have)
share the suite's database, the Redis on 127.0.0.1:6379 (a queue and key prefix of this run's own) and
the file store: a shared folder, and an S3 bucket (moto's S3 server).  An officer logs in on the first
and queues a class's letters; a print worker, a third process with an instance folder of its own, runs
the job from Redis; the same officer, logged in on the second process, downloads the very PDF the
store holds, and an officer of another school cannot.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
import requests

from app.extensions import db
from tests.conftest import PASSWORD, PG_SCHEMA, WORLD
from tests.test_reports_jobs import _redis_url
from tests.test_storage import moto_s3  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 90
# Settings of the suite's shell that must not leak into the servers: each gets exactly what a machine would.
OWN = ("DATABASE_URL", "REDIS_URL", "INSTANCE_DIR", "STORAGE_BACKEND", "STORAGE_DIR", "UPLOAD_DIR", "PRINT_JOB_DIR",
       "PRINT_QUEUE", "S3_BUCKET", "S3_PREFIX", "S3_ENDPOINT_URL", "S3_REGION", "S3_ACCESS_KEY_ID",
       "S3_SECRET_ACCESS_KEY", "PDF_FONT_DIR", "E2E_PORT")


def _database_url(app):
    """The suite's own database: its SQLite file, or its PostgreSQL schema (named in the connection's options)."""
    if not PG_SCHEMA:
        return app.config["SQLALCHEMY_DATABASE_URI"]
    url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
    return url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{PG_SCHEMA}"


class Server:
    """One web process: `python -m tests.e2e.serve` on a free port, on a database made already."""

    def __init__(self, env, log_path):
        self.log = open(log_path, "w+")
        self.process = subprocess.Popen([sys.executable, "-m", "tests.e2e.serve"], cwd=ROOT, env=dict(env, E2E_SEED="0"),
                                        stdout=subprocess.PIPE, stderr=self.log, text=True)
        self.url, self.ready = None, threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:  # read to the end: a full pipe would stop the server
            if self.url is None and line.startswith("SERVING "):
                self.url = line.split()[1]
                self.ready.set()
            elif not self.log.closed:
                self.log.write(line)
        self.ready.set()

    def wait(self):
        self.ready.wait(STARTUP_SECONDS)
        if self.url is None:
            self.log.flush()
            self.log.seek(0)
            pytest.fail("a web process did not start:\n" + self.log.read()[-3000:])
        return self.url

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def _token(html):
    found = re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'<input[^>]*value="([^"]+)"[^>]*name="csrf_token"', html)
    assert found, html[:500]
    return found.group(1)


def login(base, username):
    """A browser's session on one web process: the login form, its CSRF token, the cookie."""
    session = requests.Session()
    token = _token(session.get(f"{base}/login/", timeout=30).text)
    r = session.post(f"{base}/login/", data={"username": username, "password": PASSWORD, "csrf_token": token},
                     allow_redirects=False, timeout=30)
    assert r.status_code == 302 and "/login" not in r.headers["Location"], f"{username} could not log in on {base}"
    return session


@pytest.fixture(params=["shared folder", "s3"])
def shared_store(request, tmp_path):
    if request.param == "s3":
        return request.getfixturevalue("moto_s3")
    return dict(STORAGE_BACKEND="local", STORAGE_DIR=str(tmp_path / "shared"))


def test_one_process_prints_and_another_serves_the_pdf(app, shared_store, tmp_path):
    redis = _redis_url()
    if redis is None:
        pytest.skip("no Redis reachable at REDIS_URL or 127.0.0.1:6379: the processes share the print queue there")
    from redis import Redis

    from app.files import storage
    from app.models import PrintJob
    from app.reports.render import font_dir_of

    run = uuid.uuid4().hex[:8]
    base_env = {k: v for k, v in os.environ.items() if k not in OWN}
    base_env.update(
        AID_ENV="development", DATABASE_URL=_database_url(app), REDIS_URL=redis,
        PRINT_QUEUE=f"print-two-{run}", LOGIN_RATE_REDIS_PREFIX=f"aid-rate-two-{run}", LOGIN_RATE_PER_MINUTE="0",
        SESSION_COOKIE_SECURE="0", PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1",
        # the keys come from the environment, the same on every machine (never from an instance folder)
        SECRET_KEY=app.config["SECRET_KEY"], ENCRYPTION_KEY=app.config["ENCRYPTION_KEY"], AUDIT_KEY=app.config["AUDIT_KEY"],
        # the cut-down typefaces are a per-machine cache; these processes are on one machine
        PDF_FONT_DIR=font_dir_of(app.config), **shared_store)
    instances = {name: tmp_path / name for name in ("web1", "web2", "worker")}
    for folder in instances.values():
        folder.mkdir()
    servers = [Server(dict(base_env, INSTANCE_DIR=str(instances[name])), tmp_path / f"{name}.log") for name in ("web1", "web2")]
    job_id = None
    try:
        one, two = (server.wait() for server in servers)
        assert one != two

        # process 1: the officer queues the letters of one class; nothing prints in a web process with Redis
        officer_one = login(one, "t_officer_a")
        form = officer_one.get(f"{one}/print/letters", params={"school": WORLD.school_a}, timeout=30)
        assert form.status_code == 200 and "高二" in form.text
        r = officer_one.post(f"{one}/print/letters", allow_redirects=False, timeout=60, data={
            "school": WORLD.school_a, "grade": "高二", "class_name": "1班", "csrf_token": _token(form.text)})
        assert r.status_code == 302, r.text[:500]
        job_id = int(r.headers["Location"].rstrip("/").split("/")[-1])
        assert officer_one.get(f"{one}/printjobs/{job_id}/status", timeout=30).json()["status"] == "queued"

        # a print worker on a third machine runs it from the shared Redis queue
        with open(tmp_path / "worker.log", "w+") as log:
            worker = subprocess.run([sys.executable, "-m", "flask", "--app", "run.py", "print-worker", "--burst"],
                                    cwd=ROOT, env=dict(base_env, INSTANCE_DIR=str(instances["worker"]), PRINT_PROCESSES="1"),
                                    stdout=log, stderr=subprocess.STDOUT, timeout=180)
            log.seek(0)
            assert worker.returncode == 0, log.read()[-3000:]

        # process 2: the same officer, logged in there, sees it done and downloads it
        officer_two = login(two, "t_officer_a")
        status = officer_two.get(f"{two}/printjobs/{job_id}/status", timeout=30).json()
        assert status["status"] == "done", status
        pdf = officer_two.get(f"{two}{status['download']}", timeout=60)
        assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF") and int(pdf.headers["Content-Length"]) == len(pdf.content)
        with app.app_context():
            saved = {key: app.config.get(key) for key in shared_store}
            app.config.update(shared_store)  # the suite's app looks into the shared store as a fourth machine
            try:
                job = db.session.get(PrintJob, job_id)
                assert job.file_size == len(pdf.content)
                assert storage.print_jobs().get(job.file_path) == pdf.content  # the very file the store holds
            finally:
                app.config.update(saved)
                db.session.remove()
        assert officer_one.get(f"{one}/printjobs/{job_id}/download", timeout=60).content == pdf.content
        # kept in the shared store only: on no machine's own disk
        assert not [p for folder in instances.values() for p in folder.rglob("*.pdf")]

        # an officer of another school, on either process, gets nothing
        for base in (two, one):
            other = login(base, "t_officer_b")
            assert other.get(f"{base}/printjobs/{job_id}/download", timeout=30).status_code == 404
            assert other.get(f"{base}/printjobs/{job_id}/status", timeout=30).status_code == 404
    finally:
        for server in servers:
            server.stop()
        Redis.from_url(redis).delete(f"rq:queue:print-two-{run}")
        if job_id is not None:
            with app.app_context():
                db.session.query(PrintJob).filter_by(id=job_id).delete()
                db.session.commit()
                db.session.remove()
