"""Work Flask-AppBuilder repeats on every request, done once.

* Its REST API validates the query argument with ``jsonschema.validate``,
  which first checks the *schema itself* against the JSON-Schema meta-schema:
  about two thirds of a list call's time.  The schemas are constants, so a
  compiled validator per schema gives the same answers without that cost.
"""
from __future__ import annotations

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


def install():
    import flask_appbuilder.api as fab_api

    if isinstance(fab_api.jsonschema, types.SimpleNamespace):
        return
    fab_api.jsonschema = types.SimpleNamespace(
        validate=_validate, ValidationError=jsonschema.ValidationError
    )
