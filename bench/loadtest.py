"""Deadline-day load test: ``python -m bench.loadtest`` (``make loadtest``).

The app under gunicorn (several workers) on a scratch PostgreSQL database, and N
simulated school information officers (default 60, one per school) working through
it for a fixed time (default 60 s) on loopback, the way they do on a report
deadline.  Each officer is a thread with its own cookie-keeping HTTP client (stdlib
``http.client``, keep-alive when the worker allows it); it logs in through the real
login form with its CSRF token, then loops:

1. opens its report to-do list and submits a report (text and a small .csv
   attachment, multipart) to a task still open for its school, follows the redirect;
2. opens one of its pupils' edit form and changes the home address, sending the
   form back whole (csrf_token and row_version included), follows the redirect;
3. opens the award form and proposes an award for one of its pupils (typing the
   ID number, the stage's main grant, the current semester, the semester standard,
   a valid card number), follows the redirect;

with a random pause after every page ("think time": ``--think`` seconds on average, default 3 s,
uniform between half and one and a half times that; an officer who clicks every 3 s is faster
than anyone fills in a form, so this is a rush).  The officers log in one after the other over
``--ramp`` seconds (default 10), then work for ``--duration`` seconds; the logins are measured too.
Every request's latency and outcome is recorded.  A write is acknowledged when the
POST answers 302 (anywhere but the login page); a POST that answers 200 is a
refusal (the form came back with an error: none is expected, the inputs are valid).

Afterwards gunicorn is stopped and the database is read through the app's own
models: every acknowledged submission, the last acknowledged address of every
edited pupil, and every acknowledged award must be there (zero lost writes).

Set-up: ``CREATE DATABASE loadtest_<random>`` on the server of ``--pg-url`` (default
``postgresql://postgres@127.0.0.1:5432/test``, or ``$BENCH_PG_URL``), ``flask db
upgrade`` and ``flask sync-roles`` on it, the demo county (``seed_demo``: 28 schools,
3,000 pupils), more schools up to ``--schools`` (default: the number of users, at
least 60), an information officer account for every school without one, a pool of
pupils per school for the edits and awards, and ``--tasks`` open report tasks due in
the middle of the run, asked of every school.  ``INSTANCE_DIR`` is a temporary
directory (keys, uploads), so ``instance/`` is not touched.  The scratch database is
dropped at the end, also on Ctrl-C (``--keep-db`` keeps it).

gunicorn runs with ``AID_ENV=development``, ``LOGIN_RATE_PER_MINUTE=0`` (60 logins
from one address) and ``WTF_CSRF_ENABLED=1`` as in production, bound to a free port
on 127.0.0.1.

Besides the figures it prints the CPU time gunicorn's processes used (per request: the
machine-independent cost), the load average before and after (other work on the machine
slows every latency) and how many database sessions were running or waiting on a lock
(sampled from ``pg_stat_activity``), to tell CPU starvation from lock contention.

Targets (printed next to each figure, exit status 1 when one fails): zero errors
(HTTP status other than 2xx/3xx, exceptions, refused writes, a redirect to the login
page), zero lost writes, p95 latency ≤ 500 ms.

    python -m bench.loadtest                                  # 60 officers, 60 s, 4 gunicorn workers
    python -m bench.loadtest --users 20 --duration 20         # a quick one
    python -m bench.loadtest --think 1                        # a harder rush: 1 s between pages
    python -m bench.loadtest --workers 4 --worker-class gthread --threads 4
    make loadtest LOADTEST_ARGS="--duration 120"
"""
from __future__ import annotations

import argparse
import html
import http.client
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
P95_TARGET_MS = 500.0
OFFICER_PASSWORD = "Load@Test2021"
# Stages of the schools added beyond the demo's 28 (a county's mix, mostly primary and kindergartens).
EXTRA_STAGES = ["primary", "kindergarten", "junior", "primary", "senior", "kindergarten", "complete", "primary",
                "vocational", "junior"]
ATTACHMENT = ("学校,应报人数,已报人数\n" + "\n".join(f"{g}年级,{40 + g},{38 + g}" for g in range(1, 7)) + "\n").encode()


def log(*args):
    print(*args, flush=True)


# --------------------------------------------------------------------------------------
# the scratch database
# --------------------------------------------------------------------------------------


