"""年终考核: each school's year-end score, from weighted parts, and the county ranking.

For a school and a year, each active part gives a value between 0 and 1:

* timeliness, accuracy: report tasks first submitted on time / required, and accurate at
  first review / submitted (app/kpi/reporting.py);
* inspection: the mean share of the checklist points its inspections gave it
  (app/kpi/inspections.py);
* rectification: rectifications submitted by their deadline / those due (same module);
* funds: 1 when the year's 校内资助资金 extraction is within the stage's band, 0 when it is
  outside or not recorded; not applicable to stages without a band;
* completeness: filled required cells / required cells (app/kpi/completeness.py).

Score = 100 × Σ(weight × value) / Σ(weight) over the parts that apply and have data (a
school is not marked down for what does not concern it), minus the deduction:
weight points for each complaint or report closed in the year as 属实 and half as much
for 部分属实, at most ``cap`` points; never below 0.  A school with no data in any part
has no score and is ranked after the others.  Equal scores share a rank (1, 1, 3).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from app.models.evaluation import PARTS, EvaluationPart

CENT = Decimal("0.01")
DEDUCTION = "complaints"


def _dec(value):
    return None if value is None else Decimal(value) if not isinstance(value, float) else Decimal(str(value))


@dataclass
class PartValue:
    code: str
    label: str
    weight: Decimal
    value: Decimal | None  # 0..1; None: does not apply or no data
    detail: str = ""

    @property
    def points(self):
        """What the part adds before scaling: weight × value."""
        return None if self.value is None else (self.weight * self.value).quantize(CENT, ROUND_HALF_UP)


@dataclass
class SchoolScore:
    school_id: int
    code: str
    name: str
    stage: str
    parts: dict = field(default_factory=dict)  # code → PartValue
    substantiated: int = 0
    partly: int = 0
    deduction: Decimal = Decimal("0")
    base: Decimal | None = None
    score: Decimal | None = None
    rank: int | None = None


def active_parts(session):
    order = {code: i for i, code in enumerate(PARTS.codes)}
    parts = session.scalars(select(EvaluationPart).where(EvaluationPart.active.is_(True))).all()
    return sorted(parts, key=lambda p: order.get(p.code, 99))


def _fund_values(session, year):
    from app.models import SchoolFund

    return dict(session.execute(select(SchoolFund.school_id, SchoolFund.compliance).where(SchoolFund.year == year)).all())


def _complaint_counts(session, year):
    from app.models import Complaint

    rows = session.execute(
        select(Complaint.school_id, Complaint.result, func.count(Complaint.id))
        .where(Complaint.status == "closed", Complaint.kind != "consult", Complaint.school_id.is_not(None),
               Complaint.result.in_(("substantiated", "partly")),
               Complaint.closed_at >= datetime(year, 1, 1), Complaint.closed_at < datetime(year + 1, 1, 1))
        .group_by(Complaint.school_id, Complaint.result)
    ).all()
    out = {}
    for school_id, result, n in rows:
        full, half = out.get(school_id, (0, 0))
        out[school_id] = (full + n, half) if result == "substantiated" else (full, half + n)
    return out


def evaluate(session, year, today=None) -> list[SchoolScore]:
    """Every active school's score for the year, ranked."""
    from app.kpi.completeness import completeness
    from app.kpi.funds import band_for
    from app.kpi.inspections import inspection_figures
    from app.kpi.reporting import reporting_figures
    from app.models import School
    from app.models.funds import COMPLIANCE

    today = today or date.today()
    parts = active_parts(session)
    weighted = [p for p in parts if p.code != DEDUCTION]
    deduction = next((p for p in parts if p.code == DEDUCTION), None)
    codes = {p.code for p in parts}
    reporting = {r.school_id: r for r in reporting_figures(year)} if codes & {"timeliness", "accuracy"} else {}
    inspections = inspection_figures(session, year, today) if codes & {"inspection", "rectification"} else {}
    funds = _fund_values(session, year) if "funds" in codes else {}
    filled = {c.school_id: c for c in completeness(list_limit=0)} if "completeness" in codes else {}
    complaints = _complaint_counts(session, year) if deduction else {}

    out = []
    for school in session.scalars(select(School).where(School.active.is_(True)).order_by(School.code)):
        s = SchoolScore(school.id, school.code, school.name, school.stage)
        for part in weighted:
            value, detail = None, ""
            if part.code in ("timeliness", "accuracy"):
                r = reporting.get(school.id)
                if r is not None:
                    if part.code == "timeliness":
                        value, detail = _dec(r.timeliness), f"{r.on_time}/{r.required}"
                    else:
                        value, detail = _dec(r.accuracy), f"{r.accurate_first}/{r.submitted}"
            elif part.code == "inspection":
                f = inspections.get(school.id)
                if f is not None and f.inspections:
                    value, detail = f.score, str(f.inspections)
            elif part.code == "rectification":
                f = inspections.get(school.id)
                if f is not None and f.rectifications:
                    value, detail = _dec(f.rectification_rate), f"{f.rectified_on_time}/{f.rectifications}"
            elif part.code == "funds":
                if band_for(school.stage) is not None:
                    state = funds.get(school.id)
                    value = Decimal(1) if state == "within" else Decimal(0)
                    detail = COMPLIANCE.label(state) if state else str(_not_recorded())
            elif part.code == "completeness":
                c = filled.get(school.id)
                if c is not None and c.cells:
                    value, detail = _dec(c.share), f"{c.filled}/{c.cells}"
            s.parts[part.code] = PartValue(part.code, part.label, Decimal(part.weight), value, detail)
        counted = [p for p in s.parts.values() if p.value is not None]
        weights = sum((p.weight for p in counted), Decimal(0))
        if deduction is not None:
            s.substantiated, s.partly = complaints.get(school.id, (0, 0))
            raw = Decimal(deduction.weight) * (s.substantiated + Decimal("0.5") * s.partly)
            s.deduction = (min(raw, Decimal(deduction.cap)) if deduction.cap is not None else raw).quantize(CENT)
        if counted and weights:
            s.base = (Decimal(100) * sum((p.weight * p.value for p in counted), Decimal(0)) / weights).quantize(
                CENT, ROUND_HALF_UP)
            s.score = max(Decimal(0), s.base - s.deduction).quantize(CENT, ROUND_HALF_UP)
        out.append(s)
    return rank(out)


def rank(scores):
    """Highest first; equal scores share a rank (1, 1, 3); schools without a score last, unranked."""
    scored = sorted((s for s in scores if s.score is not None), key=lambda s: (-s.score, s.code))
    previous, position = None, 0
    for i, s in enumerate(scored, start=1):
        if s.score != previous:
            position, previous = i, s.score
        s.rank = position
    return scored + [s for s in scores if s.score is None]


def _not_recorded():
    from flask_babel import lazy_gettext as _l

    return _l("Not recorded")
