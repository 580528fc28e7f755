"""校内资助资金: the share of operating income a school must set aside, and whether it did.

普通高中 and 幼儿园 extract 3%–5% of their 事业收入; 中职 a configured ratio
(SCHOOL_FUND_BANDS in config.py).  What the school spent on pupils is the sum of
its non-voided awards of school's-own programmes (kind "school") in that year.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import current_app
from sqlalchemy import extract, func, select

from app.extensions import db
from app.kpi import rate

DEFAULT_BANDS = {
    "senior": ("0.03", "0.05"),
    "complete": ("0.03", "0.05"),
    "kindergarten": ("0.03", "0.05"),
    "vocational": ("0.05", "1"),
}


def band_for(stage):
    """(low, high) as Decimals, or None when the stage has no extraction rule."""
    bands = current_app.config.get("SCHOOL_FUND_BANDS") or DEFAULT_BANDS
    band = bands.get(stage)
    return None if band is None else (Decimal(band[0]), Decimal(band[1]))


def compliance(stage, income, extracted) -> str:
    band = band_for(stage)
    if band is None or not income:
        return "unset"
    ratio = Decimal(extracted) / Decimal(income)
    if ratio < band[0]:
        return "below"
    if ratio > band[1]:
        return "above"
    return "within"


def spent_by_school(year) -> dict:
    """{school_id: amount} of school's-own programme awards (not voided) in semesters starting that year."""
    from app.models import AidProgram, Award, Semester

    rows = db.session.execute(
        select(Award.school_id, func.sum(Award.amount))
        .join(AidProgram, AidProgram.id == Award.program_id)
        .join(Semester, Semester.id == Award.semester_id)
        .where(AidProgram.kind == "school", Award.status != "void", extract("year", Semester.starts_on) == year)
        .group_by(Award.school_id)
    ).all()
    return {sid: Decimal(total or 0).quantize(Decimal("0.01")) for sid, total in rows}


def spent(school_id, year) -> Decimal:
    """What the school spent of its fund that year (one grouped query per year and request)."""
    from flask import g, has_request_context

    if has_request_context():
        cache = g.setdefault("_aid_fund_spent", {})
        if year not in cache:
            cache[year] = spent_by_school(year)
        by_school = cache[year]
    else:
        by_school = spent_by_school(year)
    return by_school.get(school_id, Decimal("0.00"))


@dataclass
class FundFigures:
    ratio: Decimal | None
    band: tuple | None
    spent: Decimal
    balance: Decimal
    overspent: bool


def figures(fund) -> FundFigures:
    ratio = rate(Decimal(fund.extracted), Decimal(fund.operating_income))
    used = spent(fund.school_id, fund.year)
    balance = (Decimal(fund.extracted) - used).quantize(Decimal("0.01"))
    return FundFigures(ratio=ratio, band=band_for(fund.school.stage), spent=used, balance=balance, overspent=balance < 0)


def compliance_statements(year) -> dict:
    """``compliance_share`` as one-value statements (``at_once``): schools that must extract, and those within the band."""
    from app.models import School, SchoolFund

    bands = current_app.config.get("SCHOOL_FUND_BANDS") or DEFAULT_BANDS
    return {
        "funds_required": select(func.count(School.id)).where(School.active.is_(True), School.stage.in_(list(bands))),
        "funds_within": select(func.count(SchoolFund.id)).join(School, School.id == SchoolFund.school_id)
        .where(SchoolFund.year == year, SchoolFund.compliance == "within", School.active.is_(True),
               School.stage.in_(list(bands))),
    }


def compliance_share(year, values=None):
    """(schools whose extraction for the year is within the band, schools that must extract); ``values``: those of
    ``compliance_statements`` already read."""
    from app.kpi import at_once

    values = values if values is not None else at_once(db.session, compliance_statements(year))
    return int(values["funds_within"] or 0), int(values["funds_required"] or 0)
