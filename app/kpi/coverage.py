"""应助尽助: how many identified pupils — and how many priority (困中之困) pupils — are aided.

For one semester: a pupil counts as identified when it has a difficulty
identification for the semester's school year, and as aided when it has at
least one award of the semester that is not voided.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select

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


def _aided_pupils(semester_id):
    """The semester's aided pupils: those with an award of the semester that is not voided. The one
    definition of "aided" for the counts and for the list of unaided priority pupils. For an officer the
    school scope narrows it to the school's awards, which loses no pupil of the school: a pupil's awards
    and identifications are always at the pupil's school (derived on every write and moved with the
    pupil, app/security/scope.py), so a school's figures are the same whoever looks."""
    from app.models import Award

    return select(Award.student_id).where(Award.semester_id == semester_id, Award.status != "void")


def coverage(semester, list_limit=500) -> Coverage:
    from app.models import Award, AidProgram, Identification, School, Student

    session = db.session
    # Per school and priority flag: the identifications, and those whose pupil has an award of the
    # semester, counted first and named after (the school's name joined to the ~2 rows a school, not to each
    # identification: at 300 schools the sort by name of 100,000 rows spilled to disk). The year's
    # identifications in force are read from the partial index ix_identification_in_force alone; whether a
    # pupil is aided is asked of the semester's aided pupils as one list (``IN``), which both databases build
    # once and probe per identification. An outer join to those pupils as a derived table let SQLite's planner
    # scan the whole table for every identification when the scope narrowed it to one school (an officer's
    # home page at 30 schools: 20 ms instead of 0.5).
    aided_pupils = _aided_pupils(semester.id)
    counted = (
        select(Identification.school_id, Identification.is_priority, func.count().label("n"),
               func.count().filter(Identification.student_id.in_(aided_pupils)).label("n_aided"))
        .where(Identification.school_year == semester.school_year, Identification.effective.is_(True))
        .group_by(Identification.school_id, Identification.is_priority)
        .subquery()
    )
    counts, per_school = {}, {}
    for sid, name, priority, n, n_aided in session.execute(
        select(counted.c.school_id, School.name, counted.c.is_priority, counted.c.n, counted.c.n_aided)
        .join(School, School.id == counted.c.school_id)
        .order_by(School.name, counted.c.school_id)
    ):
        row = counts.setdefault(sid, [0, 0, 0, 0])
        per_school.setdefault(sid, [name, row])
        row[0] += n
        row[1] += n_aided
        if priority:
            row[2] += n
            row[3] += n_aided
    per_school = {sid: [name, *row] for sid, (name, row) in per_school.items()}
    # The semester's awards by school and programme, in one pass over the index ix_award_semester_totals,
    # then named: the amounts per school and the count and amount per programme are added up from it.
    totals = (
        select(Award.school_id, Award.program_id, func.count().label("n"), func.sum(Award.amount).label("total"))
        .where(Award.semester_id == semester.id, Award.status != "void")
        .group_by(Award.school_id, Award.program_id)
        .subquery()
    )
    amounts, programs, name_of, program_names = {}, {}, {}, {}
    for sid, school_name, program_id, program_name, n, total in session.execute(
        select(totals.c.school_id, School.name, totals.c.program_id, AidProgram.name, totals.c.n, totals.c.total)
        .select_from(totals)
        .outerjoin(School, School.id == totals.c.school_id)
        .join(AidProgram, AidProgram.id == totals.c.program_id)
        .order_by(totals.c.school_id, totals.c.program_id)
    ):
        total = Decimal(total or 0)
        name_of[sid], program_names[program_id] = school_name, program_name
        amounts[sid] = amounts.get(sid, Decimal(0)) + total
        n0, s0 = programs.get(program_id, (0, Decimal(0)))
        programs[program_id] = (n0 + n, s0 + total)
    rows = [
        CoverageRow(sid, name, ident, aid, pri, pri_aid, Decimal(amounts.get(sid) or 0).quantize(Decimal("0.01")))
        for sid, (name, ident, aid, pri, pri_aid) in per_school.items()
    ]
    # schools with awards but no identified pupils still show their money
    for sid, amount in amounts.items():
        if sid not in per_school:
            name = name_of.get(sid)
            rows.append(CoverageRow(sid, name if name is not None else str(sid),
                                    amount=Decimal(amount).quantize(Decimal("0.01"))))
    total = CoverageRow(None, "")
    for r in rows:
        total.identified += r.identified
        total.aided += r.aided
        total.priority += r.priority
        total.priority_aided += r.priority_aided
        total.amount += r.amount
    by_program = sorted(((program_names[pid], n, amount.quantize(Decimal("0.01"))) for pid, (n, amount) in programs.items()),
                        key=lambda p: (-p[2], p[0]))
    unaided = (
        select(Student, Identification)
        .join(Identification, Identification.student_id == Student.id)
        .where(Identification.school_year == semester.school_year, Identification.is_priority.is_(True),
               Identification.effective.is_(True),
               ~aided_pupils.where(Award.student_id == Identification.student_id).exists())
    )
    # the priority pupils without an award: counted above, school by school (by the identification's school, as
    # counted; a pupil's identifications are kept at its school). Ordered first by a column of the index the
    # identifications are read from, the first schools' rows are sorted and the rest never read (SQLite at 300
    # schools: 62 → 11 ms for the home page's ten)
    count = sum(r[2] - r[3] for r in counts.values())
    listed_rows = session.execute(
        unaided.order_by(Identification.school_id, Student.enrolment_year.desc(), Student.class_name, Student.name)
        .limit(list_limit)
    ).all()
    return Coverage(semester, total, rows, by_program, listed_rows, count)
