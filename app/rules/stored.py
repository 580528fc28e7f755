"""The record as it will be stored: relationship writes made visible to the rules.

Flask-AppBuilder's forms and REST API set relationships (``award.student = other``); SQLAlchemy
copies the target's id into the foreign-key column only while it flushes, after every
``before_flush`` rule has run. A rule comparing ``student_id`` would judge the record as it was,
not as it will be. ``sync_foreign_keys`` runs first in the flush hook (app/security/scope.py): for every
many-to-one relationship that was set, the column takes the target's id now, so the column's
history shows the change; and where a column was written directly (``student_id`` in an API
body) while the relationship still holds the old record, the relationship is pointed at the
record the column names, so a rule reading ``award.student`` sees the pupil that will be stored.
"""
from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.orm import RelationshipDirection
from sqlalchemy.orm.attributes import set_committed_value


_PAIRS = {}


def _many_to_one(cls):
    """(relationship, foreign-key attribute) of every plain many-to-one of a model, worked out once."""
    pairs = _PAIRS.get(cls)
    if pairs is None:
        mapper = inspect(cls)
        pairs = _PAIRS[cls] = [
            (rel, mapper.get_property_by_column(next(iter(rel.local_columns))).key)
            for rel in mapper.relationships
            if rel.direction is RelationshipDirection.MANYTOONE and len(rel.local_columns) == 1 and not rel.viewonly
        ]
    return pairs


def sync_foreign_keys(session, obj):
    state = inspect(obj)
    pairs = _many_to_one(type(obj))
    if state.key is None:
        # a new record: only a relationship set to a stored record has anything to copy (an import
        # flushes thousands of new records that set their keys directly)
        pairs = [(rel, fk) for rel, fk in pairs if state.dict.get(rel.key) is not None]
    for rel, fk in pairs:
        history = state.attrs[rel.key].history
        if history.added:
            target = history.added[0]
            if target is None:
                if getattr(obj, fk) is not None:
                    setattr(obj, fk, None)
                continue
            identity = inspect(target).identity
            if identity is not None and getattr(obj, fk) != identity[0]:
                setattr(obj, fk, identity[0])
            continue
        if not state.attrs[fk].history.has_changes() or rel.key not in state.dict:
            continue
        current = state.dict[rel.key]
        wanted = getattr(obj, fk)
        current_id = inspect(current).identity[0] if current is not None and inspect(current).identity else None
        if current_id != wanted:
            # the column was written directly: the relationship follows it (scope applies to the lookup)
            with session.no_autoflush:
                target = session.get(rel.mapper.class_, wanted) if wanted is not None else None
            set_committed_value(obj, rel.key, target)


def written(obj, field) -> bool:
    """Whether this write sets the field: always for a new record or a stand-in (a form's probe, an
    import row), for a stored record only when the value changes (rules that judge a record's
    plausibility judge what a write changes, so an old value does not block an unrelated edit)."""
    state = inspect(obj, raiseerr=False)
    if state is None or state.key is None:
        return True
    return state.attrs[field].history.has_changes()
