"""The centre's home page and the year-end evaluation at city scale: ``python -m bench.dashboard`` (``make bench``).

For every (size, backend) pair — by default 30 and 300 schools (1,000 pupils and
3,333 awards a school: 300,000 pupils and 1,000,000 awards at 300) on SQLite and on
PostgreSQL — a child process builds a fresh database (a SQLite file in a temporary
directory, or a PostgreSQL schema created and dropped here), runs the migrations,
loads the city of bench/city.py and measures:

* ``dashboard.overview()`` alone, in a request context of the AidCenter user;
* ``GET /`` as the AidCenter user (``center``) through Flask's test client;
* ``evaluate(db.session, year)`` alone (every school of the year);
* ``GET /evaluation/`` as the AidCenter user;
* ``GET /`` as a school's officer (``officer``: its own school's figures and to-do list).

Targets: the centre's home page ≤ 250 ms, an officer's ≤ 100 ms in ≤ 15 queries (issue 23; the
figures alone ≤ 500 ms), the evaluation of all schools ≤ 2 s, on SQLite and PostgreSQL, on an idle
machine.  Each case also gives the SQL statements it sends (counted with a ``before_cursor_execute``
listener), and the count must be the same at every size: no query per school, per task or per row.
Nothing is cached between calls.

    python -m bench.dashboard                                  # 30 and 300 schools, both backends (~6 min)
    python -m bench.dashboard --sizes 300 --backends sqlite    # one combination
    make bench DASHBOARD_ARGS="--sizes 30 --backends postgresql"
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
PUPILS_PER_SCHOOL = 1000
AWARDS_PER_SCHOOL = 10_000 / 3

# key, label, target ms (None: for information)
CASES = [
    ("overview", "dashboard.overview() · AidCenter", 500),
    ("home_center", "GET / · AidCenter (county dashboard)", 250),
    ("evaluate", "evaluate(session, year) · all schools", 2000),
    ("evaluation_page", "GET /evaluation/ · AidCenter", 2000),
    ("home_officer", "GET / · officer (its school + to-do)", 100),
]
# key: most SQL queries it may send (issue 23: the officer's home page)
QUERY_TARGETS = {"home_officer": 15}


def _digest(value):
    return hashlib.sha256(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()[:16]


def overview_figures(board):
    """What the dashboard shows, as plain data (to compare two versions of the code on the same data)."""
    cov = board["coverage"]
    charts = json.loads(json.dumps(board["charts"], default=str))
    for chart in charts:
        if chart["type"] == "pie":  # programmes of equal amounts come in no particular order: compare them sorted
            for series in chart["series"]:
                series["data"].sort(key=lambda d: (-d["value"], d["name"]))
    return {
        "groups": [[str(g.title), [[str(f.label), None if f.value is None else round(float(f.value), 9), f.detail, f.url,
                                    f.warn] for f in g.figures]] for g in board["groups"]],
        "charts": charts,
        "unaided": [[s.id, i.id] for s, i in cov.unaided_priority] if cov else None,
        "unaided_count": cov.unaided_priority_count if cov else None,
        "by_school": [[r.school_id, r.identified, r.aided, r.priority, r.priority_aided, str(r.amount)]
                      for r in cov.by_school] if cov else None,
        "inspections": board["inspections"],
    }


def evaluation_figures(scores):
    return [[s.school_id, s.rank, str(s.score), str(s.base), str(s.deduction), s.substantiated, s.partly,
             {code: [str(p.value), p.detail, str(p.weight)] for code, p in s.parts.items()}] for s in scores]


def worker(args):
    tmp = tempfile.mkdtemp(prefix="aid-dash-")
    os.environ["INSTANCE_DIR"] = tmp
    os.environ.setdefault("SECRET_KEY", "bench-" + uuid.uuid4().hex)
    import sqlalchemy as sa

    from bench.list_pages import _pg_url

    schools, backend = args.schools, args.backend
    engine_options = {"pool_pre_ping": True}
    schema = admin = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp}/bench.db"
    elif backend == "postgresql":
        url = _pg_url(args.pg_url)
        schema = "bench_" + uuid.uuid4().hex[:12]
        admin = sa.create_engine(url)
        with admin.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        engine_options["connect_args"] = {"options": f"-csearch_path={schema}"}
    else:
        raise SystemExit(f"unknown backend {backend!r}")
    result = {"schools": schools, "backend": backend}
    holder = {}
    try:
        result.update(_measure(args, url, engine_options, holder))
    finally:
        if "app" in holder:
            from app.extensions import db

            with holder["app"].app_context():
                db.session.remove()
                db.engine.dispose()
        if schema:
            with admin.begin() as conn:
                conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            admin.dispose()
            result["schema"] = f"{schema} (dropped)"
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    Path(args.result_file).write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))


def _measure(args, url, engine_options, holder):
    import logging

    import sqlalchemy as sa
    from flask import g
    from flask_login import current_user
    from flask_migrate import upgrade

    from app import create_app
    from app.kpi import dashboard
    from app.extensions import db
    from app.kpi.evaluation import evaluate
    from bench.city import city_seed
    from bench.list_pages import (SqlRecorder, _describe, _explain, _summarise_statements, app_fingerprint,
                                  vacuum_until_visible)

    schools, backend = args.schools, args.backend
    log = lambda msg: print(f"[{backend} {schools} schools] {msg}", file=sys.stderr, flush=True)  # noqa: E731
    out = {"app_fingerprint": app_fingerprint()}
    app = create_app("config.Config", SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False,
                     SQLALCHEMY_ENGINE_OPTIONS=engine_options)
    holder["app"] = app
    logging.getLogger("flask_appbuilder").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    students, awards = schools * PUPILS_PER_SCHOOL, round(schools * AWARDS_PER_SCHOOL)
    with app.app_context():
        upgrade()
        log(f"seeding {students:,} pupils, {awards:,} awards (bench/city.py) …")
        t0 = time.perf_counter()
        out["rows"] = city_seed(schools=schools, students=students, awards=awards, log=log)
        out["seed_s"] = round(time.perf_counter() - t0, 1)
        log(f"seeded in {out['seed_s']} s: {out['rows']}")
        db.session.remove()
        if backend == "postgresql":
            # what autovacuum would do some time later; now, so that every run starts alike
            out["after_seed"] = vacuum_until_visible(db, sa, log)
        engine = db.engine
    year = date.today().year
    recorder = SqlRecorder(engine)
    password = app.config["DEMO_PASSWORD"]
    clients = {}
    for user in ("center", "officer"):
        c = app.test_client()
        r = c.post("/login/", data={"username": user, "password": password})
        if r.status_code != 302 or "/login" in r.headers.get("Location", ""):
            raise SystemExit(f"login of {user} failed: {r.status_code}")
        clients[user] = c

    def get(user, path):
        def call():
            response = clients[user].get(path)
            if response.status_code != 200:
                raise SystemExit(f"GET {path} as {user}: HTTP {response.status_code}")
            return response
        return call

    # dashboard.overview() alone: a request context of its own per call, carrying the logged-in AidCenter
    # user's session cookie, so that the app's user loader accepts the login (it refuses a request without
    # one) and loads the user with its roles and school. Never left pushed: the test client's requests
    # would then share its app context and its ``g`` (and the officer's page ran with the centre's scope).
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    cookie = clients["center"].get_cookie(cookie_name)

    def call_overview():
        with app.test_request_context("/", headers={"Cookie": f"{cookie_name}={cookie.value}"}):
            user = current_user._get_current_object()
            if not user.is_authenticated:
                raise SystemExit("the centre's login was not accepted in the overview's request context")
            g.user = user
            try:
                return overview_figures(dashboard.overview())
            finally:
                db.session.remove()

    def call_evaluate():
        with app.app_context():
            try:
                return evaluation_figures(evaluate(db.session, year))
            finally:
                db.session.remove()

    calls = {"overview": call_overview, "home_center": get("center", "/"), "evaluate": call_evaluate,
             "evaluation_page": get("center", "/evaluation/"), "home_officer": get("officer", "/")}
    figures = {"overview": calls["overview"](), "evaluate": calls["evaluate"]()}
    out["figures_digest"] = {k: _digest(v) for k, v in figures.items()}
    out["figures"] = figures
    scored = [row for row in figures["evaluate"] if row[1] is not None]
    out["evaluated_schools"], out["scored_schools"] = len(figures["evaluate"]), len(scored)
    for key in ("home_center", "evaluation_page", "home_officer"):
        calls[key]()  # warm-up
    cases = {}
    for key, label, target in CASES:
        call = calls[key]
        for _ in range(max(0, args.warmup - 1)):
            call()
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            call()
            times.append((time.perf_counter() - t) * 1000)
        _, statements = recorder.record(call, origins=True)
        parameters = recorder.parameters
        slow = sorted(range(len(statements)), key=lambda i: -statements[i][1])[:4]
        entry = {
            "label": label, "target_ms": target, "repeat": args.repeat,
            "median_ms": round(statistics.median(times), 1), "min_ms": round(min(times), 1), "max_ms": round(max(times), 1),
            "queries": len(statements), "sql_ms": round(sum(t for _, t, _ in statements), 1),
            "statements": _summarise_statements(statements),
            "slowest": [{"what": _describe(statements[i][0]), "ms": round(statements[i][1], 2),
                         "sql": " ".join(statements[i][0].split()), "origin": statements[i][2],
                         "plan": _explain(engine, statements[i][0], parameters[i]) if args.explain else None}
                        for i in slow],
        }
        cases[key] = entry
        log(f"{key:<16} median {entry['median_ms']:8.1f} ms (min {entry['min_ms']:.1f})  queries {entry['queries']}"
            f"  sql {entry['sql_ms']:.1f} ms")
    out["cases"] = cases
    import resource

    out["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


# --------------------------------------------------------------------------------------
# parent
# --------------------------------------------------------------------------------------


def _verdict(ok):
    return "PASS" if ok else "**FAIL**"


def markdown(runs, meta):
    lines = [
        f"Dashboard and evaluation benchmark — {meta['date']}, {meta['cpu']} ({meta['cpus']} CPUs), "
        f"Python {meta['python']}" + (f", PostgreSQL {meta['postgresql']}" if meta.get("postgresql") else "")
        + f"; app code {meta.get('app_fingerprint')}.",
        "",
        "Targets: the centre's home page ≤ 250 ms, an officer's ≤ 100 ms in ≤ 15 queries, the figures alone ≤ 500 ms, "
        "the evaluation of all schools ≤ 2 s, on an idle machine; the SQL query count of a case is the same at every "
        "size (no query per school or row). Median of the timed calls, through Flask's test client for the pages. "
        f"Load average {meta.get('load', '?')}.",
        "",
        "| DB | Schools | Pupils | Awards | Case | Median ms (min) | Target | SQL queries | Same count at every size | SQL ms |",
        "|---|---:|---:|---:|---|---:|---|---:|---|---:|",
    ]
    by_case = {}
    for run in runs:
        for key, c in (run.get("cases") or {}).items():
            by_case.setdefault((run["backend"], key), set()).add(c["queries"])
    for run in runs:
        if "error" in run:
            lines.append(f"| {run['backend']} | {run['schools']} | | | **run failed**: {run['error']} | | | | | |")
            continue
        rows = run["rows"]
        for key, label, target in CASES:
            c = run["cases"][key]
            t_cell = f"≤ {target:,} {_verdict(c['median_ms'] <= target)}" if target else "(information)"
            counts = by_case[(run["backend"], key)]
            sizes = {r["schools"] for r in runs if r["backend"] == run["backend"] and "error" not in r}
            flat = _verdict(len(counts) == 1) if len(sizes) > 1 else "(one size)"
            most = QUERY_TARGETS.get(key)
            q_cell = f"{c['queries']} (≤ {most} {_verdict(c['queries'] <= most)})" if most else f"{c['queries']}"
            lines.append(f"| {run['backend']} | {run['schools']} | {rows['students']:,} | {rows['awards']:,} | {label} | "
                         f"{c['median_ms']:,.1f} ({c['min_ms']:,.1f}) | {t_cell} | {q_cell} | {flat} | {c['sql_ms']:,.1f} |")
    return "\n".join(lines)


def details(runs):
    lines = []
    for run in runs:
        if "error" in run:
            continue
        lines.append(f"\n{run['backend']}, {run['schools']} schools: seeded in {run['seed_s']} s ({run['rows']}); "
                     f"{run['scored_schools']}/{run['evaluated_schools']} schools scored; figures {run['figures_digest']}")
        for key, *_ in CASES:
            c = run["cases"][key]
            parts = ", ".join(f"{s['times']}× {s['what']}" for s in c["statements"])
            lines.append(f"  {key:<16} {c['queries']:>3} queries: {parts}")
            for s in c["slowest"][:2]:
                if s["ms"] >= 20:
                    plan = " | ".join(line.strip() for line in (s["plan"] or [])[:6])
                    lines.append(f"      slowest {s['ms']:.1f} ms {s['what']} <- {s['origin']}" + (f"\n        plan: {plan}" if plan else ""))
    digests = {}
    for run in runs:
        if "error" not in run:
            digests.setdefault(run["schools"], set()).add(tuple(sorted(run["figures_digest"].items())))
    for size, found in digests.items():
        if len(found) > 1:
            lines.append(f"\nNOTE: the figures at {size} schools differ between the backends: {found}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="30,300", help="schools, comma-separated; 1,000 pupils and 3,333 awards each "
                                                           "(default: %(default)s)")
    parser.add_argument("--backends", default="sqlite,postgresql", help="sqlite and/or postgresql (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=7, help="timed calls per case (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed calls per case first (default: %(default)s)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN (ANALYZE on PostgreSQL) the slowest statements")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL),
                        help="PostgreSQL server; a schema is created and dropped per run (default: %(default)s, env BENCH_PG_URL)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "dashboard.json"))
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--schools", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args)
        return 0
    from bench.list_pages import _machine, _pg_server_version

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    for b in backends:
        if b not in ("sqlite", "postgresql"):
            parser.error(f"unknown backend {b!r}")
    meta = _machine()
    if "postgresql" in backends:
        meta["postgresql"] = _pg_server_version(args.pg_url)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    runs = []
    load_before = os.getloadavg()[0]
    for backend in backends:
        for size in sizes:
            print(f"== {backend}, {size} schools", file=sys.stderr, flush=True)
            with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
                result_file = f.name
            cmd = [sys.executable, "-m", "bench.dashboard", "--worker", "--schools", str(size), "--backend", backend,
                   "--repeat", str(args.repeat), "--warmup", str(max(1, args.warmup)), "--pg-url", args.pg_url,
                   "--result-file", result_file] + (["--explain"] if args.explain else [])
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, cwd=ROOT, env=env)
            try:
                if proc.returncode != 0:
                    raise RuntimeError(f"child exited with {proc.returncode}")
                run = json.loads(Path(result_file).read_text())
            except Exception as exc:  # noqa: BLE001
                run = {"schools": size, "backend": backend, "error": str(exc)}
            finally:
                Path(result_file).unlink(missing_ok=True)
            run["wall_s"] = round(time.perf_counter() - t0, 1)
            runs.append(run)
    meta["load"] = f"{load_before:.2f} before the runs, {os.getloadavg()[0]:.2f} after"
    table = markdown(runs, meta)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({**meta, "settings": vars(args), "runs": runs, "markdown": table}, ensure_ascii=False,
                              indent=1, default=str))
    print()
    print(table)
    print(details(runs))
    print(f"\nJSON: {out}")
    failed = [r for r in runs if "error" in r]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
