"""A faster load of the demo county for big benchmark sizes.

``app.demo.seed_demo`` goes through ORM bulk inserts and then looks every new
student's id up again (to attach identifications): fine for a few thousand rows,
minutes for a million.  This module produces *the same rows* — it walks the
random generator in exactly the order ``seed_demo`` does and reuses its helpers
(``demo_schools``, ``_students_for``, ``_identification``, ``DEMO_USERS``) — but
assigns the primary keys itself and writes them with one ``executemany`` per
batch on SQLite or ``COPY`` on PostgreSQL.  Users, roles and information
officers are still created by the app's own code (``app.cli.create_user``).

Only the benchmark uses it; the app never imports it.
``python -m bench.fastseed --check 20000`` loads a county both ways into two
SQLite files and compares every school, student and identification row
(timestamps aside) and the demo users.
"""
from __future__ import annotations

import io
import random
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, insert, select, text

from app import demo
from app.extensions import db
from app.models import Identification, School, Student
from app.models.identification import CATEGORIES
from app.rules.identification import school_year_of

STUDENT_COLUMNS = [
    "id", "school_id", "name", "gender", "id_number", "birth_date", "grade", "class_name",
    "enrolment_year", "guardian", "guardian_phone", "address", "created_at", "updated_at",
]
IDENT_COLUMNS = [
    "id", "student_id", "school_id", "school_year", "level", *[c for c, _, _ in CATEGORIES],
    "is_priority", "evidence_source", "identified_on", "notes", "created_at", "updated_at",
]


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


def fast_seed_demo(students=3000, seed=2021, today=None, batch=5000):
    """``seed_demo`` with the same arguments and the same resulting rows, only faster."""
    from app.cli import create_user

    if db.session.scalar(select(func.count(School.id))):
        raise RuntimeError("the database already holds schools")
    rng = random.Random(seed)
    today = today or date.today()
    school_year = school_year_of(today)
    year_start = int(school_year[:4])
    division = current_app.config["COUNTY_CODE"]

    # -- schools: exactly as seed_demo (same rng calls, same ORM insert) ----------
    schools = demo.demo_schools()
    for s in schools:
        s.update(
            address=f"{current_app.config['COUNTY_NAME']}{s['town']}{rng.choice(['人民路', '建设路', '学府路', '文昌路'])}{rng.randrange(1, 200)}号",
            principal=demo._name(rng), phone=f"0550-5{rng.randrange(100000, 999999)}",
            complaint_hotline=f"0550-5{rng.randrange(100000, 999999)}", active=True,
        )
    db.session.execute(insert(School), schools)
    ids = dict(db.session.execute(select(School.code, School.id)).all())
    for s in schools:
        s["id"] = ids[s["code"]]

    conn = db.session.connection()
    students_out = _Writer(conn, Student.__tablename__, STUDENT_COLUMNS)
    idents_out = _Writer(conn, Identification.__tablename__, IDENT_COLUMNS)
    now = datetime.utcnow()
    next_student = (db.session.scalar(select(func.max(Student.id))) or 0) + 1
    next_ident = (db.session.scalar(select(func.max(Identification.id))) or 0) + 1

    total_weight = sum(demo.WEIGHT[s["stage"]] for s in schools)
    used_ids: set[str] = set()
    made = 0
    identified = 0
    pending: list[dict] = []

    def flush_students(rows):
        nonlocal identified, next_student, next_ident
        if not rows:
            return
        out, idents = [], []
        for r in rows:
            sid = next_student
            next_student += 1
            out.append((sid, *(r[c] for c in STUDENT_COLUMNS[1:12]), now, now))
        # Same rng calls, in the same order, as seed_demo's flush_students.
        for offset, r in enumerate(rows):
            if rng.random() < 0.09:
                on = date(year_start, 9, 1) + timedelta(days=rng.randrange(0, 40))
                on = min(on, today)
                d = demo._identification(rng, out[offset][0], r["school_id"], school_year, on)
                idents.append((next_ident, *(d[c] for c in IDENT_COLUMNS[1:-2]), now, now))
                next_ident += 1
        students_out.write(out)
        idents_out.write(idents)
        identified += len(idents)

    for i, school in enumerate(schools):
        share = students - made if i == len(schools) - 1 else round(students * demo.WEIGHT[school["stage"]] / total_weight)
        share = max(0, min(share, students - made))
        made += share
        pending += demo._students_for(rng, school, share, year_start, used_ids, division)
        while len(pending) >= batch:
            flush_students(pending[:batch])
            pending = pending[batch:]
    flush_students(pending)
    if conn.dialect.name == "postgresql":
        for table in (Student.__tablename__, Identification.__tablename__):
            conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT max(id) FROM {table}), 1))"
            ))
    db.session.commit()

    current_app.appbuilder.sm.sync_roles()
    password = current_app.config["DEMO_PASSWORD"]
    for username, role, school_index in demo.DEMO_USERS:
        code = schools[school_index]["code"] if school_index is not None else None
        create_user(username, role, password, school_code=code)
    return dict(schools=len(schools), students=made, identifications=identified)


def _dump(app):
    """Every row that matters, in id order, timestamps left out."""
    import sqlalchemy as sa

    from flask_appbuilder.security.sqla.models import User

    from app.models import InfoOfficer

    out = {}
    with app.app_context():
        for model in (School, Student, Identification, InfoOfficer):
            cols = [c for c in model.__table__.c if c.name not in ("created_at", "updated_at")]
            out[model.__tablename__] = db.session.execute(sa.select(*cols).order_by(model.id)).all()
        out["users"] = [
            (u.username, sorted(r.name for r in u.roles)) for u in db.session.scalars(sa.select(User).order_by(User.id))
        ]
        db.session.remove()
    return out


def check(students):
    """Seed the same county both ways and compare; returns True when identical."""
    import os
    import tempfile
    import time

    tmp = tempfile.mkdtemp(prefix="aid-fastseed-")
    os.environ["INSTANCE_DIR"] = tmp
    os.environ.setdefault("SECRET_KEY", "fastseed-check")
    from flask_migrate import upgrade

    from app import create_app
    from app.demo import seed_demo

    today = date.today()
    dumps = {}
    for how, fn in (("app", seed_demo), ("fast", fast_seed_demo)):
        app = create_app("config.Config", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/{how}.db", SQLALCHEMY_ENGINE_OPTIONS={})
        with app.app_context():
            upgrade()
            t = time.perf_counter()
            fn(students=students, today=today)
            print(f"{how}: {time.perf_counter() - t:.1f} s")
            db.session.remove()
        dumps[how] = _dump(app)
    same = True
    for table in dumps["app"]:
        a, b = dumps["app"][table], dumps["fast"][table]
        ok = a == b
        same &= ok
        print(f"{table:<15} {len(a):>8} rows  {'identical' if ok else 'DIFFERENT'}")
    return same


if __name__ == "__main__":
    import argparse
    import logging
    import sys

    parser = argparse.ArgumentParser(prog="python -m bench.fastseed")
    parser.add_argument("--check", type=int, default=20000, metavar="STUDENTS")
    n = parser.parse_args().check
    logging.getLogger("alembic").setLevel(logging.WARNING)
    sys.exit(0 if check(n) else 1)
