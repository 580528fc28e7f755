"""Work Flask-AppBuilder repeats on every request, done once.

* Its REST API validates the query argument with ``jsonschema.validate``,
  which first checks the *schema itself* against the JSON-Schema meta-schema:
  about two thirds of a list call's time.  The schemas are constants, so a
  compiled validator per schema gives the same answers without that cost.
* Every ``Filters`` object it creates (five per list page) works out the
  filter choices of every column of the model again.  They depend only on the
  model and the column, and the filter objects are never changed after they
  are made, so they are worked out once per data model and column list.
* Flask-Babel looks up the request's locale and catalogue again for each of the
  few thousand strings a page translates; the catalogue is kept on the request
  context per locale (a forced locale is another key, so ``force_locale`` works).
* Every page builds the address of each of the menu's ~80 entries with ``url_for``;
  they are kept per entry and script root.
* The API's OpenAPI description (``/api/v1/_openapi``, what a client or the API test
  reads) is built anew on each request, parsing the YAML of every API method's
  docstring twice: some 900 parses, most of a second. The docstrings are constants, so
  each text is parsed once and a fresh copy handed out (the spec builder changes what
  it is given).
"""
from __future__ import annotations

import copy
import types

import jsonschema
from jsonschema.exceptions import best_match

_validators: dict[int, tuple[dict, object]] = {}


def _validate(instance, schema, cls=None, *args, **kwargs):
    entry = _validators.get(id(schema))
    if entry is None or entry[0] is not schema:
        validator_cls = cls or jsonschema.validators.validator_for(schema)
        validator_cls.check_schema(schema)
        entry = (schema, validator_cls(schema, *args, **kwargs))
        _validators[id(schema)] = entry
    error = best_match(entry[1].iter_errors(instance))
    if error is not None:
        raise error


_filter_sets: dict[tuple, tuple[object, dict]] = {}


def _cached_get_filters(original):
    def _get_filters(self, cols):
        key = (self.filter_converter, id(self.datamodel), tuple(cols))
        entry = _filter_sets.get(key)
        if entry is None or entry[0] is not self.datamodel:
            entry = (self.datamodel, original(self, cols))
            _filter_sets[key] = entry
        # fresh dict and lists: callers may add to them
        return {col: list(filters) for col, filters in entry[1].items()}

    return _get_filters


def _babel_context(original):
    """flask_babel's per-request state (kept on ``g``), reached through Flask's context variable instead of
    three look-ups through the ``g`` proxy: every translated text asks for it twice (its domain, then the
    domain's translations), a page a hundred times and more. The same object, made the same way."""
    from types import SimpleNamespace

    from flask.globals import _cv_app

    def _get_current_context():
        app_ctx = _cv_app.get(None)
        if app_ctx is None:
            return None
        found = app_ctx.g.__dict__.get("_flask_babel")
        if found is None:
            found = app_ctx.g._flask_babel = SimpleNamespace()
        return found

    return _get_current_context


def _cached_translations(original):
    import flask_babel

    def get_translations(self):
        ctx = flask_babel._get_current_context()
        locale = getattr(ctx, "babel_locale", None) if ctx is not None else None
        if locale is None:
            return original(self)  # the first lookup works the locale out and keeps it on ctx
        # {domain: (the locale, its translations)}, the locale by identity: flask_babel's refresh() drops
        # the request's locale and the next lookup makes a new one (str(locale) each time cost more than
        # the rest of the lookup: a page translates a hundred texts and more)
        cache = ctx.__dict__.setdefault("_aid_translations", {})
        found = cache.get(id(self))
        if found is None or found[0] is not locale:
            found = cache[id(self)] = (locale, original(self))
        return found[1]

    return get_translations


def _cached_menu_url(original):
    """A menu entry's address: ``url_for`` of its view, the same for every user and request under one script
    root (whether the user sees the entry is asked apart, per request: ``is_menu_visible``)."""
    from flask import request

    def get_url(self):
        urls = self.__dict__.setdefault("_aid_urls", {})
        root = request.script_root
        if root not in urls:
            urls[root] = original(self)
        return urls[root]

    return get_url


