"""Batch printing as background jobs: in-process worker, the real RQ queue, a killed worker, retry, expiry."""
from __future__ import annotations

import os
import signal
import socket
import time
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlparse

import pytest

from app.extensions import db
from tests.conftest import WORLD
from tests.test_reports import assert_cjk_pdf, make_print_job_b, pages


def _job(app, job_id):
    from app.models import PrintJob

    with app.app_context():
        job = db.session.get(PrintJob, job_id)
        values = {c.key: getattr(job, c.key) for c in PrintJob.__table__.columns}
        db.session.remove()
    return values


def _wait(app, job_id, statuses, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = _job(app, job_id)
        if job["status"] in statuses:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still {job['status']} after {timeout}s")


def _queue_class_letters(client):
    r = client.post("/print/letters", data={"school": WORLD.school_a, "grade": "高二", "class_name": "1班"})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    return int(r.headers["Location"].rstrip("/").split("/")[-1])


def test_class_letters_on_the_in_process_worker(app, officer_a):
    from app.reports import jobs

    assert not app.config.get("REDIS_URL")
    page = officer_a.get("/print/letters")
    assert page.status_code == 200 and "高二" in page.get_data(as_text=True)
    job_id = _queue_class_letters(officer_a)
    progress = officer_a.get(f"/printjobs/{job_id}").get_data(as_text=True)
    assert "progress-bar" in progress and "js/print_jobs.js" in progress and "http" not in progress.split("print_jobs.js")[0][-80:]
    jobs.wait_local(app)
    job = _wait(app, job_id, {"done", "failed"})
    assert job["status"] == "done", job["error"]
    status = officer_a.get(f"/printjobs/{job_id}/status").get_json()
    assert status["status"] == "done" and status["percent"] == 100 and status["download"]
    r = officer_a.get(status["download"])
    assert_cjk_pdf(r, "致学生家长的一封信", "甲校学生", absent=["乙校学生"])
    assert pages(r.data) == job["total"]
    assert "乙校" not in officer_a.get("/printjobs/").get_data(as_text=True)


def test_whole_school_job_and_the_centre_sees_it(app, center, officer_a):
    from app.reports import jobs

    r = center.post("/print/letters", data={"school": WORLD.school_b})
    job_id = int(r.headers["Location"].rstrip("/").split("/")[-1])
    jobs.wait_local(app)
    assert _wait(app, job_id, {"done", "failed"})["status"] == "done"
    assert_cjk_pdf(center.get(f"/printjobs/{job_id}/download"), "乙校学生")
    # school A's officer sees neither the job nor its PDF
    assert officer_a.get(f"/printjobs/{job_id}").status_code == 404
    assert officer_a.get(f"/printjobs/{job_id}/download").status_code == 404


def test_print_job_isolation(app, officer_a):
    print_job_b = make_print_job_b(app)
    for url in (f"/printjobs/{print_job_b}", f"/printjobs/{print_job_b}/status", f"/printjobs/{print_job_b}/download"):
        assert officer_a.get(url).status_code == 404, url
    assert officer_a.post(f"/printjobs/{print_job_b}/retry").status_code == 404
    # nor can it queue another school's letters
    assert officer_a.post("/print/letters", data={"school": WORLD.school_b}).status_code == 404
    assert officer_a.get(f"/print/letters?school={WORLD.school_b}").status_code == 404


def _redis_url():
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=0.5):
            return url
    except OSError:
        return None


