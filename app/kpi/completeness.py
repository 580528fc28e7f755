"""系统管理: 资助信息100%填报 — the share of required fields each school has filled.

The national system needs, for every pupil, the guardian, the guardian's phone and
the home address besides what the database already insists on; for every paid
award, the day it was paid.  Completeness = filled required cells / required
cells over the school's pupils and awards; the pupils and awards with a gap are
listed so the officer can fill them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, func, literal_column, or_, select

from app.extensions import db
from app.kpi import rate

STUDENT_FIELDS = ("name", "id_number", "grade", "class_name", "enrolment_year", "guardian", "guardian_phone", "address")
OPTIONAL_IN_DB = ("guardian", "guardian_phone", "address")  # the columns that can actually be empty


@dataclass
class Completeness:
    school_id: int
    school_name: str
    cells: int = 0
    filled: int = 0
    gaps: list = field(default_factory=list)  # (record, [missing field names])

    @property
    def share(self):
        return rate(self.filled, self.cells)


def _empty(column):
    # '' written into the SQL (not a bound parameter): the query then matches the partial index ix_student_gaps
    return or_(column.is_(None), func.trim(column) == literal_column("''"))


def any_empty():
    """A pupil with any optional required field empty: the predicate of the partial index
    ``ix_student_gaps`` (app/models/student.py), which holds only those pupils."""
    from app.models import Student

    return or_(*[_empty(getattr(Student, f)) for f in OPTIONAL_IN_DB])


def paid_undated():
    """A paid award without the day paid (the partial index ``ix_award_paid_undated`` holds the awards without it)."""
    from app.models import Award

    return and_(Award.status == "paid", Award.paid_on.is_(None))


def completeness(list_limit=200) -> list[Completeness]:
    """Per school: pupils' and paid awards' required cells and how many are filled (five grouped queries).

    Pupils are counted from the (school_id, id) index and paid awards from the (status,
    school_id) one; the missing cells are counted over the rows with a gap only, which
    partial indexes hold (pupils with an empty optional field, paid awards without the day).
    """
    from app.models import Award, School, Student

    session = db.session
    rows = {sid: Completeness(sid, name) for sid, name in session.execute(select(School.id, School.name).order_by(School.code))}
    pupils = dict(session.execute(select(Student.school_id, func.count()).group_by(Student.school_id)).all())
    missing = {sid: m for sid, *m in session.execute(
        select(Student.school_id, *[func.sum(func.cast(_empty(getattr(Student, f)), db.Integer)) for f in OPTIONAL_IN_DB])
        .where(any_empty()).group_by(Student.school_id)
    )}
    for school_id, n in pupils.items():
        r = rows[school_id]
        r.cells += n * len(STUDENT_FIELDS)
        r.filled += n * len(STUDENT_FIELDS) - sum(int(m or 0) for m in missing.get(school_id, ()))
    undated = dict(session.execute(
        select(Award.school_id, func.count()).where(paid_undated()).group_by(Award.school_id)).all())
    for school_id, n in session.execute(
            select(Award.school_id, func.count()).where(Award.status == "paid").group_by(Award.school_id)):
        r = rows[school_id]
        r.cells += n
        r.filled += n - undated.get(school_id, 0)
    if list_limit:
        for student in session.scalars(
            select(Student).where(any_empty())
            .order_by(Student.school_id, Student.grade, Student.class_name).limit(list_limit)
        ):
            rows[student.school_id].gaps.append((student, [f for f in OPTIONAL_IN_DB if not (getattr(student, f) or "").strip()]))
        for award in session.scalars(
            select(Award).where(paid_undated()).order_by(Award.school_id, Award.id).limit(list_limit)
        ):
            rows[award.school_id].gaps.append((award, ["paid_on"]))
    return [r for r in rows.values() if r.cells]


@dataclass
class SystemCoverage:
    """三(二) 学校、项目、必填字段100%录入系统: how much of the county is in the system."""

    schools: int = 0
    schools_in: int = 0          # with their pupils recorded
    programs: int = 0
    programs_in: int = 0         # active programmes with awards recorded for the semester
    cells: int = 0
    filled: int = 0

    @property
    def school_share(self):
        return rate(self.schools_in, self.schools)

    @property
    def program_share(self):
        return rate(self.programs_in, self.programs)

    @property
    def field_share(self):
        return rate(self.filled, self.cells)


def system_statements(semester) -> dict:
    """The figures of ``system_coverage`` as one-value statements (read together by ``at_once``):
    schools and those with pupils, active programmes and those with awards of the semester, and the
    required cells and empty ones over all the pupils and paid awards in scope."""
    from sqlalchemy import exists

    from app.models import AidProgram, Award, School, Student

    used = (exists().where(Award.program_id == AidProgram.id, Award.semester_id == semester.id, Award.status != "void")
            if semester is not None else None)
    empties = sum((func.cast(_empty(getattr(Student, f)), db.Integer) for f in OPTIONAL_IN_DB[1:]),
                  func.cast(_empty(getattr(Student, OPTIONAL_IN_DB[0])), db.Integer))
    return {
        "schools": select(func.count(School.id)).where(School.active.is_(True)),
        # select_from: an expression over a model's columns alone does not name the model for the scope's criteria
        "schools_in": select(func.sum(func.cast(exists().where(Student.school_id == School.id), db.Integer)))
        .select_from(School).where(School.active.is_(True)),
        "programs": select(func.count(AidProgram.id)).where(AidProgram.active.is_(True)),
        "programs_in": select(func.sum(func.cast(used, db.Integer)) if used is not None else func.sum(0))
        .select_from(AidProgram).where(AidProgram.active.is_(True)),
        # as completeness() counts them: pupils from the (school_id, id) index, their empty cells over the
        # pupils with a gap only (the partial index ix_student_gaps), paid awards and those without the day
        # count(*), not count(id): the rows are counted from an index alone (ix_award_status: 46 ms for a
        # million awards on PostgreSQL, where count(id) read the table, 108 ms)
        "pupils": select(func.count()).select_from(Student),
        "empty_cells": select(func.sum(empties)).select_from(Student).where(any_empty()),
        "paid": select(func.count()).select_from(Award).where(Award.status == "paid"),
        "paid_undated": select(func.count()).select_from(Award).where(paid_undated()),
    }


def system_coverage_of(values) -> SystemCoverage:
    """``SystemCoverage`` from the values of ``system_statements``."""
    out = SystemCoverage(schools=int(values["schools"] or 0), schools_in=int(values["schools_in"] or 0),
                         programs=int(values["programs"] or 0), programs_in=int(values["programs_in"] or 0))
    pupils, paid = int(values["pupils"] or 0), int(values["paid"] or 0)
    out.cells = pupils * len(STUDENT_FIELDS) + paid
    out.filled = out.cells - int(values["empty_cells"] or 0) - int(values["paid_undated"] or 0)
    return out


def system_coverage(semester) -> SystemCoverage:
    """Schools, programmes and required fields in the system, in one statement."""
    from app.kpi import at_once

    return system_coverage_of(at_once(db.session, system_statements(semester)))