def _conninfo(url):
    """A libpq URL from a SQLAlchemy one (postgresql+psycopg:// -> postgresql://)."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return u.set(drivername="postgresql").render_as_string(hide_password=False)


def _with_database(url, name):
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _admin(url, sql):
    import psycopg

    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        return conn.execute(sql).fetchall() if sql.lstrip().upper().startswith("SELECT") else conn.execute(sql)


def create_database(admin_url, prefix="loadtest"):
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    _admin(admin_url, f'CREATE DATABASE "{name}"')
    return name


def drop_database(admin_url, name):
    # WITH (FORCE): a worker killed mid-request may leave a connection behind (PostgreSQL 13+).
    try:
        _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception:  # noqa: BLE001 - older servers
        _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}"')


def pg_server_version(admin_url):
    try:
        return _admin(admin_url, "SELECT current_setting('server_version')")[0][0]
    except Exception as exc:  # noqa: BLE001
        return f"unavailable: {exc.__class__.__name__}"


# --------------------------------------------------------------------------------------
# seeding (in this process, through the app's models)
# --------------------------------------------------------------------------------------


def seed(app, args, deadline):
    """The county, the officers, the pupils each officer works on, and the open report tasks.

    Returns the plan of each officer: login, school, the pupils to edit and the awards to propose.
    """
    from flask import current_app
    from sqlalchemy import func, select

    from app.cli import create_user
    from app.demo import rows as demo_rows
    from app.demo.programmes import MAIN_GRANT
    from app.demo.county import seed_demo
    from app.models.choices import DEMO_TOWNS
    from app.extensions import db
    from app.models import AidProgram, Award, InfoOfficer, ReportTask, School, Semester, Student
    from app.security.roles import SCHOOL_OFFICER
    from app.rules import cards
    from app.models import Identification
    from app.rules.awards import AID_CARD_STAGES, student_stage
    from app.rules.eligibility import standard_for
    from app.rules.identification import school_year_of

    rng = random.Random(args.seed)
    with app.app_context():
        current_app.appbuilder.sm.sync_roles()
        seed_demo(students=3000, seed=args.seed)
        year_start = int(school_year_of(date.today())[:4])
        division = current_app.config["COUNTY_CODE"]
        have = db.session.scalar(select(func.count(School.id)))
        county = current_app.config["COUNTY_NAME"]
        for n in range(have + 1, args.schools + 1):
            stage = EXTRA_STAGES[n % len(EXTRA_STAGES)]
            town = DEMO_TOWNS[n % len(DEMO_TOWNS)]
            db.session.add(School(**demo_rows.school_row(rng, f"3411249{n:03d}", f"{county}{town}负载测试第{n}学校", stage,
                                                         town, county, street="学府路", number=n)))
        db.session.commit()
        schools = db.session.scalars(select(School).order_by(School.id)).all()[: max(args.users, args.schools)]

        # an information officer for every school without one (the demo has two: officer, officer2)
        officers = {o.school_id: o.user for o in db.session.scalars(select(InfoOfficer))}
        logins = {}
        for n, school in enumerate(schools, start=1):
            if school.id in officers:
                logins[school.id] = (officers[school.id].username, current_app.config["DEMO_PASSWORD"])
            else:
                user = create_user(f"lt{n:03d}", SCHOOL_OFFICER, OFFICER_PASSWORD, school_code=school.code,
                                   first_name=f"信息员{n}")
                logins[school.id] = (user.username, OFFICER_PASSWORD)

        # the pupils each officer edits and proposes awards for: new ones, so no award is on record yet
        programs = {p.name: p for p in db.session.scalars(select(AidProgram))}
        semester = db.session.scalar(select(Semester).where(Semester.is_current.is_(True)))
        used_ids = set(db.session.scalars(select(Student.id_number)).all())
        plan = []
        for school in schools:
            grades = ["高一", "高二", "高三"] if school.stage == "complete" else None  # 完全中学: its senior pupils
            rows = [demo_rows.pupil_row(rng, school, year_start, used_ids, division, grades)
                    for _ in range(args.edit_pool + args.award_pool)]
            pupils = [Student(**row) for row in rows]
            db.session.add_all(pupils)
            db.session.flush()
            # the award pool's families are identified this school year (the grants need it: app/rules/eligibility.py)
            idents = [Identification(**demo_rows.identification_row(
                rng, pupil.id, pupil.school_id, semester.school_year, min(semester.starts_on, date.today())))
                for pupil in pupils[args.edit_pool:]]
            db.session.add_all(idents)
            db.session.flush()
            awards = []
            for k, (pupil, ident) in enumerate(zip(pupils[args.edit_pool:], idents)):
                stage = student_stage(pupil)
                program = programs[MAIN_GRANT[stage]]
                amount = standard_for(db.session, program, pupil, semester, ident.level).amounts[0]
                awards.append(dict(student_id=pupil.id, id_number=pupil.id_number, program_id=program.id,
                                   semester_id=semester.id, amount=str(amount),
                                   card_kind="aid_card" if stage in AID_CARD_STAGES else "bank_card",
                                   card_number=cards.make("6217" if stage in AID_CARD_STAGES else "6228", 19,
                                                          50_000_000 + pupil.id * 7 + k)))
            username, password = logins[school.id]
            plan.append(dict(username=username, password=password, school_id=school.id, school=school.name,
                             edit_pupils=[p.id for p in pupils[: args.edit_pool]], awards=awards))
        db.session.commit()
        assert not db.session.scalar(select(func.count(Award.id)).where(
            Award.student_id.in_([a["student_id"] for p in plan for a in p["awards"]])))

        # the report tasks due at the deadline, asked of every stage (so of every school)
        for n in range(1, args.tasks + 1):
            db.session.add(ReportTask(title=f"截止日报送任务{n}：资助政策落实情况", description="报送本校资助政策落实情况（负载测试）。",
                                      deadline=deadline, stages="kindergarten,primary,junior,senior,complete,vocational",
                                      active=True))
        db.session.commit()
        counts = {"schools": db.session.scalar(select(func.count(School.id))),
                  "students": db.session.scalar(select(func.count(Student.id))),
                  "awards": db.session.scalar(select(func.count(Award.id))),
                  "open_tasks": db.session.scalar(select(func.count(ReportTask.id)).where(ReportTask.active.is_(True)))}
        db.session.remove()
    return plan[: args.users], counts


# --------------------------------------------------------------------------------------
# the HTTP client of one simulated officer
# --------------------------------------------------------------------------------------


class FormParser(HTMLParser):
    """The forms of a page: fields as a browser would send them, and each select's options."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._select = None
        self._option = None
        self._textarea = None
        self.alerts = []
        self._alert = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(dict(action=a.get("action"), method=(a.get("method") or "get").lower(),
                                   fields={}, options={}, order=[]))
        elif "alert" in (a.get("class") or "").split() and tag == "div":
            self._alert = []
        if not self.forms:
            return
        form = self.forms[-1]
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            form["fields"][name] = a.get("value") or ("y" if kind == "checkbox" else "")
        elif tag == "select" and name:
            self._select = name
            form["options"][name] = []
            form["fields"].setdefault(name, None)
        elif tag == "option" and self._select:
            self._option = [a.get("value"), "", "selected" in a]
        elif tag == "textarea" and name:
            self._textarea = name
            form["fields"][name] = ""

    def handle_data(self, data):
        if self._option is not None:
            self._option[1] += data
        elif self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] += data
        if self._alert is not None:
            self._alert.append(data)

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None and self._select:
            value, text, selected = self._option
            value = text.strip() if value is None else value
            form = self.forms[-1]
            form["options"][self._select].append((value, text.strip()))
            if selected or form["fields"].get(self._select) is None:
                if selected or not form["options"][self._select][:-1]:
                    form["fields"][self._select] = value
            self._option = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "div" and self._alert is not None:
            text = " ".join("".join(self._alert).split())
            if text:
                self.alerts.append(text)
            self._alert = None


