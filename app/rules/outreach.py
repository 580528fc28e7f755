"""What a valid home visit, publicity activity, staff record, training attendance and
recognition are (checked on every save, whichever screen, API or import writes them)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from app.rules import RuleError


def _future(day, today=None):
    return day is not None and day > (today or date.today())


def check_visit(visit, today=None):
    errors = {}
    if _future(visit.visited_on, today):
        errors["visited_on"] = _l("A visit cannot be recorded before it took place.")
    if not (visit.visitors or "").strip():
        errors["visitors"] = _l("Name who went on the visit.")
    if not (visit.findings or "").strip():
        errors["findings"] = _l("Describe what was found.")
    if (visit.open_problems or "").strip():
        if visit.resolved:
            errors["resolved"] = _l("Problems are still open: the visit cannot be marked resolved.")
        if not (visit.follow_up or "").strip():
            errors["follow_up"] = _l("Say how the open problems will be followed up.")
    if errors:
        raise RuleError(errors)


def check_activity(activity, today=None):
    errors = {}
    if _future(activity.held_on, today):
        errors["held_on"] = _l("An activity is recorded once it has taken place.")
    if activity.audience is not None and activity.audience < 0:
        errors["audience"] = _l("The audience cannot be negative.")
    if errors:
        raise RuleError(errors)


def check_staff(staff):
    if staff.until is not None and staff.since is not None and staff.until < staff.since:
        raise RuleError({"until": _l("The day the post was left cannot be before the day it was taken.")})


def check_training(session_):
    if session_.hours is not None and not (Decimal("0") < Decimal(session_.hours) <= Decimal("80")):
        raise RuleError({"hours": _l("Training hours are between 0.5 and 80.")})


def in_post_on(staff, day) -> bool:
    return staff.since <= day and (staff.until is None or staff.until >= day)


def check_attendance(attendance, session):
    from app.models.outreach import AidStaff, TrainingSession

    staff = attendance.staff or (session.get(AidStaff, attendance.staff_id) if attendance.staff_id else None)
    training = attendance.session or (
        session.get(TrainingSession, attendance.session_id) if attendance.session_id else None)
    if staff is None or training is None:
        return
    if not in_post_on(staff, training.held_on):
        raise RuleError({"staff": _l("%(name)s was not in post on %(day)s.", name=staff.name,
                                     day=training.held_on.isoformat())})


def check_recognition(recognition, today=None):
    year = (today or date.today()).year
    if recognition.year is not None and not (2000 <= recognition.year <= year):
        raise RuleError({"year": _l("The year must be between 2000 and this year.")})
