"""A record's page reads its record once (Flask-AppBuilder's show, the access log of personal data
and each view's show-page hooks all ask for it; app/views/base/interface.py AidInterface.get keeps it for
the request), and logging the look at personal data does not reload it and its relations."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from app.extensions import db
from tests.sweep import routes
from tests.test_i18n import _first_record


def _show_pages(app):
    for rule in routes(app):
        if rule.endpoint.endswith(".show") and rule.arguments == {"pk"} and not rule.rule.startswith("/api/"):
            yield rule


def _reads_of(statements, table):
    """SELECTs whose first table is ``table`` and that pick one row by its id."""
    main = re.compile(rf"^\s*SELECT .*?\bFROM {table}\b", re.S)
    by_id = re.compile(rf"WHERE .*\b{table}\.id = ", re.S)
    return [s for s in statements if main.match(s) and by_id.search(s)]


@pytest.mark.parametrize("username", ["t_center", "t_officer_a"])
def test_every_record_page_reads_its_record_once(app, as_role, username):
    from tests.sweep import model_of

    client = as_role(username)
    with app.app_context():
        engine = db.engine
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    pages = 0
    problems = {}
    event.listen(engine, "before_cursor_execute", seen)
    try:
        for rule in _show_pages(app):
            model = model_of(app, rule.endpoint)
            pk = _first_record(app, rule.endpoint)
            if model is None or pk is None:
                continue
            url = rule.rule.replace("<pk>", str(pk)).replace("<int:pk>", str(pk))
            statements.clear()
            if client.get(url).status_code != 200:
                continue
            pages += 1
            reads = _reads_of(statements, model.__tablename__)
            if len(reads) != 1:
                problems[url] = len(reads)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert pages >= 10, pages
    assert not problems, problems
