"""A long list of the whole county shows its size as PostgreSQL estimates it (约 N 条) instead of counting a
million rows on every page; a school's list, a searched list and the API keep the exact count."""
from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.fab import speedups
from tests.conftest import PG_SCHEMA, visible_text


def _count_shown(response):
    found = re.search(r"(约\s*[\d,]+\s*条|共\s*(\d+)\s*条)", visible_text(response))
    assert found, "no record count on the page"
    return found.group(2) or found.group(1)


def test_an_estimate_is_a_number_said_to_be_one():
    n = speedups.Estimate(1234567)
    assert str(n) == "约 1,234,567 条"
    assert n + 1 == 1234568 and n // 25 == 49382  # the pager's arithmetic is a number's


@pytest.mark.skipif(not PG_SCHEMA, reason="PostgreSQL's estimate: SQLite counts every list exactly")
def test_the_centres_long_list_shows_an_estimate_the_officers_an_exact_count(app, center, officer_a, api, monkeypatch):
    from app.models import Student

    monkeypatch.setattr(speedups, "ESTIMATE_ABOVE", 1)  # the test county is small: every list counts as long
    with app.app_context():
        total = db.session.query(Student).count()
        db.session.execute(db.text("ANALYZE student"))
        db.session.commit()
    shown = _count_shown(center.get("/studentview/list/"))
    assert shown.startswith("约") and shown.endswith("条"), shown
    # an "equal to" filter (the menu's 在校) is estimated too; a text search is counted
    assert _count_shown(center.get("/studentview/list/?_flt_0_status=in_school")).startswith("约")
    assert _count_shown(center.get("/studentview/list/?_flt_2_name=甲校")) == "1"
    # a school's officer: its own pupils, counted
    with app.app_context():
        from tests.conftest import WORLD

        own = db.session.query(Student).filter(Student.school_id == WORLD.school_a).count()
    assert _count_shown(officer_a.get("/studentview/list/")) == str(own)
    # the API's count is a number a program relies on: exact
    assert api("t_center").get("/api/v1/student/").get_json()["count"] == total


def test_sqlite_counts_exactly(app, center):
    from app.models import Student

    if PG_SCHEMA:
        pytest.skip("SQLite only")
    with app.app_context():
        total = db.session.query(Student).count()
    assert _count_shown(center.get("/studentview/list/")) == str(total)
