"""学生转入申请: a pupil registered at one school comes to another.

A pupil's ID number is unique in the county, so a school cannot register a pupil whose number is
already on another school's list. Whether a number is on the county's list is itself personal
data (it tells that a person is a pupil here), so a school learns exactly one thing when it tries:
that the number is registered, never where, under which name or in which class. What it can do
then is ask the county centre to move the pupil to it:

* the school files a request with what it knows (ID number, name, the grade and class the pupil
  joins, why); while the request waits, the school may correct it;
* the centre sees the request beside the pupil's current record (school, name, class), calls the
  schools if it must, and either moves the pupil (``approve``: the pupil's school, grade and class
  change, and the pupil's records follow it, as when the centre edits the pupil's school) or
  returns the request with a reason the school reads (``return_request``);
* a request that is decided stays as decided (it is the record of the move).

A 学籍号 (全国学籍号, app/studentno.py) is unique in the county the same way and answers the same way:
registered, never where (``STUDENT_NUMBER_ELSEWHERE``).

Nothing here tells the school which school the pupil came from: the moved pupil simply appears on
its list, with the records that follow it.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import clock, idcard
from app.roles import ADMIN, AID_CENTER, SCHOOL_OFFICER
from app.rules import RuleError, states
from app.scope import unscoped

WRITERS = frozenset({SCHOOL_OFFICER, AID_CENTER, ADMIN, states.SYSTEM})
CENTRE = frozenset({AID_CENTER, ADMIN, states.SYSTEM})
REQUEST = ("id_number", "name", "grade", "class_name", "reason")

REGISTERED_ELSEWHERE = _l(
    "This ID number is already on the county's pupil list. If the pupil has come to this school, file a "
    "transfer request (基础数据 › 学生转入申请): the county aid centre checks it and moves the pupil's record."
)

# The same for a 学籍号 (app/rules/students.py): registered, never where.
STUDENT_NUMBER_ELSEWHERE = _l(
    "This 学籍号 is already on the county's pupil list. If the pupil has come to this school, file a transfer "
    "request (基础数据 › 学生转入申请): the county aid centre checks it and moves the pupil's record."
)

STATES = states.StateRules(
    model="TransferRequest",
    what=_l("transfer request"),
    states={"pending": {REQUEST: WRITERS}, "done": {}, "returned": {}},
    created={"pending": WRITERS},
    steps=("status", "answer", "decided_by_id", "decided_at", "student_id"),
    ignored=("id_number_hash",),
    labels={"school": _l("Requesting school"), "id_number": _l("ID number"), "name": _l("Name"), "grade": _l("Grade"), "class_name": _l("Class"),
            "reason": _l("Reason"), "status": _l("Status"), "answer": _l("The centre's answer"),
            "decided_by": _l("Decided by"), "decided_at": _l("Decided at"), "student": _l("Student")},
    state_labels=lambda code: _status_label(code),
)


def _status_label(code):
    from app.models.student import TRANSFER_STATUSES

    return TRANSFER_STATUSES.label(code)


def check_transfer(request, session):
    """Normalise and validate a request before it is written; raise RuleError."""
    states.check(request, STATES, session)
    errors = {}
    try:
        request.id_number = idcard.parse(request.id_number).number
    except idcard.IdNumberError as exc:
        errors["id_number"] = exc.message
    for field in ("name", "grade", "class_name", "reason"):
        value = (getattr(request, field) or "").strip()
        if not value:
            errors[field] = _l("This field is required.")
        else:
            setattr(request, field, value)
    _check_grade_and_class(request, session, errors)
    if not errors and (request.status or "pending") == "pending" and _pending_twin(session, request):
        errors["id_number"] = _l("This school already has a request for this pupil awaiting the centre.")
    if errors:
        raise RuleError(errors)


def _check_grade_and_class(request, session, errors):
    """The grade the pupil joins is one of the requesting school's (app/rules/grades.py)."""
    from app.models import School
    from app.rules.stored import written
    from app.rules.students import class_message, grade_message

    if "grade" not in errors and request.school_id is not None and (written(request, "grade") or written(request, "school_id")):
        with session.no_autoflush:
            school = session.get(School, request.school_id)
        message = grade_message(school.stage, request.grade) if school is not None else None
        if message:
            errors["grade"] = message
    if "class_name" not in errors and written(request, "class_name") and class_message(request.class_name):
        errors["class_name"] = class_message(request.class_name)


def _pending_twin(session, request):
    from app.models.student import TransferRequest

    stmt = select(TransferRequest.id).where(
        TransferRequest.id_number == request.id_number, TransferRequest.school_id == request.school_id,
        TransferRequest.status == "pending",
    )
    if request.id is not None:
        stmt = stmt.where(TransferRequest.id != request.id)
    return session.execute(stmt.execution_options(**unscoped())).first() is not None


def registered_pupil(session, request):
    """The pupil the request names, wherever it is registered (for the centre's eyes only), or None."""
    from app.models import Student

    return session.scalars(
        select(Student).where(Student.id_number == request.id_number).execution_options(**unscoped())
    ).first()


def _decided(request, user, status, answer):
    states.step(request)
    request.status = status
    request.answer = answer
    request.decided_by_id = getattr(user, "id", None)
    request.decided_at = clock.now()


def _may_decide(request, roles):
    if not (set(roles) & CENTRE):
        raise RuleError({"status": _l("Only the county aid centre decides transfer requests.")})
    if request.status != "pending":
        raise RuleError({"status": _l("This request has already been decided.")})


def approve(request, session, roles, user=None):
    """Move the pupil to the requesting school, into the grade and class the school gave."""
    _may_decide(request, roles)
    pupil = registered_pupil(session, request)
    if pupil is None:
        raise RuleError({"id_number": _l("No pupil of the county has this ID number: return the request, "
                                         "the school adds the pupil itself.")})
    if pupil.school_id == request.school_id:
        raise RuleError({"id_number": _l("The pupil is already registered at this school: return the request.")})
    from app.rules.pupil_status import change

    old_school = pupil.school_id
    change(session, pupil, "transfer_out", user=user, other_school_id=request.school_id,
           reason=_l("Moved to another school of the county (学生转入申请)"))
    pupil.school_id = request.school_id
    pupil.grade = request.grade
    pupil.class_name = request.class_name
    change(session, pupil, "transfer_in", user=user, other_school_id=old_school, reason=request.reason)
    request.student_id = pupil.id
    _decided(request, user, "done", None)
    return pupil


def return_request(request, session, roles, answer, user=None):
    """Send the request back with the reason the school reads."""
    _may_decide(request, roles)
    answer = (answer or "").strip()
    if not answer:
        raise RuleError({"answer": _l("Write why the request is returned.")})
    _decided(request, user, "returned", answer)
