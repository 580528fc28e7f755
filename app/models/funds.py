"""校内资助资金 (school aid-fund ledger) and 社会资助 (social aid projects and pairings)."""
from sqlalchemy import Column, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from app.extensions import db
from app.models.base import Computed, SchoolOwned, Timestamps
from app.models.choices import Choices
from flask_babel import lazy_gettext as _l

COMPLIANCE = Choices(
    ("below", _l("Below the band")),
    ("within", _l("Within the band")),
    ("above", _l("Above the band")),
    ("unset", _l("No band for this stage")),
)

SOCIAL_KINDS = Choices(
    ("freshman", _l("University freshman aid")),
    ("pairing", _l("One-to-one pairing")),
    ("scholarship", _l("Scholarship")),
    ("other", _l("Other")),
)


class SchoolFund(Timestamps, SchoolOwned, db.Model):
    """One school's aid fund for one year: income, what it must and did set aside, and what it spent."""

    __tablename__ = "school_fund"
    __table_args__ = (UniqueConstraint("school_id", "year", name="uq_school_fund_school_year"), COMPLIANCE.check("compliance"))
    __choices__ = {"compliance": COMPLIANCE}

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False, index=True)
    year = Column(Integer, nullable=False)
    operating_income = Column(Numeric(14, 2), nullable=False)
    extracted = Column(Numeric(14, 2), nullable=False)
    # Derived on every save from the ratio and the stage's band (app/kpi/funds.py).
    compliance = Column(String(8), nullable=False, default="unset", index=True)
    ledger_reference = Column(String(100))
    notes = Column(Text)

    school = relationship("School", lazy="joined", innerjoin=True)

    def __str__(self):
        return f"{self.school} {self.year}"

    # Figures shown in lists, on its page and in exports, from app/kpi/funds.py: app/views/funds.py
    ratio_label = Computed()
    band_label = Computed()
    spent = Computed()
    balance = Computed()
    overspent_label = Computed()


class SocialProject(Timestamps, db.Model):
    """A social aid project: a donor organisation's programme with its budget and period."""

    __tablename__ = "social_project"
    __table_args__ = (SOCIAL_KINDS.check("kind"),)
    __choices__ = {"kind": SOCIAL_KINDS}

    id = Column(Integer, primary_key=True)
    name = Column(String(100), unique=True, nullable=False)
    donor = Column(String(100), nullable=False)
    kind = Column(String(16), nullable=False)
    budget = Column(Numeric(14, 2), nullable=False)
    starts_on = Column(Date, nullable=False)
    ends_on = Column(Date)
    contact = Column(String(100))
    notes = Column(Text)

    pairings = relationship("Pairing", back_populates="project")

    def __str__(self):
        return self.name

    # its pairings' pupils and pledges (app/kpi/social.py): app/views/funds.py
    paired_count = Computed()
    paired_amount = Computed()


class Pairing(Timestamps, SchoolOwned, db.Model):
    """A donor paired with a pupil (手拉手结对): who gives how much, for how long."""

    __tablename__ = "pairing"
    __school_from__ = "student"

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False, index=True)
    project_id = Column(Integer, ForeignKey("social_project.id"), nullable=False, index=True)
    student_id = Column(Integer, ForeignKey("student.id"), nullable=False, index=True)
    donor_name = Column(String(100), nullable=False)
    amount = Column(Numeric(12, 2), nullable=False)
    starts_on = Column(Date, nullable=False)
    ends_on = Column(Date)
    notes = Column(Text)

    project = relationship("SocialProject", back_populates="pairings", lazy="joined", innerjoin=True)
    student = relationship("Student", lazy="joined", innerjoin=True)
    school = relationship("School", lazy="joined", innerjoin=True)

    def __str__(self):
        return f"{self.donor_name} → {self.student.name}"
