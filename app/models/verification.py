"""核对名单应用记录: each application of a department's verification list, so it can be undone as one step."""
import json

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text

from app import clock
from app.security.crypto import EncryptedText
from app.extensions import db
from app.models.choices import Choices
from app.models.people import person_name

# The departments' lists, by the category of difficulty each one proves (app/operations/verification.py).
LIST_KINDS = Choices(
    ("cat_subsistence", _l("Minimum living allowance (civil affairs)")),
    ("cat_extreme_poverty", _l("Extreme poverty support (civil affairs)")),
    ("cat_registered_poor", _l("Registered poor households (poverty alleviation)")),
    ("cat_disability", _l("Disability (disabled persons' federation)")),
)
LIST_SCOPES = Choices(
    ("county", _l("The complete list for the whole county")),
    ("towns", _l("Only the towns it covers")),
    ("schools", _l("Only the schools it covers")),
)


class VerificationRun(db.Model):
    """Who applied which list, when, to which category, year and scope, and the exact changes made.

    ``changes`` is JSON: one entry per identification touched, ``{"id", "created", "before",
    "version"}`` — the values of the category, ``cat_other`` and ``is_priority`` before the list
    (none for one the list created) and the identification's version (``updated_at``) right
    after it, so an undo restores exactly those values and refuses an identification changed
    since.  No ID number is kept here: the identifications name the pupils.
    """

    __tablename__ = "verification_run"
    __table_args__ = (LIST_SCOPES.check("scope"),)
    __choices__ = {"scope": LIST_SCOPES}

    id = Column(Integer, primary_key=True)
    kind = Column(String(24), nullable=False)
    school_year = Column(String(9), nullable=False, index=True)
    scope = Column(String(8), nullable=False)
    covered = Column(Text)  # the towns or schools the list covered (names), when the scope is not the county
    listed = Column(Integer, nullable=False, default=0)
    gained = Column(Integer, nullable=False, default=0)
    lost = Column(Integer, nullable=False, default=0)
    created = Column(Integer, nullable=False, default=0)
    changes = Column(Text, nullable=False, default="[]")
    applied_at = Column(DateTime, nullable=False, default=clock.now, index=True)
    applied_by_id = Column(Integer, ForeignKey("ab_user.id"))
    undone_at = Column(DateTime)
    undone_by_id = Column(Integer, ForeignKey("ab_user.id"))

    applied_by = db.relationship("User", foreign_keys=[applied_by_id])
    undone_by = db.relationship("User", foreign_keys=[undone_by_id])

    def __str__(self):
        return f"{LIST_KINDS.label(self.kind)} {self.school_year} #{self.id}"

    @property
    def change_list(self):
        return json.loads(self.changes or "[]")

    @property
    def applied_by_name(self):
        return person_name(self.applied_by)

    @property
    def undone_by_name(self):
        return person_name(self.undone_by)

    @property
    def scope_label(self):
        return LIST_SCOPES.label(self.scope)


class VerificationPreview(db.Model):
    """A compared list waiting for its confirmation, kept on the server so the page never carries its ID numbers.

    The confirmation posts only ``token`` (its SHA-256 is stored, ``token_hash``); the preview
    belongs to the user who uploaded the list (``user_id``) and lapses at ``expires_at``.
    ``payload`` (encrypted at rest) holds the list's ID numbers and what the preview showed
    (the identifications gaining and losing the category, the pupils to be identified), so the
    confirmation applies exactly that or nothing.  ``used_at``/``run_id``: applied once, by which run.
    """

    __tablename__ = "verification_preview"
    __table_args__ = (LIST_SCOPES.check("scope"),)

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    user_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    kind = Column(String(24), nullable=False)
    school_year = Column(String(9), nullable=False)
    scope = Column(String(8), nullable=False)
    payload = Column(EncryptedText(), nullable=False)
    created_at = Column(DateTime, nullable=False, default=clock.now)
    expires_at = Column(DateTime, nullable=False, index=True)
    used_at = Column(DateTime)
    run_id = Column(Integer, ForeignKey("verification_run.id"))
