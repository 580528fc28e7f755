"""资助管理: aid programs, semesters and awards (who gets how much of which program when)."""
from sqlalchemy import (
    Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import relationship

from app.crypto import Encrypted
from app.extensions import db
from app.models.base import SchoolOwned, Timestamps
from app.models.choices import AWARD_STATUSES, CARD_KINDS, PERIODS, PROGRAM_KINDS, STAGES, TERMS


class AidProgram(Timestamps, db.Model):
    """资助项目: a national, local, school or social programme and its standard amount."""

    __tablename__ = "aid_program"
    __table_args__ = (PROGRAM_KINDS.check("kind"), PERIODS.check("period"))
    __choices__ = {"kind": PROGRAM_KINDS, "period": PERIODS}

    id = Column(Integer, primary_key=True)
    name = Column(String(100), unique=True, nullable=False)
    kind = Column(String(16), nullable=False)
    # Comma-separated stage codes (see STAGES): the stages whose pupils it may aid.
    stages = Column(String(100), nullable=False)
    standard_amount = Column(Numeric(12, 2), nullable=False)
    period = Column(String(16), nullable=False)
    funding_source = Column(String(100))
    active = Column(Boolean, nullable=False, default=True)
    notes = Column(Text)

    def __str__(self):
        return self.name

    @property
    def stage_codes(self):
        return [code for code in (self.stages or "").split(",") if code]

    @property
    def stages_label(self):
        return "、".join(STAGES.label(code) for code in self.stage_codes)


class Semester(Timestamps, db.Model):
    """学期: the unit in which aid is awarded and paid; one is the current one."""

    __tablename__ = "semester"
    __table_args__ = (UniqueConstraint("school_year", "term", name="uq_semester_year_term"), TERMS.check("term"))
    __choices__ = {"term": TERMS}

    id = Column(Integer, primary_key=True)
    school_year = Column(String(9), nullable=False)
    term = Column(String(1), nullable=False)
    starts_on = Column(Date, nullable=False)
    ends_on = Column(Date, nullable=False)
    # Awards approved in the semester must be paid by this day.
    payment_deadline = Column(Date)
    is_current = Column(Boolean, nullable=False, default=False)

    def __str__(self):
        return f"{self.school_year}学年第{'一' if self.term == '1' else '二'}学期"


class Award(Timestamps, SchoolOwned, db.Model):
    """资助名单/发放记录: one student, one programme, one semester, one amount."""

    __tablename__ = "award"
    __school_from__ = "student"
    __table_args__ = (
        AWARD_STATUSES.check("status"),
        CARD_KINDS.check("card_kind"),
        # The same student, programme and semester at most once, voided awards aside.
        Index(
            "uq_award_student_program_semester", "student_id", "program_id", "semester_id", unique=True,
            postgresql_where="status <> 'void'", sqlite_where=db.text("status <> 'void'"),
        ),
        Index("ix_award_school_id_id", "school_id", "id"),
        Index("ix_award_semester_program", "semester_id", "program_id"),
        # The dashboards (app/kpi/coverage.py, completeness.py): who is aided in a semester, the
        # semester's amounts by school and programme, paid awards per school and those without the day.
        Index("ix_award_semester_student", "semester_id", "student_id", "status"),
        Index("ix_award_semester_totals", "semester_id", "school_id", "program_id", "status", "amount"),
        Index("ix_award_status_school", "status", "school_id"),
        Index("ix_award_paid_undated", "status", "school_id",
              postgresql_where=db.text("paid_on IS NULL"), sqlite_where=db.text("paid_on IS NULL")),
    )
    __choices__ = {"status": AWARD_STATUSES, "card_kind": CARD_KINDS}

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False)
    student_id = Column(Integer, ForeignKey("student.id"), nullable=False, index=True)
    program_id = Column(Integer, ForeignKey("aid_program.id"), nullable=False)
    semester_id = Column(Integer, ForeignKey("semester.id"), nullable=False)
    amount = Column(Numeric(12, 2), nullable=False)
    over_standard_reason = Column(Text)
    card_kind = Column(String(16), nullable=False)
    card_number = Column(Encrypted(19), nullable=False)  # encrypted at rest (app/crypto.py)
    status = Column(String(16), nullable=False, default="proposed", index=True)
    approved_at = Column(DateTime)
    approved_by_id = Column(Integer, ForeignKey("ab_user.id"))
    paid_on = Column(Date)
    void_reason = Column(Text)
    voided_at = Column(DateTime)

    student = relationship("Student", lazy="joined", innerjoin=True)
    school = relationship("School", lazy="joined", innerjoin=True)
    program = relationship("AidProgram", lazy="joined", innerjoin=True)
    semester = relationship("Semester", lazy="joined", innerjoin=True)
    approved_by = relationship("User")

    def __str__(self):
        return f"{self.student.name} · {self.program} · {self.semester}"

    @property
    def status_label(self):
        return AWARD_STATUSES.label(self.status)
