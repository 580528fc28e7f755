"""生源地信用助学贷款: loans to pupils of the county going to university, and their repayment."""
from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Integer, Numeric, String, Table, Text
from sqlalchemy.orm import relationship, validates

from app.security.crypto import Encrypted
from app.extensions import db
from app import clock
from app.models.base import SchoolOwned, Timestamps
from app.models.choices import Choices
from flask_babel import lazy_gettext as _l

LOAN_STATUSES = Choices(
    ("pre_applied", _l("Pre-applied")),
    ("accepted", _l("Accepted")),
    ("approved", _l("Approved")),
    ("rejected", _l("Rejected")),
    ("contracted", _l("Contract signed")),
    ("disbursed", _l("Disbursed")),
    ("graduated", _l("Graduation confirmed")),
    ("repaying", _l("Repaying")),
    ("settled", _l("Settled")),
    ("overdue", _l("Overdue")),
)
DEGREES = Choices(("undergraduate", _l("Undergraduate or college")), ("postgraduate", _l("Postgraduate")))
REMINDER_CHANNELS = Choices(("phone", _l("Phone")), ("sms", _l("Text message")), ("letter", _l("Letter")), ("visit", _l("Home visit")))

loan_material_check = Table(
    "loan_material_check",
    db.Model.metadata,
    Column("loan_id", Integer, ForeignKey("loan.id", ondelete="CASCADE"), primary_key=True),
    Column("material_id", Integer, ForeignKey("loan_material.id"), primary_key=True),
)


class LoanMaterial(Timestamps, db.Model):
    """One item of the application checklist (身份证, 户口簿, 录取通知书, 困难证明 ...)."""

    __tablename__ = "loan_material"

    id = Column(Integer, primary_key=True)
    name = Column(String(50), unique=True, nullable=False)
    required = Column(Boolean, nullable=False, default=True)
    active = Column(Boolean, nullable=False, default=True)
    sort_order = Column(Integer, nullable=False, default=0)

    def __str__(self):
        return self.name


class LoanRate(Timestamps, db.Model):
    """The yearly interest rate of the loans of one school year (the year of the contract), kept by
    the centre: the reference rate the policy names (from 2020 the 5-year LPR, before it the
    benchmark rate) less the basis points the policy takes off (30 from 2021, 60 from 2023, 70 from
    2024), and the year's ceilings of what one student may borrow. app/rules/loans.py reads it when a
    loan is written and when its repayment schedule is drawn up."""

    __tablename__ = "loan_rate"

    id = Column(Integer, primary_key=True)
    school_year = Column(String(9), unique=True, nullable=False)
    # percent a year, as published (e.g. 4.65)
    reference_rate = Column(Numeric(5, 2), nullable=False)
    reduction_bp = Column(Integer, nullable=False, default=0)
    # The most one student may borrow in a year of this school year (每人每年申请贷款额度上限), by degree.
    ceiling_undergraduate = Column(Numeric(10, 2), nullable=False)
    ceiling_postgraduate = Column(Numeric(10, 2), nullable=False)
    basis = Column(String(200), nullable=False)
    notes = Column(Text)

    def __str__(self):
        return f"{self.school_year} {self.rate_percent}%"

    @property
    def rate_percent(self):
        """The loan's rate in percent a year (reference less the reduction), e.g. 4.35."""
        from decimal import Decimal

        return (Decimal(self.reference_rate) - Decimal(self.reduction_bp or 0) / 100).quantize(Decimal("0.01"))

    @property
    def rate(self):
        """The loan's rate as a fraction a year, e.g. 0.0435."""
        return self.rate_percent / 100


