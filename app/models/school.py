"""Schools and their information officers (基础数据)."""
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String
from sqlalchemy.orm import relationship

from app.extensions import db
from app.models.base import SchoolOwned, Timestamps
from app.models.choices import STAGES


class School(Timestamps, db.Model):
    __tablename__ = "school"
    __table_args__ = (STAGES.check("stage"),)
    __choices__ = {"stage": STAGES}

    id = Column(Integer, primary_key=True)
    code = Column(String(20), unique=True, nullable=False)
    name = Column(String(100), unique=True, nullable=False)
    stage = Column(String(16), nullable=False, index=True)
    town = Column(String(30), nullable=False, index=True)
    address = Column(String(200))
    principal = Column(String(30))
    phone = Column(String(30))
    complaint_hotline = Column(String(30))
    active = Column(Boolean, nullable=False, default=True)

    officer = relationship("InfoOfficer", back_populates="school", uselist=False)

    def __str__(self):
        return self.name

    @property
    def stage_label(self):
        return STAGES.label(self.stage)


class InfoOfficer(Timestamps, SchoolOwned, db.Model):
    """The one information officer (信息员) a school designates.

    The unique constraints make "one officer per school" and "one school per
    user" hold in the database itself.
    """

    __tablename__ = "info_officer"
    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False, unique=True)
    user_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False, unique=True)
    phone = Column(String(30))
    note = Column(String(200))

    user = relationship("User", lazy="joined")
    school = relationship("School", back_populates="officer", lazy="joined")

    def __str__(self):
        return f"{self.school} · {self.user}"