def post_form(page):
    """The first POST form of a page that carries a CSRF token."""
    parser = FormParser()
    parser.feed(page)
    for form in parser.forms:
        if form["method"] == "post" and "csrf_token" in form["fields"]:
            return form
    return None


def page_problem(page):
    """What a form that came back says is wrong: alerts and field errors."""
    parser = FormParser()
    parser.feed(page)
    found = [a for a in parser.alerts if a]
    found += [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", m)).split())
              for m in re.findall(r'<span class="help-block"[^>]*>(.*?)</span>', page, re.S)
              if "error" in page[max(0, page.find(m) - 400): page.find(m)]]
    return ("; ".join(found) or "form returned without a message")[:200]


def multipart(fields, files):
    boundary = "----loadtest" + uuid.uuid4().hex
    out = []
    for name, value in fields.items():
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + str(value).encode() + b"\r\n")
    for name, (filename, content, ctype) in files.items():
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                   f"Content-Type: {ctype}\r\n\r\n".encode() + content + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


KEEP_ALIVE_S = 1.5  # below gunicorn's default --keep-alive of 2 s


class Client:
    """One browser: a cookie jar and one keep-alive connection, reopened when the server closes it."""

    def __init__(self, port, record, timeout=30):
        self.port = port
        self.record = record  # record(kind, status, ms, error or None)
        self.timeout = timeout
        self.cookies = {}
        self.conn = None
        self.used = 0.0

    def _connection(self):
        # gunicorn closes a keep-alive connection left idle for its --keep-alive (2 s): a form posted on it after
        # the officer's pause would meet a closed socket, so the browser opens a new one first (a GET is retried)
        if self.conn is not None and time.monotonic() - self.used > KEEP_ALIVE_S:
            self.close()
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        self.used = time.monotonic()
        return self.conn

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, kind, method, path, body=None, content_type=None):
        """(status, headers, text); records the latency and outcome. Raises nothing."""
        headers = {"Host": f"127.0.0.1:{self.port}", "Accept-Language": "zh-CN,zh;q=0.9",
                   "User-Agent": "aid-loadtest/1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = content_type
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        start = time.perf_counter()
        for attempt in (1, 2):
            fresh = self.conn is None
            try:
                conn = self._connection()
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                self.used = time.monotonic()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                self.close()
                # a keep-alive connection the server had closed: once more on a fresh one (as browsers do)
                if attempt == 1 and not fresh and method == "GET":
                    continue
                self.record(kind, None, (time.perf_counter() - start) * 1000, f"{type(exc).__name__}")
                return None, {}, ""
            except Exception as exc:  # noqa: BLE001 - timeouts, refused connections: all errors
                self.close()
                self.record(kind, None, (time.perf_counter() - start) * 1000, f"{type(exc).__name__}")
                return None, {}, ""
        ms = (time.perf_counter() - start) * 1000
        for value in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(value)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or (morsel["expires"] and "1970" in morsel["expires"]):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        if response.getheader("Connection", "").lower() == "close" or response.will_close:
            self.close()
        status = response.status
        location = response.getheader("Location") or ""
        error = None
        if not 200 <= status < 400:
            error = f"HTTP {status}"
        elif status in (301, 302, 303) and "/login" in urlsplit(location).path and kind != "login_post":
            error = "redirected to the login page"
        self.record(kind, status, ms, error)
        return status, {"location": location}, data.decode("utf-8", "replace")

    def get(self, kind, path):
        return self.request(kind, "GET", path)

    def follow(self, kind, headers):
        path = urlsplit(headers.get("location") or "/").path or "/"
        query = urlsplit(headers.get("location") or "").query
        return self.get(kind, path + (f"?{query}" if query else ""))


class Officer(threading.Thread):
    """One school's information officer on deadline day."""

    def __init__(self, plan, port, start_at, stop_at, think, rng_seed):
        super().__init__(daemon=True, name=plan["username"])
        self.plan = plan
        self.start_at = start_at
        self.stop_at = stop_at
        self.think_mean = think
        self.rng = random.Random(rng_seed)
        self.samples = []  # every request: (kind, status or None, ms, error or None)
        self.ended = []  # the monotonic time each request of ``samples`` ended
        self.problems = []  # what is wrong besides a request's status: (kind, message)
        self.client = Client(port, self._record)
        self.acked = {"submission": [], "edit": [], "award": []}
        self.unacked = {"submission": [], "edit": [], "award": []}  # tried, outcome unknown or refused
        self.edits_tried = []  # (student_id, address, acknowledged?) in order
        self.submitted_tasks = set()
        self.skipped = Counter()
        self.seq = 0

    def _record(self, kind, status, ms, error):
        self.samples.append((kind, status, ms, error))
        self.ended.append(time.monotonic())  # when each request ended: the step of the load it falls in

    def think(self):
        if self.think_mean > 0:
            time.sleep(self.rng.uniform(0.5, 1.5) * self.think_mean)

    def running(self):
        return time.monotonic() < self.stop_at

    def run(self):
        try:
            time.sleep(max(0.0, self.start_at - time.monotonic()))
            if not self.login():
                return
            while self.running():
                self.report()
                if not self.running():
                    break
                self.edit_pupil()
                if not self.running():
                    break
                self.propose_award()
        except Exception as exc:  # noqa: BLE001 - a bug of this script: counted, not hidden
            self.problems.append(("script", f"script error {type(exc).__name__}: {exc}"))
        finally:
            self.client.close()

    # -- the steps ------------------------------------------------------------------------

    def _write(self, kind, status, headers, page, what, key):
        """Classify the answer to a POST: acknowledged (302), refused (200 with the form) or unknown."""
        if status in (302, 303) and "/login" not in urlsplit(headers.get("location") or "").path:
            self.acked[what].append(key)
            return True
        if status == 200:
            self.problems.append((kind, f"write refused: {page_problem(page)[:120]}"))
        self.unacked[what].append(key)
        return False

    def login(self):
        status, _, page = self.client.get("login_form", "/login/")
        form = post_form(page) if status == 200 else None
        if form is None:
            return False
        self.think()
        fields = dict(form["fields"], username=self.plan["username"], password=self.plan["password"])
        status, headers, page = self.client.request("login_post", "POST", "/login/", urlencode(fields),
                                                    "application/x-www-form-urlencoded")
        if status != 302 or "/login" in urlsplit(headers.get("location") or "").path:
            self.problems.append(("login_post", f"login failed: {page_problem(page) if page else status}"))
            return False
        self.client.follow("home", headers)
        self.think()
        return True

    def report(self):
        status, _, page = self.client.get("todo", "/reporting/todo/")
        self.think()
        if status != 200:
            return
        open_tasks = [int(t) for t in re.findall(r'href="/reporting/submit/(\d+)"', page)]
        open_tasks = [t for t in dict.fromkeys(open_tasks) if t not in self.submitted_tasks]
        if not open_tasks:
            self.skipped["no open report task left"] += 1
            return
        task = open_tasks[0]
        status, _, page = self.client.get("report_form", f"/reporting/submit/{task}")
        form = post_form(page) if status == 200 else None
        self.think()
        if form is None:
            return
        self.seq += 1
        marker = f"LT {self.plan['username']} #{self.seq}"
        fields = dict(form["fields"], content=f"{marker}：本校已按要求完成资助政策落实情况自查，详见附件。")
        body, ctype = multipart(fields, {"file": (f"报送-{self.seq}.csv", ATTACHMENT, "text/csv")})
        status, headers, page = self.client.request("report_submit", "POST", f"/reporting/submit/{task}", body, ctype)
        self.submitted_tasks.add(task)  # whatever the outcome: it is not tried twice
        if self._write("report_submit", status, headers, page, "submission", (task, marker)):
            self.client.follow("todo (after submit)", headers)
        self.think()

    def edit_pupil(self):
        pupil = self.plan["edit_pupils"][self.seq % len(self.plan["edit_pupils"])]
        path = f"/studentview/edit/{pupil}"
        status, _, page = self.client.get("student_edit_form", path)
        form = post_form(page) if status == 200 else None
        self.think()
        if form is None:
            return
        if "row_version" not in form["fields"]:
            self.problems.append(("student_edit_form", "edit form without row_version"))
        self.seq += 1
        address = f"负载测试地址 {self.plan['username']}-{self.seq}号"
        fields = dict(form["fields"], address=address)
        fields = {k: ("" if v is None else v) for k, v in fields.items()}
        status, headers, page = self.client.request("student_edit_save", "POST", path, urlencode(fields),
                                                    "application/x-www-form-urlencoded")
        ok = self._write("student_edit_save", status, headers, page, "edit", (pupil, address))
        self.edits_tried.append((pupil, address, ok))
        if ok:
            self.client.follow("student list (after save)", headers)
        self.think()

    def propose_award(self):
        if not self.plan["awards"]:
            self.skipped["no pupil left for an award"] += 1
            return
        status, _, page = self.client.get("award_form", "/awardview/add")
        form = post_form(page) if status == 200 else None
        self.think()
        if form is None:
            return
        award = self.plan["awards"].pop(0)
        if str(award["program_id"]) not in {v for v, _ in form["options"].get("program", [])}:
            self.problems.append(("award_form", "programme not offered on the form"))
        fields = dict(form["fields"], student=award["id_number"], program=award["program_id"],
                      semester=award["semester_id"], amount=award["amount"], over_standard_reason="",
                      card_kind=award["card_kind"], card_number=award["card_number"])
        fields = {k: ("" if v is None else v) for k, v in fields.items()}
        status, headers, page = self.client.request("award_propose", "POST", "/awardview/add", urlencode(fields),
                                                    "application/x-www-form-urlencoded")
        if self._write("award_propose", status, headers, page, "award", award):
            self.client.follow("award list (after propose)", headers)
        self.think()


# --------------------------------------------------------------------------------------
# gunicorn
# --------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(args, env, port, logfile, started):
    """gunicorn's master, appended to ``started`` at once (so that an interrupt during start-up stops it too)."""
    cmd = [str(VENV_BIN / "gunicorn"), "--workers", str(args.workers), "--worker-class", args.worker_class,
           "--bind", f"127.0.0.1:{port}", "--timeout", "60", "--graceful-timeout", "10", "--log-level", "warning"]
    if args.worker_class == "gthread":
        cmd += ["--threads", str(args.threads)]
    cmd.append("run:app")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True)
    started.append(proc)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            logfile.flush()
            tail = Path(logfile.name).read_text(errors="replace").splitlines()[-25:]
            raise RuntimeError(f"gunicorn exited with status {proc.returncode}:\n" + "\n".join(tail))
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/login/")
            if conn.getresponse().status == 200:
                conn.close()
                break
        except OSError:
            pass
        time.sleep(0.3)
    else:
        raise RuntimeError("gunicorn did not answer within 90 s")
    # every worker loads its templates once before the clock starts (not guaranteed, likely)
    for _ in range(args.workers * 4):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/login/")
            conn.getresponse().read()
            conn.close()
        except OSError:
            pass
    return proc