class Loan(Timestamps, SchoolOwned, db.Model):
    """One year's loan of one borrower (a pupil or former pupil of a county school)."""

    __tablename__ = "loan"
    __school_from__ = "student"
    __table_args__ = (LOAN_STATUSES.check("status"), DEGREES.check("degree"))
    __choices__ = {"status": LOAN_STATUSES, "degree": DEGREES}

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False, index=True)
    student_id = Column(Integer, ForeignKey("student.id"), nullable=False, index=True)
    co_borrower = Column(String(50), nullable=False)
    co_borrower_phone = Column(Encrypted(30))  # encrypted at rest (app/security/crypto.py)
    university = Column(String(100))
    major = Column(String(100))
    degree = Column(String(16), nullable=False, default="undergraduate")
    # the academic year the loan is for, e.g. 2021-2022
    academic_year = Column(String(9), nullable=False, index=True)
    contract_number = Column(String(50), unique=True)
    # set from acceptance on (a pre-application may not know it yet)
    amount = Column(Numeric(12, 2))
    expected_graduation = Column(Date)
    grace_years = Column(Integer, nullable=False, default=0)
    repayment_years = Column(Integer, nullable=False, default=15)
    status = Column(String(16), nullable=False, default="pre_applied", index=True)
    reject_reason = Column(Text)
    graduation_confirmed_on = Column(Date)
    notes = Column(Text)

    student = relationship("Student", lazy="joined", innerjoin=True)
    school = relationship("School", lazy="joined", innerjoin=True)
    materials = relationship("LoanMaterial", secondary=loan_material_check)
    events = relationship("LoanEvent", back_populates="loan", order_by="LoanEvent.at", cascade="all, delete-orphan")
    dues = relationship("RepaymentDue", back_populates="loan", order_by="RepaymentDue.due_on", cascade="all, delete-orphan")
    reminders = relationship("LoanReminder", back_populates="loan", order_by="LoanReminder.on.desc()", cascade="all, delete-orphan")

    def __str__(self):
        return f"{self.student.name} {self.academic_year}"

    @validates("contract_number")
    def _no_blank_contract(self, key, value):
        """An application without its contract yet has none (NULL), not an empty number: the number is
        unique, and a second blank one would clash with the first."""
        value = (value or "").strip()
        return value or None

    @property
    def status_label(self):
        return LOAN_STATUSES.label(self.status)

    @property
    def status_link(self):
        """The status, linking to the loan's history and instalments (lists show this)."""
        from flask import url_for
        from markupsafe import Markup, escape

        return Markup(f'<a href="{url_for("LoanView.history", pk=self.id)}">{escape(self.status_label)}</a>')


class LoanEvent(SchoolOwned, db.Model):
    """A status change of a loan: from, to, who, when, why."""

    __tablename__ = "loan_event"
    __school_from__ = "loan"
    __choices__ = {"from_status": LOAN_STATUSES, "to_status": LOAN_STATUSES}

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False, index=True)
    loan_id = Column(Integer, ForeignKey("loan.id", ondelete="CASCADE"), nullable=False, index=True)
    from_status = Column(String(16))
    to_status = Column(String(16), nullable=False)
    user_id = Column(Integer, ForeignKey("ab_user.id"))
    at = Column(DateTime, nullable=False, default=clock.now)
    comment = Column(Text)

    loan = relationship("Loan", back_populates="events")
    school = relationship("School")
    user = relationship("User")

    def __str__(self):
        return f"{LOAN_STATUSES.label(self.from_status)} → {LOAN_STATUSES.label(self.to_status)}"


class RepaymentDue(SchoolOwned, db.Model):
    """One instalment: what falls due on a day (principal and interest apart) and what was paid."""

    __tablename__ = "repayment_due"
    __school_from__ = "loan"

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False, index=True)
    loan_id = Column(Integer, ForeignKey("loan.id", ondelete="CASCADE"), nullable=False, index=True)
    due_on = Column(Date, nullable=False, index=True)
    principal = Column(Numeric(12, 2), nullable=False, default=0)
    interest = Column(Numeric(12, 2), nullable=False, default=0)
    paid_principal = Column(Numeric(12, 2), nullable=False, default=0)
    paid_interest = Column(Numeric(12, 2), nullable=False, default=0)
    paid_on = Column(Date)

    loan = relationship("Loan", back_populates="dues")
    school = relationship("School")


class LoanReminder(Timestamps, SchoolOwned, db.Model):
    """A 温馨提示 reminder given to a borrower: when, how and with what result."""

    __tablename__ = "loan_reminder"
    __school_from__ = "loan"
    __table_args__ = (REMINDER_CHANNELS.check("channel"),)
    __choices__ = {"channel": REMINDER_CHANNELS}

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False, index=True)
    loan_id = Column(Integer, ForeignKey("loan.id", ondelete="CASCADE"), nullable=False, index=True)
    on = Column(Date, nullable=False)
    channel = Column(String(8), nullable=False)
    result = Column(Text)

    loan = relationship("Loan", back_populates="reminders")
    school = relationship("School")
