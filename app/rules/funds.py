"""School aid funds and social aid: what a valid record is."""
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from app.kpi.funds import compliance
from app.rules import RuleError


def check_fund(fund, session, today=None):
    from app.models import School

    errors = {}
    today = today or date.today()
    if fund.year is None or not (2000 <= int(fund.year) <= today.year + 1):
        errors["year"] = _l("The year must be between 2000 and %(y)d.", y=today.year + 1)
    if fund.operating_income is None or Decimal(fund.operating_income) < 0:
        errors["operating_income"] = _l("The income cannot be negative.")
    if fund.extracted is None or Decimal(fund.extracted) < 0:
        errors["extracted"] = _l("The amount cannot be negative.")
    if errors:
        raise RuleError(errors)
    school = getattr(fund, "school", None) or session.get(School, fund.school_id)
    fund.compliance = compliance(school.stage, fund.operating_income, fund.extracted) if school else "unset"


def check_pairing(pairing):
    errors = {}
    if pairing.amount is None or Decimal(pairing.amount) <= 0:
        errors["amount"] = _l("The amount must be more than zero.")
    if pairing.starts_on and pairing.ends_on and pairing.ends_on < pairing.starts_on:
        errors["ends_on"] = _l("The end cannot come before the start.")
    if errors:
        raise RuleError(errors)


def check_project(project):
    errors = {}
    if project.budget is None or Decimal(project.budget) < 0:
        errors["budget"] = _l("The budget cannot be negative.")
    if project.starts_on and project.ends_on and project.ends_on < project.starts_on:
        errors["ends_on"] = _l("The end cannot come before the start.")
    if errors:
        raise RuleError(errors)
