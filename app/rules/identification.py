"""Family economic difficulty identification: the priority flag and what a valid record needs."""
import re
from datetime import date

from flask_babel import lazy_gettext as _l

from app.models.choices import DIFFICULTY_LEVELS, EVIDENCE_SOURCES
from app.models.identification import CATEGORIES, PRIORITY_CATEGORIES
from app.rules import RuleError

SCHOOL_YEAR = re.compile(r"^(\d{4})-(\d{4})$")


def is_priority(identification) -> bool:
    """困中之困: registered poor, minimum allowance, extreme-poverty support or disability."""
    return any(bool(getattr(identification, name)) for name in PRIORITY_CATEGORIES)


def school_year_of(day: date) -> str:
    """The school year a day falls in: it starts on 1 September."""
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}-{start + 1}"


def check_identification(identification, today=None):
    errors = {}
    today = today or date.today()
    match = SCHOOL_YEAR.match(identification.school_year or "")
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        errors["school_year"] = _l("Write the school year as 2021-2022.")
    if identification.level not in DIFFICULTY_LEVELS:
        errors["level"] = _l("Not a valid choice")
    if identification.evidence_source not in EVIDENCE_SOURCES:
        errors["evidence_source"] = _l("Not a valid choice")
    if not any(getattr(identification, name) for name, _, _ in CATEGORIES):
        errors["cat_other"] = _l("Tick at least one category (use Other when none applies).")
    if identification.identified_on and identification.identified_on > today:
        errors["identified_on"] = _l("The identification date cannot be in the future.")
    if errors:
        raise RuleError(errors)
    identification.is_priority = is_priority(identification)
