"""审计日志: an append-only, hash-chained record of every change to a business record and of
every look at or export of pupils' personal data.

Each entry's hash is an HMAC, under AUDIT_KEY (kept outside the database), of its content and
of the previous entry's hash, so an entry changed or removed afterwards breaks the chain from
that point, even for someone who can write the table (`flask audit verify` names the first
broken entry); signed heads of the chain kept outside the database show a shortened trail.  The app has no screen or API that edits or deletes an entry, the ORM refuses
it, and database triggers refuse UPDATE and DELETE on the table (see app/security/audit.py).
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, DateTime, Integer, SmallInteger, String, Text

from app.extensions import db
from app import clock
from app.models.choices import Choices
from app.models.people import person_and_login, user_by_id

AUDIT_ACTIONS = Choices(
    ("create", _l("Created")), ("update", _l("Changed")), ("status", _l("Status changed")),
    ("delete", _l("Deleted")), ("view", _l("Viewed")), ("export", _l("Exported")), ("bulk", _l("Bulk change")),
)


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"
    __choices__ = {"action": AUDIT_ACTIONS}

    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, default=clock.utcnow, index=True)
    user_id = Column(Integer, index=True)
    username = Column(String(100))
    ip = Column(String(64))
    action = Column(String(8), nullable=False, index=True)
    entity = Column(String(50), nullable=False, index=True)
    record_id = Column(Integer, index=True)
    school_id = Column(Integer, index=True)
    summary = Column(String(300))
    changes = Column(Text)  # JSON {field: [old, new]}, personal data masked
    prev_hash = Column(String(64), nullable=False)
    hash = Column(String(64), nullable=False, unique=True)
    # 0: plain SHA-256 (entries written before the trail was keyed), 1: HMAC-SHA256 under AUDIT_KEY
    key_version = Column(SmallInteger, nullable=False, default=1, server_default="0")

    def __str__(self):
        return f"#{self.id} {self.entity} {self.record_id}"

    @property
    def action_label(self):
        return AUDIT_ACTIONS.label(self.action)

    @property
    def done_by(self):
        """Who did it, as people know them: 刘洋（officer）; the login the entry kept when the account is gone."""
        return person_and_login(user_by_id(self.user_id), self.username)


class AuditHead(db.Model):
    """One row, updated before each append: it serialises writers so the chain never forks."""

    __tablename__ = "audit_head"

    id = Column(Integer, primary_key=True)
    entries = Column(Integer, nullable=False, default=0)