def process_cpu_seconds(root_pid):
    """CPU seconds (user + system) used so far by a process's children (gunicorn's workers) and itself."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == root_pid or ppid == root_pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


class LockSampler(threading.Thread):
    """Twice a second: the app's database sessions running a statement, and those waiting on a lock, with
    the statements that wait (their first 160 characters) and what they wait for, counted over the run."""

    def __init__(self, db_url):
        super().__init__(daemon=True)
        self.db_url = db_url
        self.samples = []  # (active, waiting on a lock)
        self.waiting = Counter()  # (lock type, statement) -> samples in which a session waited on it
        self.halt = threading.Event()

    def run(self):
        import psycopg

        try:
            with psycopg.connect(_conninfo(self.db_url), autocommit=True) as conn:
                while not self.halt.wait(0.5):
                    rows = conn.execute(
                        "SELECT state, wait_event_type, wait_event, left(regexp_replace(query, '\\s+', ' ', 'g'), 160) "
                        "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchall()
                    locked = [(event, query) for state, kind, event, query in rows if kind == "Lock"]
                    self.samples.append((sum(1 for state, *_ in rows if state == "active"), len(locked)))
                    self.waiting.update(locked)
        except Exception:  # noqa: BLE001 - a diagnostic only
            pass

    def summary(self):
        if not self.samples:
            return None
        active = [a for a, _ in self.samples]
        waiting = [w for _, w in self.samples]
        return dict(active_mean=sum(active) / len(active), active_max=max(active),
                    lock_wait_mean=sum(waiting) / len(waiting), lock_wait_max=max(waiting),
                    share_with_lock_wait=sum(1 for w in waiting if w) / len(waiting),
                    waiting_on=[{"lock": lock, "statement": query, "samples": n}
                                for (lock, query), n in self.waiting.most_common(5)])


def stop_gunicorn(proc):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)  # graceful: the workers finish their request
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --------------------------------------------------------------------------------------
# the check: is every acknowledged write in the database?
# --------------------------------------------------------------------------------------


def check_writes(app, officers):
    from sqlalchemy import select
    from flask_appbuilder.security.sqla.models import User

    from app.extensions import db
    from app.models import Award, Student, Submission

    result = {}
    with app.app_context():
        # reports: each acknowledged submission is there, under its task, school and officer
        acked = {(o.plan["username"], task, marker) for o in officers for task, marker in o.acked["submission"]}
        users = {u.username: u.id for u in db.session.scalars(select(User))}
        found = set()
        per_user = Counter()
        for sub in db.session.scalars(select(Submission).where(Submission.content.like("LT %"))):
            marker = sub.content.split("：", 1)[0]
            username = marker[3:].split(" #", 1)[0]
            if users.get(username) == sub.submitted_by_id:
                found.add((username, sub.task_id, marker))
                per_user[username] += 1
        missing_reports = sorted(acked - found)
        unacked_written = len(found - acked)
        mismatched_counts = [(o.plan["username"], len(o.acked["submission"]), per_user[o.plan["username"]])
                             for o in officers
                             if per_user[o.plan["username"]] < len(o.acked["submission"])]
        result["submission"] = dict(acked=len(acked), found=len(acked & found), missing=missing_reports[:10],
                                    written_unacknowledged=unacked_written, count_mismatch=mismatched_counts[:10])

        # edits: every edited pupil holds its last acknowledged address (or a later, unacknowledged one)
        last_acked, later = {}, defaultdict(set)
        for o in officers:
            for pupil, address, ok in o.edits_tried:
                if ok:
                    last_acked[pupil] = address
                    later[pupil] = set()
                else:
                    later[pupil].add(address)
        stored = dict(db.session.execute(select(Student.id, Student.address).where(
            Student.id.in_(list(last_acked)))).all()) if last_acked else {}
        lost_edits = [(pid, want, stored.get(pid)) for pid, want in last_acked.items()
                      if stored.get(pid) != want and stored.get(pid) not in later[pid]]
        edits_acked = sum(len(o.acked["edit"]) for o in officers)
        result["edit"] = dict(acked=edits_acked, pupils=len(last_acked), pupils_ok=len(last_acked) - len(lost_edits),
                              missing=lost_edits[:10])

        # awards: each acknowledged proposal is on record, with its programme, semester and amount
        acked_awards = [a for o in officers for a in o.acked["award"]]
        tried = [a["student_id"] for o in officers for a in o.acked["award"] + o.unacked["award"]]
        on_record = defaultdict(list)
        if tried:
            for award in db.session.scalars(select(Award).where(Award.student_id.in_(tried))):
                on_record[award.student_id].append(award)
        missing_awards = []
        for a in acked_awards:
            rows = [w for w in on_record.get(a["student_id"], [])
                    if w.program_id == a["program_id"] and w.semester_id == a["semester_id"]
                    and str(w.amount) == a["amount"] and w.status == "proposed"]
            if len(rows) != 1:
                missing_awards.append((a["id_number"], len(rows)))
        unacked_written = sum(1 for o in officers for a in o.unacked["award"] if on_record.get(a["student_id"]))
        result["award"] = dict(acked=len(acked_awards), found=len(acked_awards) - len(missing_awards),
                               missing=missing_awards[:10], written_unacknowledged=unacked_written)
        db.session.remove()
        db.engine.dispose()
    return result


# --------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------


def pct(values, q):
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))  # nearest rank
    return ordered[k]


def machine():
    cpu = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        mem = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)
    except (ValueError, OSError):
        pass
    return dict(date=datetime.now(timezone.utc).isoformat(timespec="seconds"), cpu=cpu, cores=os.cpu_count(),
                memory_gb=mem, python=platform.python_version(), platform=platform.platform())


def verdict(ok):
    return "PASS" if ok else "**FAIL**"


def report(args, meta, counts, officers, checks, elapsed):
    requests = [s for o in officers for s in o.samples]
    latencies = [s[2] for s in requests]
    errors = Counter()
    for kind, status, ms, error in requests:
        if error:
            errors[f"{kind}: {error}"] += 1
    for kind, message in (p for o in officers for p in o.problems):
        errors[f"{kind}: {message}"] += 1
    n_errors = sum(errors.values())
    p50, p95, worst = pct(latencies, 50), pct(latencies, 95), max(latencies) if latencies else float("nan")
    acked = sum(checks[w]["acked"] for w in ("submission", "edit", "award"))
    lost = (checks["submission"]["acked"] - checks["submission"]["found"]
            + checks["award"]["acked"] - checks["award"]["found"]
            + checks["edit"]["pupils"] - checks["edit"]["pupils_ok"])  # an edited pupil without its last value
    found = acked - lost
    logged_in = sum(1 for o in officers if any(s[0] == "home" for s in o.samples))

    lines = []
    lines.append(f"Load test, {meta['date']}: {args.users} officers ({logged_in} logged in), {elapsed:.0f} s, "
                 f"think time {args.think:g} s on average; gunicorn {args.workers} × {args.worker_class}"
                 + (f" ({args.threads} threads)" if args.worker_class == "gthread" else "")
                 + f"; PostgreSQL {meta['postgresql']}; {meta['cpu']}, {meta['cores']} cores, {meta['memory_gb']} GB, "
                 f"Python {meta['python']}")
    n = max(1, len(requests))
    lines.append(f"CPU: gunicorn {meta['server_cpu_s']:.1f} s ({meta['server_cpu_s'] * 1000 / n:.0f} ms a request), "
                 f"this load generator {meta['client_cpu_s']:.1f} s; load average before the run "
                 f"{meta['load_before'][0]:.1f}, after {meta['load_after'][0]:.1f} (other work on the machine slows every figure)")
    if meta.get("db_sessions"):
        d = meta["db_sessions"]
        lines.append(f"Database sessions (sampled twice a second): {d['active_mean']:.1f} running a statement on average "
                     f"(max {d['active_max']}), {d['lock_wait_mean']:.2f} waiting on a lock (max {d['lock_wait_max']}; "
                     f"in {d['share_with_lock_wait']:.0%} of the samples)")
        for w in d.get("waiting_on") or []:
            lines.append(f"  waiting on a {w['lock']} lock in {w['samples']} samples: {w['statement']}")
    lines.append(f"County: {counts['schools']} schools, {counts['students']:,} pupils, {counts['awards']:,} awards before "
                 f"the run, {counts['open_tasks']} open report tasks")
    lines.append("")
    lines.append("| Figure | Measured | Target |")
    lines.append("|---|---:|---|")
    lines.append(f"| requests | {len(requests):,} ({len(requests) / elapsed:.1f}/s) | — |")
    lines.append(f"| errors (HTTP ≥ 400, exceptions, refused writes, sent to login) | {n_errors:,} | 0 {verdict(n_errors == 0)} |")
    lines.append(f"| latency p50 | {p50:.0f} ms | — |")
    lines.append(f"| latency p95 | {p95:.0f} ms | ≤ {P95_TARGET_MS:.0f} ms {verdict(p95 <= P95_TARGET_MS)} |")
    lines.append(f"| latency max | {worst:.0f} ms | — |")
    for what, label in (("submission", "reports submitted"), ("edit", "pupil edits saved"), ("award", "awards proposed")):
        c = checks[what]
        if what == "edit":
            shown = f"{c['acked']:,} acknowledged; last value of {c['pupils_ok']:,} / {c['pupils']:,} pupils found"
            ok = c["pupils_ok"] == c["pupils"]
        else:
            shown = f"{c['acked']:,} acknowledged / {c['found']:,} found"
            ok = c["found"] == c["acked"] and not c.get("count_mismatch")
        lines.append(f"| {label} | {shown} | all found {verdict(ok)} |")
    lines.append(f"| lost writes | {lost:,} | 0 {verdict(lost == 0)} |")
    lines.append("")
    lines.append("| Request | Count | Errors | p50 ms | p95 ms | max ms |")
    lines.append("|---|---:|---:|---:|---:|---:|")
    by_kind = defaultdict(list)
    err_kind = Counter()
    for kind, status, ms, error in requests:
        by_kind[kind].append(ms)
        if error:
            err_kind[kind] += 1
    for kind in sorted(by_kind, key=lambda k: -len(by_kind[k])):
        v = by_kind[kind]
        lines.append(f"| {kind} | {len(v):,} | {err_kind[kind]} | {pct(v, 50):.0f} | {pct(v, 95):.0f} | {max(v):.0f} |")
    if errors:
        lines.append("")
        lines.append("Errors:")
        for what, n in errors.most_common(20):
            lines.append(f"  {n:6d}  {what}")
    skipped = sum((o.skipped for o in officers), Counter())
    if skipped:
        lines.append("")
        lines.append("Not done (nothing left to do, not errors): " + ", ".join(f"{k}: {v}" for k, v in skipped.items()))
    for what in ("submission", "edit", "award"):
        c = checks[what]
        if c.get("missing") or c.get("count_mismatch"):
            lines.append(f"Lost {what}s (first 10): {c.get('missing')} {c.get('count_mismatch') or ''}")
        if c.get("written_unacknowledged"):
            lines.append(f"{what}s written without an acknowledgement (a timeout or a broken connection): "
                         f"{c['written_unacknowledged']}")
    steps = step_figures(args, officers)
    if steps:
        lines.append("")
        lines.append(f"Load in steps (officers working at once; p95 of the requests that ended in the step's last "
                     f"{STEP_SETTLED:.0%}, once the new officers have logged in):")
        lines.append("")
        lines.append("| Officers | Requests | Requests/s | Errors | p50 ms | p95 ms | ≤ 500 ms |")
        lines.append("|---:|---:|---:|---:|---:|---:|---|")
        for st in steps:
            lines.append(f"| {st['officers']} | {st['requests']:,} | {st['rate']:.1f} | {st['errors']} | {st['p50']:.0f} | "
                         f"{st['p95']:.0f} | {verdict(st['p95'] <= P95_TARGET_MS)} |")
        saturated = next((st["officers"] for st in steps if not st["p95"] <= P95_TARGET_MS), None)
        lines.append("")
        lines.append(f"Saturation point (officers at which p95 passes {P95_TARGET_MS:.0f} ms): "
                     + (f"{saturated}" if saturated else f"not reached up to {steps[-1]['officers']} officers"))
    text = "\n".join(lines)
    ok = n_errors == 0 and lost == 0 and p95 <= P95_TARGET_MS and latencies
    summary = dict(meta=meta, args=vars(args), counts=counts, elapsed_s=elapsed, requests=len(requests),
                   errors=dict(errors), p50_ms=p50, p95_ms=p95, max_ms=worst, acknowledged=acked, found=found, lost=lost,
                   checks=checks, per_request={k: dict(count=len(v), p50=pct(v, 50), p95=pct(v, 95), max=max(v))
                                               for k, v in by_kind.items()}, steps=steps, passed=bool(ok))
    return text, bool(ok), summary


STEP_SETTLED = 0.6  # the share of a step's time, at its end, whose requests count for its figures


def step_starts(args, begin):
    """[(officers, start, end)] of a stepped run (``--steps 60,120,…``), the last step ending with the run."""
    if not args.steps:
        return []
    length = (args.ramp + args.duration) / len(args.steps)
    return [(n, begin + k * length, begin + (k + 1) * length) for k, n in enumerate(args.steps)]


def step_figures(args, officers):
    """Per step: the requests that ended in its settled part, their rate, errors and latencies."""
    out = []
    for n, start, end in getattr(args, "step_windows", []):
        settled = end - STEP_SETTLED * (end - start)
        ms, errors = [], 0
        for o in officers:
            for (kind, status, t, error), ended in zip(o.samples, o.ended):
                if settled <= ended < end:
                    ms.append(t)
                    errors += bool(error)
        out.append(dict(officers=n, requests=len(ms), rate=len(ms) / max(1e-9, end - settled), errors=errors,
                        p50=pct(ms, 50), p95=pct(ms, 95)))
    return out


# --------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.loadtest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=60, help="simulated officers, one per school (default: %(default)s)")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load after the ramp-up (default: %(default)s)")
    parser.add_argument("--ramp", type=float, default=10, help="seconds over which the officers log in (default: %(default)s)")
    parser.add_argument("--think", type=float, default=3.0,
                        help="mean pause after each page, seconds, uniform in [0.5, 1.5]× (0: none; default: %(default)s)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default: %(default)s)")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"],
                        help="gunicorn worker class (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=2, help="threads per gthread worker (default: %(default)s, as deploy/gunicorn.conf.py)")
    parser.add_argument("--schools", type=int, default=None, help="schools in the county (default: users, at least 60)")
    parser.add_argument("--tasks", type=int, default=None,
                        help="open report tasks due mid-run (default: enough for every officer to keep submitting)")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL),
                        help="PostgreSQL server: a database loadtest_<random> is created there and dropped "
                             "(default: %(default)s, env BENCH_PG_URL)")
    parser.add_argument("--seed", type=int, default=2021, help="random seed of the county (default: %(default)s)")
    parser.add_argument("--steps", default="",
                        help="officers working at once, step by step (e.g. 60,120,180,240,300): the run's time is cut "
                             "into equal steps, each adds officers; prints p95 per step and the saturation point "
                             "(the officers at which p95 passes 500 ms). --users is then the last step")
    parser.add_argument("--db-prefix", default=os.environ.get("BENCH_DB_PREFIX", "loadtest"),
                        help="name of the scratch database: <prefix>_<random> (default: %(default)s, env BENCH_DB_PREFIX)")
    parser.add_argument("--keep-db", action="store_true",
                        help="keep the scratch database and its instance folder (their names are printed)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "loadtest.json"))
    args = parser.parse_args(argv)
    args.steps = sorted({int(n) for n in args.steps.split(",") if n.strip()}) if args.steps else []
    if args.steps:
        args.users = max(args.steps)
    if args.users < 1 or args.duration <= 0:
        parser.error("--users and --duration must be positive")
    args.schools = max(args.schools or 0, args.users, 60)
    per_iteration = 10 * max(args.think, 0.15)  # ~10 pages an iteration
    args.iterations = int(args.duration / per_iteration) + 3
    args.tasks = args.tasks or min(40, args.iterations)
    args.edit_pool = 5
    args.award_pool = args.iterations + 5

    meta = machine()
    meta["postgresql"] = pg_server_version(args.pg_url)
    db_name = None
    proc = None
    started = []
    workdir = Path(tempfile.mkdtemp(prefix="aid-loadtest-"))
    previous_handler = signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        db_name = create_database(args.pg_url, args.db_prefix)
        db_url = _with_database(args.pg_url, db_name)
        log(f"scratch database {db_name}; instance folder {workdir}")
        env = dict(os.environ, DATABASE_URL=db_url, AID_ENV="development", LOGIN_RATE_PER_MINUTE="0",
                   WTF_CSRF_ENABLED="1", INSTANCE_DIR=str(workdir), FLASK_APP="run.py", PYTHONUNBUFFERED="1")
        env.pop("REDIS_URL", None)  # the print queue has no part in this
        env.pop("SECRET_KEY", None)
        env.pop("ENCRYPTION_KEY", None)  # development: generated once into the scratch INSTANCE_DIR, shared by all
        env.pop("AUDIT_KEY", None)
        t0 = time.monotonic()
        subprocess.run([str(VENV_BIN / "flask"), "--app", "run.py", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        subprocess.run([str(VENV_BIN / "flask"), "--app", "run.py", "sync-roles"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        log(f"migrated in {time.monotonic() - t0:.1f} s")

        # this process reads the same environment (config.py reads it at import)
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "AID_ENV", "LOGIN_RATE_PER_MINUTE",
                                                "WTF_CSRF_ENABLED", "INSTANCE_DIR")})
        for k in ("REDIS_URL", "SECRET_KEY", "ENCRYPTION_KEY", "AUDIT_KEY"):
            os.environ.pop(k, None)
        sys.path.insert(0, str(ROOT))
        from app import create_app

        app = create_app()
        t0 = time.monotonic()
        # the run starts after seeding: the deadline of the tasks falls in its middle
        plan, counts = seed(app, args, deadline=datetime.utcnow() + timedelta(seconds=args.ramp + args.duration / 2 + 60))
        with app.app_context():
            from sqlalchemy import text

            from app.extensions import db

            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
            db.engine.dispose()
        log(f"seeded in {time.monotonic() - t0:.1f} s: {counts['schools']} schools, {counts['students']:,} pupils, "
            f"{len(plan)} officers, {counts['open_tasks']} open report tasks")

        port = free_port()
        logfile = open(workdir / "gunicorn.log", "w")
        proc = start_gunicorn(args, env, port, logfile, started)
        log(f"gunicorn on 127.0.0.1:{port}: {args.workers} × {args.worker_class} workers; "
            f"{args.users} officers for {args.duration:g} s after a {args.ramp:g} s ramp-up …")
        sampler = LockSampler(db_url)
        sampler.start()
        load_before = os.getloadavg()
        server_cpu0, client_cpu0 = process_cpu_seconds(proc.pid), time.process_time()
        begin = time.monotonic()
        stop_at = begin + args.ramp + args.duration
        args.step_windows = step_starts(args, begin)
        if args.step_windows:  # each step's new officers log in over the first part of its time
            starts, before = [], 0
            for n, start, end in args.step_windows:
                joining = n - before
                starts += [start + (1 - STEP_SETTLED) * (end - start) * i / max(1, joining) for i in range(joining)]
                before = n
        else:
            starts = [begin + args.ramp * i / max(1, len(plan)) for i in range(len(plan))]
        officers = [Officer(p, port, starts[i], stop_at, args.think, args.seed + i) for i, p in enumerate(plan)]
        for o in officers:
            o.start()
        for o in officers:
            o.join(timeout=max(0.0, stop_at - time.monotonic()) + 120)
        elapsed = time.monotonic() - begin
        meta["server_cpu_s"] = process_cpu_seconds(proc.pid) - server_cpu0
        meta["client_cpu_s"] = time.process_time() - client_cpu0
        meta["load_before"], meta["load_after"] = load_before, os.getloadavg()
        sampler.halt.set()
        meta["db_sessions"] = sampler.summary()
        stop_gunicorn(proc)
        logfile.close()
        proc = None
        tail = (workdir / "gunicorn.log").read_text(errors="replace").strip().splitlines()
        problems = [line for line in tail if "Traceback" in line or "ERROR" in line or "CRITICAL" in line]
        checks = check_writes(app, officers)
        text_out, ok, summary = report(args, meta, counts, officers, checks, elapsed)
        log("")
        log(text_out)
        if problems:
            log(f"\ngunicorn log: {len(problems)} error lines; the last ones:")
            for line in tail[-15:]:
                log("  " + line)
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        summary["gunicorn_log_errors"] = problems[-50:]
        out.write_text(json.dumps(summary, ensure_ascii=False, indent=1, default=str))
        log(f"\n{'PASS' if ok else 'FAIL'}; details in {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
        return 0 if ok else 1
    except KeyboardInterrupt:
        log("\ninterrupted")
        return 130
    finally:
        for p in started:
            stop_gunicorn(p)
        if db_name and not args.keep_db:
            try:
                try:
                    from app.extensions import db  # noqa: F401  (this process's pool holds connections)
                except Exception:  # noqa: BLE001
                    pass
                drop_database(args.pg_url, db_name)
                log(f"dropped {db_name}")
            except Exception as exc:  # noqa: BLE001
                log(f"could not drop {db_name}: {exc}")
        elif db_name:
            log(f"kept the database {db_name} and its instance folder {workdir} (keys, uploads)")
        if not args.keep_db:
            shutil.rmtree(workdir, ignore_errors=True)
        signal.signal(signal.SIGTERM, previous_handler)


if __name__ == "__main__":
    sys.exit(main())
