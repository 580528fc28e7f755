"""Budget execution for a calendar year, per programme and per school.

* Planned by level: the budget's planned amount × the level's share.
* Arrived by level: the allocations recorded (by their date of arrival, in the year).
* County matching on time: the county's allocations that arrived by the budget's
  ``county_due_on`` cover the county's planned share (None when no date or no share).
* Disbursed: awards of the programme paid in the year (paid_on in the year).
* 支出率 (spend rate) = disbursed / arrived (the province expects 95% by the end of the year).
* 及时发放率 (on-time rate): of the awards approved for a semester whose payment deadline falls
  in the year and has passed, those paid by the deadline (target 100%); the ones paid late or
  still unpaid are listed as the gaps.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, func, select

from app.kpi import rate

LEVEL_CODES = ("central", "provincial", "city", "county")
SPEND_TARGET = Decimal("0.95")


@dataclass
class Execution:
    program_id: int
    program: str
    budget: object = None
    planned: dict = field(default_factory=dict)   # level → planned amount
    arrived: dict = field(default_factory=dict)   # level → arrived amount
    county_on_time: bool | None = None
    disbursed: Decimal = Decimal("0.00")
    due: int = 0          # awards whose payment deadline has passed
    on_time: int = 0      # of those, paid by the deadline

    @property
    def planned_total(self):
        return sum(self.planned.values(), Decimal("0.00"))

    @property
    def arrived_total(self):
        return sum(self.arrived.values(), Decimal("0.00"))

    @property
    def spend_rate(self):
        return rate(self.disbursed, self.arrived_total)

    @property
    def timely_rate(self):
        return rate(self.on_time, self.due)


def _due(year, today):
    """The awards that were due to be paid in the year: approved or paid, of a semester whose
    payment deadline falls in the year and has passed (the caller joins Semester)."""
    from app.models import Award, Semester

    last = min(date(year, 12, 31), today - timedelta(days=1))
    return and_(Award.status.in_(("approved", "paid")), Semester.payment_deadline >= date(year, 1, 1),
                Semester.payment_deadline <= last)


def _timeliness(session, year, today, group):
    """(group key, due, on time) for the awards due in the year."""
    from app.models import Award, Semester

    paid_in_time = and_(Award.status == "paid", Award.paid_on <= Semester.payment_deadline)
    return session.execute(
        select(group, func.count(Award.id), func.sum(case((paid_in_time, 1), else_=0)))
        .join(Semester, Semester.id == Award.semester_id)
        .where(_due(year, today))
        .group_by(group)
    ).all()


def execution(session, year, today=None) -> list[Execution]:
    """One row per programme with a budget or money paid in the year."""
    from app.models import AidProgram, Award
    from app.models.budgets import Allocation, ProgramBudget

    today = today or date.today()
    rows = {}

    def row(program_id, name):
        return rows.setdefault(program_id, Execution(program_id, name))

    for budget in session.scalars(select(ProgramBudget).where(ProgramBudget.year == year)):
        r = row(budget.program_id, budget.program.name)
        r.budget = budget
        r.planned = {lv: (Decimal(budget.planned_amount) * Decimal(budget.share(lv)) / 100).quantize(Decimal("0.01"))
                     for lv in LEVEL_CODES}
        r.arrived = {lv: Decimal("0.00") for lv in LEVEL_CODES}
    arrived = session.execute(
        select(Allocation.budget_id, Allocation.level, func.sum(Allocation.amount))
        .join(ProgramBudget, ProgramBudget.id == Allocation.budget_id)
        .where(ProgramBudget.year == year).group_by(Allocation.budget_id, Allocation.level)
    ).all()
    by_budget = {r.budget.id: r for r in rows.values() if r.budget is not None}
    for budget_id, level, amount in arrived:
        by_budget[budget_id].arrived[level] += Decimal(amount or 0)
    county_by_due = dict(session.execute(
        select(Allocation.budget_id, func.sum(Allocation.amount))
        .join(ProgramBudget, ProgramBudget.id == Allocation.budget_id)
        .where(ProgramBudget.year == year, Allocation.level == "county",
               ProgramBudget.county_due_on.is_not(None), Allocation.arrived_on <= ProgramBudget.county_due_on)
        .group_by(Allocation.budget_id)
    ).all())
    for r in by_budget.values():
        if r.budget.county_due_on is not None and r.planned["county"] > 0:
            r.county_on_time = Decimal(county_by_due.get(r.budget.id) or 0) >= r.planned["county"]
    for program_id, name, total in session.execute(
        select(Award.program_id, AidProgram.name, func.sum(Award.amount))
        .join(AidProgram, AidProgram.id == Award.program_id)
        .where(Award.status == "paid", Award.paid_on >= date(year, 1, 1), Award.paid_on <= date(year, 12, 31))
        .group_by(Award.program_id, AidProgram.name)
    ):
        row(program_id, name).disbursed = Decimal(total or 0).quantize(Decimal("0.01"))
    names = dict(session.execute(select(AidProgram.id, AidProgram.name)).all())
    for program_id, due, on_time in _timeliness(session, year, today, Award.program_id):
        r = row(program_id, names.get(program_id, ""))
        r.due, r.on_time = due, int(on_time or 0)
    return sorted(rows.values(), key=lambda r: r.program)


@dataclass
class SchoolTimeliness:
    school_id: int
    school: str
    due: int = 0
    on_time: int = 0
    disbursed: Decimal = Decimal("0.00")

    @property
    def timely_rate(self):
        return rate(self.on_time, self.due)


def by_school(session, year, today=None) -> list[SchoolTimeliness]:
    """Per school: awards paid on time of those due, and the money paid in the year."""
    from app.models import Award, School

    today = today or date.today()
    names = dict(session.execute(select(School.id, School.name)).all())
    rows = {}
    for school_id, due, on_time in _timeliness(session, year, today, Award.school_id):
        rows[school_id] = SchoolTimeliness(school_id, names.get(school_id, ""), due, int(on_time or 0))
    for school_id, total in session.execute(
        select(Award.school_id, func.sum(Award.amount))
        .where(Award.status == "paid", Award.paid_on >= date(year, 1, 1), Award.paid_on <= date(year, 12, 31))
        .group_by(Award.school_id)
    ):
        r = rows.setdefault(school_id, SchoolTimeliness(school_id, names.get(school_id, "")))
        r.disbursed = Decimal(total or 0).quantize(Decimal("0.01"))
    return sorted(rows.values(), key=lambda r: (r.timely_rate if r.timely_rate is not None else 2, r.school))


def late_awards(session, year, today=None, limit=200):
    """The gaps: awards due in the year not paid by their semester's deadline (unpaid first)."""
    from app.models import Award, Semester

    today = today or date.today()
    late = (Award.status == "approved") | (Award.paid_on > Semester.payment_deadline)
    return session.scalars(
        select(Award).join(Semester, Semester.id == Award.semester_id)
        .where(_due(year, today), late)
        .order_by(Award.status, Award.school_id, Award.id).limit(limit)
    ).all()
