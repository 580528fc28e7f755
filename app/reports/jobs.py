"""Batch printing as background jobs (a class's or a school's letters).

A ``PrintJob`` row is the job: queued → running → done (PDF kept until
``expires_at``) or failed (with the reason; 重试 queues it again).

* With REDIS_URL set, the job id goes to the RQ queue ``print`` and a separate
  worker process runs it (``make worker`` = ``flask print-worker``).
* Without it, a daemon thread of the web process runs the jobs one by one, so an
  installation on the embedded SQLite database works with nothing else running.

Whoever runs a job claims it with one conditional UPDATE (queued → running), so
a job never runs twice at once, and renews a lease (``heartbeat_at``) every few
seconds while it works.  A worker that dies (killed, out of memory, machine
restarted) stops renewing it; the next look at the jobs (a page, the progress
poll, a worker starting) marks such a job failed, with the reason, instead of
leaving it "running" forever.

The finished PDF goes to the shared store (app/files/storage.py ``print_jobs``: a folder every
machine mounts, or an S3 bucket), so any web process serves what any worker printed.
"""
from __future__ import annotations

import json
import logging
import os
import queue
import secrets
import socket
import threading
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import select, update

from app.extensions import db
from app.files import storage
from app.security.scope import unscoped
from app import clock

log = logging.getLogger(__name__)
QUEUE_NAME = "print"


def _cfg(key, default):
    return current_app.config.get(key, default)


def lease_seconds():
    return int(_cfg("PRINT_JOB_LEASE_SECONDS", 60))


# --- creating and dispatching -------------------------------------------------------------

def create_letters_job(school, title, user=None, grade=None, class_name=None):
    """Queue the letters of a school (or one class of it); the caller's scope has checked the school."""
    from app.models import PrintJob
    from app.reports.documents import letter_students

    total = len(letter_students(school.id, grade, class_name))
    job = PrintJob(school_id=school.id, kind="letters", title=title, total=total, status="queued",
                   params=json.dumps({"grade": grade, "class_name": class_name}, ensure_ascii=False),
                   created_by_id=getattr(user, "id", None))
    db.session.add(job)
    db.session.commit()
    dispatch(job.id)
    return job


def retry(job):
    if job.status not in ("failed", "expired"):
        return False
    remove_file(job)
    job.status, job.error, job.done, job.worker = "queued", None, 0, None
    job.started_at = job.finished_at = job.heartbeat_at = job.expires_at = None
    db.session.commit()
    dispatch(job.id)
    return True


def redis_url():
    return current_app.config.get("REDIS_URL")


def rq_queue():
    from redis import Redis
    from rq import Queue

    return Queue(_cfg("PRINT_QUEUE", QUEUE_NAME), connection=Redis.from_url(redis_url()))


def dispatch(job_id):
    if redis_url():
        rq_queue().enqueue("app.reports.jobs.rq_entry", job_id,
                           job_timeout=int(_cfg("PRINT_JOB_TIMEOUT", 3600)), result_ttl=3600, failure_ttl=86400)
    else:
        _local_worker(current_app._get_current_object()).put(job_id)


# --- the in-process worker (no Redis) ---------------------------------------------------------

_LOCAL = {}
_LOCAL_LOCK = threading.Lock()


class _LocalWorker:
    def __init__(self, app):
        self.app = app
        self.jobs = queue.Queue()
        self.thread = threading.Thread(target=self._loop, name="print-worker", daemon=True)
        self.thread.start()

    def put(self, job_id):
        self.jobs.put(job_id)

    def _loop(self):
        while True:
            job_id = self.jobs.get()
            try:
                with self.app.app_context():
                    run_job(job_id)
            except Exception:  # pragma: no cover - run_job records its own failures
                log.exception("print job %s", job_id)
            finally:
                self.jobs.task_done()

    def idle(self, timeout=None):
        """Wait until every job put so far has run (tests)."""
        self.jobs.join()


def _local_worker(app):
    with _LOCAL_LOCK:
        key = (id(app), os.getpid())
        if key not in _LOCAL:
            _LOCAL[key] = _LocalWorker(app)
        return _LOCAL[key]


def wait_local(app):
    worker = _LOCAL.get((id(app), os.getpid()))
    if worker is not None:
        worker.idle()


# --- running a job ------------------------------------------------------------------------------

def _update(job_id, **values):
    """Write job fields at once, in a transaction of their own (progress, lease)."""
    from app.models import PrintJob

    with db.engine.begin() as conn:
        return conn.execute(update(PrintJob.__table__).where(PrintJob.__table__.c.id == job_id)
                            .values(updated_at=clock.now(), **values)).rowcount


def _claim(job_id, worker):
    from app.models import PrintJob

    t = PrintJob.__table__
    now = clock.now()
    with db.engine.begin() as conn:
        return conn.execute(
            update(t).where(t.c.id == job_id, t.c.status == "queued")
            .values(status="running", worker=worker[:100], started_at=now, heartbeat_at=now, done=0,
                    attempts=t.c.attempts + 1, error=None, updated_at=now)
        ).rowcount == 1


