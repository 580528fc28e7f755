"""预算与配套 and 发放批次: each programme's yearly budget with the shares of each level and
the allocations that arrive, and the semester payment batches sent to the bank.

The rules (building a batch, reading the bank's answer, reconciling to the fen) are in
app/rules/budgets.py; the execution figures in app/kpi/budgets.py.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Date, DateTime, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from app.security.crypto import Encrypted
from app.extensions import db
from app import clock
from app.models.base import SchoolOwned, Timestamps
from app.models.choices import Choices

LEVELS = Choices(("central", _l("Central level")), ("provincial", _l("Provincial level")), ("city", _l("City level")),
                 ("county", _l("County level")))
BATCH_STATUSES = Choices(("open", _l("Built, not yet sent to the bank")), ("exported", _l("Sent to the bank")), ("reconciled", _l("Reconciled")))
LINE_RESULTS = Choices(("pending", _l("Awaiting the bank")), ("paid", _l("Paid")), ("failed", _l("Failed")))
FAIL_REASONS = Choices(("card_error", _l("Wrong card number")), ("frozen", _l("Account frozen")),
                       ("name_mismatch", _l("Name does not match the account")), ("closed", _l("Account closed")),
                       ("other", _l("Other")))


class ProgramBudget(Timestamps, db.Model):
    """One programme's plan for a calendar year, and the share each level pays (percent, adding up to 100)."""

    __tablename__ = "program_budget"
    __table_args__ = (UniqueConstraint("program_id", "year", name="uq_program_budget_year"),)

    id = Column(Integer, primary_key=True)
    program_id = Column(Integer, ForeignKey("aid_program.id"), nullable=False, index=True)
    year = Column(Integer, nullable=False, index=True)
    planned_recipients = Column(Integer, nullable=False, default=0)
    planned_amount = Column(Numeric(14, 2), nullable=False)
    central_share = Column(Numeric(5, 2), nullable=False, default=0)
    provincial_share = Column(Numeric(5, 2), nullable=False, default=0)
    city_share = Column(Numeric(5, 2), nullable=False, default=0)
    county_share = Column(Numeric(5, 2), nullable=False, default=0)
    county_due_on = Column(Date)  # when the county's matching share must have arrived
    notes = Column(Text)

    program = relationship("AidProgram", lazy="joined", innerjoin=True)
    allocations = relationship("Allocation", back_populates="budget", cascade="all, delete-orphan",
                               order_by="Allocation.arrived_on")

    def __str__(self):
        return f"{self.year} {self.program}"

    def share(self, level):
        return getattr(self, f"{level}_share")


class Allocation(Timestamps, db.Model):
    """Money that arrived for a budget from one level, under its document number (文号)."""

    __tablename__ = "allocation"
    __table_args__ = (LEVELS.check("level"),)
    __choices__ = {"level": LEVELS}

    id = Column(Integer, primary_key=True)
    budget_id = Column(Integer, ForeignKey("program_budget.id", ondelete="CASCADE"), nullable=False, index=True)
    level = Column(String(12), nullable=False)
    document_number = Column(String(100), nullable=False)
    arrived_on = Column(Date, nullable=False)
    amount = Column(Numeric(14, 2), nullable=False)
    notes = Column(String(200))

    budget = relationship("ProgramBudget", back_populates="allocations")

    def __str__(self):
        return f"{self.document_number}"


class PaymentBatch(Timestamps, db.Model):
    """A semester's payment of one programme to the bank: its lines, the file sent, the answer."""

    __tablename__ = "payment_batch"
    __table_args__ = (BATCH_STATUSES.check("status"),)
    __choices__ = {"status": BATCH_STATUSES}

    id = Column(Integer, primary_key=True)
    semester_id = Column(Integer, ForeignKey("semester.id"), nullable=False, index=True)
    program_id = Column(Integer, ForeignKey("aid_program.id"), nullable=False, index=True)
    status = Column(String(12), nullable=False, default="open", index=True)
    reissue = Column(db.Boolean, nullable=False, default=False)
    created_by_id = Column(Integer, ForeignKey("ab_user.id"))
    exported_at = Column(DateTime)
    reconciled_at = Column(DateTime)
    notes = Column(String(200))

    semester = relationship("Semester", lazy="joined", innerjoin=True)
    program = relationship("AidProgram", lazy="joined", innerjoin=True)
    created_by = relationship("User")
    lines = relationship("BatchLine", back_populates="batch", cascade="all, delete-orphan", order_by="BatchLine.id")

    @property
    def number(self):
        return f"FF{self.semester.school_year[:4]}{self.semester.term}-{self.id:04d}"

    def __str__(self):
        return f"{self.number} {self.program.name}"


class BatchLine(SchoolOwned, db.Model):
    """One award in a batch: what was sent (card and amount as sent), and what the bank answered.

    ``open_award_id`` is the award's id while the line waits for the bank and ``paid_award_id``
    once it is paid; both are unique, so an award can be in one open batch at a time and can
    never be paid twice, whatever screen or file tries.
    """

    __tablename__ = "batch_line"
    __school_from__ = "award"
    __table_args__ = (LINE_RESULTS.check("result"), FAIL_REASONS.check("fail_reason"),
                      UniqueConstraint("batch_id", "award_id", name="uq_batch_line_award"))
    __choices__ = {"result": LINE_RESULTS, "fail_reason": FAIL_REASONS}

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False, index=True)
    batch_id = Column(Integer, ForeignKey("payment_batch.id", ondelete="CASCADE"), nullable=False, index=True)
    award_id = Column(Integer, ForeignKey("award.id"), nullable=False, index=True)
    name = Column(String(50), nullable=False)
    card_number = Column(Encrypted(30), nullable=False)  # encrypted at rest (app/security/crypto.py)
    amount = Column(Numeric(12, 2), nullable=False)
    result = Column(String(8), nullable=False, default="pending", index=True)
    fail_reason = Column(String(16))
    fail_note = Column(String(200))
    paid_on = Column(Date)
    open_award_id = Column(Integer, unique=True)
    paid_award_id = Column(Integer, unique=True)

    batch = relationship("PaymentBatch", back_populates="lines")
    award = relationship("Award", lazy="joined", innerjoin=True)
    school = relationship("School", lazy="joined", innerjoin=True)

    def __str__(self):
        return f"{self.name} {self.amount}"

    @property
    def result_label(self):
        return LINE_RESULTS.label(self.result)

    @property
    def fail_reason_label(self):
        return FAIL_REASONS.label(self.fail_reason)


class CardExport(db.Model):
    """Who downloaded a bank list with full card numbers, and when."""

    __tablename__ = "card_export"

    id = Column(Integer, primary_key=True)
    batch_id = Column(Integer, ForeignKey("payment_batch.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    at = Column(DateTime, nullable=False, default=clock.now)
    lines = Column(Integer, nullable=False)

    user = relationship("User", lazy="joined")
