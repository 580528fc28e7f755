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

A 学籍号 (全国学籍号, app/rules/studentno.py) is unique in the county the same way and answers the same way:
registered, never where (``STUDENT_NUMBER_ELSEWHERE``).

Nothing here tells the school which school the pupil came from: the moved pupil simply appears on
its list, with the records that follow it.

转出到本县学校 (``SchoolTransfer``) is the other direction, and how a transfer usually starts: the
sending school records that its pupil leaves for another school of the county (date, reason);
the receiving school sees, in its list of incoming transfers, only what it needs to recognise the
child (name, gender, grade, the masked ID number, the sending school's name) and

* accepts it (``accept``), choosing the grade and class the pupil joins: the pupil moves with its
  records by the same ``move_pupil`` as the centre's approval, the history gets 转出 at the sending
  school and 转入 at the receiving one, and the sending school no longer sees the pupil;
* or declines it with a reason the sending school reads (``decline``): the pupil stays where it is.

While it waits, the sending school may withdraw it (``withdraw``) and the pupil cannot get a second
one; the centre sees every transfer and may answer a stuck one as the receiving school would. A
pupil who leaves the county is simply recorded as 转出 on its page (app/rules/pupil_status.py).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect, select

from app import clock
from app.rules import idcard
from app.security.roles import ADMIN, AID_CENTER, SCHOOL_OFFICER
from app.rules import RuleError, states
from app.security.scope import unscoped

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
    """The grade the pupil joins is one of the requesting school's (app/domain/grades.py)."""
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
    move_pupil(session, pupil, request.school_id, request.grade, request.class_name, user=user,
               reason_out=_l("Moved to another school of the county (学生转入申请)"), reason_in=request.reason)
    request.student_id = pupil.id
    _decided(request, user, "done", None)
    return pupil


def move_pupil(session, pupil, to_school_id, grade, class_name, user=None, left_on=None, reason_out=None,
               reason_in=None):
    """The one move of a pupil between two schools of the county: 转出 recorded at the old school
    (naming the new one), the pupil's school, grade and class changed, 转入 recorded at the new school
    (naming the old one). The pupil's records follow it on the flush (app/security/scope.py)."""
    from app.rules.pupil_status import change

    old_school = pupil.school_id
    change(session, pupil, "transfer_out", on=left_on, user=user, other_school_id=to_school_id, reason=reason_out)
    pupil.school_id = to_school_id
    pupil.grade = grade
    pupil.class_name = class_name
    change(session, pupil, "transfer_in", user=user, other_school_id=old_school, reason=reason_in)


def return_request(request, session, roles, answer, user=None):
    """Send the request back with the reason the school reads."""
    _may_decide(request, roles)
    answer = (answer or "").strip()
    if not answer:
        raise RuleError({"answer": _l("Write why the request is returned.")})
    _decided(request, user, "returned", answer)


# ---- 转出到本县学校: the sending school files, the receiving school accepts or declines ----------------

HANDOVER_STEPS = ("status", "answer", "joined_grade", "joined_class", "decided_by_id", "decided_at")
HANDOVER_STATES = states.StateRules(
    model="SchoolTransfer",
    what=_l("transfer"),
    states={"pending": {}, "accepted": {}, "declined": {}, "withdrawn": {}},
    created={"pending": WRITERS},
    steps=HANDOVER_STEPS,
    labels={"school": _l("Sending school"), "to_school": _l("Receiving school"), "student": _l("Student"),
            "left_on": _l("Date of leaving"), "reason": _l("Reason"), "status": _l("Status"),
            "joined_grade": _l("Grade joined"), "joined_class": _l("Class joined"),
            "answer": _l("The receiving school's answer"), "decided_by": _l("Answered by"),
            "decided_at": _l("Answered at")},
    state_labels=lambda code: _handover_label(code),
    hint=_l("A transfer awaiting the receiving school may be withdrawn and filed again."),
)


def _handover_label(code):
    from app.models.student import HANDOVER_STATUSES

    return HANDOVER_STATUSES.label(code)


def check_handover(transfer, session):
    """A transfer as it will be stored: only its steps change it; a new one is judged whole."""
    states.check(transfer, HANDOVER_STATES, session)
    if inspect(transfer).key is None:
        _check_new_handover(transfer, session)


def _check_new_handover(transfer, session):
    from app.models import School, Student
    from app.rules.pupil_status import KINDS

    errors = {}
    with session.no_autoflush:
        pupil = session.get(Student, transfer.student_id) if transfer.student_id is not None else None
    if pupil is None:
        raise RuleError({"student": _l("Choose a pupil of the sending school.")})
    if transfer.school_id is None:
        transfer.school_id = pupil.school_id
    if pupil.school_id != transfer.school_id:
        raise RuleError({"student": _l("The pupil is not at the sending school.")})
    if (pupil.status or "in_school") not in KINDS["transfer_out"][0]:
        errors["student"] = _l("Only a pupil in school (or suspended) can be transferred to another school.")
    target = session.execute(select(School.id, School.active).where(School.id == transfer.to_school_id)
                             .execution_options(**unscoped())).first() if transfer.to_school_id else None
    if target is None or not target.active:
        errors["to_school"] = _l("Choose a school of the county.")
    elif target.id == transfer.school_id:
        errors["to_school"] = _l("The pupil is already at this school: choose the school it goes to.")
    transfer.reason = (transfer.reason or "").strip()
    if not transfer.reason:
        errors["reason"] = _l("This field is required.")
    _check_left_on(transfer, pupil, session, errors)
    if not errors and _pending_for(session, pupil, transfer.id):
        errors["student"] = _l("The pupil already has a transfer awaiting an answer: wait for it, or withdraw it first.")
    if errors:
        raise RuleError(errors)
    transfer.name, transfer.gender, transfer.grade = pupil.name, pupil.gender, pupil.grade
    transfer.id_number_masked = idcard.mask(pupil.id_number)
    transfer.status = transfer.status or "pending"


def _check_left_on(transfer, pupil, session, errors):
    from app.models import StatusChange

    if transfer.left_on is None:
        errors["left_on"] = _l("This field is required.")
        return
    if transfer.left_on > clock.today():
        errors["left_on"] = _l("The date cannot be in the future.")
        return
    # the pupil's history at every school it was at
    last = session.scalar(select(StatusChange.changed_on).where(StatusChange.student_id == pupil.id)
                          .order_by(StatusChange.changed_on.desc()).limit(1).execution_options(**unscoped()))
    if last is not None and transfer.left_on < last:
        errors["left_on"] = _l("The pupil's last change was on %(d)s: a change cannot come before it.", d=last)


def _pending_for(session, pupil, exclude_id=None):
    """Whether the pupil already waits for a school: a transfer filed by its school, or a request filed
    by another school for its ID number (学生转入申请), wherever they are."""
    from app.models import SchoolTransfer, TransferRequest

    stmt = select(SchoolTransfer.id).where(SchoolTransfer.student_id == pupil.id, SchoolTransfer.status == "pending")
    if exclude_id is not None:
        stmt = stmt.where(SchoolTransfer.id != exclude_id)
    if session.execute(stmt.execution_options(**unscoped())).first() is not None:
        return True
    requested = select(TransferRequest.id).where(TransferRequest.id_number == pupil.id_number,
                                                 TransferRequest.status == "pending")
    return session.execute(requested.execution_options(**unscoped())).first() is not None


def file_handover(session, pupil, to_school_id, left_on, reason, user=None):
    """转出到本县学校: the pupil's school records that it leaves for another school of the county."""
    from app.models import SchoolTransfer

    transfer = SchoolTransfer(school_id=pupil.school_id, student_id=pupil.id, to_school_id=to_school_id,
                              left_on=left_on, reason=reason, status="pending")
    session.add(transfer)
    session.flush()  # judged whole here (check_handover), so the form shows what is wrong
    return transfer


def _answering_side(transfer, roles):
    """Refuse unless the user answers for the receiving school (or the centre, for a stuck one)."""
    from app.security.scope import current_school_scope

    if transfer.status != "pending":
        raise RuleError({"status": _l("This transfer has already been answered or withdrawn.")})
    if set(roles) & CENTRE:
        return
    scope = current_school_scope()
    if SCHOOL_OFFICER in roles and scope is not None and scope == transfer.to_school_id:
        return
    if scope is not None and scope == transfer.school_id:
        raise RuleError({"status": _l("The sending school does not answer its own transfer: the receiving school "
                                      "accepts or declines it.")})
    raise RuleError({"status": _l("Only the receiving school or the county aid centre answers a transfer.")})


def accept(transfer, session, roles, grade, class_name, user=None):
    """The receiving school takes the pupil into the grade and class it chose; the pupil's record and
    records leave the sending school (checked here, then moved across schools: app/scope.county_step)."""
    from app.models import School, Student
    from app.rules.students import class_message, grade_message
    from app.security.scope import county_step

    _answering_side(transfer, roles)
    grade, class_name = (grade or "").strip(), (class_name or "").strip()
    errors = {}
    stage = session.execute(select(School.stage).where(School.id == transfer.to_school_id)
                            .execution_options(**unscoped())).scalar()
    if not grade:
        errors["joined_grade"] = _l("This field is required.")
    elif grade_message(stage, grade):
        errors["joined_grade"] = grade_message(stage, grade)
    if not class_name:
        errors["joined_class"] = _l("This field is required.")
    elif class_message(class_name):
        errors["joined_class"] = class_message(class_name)
    if errors:
        raise RuleError(errors)
    with county_step(session):
        pupil = session.get(Student, transfer.student_id)
        if pupil is None or pupil.school_id != transfer.school_id:
            raise RuleError({"status": _l("The pupil is no longer at the sending school: decline the transfer.")})
        names = dict(session.execute(select(School.id, School.name)
                                     .where(School.id.in_((transfer.school_id, transfer.to_school_id)))).all())
        move_pupil(session, pupil, transfer.to_school_id, grade, class_name, user=user, left_on=transfer.left_on,
                   reason_out=transfer.reason,
                   reason_in=_l("Accepted from %(school)s (转出到本县学校)", school=names.get(transfer.school_id)))
        states.step(transfer)
        transfer.joined_grade, transfer.joined_class = grade, class_name
        _answered(transfer, user, "accepted", None)
    return transfer


def decline(transfer, session, roles, answer, user=None):
    """The receiving school does not take the pupil, with the reason the sending school reads."""
    _answering_side(transfer, roles)
    answer = (answer or "").strip()
    if not answer:
        raise RuleError({"answer": _l("Write why the transfer is declined.")})
    states.step(transfer)
    _answered(transfer, user, "declined", answer)


def withdraw(transfer, session, roles, user=None):
    """The sending school takes its transfer back while it waits (or the centre, for it)."""
    from app.security.scope import current_school_scope

    if transfer.status != "pending":
        raise RuleError({"status": _l("This transfer has already been answered or withdrawn.")})
    scope = current_school_scope()
    if not (set(roles) & CENTRE) and (scope is None or scope != transfer.school_id):
        raise RuleError({"status": _l("Only the sending school withdraws its transfer; the receiving school "
                                      "declines it.")})
    states.step(transfer)
    _answered(transfer, user, "withdrawn", None)


def _answered(transfer, user, status, answer):
    transfer.status = status
    transfer.answer = answer
    transfer.decided_by_id = getattr(user, "id", None)
    transfer.decided_at = clock.now()


def pending_incoming(session):
    """The transfers waiting for the user's school to answer (the to-do of the receiving officer)."""
    from app.models import SchoolTransfer
    from app.security.scope import current_school_scope

    scope = current_school_scope()
    if scope is None or scope < 0:
        return []
    return session.scalars(select(SchoolTransfer).where(SchoolTransfer.to_school_id == scope,
                                                        SchoolTransfer.status == "pending")
                           .order_by(SchoolTransfer.created_at)).all()
