"""投诉处理: the complaint workflow, its deadlines and the complainant's confidentiality.

    登记 registered ──submit──▶ awaiting_approval ──approve (Leader)──▶ approved
        ▲                          │ return (Leader, with a reason)
        └──────── returned ◀───────┘ (corrected, then submitted again)
    approved ──assign (a supervisor, or the school concerned)──▶ investigating
    investigating ──find──▶ rectifying (a rectification is demanded) ──rectify──▶ rectified
                       └──▶ investigated (nothing to rectify)
    investigated | rectified ──close (result, reply, accountability)──▶ closed
    a consultation: registered ──answer (the reply)──▶ closed

Every step is recorded (who, when, comment) and checked here, whichever screen
or API asks for it.  Deadlines: each stage has its number of days
(COMPLAINT_STAGE_DAYS) and each kind its days from receipt to closing
(COMPLAINT_CLOSE_DAYS); a complaint is overdue the day after either runs out.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from app.security.roles import ADMIN, AID_CENTER, LEADER, SCHOOL_OFFICER, SUPERVISOR
from app.rules import RuleError, states
from app import clock

CENTRE = {AID_CENTER, ADMIN}
OPEN_STATUSES = ("registered", "awaiting_approval", "returned", "approved", "investigating", "investigated",
                 "rectifying", "rectified")
# action: (from statuses, roles that may take it; further conditions in _may)
ACTIONS = {
    "submit": (("registered", "returned"), CENTRE),
    "approve": (("awaiting_approval",), {LEADER}),
    "return": (("awaiting_approval",), {LEADER}),
    "assign": (("approved",), CENTRE),
    "find": (("investigating",), CENTRE | {SUPERVISOR, SCHOOL_OFFICER}),
    "rectify": (("rectifying",), CENTRE | {SCHOOL_OFFICER}),
    "close": (("investigated", "rectified"), CENTRE),
    "answer": (("registered",), CENTRE | {SCHOOL_OFFICER}),
}
# What each action asks for (besides an optional comment), in form order.
ACTION_FIELDS = {
    "submit": (),
    "approve": (),
    "return": ("comment",),
    "assign": ("handler", "assignee_id"),
    "find": ("findings", "result", "rectification_demand"),
    "rectify": ("rectification_done",),
    "close": ("result", "reply", "accountability", "accountable_persons"),
    "answer": ("reply",),
}
# The fields a step writes as text (the supervisor's id aside).
TEXT_INPUTS = sorted({"comment", *(f for fields in ACTION_FIELDS.values() for f in fields)} - {"assignee_id"})
# What may change in each state, and by whom (app/rules/states.py): the intake can be corrected
# until it goes to the leader and again when the leader returns it; everything else is written
# by the steps above (ACTIONS), on the screen and the API alike.
INTAKE = ("kind", "channel", "received_at", "school_id", "anonymous", "complainant_name", "complainant_contact",
          "subject", "content")
REGISTERING = CENTRE | {SCHOOL_OFFICER}
STATES = states.StateRules(
    model="Complaint",
    what=_l("complaint"),
    states={"registered": {INTAKE: REGISTERING}, "returned": {INTAKE: REGISTERING},
            **{status: {} for status in OPEN_STATUSES + ("closed",) if status not in ("registered", "returned")}},
    created={"registered": REGISTERING},
    steps=("status", "stage_since", "closed_at", "handler", "assignee_id", "shared_with_school", "findings", "result",
           "rectification_demand", "rectification_done", "reply", "accountability", "accountable_persons"),
    labels={"kind": _l("Kind"), "channel": _l("Channel"), "received_at": _l("Received at"), "anonymous": _l("Anonymous"),
            "complainant_name": _l("Complainant"), "complainant_contact": _l("Complainant's contact"),
            "school": _l("School concerned"), "subject": _l("Subject"), "content": _l("What the complainant said"),
            "origin": _l("Registered by"), "registered_by": _l("Registered by (user)"), "status": _l("State"),
            "stage_since": _l("In this state since"), "handler": _l("Investigated by"),
            "assignee": _l("Supervisor in charge"), "shared_with_school": _l("The school concerned"),
            "findings": _l("Investigation findings"), "result": _l("Result"),
            "rectification_demand": _l("Rectification required"), "rectification_done": _l("What the school did"),
            "reply": _l("Reply to the complainant"), "accountability": _l("Accountability"),
            "accountable_persons": _l("Held to account"), "closed_at": _l("Closed at")},
    state_labels=lambda code: _status_label(code),
)
DEFAULT_STAGE_DAYS = {"registered": 2, "returned": 3, "awaiting_approval": 3, "approved": 2, "investigating": 15,
                      "investigated": 3, "rectifying": 15, "rectified": 5}
DEFAULT_CLOSE_DAYS = {"consult": 5, "complaint": 30, "report": 30}


def _config(name, default):
    if has_app_context():
        return current_app.config.get(name) or default
    return default


def stage_days(status):
    return int(_config("COMPLAINT_STAGE_DAYS", DEFAULT_STAGE_DAYS).get(status, 0))


def close_days(kind):
    return int(_config("COMPLAINT_CLOSE_DAYS", DEFAULT_CLOSE_DAYS).get(kind, 30))


def _day(value):
    return value.date() if isinstance(value, datetime) else value


def closing_deadline(complaint) -> date:
    """The last day on which the complaint may be closed on time."""
    return _day(complaint.received_at) + timedelta(days=close_days(complaint.kind))


def due_date(complaint):
    """The last day of the current stage (the earlier of the stage's and the closing deadline); None once closed."""
    if complaint.status not in OPEN_STATUSES:
        return None
    stage_end = _day(complaint.stage_since or complaint.received_at) + timedelta(days=stage_days(complaint.status))
    return min(stage_end, closing_deadline(complaint))


def is_overdue(complaint, today=None) -> bool:
    due = due_date(complaint)
    return due is not None and (today or date.today()) > due


def closed_on_time(complaint) -> bool:
    return complaint.status == "closed" and complaint.closed_at is not None and (
        _day(complaint.closed_at) <= closing_deadline(complaint))


def may_see_identity(complaint, roles) -> bool:
    """The complainant's name and contact: never for a school, except what it registered from its own hotline."""
    roles = set(roles)
    if roles & (CENTRE | {LEADER, SUPERVISOR}):
        return True
    if SCHOOL_OFFICER in roles:
        return complaint.origin == "school"
    return False


def may_edit(complaint, roles) -> bool:
    """The intake can be corrected until the leader has approved it, by whoever registered it."""
    if complaint.status not in ("registered", "returned"):
        return False
    roles = set(roles)
    if roles & CENTRE:
        return True
    return SCHOOL_OFFICER in roles and complaint.origin == "school"


def _may(complaint, action, roles, user_id) -> bool:
    sources, allowed = ACTIONS[action]
    roles = set(roles)
    if complaint.status not in sources or not roles & allowed:
        return False
    if roles & CENTRE:
        return action != "answer" or complaint.kind == "consult"
    if action == "find":
        if complaint.handler == "school":
            return SCHOOL_OFFICER in roles
        return SUPERVISOR in roles and user_id is not None and complaint.assignee_id == user_id
    if action == "rectify":
        return SCHOOL_OFFICER in roles
    if action == "answer":
        return SCHOOL_OFFICER in roles and complaint.kind == "consult" and complaint.origin == "school"
    return True


def available_actions(complaint, roles, user_id=None):
    """The steps this user may take now, in workflow order (what the screen offers)."""
    return [a for a in ACTIONS if _may(complaint, a, roles, user_id)]


def _status_label(code):
    from app.models.complaints import COMPLAINT_STATUSES

    return COMPLAINT_STATUSES.label(code)


def check_complaint(complaint, session=None):
    """A valid intake: what it is about, and who complained unless anonymous."""
    from app.security.scope import current_school_scope

    states.check(complaint, STATES, session)
    errors = {}
    if not (complaint.subject or "").strip():
        errors["subject"] = _l("This field is required.")
    if not (complaint.content or "").strip():
        errors["content"] = _l("This field is required.")
    if complaint.anonymous:
        complaint.complainant_name = None
        complaint.complainant_contact = None
    elif not (complaint.complainant_name or "").strip() and not (complaint.complainant_contact or "").strip():
        errors["complainant_name"] = _l("Give the complainant's name or contact, or tick anonymous.")
    received = complaint.received_at
    if received is not None and _day(received) > date.today():
        errors["received_at"] = _l("The date received cannot be in the future.")
    if errors:
        raise RuleError(errors)
    if getattr(complaint, "id", None) is None and current_school_scope() is not None:
        complaint.origin = "school"  # registered by a school, from its own hotline


def transition(complaint, action, roles, session, user=None, data=None, now=None):
    """Take one step of the workflow; RuleError says why not and nothing changes."""
    from app.models.complaints import COMPLAINT_STATUSES, ComplaintStep

    data = {k: (v.strip() if isinstance(v, str) else v) for k, v in (data or {}).items()}
    user_id = getattr(user, "id", None)
    if not isinstance(action, str) or action not in ACTIONS:
        raise RuleError({"status": _l("Unknown action.")})
    # what a step writes is text (an API body may carry anything: a list, an object, a number)
    wrong = {k: _l("Write this as text.") for k in TEXT_INPUTS if data.get(k) is not None and not isinstance(data[k], str)}
    if wrong:
        raise RuleError(wrong)
    if complaint.status not in ACTIONS[action][0]:
        raise RuleError({"status": _l("A complaint that is %(s)s cannot take this step.",
                                      s=COMPLAINT_STATUSES.label(complaint.status))})
    if not _may(complaint, action, roles, user_id):
        raise RuleError({"status": _l("Your role may not take this step for this complaint.")})
    now = now or clock.now()
    errors = {}
    states.step(complaint)
    target = _apply(complaint, action, data, session, errors)
    if errors:
        raise RuleError(errors)
    session.add(ComplaintStep(complaint=complaint, school_id=complaint.school_id, action=action,
                              from_status=complaint.status, to_status=target, user_id=user_id, at=now,
                              comment=data.get("comment") or None))
    complaint.status = target
    complaint.stage_since = now
    if target == "closed":
        complaint.closed_at = now
    return complaint


def _apply(complaint, action, data, session, errors):
    """Check the step's fields, write them to the complaint, and say which state comes next."""
    from app.models.complaints import ACCOUNTABILITY, FINDINGS

    if action in ("submit", "approve"):
        return {"submit": "awaiting_approval", "approve": "approved"}[action]
    if action == "return":
        if not data.get("comment"):
            errors["comment"] = _l("Say why it is returned.")
        return "returned"
    if action == "assign":
        return _assign(complaint, data, session, errors)
    if action == "find":
        if not data.get("findings"):
            errors["findings"] = _l("Describe what the investigation found.")
        if data.get("result") not in FINDINGS:
            errors["result"] = _l("Choose the result of the investigation.")
        if errors:
            return complaint.status
        complaint.findings, complaint.result = data["findings"], data["result"]
        if data.get("rectification_demand"):
            if complaint.school_id is None:
                errors["rectification_demand"] = _l("A rectification needs a school concerned.")
                return complaint.status
            complaint.rectification_demand = data["rectification_demand"]
            complaint.shared_with_school = True
            return "rectifying"
        return "investigated"
    if action == "rectify":
        if not data.get("rectification_done"):
            errors["rectification_done"] = _l("Describe what was done.")
        complaint.rectification_done = data.get("rectification_done")
        return "rectified"
    if action == "close":
        if data.get("result") not in FINDINGS:
            errors["result"] = _l("Choose the result of the investigation.")
        if not data.get("reply"):
            errors["reply"] = _l("Write the reply given to the complainant.")
        if data.get("accountability") not in ACCOUNTABILITY:
            errors["accountability"] = _l("Say what accountability was taken (or none).")
        elif data["accountability"] != "none" and not data.get("accountable_persons"):
            errors["accountable_persons"] = _l("Name who was held to account.")
        if not errors:
            complaint.result, complaint.reply = data["result"], data["reply"]
            complaint.accountability = data["accountability"]
            complaint.accountable_persons = data.get("accountable_persons") if data["accountability"] != "none" else None
        return "closed"
    # answer: a consultation, answered and closed at once
    if complaint.kind != "consult":
        errors["status"] = _l("Only a consultation can be answered directly.")
    if not data.get("reply"):
        errors["reply"] = _l("Write the answer given.")
    complaint.reply = data.get("reply")
    return "closed"


def _assign(complaint, data, session, errors):
    handler = data.get("handler")
    if handler == "school":
        if complaint.school_id is None:
            errors["handler"] = _l("No school is concerned: hand it to a supervisor.")
            return complaint.status
        complaint.handler, complaint.assignee_id = "school", None
        complaint.shared_with_school = True
        return "investigating"
    if handler == "supervisor":
        assignee = supervisor_by_id(session, data.get("assignee_id"))
        if assignee is None:
            errors["assignee_id"] = _l("Choose the supervisor who investigates.")
            return complaint.status
        complaint.handler, complaint.assignee_id = "supervisor", assignee.id
        return "investigating"
    errors["handler"] = _l("Choose who investigates.")
    return complaint.status


def supervisors(session):
    """Active users with the Supervisor role, by name."""
    from flask_appbuilder.security.sqla.models import Role, User
    from sqlalchemy import select

    return session.scalars(select(User).join(User.roles).where(Role.name == SUPERVISOR, User.active.is_(True))
                           .order_by(User.first_name, User.username)).all()


def supervisor_by_id(session, user_id):
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    return next((u for u in supervisors(session) if u.id == user_id), None)


def record_identity_read(complaint, user, channel, session):
    """Whoever is shown the complainant's identity is written down."""
    from app.models.complaints import IdentityRead

    session.add(IdentityRead(complaint=complaint, school_id=complaint.school_id, user_id=user.id, channel=channel))
