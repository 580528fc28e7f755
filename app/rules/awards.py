"""Awards: what a valid award is, and how it moves 拟资助 → 已审核 → 已发放 (or 已撤销).

Every path that writes an award (screens, bulk actions, API, imports) goes
through ``check_award`` on flush and through ``transition`` for status changes.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect, select

from app.models.choices import STAGES
from app.security.roles import ADMIN, AID_CENTER, SCHOOL_OFFICER
from app.rules import RuleError, states
from app.rules.cards import card_error, normalize
from app.rules.eligibility import award_errors
from app import clock

# Stages whose aid is paid only to the school-issued 学生资助卡.
AID_CARD_STAGES = {"senior", "vocational"}
WRITERS = {SCHOOL_OFFICER, AID_CENTER, ADMIN}

ACTIONS = {
    # action: (from statuses, to status, roles allowed)
    "approve": ({"proposed"}, "approved", {AID_CENTER, ADMIN}),
    "pay": ({"approved"}, "paid", {AID_CENTER, ADMIN}),
    "void": ({"proposed", "approved", "paid"}, "void", {AID_CENTER, ADMIN}),
}


# What may change in each state, and by whom (enforced on every write by app/rules/states.py).
# A proposal is the school's and the centre's to correct; from approval on nothing changes but
# through ACTIONS (and a card corrected after a failed payment, app/rules/budgets.py correct_card).
STATES = states.StateRules(
    model="Award",
    what=_l("award"),
    states={"proposed": {states.ALL: WRITERS}, "approved": {}, "paid": {}, "void": {}},
    created={"proposed": WRITERS},
    steps=("status", "approved_at", "approved_by_id", "paid_on", "void_reason", "voided_at"),
    labels={"student": _l("Student"), "program": _l("Programme"), "semester": _l("Semester"),
            "amount": _l("Amount (yuan)"), "over_standard_reason": _l("Reason for an amount above the standard"),
            "card_kind": _l("Card"), "card_number": _l("Card number"), "card_holder": _l("Card holder"),
            "status": _l("Status"), "approved_at": _l("Approved at"), "approved_by": _l("Approved by"), "paid_on": _l("Paid on"),
            "void_reason": _l("Reason for voiding"), "voided_at": _l("Voided at")},
    state_labels=lambda code: _status_label(code),
    hint=_l("To change it, void the award and propose a new one."),
)


def school_pupil_stages(stage) -> tuple:
    """The stages a school's pupils can be in: a 完全中学's are junior or senior (see student_stage)."""
    return ("junior", "senior") if stage == "complete" else (stage,)


def student_stage(student) -> str:
    """The stage a pupil is in: a 完全中学's pupils are junior or senior by grade."""
    stage = student.school.stage
    if stage == "complete":
        return "senior" if (student.grade or "").startswith("高") else "junior"
    return stage


def _judged_again(award) -> bool:
    """Eligibility and the standard are judged when an award is proposed, edited or approved.

    Not when it is paid or voided: a pupil who has left since (the turnover graduates 高三 in
    summer) is still paid, or voided, what was approved for the semester he was in school.
    """
    state = inspect(award, raiseerr=False)
    if state is None or state.transient or state.pending:
        return True  # a new award, or a form's or an import's stand-in
    if "approved" in (state.attrs.status.history.added or ()):
        return True
    return any(state.attrs[name].history.has_changes() for name in (
        "student_id", "program_id", "semester_id", "amount", "over_standard_reason", "student", "program", "semester"))


def check_award(award, session, today=None, full=False):
    """The award's rules; ``full`` judges eligibility and the standard whatever changed (the demo's check)."""
    from app.models import AidProgram, Semester, Student

    errors = {}
    student = award.student if getattr(award, "student", None) is not None else (
        session.get(Student, award.student_id) if award.student_id else None)
    program = award.program if getattr(award, "program", None) is not None else (
        session.get(AidProgram, award.program_id) if award.program_id else None)
    semester = award.semester if getattr(award, "semester", None) is not None else (
        session.get(Semester, award.semester_id) if award.semester_id else None)
    if student is None:
        errors["student"] = _l("This field is required.")
    if program is None:
        errors["program"] = _l("This field is required.")
    if semester is None:
        errors["semester"] = _l("This field is required.")
    status = award.status or "proposed"
    if program is not None and program.waiver:
        # 免学费 is credited to the school (财科教〔2019〕19号): no card, no holder, nothing to pay out.
        award.card_kind = award.card_number = award.card_holder = None
    award.card_number = normalize(award.card_number) or None
    award.card_kind = award.card_kind or None
    states.check(award, STATES, session)
    if award.amount is None or Decimal(award.amount) <= 0:
        errors["amount"] = _l("The amount must be more than zero.")
    if student is not None and program is not None:
        stage = student_stage(student)
        if stage not in program.stage_codes:
            errors["program"] = _l(
                "%(program)s does not aid pupils of %(stage)s.", program=program.name, stage=STAGES.label(stage)
            )
        elif not program.active and status == "proposed":
            errors["program"] = _l("This programme is no longer active.")
        if "program" not in errors and (full or _judged_again(award)):
            for name, message in award_errors(session, award, student, program, semester).items():
                errors.setdefault(name, message)
        if not program.waiver:
            card_errors(award, student, stage, errors)
    if student is not None and program is not None and semester is not None and "program" not in errors:
        message = duplicate_message(session, award, student, program, semester)
        if message:
            errors["program"] = message
    if status == "void" and not (award.void_reason or "").strip():
        errors["void_reason"] = _l("Write why the award is voided.")
    if errors:
        raise RuleError(errors)


