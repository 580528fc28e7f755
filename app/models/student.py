"""Students (学生)."""
from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import relationship

from app.extensions import db
from app.idcard import mask
from app.models.base import SchoolOwned, Timestamps
from app.models.choices import GENDERS


# The predicate of ix_student_gaps, as app/kpi/completeness.py writes it (any_empty()).
GAPS = ("guardian IS NULL OR trim(guardian) = '' OR guardian_phone IS NULL OR trim(guardian_phone) = '' "
        "OR address IS NULL OR trim(address) = ''")


class Student(Timestamps, SchoolOwned, db.Model):
    __tablename__ = "student"
    __table_args__ = (
        # Completeness (app/kpi/completeness.py): only the pupils with an optional required field empty.
        Index("ix_student_gaps", "school_id", postgresql_where=db.text(GAPS), sqlite_where=db.text(GAPS)),
        GENDERS.check("gender"),
        # An officer's list: one school's students, newest first, a page at a time.
        Index("ix_student_school_id_id", "school_id", "id"),
    )
    __choices__ = {"gender": GENDERS}

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False)
    name = Column(String(50), nullable=False, index=True)
    gender = Column(String(1), nullable=False)
    id_number = Column(String(18), nullable=False, unique=True)
    birth_date = Column(Date, nullable=False)
    grade = Column(String(20), nullable=False)
    class_name = Column(String(20), nullable=False)
    enrolment_year = Column(Integer, nullable=False)
    guardian = Column(String(50))
    guardian_phone = Column(String(30))
    address = Column(String(200))

    school = relationship("School", lazy="joined", innerjoin=True)
    identifications = relationship(
        "Identification", back_populates="student", order_by="Identification.school_year.desc()"
    )

    def __str__(self):
        return f"{self.name}（{mask(self.id_number)}）"

    @property
    def id_number_masked(self):
        return mask(self.id_number)

    @property
    def gender_label(self):
        return GENDERS.label(self.gender)
