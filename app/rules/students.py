"""What makes a student record right: the ID number and what it encodes, uniqueness, and a
plausible record: a grade of the school's stage, an age that fits the grade, an enrolment year
neither in the future nor long past, a class named as schools name them, a phone that can be
called (全国学生资助管理信息系统 and the 学籍 system take these fields as the school reports them).

The grades, usual ages and tolerances are data: app/domain/grades.py.  A stored pupil is judged on
what the write changes (``written``): an old record does not block an unrelated edit, and the
year's promotion (app/operations/turnover.py) does not judge the age again.
"""
import re
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.rules import idcard
from app.rules import studentno
from app.models.choices import GENDERS, STAGES
from app.rules import RuleError, grades
from app.rules.phones import check_phones
from app.rules.stored import written
from app.security.scope import unscoped


def _holder(session, condition, exclude_id):
    """The pupil (anywhere in the county: the scope is not applied) a number condition finds, but this one."""
    from app.models import Student

    stmt = select(Student.id, Student.school_id, Student.name, Student.grade, Student.class_name).where(condition)
    if exclude_id is not None:
        stmt = stmt.where(Student.id != exclude_id)
    return session.execute(stmt.execution_options(**unscoped())).first()


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
    row = _holder(session, Student.id_number == id_number, exclude_id)
    if row is None:
        return None
    if school_id is not None and row.school_id == school_id:
        return _l(
            "This ID number is already registered for %(name)s (%(grade)s %(cls)s) at this school.",
            name=row.name, grade=row.grade, cls=row.class_name,
        )
    from app.rules.transfers import REGISTERED_ELSEWHERE

    return REGISTERED_ELSEWHERE


def student_number_duplicate(session, number, exclude_id=None, school_id=None):
    """A readable message when another pupil holds this 学籍号, else None: as for the ID number, the
    lookup is county-wide and an officer learns only that the number is registered, never where."""
    from app.models import Student

    if number in session.info.get("aid_checked_student_numbers", ()):
        return None  # an import checked this number against the whole county a moment ago
    row = _holder(session, Student.student_number == number, exclude_id)
    if row is None:
        return None
    if school_id is not None and row.school_id == school_id:
        return _l("This 学籍号 is already registered for %(name)s (%(grade)s %(cls)s) at this school.",
                  name=row.name, grade=row.grade, cls=row.class_name)
    from app.rules.transfers import STUDENT_NUMBER_ELSEWHERE

    return STUDENT_NUMBER_ELSEWHERE


def check_student_number(student, session, today, errors):
    """The 学籍号, when there is one: of a known form, G + the pupil's own ID number, upper-case, and
    no other pupil's in the county (app/rules/studentno.py)."""
    raw = getattr(student, "student_number", None)
    if raw is None or not str(raw).strip():
        if raw is not None:
            student.student_number = None  # blank: none recorded
        return
    try:
        number = studentno.parse(raw, id_number=student.id_number, today=today)
    except studentno.StudentNumberError as exc:
        errors["student_number"] = exc.message
        return
    if number != raw:
        student.student_number = number
    if written(student, "student_number"):
        message = student_number_duplicate(session, number, student.id, student.school_id)
        if message:
            errors["student_number"] = message


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
    if student.school_id is None and getattr(student, "school", None) is None:
        errors["school"] = _l("This field is required.")
    for field in ("name", "grade", "class_name"):
        value = (getattr(student, field) or "").strip()
        if not value:
            errors[field] = _l("This field is required.")
        elif value != getattr(student, field):
            setattr(student, field, value)
    check_student_number(student, session, today, errors)
    check_plausible(student, session, today, errors)
    check_phones(student, ("guardian_phone",), errors)
    if errors:
        raise RuleError(errors)


# A class is named as the school names it (1班, 一班, (3)班, 火箭班), never a bare code such as "x":
# it must hold a digit or a Chinese character.
CLASS_NAME = re.compile(r"[0-9０-９\u3400-\u9fff]")


def _school_of(student, session):
    from app.models import School

    if student.school_id is not None:
        with session.no_autoflush:
            return session.get(School, student.school_id)
    return getattr(student, "school", None)


def _promoted(student, stage):
    """Whether this write moves the pupil one grade up (the turnover's step) and nothing else."""
    from sqlalchemy import inspect

    state = inspect(student, raiseerr=False)
    if state is None or state.key is None or written(student, "school_id") or written(student, "birth_date"):
        return False
    before = state.attrs.grade.history.deleted
    return bool(before) and grades.next_grade(stage, before[0]) == student.grade


def school_year_start(today):
    return today.year if today.month >= 9 else today.year - 1


def age_on_first_september(birth, today):
    start = school_year_start(today)
    return start - birth.year - ((birth.month, birth.day) > (9, 1))


def check_plausible(student, session, today, errors):
    """Grade, age, enrolment year and class of a pupil, against the school's stage."""
    school = _school_of(student, session)
    stage = getattr(school, "stage", None)
    grade = student.grade
    if stage is not None and grade and "grade" not in errors and (written(student, "grade") or written(student, "school_id")):
        if grade != grades.GRADUATED and grade_message(stage, grade):
            errors["grade"] = grade_message(stage, grade)
    usual = grades.usual_age(grade)
    if ("grade" not in errors and usual is not None and student.birth_date is not None and "birth_date" not in errors
            and "id_number" not in errors and any(written(student, f) for f in ("grade", "school_id", "birth_date", "id_number"))
            and not _promoted(student, stage)):
        age, tolerance = usual
        if abs(age_on_first_september(student.birth_date, today) - age) > tolerance:
            # the pupil's age is not told: it is the birth date an ID number masked to some roles holds
            errors["grade"] = _l("The age from the ID number does not fit %(grade)s: its pupils are usually %(age)d "
                                 "on 1 September, and %(low)d to %(high)d are accepted. Check the grade and the ID number.",
                                 grade=grade, age=age, low=age - tolerance, high=age + tolerance)
    year = student.enrolment_year
    if year is not None and written(student, "enrolment_year"):
        latest = today.year
        earliest = 1990
        if stage is not None and grades.in_school(grade) and grades.stage_years(stage):
            earliest = today.year - grades.stage_years(stage) - grades.YEARS_BEYOND_STAGE
        try:
            year = int(year)
        except (TypeError, ValueError):
            year = None
        if year is None or not earliest <= year <= latest:
            errors["enrolment_year"] = _l("The enrolment year must be between %(low)d and %(high)d.",
                                          low=earliest, high=latest)
    if student.class_name and "class_name" not in errors and written(student, "class_name"):
        if class_message(student.class_name):
            errors["class_name"] = class_message(student.class_name)


def grade_message(stage, grade):
    """Why a grade is not one of a school of this stage, or None (used by transfers too)."""
    allowed = grades.grades_for_stage(stage)
    if grade in allowed:
        return None
    return _l("A %(stage)s has the grades %(grades)s: choose one of them.",
              stage=STAGES.label(stage), grades="、".join(allowed))


def class_message(class_name):
    """Why a class name is no class name, or None."""
    if CLASS_NAME.search(class_name or ""):
        return None
    return _l("Write the class as the school names it, for example 3班 or 一班.")