def _parsed_once(parse):
    """``parse`` (a pure function of one text) remembered per text; each caller gets its own copy."""
    parsed: dict[str, object] = {}

    def cached(text):
        if not isinstance(text, str):
            return parse(text)
        if text not in parsed:
            parsed[text] = parse(text)
        return copy.deepcopy(parsed[text])

    return cached


def install():
    import flask_appbuilder.api as fab_api
    from flask_appbuilder.menu import MenuItem
    from flask_appbuilder.models.filters import Filters
    import flask_babel
    from flask_babel import Domain

    from app.fab.patching import patch

    patch(MenuItem, "get_url", _cached_menu_url)
    patch(flask_babel, "_get_current_context", _babel_context)
    patch(Domain, "get_translations", _cached_translations)
    patch(Filters, "_get_filters", _cached_get_filters)

    if not isinstance(fab_api.yaml, types.SimpleNamespace):
        # BaseApi.operation_helper reads each method's docstring with these two
        fab_api.yaml_utils = types.SimpleNamespace(
            load_operations_from_docstring=_parsed_once(fab_api.yaml_utils.load_operations_from_docstring))
        fab_api.yaml = types.SimpleNamespace(safe_load=_parsed_once(fab_api.yaml.safe_load))

    if isinstance(fab_api.jsonschema, types.SimpleNamespace):
        return
    fab_api.jsonschema = types.SimpleNamespace(
        validate=_validate, ValidationError=jsonschema.ValidationError
    )


# --------------------------------------------------------------------------------------
# the row count of a long list: an estimate, said to be one
# --------------------------------------------------------------------------------------

ESTIMATE_ABOVE = 100_000  # rows: below this a list is counted exactly


class Estimate(int):
    """A row count PostgreSQL estimated from its statistics (kept by ANALYZE and autovacuum): a number for the
    pager's arithmetic, shown as "约 1,000,000 条"."""

    estimated = True  # the list's foot says 约 N 条 instead of 共 N 条

    def __str__(self):
        return f"约 {int(self):,} 条"


def equality_only(filters):
    """Are the active filters all "equal to" ones (a school, a status)? PostgreSQL estimates those from the
    most common values it keeps, closely; a text search it may estimate far off."""
    from flask_appbuilder.models.sqla.filters import FilterEqual, FilterRelationOneToManyEqual

    return all(isinstance(f, (FilterEqual, FilterRelationOneToManyEqual)) for f in (filters.filters if filters else ()))


def estimated_count(session, query):
    """The estimate of the rows ``query`` (a list's filtered query, without its order and page) would give, when
    it is large and close enough to show as 约 N 条 (PostgreSQL only); else None, and the list is counted.

    Counting a million rows exactly costs PostgreSQL a scan of a million index entries on every page; what a
    reader needs of that number is its size.  The estimate is the planner's (``EXPLAIN``: the table's
    ``reltuples`` scaled to its current size, times the filters' selectivity); reading it plans the query
    and reads no row."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return None
    plan = session.execute(_Explain(query.statement.order_by(None))).scalar()
    if isinstance(plan, str):
        import json

        plan = json.loads(plan)
    rows = int(plan[0]["Plan"]["Plan Rows"])
    return Estimate(rows) if rows >= ESTIMATE_ABOVE else None


def _explain_class():
    from sqlalchemy.ext.compiler import compiles
    from sqlalchemy.sql.expression import ClauseElement, Executable

    class Explain(Executable, ClauseElement):
        """``EXPLAIN (FORMAT JSON)`` of a statement, its parameters bound as the statement's own."""

        inherit_cache = False

        def __init__(self, statement):
            self.statement = statement

        def get_children(self, **kw):
            return [self.statement]

    @compiles(Explain, "postgresql")
    def _compile(element, compiler, **kw):
        return "EXPLAIN (FORMAT JSON) " + compiler.process(element.statement, **kw)

    return Explain


_Explain = _explain_class()
