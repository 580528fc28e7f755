"""Route discovery shared by the sweeps (isolation, write routes, hostile values).

Every URL rule the app has, now or later, is found here from ``app.url_map``: a route
added tomorrow is in every sweep without anyone listing it.
"""
from __future__ import annotations

import re

import pytest

SKIP_ENDPOINTS = {"static", "appbuilder.static", "AuthDBView.logout"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def view_for_endpoint(app, endpoint):
    """The view instance (screen or REST API) that answers an endpoint, or None."""
    name = endpoint.split(".")[0]
    for view in app.appbuilder.baseviews:
        if view.__class__.__name__ == name:
            return view
    return None


def model_of(app, endpoint):
    view = view_for_endpoint(app, endpoint)
    return getattr(getattr(view, "datamodel", None), "obj", None)


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP_ENDPOINTS or rule.endpoint.endswith(".static"):
            continue
        yield rule


def build_url(app, rule, value_for):
    """The rule's URL with ``value_for(argument, model of the view)`` in each of its arguments."""
    with app.test_request_context():
        from flask import url_for

        try:
            model = model_of(app, rule.endpoint)
            return url_for(rule.endpoint, **{arg: value_for(arg, model) for arg in rule.arguments})
        except Exception as exc:  # pragma: no cover - a rule we cannot build is a test failure
            pytest.fail(f"cannot build {rule.endpoint}: {exc}")


def permission_of(app, endpoint, action=None):
    """``(permission, view name)`` an endpoint checks before it runs, or None when it checks none.

    Read from the view as Flask-AppBuilder's ``has_access``/``protect`` read it: the method's
    permission name, renamed by ``method_permission_name``; an action's own permission for
    ``action``/``action_post``.
    """
    view = view_for_endpoint(app, endpoint)
    if view is None:
        return None
    method = endpoint.split(".", 1)[1]
    if method in ("action", "action_post"):
        if action is None or action not in getattr(view, "actions", {}):
            return None
        return view.get_action_permission_name(action), view.class_permission_name
    func = getattr(view, method, None)
    name = getattr(func, "_permission_name", None)
    if name is None:
        return None
    name = (view.method_permission_name or {}).get(func.__name__) or name
    return ("can_" + name if not name.startswith("can_") else name), view.class_permission_name


def role_may(role, permission, view_name):
    """Whether a role (app/security/roles.py) holds a permission on a view, matched as Flask-AppBuilder matches it."""
    import re

    from app.security.roles import FAB_ROLES

    return any(re.match(v, view_name) and re.match(p, permission) for v, p in FAB_ROLES.get(role, []))


# --- what is stored --------------------------------------------------------------------------------

def business_tables():
    """Every table of the product's records: all but the security tables and the logs of reads
    (the audit trail, the complainant and bank-list read records, the print queue: app/security/audit.py SKIPPED)."""
    from app.security import audit
    from app.extensions import db

    return [t for t in db.metadata.sorted_tables
            if t.name not in audit.SKIPPED and not t.name.startswith("ab_") and t.name != "alembic_version"]


def row_counts(app):
    """{table: number of rows} of every business table, in one statement."""
    from sqlalchemy import func, select

    from app.extensions import db

    with app.app_context():
        tables = business_tables()
        counts = db.session.execute(select(*[
            select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables
        ])).one()
        db.session.remove()
        return dict(zip([t.name for t in tables], counts))


def business_state(app):
    """{table: digest of every row, every column}: equal before and after means nothing was stored."""
    import hashlib

    from sqlalchemy import select

    from app.extensions import db

    out = {}
    with app.app_context():
        for table in business_tables():
            digest = hashlib.sha256()
            rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
            for row in rows:
                digest.update(repr(tuple(row)).encode())
            out[table.name] = (len(rows), digest.hexdigest())
        db.session.remove()
    return out


def changed_tables(before, after):
    return sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))


SQL_TEXT = re.compile(r"\bSELECT\b|\bINSERT INTO\b|\bUPDATE \w+ SET\b|sqlite3\.|psycopg|sqlalchemy|Traceback")
# what any match of SQL_TEXT contains: a page without one of these is not searched (the regex costs ~2 ms a page)
SQL_WORDS = ("SELECT", "INSERT INTO", "UPDATE", "sqlite3.", "psycopg", "sqlalchemy", "Traceback")


def server_error_or_sql(response, where):
    """What is wrong with an answer: a server error, or SQL or a traceback in its text; None when nothing is."""
    if response.status_code >= 500:
        return f"{where} → {response.status_code}"
    if response.mimetype in ("text/html", "application/json", "text/plain"):
        body = response.get_data(as_text=True)
        found = SQL_TEXT.search(body) if any(word in body for word in SQL_WORDS) else None
        if found:
            return f"{where} shows SQL text: …{body[max(0, found.start() - 100):found.end() + 100]}…"
    return None


def without_pdf_layout(monkeypatch):
    """For a sweep that reads what every route answers but not what a PDF looks like (its status, headers,
    links or the records it changes): a document is built up to its HTML (the values read, the records
    queried, the template drawn) and not laid out by WeasyPrint, which took a fifth of such a sweep. The
    layout of every document is checked by the crawl of test_nothing_raw.py and by test_print_layout.py."""
    from app.reports import render

    monkeypatch.setattr(render, "html_to_pdf", lambda html, font_dir: b"%PDF-1.7\n" + html[:64].encode())
