"""投诉举报与咨询: complaints, reports and consultations from the public, their handling
steps, and who read a complainant's identity.

The workflow itself (who may take which step from which state) is in
app/rules/complaints.py; deadlines and figures are in app/rules/complaints.py and
app/kpi/complaints.py.
"""
from flask import g, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Text, or_
from sqlalchemy.orm import relationship

from app.security.crypto import Encrypted
from app.extensions import db
from app import clock
from app.models.base import Computed, SchoolOwned, Timestamps
from app.models.choices import Choices

CHANNELS = Choices(("phone", _l("By phone")), ("letter", _l("By letter")), ("visit", _l("In person")),
                   ("online", _l("Online")))
COMPLAINT_KINDS = Choices(("consult", _l("Consultation")), ("complaint", _l("Complaint")),
                          ("report", _l("Whistle-blowing report")))
ORIGINS = Choices(("centre", _l("County aid centre")), ("school", _l("School hotline")))
COMPLAINT_STATUSES = Choices(
    ("registered", _l("Registered")),
    ("awaiting_approval", _l("Awaiting the leader's approval")),
    ("returned", _l("Returned by the leader")),
    ("approved", _l("Approved by the leader")),
    ("investigating", _l("Under investigation")),
    ("investigated", _l("Investigated")),
    ("rectifying", _l("Being rectified")),
    ("rectified", _l("Rectified")),
    ("closed", _l("Closed")),
)
HANDLERS = Choices(("supervisor", _l("Supervisor")), ("school", _l("The school concerned")))
FINDINGS = Choices(("substantiated", _l("Substantiated")), ("partly", _l("Partly substantiated")),
                   ("unfounded", _l("Unfounded")))
ACCOUNTABILITY = Choices(("none", _l("None")), ("criticism", _l("Criticism and education")),
                         ("notice", _l("Circulated notice")), ("accountable", _l("Held accountable")))
STEP_ACTIONS = Choices(
    ("submit", _l("Submitted to the leader")),
    ("approve", _l("Approved by the leader")),
    ("return", _l("Returned by the leader")),
    ("assign", _l("Handed over for investigation")),
    ("find", _l("Investigation concluded")),
    ("rectify", _l("Rectification done")),
    ("close", _l("Closed")),
    ("answer", _l("Answered")),
)
READ_CHANNELS = Choices(("show", _l("Screen")), ("edit", _l("Edit form")), ("api", _l("API")), ("pdf", _l("PDF")))


def acting_user_id():
    """The logged-in user, for the record of who registered or did something."""
    if not has_request_context():
        return None
    user = g.get("user")
    try:
        return user.id if user is not None and user.is_authenticated else None
    except AttributeError:
        return None


class Complaint(Timestamps, SchoolOwned, db.Model):
    __tablename__ = "complaint"
    __table_args__ = (CHANNELS.check("channel"), COMPLAINT_KINDS.check("kind"), ORIGINS.check("origin"),
                      COMPLAINT_STATUSES.check("status"), HANDLERS.check("handler"), FINDINGS.check("result"),
                      ACCOUNTABILITY.check("accountability"))
    __choices__ = {"channel": CHANNELS, "kind": COMPLAINT_KINDS, "origin": ORIGINS, "status": COMPLAINT_STATUSES,
                   "handler": HANDLERS, "result": FINDINGS, "accountability": ACCOUNTABILITY}

    id = Column(Integer, primary_key=True)
    # the school concerned; a question about policy in general concerns none
    school_id = Column(Integer, ForeignKey("school.id"), nullable=True, index=True)
    origin = Column(String(8), nullable=False, default="centre")
    channel = Column(String(8), nullable=False)
    kind = Column(String(10), nullable=False, index=True)
    received_at = Column(DateTime, nullable=False, default=clock.now, index=True)
    # the complainant: confidential (see app/rules/complaints.py may_see_identity)
    anonymous = Column(Boolean, nullable=False, default=False)
    complainant_name = Column(String(50))
    complainant_contact = Column(Encrypted(100))  # encrypted at rest (app/security/crypto.py)
    subject = Column(String(200), nullable=False)
    content = Column(Text, nullable=False)
    registered_by_id = Column(Integer, ForeignKey("ab_user.id"), default=acting_user_id)

    status = Column(String(20), nullable=False, default="registered", index=True)
    stage_since = Column(DateTime, nullable=False, default=clock.now)
    handler = Column(String(12))
    assignee_id = Column(Integer, ForeignKey("ab_user.id"))
    # once handed to the school concerned (to investigate or to rectify) the school sees it
    shared_with_school = Column(Boolean, nullable=False, default=False)
    findings = Column(Text)
    result = Column(String(16))
    rectification_demand = Column(Text)
    rectification_done = Column(Text)
    reply = Column(Text)
    accountability = Column(String(12))
    accountable_persons = Column(String(200))
    closed_at = Column(DateTime, index=True)

    school = relationship("School", lazy="joined")
    registered_by = relationship("User", foreign_keys=[registered_by_id])
    assignee = relationship("User", foreign_keys=[assignee_id])
    steps = relationship("ComplaintStep", back_populates="complaint", order_by="ComplaintStep.at",
                         cascade="all, delete-orphan")

    @classmethod
    def __officer_criteria__(cls):
        """A school sees what it registered from its own hotline, and what was handed to it."""
        return or_(cls.origin == "school", cls.shared_with_school.is_(True))

    @property
    def number(self):
        year = self.received_at.year if self.received_at else ""
        return f"{year}-{self.id or 0:05d}"

    def __str__(self):
        return f"{self.number} {self.subject}"

    @property
    def status_label(self):
        return COMPLAINT_STATUSES.label(self.status)

    @property
    def origin_label(self):
        return ORIGINS.label(self.origin)

    # the current step's deadline (app/rules/complaints.py due_date) and 逾期 once it passed: app/views/complaints.py
    due_on = Computed()
    overdue_label = Computed()


class ComplaintStep(SchoolOwned, db.Model):
    """One step of the handling: what was done, by whom, when, with what comment."""

    __tablename__ = "complaint_step"
    __school_from__ = "complaint"
    __choices__ = {"action": STEP_ACTIONS, "from_status": COMPLAINT_STATUSES, "to_status": COMPLAINT_STATUSES}
    __table_args__ = (STEP_ACTIONS.check("action"),)

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=True, index=True)
    complaint_id = Column(Integer, ForeignKey("complaint.id", ondelete="CASCADE"), nullable=False, index=True)
    action = Column(String(10), nullable=False)
    from_status = Column(String(20))
    to_status = Column(String(20), nullable=False)
    user_id = Column(Integer, ForeignKey("ab_user.id"))
    at = Column(DateTime, nullable=False, default=clock.now)
    comment = Column(Text)

    complaint = relationship("Complaint", back_populates="steps")
    user = relationship("User", lazy="joined")
    school = relationship("School")

    @property
    def action_label(self):
        return STEP_ACTIONS.label(self.action)


class IdentityRead(SchoolOwned, db.Model):
    """Someone was shown a complainant's name and contact: who, when, through what."""

    __tablename__ = "complaint_identity_read"
    __school_from__ = "complaint"
    __table_args__ = (READ_CHANNELS.check("channel"),)

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=True, index=True)
    complaint_id = Column(Integer, ForeignKey("complaint.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    at = Column(DateTime, nullable=False, default=clock.now)
    channel = Column(String(8), nullable=False)

    complaint = relationship("Complaint")
    user = relationship("User", lazy="joined")
    school = relationship("School")

    @property
    def channel_label(self):
        return READ_CHANNELS.label(self.channel)
