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

    _get_filters.aid_cached = True
    _get_filters.__wrapped__ = original  # the FAB function fenced in app/fab (tests/test_fab_overrides.py)
    return _get_filters


def _cached_translations(original):
    from flask_babel import _get_current_context

    def get_translations(self):
        ctx = _get_current_context()
        locale = getattr(ctx, "babel_locale", None) if ctx is not None else None
        if locale is None:
            return original(self)  # the first lookup works the locale out and keeps it on ctx
        cache = ctx.__dict__.setdefault("_aid_translations", {})
        key = (id(self), str(locale))
        found = cache.get(key)
        if found is None:
            found = cache[key] = original(self)
        return found

    get_translations.aid_cached = True
    get_translations.__wrapped__ = original
    return get_translations


def _parsed_once(parse):
    """``parse`` (a pure function of one text) remembered per text; each caller gets its own copy."""
    parsed: dict[str, object] = {}

    def cached(text):
        if not isinstance(text, str):
            return parse(text)
        if text not in parsed:
            parsed[text] = parse(text)
        return copy.deepcopy(parsed[text])

    cached.aid_cached = True
    return cached


def install():
    import flask_appbuilder.api as fab_api
    from flask_appbuilder.models.filters import Filters
    from flask_babel import Domain

    if not getattr(Domain.get_translations, "aid_cached", False):
        Domain.get_translations = _cached_translations(Domain.get_translations)

    if not getattr(Filters._get_filters, "aid_cached", False):
        Filters._get_filters = _cached_get_filters(Filters._get_filters)

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
