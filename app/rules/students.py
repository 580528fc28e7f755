"""What makes a student record right: the ID number and what it encodes, uniqueness."""
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import idcard
from app.models.choices import GENDERS
from app.rules import RuleError
from app.scope import unscoped


def duplicate_message(session, id_number, exclude_id=None, school_id=None):
    """A readable message when another student holds this ID number, else None.

    The lookup ignores the school scope (the number is unique county-wide), but
    the message names another school's student to no one: an officer only
    learns that the number is on the county's list, and how to ask for the pupil
    (app/rules/transfers.py).
    """
    from app.models import Student

    if id_number in session.info.get("aid_checked_numbers", ()):
        return None  # an import checked this number against the whole county a moment ago
    stmt = select(Student.id, Student.school_id, Student.name, Student.grade, Student.class_name).where(
        Student.id_number == id_number
    )
    if exclude_id is not None:
        stmt = stmt.where(Student.id != exclude_id)
    row = session.execute(stmt.execution_options(**unscoped())).first()
    if row is None:
        return None
    if school_id is not None and row.school_id == school_id:
        return _l(
            "This ID number is already registered for %(name)s (%(grade)s %(cls)s) at this school.",
            name=row.name, grade=row.grade, cls=row.class_name,
        )
    from app.rules.transfers import REGISTERED_ELSEWHERE

    return REGISTERED_ELSEWHERE


def check_student(student, session, today=None):
    """Normalise and validate a student before it is written; raise RuleError."""
    errors = {}
    today = today or date.today()
    info = None
    try:
        info = idcard.parse(student.id_number, today=today)
        student.id_number = info.number
    except idcard.IdNumberError as exc:
        errors["id_number"] = exc.message
    if info is not None:
        if student.birth_date is None:
            student.birth_date = info.birth_date
        elif student.birth_date != info.birth_date:
            # without the date the number holds: told to whoever writes a date, it would give back
            # the middle of an ID number their role sees masked
            errors["birth_date"] = _l("The birth date does not match the ID number.")
        if not student.gender:
            student.gender = info.gender
        elif student.gender != info.gender:
            errors["gender"] = _l(
                "The gender does not match the ID number, which says %(g)s.", g=GENDERS.label(info.gender)
            )
        if "id_number" not in errors:
            message = duplicate_message(session, info.number, student.id, student.school_id)
            if message:
                errors["id_number"] = message
    if student.gender and student.gender not in GENDERS:
        errors["gender"] = _l("Not a valid choice")
    if student.enrolment_year is not None and not (1990 <= student.enrolment_year <= today.year + 1):
        errors["enrolment_year"] = _l("The enrolment year must be between 1990 and %(y)d.", y=today.year + 1)
    if student.school_id is None and getattr(student, "school", None) is None:
        errors["school"] = _l("This field is required.")
    for field in ("name", "grade", "class_name"):
        if not (getattr(student, field) or "").strip():
            errors[field] = _l("This field is required.")
    if errors:
        raise RuleError(errors)