class _Heartbeat(threading.Thread):
    def __init__(self, app, job_id, every):
        super().__init__(name=f"print-heartbeat-{job_id}", daemon=True)
        self.app, self.job_id, self.every = app, job_id, every
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.wait(self.every):
            try:
                with self.app.app_context():
                    _update(self.job_id, heartbeat_at=clock.now())
            except Exception:  # pragma: no cover
                log.exception("heartbeat of print job %s", self.job_id)


def worker_name():
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"


def run_job(job_id):
    """Run one queued job to the end (done or failed). Returns the final status."""
    from app.models import PrintJob, School
    from app.reports.documents import letter_students, print_letters

    if not _claim(job_id, worker_name()):
        return None  # someone else has it, or it is no longer queued
    heartbeat = _Heartbeat(current_app._get_current_object(), job_id, max(1.0, lease_seconds() / 4))
    heartbeat.start()
    try:
        session = db.session
        job = session.scalars(select(PrintJob).where(PrintJob.id == job_id).execution_options(**unscoped())).one()
        params = json.loads(job.params or "{}")
        school = session.scalars(select(School).where(School.id == job.school_id).execution_options(**unscoped())).one()
        students = letter_students(school.id, params.get("grade"), params.get("class_name"))
        _update(job_id, total=len(students))
        if not students:
            raise ValueError("没有可打印的学生。")

        def progress(done, total):
            _update(job_id, done=done, total=total, heartbeat_at=clock.now())

        pdf = print_letters(students, progress=progress, processes=_cfg("PRINT_PROCESSES", None))
        name = f"job-{job_id}-{secrets.token_hex(8)}.pdf"
        storage.print_jobs().put(name, pdf)  # shared by every web process (app/files/storage.py)
        now = clock.now()
        _update(job_id, status="done", done=len(students), file_path=name, file_size=len(pdf), finished_at=now,
                heartbeat_at=now, expires_at=now + timedelta(hours=float(_cfg("PRINT_JOB_KEEP_HOURS", 72))))
        return "done"
    except Exception as exc:
        log.exception("print job %s failed", job_id)
        db.session.rollback()
        _update(job_id, status="failed", error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=clock.now())
        return "failed"
    finally:
        heartbeat.stopped.set()
        db.session.remove()


_FORKING_WORKER = False


def rq_entry(job_id):
    """What the RQ worker runs (in its work-horse process)."""
    if has_app_context():
        if _FORKING_WORKER:
            db.engine.dispose(close=False)  # the pooled connections are the parent process's
            try:
                return run_job(job_id)
            finally:
                # RQ ends its work horse by os._exit, which runs no exit hook: the print workers this job
                # started (a forkserver and one process per core) would be left running for good
                from app.reports.render import shutdown_pool

                shutdown_pool(wait=True)
        return run_job(job_id)
    from app import create_app

    app = create_app()
    with app.app_context():
        return run_job(job_id)


# --- housekeeping ----------------------------------------------------------------------------------

STALE_REASON = "打印进程已停止（超过{seconds}秒没有进展），任务未完成。请重试。"
UNCLAIMED_REASON = "没有打印进程领取该任务（请确认已用 make worker 启动打印进程）。请重试。"


def reap(now=None):
    """Fail jobs whose worker died, fail jobs nobody took, delete expired PDFs. Returns the number changed."""
    from app.models import PrintJob

    now = now or clock.now()
    t = PrintJob.__table__
    lease = lease_seconds()
    changed = 0
    with db.engine.begin() as conn:
        changed += conn.execute(
            update(t).where(t.c.status == "running", t.c.heartbeat_at < now - timedelta(seconds=lease))
            .values(status="failed", error=STALE_REASON.format(seconds=lease), finished_at=now, updated_at=now)
        ).rowcount
        unclaimed = int(_cfg("PRINT_JOB_UNCLAIMED_SECONDS", 900))
        changed += conn.execute(
            update(t).where(t.c.status == "queued", t.c.updated_at < now - timedelta(seconds=unclaimed))
            .values(status="failed", error=UNCLAIMED_REASON, finished_at=now, updated_at=now)
        ).rowcount
        expired = conn.execute(select(t.c.id, t.c.file_path).where(t.c.status == "done", t.c.expires_at < now)).all()
        for job_id, file_path in expired:
            _unlink(file_path)
            conn.execute(update(t).where(t.c.id == job_id).values(status="expired", file_path=None, updated_at=now))
            changed += 1
    return changed


def _unlink(file_path):
    if file_path:
        try:
            storage.print_jobs().delete(file_path)
        except Exception:  # pragma: no cover - a name that was never ours, or the store cannot be reached now
            log.warning("print job file %r not removed", file_path, exc_info=True)


def remove_file(job):
    _unlink(job.file_path)
    job.file_path, job.file_size = None, None


def run_worker(burst=False):
    """`flask print-worker`: an RQ worker on the print queue (needs REDIS_URL)."""
    from rq import Worker

    global _FORKING_WORKER
    _FORKING_WORKER = True
    reap()
    fontset_ready()
    db.session.remove()
    db.engine.dispose()  # the work horses are forked: hand them no open connection
    queue = rq_queue()
    worker = Worker([queue], connection=queue.connection)
    return worker.work(burst=burst, with_scheduler=False)


def fontset_ready():
    from app.reports.render import default_font_dir, fontset

    fontset(default_font_dir()).prepare()
