"""A database refusal, as the person who caused it reads it: in Chinese, naming the field, never SQL.

The rules (app/rules) refuse almost everything first, with their own messages; what reaches the
database and is refused there (two saves racing for one unique value, a value longer than its
column, a state outside its CHECK) comes here from every path: a form's save, the REST API, a
bulk action, an import (``readable``). The database's own text, with its statement and values,
goes to the log only.
"""
from __future__ import annotations

import logging
import re

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.rules import RuleError

log = logging.getLogger(__name__)

# model → field → the label its screen shows (filled by the screens, app/views/base/model_view.py)
LABELS: dict = {}

# The names users know the tables by, for the audit trail (app/views/audit.py) and the refusals that
# name another table (app/rules/deletion.py); tables without a list screen of their own:
OTHER_LABELS = {"ab_user": _l("User accounts"), "publicity_photo": _l("Photos"),
                "complaint_step": _l("Handling timeline"), "loan_event": _l("History"),
                "school_year_turnover": _l("School-year turnover"), "letter_part": _l("Paragraph"),
                "letter_policy": _l("Policy in the letter to parents"),
                "verification_run": _l("Verification list applied"),
                "identification_family_member": _l("Family members"), "identification_evidence": _l("Evidence files"),
                "identification_objection": _l("Objections")}


def entity_label(table):
    """The name users know a table by: the title of its list screen (in the reader's language)."""
    if table in OTHER_LABELS:
        return str(OTHER_LABELS[table])
    view = entity_view(table)
    return str(view.list_title) if view is not None else table


def entity_view(table):
    """The list screen of a table, whose labels and codes the trail is shown with."""
    views = getattr(current_app, "_aid_entity_views", None)
    if views is None:
        views = {}
        for view in current_app.appbuilder.baseviews:
            model = getattr(getattr(view, "datamodel", None), "obj", None)
            if model is not None and hasattr(model, "__tablename__") and getattr(view, "list_title", None):
                views.setdefault(model.__tablename__, view)
        current_app._aid_entity_views = views
    return views.get(table)


STALE = _l("Someone else changed this record after you opened it: your changes were not saved. Open it again to "
           "see the current version.")


def _constraint_columns(table, name):
    for constraint in list(table.constraints) + list(table.indexes):
        if constraint.name == name and len(constraint.columns):
            return [column.key for column in constraint.columns]
    match = re.fullmatch(r"ck_(\w+)_code", name or "")  # app/models/choices.py names its CHECKs so
    return [match.group(1)] if match else []


def _columns(exc, table):
    """The columns a refusal names: PostgreSQL says the constraint or column, SQLite writes them in its text."""
    orig = getattr(exc, "orig", None)
    diag = getattr(orig, "diag", None)
    if diag is not None:
        if getattr(diag, "constraint_name", None):
            found = _constraint_columns(table, diag.constraint_name)
            if found:
                return found
        if getattr(diag, "column_name", None):
            return [diag.column_name]
    text = str(orig)
    match = re.search(r"(?:UNIQUE|NOT NULL) constraint failed: ([\w., ]+)", text)
    if match:
        return [part.strip().split(".")[-1] for part in match.group(1).split(",")]
    match = re.search(r"CHECK constraint failed: (\w+)", text)
    if match:
        return _constraint_columns(table, match.group(1))
    return []


def _field(model, column):
    """The name a form and the API use for a column: the relationship a foreign key belongs to, the
    number a keyed hash is of (two saves racing for one ID number or 学籍号)."""
    hashed = getattr(model, "__table__", None)
    source = hashed.c[column].info.get("lookup_of") if hashed is not None and column in hashed.c else None
    if source:
        return source
    for rel in sa_inspect(model).relationships:
        if any(c.key == column for c in rel.local_columns) and rel.direction.name == "MANYTOONE":
            return rel.key
    return column


def _kind(exc):
    text = str(getattr(exc, "orig", exc))
    code = getattr(getattr(exc, "orig", None), "pgcode", None) or ""
    if code == "23505" or "UNIQUE constraint" in text or "unique constraint" in text:
        return "unique"
    if code == "23502" or "NOT NULL constraint" in text or "not-null constraint" in text:
        return "required"
    if code == "23503" or "FOREIGN KEY constraint" in text or "foreign key constraint" in text:
        return "missing"
    if code == "23514" or "CHECK constraint" in text or "check constraint" in text:
        return "choice"
    return "other"


def readable(exc, model=None, labels=None) -> RuleError:
    """The RuleError to show for a database error raised while writing ``model`` (a mapped class)."""
    if isinstance(exc, RuleError):
        return exc
    cause = exc.__cause__ if exc.__cause__ is not None and not isinstance(exc, (IntegrityError, DataError)) else exc
    if isinstance(cause, StaleDataError) or isinstance(exc, StaleDataError):
        return RuleError({"row_version": STALE})
    log.warning("database refused a write of %s: %s", getattr(model, "__name__", "?"), cause)
    labels = labels if labels is not None else LABELS.get(model, {})
    table = getattr(model, "__table__", None)
    columns = _columns(cause, table) if table is not None else []
    fields = [_field(model, c) for c in columns]

    def label(field):
        return str(labels.get(field) or labels.get(columns[fields.index(field)]) or field)

    named = "、".join(f"“{label(f)}”" for f in fields)
    key = fields[-1] if fields else "id"
    if isinstance(cause, DataError):
        if fields:
            return RuleError({key: _l("%(fields)s: the value is too long or out of range.", fields=named)})
        return RuleError({"id": _l("A value is too large for this field.")})
    kind = _kind(cause) if isinstance(cause, IntegrityError) else "other"
    if kind == "unique" and fields:
        if len(fields) == 1:
            return RuleError({key: _l("%(fields)s: another record already has this value.", fields=named)})
        return RuleError({key: _l("A record with the same %(fields)s already exists: there is one per combination.",
                                  fields=named)})
    if kind == "required" and fields:
        return RuleError({key: _l("%(fields)s must be filled in.", fields=named)})
    if kind == "missing":
        return RuleError({key: _l("%(fields)s names a record that does not exist (any more).", fields=named or "")})
    if kind == "choice" and fields:
        return RuleError({key: _l("%(fields)s: not one of the allowed values.", fields=named)})
    return RuleError({"id": _l("The record conflicts with an existing one.")})
