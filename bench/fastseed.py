"""A faster load of the demo county for big benchmark sizes.

``app.demo.county.seed_demo`` goes through ORM bulk inserts and then looks every new
student's id up again (to attach identifications): fine for a few thousand rows,
minutes for a million.  Here:

* the app's own ``seed_demo(students=0)`` creates the schools, roles, demo users
  and information officers, so those follow the app whatever it becomes;
* the students and identifications come from the demo's row builders
  (app/demo/rows.py: ``school_shares``, ``pupil_row``, ``identification_row``; the same share per
  school by stage weight, the same 9 % identified, unique valid ID numbers and 学籍号), with
  primary keys assigned here and written with one ``executemany`` per batch on SQLite or ``COPY``
  on PostgreSQL.

The rows are not the same random draws as ``seed_demo`` (it uses its own
generator), only the same recipe.  ``python -m bench.fastseed --check 20000``
loads a county both ways and compares them: students per school, grades,
identifications per school, ID numbers valid and unique.

Only the benchmark uses this; the app never imports it.
"""
from __future__ import annotations

import io
import random
from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, select, text

from app.security import crypto
from app.demo import rows as demo_rows
from app.extensions import db
from app.models import Identification, School, Student
from app.rules.identification import school_year_of

class _Writer:
    """Appends rows of one table, by executemany (SQLite) or COPY (PostgreSQL)."""

    def __init__(self, connection, table, columns):
        self.conn = connection
        self.table = table
        self.columns = columns
        self.pg = connection.dialect.name == "postgresql"

    def write(self, rows):
        if not rows:
            return
        if self.pg:
            buf = io.StringIO()
            for row in rows:
                buf.write("\t".join(_pg_text(v) for v in row))
                buf.write("\n")
            sql = f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN WITH (FORMAT text)"
            raw = self.conn.connection.dbapi_connection
            with raw.cursor() as cur:
                if hasattr(cur, "copy_expert"):  # psycopg2
                    buf.seek(0)
                    cur.copy_expert(sql, buf)
                else:  # psycopg 3
                    with cur.copy(sql) as copy:
                        copy.write(buf.getvalue())
        else:
            marks = ", ".join("?" for _ in self.columns)
            self.conn.exec_driver_sql(
                f"INSERT INTO {self.table} ({', '.join(self.columns)}) VALUES ({marks})",
                [tuple(_sqlite_value(v) for v in row) for row in rows],
            )


def _pg_text(value):
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    s = str(value)
    if any(ch in s for ch in "\\\t\n\r"):
        s = s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return s


def _sqlite_value(value):
    # The storage formats SQLAlchemy's SQLite dialect uses for Date/DateTime/Boolean.
    if value is True or value is False:
        return int(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _columns(model, sample):
    """The model's columns that a generated row or the defaults fill, in table order."""
    names = [c.name for c in model.__table__.c]
    return [n for n in names if n == "id" or n in sample or n in ("created_at", "updated_at")]


def fast_seed_demo(students=3000, seed=2021, today=None, batch=20000):
    """The demo county with ``students`` students: schools and users by the app, the rest in bulk."""
    from app.demo.county import seed_demo

    result = seed_demo(students=0, seed=seed, today=today)
    if not result.created:
        raise RuntimeError("the database already holds schools")
    # the demo's loan borrowers are pupil records of their own; any other pupil means this file is out of date
    from app.models import Loan

    if db.session.scalar(select(func.count(Student.id)).where(Student.id.notin_(select(Loan.student_id)))):
        raise RuntimeError("seed_demo(students=0) created students: bench/fastseed.py needs updating")

    rng = random.Random(seed + 1)
    today = today or date.today()
    school_year = school_year_of(today)
    year_start = int(school_year[:4])
    division = current_app.config["COUNTY_CODE"]
    schools = [
        dict(id=s.id, code=s.code, name=s.name, stage=s.stage, town=s.town)
        for s in db.session.scalars(select(School).order_by(School.id))
    ]

    conn = db.session.connection()
    now = datetime.utcnow()
    next_student = (db.session.scalar(select(func.max(Student.id))) or 0) + 1
    next_ident = (db.session.scalar(select(func.max(Identification.id))) or 0) + 1
    writers = {}
    # numbers already given (the demo's loan borrowers) are never drawn again
    used_ids: set[str] = set(db.session.scalars(select(Student.id_number)).all())
    made = identified = 0

    for school, share in demo_rows.school_shares(schools, students):
        made += share
        for start in range(0, share, batch):
            rows = [demo_rows.pupil_row(rng, school, year_start, used_ids, division)
                    for _ in range(min(batch, share - start))]
            # written past the column types: encrypted and hashed here (app/security/crypto.py)
            rows = [crypto.stored(Student.__table__, r) for r in rows]
            if not rows:
                continue
            if "student" not in writers:
                writers["student"] = _Writer(conn, Student.__tablename__, _columns(Student, rows[0]))
            out, idents = [], []
            for r in rows:
                r = dict(r, id=next_student, created_at=now, updated_at=now)
                next_student += 1
                out.append(tuple(r[c] for c in writers["student"].columns))
                if rng.random() < 0.09:
                    on = demo_rows.identification_day(rng, year_start, today)
                    d = demo_rows.identification_row(rng, r["id"], r["school_id"], school_year, on)
                    d.update(id=next_ident, created_at=now, updated_at=now)
                    next_ident += 1
                    if "identification" not in writers:
                        writers["identification"] = _Writer(conn, Identification.__tablename__, _columns(Identification, d))
                    idents.append(tuple(d[c] for c in writers["identification"].columns))
            writers["student"].write(out)
            if idents:
                writers["identification"].write(idents)
            identified += len(idents)
    if conn.dialect.name == "postgresql":
        for table in (Student.__tablename__, Identification.__tablename__):
            conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT max(id) FROM {table}), 1))"
            ))
    db.session.commit()
    return dict(schools=len(schools), students=made, identifications=identified, users=len(result.users))


