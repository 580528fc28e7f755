"""No 500 anywhere, and no SQL in any answer, whatever the address carries.

Every GET route of the app (discovered from ``app.url_map``, so a route added later is in the
sweep) is asked, as every role, with hostile values: negative and non-numeric ids, unknown sort
columns, huge page numbers and page sizes, filter positions a column does not have, in the HTML
screens and in the REST API alike.  Run on SQLite and on PostgreSQL.

Values no database column can hold (beyond int64) and years no page can be about are refused by
one check that runs before any view and any role (``values_in_range`` in app/errors.py): every route
is asked with them once, logged out, and must refuse them there; each role is asked once, to see its
refusal page drawn.  Asking them again per role would repeat the same refusal (40% of the requests).

A screen asked with its real values, and a screen a role is refused, are asked by
``test_post_routes.test_no_get_changes_a_record`` as every role with the same check (no 500, no SQL
text, ``server_error_or_sql`` in tests/sweep.py): this sweep asks the screens only with hostile values,
and the REST API (with the role's token) with its real values too.  A PDF asked here is built up to its
HTML and not laid out (``without_pdf_layout`` in tests/sweep.py).
"""
from __future__ import annotations

import re

import pytest

from app.security.roles import ADMIN, AID_CENTER, AUDITOR, LEADER, SCHOOL_OFFICER, SUPERVISOR
from tests.conftest import PASSWORD
from tests.sweep import (
    build_url, permission_of, role_may, routes, server_error_or_sql, view_for_endpoint, without_pdf_layout,
)
from tests.test_post_routes import USERS, _print_job_b, _value  # noqa: F401  (school B's print job, a fixture)

HUGE = "99999999999999999999"  # beyond int64
PATH_VALUES = ["-1", "abc"]  # and HUGE, refused before any view (test_values_out_of_range_...)
FIXED = {"version": "v1", "locale": "zh"}  # arguments that name no record


def _list_args(view_names):
    """Flask-AppBuilder's list arguments of a screen and of the lists on its record page."""
    out = {}
    for name in view_names:
        out.update({f"_oc_{name}": "nonexistent", f"_od_{name}": "sideways", f"page_{name}": "99999999999",
                    f"psize_{name}": "99999999999"})
    return out


def _route(app, rule):
    """(view, method, whether it is the REST API, whether the method is the app's own) of a route."""
    view = view_for_endpoint(app, rule.endpoint)
    method = rule.endpoint.split(".", 1)[1]
    return view, method, rule.rule.startswith("/api/"), getattr(getattr(view, method, None), "__module__", "").startswith("app.")


def _queries(app, rule):
    """Hostile query strings, one class of value at a time (a refused one would hide the others), for
    what the route reads: list arguments on lists and record pages, page arguments on the product's
    own pages, the API's ``q`` on its reads.  The API is also asked once with real values (the screens
    are, by test_post_routes.py).  Those the range check refuses before any view are in
    ``_out_of_range_queries``."""
    view, method, api, own = _route(app, rule)
    if api:
        yield {}
    names = [type(view).__name__] + [type(v).__name__ for v in getattr(view, "_related_views", None) or []]
    if not api and (method in ("list", "show") or own):
        yield _list_args(names)
        yield {"psize_" + names[0]: "-5", "page_" + names[0]: "-5", "_oc_" + names[0]: "id desc--", "_flt_0_id": "abc"}
        searched = getattr(view, "search_columns", None) or []
        if searched:  # a filter position its column does not have (FAB's IndexError, app/fab/fixes.py)
            yield {f"_flt_9_{searched[0]}": "1", f"_flt_0_{searched[-1]}": "1"}
    if own or method == "show":
        yield {"school": "abc", "semester": "-1", "month": "13", "on": "2026-02-31", "reveal": "1", "identity": "1"}
    if api and method in ("get_list", "get", "info"):
        yield {"q": "(order_column:id,order_direction:asc,page:99999999999,page_size:99999999999)"}
        yield {"q": "(order_column:id,order_direction:asc,page:-1,page_size:-5,filters:!((col:id,opr:eq,value:-1)))"}
        yield {"q": "(filters:!((col:nonexistent,opr:eq,value:1)),columns:!(nonexistent))"}
        yield {"q": "not rison at all ((("}


def _out_of_range_queries(app, rule):
    """The query strings of ``_queries``' classes that carry a value past int64 or a year out of range."""
    view, method, api, own = _route(app, rule)
    if not api and (method in ("list", "show") or own):
        yield {"_flt_0_id": HUGE, "_flt_1_id": "-1"}
    if own or method == "show":
        yield {"year": "-5"}
        yield {"school_year": "-1--2", "from_year": "-1--2"}
        yield {"semester": HUGE, "program": HUGE, "school": HUGE, "task": HUGE, "student": HUGE}
        yield {"year": HUGE, "page": HUGE, "psize": HUGE}
    if api and method in ("get_list", "get", "info"):
        yield {"q": f"(order_column:nonexistent,order_direction:sideways,page:{HUGE},page_size:{HUGE})"}
        yield {"q": f"(page:{HUGE},page_size:10)"}
        yield {"q": f"(page:0,page_size:{HUGE})"}
        yield {"q": "(order_column:id,order_direction:asc,page:-1,page_size:-5,filters:!((col:id,opr:eq,value:"
                    f"{HUGE})))"}


def _ask(client, where, url, **kwargs):
    """What is wrong with the answer, or None (the test app raises what would be a 500)."""
    try:
        response = client.get(url, **kwargs)
    except Exception as exc:  # noqa: BLE001 - any exception is the server error this test is about
        return f"{where} raises {type(exc).__name__}: {str(exc)[:200]}"
    return server_error_or_sql(response, where)


