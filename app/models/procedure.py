"""家庭经济困难学生认定程序: the yearly procedure of the 2018 national guidance (教财〔2018〕16号).

    申请 applied ──assess (班级评议小组)──▶ assessed ──review (学校审核)──▶ reviewed ──(公示)──▶ published
       │  (a verified 困中之困 category: review at once, no 评议)                 └──▶ rejected (不予认定)
    published ──(the school files the notice, the centre accepts)──▶ filed: the identification is effective
             └──(the centre returns the notice, with a reason)──▶ returned ──review──▶ reviewed ...

The application is the family's 认定申请表 as the officer enters it for the family: its members
(``FamilyMember``), the guidance's factors, the level asked for, the statement and the evidence
files (``ApplicationEvidence``).  The school publishes its reviewed applications of a school year
as one 公示 (``IdentificationNotice``) for the working days the county set; objections during the
period (``NoticeObjection``) are answered before the school files it with the centre.  The rules
are in app/rules/procedure.py.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import relationship

from app import clock
from app.extensions import db
from app.models.base import SchoolOwned, Timestamps
from app.models.choices import DIFFICULTY_LEVELS, Choices
from app.models.identification import CATEGORIES

APPLICATION_STATUSES = Choices(
    ("applied", _l("Applied")),
    ("assessed", _l("Assessed by the class panel")),
    ("reviewed", _l("Reviewed by the school")),
    ("rejected", _l("Not identified")),
    ("published", _l("Published")),
    ("filed", _l("Filed")),
    ("returned", _l("Returned by the centre")),
)
REVIEW_DECISIONS = Choices(
    ("accept", _l("Accept the proposed level")),
    ("change", _l("Change the level")),
    ("reject", _l("Reject")),
)
NOTICE_STATUSES = Choices(
    ("published", _l("Published")),
    ("submitted", _l("Submitted for filing")),
    ("filed", _l("Filed")),
    ("returned", _l("Returned by the centre")),
)
# The guidance's factors (教财〔2018〕16号 三、认定依据), as the family describes them.
FACTORS = (
    ("factor_economy", _l("Family economy (家庭经济因素)")),
    ("factor_region", _l("Region (地域因素)")),
    ("factor_sudden", _l("Sudden events (突发状况)")),
    ("factor_spending", _l("The pupil's spending (学生消费因素)")),
    ("factor_other", _l("Other factors")),
)


class IdentificationApplication(Timestamps, SchoolOwned, db.Model):
    """One pupil's 家庭经济困难学生认定申请 for a school year, and what the panel and the school made of it."""

    __tablename__ = "identification_application"
    __school_from__ = "student"
    __table_args__ = (
        Index("ix_identification_application_school_year_status", "school_id", "school_year", "status"),
        APPLICATION_STATUSES.check("status"),
        DIFFICULTY_LEVELS.check("level_requested"),
    )
    __choices__ = {"status": APPLICATION_STATUSES, "level_requested": DIFFICULTY_LEVELS,
                   "proposed_level": DIFFICULTY_LEVELS, "final_level": DIFFICULTY_LEVELS,
                   "review_decision": REVIEW_DECISIONS}

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False, index=True)
    student_id = Column(Integer, ForeignKey("student.id"), nullable=False, index=True)
    school_year = Column(String(9), nullable=False, index=True)
    applied_on = Column(Date, nullable=False)
    # 动态调整: an application made during the year for a new hardship (illness, disaster)
    mid_year = Column(Boolean, nullable=False, default=False)
    # 特殊群体因素 (建档立卡, 低保, 特困, 残疾, 孤儿, other): the same categories as an identification
    cat_registered_poor = Column(Boolean, nullable=False, default=False)
    cat_subsistence = Column(Boolean, nullable=False, default=False)
    cat_extreme_poverty = Column(Boolean, nullable=False, default=False)
    cat_disability = Column(Boolean, nullable=False, default=False)
    cat_orphan = Column(Boolean, nullable=False, default=False)
    cat_other = Column(Boolean, nullable=False, default=False)
    factor_economy = Column(Text)
    factor_region = Column(Text)
    factor_sudden = Column(Text)
    factor_spending = Column(Text)
    factor_other = Column(Text)
    level_requested = Column(String(16), nullable=False)
    statement = Column(Text, nullable=False)

    status = Column(String(12), nullable=False, default="applied", index=True)
    # 班级评议小组
    panel_members = Column(Text)
    assessed_on = Column(Date)
    proposed_level = Column(String(16))
    assessment_notes = Column(Text)
    # 学校审核
    review_decision = Column(String(8))
    final_level = Column(String(16))
    review_reason = Column(Text)
    reviewed_on = Column(Date)
    # 公示 and 备案
    notice_id = Column(Integer, ForeignKey("identification_notice.id"), index=True)
    return_reason = Column(Text)

    student = relationship("Student", lazy="joined", innerjoin=True)
    school = relationship("School", lazy="joined", innerjoin=True)
    notice = relationship("IdentificationNotice", back_populates="applications")
    members = relationship("FamilyMember", back_populates="application", order_by="FamilyMember.id")
    evidence = relationship("ApplicationEvidence", back_populates="application", order_by="ApplicationEvidence.id")

    def __str__(self):
        return f"{self.student.name} {self.school_year}"

    @property
    def status_label(self):
        return APPLICATION_STATUSES.label(self.status)

    @property
    def categories_label(self):
        return "、".join(str(label) for name, label, _ in CATEGORIES if getattr(self, name))

    @property
    def level_label(self):
        return DIFFICULTY_LEVELS.label(self.final_level or self.proposed_level or self.level_requested)


