"""应助尽助: how many identified pupils — and how many priority (困中之困) pupils — are aided.

For one semester: a pupil counts as identified when it has a difficulty
identification for the semester's school year, and as aided when it has at
least one award of the semester that is not voided.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, case, exists, func, select

from app.extensions import db
from app.kpi import rate


@dataclass
class CoverageRow:
    school_id: int | None
    school_name: str
    identified: int = 0
    aided: int = 0
    priority: int = 0
    priority_aided: int = 0
    amount: Decimal = Decimal("0.00")

    @property
    def coverage(self):
        return rate(self.aided, self.identified)

    @property
    def priority_coverage(self):
        return rate(self.priority_aided, self.priority)


@dataclass
class Coverage:
    semester: object
    total: CoverageRow
    by_school: list[CoverageRow] = field(default_factory=list)
    by_program: list[tuple[str, int, Decimal]] = field(default_factory=list)
    unaided_priority: list = field(default_factory=list)
    unaided_priority_count: int = 0


def _aided_clause(semester_id):
    from app.models import Award, Identification

    return exists().where(
        and_(Award.student_id == Identification.student_id, Award.semester_id == semester_id, Award.status != "void")
    )


def coverage(semester, list_limit=500) -> Coverage:
    from app.models import Award, AidProgram, Identification, School, Student

    session = db.session
    aided = _aided_clause(semester.id)
    per_school = session.execute(
        select(
            School.id, School.name,
            func.count(Identification.id),
            func.sum(case((aided, 1), else_=0)),
            func.sum(case((Identification.is_priority, 1), else_=0)),
            func.sum(case((and_(Identification.is_priority, aided), 1), else_=0)),
        )
        .join(School, School.id == Identification.school_id)
        .where(Identification.school_year == semester.school_year)
        .group_by(School.id, School.name)
        .order_by(School.name)
    ).all()
    amounts = dict(session.execute(
        select(Award.school_id, func.sum(Award.amount))
        .where(Award.semester_id == semester.id, Award.status != "void")
        .group_by(Award.school_id)
    ).all())
    rows = [
        CoverageRow(sid, name, int(ident or 0), int(aid or 0), int(pri or 0), int(pri_aid or 0),
                    Decimal(amounts.get(sid) or 0).quantize(Decimal("0.01")))
        for sid, name, ident, aid, pri, pri_aid in per_school
    ]
    # schools with awards but no identified pupils still show their money
    listed = {r.school_id for r in rows}
    for sid, amount in amounts.items():
        if sid not in listed:
            school = session.get(School, sid)
            rows.append(CoverageRow(sid, school.name if school else str(sid), amount=Decimal(amount).quantize(Decimal("0.01"))))
    total = CoverageRow(None, "")
    for r in rows:
        total.identified += r.identified
        total.aided += r.aided
        total.priority += r.priority
        total.priority_aided += r.priority_aided
        total.amount += r.amount
    by_program = [
        (name, int(n), Decimal(s).quantize(Decimal("0.01")))
        for name, n, s in session.execute(
            select(AidProgram.name, func.count(Award.id), func.sum(Award.amount))
            .join(AidProgram, AidProgram.id == Award.program_id)
            .where(Award.semester_id == semester.id, Award.status != "void")
            .group_by(AidProgram.name)
            .order_by(func.sum(Award.amount).desc())
        ).all()
    ]
    unaided = (
        select(Student, Identification)
        .join(Identification, Identification.student_id == Student.id)
        .where(Identification.school_year == semester.school_year, Identification.is_priority.is_(True), ~aided)
    )
    count = session.scalar(select(func.count()).select_from(unaided.subquery()))
    listed_rows = session.execute(
        unaided.order_by(Student.school_id, Student.enrolment_year.desc(), Student.class_name, Student.name).limit(list_limit)
    ).all()
    return Coverage(semester, total, rows, by_program, listed_rows, count)
