"""Related fields of the REST API: an id of an existing record the user may see, nothing else.

marshmallow-sqlalchemy's ``Related`` field, which Flask-AppBuilder's API schemas use for every
relationship, turns an object it does not find into a *new* row: ``"program": {"name": …,
"standard_amount": 50000}`` in an award created a county-wide programme, and an unknown id a
half-empty one. Here a related field takes an integer id (a list of them for a many-to-many
field), looks the record up through the session's normal query path, so the school scope and
the rows hidden from the user apply, and answers 422 with a Chinese message for anything else.
(Checked against flask-appbuilder 5.3.0 and marshmallow-sqlalchemy 1.6.0.)
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from marshmallow_sqlalchemy.fields import Related, RelatedList
from sqlalchemy import inspect, select

from app.errors import MAX_ID


def _record_id(value):
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValidationError(str(_l("Give the id (a whole number) of an existing record.")))
    text = str(value).strip()
    if not text.isdigit() or int(text) > MAX_ID:
        raise ValidationError(str(_l("Give the id (a whole number) of an existing record.")))
    return int(text)


class RelatedId(Related):
    """Only the id of an existing, visible record; never a nested object, never a new row."""

    def _deserialize(self, value, *args, **kwargs):
        from app.extensions import db

        if value is None:
            return None
        model = self.related_model
        key = inspect(model).primary_key[0]
        record = db.session.execute(select(model).where(key == _record_id(value))).scalars().first()
        if record is None:
            raise ValidationError(str(_l("No such record, or not one you may use.")))
        return record


def strict_related(schema):
    """Make every relationship field of a load schema take ids of existing, visible records only."""
    for field in list(schema.fields.values()) + list(schema.load_fields.values()):
        if isinstance(field, RelatedList):
            field = field.inner
        if isinstance(field, Related) and not isinstance(field, RelatedId):
            field.__class__ = RelatedId