def test_job_on_the_real_rq_queue(app, officer_a, monkeypatch):
    url = _redis_url()
    if url is None:
        pytest.skip("no Redis reachable at REDIS_URL or 127.0.0.1:6379: the RQ path needs a Redis server")
    from redis import Redis
    from rq import SimpleWorker

    from app.reports import jobs

    queue_name = "print-test-" + uuid.uuid4().hex[:8]  # never handed to a real `make worker`
    monkeypatch.setitem(app.config, "REDIS_URL", url)
    monkeypatch.setitem(app.config, "PRINT_QUEUE", queue_name)
    job_id = _queue_class_letters(officer_a)
    assert _job(app, job_id)["status"] == "queued"  # nothing runs it in the web process
    connection = Redis.from_url(url)
    try:
        with app.app_context():
            assert jobs.rq_queue().count == 1
            SimpleWorker([jobs.rq_queue()], connection=connection).work(burst=True)
        job = _job(app, job_id)
        assert job["status"] == "done", job["error"]
        assert job["worker"]
        assert_cjk_pdf(officer_a.get(f"/printjobs/{job_id}/download"), "甲校学生")
    finally:
        connection.delete(f"rq:queue:{queue_name}")


def test_a_killed_worker_leaves_a_failed_job_not_a_running_one(app, officer_a, monkeypatch):
    """The process running the job is killed (SIGKILL) mid-run: the lease runs out and the job is failed."""
    from app.models import PrintJob, School
    from app.reports import jobs

    with app.app_context():
        school = db.session.get(School, WORLD.school_a)
        from app.models import PrintJob as _P

        job = _P(school_id=school.id, kind="letters", title="被终止的任务", params="{}", status="queued", total=1)
        db.session.add(job)
        db.session.commit()
        job_id = job.id
        db.session.remove()
    pid = os.fork()
    if pid == 0:  # the worker: starts the job, then hangs in the middle of printing until killed
        try:
            with app.app_context():
                db.engine.dispose(close=False)
                import app.reports.documents as documents

                def hang(students, progress=None, **kwargs):
                    progress(0, len(students))
                    time.sleep(120)

                documents.print_letters = hang
                jobs.run_job(job_id)
        finally:
            os._exit(0)
    try:
        running = _wait(app, job_id, {"running", "done", "failed"}, timeout=30)
        assert running["status"] == "running"
        # alive and renewing its lease: not touched by the housekeeping
        with app.app_context():
            jobs.reap()
        assert _job(app, job_id)["status"] == "running"
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    monkeypatch.setitem(app.config, "PRINT_JOB_LEASE_SECONDS", 1)
    time.sleep(1.2)
    with app.app_context():
        assert jobs.reap() >= 1
    job = _job(app, job_id)
    assert job["status"] == "failed"
    assert "打印进程已停止" in job["error"]
    page = officer_a.get(f"/printjobs/{job_id}").get_data(as_text=True)
    assert "打印进程已停止" in page and f"/printjobs/{job_id}/retry" in page
    # retry runs it again, to the end this time
    r = officer_a.post(f"/printjobs/{job_id}/retry")
    assert r.status_code == 302
    jobs.wait_local(app)
    assert _wait(app, job_id, {"done", "failed"})["status"] == "done"
    assert _job(app, job_id)["attempts"] == 2
    with app.app_context():
        db.session.query(PrintJob).filter_by(id=job_id).one()


def test_failure_shows_the_reason_and_old_pdfs_expire(app, officer_a):
    from app.models import PrintJob
    from app.reports import jobs

    # a class with no pupils fails, with the reason shown
    r = officer_a.post("/print/letters", data={"school": WORLD.school_a, "grade": "高九", "class_name": "99班"})
    job_id = int(r.headers["Location"].rstrip("/").split("/")[-1])
    jobs.wait_local(app)
    job = _wait(app, job_id, {"done", "failed"})
    assert job["status"] == "failed" and "没有可打印的学生" in job["error"]
    assert "没有可打印的学生" in officer_a.get(f"/printjobs/{job_id}/status").get_json()["error"]
    # a finished job's PDF is deleted when its time is up
    done_id = _queue_class_letters(officer_a)
    jobs.wait_local(app)
    done = _wait(app, done_id, {"done", "failed"})
    assert done["status"] == "done"
    from app.files import storage

    with app.app_context():
        pdfs = storage.print_jobs()
        assert pdfs.get(done["file_path"]).startswith(b"%PDF")
        db.session.get(PrintJob, done_id).expires_at = datetime.utcnow() - timedelta(minutes=1)
        db.session.commit()
        jobs.reap()
        db.session.remove()
        assert not pdfs.exists(done["file_path"])
    assert _job(app, done_id)["status"] == "expired"
    assert officer_a.get(f"/printjobs/{done_id}/download").status_code == 404


