"""The county's clock: one time zone for the whole process.

A county's aid centre and its schools live in one time zone (``TIMEZONE``, Asia/Shanghai by
default), and every rule that reads a time (a report due at 17:00, a complaint due within 15
days, an award approved today) is about that wall clock. So the process runs in that zone
(``install`` sets ``TZ``), ``date.today()`` is the county's date, and every business record
stores the county's wall-clock time, as a naive ``datetime`` from ``now()``.

Two records keep UTC, as security logs do: the audit trail (``audit_entry.at``) and the login
lock. Screens show them in the county's time through ``local()``.
"""
from __future__ import annotations

import os
import time
from datetime import date, datetime, timezone

DEFAULT_ZONE = "Asia/Shanghai"


def install(app):
    """Run this process on the county's clock (config ``BABEL_DEFAULT_TIMEZONE``, from ``TIMEZONE``)."""
    zone = app.config.get("BABEL_DEFAULT_TIMEZONE") or DEFAULT_ZONE
    if os.environ.get("TZ") != zone:
        os.environ["TZ"] = zone
        time.tzset()


def now() -> datetime:
    """The county's wall-clock time, naive: what business records store."""
    return datetime.now()


def today() -> date:
    return date.today()


def utcnow() -> datetime:
    """UTC, naive: the audit trail and the login lock."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def local(value: datetime | None) -> datetime | None:
    """A naive UTC time (audit trail, login lock) in the county's wall-clock time."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc).astimezone().replace(tzinfo=None)


def utc_offset(at: datetime | None = None):
    """How far the county's clock is ahead of UTC (at a given local time), as a timedelta."""
    return (at or now()).astimezone().utcoffset()
