"""Semesters: dates in order, one current at a time."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.rules import RuleError
from app.rules.identification import SCHOOL_YEAR


def check_semester(semester, session):
    errors = {}
    match = SCHOOL_YEAR.match(semester.school_year or "")
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        errors["school_year"] = _l("Write the school year as 2021-2022.")
    if semester.starts_on and semester.ends_on and semester.ends_on <= semester.starts_on:
        errors["ends_on"] = _l("The semester must end after it starts.")
    if errors:
        raise RuleError(errors)
    if semester.is_current and hasattr(session, "scalars"):
        from app.models import Semester

        for other in session.scalars(select(Semester).where(Semester.is_current.is_(True))):
            if other is not semester and other.id != getattr(semester, "id", None):
                other.is_current = False


def current_semester(session):
    from app.models import Semester

    return session.scalar(select(Semester).where(Semester.is_current.is_(True)))