def _client(app, role):
    client = app.test_client()
    username = USERS.get(role)
    if username:
        assert client.post("/login/", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def _api_headers(app, role):
    from tests.conftest import api_token

    username = USERS.get(role)
    return {"Authorization": "Bearer " + api_token(app, username)} if username else {}


@pytest.mark.parametrize("role", ["Public", AUDITOR, LEADER, SUPERVISOR, SCHOOL_OFFICER, AID_CENTER, ADMIN])
def test_hostile_values_never_make_a_server_error(app, role, monkeypatch):
    without_pdf_layout(monkeypatch)
    client = _client(app, role)
    headers = _api_headers(app, role)
    asked, problems = 0, []
    for rule in sorted(routes(app), key=lambda r: r.rule):
        if "GET" not in rule.methods:
            continue
        api = rule.rule.startswith("/api/")
        extra = headers if api else {}
        url = build_url(app, rule, _value)
        permission = permission_of(app, rule.endpoint)
        if permission and (role == "Public" or not role_may(role, *permission)):
            if api:  # a screen's refusal: test_no_get_changes_a_record
                problems.append(_ask(client, f"{role} GET {url} (refused)", url, headers=extra))
                asked += 1
            continue  # refused before any value is read
        for bad in PATH_VALUES if rule.arguments else []:
            hostile = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: FIXED.get(m.group(1), bad), rule.rule)
            problems.append(_ask(client, f"{role} GET {hostile}", hostile, headers=extra))
            asked += 1
        for query in _queries(app, rule):
            problems.append(_ask(client, f"{role} GET {url} {query}", url, query_string=query, headers=extra))
            asked += 1
    # the range check's refusal, drawn for this role (every route's refusal: the test below)
    response = client.get("/", query_string={"year": HUGE})
    assert response.status_code == 400 and "year" in response.get_data(as_text=True), response.status_code
    problems.append(server_error_or_sql(response, f"{role} GET / year={HUGE}"))
    problems = [p for p in problems if p]
    assert not problems, f"{len(problems)} answers out of {asked}:\n" + "\n".join(problems[:40])
    # logged out and as the auditor most screens are refused (asked by test_post_routes.py): fewer asked here
    assert asked > (100 if role in ("Public", AUDITOR) else 300)


def test_values_out_of_range_are_refused_before_any_view(app):
    """Every GET route, logged out, with each value no database column can hold or year out of range: the
    range check refuses it before the route's view and its login or role check run (404 for a path's
    id, 400 naming the argument for a query's; 405 where the check before it refuses any GET of a delete
    or record action), so no role reaches a view with it."""
    client = app.test_client()
    asked, problems = 0, []
    for rule in sorted(routes(app), key=lambda r: r.rule):
        if "GET" not in rule.methods:
            continue
        url = build_url(app, rule, _value)
        if rule.arguments:
            hostile = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: FIXED.get(m.group(1), HUGE), rule.rule)
            if hostile != url:
                response = client.get(hostile)
                asked += 1
                if response.status_code not in (404, 405):
                    problems.append(f"GET {hostile} → {response.status_code}, not refused")
                problems.append(server_error_or_sql(response, f"GET {hostile}"))
        for query in _out_of_range_queries(app, rule):
            response = client.get(url, query_string=query)
            asked += 1
            if response.status_code not in (400, 405):
                problems.append(f"GET {url} {query} → {response.status_code}, not refused")
            problems.append(server_error_or_sql(response, f"GET {url} {query}"))
    problems = [p for p in problems if p]
    assert not problems, f"{len(problems)} answers out of {asked}:\n" + "\n".join(problems[:40])
    assert asked > 300


def test_numbers_past_the_database_in_a_body_are_refused_with_nothing_stored(app, api, center):
    from tests.sweep import row_counts
    from tests.conftest import WORLD

    before = row_counts(app)
    jwt = api("t_center")
    # the REST API: a 422 naming the field (its own error wrapper would have made it a bare 500)
    r = jwt.post("/api/v1/identification/", json={"student": int(HUGE), "school_year": "2026-2027", "level": "general"})
    assert r.status_code == 422 and "student" in r.get_json()["message"]
    r = jwt.get("/api/v1/student/", query_string={"q": f"(page:{HUGE},page_size:10)"})
    assert r.status_code == 400 and "q" in r.get_json()["message"]
    # a screen's form: the database's overflow is rolled back and answered 400, without its message
    r = center.post("/paymentbatchview/build/", data={"semester": HUGE, "program": str(WORLD.program_senior)})
    assert r.status_code == 400 and "取值超出范围" in r.get_data(as_text=True)
    assert server_error_or_sql(r, "build") is None
    assert row_counts(app) == before


def test_an_id_past_what_an_integer_column_holds_is_not_found(app, api, as_role):
    """Ids are 32-bit on PostgreSQL: 2**31 sent to the database is refused there ("integer out of range", a
    500 seen on PUT /api/v1/identification_application/2147483648); it is simply not found."""
    from tests.conftest import api_token
    from app.views.base import AidModelApi

    big = 2 ** 31
    token = api_token(app, "t_center")
    client = app.test_client()
    resources = [v.resource_name for v in app.appbuilder.baseviews if isinstance(v, AidModelApi)]
    assert len(resources) >= 5
    for name in resources:
        for method in ("GET", "PUT", "DELETE"):
            r = client.open(f"/api/v1/{name}/{big}", method=method, json={},
                            headers={"Authorization": f"Bearer {token}", "If-Match": '"x"'})
            assert r.status_code in (403, 404, 405), (method, name, r.status_code)  # 403: no such permission
    centre = as_role("t_center")
    for url in (f"/studentview/show/{big}", f"/awardview/add?student={big}", f"/identificationapplicationview/show/{big}"):
        assert centre.get(url).status_code < 500, url
