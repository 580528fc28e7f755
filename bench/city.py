"""A city-scale county for the dashboard and evaluation benchmark (bench/dashboard.py).

``city_seed(schools=300, students=300_000, awards=1_000_000)`` builds, in a few
minutes on SQLite or PostgreSQL:

* the demo county of the app (``seed_demo(students=0)``: its 28 schools, the demo
  users and officers, programmes, the checklist of inspections, its loans, reports,
  inspections, complaints and publicity), then ``schools - 28`` more schools
  (kindergartens, primary, junior, senior, complete and vocational schools);
* students spread over the schools by the demo's stage weights, written with the
  demo's row generator; about 2 % of them lack a guardian's phone or an address;
* difficulty identifications for five school years (35 % of pupils identified, each
  year of the history whatever the pupil's grade; the demo's recipe for level and categories);
* seven more semesters (nine in all, the current one included) and ``awards``
  awards: the main grant of each identified pupil's stage by level, 免学费, 校内资助,
  social aid, newest semester first until the number is reached.  The current
  semester's are paid, approved or proposed; older ones paid (a few voided, a few
  without the day paid);
* report tasks (two a month over last year and this one, by stage or by a list of
  schools) and every school's submissions: some late, some missing, some returned and
  submitted again;
* two inspections a year per school with scores on every checklist item and
  rectifications in every state; planned visits;
* the school aid funds of the schools that must extract, for two years;
* loans (one per 60 pupils) in every state with their repayment schedules;
* complaints (1.3 per school and year) in every state of the workflow, closed ones
  with their result;
* home visits (12 per school and year) and publicity activities (8 per school and year).

Rows are written by ``executemany`` on SQLite and ``COPY`` on PostgreSQL
(bench/fastseed.py's writer) with their primary keys assigned here, and the personal data
encrypted (and the ID numbers' keyed hashes filled in) as the column types would.  Only the
benchmark uses this; the app never imports it.

    python -m bench.city --schools 30 --students 30000 --awards 100000   # into a scratch SQLite file, prints counts
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select, text

from app.demo import rows
from app.models.choices import DEMO_TOWNS
from app.extensions import db
from bench.fastseed import _pg_text, _Writer  # noqa: F401  (_pg_text: the writer's text format)

STAGE_MIX = [("kindergarten", 36), ("primary", 36), ("junior", 14), ("senior", 5), ("complete", 5), ("vocational", 4)]
STAGE_SUFFIX = {"kindergarten": "幼儿园", "primary": "小学", "junior": "初级中学", "senior": "高级中学",
                "complete": "完全中学", "vocational": "职业学校"}
IDENTIFIED = 0.35          # share of pupils whose family is identified, every school year of the history
HISTORY_YEARS = 4          # school years of identifications and awards before the current one


try:  # personal data encrypted at rest (app/security/crypto.py): rows written past the column types are encrypted here
    from app.security import crypto as _crypto
except ImportError:  # a tree without it
    _crypto = None


def _encrypted(table):
    return _crypto is not None and any(isinstance(c.type, _crypto.Encrypted) or "lookup_of" in c.info for c in table.c)


def _sqlite_value(value):
    from bench.fastseed import _sqlite_value as base

    if isinstance(value, Decimal):
        return float(value)  # what SQLAlchemy's Numeric binds on SQLite
    return base(value)


class _Table:
    """Rows of one table, ids assigned here, written in batches."""

    def __init__(self, conn, table, batch=20000, after=()):
        self.conn = conn
        self.after = after  # tables whose pending rows must be written first (foreign keys)
        self.table = table if hasattr(table, "c") else table.__table__
        self.name = self.table.name
        self.batch = batch
        self.rows = []
        self.columns = None
        self.count = 0
        self.stamps = "created_at" in self.table.c
        self.has_id = "id" in self.table.c
        self.next_id = None
        self.now = datetime.utcnow()
        self.encrypt = _encrypted(self.table)

    def new_id(self):
        if self.next_id is None:
            self.next_id = (self.conn.execute(select(func.max(self.table.c.id))).scalar() or 0) + 1
        value = self.next_id
        self.next_id += 1
        return value

    def add(self, row):
        if self.has_id and "id" not in row:
            row["id"] = self.new_id()
        if self.stamps:
            row.setdefault("created_at", self.now)
            row.setdefault("updated_at", self.now)
        # personal data encrypted and the keyed hashes filled in, as the column types would (app/security/crypto.py)
        stored = _crypto.stored(self.table, row) if self.encrypt else row
        if self.columns is None:
            self.columns = [c.name for c in self.table.c if c.name in stored]
        self.rows.append(tuple(stored.get(c) for c in self.columns))
        if len(self.rows) >= self.batch:
            self.flush()
        return row.get("id")

    def flush(self):
        if not self.rows:
            return
        for other in self.after:
            other.flush()
        writer = _Writer(self.conn, self.name, self.columns)
        if writer.pg:
            writer.write(self.rows)
        else:
            marks = ", ".join("?" for _ in self.columns)
            self.conn.exec_driver_sql(f"INSERT INTO {self.name} ({', '.join(self.columns)}) VALUES ({marks})",
                                      [tuple(_sqlite_value(v) for v in r) for r in self.rows])
        self.count += len(self.rows)
        self.rows = []


def _extra_schools(rng, n_from, n_to):
    """(code, name, stage, town) of the schools beyond the demo's."""
    county = current_app.config["COUNTY_NAME"]
    stages = [s for s, w in STAGE_MIX for _ in range(w)]
    out = []
    for n in range(n_from, n_to + 1):
        stage = stages[(n * 37) % len(stages)]
        town = DEMO_TOWNS[n % len(DEMO_TOWNS)]
        out.append(rows.school_row(rng, f"341124{1000 + n:04d}", f"{county}{town}第{n}{STAGE_SUFFIX[stage]}", stage, town,
                                   county, street="学府路", number=n, exchange="6"))
    return out


