"""宣传与走访 and 队伍建设: home visits (百千万大走访), publicity activities, the aid staff and
their training, and 资助育人 recognitions such as 励志之星.

The figures drawn from these records are in app/kpi/outreach.py.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from app.extensions import db
from app.models.base import SchoolOwned, Timestamps
from app.models.choices import Choices

VISIT_TYPES = Choices(
    ("entering_senior", _l("Family of a pupil about to enter senior high school")),
    ("receiving_aid", _l("Family receiving aid")),
    ("needing_loan", _l("Family needing a student loan")),
    # 控辍保学: the visit after a pupil left school, to bring the pupil back (app/rules/pupil_status.py)
    ("persuade_back", _l("Persuading a pupil back to school (劝返)")),
)
ACTIVITY_TYPES = Choices(
    ("first_lesson", _l("First lesson of the term brochure")),
    ("parent_letter", _l("Letter to parents")),
    ("class_meeting", _l("Class meeting")),
    ("parent_meeting", _l("Parents' meeting")),
    ("screen", _l("Electronic screen")),
    ("blackboard", _l("Blackboard newspaper")),
    ("two_lessons", _l("Two lessons")),
    ("other", _l("Other")),
)
TARGET_STAGES = Choices(
    ("junior", _l("Junior high pupils: senior high and vocational aid")),
    ("senior", _l("Senior high pupils: student loans and university aid")),
    ("all", _l("All pupils and parents")),
)
EMPLOYMENT = Choices(("full_time", _l("Full-time")), ("part_time", _l("Part-time")))
RECOGNITION_KINDS = Choices(("star", _l("Star of self-reliance (励志之星)")), ("other", _l("Other aid-education activity")))


class HomeVisit(Timestamps, SchoolOwned, db.Model):
    """One visit to a pupil's family: who went, what was found, what the family said, what is left to do."""

    __tablename__ = "home_visit"
    __school_from__ = "student"
    __table_args__ = (VISIT_TYPES.check("visit_type"),)
    __choices__ = {"visit_type": VISIT_TYPES}

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False, index=True)
    student_id = Column(Integer, ForeignKey("student.id"), nullable=False, index=True)
    visit_type = Column(String(16), nullable=False, index=True)
    visited_on = Column(Date, nullable=False, index=True)
    visitors = Column(String(200), nullable=False)
    family_met = Column(String(100))
    findings = Column(Text, nullable=False)
    opinions = Column(Text)
    solved = Column(Text)
    open_problems = Column(Text)
    follow_up = Column(Text)
    resolved = Column(Boolean, nullable=False, default=False)

    student = relationship("Student", lazy="joined", innerjoin=True)
    school = relationship("School", lazy="joined", innerjoin=True)

    def __str__(self):
        return f"{self.student.name if self.student else ''} {self.visited_on}"


class PublicityActivity(Timestamps, SchoolOwned, db.Model):
    """One 资助宣传 activity of a school, with whom it reached and its photos."""

    __tablename__ = "publicity_activity"
    __table_args__ = (ACTIVITY_TYPES.check("activity_type"), TARGET_STAGES.check("target_stage"))
    __choices__ = {"activity_type": ACTIVITY_TYPES, "target_stage": TARGET_STAGES}

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False, index=True)
    activity_type = Column(String(16), nullable=False, index=True)
    held_on = Column(Date, nullable=False, index=True)
    title = Column(String(200), nullable=False)
    audience = Column(Integer, nullable=False, default=0)
    target_stage = Column(String(8), nullable=False, default="all")
    notes = Column(Text)

    school = relationship("School", lazy="joined", innerjoin=True)
    photos = relationship("PublicityPhoto", back_populates="activity", cascade="all, delete-orphan",
                          order_by="PublicityPhoto.id")

    def __str__(self):
        return f"{self.held_on} {self.title}"


class PublicityPhoto(SchoolOwned, db.Model):
    __tablename__ = "publicity_photo"
    __school_from__ = "activity"

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False, index=True)
    activity_id = Column(Integer, ForeignKey("publicity_activity.id", ondelete="CASCADE"), nullable=False, index=True)
    path = Column(String(300), nullable=False)
    name = Column(String(200), nullable=False)

    activity = relationship("PublicityActivity", back_populates="photos")
    school = relationship("School")


class AidStaff(Timestamps, SchoolOwned, db.Model):
    """A person doing aid work, at a school or (no school) at the county centre."""

    __tablename__ = "aid_staff"
    __table_args__ = (EMPLOYMENT.check("employment"),)
    __choices__ = {"employment": EMPLOYMENT}

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=True, index=True)
    name = Column(String(50), nullable=False)
    post = Column(String(50), nullable=False)
    employment = Column(String(10), nullable=False, default="part_time")
    since = Column(Date, nullable=False)
    until = Column(Date)  # left the post

    school = relationship("School", lazy="joined")
    attendances = relationship("TrainingAttendance", back_populates="staff")

    def __str__(self):
        return f"{self.name}（{self.school.name if self.school else _l('County aid centre')}）"


class TrainingSession(Timestamps, db.Model):
    """A training of aid staff: county-wide, organised by the centre."""

    __tablename__ = "training_session"

    id = Column(Integer, primary_key=True)
    held_on = Column(Date, nullable=False, index=True)
    topic = Column(String(200), nullable=False)
    hours = Column(Numeric(4, 1), nullable=False)
    trainer = Column(String(100))
    place = Column(String(100))

    attendances = relationship("TrainingAttendance", back_populates="session", cascade="all, delete-orphan")

    def __str__(self):
        return f"{self.held_on} {self.topic}"


class TrainingAttendance(SchoolOwned, db.Model):
    __tablename__ = "training_attendance"
    __school_from__ = "staff"
    __table_args__ = (UniqueConstraint("session_id", "staff_id", name="uq_training_attendance"),)

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=True, index=True)
    session_id = Column(Integer, ForeignKey("training_session.id", ondelete="CASCADE"), nullable=False, index=True)
    staff_id = Column(Integer, ForeignKey("aid_staff.id"), nullable=False, index=True)

    session = relationship("TrainingSession", back_populates="attendances", lazy="joined", innerjoin=True)
    staff = relationship("AidStaff", back_populates="attendances", lazy="joined", innerjoin=True)
    school = relationship("School")

    def __str__(self):
        return f"{self.staff} · {self.session}"


class Recognition(Timestamps, SchoolOwned, db.Model):
    """资助育人: a pupil selected 励志之星, or recognised in another aid-education activity."""

    __tablename__ = "recognition"
    __school_from__ = "student"
    __table_args__ = (RECOGNITION_KINDS.check("kind"),
                      UniqueConstraint("student_id", "year", "kind", "title", name="uq_recognition"))
    __choices__ = {"kind": RECOGNITION_KINDS}

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False, index=True)
    student_id = Column(Integer, ForeignKey("student.id"), nullable=False, index=True)
    year = Column(Integer, nullable=False, index=True)
    kind = Column(String(8), nullable=False, default="star")
    title = Column(String(100), nullable=False)
    citation = Column(Text, nullable=False)

    student = relationship("Student", lazy="joined", innerjoin=True)
    school = relationship("School", lazy="joined", innerjoin=True)

    def __str__(self):
        return f"{self.year} {self.title} {self.student.name if self.student else ''}"
