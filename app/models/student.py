"""Students (学生)."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, String, Text, event, inspect
from sqlalchemy.orm import column_property, relationship

from app.security.crypto import Encrypted, HashedComparator, hash_default, lookup
from app.extensions import db
from app.domain.idcard import mask
from app.models.base import SchoolOwned, Timestamps
from app.models.choices import GENDERS, Choices


# Where a pupil stands (app/rules/pupil_status.py): changed only by a recorded StatusChange.
STUDENT_STATUSES = Choices(
    ("in_school", _l("In school")),
    ("suspended", _l("Suspended (休学)")),
    ("dropped_out", _l("Dropped out")),
    ("transferred_out", _l("Left the county")),
    ("graduated", _l("Graduated")),
)
# What happened: each change of a pupil's status, and the moves between schools of the county.
STATUS_CHANGES = Choices(
    ("enrol", _l("Enrolled")),
    ("transfer_in", _l("Transferred in")),
    ("transfer_out", _l("Transferred out")),
    ("suspend", _l("Suspended")),
    ("resume", _l("Resumed school")),
    ("drop_out", _l("Dropped out")),
    ("return", _l("Returned to school")),
    ("graduate", _l("Graduated")),
)

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
        # One 学籍号, one pupil, county-wide (app/rules/studentno.py): on its keyed hash too; none for many.
        Index("uq_student_student_number_hash", "student_number_hash", unique=True),
        STUDENT_STATUSES.check("status"),
    )
    __choices__ = {"gender": GENDERS, "status": STUDENT_STATUSES}

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False)
    name = Column(String(50), nullable=False, index=True)
    gender = Column(String(1), nullable=False)
    # Encrypted at rest (app/security/crypto.py); `Student.id_number == x` and `.in_()` compare the keyed hash.
    id_number = column_property(Column(Encrypted(18), nullable=False, info={"hashed_by": "id_number_hash"}),
                                comparator_factory=HashedComparator)
    # HMAC-SHA256 of the normalised number: exact search and uniqueness; filled on every write.
    id_number_hash = Column(String(64), nullable=False, default=hash_default("id_number"),
                            info={"lookup_of": "id_number"})
    # 全国学籍号 (app/rules/studentno.py): personal data like the ID number (mostly G + the ID number), so
    # encrypted and found by its keyed hash the same way; empty until the school records it.
    student_number = column_property(Column(Encrypted(19), info={"hashed_by": "student_number_hash"}),
                                     comparator_factory=HashedComparator)
    student_number_hash = Column(String(64), default=hash_default("student_number"),
                                 info={"lookup_of": "student_number"})
    birth_date = Column(Date, nullable=False)
    grade = Column(String(20), nullable=False)
    class_name = Column(String(20), nullable=False)
    enrolment_year = Column(Integer, nullable=False)
    guardian = Column(String(50))
    guardian_phone = Column(Encrypted(30))
    address = Column(String(200))
    # 寄宿生: the living allowance of compulsory education is a boarder's standard, half for others.
    boarding = Column(Boolean, nullable=False, default=False, server_default="0")
    # 在校 / 休学 / 退学 / 转出县外 / 毕业: written only with a StatusChange (app/rules/pupil_status.py).
    status = Column(String(16), nullable=False, default="in_school", server_default="in_school", index=True)

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

    @property
    def status_label(self):
        return STUDENT_STATUSES.label(self.status)


@event.listens_for(Student, "before_insert")
@event.listens_for(Student, "before_update")
def _hash_id_number(mapper, connection, target):
    """Keep the keyed hash in step with the number (the rules have normalised it by now)."""
    state = inspect(target)
    if state.attrs.id_number.history.has_changes() or target.id_number_hash is None:
        target.id_number_hash = lookup(target.id_number)


@event.listens_for(Student, "before_insert")
@event.listens_for(Student, "before_update")
def _hash_student_number(mapper, connection, target):
    """The 学籍号's keyed hash, in step with it (none for none)."""
    state = inspect(target)
    if state.attrs.student_number.history.has_changes() or (target.student_number and target.student_number_hash is None):
        target.student_number_hash = lookup(target.student_number)