def city_seed(schools=300, students=300_000, awards=1_000_000, seed=2021, today=None, log=print):
    """The city described in the module's docstring; returns the number of rows of each table."""
    from app.demo.county import seed_demo
    from app.models import (
        AidProgram, Award, Complaint, HomeVisit, Identification, Inspection, InspectionItem, InspectionScore, Loan,
        PublicityActivity, RepaymentDue, ReportTask, School, SchoolFund, Semester, Student, Submission,
    )
    from app.models.reporting import report_task_school
    from app.rules.identification import school_year_of

    today = today or date.today()
    rng = random.Random(seed)
    result = seed_demo(students=0, seed=seed, today=today)
    if not result.created:
        raise RuntimeError("the database already holds schools")
    session = db.session
    conn = session.connection()
    year_start = int(school_year_of(today)[:4])
    division = current_app.config["COUNTY_CODE"]
    counts = {}

    # ---- schools ------------------------------------------------------------------------
    have = session.scalar(select(func.count(School.id)))
    if schools > have:
        table = _Table(conn, School)
        for row in _extra_schools(rng, have + 1, schools):
            table.add(row)
        table.flush()
    all_schools = [dict(id=i, code=c, name=n, stage=s, town=t) for i, c, n, s, t in session.execute(
        select(School.id, School.code, School.name, School.stage, School.town).order_by(School.id))]
    counts["schools"] = len(all_schools)
    log(f"schools: {len(all_schools)}")

    # ---- semesters: nine, the current one included ---------------------------------------
    existing = {(y, t) for y, t in session.execute(select(Semester.school_year, Semester.term))}
    for y in range(year_start - HISTORY_YEARS, year_start + 1):
        for term in ("1", "2"):
            sy = f"{y}-{y + 1}"
            if (sy, term) in existing or (y == year_start and term == "2"):
                continue
            starts = date(y, 9, 1) if term == "1" else date(y + 1, 2, 20)
            session.add(Semester(school_year=sy, term=term, starts_on=starts,
                                 ends_on=date(y + 1, 1, 20) if term == "1" else date(y + 1, 7, 10),
                                 payment_deadline=date(y, 12, 31) if term == "1" else date(y + 1, 6, 30), is_current=False))
    session.flush()
    semesters = session.execute(
        select(Semester.id, Semester.school_year, Semester.term, Semester.starts_on, Semester.is_current).order_by(Semester.starts_on.desc())
    ).all()
    semesters = [s for s in semesters if s.starts_on <= today]

    # ---- students and identifications -----------------------------------------------------
    st_table = _Table(conn, Student)
    id_table = _Table(conn, Identification, after=(st_table,))
    used_ids = set(session.scalars(select(Student.id_number)).all())
    pupils_of = {}            # school id -> [student id] (home visits, loans)
    identified = {}           # school year -> [(student id, school id, stage, level, priority, boarding)]
    stage_of = {s["id"]: s["stage"] for s in all_schools}
    for school, share in rows.school_shares(all_schools, students):
        ids = pupils_of.setdefault(school["id"], [])
        for _ in range(share):
            r = rows.pupil_row(rng, school, year_start, used_ids, division)
            gap = rng.random()
            if gap < 0.012:
                r["guardian_phone"] = None
            elif gap < 0.02:
                r["address"] = ""
            sid = st_table.add(r)
            ids.append((sid, r["grade"]))
            if rng.random() >= IDENTIFIED:
                continue
            stage = rows.pupil_stage(school["stage"], r["grade"])
            for y in range(year_start - HISTORY_YEARS, year_start + 1):
                sy = f"{y}-{y + 1}"
                d = rows.identification_row(rng, sid, school["id"], sy, rows.identification_day(rng, y, today))
                id_table.add(d)
                identified.setdefault(sy, []).append((sid, school["id"], stage, d["level"], d["is_priority"], r["boarding"]))
    st_table.flush()
    id_table.flush()
    counts["students"], counts["identifications"] = st_table.count, id_table.count
    log(f"students: {st_table.count:,}, identifications: {id_table.count:,}")

    # ---- awards, newest semester first ----------------------------------------------------
    programs = dict(session.execute(select(AidProgram.name, AidProgram.id)).all())
    aw = _Table(conn, Award)
    card_of = {}
    for semester in semesters:
        if aw.count + len(aw.rows) >= awards:
            break
        current = semester.is_current
        since = (semester.school_year, semester.term)
        for sid, school_id, stage, level, priority, boarding in identified.get(semester.school_year, []):
            if aw.count + len(aw.rows) >= awards:
                break
            if rng.random() < (0.04 if priority else 0.12):
                continue  # not aided (this semester)
            aid_card = stage in ("senior", "vocational")
            card = card_of.get(sid)
            if card is None:
                card = rows.card_number(aid_card, sid)
                # encrypted once per pupil (the writer leaves an encrypted value as it is)
                card = card_of[sid] = _crypto.encrypt(card) if aw.encrypt else card
            for program in rows.grants(rng, stage, priority, school_aid=0.3, freshman=0.1, pairing=0.15):
                amount = rows.award_amount(program, stage, boarding, level, since)
                status = rows.award_status(rng, current, void_share=0.015)
                paid_on = None
                if status == "paid" and rng.random() >= 0.003:  # a few paid without the day recorded
                    paid_on = rows.paid_day(rng, semester.starts_on, today)
                aw.add(rows.award_row(sid, school_id, programs[program], semester.id, semester.starts_on, amount, status,
                                      card=None if rows.is_waiver(program) else card, aid_card=aid_card, paid_on=paid_on))
        log(f"awards: {aw.count + len(aw.rows):,} (down to {semester.school_year} from {semester.starts_on})")
    aw.flush()
    counts["awards"] = aw.count
    del identified, card_of

    # ---- report tasks and submissions -----------------------------------------------------
    targets = ["kindergarten,primary,junior,senior,complete,vocational", "senior,complete,vocational",
               "kindergarten,senior,complete,vocational", "primary,junior", None]
    tasks = _Table(conn, ReportTask)
    links, subs = _Table(conn, report_task_school, after=(tasks,)), _Table(conn, Submission, after=(tasks,))
    school_ids = [s["id"] for s in all_schools]
    n_task = 0
    for y in (today.year - 1, today.year):
        for month in range(1, 13):
            for day in (10, 25):
                deadline = datetime(y, month, day, 17, 0)
                if deadline.date() > today + timedelta(days=30):
                    continue
                stages = targets[n_task % len(targets)]
                n_task += 1
                tid = tasks.add(dict(title=f"{y}年{month}月{'上' if day == 10 else '下'}旬资助工作报送（{n_task}）",
                                     description="按要求报送本校资助工作情况。", deadline=deadline, stages=stages, active=True))
                if stages is None:
                    asked = rng.sample(school_ids, k=min(len(school_ids), max(3, len(school_ids) // 10)))
                    for sid in asked:
                        links.add(dict(task_id=tid, school_id=sid))
                else:
                    asked = [s["id"] for s in all_schools if s["stage"] in stages.split(",")]
                future = deadline.date() > today
                for sid in asked:
                    if rng.random() < (0.6 if future else 0.08):
                        continue  # not submitted
                    answer = rows.submission_row(rng, tid, sid, deadline, late_share=0.12, weights=(75, 15, 10),
                                                 future=future)
                    first = subs.add(answer)
                    if answer["status"] == "returned":
                        again = answer["submitted_at"] + timedelta(days=rng.randrange(3, 8))
                        subs.add(dict(task_id=tid, school_id=sid, previous_id=first, content="已按要求修改。",
                                      submitted_at=again, late=again > deadline, status="accepted",
                                      reviewed_at=again + timedelta(days=1)))
    for t in (tasks, links, subs):
        t.flush()
    counts["report_tasks"], counts["submissions"] = tasks.count, subs.count

    # ---- inspections with scores ------------------------------------------------------------
    items = session.execute(select(InspectionItem.id, InspectionItem.max_score)).all()
    insp = _Table(conn, Inspection)
    scores = _Table(conn, InspectionScore, after=(insp,))
    for school in all_schools:
        for y in (today.year - 1, today.year):
            last = min(today, date(y, 12, 31))
            for _ in range(2):
                day = date(y, 1, 1) + timedelta(days=rng.randrange((last - date(y, 1, 1)).days + 1))
                iid = insp.add(rows.inspection_row(
                    rng, school["id"], day, today, kinds=("patrol", "patrol", "unannounced", "phone"),
                    results=("good", "pass", "pass", "fail"), rectify_share=0.4,
                    states=rows.RECTIFICATION_STATES + ["reopened"]))
                for item_id, full in items:
                    scores.add(dict(school_id=school["id"], inspection_id=iid, item_id=item_id,
                                    score=Decimal(rows.item_score(rng, full))))
        if rng.random() < 0.15:
            insp.add(rows.planned_inspection_row(rng, school["id"], today))
    insp.flush()
    scores.flush()
    counts["inspections"], counts["inspection_scores"] = insp.count, scores.count

    # ---- school aid funds ------------------------------------------------------------------
    funds = _Table(conn, SchoolFund)
    have_fund = {(s, y) for s, y in session.execute(select(SchoolFund.school_id, SchoolFund.year))}
    for school in all_schools:
        if school["stage"] not in rows.FUND_STAGES:
            continue
        for y in (year_start - 1, year_start):
            if (school["id"], y) in have_fund:
                continue
            funds.add(rows.fund_row(rng, school, y, ratios=rows.RATIOS + ["0.060"], reference_digits=4))
    funds.flush()
    counts["school_funds"] = funds.count

    # ---- loans and their repayment schedules -----------------------------------------------
    loans = _Table(conn, Loan)
    dues = _Table(conn, RepaymentDue, after=(loans,))
    # the rate of each loan's school year as the migration seeded it (the nearest seeded year for others)
    recorded = {year: (Decimal(ref) - Decimal(bp) / 100) / 100 for year, ref, bp in
                conn.execute(text("SELECT school_year, reference_rate, reduction_bp FROM loan_rate"))}

    def rate_of(entry):
        return recorded.get(f"{entry}-{entry + 1}") or recorded[min(recorded, key=lambda y: abs(int(y[:4]) - entry))]

    seniors = [(sid, school_id, grade) for school_id, pupils in pupils_of.items() if stage_of[school_id] in ("senior", "complete")
               for sid, grade in pupils if grade.startswith("高")]
    borrowers = rng.sample(seniors, k=min(len(seniors), students // 60))
    for n, (sid, school_id, grade) in enumerate(borrowers):
        entry = year_start if grade == "高三" else year_start - rng.randrange(1, 9)
        status = rows.loan_status(rng, year_start - entry)
        amount = Decimal(rng.choice([6000, 8000, 10000, 12000])) if status != "pre_applied" else None
        loan = rows.loan_row(rng, sid, school_id, entry, status, amount, rows.person_name(rng), rows.mobile(rng),
                             "安徽大学", "汉语言文学", f"CT{entry}{n:06d}")
        lid = loans.add(loan)
        if status in ("repaying", "settled", "overdue"):
            for due in rows.due_rows(lid, loan, rate_of(entry), today):
                dues.add(due)
    loans.flush()
    dues.flush()
    counts["loans"], counts["repayment_dues"] = loans.count, dues.count

    # ---- complaints --------------------------------------------------------------------------
    comp = _Table(conn, Complaint)
    open_states = ["registered", "awaiting_approval", "returned", "approved", "investigating", "investigated",
                   "rectifying", "rectified"]
    for _ in range(int(len(all_schools) * 1.3 * 400 / 365)):
        kind = rng.choices(["consult", "complaint", "report"], [4, 4, 2])[0]
        school = rng.choice(all_schools) if kind != "consult" or rng.random() < 0.3 else None
        received = datetime.combine(today - timedelta(days=rng.randrange(1, 400)), time(rng.randrange(8, 18), rng.randrange(60)))
        age = (today - received.date()).days
        closed = rng.random() < (0.95 if age > 60 else 0.4)
        status = "closed" if closed else rng.choice(open_states if kind != "consult" else ["registered"])
        # every row names the same columns (the writer takes them from the first): the closing ones too
        row = rows.complaint_row(rng, school["id"] if school else None, kind, received, rows.complaint_subject(rng, kind),
                                 status=status, stage_since=received + timedelta(days=rng.randrange(0, 10)),
                                 shared_with_school=False, closed_at=None, reply=None, result=None, findings=None,
                                 accountability=None, handler=None)
        if closed:
            row["closed_at"] = received + timedelta(days=rng.randrange(1, 40 if kind != "consult" else 8))
            row["reply"] = "已答复。"
            if kind != "consult":
                row.update(result=rng.choices(["substantiated", "partly", "unfounded"], [2, 2, 5])[0],
                           findings="经核实。", accountability="none", handler="supervisor")
        comp.add(row)
    comp.flush()
    counts["complaints"] = comp.count

    # ---- home visits and publicity --------------------------------------------------------
    visits, acts = _Table(conn, HomeVisit), _Table(conn, PublicityActivity)
    for school in all_schools:
        pupils = pupils_of.get(school["id"]) or []
        for y in (today.year - 1, today.year):
            span = (min(today, date(y, 12, 31)) - date(y, 1, 1)).days + 1
            for _ in range(12 if pupils else 0):
                open_problem = rng.random() >= 0.7
                student_id = rng.choice(pupils)[0]
                visit_type = rng.choice(["entering_senior", "receiving_aid", "needing_loan"])
                visits.add(rows.visit_row(rng, school["id"], student_id, visit_type,
                                          date(y, 1, 1) + timedelta(days=rng.randrange(span)), open_problem))
            for _ in range(8):
                acts.add(rows.activity_row(rng, school["id"], date(y, 1, 1), span, rows.policy_stage(school["stage"])))
    visits.flush()
    acts.flush()
    counts["home_visits"], counts["publicity"] = visits.count, acts.count

    if conn.dialect.name == "postgresql":
        for table in ("school", "semester", "student", "identification", "award", "report_task", "submission",
                      "inspection", "inspection_score", "school_fund", "loan", "repayment_due", "complaint",
                      "home_visit", "publicity_activity"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"COALESCE((SELECT max(id) FROM {table}), 1))"))
    session.commit()
    return counts


if __name__ == "__main__":  # a quick look at what the seeder makes
    import argparse
    import os
    import tempfile
    import time as _time

    parser = argparse.ArgumentParser(prog="python -m bench.city")
    parser.add_argument("--schools", type=int, default=30)
    parser.add_argument("--students", type=int, default=30000)
    parser.add_argument("--awards", type=int, default=100000)
    parser.add_argument("--url", default=None, help="database (default: a SQLite file in a temporary directory)")
    a = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="aid-city-")
    os.environ.setdefault("INSTANCE_DIR", tmp)
    os.environ.setdefault("SECRET_KEY", "city-seed")
    from flask_migrate import upgrade

    from app import create_app

    app = create_app("config.Config", SQLALCHEMY_DATABASE_URI=a.url or f"sqlite:///{tmp}/city.db", SQLALCHEMY_ENGINE_OPTIONS={})
    with app.app_context():
        upgrade()
        t = _time.perf_counter()
        print(city_seed(a.schools, a.students, a.awards))
        print(f"seeded in {_time.perf_counter() - t:.1f} s into {app.config['SQLALCHEMY_DATABASE_URI']}")
