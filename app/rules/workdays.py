"""Working days and the 公示期's length, from what the centre keeps (app/models/calendar.py).

A day is a working day when it is a Monday to Friday that no public holiday covers, or a
Saturday or Sunday the State Council's notice of the year makes a working day (调休上班).
The notice stays up at least the working days the county set for the school year
(``NoticeRule``, from that year on until a later one replaces it; NOTICE_WORKING_DAYS of the
configuration where none is recorded): 5 as the 2018 national guidance on identification
(教财〔2018〕16号) is commonly applied.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.rules import RuleError

LONGEST_ENTRY = 31  # days: a holiday run or a run of adjusted working days never lasts longer


class Calendar:
    """The working days around a period, read once: ``Calendar.around(start)``."""

    def __init__(self, holidays=(), workdays=()):
        self.holidays = set(holidays)
        self.workdays = set(workdays)

    @classmethod
    def around(cls, start: date, end: date | None = None, session=None):
        """The calendar of the entries that touch ``start`` to ``end`` and the months after ``start``."""
        from app.models import WorkCalendarEntry

        session = session or db.session
        end = max(end or start, start + timedelta(days=200))
        entries = session.scalars(select(WorkCalendarEntry).where(
            WorkCalendarEntry.starts_on <= end, WorkCalendarEntry.ends_on >= start)).all()
        holidays, workdays = [], []
        for entry in entries:
            days = [entry.starts_on + timedelta(days=n) for n in range((entry.ends_on - entry.starts_on).days + 1)]
            (holidays if entry.kind == "holiday" else workdays).extend(days)
        return cls(holidays, workdays)

    def is_working(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add(self, start: date, days: int) -> date:
        """The day ``days`` working days after ``start`` (the day of posting not counted)."""
        day = start
        while days > 0:
            day += timedelta(days=1)
            if self.is_working(day):
                days -= 1
        return day

    def between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``."""
        return sum(1 for n in range(1, (end - start).days + 1) if self.is_working(start + timedelta(days=n)))


def notice_days(school_year: str, session=None) -> tuple[int, str | None]:
    """(working days, the document it follows) of the 公示期 for a school year."""
    from app.models import NoticeRule

    session = session or db.session
    rule = session.scalars(select(NoticeRule).where(NoticeRule.since_year <= school_year)
                           .order_by(NoticeRule.since_year.desc()).limit(1)).first()
    if rule is None:
        return int(current_app.config.get("NOTICE_WORKING_DAYS", 5)), None
    return int(rule.working_days), rule.basis


def _school_year_error(value):
    from app.rules.identification import SCHOOL_YEAR

    match = SCHOOL_YEAR.match(value or "")
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        return _l("Write the school year as 2021-2022.")
    return None


def check_notice_rule(rule, session=None):
    """A school year, a number of working days a notice may reasonably last, and the document."""
    errors = {}
    if (message := _school_year_error(rule.since_year)) is not None:
        errors["since_year"] = message
    if rule.working_days is None or not 1 <= int(rule.working_days) <= 30:
        errors["working_days"] = _l("Enter 1 to 30 working days (commonly 5).")
    if not (rule.basis or "").strip():
        errors["basis"] = _l("Name the document that sets the notice period.")
    if errors:
        raise RuleError(errors)


def check_calendar_entry(entry, session=None):
    """A named run of days in order, of the year it is entered under (a 元旦 holiday may start on the last
    days of the year before), no longer than a month; an adjusted working day is a Saturday or a Sunday;
    a day is not both a holiday and a working day."""
    from app.models import WorkCalendarEntry

    errors = {}
    if not (entry.name or "").strip():
        errors["name"] = _l("Name the holiday, e.g. 国庆节.")
    start, end = entry.starts_on, entry.ends_on
    if start is None or end is None:
        errors["ends_on" if start else "starts_on"] = _l("Enter the first and the last day.")
    elif end < start:
        errors["ends_on"] = _l("The last day is before the first.")
    elif (end - start).days >= LONGEST_ENTRY:
        errors["ends_on"] = _l("A holiday or a run of adjusted working days lasts a month at most.")
    else:
        if entry.year is None or int(entry.year) not in (start.year, end.year, end.year + 1):
            errors["year"] = _l("The days belong to the year of the notice that sets them.")
        days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        if entry.kind == "workday" and any(d.weekday() < 5 for d in days):
            errors["starts_on"] = _l("An adjusted working day is a Saturday or a Sunday.")
        other = "workday" if entry.kind == "holiday" else "holiday"
        session = session if hasattr(session, "scalars") else db.session
        query = select(WorkCalendarEntry).where(WorkCalendarEntry.kind == other, WorkCalendarEntry.starts_on <= end,
                                                WorkCalendarEntry.ends_on >= start)
        if getattr(entry, "id", None) is not None:
            query = query.where(WorkCalendarEntry.id != entry.id)
        clash = session.scalars(query).first()
        if clash is not None:
            errors["starts_on"] = _l("These days overlap %(other)s (%(start)s to %(end)s): a day is either a holiday "
                                     "or a working day.", other=clash.name, start=clash.starts_on.isoformat(),
                                     end=clash.ends_on.isoformat())
    if entry.kind not in ("holiday", "workday"):
        errors["kind"] = _l("Choose a public holiday or an adjusted working day.")
    if errors:
        raise RuleError(errors)
