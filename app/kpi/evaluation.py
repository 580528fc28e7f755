"""年终考核: each school's year-end score, from weighted parts, and the county ranking.

The work plan (全椒县2021年学生资助工作安排 三（三）、（四）) makes 信息报送及时率、准确率 "学校年终考核的
依据之一" within "学生资助绩效考核评价体系" with 巡查、暗访 and 电话回访.  For a school and a year,
each active part gives a value between 0 and 1:

* timeliness, accuracy: report tasks due (or answered) first submitted on time / required, and
  accurate at first review / reviewed (app/kpi/reporting.py);
* inspection: the mean share of the checklist points its inspections gave it
  (app/kpi/inspections.py);
* rectification: rectifications submitted by their deadline / those due (same module);
* funds: 1 when the year's 校内资助资金 extraction is within the stage's band, else 0;
* completeness: filled required cells / required cells (app/kpi/completeness.py).

A part either has a value, or does not concern the school (not applicable, left out: no
report task due, nothing submitted yet awaiting review, no rectification due, a stage
without an extraction band), or is *missing* (缺数据): the school should have data and has
none — never inspected in the year, no fund record where the stage has a band, tasks due
and nothing submitted, no pupil records.  A missing part is never left out (that would
rank a school never inspected first with 100 points): it is scored as the part's setting
says (``EvaluationPart.missing``, edited by the centre): zero, or the county average of
the schools that have a value (when no school has one, the part is left out for the schools
missing it: there is no average to give).

Score = 100 × Σ(weight × value) / Σ(weight) over the parts counted, each value kept within
0..1 (a part never gives more than its weight), minus the deduction: weight points for each
complaint or report closed in the year as 属实 and half as much for 部分属实, at most ``cap``
points; never below 0.  A school with no part counted has no score and is ranked after the
others.  Equal scores share a rank (1, 1, 3).  The scores and ranks are the county's: an
officer sees its own school's row, with its county rank.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from app.models.evaluation import PARTS, EvaluationPart

CENT = Decimal("0.01")
DEDUCTION = "complaints"


def _dec(value):
    return None if value is None else Decimal(value) if not isinstance(value, float) else Decimal(str(value))


ONE = Decimal(1)


def _within(value):
    """A part's value kept within 0..1, so that it never gives more than its weight."""
    return None if value is None else min(ONE, max(Decimal(0), value))


@dataclass
class PartValue:
    code: str
    label: str
    weight: Decimal
    value: Decimal | None  # 0..1 as counted; None: not applicable (or missing with no county figure)
    detail: str = ""
    missing: bool = False  # 缺数据: scored as the part's setting says
    filled_as: str = ""    # "zero" or "average" when missing and scored

    @property
    def counted(self):
        return self.value is not None

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

    @property
    def missing(self):
        """The parts with 缺数据, in order."""
        return [p for p in self.parts.values() if p.missing]


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
    """Every active school's score for the year, ranked; the user sees the rows of its scope.

    The figures are read county-wide (``county_wide``): the county average a missing part
    may take and the rank are the county's, the same on the centre's page and the school's.
    """
    from app.security.scope import county_wide, current_school_scope

    scope = current_school_scope()
    with county_wide():
        scores = _evaluate(session, year, today)
    return scores if scope is None else [s for s in scores if s.school_id == scope]