class StatusChange(Timestamps, SchoolOwned, db.Model):
    """学籍变动: one change of a pupil's status, at the school the pupil was at that day.

    ``school_id`` is that school (not the pupil's school today: after a move between two schools of
    the county, each keeps its own line of the history). ``other_school_id``: the other school of a
    move (转入: where from; 转出: where to, empty when the pupil left the county). Never edited nor
    deleted: a wrong change is corrected by the next one.
    """

    __tablename__ = "student_status_change"
    __table_args__ = (
        STATUS_CHANGES.check("kind"),
        Index("ix_student_status_change_student", "student_id", "changed_on"),
        # 控辍保学 (app/rules/pupil_status.py): a school year's leavers, found from the changes of that kind
        Index("ix_student_status_change_kind_on", "kind", "changed_on"),
    )
    __choices__ = {"kind": STATUS_CHANGES}

    id = Column(Integer, primary_key=True)
    student_id = Column(Integer, ForeignKey("student.id"), nullable=False)
    kind = Column(String(16), nullable=False)
    changed_on = Column(Date, nullable=False)
    reason = Column(Text)
    other_school_id = Column(Integer, ForeignKey("school.id"))
    recorded_by_id = Column(Integer, ForeignKey("ab_user.id"))

    # outer: after a move, the old school's line stays on its list though the pupil is no longer its own
    student = relationship("Student", lazy="joined")
    school = relationship("School", foreign_keys="StatusChange.school_id", lazy="joined", innerjoin=True)
    other_school = relationship("School", foreign_keys=[other_school_id])
    recorded_by = relationship("User")

    def __str__(self):
        return f"{self.changed_on} {STATUS_CHANGES.label(self.kind)}"

    @property
    def kind_label(self):
        return STATUS_CHANGES.label(self.kind)


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


HANDOVER_STATUSES = Choices(
    ("pending", _l("Awaiting the receiving school")),
    ("accepted", _l("Accepted by the receiving school")),
    ("declined", _l("Declined")),
    ("withdrawn", _l("Withdrawn")),
)


class SchoolTransfer(Timestamps, SchoolOwned, db.Model):
    """转出到本县学校: a school sends its pupil to another school of the county, which accepts it.

    ``school_id`` is the sending school (the record is its own: it files and may withdraw it);
    ``to_school_id`` the receiving school, which sees the record too (``__shared_with__``) and
    accepts the pupil into a grade and class of its own or declines with a reason. Until then the
    receiving school learns of the pupil only what it needs to recognise the child, copied here when
    the transfer is filed: name, gender, grade and the masked ID number (app/rules/transfers.py).
    """

    __tablename__ = "school_transfer"
    __table_args__ = (
        HANDOVER_STATUSES.check("status"),
        GENDERS.check("gender"),
        # a pupil has one pending transfer at most, whoever files it at the same moment
        Index("uq_school_transfer_pending", "student_id", unique=True,
              postgresql_where=db.text("status = 'pending'"), sqlite_where=db.text("status = 'pending'")),
    )
    __choices__ = {"status": HANDOVER_STATUSES, "gender": GENDERS}
    __shared_with__ = "to_school_id"

    id = Column(Integer, primary_key=True)
    to_school_id = Column(Integer, ForeignKey("school.id"), nullable=False, index=True)
    student_id = Column(Integer, ForeignKey("student.id"), nullable=False)
    left_on = Column(Date, nullable=False)
    reason = Column(Text, nullable=False)
    # what the receiving school reads of the pupil, as it was when the transfer was filed
    name = Column(String(50), nullable=False)
    gender = Column(String(1), nullable=False)
    grade = Column(String(20), nullable=False)
    id_number_masked = Column(String(18), nullable=False)
    status = Column(String(16), nullable=False, default="pending", index=True)
    # the receiving school's answer: the grade and class the pupil joins, or why it declines
    joined_grade = Column(String(20))
    joined_class = Column(String(20))
    answer = Column(Text)
    decided_by_id = Column(Integer, ForeignKey("ab_user.id"))
    decided_at = Column(DateTime)

    # each school sees only its own school's record (app/security/scope.py): the screens name the other school
    # from the county's list of names (app/views/transfers.py), and no load may join it
    school = relationship("School", foreign_keys="SchoolTransfer.school_id")
    to_school = relationship("School", foreign_keys=[to_school_id])
    student = relationship("Student", foreign_keys=[student_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    def __str__(self):
        return f"{self.name}（{self.id_number_masked}）"

    @property
    def status_label(self):
        return HANDOVER_STATUSES.label(self.status)

    @property
    def gender_label(self):
        return GENDERS.label(self.gender)
