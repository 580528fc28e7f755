"""监督检查: inspections (巡查, 不定期暗访, 电话回访), their scores and the school's rectification."""
from sqlalchemy import CheckConstraint, Column, Date, DateTime, ForeignKey, Integer, Numeric, String, Table, Text, UniqueConstraint, or_
from sqlalchemy.orm import relationship

from app.extensions import db
from app.models.base import Computed, SchoolOwned, Timestamps
from app.models.choices import Choices
from flask_babel import lazy_gettext as _l

INSPECTION_KINDS = Choices(("patrol", _l("Patrol")), ("unannounced", _l("Unannounced visit")),
                           ("phone", _l("Phone follow-up")))
INSPECTION_STATUSES = Choices(("planned", _l("Planned")), ("done", _l("Done")))
RESULTS = Choices(("good", _l("Good")), ("pass", _l("Pass")), ("fail", _l("Fail")))
RECTIFICATION_STATUSES = Choices(("none", _l("None required")), ("required", _l("To be rectified")),
                                 ("submitted", _l("Submitted for checking")), ("accepted", _l("Accepted")),
                                 ("reopened", _l("Reopened")))

inspection_inspector = Table(
    "inspection_inspector",
    db.Model.metadata,
    Column("inspection_id", Integer, ForeignKey("inspection.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("ab_user.id"), primary_key=True),
)


class InspectionItem(Timestamps, db.Model):
    """One line of the inspection checklist template, with its full score."""

    __tablename__ = "inspection_item"

    id = Column(Integer, primary_key=True)
    name = Column(String(100), unique=True, nullable=False)
    max_score = Column(Integer, nullable=False, default=10)
    sort_order = Column(Integer, nullable=False, default=0)
    active = Column(db.Boolean, nullable=False, default=True)

    def __str__(self):
        return self.name


class Inspection(Timestamps, SchoolOwned, db.Model):
    __tablename__ = "inspection"
    __table_args__ = (INSPECTION_KINDS.check("kind"), INSPECTION_STATUSES.check("status"), RESULTS.check("result"),
                      RECTIFICATION_STATUSES.check("rectification_status"))
    __choices__ = {"kind": INSPECTION_KINDS, "status": INSPECTION_STATUSES, "result": RESULTS,
                   "rectification_status": RECTIFICATION_STATUSES}

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False, index=True)
    kind = Column(String(16), nullable=False)
    status = Column(String(8), nullable=False, default="planned")
    inspected_on = Column(Date, nullable=False)
    findings = Column(Text)
    result = Column(String(8))
    rectification_demand = Column(Text)
    rectification_deadline = Column(Date)
    rectification_status = Column(String(12), nullable=False, default="none", index=True)
    rectification_done = Column(Text)
    evidence_path = Column(String(300))
    evidence_name = Column(String(200))
    rectified_at = Column(DateTime)
    checked_at = Column(DateTime)

    school = relationship("School", lazy="joined", innerjoin=True)
    inspectors = relationship("User", secondary=inspection_inspector)
    scores = relationship("InspectionScore", back_populates="inspection", cascade="all, delete-orphan")

    @classmethod
    def __officer_criteria__(cls):
        """An unannounced visit stays unseen by the school until it is recorded as done."""
        return or_(cls.kind != "unannounced", cls.status == "done")

    def __str__(self):
        return f"{self.school} {INSPECTION_KINDS.label(self.kind)} {self.inspected_on}"

    @property
    def total_score(self):
        """The sum of the scores recorded; None while none is (a planned visit has no score, not 0)."""
        recorded = [s.score for s in self.scores if s.score is not None]
        return sum(recorded) if recorded else None

    # 逾期 once the rectification's deadline passed (app/rules/supervision.py): app/views/supervision.py
    overdue_label = Computed()


class InspectionScore(SchoolOwned, db.Model):
    __tablename__ = "inspection_score"
    __school_from__ = "inspection"
    __hidden_with__ = "inspection"  # hidden from the school while its inspection is (app/security/scope.py)
    # 0 ≤ score ≤ the item's full score: app/rules/supervision.py check_score; the database
    # holds the lower bound here and both in a trigger (migration 1fcf506376a5)
    __table_args__ = (UniqueConstraint("inspection_id", "item_id", name="uq_inspection_score_item"),
                      CheckConstraint("score IS NULL OR score >= 0", name="ck_inspection_score_range"))

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False, index=True)
    inspection_id = Column(Integer, ForeignKey("inspection.id", ondelete="CASCADE"), nullable=False, index=True)
    item_id = Column(Integer, ForeignKey("inspection_item.id"), nullable=False)
    score = Column(Numeric(5, 1))
    note = Column(Text)

    inspection = relationship("Inspection", back_populates="scores")
    item = relationship("InspectionItem", lazy="joined")
    school = relationship("School")


class PhoneCall(Timestamps, SchoolOwned, db.Model):
    """电话回访: one sampled award's family called: reached, confirms the aid, the amount they state."""

    __tablename__ = "phone_call"
    __school_from__ = "award"
    __hidden_with__ = "inspection"  # hidden from the school while its inspection is (app/security/scope.py)
    __table_args__ = (UniqueConstraint("inspection_id", "award_id", name="uq_phone_call_award"),)

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False, index=True)
    inspection_id = Column(Integer, ForeignKey("inspection.id", ondelete="CASCADE"), nullable=False, index=True)
    award_id = Column(Integer, ForeignKey("award.id"), nullable=False)
    called_on = Column(Date)
    reached = Column(db.Boolean)
    confirms_receipt = Column(db.Boolean)
    stated_amount = Column(Numeric(12, 2))
    # derived on save (app/rules/supervision.py): the family's answer differs from the record
    discrepancy = Column(db.Boolean, nullable=False, default=False, index=True)
    note = Column(Text)

    inspection = relationship("Inspection")
    award = relationship("Award", lazy="joined", innerjoin=True)
    school = relationship("School")

    def __str__(self):
        return f"{self.award}"