# ---- python -m bench.fastseed --check N ------------------------------------------------


def _profile(app):
    """What the benchmark depends on: rows per school and grade, identifications, ID numbers."""
    import sqlalchemy as sa

    from flask_appbuilder.security.sqla.models import User

    from app.rules import idcard
    from app.models import InfoOfficer, Loan

    with app.app_context():
        # the pupils of the county (not the demo's borrowers, whose number varies with the county's size) and
        # this school year's identifications (the app's seeder copies them to last year for last semester's awards)
        pupils = sa.select(Student).where(Student.id.notin_(sa.select(Loan.student_id))).subquery()
        per_school = dict(db.session.execute(
            sa.select(pupils.c.school_id, sa.func.count()).group_by(pupils.c.school_id)).all())
        per_grade = dict(db.session.execute(sa.select(pupils.c.grade, sa.func.count()).group_by(pupils.c.grade)).all())
        this_year = db.session.scalar(sa.select(sa.func.max(Identification.school_year)))
        idents = dict(db.session.execute(
            sa.select(Identification.school_id, sa.func.count()).where(Identification.school_year == this_year)
            .group_by(Identification.school_id)).all())
        numbers = db.session.scalars(sa.select(Student.id_number)).all()
        bad = 0
        for n in numbers:
            try:
                idcard.parse(n)
            except ValueError:
                bad += 1
        wrong_school = db.session.scalar(
            sa.select(sa.func.count()).select_from(Identification).join(Student, Student.id == Identification.student_id)
            .where(Student.school_id != Identification.school_id))
        out = dict(
            students_per_school=per_school, students_per_grade=per_grade,
            identifications=sum(idents.values()), identified_schools=len(idents),
            id_numbers_unique=len(set(numbers)) == len(numbers), id_numbers_invalid=bad,
            identifications_in_wrong_school=wrong_school,
            users=sorted((u.username, tuple(sorted(r.name for r in u.roles))) for u in db.session.scalars(sa.select(User))),
            officers=sorted(db.session.execute(sa.select(InfoOfficer.school_id, InfoOfficer.user_id)).all()),
        )
        db.session.remove()
    return out


def check(students):
    """Seed the same county both ways and compare; returns True when they agree."""
    import os
    import tempfile
    import time

    tmp = tempfile.mkdtemp(prefix="aid-fastseed-")
    os.environ["INSTANCE_DIR"] = tmp
    os.environ.setdefault("SECRET_KEY", "fastseed-check")
    from flask_migrate import upgrade

    from app import create_app
    from app.demo.county import seed_demo

    today = date.today()
    got = {}
    for how, fn in (("app", seed_demo), ("fast", fast_seed_demo)):
        app = create_app("config.Config", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/{how}.db", SQLALCHEMY_ENGINE_OPTIONS={})
        with app.app_context():
            upgrade()
            t = time.perf_counter()
            fn(students=students, today=today)
            print(f"{how}: seeded in {time.perf_counter() - t:.1f} s")
            db.session.remove()
        got[how] = _profile(app)
    a, b = got["app"], got["fast"]
    ok = True
    for key in ("students_per_school", "users", "officers", "identified_schools"):
        same = a[key] == b[key]
        ok &= same
        print(f"{key:<32} {'same' if same else 'DIFFERENT'}")
    ga, gb = a["students_per_grade"], b["students_per_grade"]
    close = ga.keys() == gb.keys() and all(abs(ga[g] - gb[g]) <= max(30, 0.1 * ga[g]) for g in ga)
    ok &= close
    print(f"{'students_per_grade':<32} {'same grades, counts within 10 %' if close else 'DIFFERENT'}")
    ratio = b["identifications"] / max(1, a["identifications"])
    ok &= 0.9 < ratio < 1.1
    print(f"{'identifications':<32} app {a['identifications']}, fast {b['identifications']}")
    for key in ("id_numbers_unique", "id_numbers_invalid", "identifications_in_wrong_school"):
        print(f"{key:<32} app {a[key]}, fast {b[key]}")
        ok &= a[key] == b[key]
    return ok


if __name__ == "__main__":
    import argparse
    import logging
    import sys

    parser = argparse.ArgumentParser(prog="python -m bench.fastseed")
    parser.add_argument("--check", type=int, default=20000, metavar="STUDENTS")
    n = parser.parse_args().check
    logging.getLogger("alembic").setLevel(logging.WARNING)
    sys.exit(0 if check(n) else 1)