_HORSE = """
import os, sys
from app import create_app
from app.reports import jobs, render

app = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI="sqlite:///" + sys.argv[1])


def job(job_id):  # a batch print: the pool of print workers, as print_letters starts it
    from multiprocessing import forkserver

    pool = render._pool(2, render.default_font_dir())
    pids = [*pool._processes, forkserver._forkserver._forkserver_pid]
    with open(sys.argv[2], "w") as out:
        out.write(" ".join(map(str, pids)))


jobs.run_job, jobs._FORKING_WORKER = job, True  # as `flask print-worker` (run_worker) sets it
with app.app_context():
    pid = os.fork()
    if pid == 0:  # RQ's work horse: the job, then os._exit (rq/worker/base.py), which runs no exit hook
        try:
            jobs.rq_entry("job")
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
"""


_SERVER = """
import sys
from multiprocessing import forkserver
from app import create_app
from app.reports import render
from tests.e2e.serve import serve

app = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI="sqlite:///" + sys.argv[1])
pool = render._pool(2, render.default_font_dir())  # a batch print ran in a thread of this web process
print("PIDS", *pool._processes, forkserver._forkserver._forkserver_pid, flush=True)
serve(app)
"""


def _running(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            return "\nState:\tZ" not in status.read()
    except FileNotFoundError:
        return False


def _still_running_after_15_s(pids):
    """The processes of `pids` still running 15 s on (killed then: not left to the rest of the run)."""
    deadline = time.monotonic() + 15
    while any(_running(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [p for p in pids if _running(p)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    return left


@pytest.mark.once  # an app and a SQLite file of its own, in a process of its own
def test_a_print_job_in_rqs_work_horse_leaves_no_print_worker_behind(tmp_path):
    """`flask print-worker` runs each job in a forked work horse that RQ ends by ``os._exit``: the print
    workers the job started (a forkserver and one process per core, ~240 MB) must end with it, not wait for
    work for good."""
    import subprocess
    import sys
    from pathlib import Path

    pids_file = tmp_path / "pids"
    subprocess.run([sys.executable, "-c", _HORSE, str(tmp_path / "horse.db"), str(pids_file)], check=True,
                   timeout=120, stdout=subprocess.DEVNULL, cwd=Path(__file__).resolve().parent.parent, env=os.environ)
    pids = [int(p) for p in pids_file.read_text().split()]
    assert len(pids) == 3
    assert _still_running_after_15_s(pids) == []


@pytest.mark.once  # a web process of its own
def test_a_web_process_stopped_by_sigterm_leaves_no_print_worker_behind(tmp_path):
    """The browser tests' server (tests/e2e/serve.py) is stopped by SIGTERM, which by default runs no exit
    hook: the print workers of a batch it printed used to stay after every run (a forkserver and two)."""
    import subprocess
    import sys
    from pathlib import Path

    process = subprocess.Popen([sys.executable, "-c", _SERVER, str(tmp_path / "web.db")], text=True,
                               stdout=subprocess.PIPE, cwd=Path(__file__).resolve().parent.parent, env=os.environ)
    pids = []
    try:
        pids = [int(p) for p in process.stdout.readline().split()[1:]]
        assert process.stdout.readline().startswith("SERVING http://127.0.0.1:")
        assert len(pids) == 3 and all(_running(p) for p in pids)
        process.terminate()
        stopped = process.wait(60)
    finally:
        process.kill()
        process.stdout.close()
        left = _still_running_after_15_s(pids)
    assert (stopped, left) == (0, [])
