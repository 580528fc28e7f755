"""A record's version, as edit forms and the API's ETag carry it, and what the second of two
people editing one record reads."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect as sa_inspect

from app import clock
from app.extensions import db


def version_of(item):
    """The version of a record, as forms and the API's ETag carry it: its updated_at, or for a
    record without one (an instalment, a score) a digest of everything it holds."""
    if "updated_at" in sa_inspect(type(item)).columns:
        value = getattr(item, "updated_at", None)
        return value.isoformat() if value is not None else ""
    import hashlib

    values = repr([(c.key, getattr(item, c.key)) for c in sa_inspect(type(item)).column_attrs])
    return "d" + hashlib.sha256(values.encode()).hexdigest()[:32]


def stale_message(item):
    from sqlalchemy import select

    from app.models.audit import AuditEntry

    last = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == item.__tablename__,
                                                       AuditEntry.record_id == item.id,
                                                       AuditEntry.action.in_(("update", "status")))
                              .order_by(AuditEntry.id.desc())).first()
    who = f"{last.username}（{clock.local(last.at).strftime('%Y-%m-%d %H:%M')}）" if last is not None else ""
    return str(_l("Someone else changed this record after you opened it%(who)s: your changes were not saved. "
                  "Open it again to see the current version.", who=f"：{who}" if who else ""))
