"""Students (学生)."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, String, Text, event, inspect
from sqlalchemy.orm import column_property, relationship

from app.crypto import Encrypted, HashedComparator, hash_default, lookup
from app.extensions import db
from app.idcard import mask
from app.models.base import SchoolOwned, Timestamps
from app.models.choices import GENDERS, Choices


# The predicate of ix_student_gaps, as app/kpi/completeness.py writes it (any_empty()).
GAPS = ("guardian IS NULL OR trim(guardian) = '' OR guardian_phone IS NULL OR trim(guardian_phone) = '' "
        "OR address IS NULL OR trim(address) = ''")


class Student(Timestamps, SchoolOwned, db.Model):
    __tablename__ = "student"
    __table_args__ = (
        GENDERS.check("gender"),
        # An officer's list: one school's students, newest first, a page at a time.
        Index("ix_student_school_id_id", "school_id", "id"),
        # Completeness (app/kpi/completeness.py): only the pupils with an optional required field empty.
        Index("ix_student_gaps", "school_id", postgresql_where=db.text(GAPS), sqlite_where=db.text(GAPS)),
        # One pupil, one ID number, county-wide: on the keyed hash (the number itself is encrypted).
        Index("uq_student_id_number_hash", "id_number_hash", unique=True),
    )
    __choices__ = {"gender": GENDERS}

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False)
    name = Column(String(50), nullable=False, index=True)
    gender = Column(String(1), nullable=False)
    # Encrypted at rest (app/crypto.py); `Student.id_number == x` and `.in_()` compare the keyed hash.
    id_number = column_property(Column(Encrypted(18), nullable=False, info={"hashed_by": "id_number_hash"}),
                                comparator_factory=HashedComparator)
    # HMAC-SHA256 of the normalised number: exact search and uniqueness; filled on every write.
    id_number_hash = Column(String(64), nullable=False, default=hash_default("id_number"),
                            info={"lookup_of": "id_number"})
    birth_date = Column(Date, nullable=False)
    grade = Column(String(20), nullable=False)
    class_name = Column(String(20), nullable=False)
    enrolment_year = Column(Integer, nullable=False)
    guardian = Column(String(50))
    guardian_phone = Column(Encrypted(30))
    address = Column(String(200))
    # 寄宿生: the living allowance of compulsory education is a boarder's standard, half for others.
    boarding = Column(Boolean, nullable=False, default=False, server_default="0")

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


@event.listens_for(Student, "before_insert")
@event.listens_for(Student, "before_update")
def _hash_id_number(mapper, connection, target):
    """Keep the keyed hash in step with the number (the rules have normalised it by now)."""
    state = inspect(target)
    if state.attrs.id_number.history.has_changes() or target.id_number_hash is None:
        target.id_number_hash = lookup(target.id_number)


TRANSFER_STATUSES = Choices(
    ("pending", _l("Awaiting the centre")),
    ("done", _l("Transferred")),
    ("returned", _l("Returned")),
)


class TransferRequest(Timestamps, SchoolOwned, db.Model):
    """学生转入申请: a school asks the county centre to move to it a pupil registered elsewhere.

    ``school_id`` is the school asking (the pupil's new school): the request is that school's record.
    What the school typed is all the request holds until the centre decides; the pupil's current
    school and record are looked up by the centre only (app/rules/transfers.py), so the school learns
    nothing of another school's pupil beyond what it typed itself.
    """

    __tablename__ = "transfer_request"
    __table_args__ = (TRANSFER_STATUSES.check("status"),)
    __choices__ = {"status": TRANSFER_STATUSES}

    id = Column(Integer, primary_key=True)
    id_number = column_property(Column(Encrypted(18), nullable=False, info={"hashed_by": "id_number_hash"}),
                                comparator_factory=HashedComparator)
    id_number_hash = Column(String(64), nullable=False, index=True, default=hash_default("id_number"),
                            info={"lookup_of": "id_number"})
    name = Column(String(50), nullable=False)
    grade = Column(String(20), nullable=False)
    class_name = Column(String(20), nullable=False)
    reason = Column(Text, nullable=False)
    status = Column(String(16), nullable=False, default="pending", index=True)
    answer = Column(Text)
    decided_by_id = Column(Integer, ForeignKey("ab_user.id"))
    decided_at = Column(DateTime)
    # the pupil moved, once the centre has moved it
    student_id = Column(Integer, ForeignKey("student.id"))

    school = relationship("School", lazy="joined", innerjoin=True)
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    student = relationship("Student", foreign_keys=[student_id])

    def __str__(self):
        return f"{self.name}（{mask(self.id_number)}）"

    @property
    def status_label(self):
        return TRANSFER_STATUSES.label(self.status)


# the request's number keeps its keyed hash exactly as a pupil's does
event.listen(TransferRequest, "before_insert", _hash_id_number)
event.listen(TransferRequest, "before_update", _hash_id_number)