def _evaluate(session, year, today=None) -> list[SchoolScore]:
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
    # the tasks due by then: the end of the day asked for, or now
    now = None if today == date.today() else datetime.combine(today, time(23, 59, 59))
    reporting = {r.school_id: r for r in reporting_figures(year, now)} if codes & {"timeliness", "accuracy"} else {}
    inspections = inspection_figures(session, year, today) if codes & {"inspection", "rectification"} else {}
    funds = _fund_values(session, year) if "funds" in codes else {}
    filled = {c.school_id: c for c in completeness(list_limit=0)} if "completeness" in codes else {}
    complaints = _complaint_counts(session, year) if deduction else {}

    out = []
    for school in session.scalars(select(School).where(School.active.is_(True)).order_by(School.code)):
        s = SchoolScore(school.id, school.code, school.name, school.stage)
        for part in weighted:
            value, detail, missing = _part_value(part.code, school, reporting, inspections, funds, filled, band_for,
                                                 COMPLIANCE)
            s.parts[part.code] = PartValue(part.code, part.label, Decimal(part.weight), _within(value), detail, missing)
        out.append(s)
    _fill_missing(out, weighted)
    for s in out:
        counted = [p for p in s.parts.values() if p.counted]
        weights = sum((p.weight for p in counted), Decimal(0))
        if deduction is not None:
            s.substantiated, s.partly = complaints.get(s.school_id, (0, 0))
            raw = Decimal(deduction.weight) * (s.substantiated + Decimal("0.5") * s.partly)
            s.deduction = (min(raw, Decimal(deduction.cap)) if deduction.cap is not None else raw).quantize(CENT)
        if counted and weights:
            s.base = (Decimal(100) * sum((p.weight * p.value for p in counted), Decimal(0)) / weights).quantize(
                CENT, ROUND_HALF_UP)
            s.score = max(Decimal(0), s.base - s.deduction).quantize(CENT, ROUND_HALF_UP)
    return rank(out)


def _part_value(code, school, reporting, inspections, funds, filled, band_for, compliance):
    """(value or None, what it counts, missing?) of one part for one school."""
    if code in ("timeliness", "accuracy"):
        r = reporting.get(school.id)
        if r is None or not r.required:
            return None, "", False  # nothing due nor answered: nothing to judge
        if code == "timeliness":
            return _dec(r.timeliness), f"{r.on_time}/{r.required}", False
        if r.reviewed:
            return _dec(r.accuracy), f"{r.accurate_first}/{r.reviewed}", False
        if r.awaiting_review:
            return None, str(_l_awaiting(r.awaiting_review)), False  # neither accurate nor not, yet
        return None, f"0/{r.required}", True  # tasks due, nothing submitted
    if code == "inspection":
        f = inspections.get(school.id)
        if f is not None and f.inspections:
            return f.score, str(f.inspections), False
        return None, "", True  # never inspected (with scores) in the year
    if code == "rectification":
        f = inspections.get(school.id)
        if f is not None and f.rectifications:
            return _dec(f.rectification_rate), f"{f.rectified_on_time}/{f.rectifications}", False
        return None, "", False  # nothing to rectify was due
    if code == "funds":
        if band_for(school.stage) is None:
            return None, "", False  # the stage sets nothing aside
        state = funds.get(school.id)
        if state is None:
            return None, str(_not_recorded()), True
        return (ONE if state == "within" else Decimal(0)), str(compliance.label(state)), False
    if code == "completeness":
        c = filled.get(school.id)
        if c is not None and c.cells:
            return _dec(c.share), f"{c.filled}/{c.cells}", False
        return None, "", True  # no pupil nor award recorded
    return None, "", False


def _fill_missing(scores, weighted):
    """Score each missing part as its setting says: zero, or the county average of the schools
    with a value in it (when none has one there is no average: the part is left out for the
    schools missing it, and the page says so)."""
    for part in weighted:
        setting = part.missing or "zero"
        values = [s.parts[part.code].value for s in scores if s.parts[part.code].counted]
        average = sum(values, Decimal(0)) / len(values) if values else None
        for s in scores:
            v = s.parts[part.code]
            if not v.missing:
                continue
            if setting == "average" and average is None:
                v.filled_as = "none"  # no school has a value: nothing to average
                continue
            v.value, v.filled_as = (Decimal(0) if setting == "zero" else average), setting


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


def _l_awaiting(n):
    from flask_babel import lazy_gettext as _l

    return _l("%(n)d awaiting review", n=n)