class FamilyMember(SchoolOwned, db.Model):
    """家庭成员情况: one row of the application's family table."""

    __tablename__ = "identification_family_member"
    __school_from__ = "application"

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False, index=True)
    application_id = Column(Integer, ForeignKey("identification_application.id"), nullable=False, index=True)
    relation = Column(String(20), nullable=False)
    name = Column(String(50), nullable=False)
    age = Column(Integer)
    occupation = Column(String(100))  # work unit or school
    yearly_income = Column(Numeric(12, 2))

    application = relationship("IdentificationApplication", back_populates="members")
    school = relationship("School")

    def __str__(self):
        return f"{self.relation} {self.name}"


class ApplicationEvidence(SchoolOwned, db.Model):
    """A certificate or photo backing an application, stored outside the web root (app/files/storage.py)."""

    __tablename__ = "identification_evidence"
    __school_from__ = "application"

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False, index=True)
    application_id = Column(Integer, ForeignKey("identification_application.id"), nullable=False, index=True)
    path = Column(String(300), nullable=False)
    name = Column(String(200), nullable=False)
    description = Column(String(200))
    uploaded_at = Column(DateTime, nullable=False, default=clock.now)

    application = relationship("IdentificationApplication", back_populates="evidence")
    school = relationship("School")

    def __str__(self):
        return self.name


class IdentificationNotice(Timestamps, SchoolOwned, db.Model):
    """The school's 公示 of its proposed list for a school year (or a mid-year batch), and its filing."""

    __tablename__ = "identification_notice"
    __table_args__ = (NOTICE_STATUSES.check("status"),)
    __choices__ = {"status": NOTICE_STATUSES}

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False, index=True)
    school_year = Column(String(9), nullable=False, index=True)
    title = Column(String(200), nullable=False)
    starts_on = Column(Date, nullable=False)
    ends_on = Column(Date, nullable=False)
    working_days = Column(Integer, nullable=False)
    status = Column(String(10), nullable=False, default="published", index=True)
    submitted_at = Column(DateTime)
    decided_at = Column(DateTime)
    decided_by_id = Column(Integer, ForeignKey("ab_user.id"))
    return_reason = Column(Text)

    school = relationship("School", lazy="joined", innerjoin=True)
    decided_by = relationship("User")
    applications = relationship("IdentificationApplication", back_populates="notice")
    objections = relationship("NoticeObjection", back_populates="notice", order_by="NoticeObjection.id")

    def __str__(self):
        return self.title

    @property
    def status_label(self):
        return NOTICE_STATUSES.label(self.status)


class NoticeObjection(SchoolOwned, db.Model):
    """An objection raised during the 公示期, and the school's answer."""

    __tablename__ = "identification_objection"
    __school_from__ = "notice"

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False, index=True)
    notice_id = Column(Integer, ForeignKey("identification_notice.id"), nullable=False, index=True)
    application_id = Column(Integer, ForeignKey("identification_application.id"))
    received_on = Column(Date, nullable=False)
    content = Column(Text, nullable=False)
    answer = Column(Text)
    answered_on = Column(Date)

    notice = relationship("IdentificationNotice", back_populates="objections")
    application = relationship("IdentificationApplication")
    school = relationship("School")

    def __str__(self):
        return f"{self.notice} · {self.received_on}"
