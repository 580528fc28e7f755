"""Printed documents: batch print jobs and the editable wording of the letter to parents."""
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import relationship

from app.extensions import db
from app.models.base import SchoolOwned, Timestamps
from app.models.choices import Choices
from flask_babel import lazy_gettext as _l

JOB_STATUSES = Choices(("queued", _l("Queued")), ("running", _l("Running")), ("done", _l("Done")),
                       ("failed", _l("Failed")), ("expired", _l("Expired")))
JOB_KINDS = Choices(("letters", _l("Letters to parents")))
# The stages a policy of the letter belongs to: the school stages, plus university (loans, entrance aid).
POLICY_STAGES = Choices(
    ("kindergarten", _l("Kindergarten")),
    ("primary", _l("Primary school")),
    ("junior", _l("Junior high school")),
    ("senior", _l("Senior high school")),
    ("vocational", _l("Secondary vocational school")),
    ("university", _l("University")),
)
LETTER_PARTS = Choices(
    ("title", _l("Title")),
    ("intro", _l("Opening paragraph")),
    ("fraud", _l("Fraud warning")),
    ("closing", _l("Closing paragraph")),
)


class PrintJob(Timestamps, SchoolOwned, db.Model):
    """A batch of documents printed in the background (a class's or a school's letters)."""

    __tablename__ = "print_job"
    # the printing process renews its lease with plain UPDATE statements: no version check here
    __versioned__ = False
    __table_args__ = (JOB_STATUSES.check("status"), JOB_KINDS.check("kind"))
    __choices__ = {"status": JOB_STATUSES, "kind": JOB_KINDS}

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False, index=True)
    kind = Column(String(16), nullable=False, default="letters")
    title = Column(String(200), nullable=False)
    # what to print, as JSON (e.g. {"grade": "高三", "class_name": "1班"})
    params = Column(Text, nullable=False, default="{}")
    status = Column(String(8), nullable=False, default="queued", index=True)
    total = Column(Integer, nullable=False, default=0)
    done = Column(Integer, nullable=False, default=0)
    error = Column(Text)
    attempts = Column(Integer, nullable=False, default=0)
    worker = Column(String(100))
    created_by_id = Column(Integer, ForeignKey("ab_user.id"))
    started_at = Column(DateTime)
    heartbeat_at = Column(DateTime)
    finished_at = Column(DateTime)
    expires_at = Column(DateTime)
    file_path = Column(String(300))
    file_size = Column(Integer)

    school = relationship("School", lazy="joined", innerjoin=True)
    created_by = relationship("User")

    def __str__(self):
        return self.title

    @property
    def status_label(self):
        return JOB_STATUSES.label(self.status)

    @property
    def percent(self):
        if self.status == "done":
            return 100
        return int(100 * self.done / self.total) if self.total else 0


class LetterPolicy(Timestamps, db.Model):
    """One policy paragraph of the letter to parents: who qualifies, how much, how to apply.

    The letter of a pupil lists the policies of its stage and of the next one.
    When a programme is linked (or one carries the same name) its standard amount is printed.
    """

    __tablename__ = "letter_policy"
    __table_args__ = (POLICY_STAGES.check("stage"),)
    __choices__ = {"stage": POLICY_STAGES}

    id = Column(Integer, primary_key=True)
    stage = Column(String(16), nullable=False, index=True)
    title = Column(String(100), nullable=False)
    who = Column(Text, nullable=False)
    amount_text = Column(String(300))
    application = Column(String(300))
    program_id = Column(Integer, ForeignKey("aid_program.id"))
    sort_order = Column(Integer, nullable=False, default=0)
    active = Column(Boolean, nullable=False, default=True)

    program = relationship("AidProgram")

    def __str__(self):
        return self.title


class LetterPart(Timestamps, db.Model):
    """A paragraph of the letter's own wording (title, opening, fraud warning, closing)."""

    __tablename__ = "letter_part"
    __table_args__ = (LETTER_PARTS.check("key"),)
    __choices__ = {"key": LETTER_PARTS}

    id = Column(Integer, primary_key=True)
    key = Column(String(16), nullable=False, unique=True)
    body = Column(Text, nullable=False)

    def __str__(self):
        return LETTER_PARTS.label(self.key)
