"""The browser tests do not run a story across the county's midnight (tests/e2e/conftest.py).

A run that crossed 16:00 UTC (midnight in Asia/Shanghai) failed five tests: their date was read before
midnight, the server dated its records after it. Each module now reads the date when it needs it and does
not start in the last minutes of the county's day.
"""
import os
from datetime import datetime, timedelta

from tests.e2e.conftest import MIDNIGHT_GUARD, wait_past_the_countys_midnight


def _slept_at(now):
    slept = []
    waited = wait_past_the_countys_midnight(now, sleep=slept.append, guard=timedelta(minutes=6))
    assert slept == ([waited] if waited else [])
    return waited


def test_a_module_starting_just_before_the_countys_midnight_waits_for_the_new_day():
    assert MIDNIGHT_GUARD == timedelta(minutes=6) or os.environ.get("E2E_MIDNIGHT_GUARD_MINUTES")  # the default
    assert _slept_at(datetime(2026, 12, 6, 23, 57, 0)) == 180 + 2
    assert _slept_at(datetime(2026, 12, 31, 23, 59, 59)) == 1 + 2  # the year's last day too


def test_a_module_starting_at_any_other_time_does_not_wait():
    assert _slept_at(datetime(2026, 12, 6, 23, 50, 0)) == 0
    assert _slept_at(datetime(2026, 12, 7, 0, 0, 1)) == 0
    assert _slept_at(datetime(2026, 12, 7, 12, 0, 0)) == 0
