"""宣传与走访 and 队伍建设 figures for a year, each from one grouped query.

* Home visits per school and visit type, and how many still have open problems.
* Publicity activities per school and activity type, with the audience reached, and per
  target stage (关口前移: high-school policies to 初中, loans and university aid to 高中).
* Staffing today: per active school, staff in post (full-time / part-time); the schools with
  no full-time person; staff changes in the year (took up or left a post).
* Training hours per person in the year (sum of the hours of the sessions attended).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, func, or_, select

from app.models import School
from app.models.outreach import AidStaff, HomeVisit, PublicityActivity, TrainingAttendance, TrainingSession


def _year_bounds(year):
    return date(year, 1, 1), date(year, 12, 31)


@dataclass
class PerSchool:
    school_id: int | None
    name: str
    counts: dict = field(default_factory=lambda: defaultdict(int))
    total: int = 0
    extra: int = 0  # open visits, or audience reached


def _school_names(session):
    return dict(session.execute(select(School.id, School.name)).all())


def visit_figures(session, year):
    """[(PerSchool with counts by visit type, extra = visits with open problems)], totals by type."""
    first, last = _year_bounds(year)
    rows = session.execute(
        select(HomeVisit.school_id, HomeVisit.visit_type, func.count(HomeVisit.id),
               func.sum(case((HomeVisit.resolved.is_(False), 1), else_=0)))
        .where(HomeVisit.visited_on.between(first, last))
        .group_by(HomeVisit.school_id, HomeVisit.visit_type)
    ).all()
    return _per_school(session, rows)


def publicity_figures(session, year):
    """Per school: activities by type, extra = audience reached; and activities by target stage."""
    first, last = _year_bounds(year)
    rows = session.execute(
        select(PublicityActivity.school_id, PublicityActivity.activity_type, func.count(PublicityActivity.id),
               func.coalesce(func.sum(PublicityActivity.audience), 0))
        .where(PublicityActivity.held_on.between(first, last))
        .group_by(PublicityActivity.school_id, PublicityActivity.activity_type)
    ).all()
    schools, totals = _per_school(session, rows)
    stages = dict(session.execute(
        select(PublicityActivity.target_stage, func.count(PublicityActivity.id))
        .where(PublicityActivity.held_on.between(first, last)).group_by(PublicityActivity.target_stage)
    ).all())
    return schools, totals, stages


def _per_school(session, rows):
    names = _school_names(session)
    schools, totals = {}, defaultdict(int)
    for school_id, code, count, extra in rows:
        row = schools.get(school_id)
        if row is None:
            row = schools[school_id] = PerSchool(school_id, names.get(school_id, ""))
        row.counts[code] += count
        row.total += count
        row.extra += int(extra or 0)
        totals[code] += count
    return sorted(schools.values(), key=lambda r: (-r.total, r.name)), dict(totals)


@dataclass
class Staffing:
    school_id: int | None
    name: str
    full_time: int = 0
    part_time: int = 0
    joined: int = 0
    left: int = 0

    @property
    def lacks_full_time(self):
        return self.school_id is not None and self.full_time == 0


def staffing(session, year, today=None):
    """Per active school (and the centre): staff in post today by kind, and changes during the year."""
    today = today or date.today()
    first, last = _year_bounds(year)
    in_post = and_(AidStaff.since <= today, or_(AidStaff.until.is_(None), AidStaff.until >= today))
    rows = session.execute(
        select(AidStaff.school_id,
               func.sum(case((and_(in_post, AidStaff.employment == "full_time"), 1), else_=0)),
               func.sum(case((and_(in_post, AidStaff.employment == "part_time"), 1), else_=0)),
               func.sum(case((AidStaff.since.between(first, last), 1), else_=0)),
               func.sum(case((AidStaff.until.between(first, last), 1), else_=0)))
        .group_by(AidStaff.school_id)
    ).all()
    by_school = {r[0]: r[1:] for r in rows}
    schools = session.execute(select(School.id, School.name).where(School.active.is_(True)).order_by(School.code)).all()
    out = []
    for school_id, name in [(None, "")] + list(schools):
        full, part, joined, left = (int(v or 0) for v in by_school.get(school_id, (0, 0, 0, 0)))
        if school_id is None and not (full or part or joined or left) and None not in by_school:
            continue
        out.append(Staffing(school_id, name, full, part, joined, left))
    return out


@dataclass
class TrainingHours:
    staff_id: int
    name: str
    school: str
    sessions: int
    hours: Decimal


def training_hours(session, year):
    """Each person's training in the year: sessions attended and hours, most hours first."""
    first, last = _year_bounds(year)
    rows = session.execute(
        select(AidStaff.id, AidStaff.name, School.name, func.count(TrainingSession.id), func.sum(TrainingSession.hours))
        .select_from(TrainingAttendance)
        .join(AidStaff, AidStaff.id == TrainingAttendance.staff_id)
        .join(TrainingSession, TrainingSession.id == TrainingAttendance.session_id)
        .outerjoin(School, School.id == AidStaff.school_id)
        .where(TrainingSession.held_on.between(first, last))
        .group_by(AidStaff.id, AidStaff.name, School.name)
    ).all()
    out = [TrainingHours(i, n, s or "", c, Decimal(h or 0)) for i, n, s, c, h in rows]
    return sorted(out, key=lambda r: (-r.hours, r.school, r.name))


_MONTHLY = ((HomeVisit, HomeVisit.visited_on, "visits"), (PublicityActivity, PublicityActivity.held_on, "activities"))


def monthly_statements(year) -> dict:
    """``monthly`` as one-value statements (``at_once``): each month's count, from the date index."""
    import calendar

    out = {}
    for model, column, name in _MONTHLY:
        for month in range(1, 13):
            last = calendar.monthrange(year, month)[1]
            out[f"{name}_{month}"] = select(func.count(model.id)).where(
                column.between(date(year, month, 1), date(year, month, last)))
    return out


def monthly(session, year, values=None):
    """Home visits and publicity activities per month of the year: ([12 visits], [12 activities]) (``values``:
    those of ``monthly_statements`` already read)."""
    from app.kpi import at_once

    values = values if values is not None else at_once(session, monthly_statements(year))
    return tuple([values[f"{name}_{month}"] or 0 for month in range(1, 13)] for _, _, name in _MONTHLY)
