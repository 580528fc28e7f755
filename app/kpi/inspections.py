"""监督检查 figures per school for a year: inspection scores and rectification on time.

* Inspection score: for each inspection done in the year that has scores, the points
  given over the full points of the items scored; a school's figure is the mean over
  its inspections.
* Rectification on time: of the rectifications whose deadline falls in the year, those
  submitted by the deadline; one still not submitted after its deadline counts as late;
  one not yet due and not submitted is not counted yet.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select

from app.kpi import rate


@dataclass
class InspectionFigures:
    school_id: int
    inspections: int = 0
    score_sum: Decimal = Decimal("0")  # sum of the inspections' shares (0..1)
    rectifications: int = 0
    rectified_on_time: int = 0

    @property
    def score(self):
        return None if not self.inspections else self.score_sum / self.inspections

    @property
    def rectification_rate(self):
        return rate(self.rectified_on_time, self.rectifications)


def inspection_figures(session, year, today=None) -> dict:
    """{school_id: InspectionFigures} for the year (two grouped queries)."""
    from app.models import Inspection, InspectionItem, InspectionScore

    today = today or date.today()
    first, last = date(year, 1, 1), date(year, 12, 31)
    out = {}
    shares = session.execute(
        select(Inspection.school_id, Inspection.id, func.sum(InspectionScore.score), func.sum(InspectionItem.max_score))
        .join(InspectionScore, InspectionScore.inspection_id == Inspection.id)
        .join(InspectionItem, InspectionItem.id == InspectionScore.item_id)
        .where(Inspection.status == "done", Inspection.inspected_on.between(first, last),
               InspectionScore.score.is_not(None))
        .group_by(Inspection.school_id, Inspection.id)
    ).all()
    for school_id, _, given, full in shares:
        if not full:
            continue
        f = out.setdefault(school_id, InspectionFigures(school_id))
        f.inspections += 1
        f.score_sum += Decimal(given or 0) / Decimal(full)
    rects = session.execute(
        select(Inspection.school_id, Inspection.rectification_deadline, Inspection.rectified_at)
        .where(Inspection.rectification_deadline.between(first, last),
               Inspection.rectification_status != "none")
    ).all()
    for school_id, deadline, rectified_at in rects:
        done_on = rectified_at.date() if isinstance(rectified_at, datetime) else rectified_at
        if done_on is None and deadline >= today:
            continue  # not due yet
        f = out.setdefault(school_id, InspectionFigures(school_id))
        f.rectifications += 1
        f.rectified_on_time += done_on is not None and done_on <= deadline
    return out


def inspection_statements(year, today) -> dict:
    """``inspection_counts`` as one-value statements (``at_once``)."""
    from app.models import Inspection

    first, last = date(year, 1, 1), date(year, 12, 31)
    count = select(func.count(Inspection.id))
    in_year = count.where(Inspection.inspected_on.between(first, last))
    return {
        "inspections_planned": in_year.where(Inspection.status == "planned"),
        "inspections_done": in_year.where(Inspection.status == "done"),
        "rectifications_open": count.where(Inspection.rectification_status.in_(("required", "reopened"))),
        "rectifications_to_check": count.where(Inspection.rectification_status == "submitted"),
        "rectifications_overdue": count.where(Inspection.rectification_status.in_(("required", "reopened")),
                                              Inspection.rectification_deadline < today),
    }


def inspection_counts(session, year, today=None, values=None) -> dict:
    """County figures for the dashboards: planned, done, rectifications open, overdue and to check (``values``: those
    of ``inspection_statements`` already read)."""
    from app.kpi import at_once

    today = today or date.today()
    v = values if values is not None else at_once(session, inspection_statements(year, today))
    return {"planned": v["inspections_planned"] or 0, "done": v["inspections_done"] or 0,
            "open": v["rectifications_open"] or 0, "to_check": v["rectifications_to_check"] or 0,
            "overdue": v["rectifications_overdue"] or 0}
