"""Family economic difficulty identification (家庭经济困难认定)."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from app.extensions import db
from app.models.base import SchoolOwned, Timestamps
from app.models.choices import DIFFICULTY_LEVELS, EVIDENCE_SOURCES

# (column, label, priority?) — the first four are "困中之困": every one of them must be aided.
CATEGORIES = (
    ("cat_registered_poor", _l("Registered poor household"), True),
    ("cat_subsistence", _l("Minimum living allowance"), True),
    ("cat_extreme_poverty", _l("Extreme poverty support"), True),
    ("cat_disability", _l("Disability"), True),
    ("cat_orphan", _l("Orphan"), False),
    ("cat_other", _l("Other"), False),
)
PRIORITY_CATEGORIES = tuple(name for name, _, priority in CATEGORIES if priority)


class Identification(Timestamps, SchoolOwned, db.Model):
    __tablename__ = "identification"
    __school_from__ = "student"
    __table_args__ = (
        UniqueConstraint("student_id", "school_year", name="uq_identification_student_year"),
        # Lists: one school's identifications, most recent first.
        Index("ix_identification_school_id_identified_on", "school_id", "identified_on"),
        # Coverage (app/kpi/coverage.py): a school year's identifications by school and priority.
        Index("ix_identification_year_priority", "school_year", "is_priority", "school_id", "student_id"),
        # Coverage (app/kpi/coverage.py): the year's identifications in force by school and priority, from the
        # index alone.
        Index("ix_identification_in_force", "school_year", "school_id", "is_priority", "student_id",
              postgresql_where=db.text("effective IS true"), sqlite_where=db.text("effective IS 1")),
        DIFFICULTY_LEVELS.check("level"),
        EVIDENCE_SOURCES.check("evidence_source"),
    )
    __choices__ = {"level": DIFFICULTY_LEVELS, "evidence_source": EVIDENCE_SOURCES}

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False)
    student_id = Column(Integer, ForeignKey("student.id"), nullable=False, index=True)
    # "2021-2022": the school year the identification is valid for.
    school_year = Column(String(9), nullable=False, index=True)
    level = Column(String(16), nullable=False, index=True)
    cat_registered_poor = Column(Boolean, nullable=False, default=False)
    cat_subsistence = Column(Boolean, nullable=False, default=False)
    cat_extreme_poverty = Column(Boolean, nullable=False, default=False)
    cat_disability = Column(Boolean, nullable=False, default=False)
    cat_orphan = Column(Boolean, nullable=False, default=False)
    cat_other = Column(Boolean, nullable=False, default=False)
    # Derived from the categories on every flush (app/rules/identification.py).
    is_priority = Column(Boolean, nullable=False, default=False, index=True)
    evidence_source = Column(String(16), nullable=False)
    identified_on = Column(Date, nullable=False, index=True)
    notes = Column(Text)
    # carried forward from last school year by the turnover (app/operations/turnover.py): 认定 is yearly, so confirm it
    needs_review = Column(Boolean, nullable=False, default=False, server_default="0", index=True)
    # In force: the award rules read only effective identifications (app/rules/eligibility.py).  Filed
    # through the procedure (app/rules/procedure.py), entered by the centre, or carrying a category the
    # departments' lists verify; a school's own identification typed directly waits for its filing.
    effective = Column(Boolean, nullable=False, default=True, server_default="1", index=True)
    # the application filed with the centre that made or last changed it
    application_id = Column(Integer, ForeignKey("identification_application.id"), index=True)
    # 动态调整: the family left the list (its situation improved); no award after this day
    ended_on = Column(Date)
    end_reason = Column(Text)

    student = relationship("Student", back_populates="identifications", lazy="joined", innerjoin=True)
    school = relationship("School", lazy="joined", innerjoin=True)
    application = relationship("IdentificationApplication", foreign_keys=[application_id])

    def __str__(self):
        return f"{self.student.name} {self.school_year}"

    @property
    def categories_label(self):
        return "、".join(str(label) for name, label, _ in CATEGORIES if getattr(self, name))

    @property
    def level_label(self):
        return DIFFICULTY_LEVELS.label(self.level)
