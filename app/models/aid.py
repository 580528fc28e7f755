"""资助管理: aid programs, semesters and awards (who gets how much of which program when)."""
from sqlalchemy import (
    Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import relationship

from app.security.crypto import Encrypted
from app.extensions import db
from app.models.base import SchoolOwned, Timestamps
from app.models.choices import (
    AWARD_STATUSES, CARD_KINDS, DIFFICULTY_LEVELS, PERIODS, PROGRAM_KINDS, STAGES, TERMS,
)


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
    # Eligibility (app/rules/eligibility.py): a need-based programme aids only a pupil identified as
    # in difficulty for the award's school year, of one of ``levels`` (codes of DIFFICULTY_LEVELS) and,
    # when ``categories`` is set, of one of those categories (cat_* names); empty means any.
    needs_identification = Column(Boolean, nullable=False, default=False, server_default="0")
    levels = Column(String(100))
    categories = Column(String(200))
    # The grades it covers, comma-separated (中职国家助学金: 中职一年级,中职二年级); empty: every grade of
    # its stages. 已毕业 in the list lets it aid pupils who have left (大学新生入学资助).
    grades = Column(String(300))
    # 免学费: a waiver credited to the school, never money sent to a card (no payment batch).
    waiver = Column(Boolean, nullable=False, default=False, server_default="0")

    def __str__(self):
        return self.name

    @staticmethod
    def _codes(value):
        return [code.strip() for code in (value or "").split(",") if code.strip()]

    @property
    def level_codes(self):
        return self._codes(self.levels)

    @property
    def category_codes(self):
        return self._codes(self.categories)

    @property
    def grade_list(self):
        return self._codes(self.grades)

    @property
    def levels_label(self):
        return "、".join(DIFFICULTY_LEVELS.label(code) for code in self.level_codes)

    @property
    def grades_label(self):
        return "、".join(self.grade_list)

    @property
    def categories_label(self):
        from app.models.identification import CATEGORIES

        labels = {name: str(label) for name, label, _ in CATEGORIES}
        return "、".join(labels.get(code, code) for code in self.category_codes)

    @property
    def stage_codes(self):
        return [code for code in (self.stages or "").split(",") if code]

    @property
    def stages_label(self):
        return "、".join(STAGES.label(code) for code in self.stage_codes)


class ProgramStandard(Timestamps, db.Model):
    """资助标准: the amount of a programme from a semester on, for a stage, boarders or not, and a tier.

    The standard of an award is the one in force in its semester (the latest ``since_year`` and
    ``since_term`` not after it), for the pupil's stage and boarding status, and, where the
    programme is tiered (rows with a ``level``), for the level of the pupil's identification.
    ``variant`` names alternatives the school chooses between (大学新生入学资助: 省内 / 省外).
    ``amount`` is per the programme's period: a year, a semester, or once.
    """

    __tablename__ = "program_standard"
    __table_args__ = (
        STAGES.check("stage"), DIFFICULTY_LEVELS.check("level"), TERMS.check("since_term"),
        Index("ix_program_standard_program_since", "program_id", "since_year", "since_term"),
    )
    __choices__ = {"stage": STAGES, "level": DIFFICULTY_LEVELS, "since_term": TERMS}

    id = Column(Integer, primary_key=True)
    program_id = Column(Integer, ForeignKey("aid_program.id"), nullable=False)
    since_year = Column(String(9), nullable=False)
    since_term = Column(String(1), nullable=False, default="1", server_default="1")
    stage = Column(String(16))
    boarding = Column(Boolean)
    level = Column(String(16))
    variant = Column(String(30))
    # The grades the row applies to (comma-separated, app/domain/grades.py spellings); blank: every grade
    # the programme covers.  中职国家助学金 covered 一、二年级 until spring 2025, every year since.
    grades = Column(String(300))
    amount = Column(Numeric(12, 2), nullable=False)
    policy = Column(String(200))

    program = relationship("AidProgram", lazy="joined", innerjoin=True)

    def __str__(self):
        return f"{self.program} {self.since_year}"

    @property
    def stage_label(self):
        return STAGES.label(self.stage) if self.stage else ""

    @property
    def level_label(self):
        return DIFFICULTY_LEVELS.label(self.level) if self.level else ""

    @property
    def grade_list(self):
        return [g.strip() for g in (self.grades or "").replace("，", ",").split(",") if g.strip()]

    @property
    def grades_label(self):
        return "、".join(self.grade_list)


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
        # ... and one school's aided pupils of the semester, in pupil order (a school's home page)
        Index("ix_award_semester_school_student", "semester_id", "school_id", "student_id", "status"),
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
    # No card for a waiver (免学费, credited to the school); every other award names one (app/rules/awards.py).
    card_kind = Column(String(16))
    card_number = Column(Encrypted(19))  # encrypted at rest (app/security/crypto.py)
    # 持卡人: the name on the card (a family card may be in a parent's name); the pupil's by default.
    card_holder = Column(String(50))
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
