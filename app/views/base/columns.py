"""How a model's columns are shown and entered on its screens: formatters (dates, money, yes/no,
coded values' labels, masked numbers), labels, and the form fields of booleans, dates and codes."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, DateTime, Numeric
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import RelationshipDirection
from wtforms import BooleanField, StringField

from app.security import personal
from app.views.base.forms import choice_field, date_time_field


def _model(cls):
    datamodel = getattr(cls, "datamodel", None)
    return getattr(datamodel, "obj", None)


def money(value):
    """Yuan with thousands separators and fen: 1,234,567.80."""
    return "" if value is None else f"{value:,.2f}"


def listed(records):
    """Several related records as a person reads them: 身份证、户口簿 (a Python list would show its repr)."""
    names = [str(record) for record in records or ()]
    return "、".join(names) if names else "—"



def _column_setup(cls):
    """Give the view class select fields and labels for the model's coded columns,
    and dates in 2021-09-01 form."""
    model = _model(cls)
    if model is None:
        return
    formatters = dict(getattr(cls, "formatters_columns", None) or {})
    for column in model.__table__.columns:
        if column.key in personal.MASKS:
            # ID, card and phone numbers, and the birth date beside the ID number: masked unless this
            # request may show them in full (app/security/personal.py)
            formatters[column.key] = personal.formatter(column.key)
        elif isinstance(column.type, DateTime):
            formatters.setdefault(column.key, lambda v: v.strftime("%Y-%m-%d %H:%M") if v else "")
        elif isinstance(column.type, Date):
            formatters.setdefault(column.key, lambda v: v.isoformat() if v else "")
        elif isinstance(column.type, Boolean):
            formatters.setdefault(column.key, lambda v: str(_l("Yes")) if v else str(_l("No")))
        elif isinstance(column.type, Numeric):
            formatters.setdefault(column.key, money)
        else:
            formatters.setdefault(column.key, lambda v: "" if v is None else v)
    for rel in sa_inspect(model).relationships:
        if rel.direction is RelationshipDirection.MANYTOONE or not rel.uselist:
            formatters.setdefault(rel.key, lambda v: "" if v is None else v)
        else:
            formatters.setdefault(rel.key, listed)
    cls.formatters_columns = formatters
    labels = dict(getattr(cls, "label_columns", None) or {})
    labels.setdefault("created_at", _l("Created at"))
    labels.setdefault("updated_at", _l("Updated at"))
    cls.label_columns = labels
    descriptions = dict(getattr(cls, "description_columns", None) or {})
    for attr in ("add_form_extra_fields", "edit_form_extra_fields"):
        fields = dict(getattr(cls, attr, None) or {})
        for column in model.__table__.columns:
            # Flask-AppBuilder makes a NOT NULL boolean "required": an unticked box would fail.
            if isinstance(column.type, Boolean) and column.key not in fields:
                default = column.default.arg if column.default is not None and not callable(column.default.arg) else False
                # a box whose column defaults to true starts ticked (a new report task is active)
                fields[column.key] = BooleanField(
                    labels.get(column.key, column.key), description=descriptions.get(column.key, ""),
                    default=bool(default),
                )
            elif isinstance(column.type, DateTime) and column.key not in fields:
                fields[column.key] = date_time_field(labels.get(column.key, column.key),
                                                     descriptions.get(column.key), required=not column.nullable)
        setattr(cls, attr, fields)
    search_fields = dict(getattr(cls, "search_form_extra_fields", None) or {})
    for column in getattr(cls, "text_search_relations", {}):
        search_fields.setdefault(column, StringField(labels.get(column, column)))
    cls.search_form_extra_fields = search_fields
    choices = getattr(model, "__choices__", {})
    if not choices:
        return
    optional = set(getattr(cls, "optional_columns", ()))
    for attr in ("add_form_extra_fields", "edit_form_extra_fields", "search_form_extra_fields"):
        fields = dict(getattr(cls, attr, None) or {})
        for column, choice in choices.items():
            required = (
                not model.__table__.c[column].nullable
                and column not in optional
                and attr != "search_form_extra_fields"
            )
            fields.setdefault(column, choice_field(labels.get(column, column), choice, required,
                                                   blank_is_none=attr != "search_form_extra_fields"))
        setattr(cls, attr, fields)
    for column, choice in choices.items():
        if formatters.get(column) is None or getattr(formatters[column], "__name__", "") == "<lambda>":
            formatters[column] = choice.label