def card_errors(award, student, stage, errors):
    """The card money is paid to: its kind, a number that can be right, the holder (the pupil's by default)."""
    if getattr(award, "id", None) is None and not (getattr(award, "card_holder", None) or "").strip():
        award.card_holder = student.name  # the pupil's own card unless the school names the holder
    if not award.card_kind:
        errors["card_kind"] = _l("This field is required.")
    elif stage in AID_CARD_STAGES and award.card_kind != "aid_card":
        errors["card_kind"] = _l("High-school and vocational aid is paid only to the student aid card issued by the school.")
    if not award.card_number:
        errors["card_number"] = _l("This field is required.")
    else:
        message = card_error(award.card_number)
        if message:
            errors["card_number"] = message


def duplicate_message(session, award, student, program, semester):
    """The same pupil (ID number) may get a programme once a semester, whichever school proposed it."""
    from app.models import Award, Student
    from app.security.scope import unscoped

    stmt = (
        select(Award.id, Award.school_id)
        .join(Student, Student.id == Award.student_id)
        .where(Student.id_number == student.id_number, Award.program_id == program.id, Award.status != "void")
    )
    if program.period != "once":  # a one-off grant (大学新生入学资助) once in a pupil's life
        stmt = stmt.where(Award.semester_id == semester.id)
    if getattr(award, "id", None) is not None:
        stmt = stmt.where(Award.id != award.id)
    row = session.execute(stmt.execution_options(**unscoped())).first()
    if row is None:
        return None
    if program.period == "once":
        return _l("%(program)s is a one-off grant: this pupil has had it already.", program=program.name)
    if row.school_id == student.school_id:
        return _l("This student already has this programme in this semester.")
    return _l("This student already receives this programme this semester through another school.")


def transition(award, action, roles, user=None, reason=None, on=None):
    """Move an award along its workflow, or raise RuleError saying why not."""
    if action not in ACTIONS:
        raise RuleError({"status": _l("Unknown action.")})
    sources, target, allowed = ACTIONS[action]
    if not allowed & set(roles):
        raise RuleError({"status": _l("Your role may not do this.")})
    if award.status not in sources:
        raise RuleError({"status": _l("An award that is %(status)s cannot be %(action)s.",
                                      status=_status_label(award.status), action=_action_label(action))})
    now = clock.now()
    states.step(award)
    if action == "approve":
        award.approved_at = now
        award.approved_by_id = getattr(user, "id", None)
    elif action == "pay":
        if not getattr(award, "_paying_line", False) and _in_open_batch(award):
            raise RuleError({"status": _l("This award is in a payment batch sent to the bank: the bank's answer marks it paid.")})
        award.paid_on = on or date.today()
    elif action == "void":
        if _in_open_batch(award):
            raise RuleError({"status": IN_BATCH_VOID})
        if not (reason or "").strip():
            raise RuleError({"void_reason": _l("Write why the award is voided.")})
        award.void_reason = reason.strip()
        award.voided_at = now
    award.status = target
    return award


IN_BATCH_VOID = _l("This award is in a payment batch waiting for the bank's answer: record the answer first, "
                   "then void it.")

# What a person may do with one award from its page or its row of the list: the controls shown
# are those that can succeed (app/views/aid.py), the rules above refuse the rest on every path.
EDIT, DELETE, VOID = "edit", "delete", "void"


def controls(status, roles, in_open_batch=False) -> frozenset:
    """The controls (EDIT, DELETE, VOID) an award in ``status`` offers to a user of ``roles``.

    Editing: the state's table (STATES) names a field the roles may change.  Deleting: a proposal
    never approved (check_delete), by those who write awards.  Voiding: ACTIONS, unless the award
    waits in a batch sent to the bank (its answer comes first)."""
    roles = set(roles)
    allowed = set()
    if any(roles & set(who) for who in STATES.states.get(status, {}).values()):
        allowed.add(EDIT)
    if status == "proposed" and roles & WRITERS:
        allowed.add(DELETE)
    sources, _, who = ACTIONS["void"]
    if status in sources and roles & who and not in_open_batch:
        allowed.add(VOID)
    return frozenset(allowed)


def controls_of(session, award_ids, roles) -> dict:
    """``controls`` of each award of ``award_ids`` (a page of the list, or one record): two queries."""
    from app.models import Award
    from app.models.budgets import BatchLine

    ids = [int(i) for i in award_ids]
    if not ids:
        return {}
    statuses = dict(session.execute(select(Award.id, Award.status).where(Award.id.in_(ids))).all())
    waiting = set(session.scalars(select(BatchLine.open_award_id).where(BatchLine.open_award_id.in_(ids))))
    return {i: controls(status, roles, i in waiting) for i, status in statuses.items()}


def _in_open_batch(award) -> bool:
    session = inspect(award).session if inspect(award, raiseerr=False) is not None else None
    if session is None or award.id is None:
        return False
    from app.rules.budgets import in_open_batch

    return in_open_batch(session, award.id)


def check_delete(award):
    """Money never disappears: only a proposal that was never approved can be deleted."""
    if award.status != "proposed":
        raise RuleError({"status": _l("An approved or paid award cannot be deleted; void it with a reason.")})


def _status_label(code):
    from app.models.choices import AWARD_STATUSES

    return AWARD_STATUSES.label(code)


def _action_label(action):
    return str({"approve": _l("approved"), "pay": _l("paid"), "void": _l("voided")}[action])
