"""Import and export of 10,000 students: time and peak memory, each next to its target.

python -m bench.imports [--rows 10000]

Builds a fresh SQLite database with the demo county, writes an .xlsx of N new
students with their identification in the import template's layout, then times
``app.operations.imports.import_students`` (read, validate, match, write) as the centre,
and the Excel export of the student list (N rows) through the list screen's
export route. Peak memory is measured with tracemalloc around each step. Under the import's figure, without a
target: SQLAlchemy's own time for the same records (a pupil and an identification a row) in a copy of the two tables (``_orm_floor``), the floor
of an import that writes one ORM record a row.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from io import BytesIO

TARGETS = {"import_s": 2.0, "export_s": 2.0, "peak_mb": 300.0}  # issue 23: 10,000 rows each way ≤ 2 s


def _file(rows, offset=0):
    from openpyxl import Workbook

    from app.rules import idcard
    from app.operations.imports import STUDENT_COLUMNS

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append([title for _, title, _, _ in STUDENT_COLUMNS])
    for i in range(offset, offset + rows):
        # unique, valid numbers: the sequence counts up, the region varies by thousands
        number = idcard.make("3411" + f"{20 + i // 1000 % 80:02d}", date(2008 + i // 80000 % 8, 1 + i % 12, 1 + i % 28),
                             i % 1000)
        row = {"school_code": "3411240001", "name": f"导入{i}", "id_number": number, "grade": "高一",
               "class_name": f"{i % 8 + 1}班", "enrolment_year": 2026, "guardian": "家长", "guardian_phone": "13900000000",
               "address": "地址", "boarding": "否", "school_year": "2026-2027", "level": "困难", "categories": "低保",
               "evidence_source": "民政部门", "identified_on": "2026-09-20", "student_number": "G" + number}
        # by the template's columns (app/operations/imports.py STUDENT_COLUMNS), whatever their order
        ws.append([row[key] for key, _, _, _ in STUDENT_COLUMNS])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _orm_floor(folder, rows):
    """Seconds SQLAlchemy alone takes to build, flush and commit the import's records (`rows` pupils and as many
    identifications) into a copy of the same two tables: plain column types, no constraint, no rule, school
    scope, audit entry or keyed hash. The floor of any import that writes one ORM record a row, as every write
    path here does so that one flush judges them all (app/operations/bulkwrites.py); with the garbage collector's
    thresholds of an import (``fewer_cycle_collections``)."""
    import sqlalchemy as sa
    from sqlalchemy.orm import DeclarativeBase, Session

    from app.extensions import db
    from app.operations.imports import fewer_cycle_collections

    def plain(column):
        kind = getattr(column.type, "impl", column.type)
        return sa.Column(column.name, kind() if isinstance(kind, type) else kind, primary_key=column.primary_key)

    class Base(DeclarativeBase):
        pass

    class Pupil(Base):
        __table__ = sa.Table("student", Base.metadata, *map(plain, db.metadata.tables["student"].columns))

    class Ident(Base):
        __table__ = sa.Table("identification", Base.metadata, *map(plain, db.metadata.tables["identification"].columns))

    engine = sa.create_engine(f"sqlite:///{folder}/floor.db")
    Base.metadata.create_all(engine)
    with Session(engine) as session, fewer_cycle_collections():
        try:
            start = time.perf_counter()
            pupils = [Pupil(school_id=1, name=f"导入{i}", id_number=f"3411242008{i:08d}", gender="M",
                            birth_date=date(2008, 1, 1), grade="高一", class_name="1班", enrolment_year=2026,
                            guardian="家长", guardian_phone="13900000000", address="地址", boarding=False,
                            student_number=f"G3411242008{i:08d}", status="enrolled") for i in range(rows)]
            session.add_all(pupils)
            session.flush()
            session.add_all([Ident(student_id=p.id, school_id=1, school_year="2026-2027", level="difficult",
                                   evidence_source="civil_affairs", identified_on=date(2026, 9, 20)) for p in pupils])
            session.commit()
            return time.perf_counter() - start
        finally:
            engine.dispose()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args(argv)
    folder = tempfile.mkdtemp(prefix="aid-bench-import-")
    os.environ["INSTANCE_DIR"] = folder
    from flask_migrate import upgrade

    from app import create_app
    from app.demo.county import seed_demo

    app = create_app("config.Config", SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/bench.db", WTF_CSRF_ENABLED=False)
    with app.app_context():
        upgrade()
        seed_demo(students=1000)
    data = _file(args.rows)
    client = app.test_client()
    client.post("/login/", data={"username": "center", "password": app.config["DEMO_PASSWORD"]})

    def timed(call):
        start = time.perf_counter()
        response = call()
        return response, time.perf_counter() - start

    def peak(call):
        tracemalloc.start()
        response = call()
        top = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        return response, top

    def do_import(payload):
        return lambda: client.post("/import/students/", data={"file": (BytesIO(payload), "bench.xlsx")},
                                   content_type="multipart/form-data")

    # time and memory are measured in separate runs: tracemalloc slows Python down several times
    response, import_s = timed(do_import(data))
    assert f"新增学生 {args.rows:,} 名".replace(",", "") in response.get_data(as_text=True), response.get_data(as_text=True)[-2000:]
    export = lambda: client.get("/studentview/export/?_flt_0_name=导入")  # noqa: E731
    exported, export_s = timed(export)
    assert exported.status_code == 200
    second = _file(args.rows, offset=args.rows)
    response, import_peak = peak(do_import(second))
    assert "新增学生" in response.get_data(as_text=True)
    _, export_peak = peak(export)

    floor_s = _orm_floor(folder, args.rows)
    figures = [
        (f"import {args.rows:,} students with identifications (s)", import_s, TARGETS["import_s"]),
        (f"SQLAlchemy alone: the same {2 * args.rows:,} records built and flushed, no rule, scope or audit (s)", floor_s,
         None),
        (f"export {args.rows:,} rows to .xlsx (s)", export_s, TARGETS["export_s"]),
        ("peak Python memory during import (MB)", import_peak, TARGETS["peak_mb"]),
        ("peak Python memory during export (MB)", export_peak, TARGETS["peak_mb"]),
    ]
    print(f"Import/export benchmark — {date.today()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}")
    print("| Figure | Measured | Target | |")
    print("|---|---:|---:|---|")
    failed = False
    for label, value, target in figures:
        if target is None:  # context, not a target: the floor of the figure above it
            print(f"| {label} | {value:.2f} | — | |")
            continue
        ok = value <= target
        failed |= not ok
        print(f"| {label} | {value:.2f} | ≤ {target:g} | {'PASS' if ok else '**FAIL**'} |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
