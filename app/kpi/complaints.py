"""投诉举报 figures for a year: complaints by kind, by school and by month; the share
closed on time; the substantiated share.

* Counted by the date received, in the year asked for.
* Closed on time: closed no later than the kind's closing deadline
  (app/rules/complaints.py ``closing_deadline``), out of those closed.
* Substantiated share: (属实 + 部分属实) / complaints and reports closed with a
  result; consultations have no result and are left out.
* Overdue: still open and past the day its stage or its closing deadline ran out.

One query reads the year's complaints, the columns the figures need (a county receives
hundreds, not millions); the counting is done here, where it can be tested.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from app.kpi import rate
from app.models import Complaint, School
from app.models.complaints import COMPLAINT_KINDS
from app.rules.complaints import closed_on_time, is_overdue


@dataclass
class SchoolRow:
    school_id: int | None
    name: str
    by_kind: dict = field(default_factory=dict)
    total: int = 0
    substantiated: int = 0


@dataclass
class ComplaintFigures:
    year: int
    total: int = 0
    by_kind: dict = field(default_factory=dict)       # kind → count
    by_month: list = field(default_factory=list)      # 12 × {kind: count}
    schools: list = field(default_factory=list)       # [SchoolRow], most complaints first
    open: int = 0
    overdue: int = 0
    closed: int = 0
    closed_on_time: int = 0
    with_result: int = 0
    substantiated: int = 0
    partly: int = 0

    @property
    def on_time_share(self):
        return rate(self.closed_on_time, self.closed)

    @property
    def substantiated_share(self):
        return rate(self.substantiated + self.partly, self.with_result)


def complaint_figures(session, year, today=None) -> ComplaintFigures:
    today = today or date.today()
    start, end = datetime(year, 1, 1), datetime(year + 1, 1, 1)
    # the columns the figures and the deadline rules read, as rows (no ORM objects to build)
    columns = (Complaint.kind, Complaint.received_at, Complaint.school_id, Complaint.status, Complaint.result,
               Complaint.closed_at, Complaint.stage_since)
    rows = [(row, row.name) for row in session.execute(
        select(*columns, School.name).outerjoin(School, School.id == Complaint.school_id)
        .where(Complaint.received_at >= start, Complaint.received_at < end)
    )]
    out = ComplaintFigures(year=year, by_kind={k: 0 for k in COMPLAINT_KINDS.codes},
                           by_month=[{k: 0 for k in COMPLAINT_KINDS.codes} for _ in range(12)])
    schools = {}
    for complaint, school_name in rows:
        kind = complaint.kind
        out.total += 1
        out.by_kind[kind] += 1
        out.by_month[complaint.received_at.month - 1][kind] += 1
        row = schools.get(complaint.school_id)
        if row is None:
            row = schools[complaint.school_id] = SchoolRow(complaint.school_id, school_name or "",
                                                           by_kind={k: 0 for k in COMPLAINT_KINDS.codes})
        row.by_kind[kind] += 1
        row.total += 1
        if complaint.status == "closed":
            out.closed += 1
            out.closed_on_time += closed_on_time(complaint)
            if kind != "consult" and complaint.result:
                out.with_result += 1
                out.substantiated += complaint.result == "substantiated"
                out.partly += complaint.result == "partly"
                row.substantiated += complaint.result in ("substantiated", "partly")
        else:
            out.open += 1
            out.overdue += is_overdue(complaint, today)
    out.schools = sorted(schools.values(), key=lambda r: (-r.total, r.school_id is None, r.name))
    return out


def overdue_complaints(session, today=None, limit=None):
    """Open complaints past a deadline, the longest overdue first (the centre's and the leader's home pages)."""
    from app.rules.complaints import OPEN_STATUSES, due_date

    today = today or date.today()
    open_rows = session.scalars(select(Complaint).where(Complaint.status.in_(OPEN_STATUSES))).all()
    late = sorted((c for c in open_rows if is_overdue(c, today)), key=due_date)
    return late[:limit] if limit else late
