"""信息报送: who must report, on time or late, and the review 准确 / 退回修改."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.roles import ADMIN, AID_CENTER, SCHOOL_OFFICER
from app.rules import RuleError, states
from app import clock

ALLOWED_TYPES = {".xlsx", ".xls", ".docx", ".doc", ".pdf", ".csv", ".zip", ".jpg", ".jpeg", ".png"}
CENTRE = {AID_CENTER, ADMIN}


def _status_label(code):
    from app.models.reporting import SUBMISSION_STATUSES

    return SUBMISSION_STATUSES.label(code)


# What may change in each state (app/rules/states.py): nothing of a submission changes by hand.
# What the school sent and when stay as received (the timeliness and accuracy rates rest on them);
# the centre's verdict is written by ``review``; a returned report is resubmitted as a new one.
STATES = states.StateRules(
    model="Submission",
    what=_l("submission"),
    states={"submitted": {}, "accepted": {}, "returned": {}},
    created={"submitted": {SCHOOL_OFFICER}},
    steps=("status", "review_comment", "reviewed_at", "reviewed_by_id"),
    labels={"task": _l("Report task"), "school": _l("School"), "previous": _l("Replaces"), "content": _l("Content"),
            "file_path": _l("Attachment"), "file_name": _l("Attachment"), "submitted_at": _l("Submitted at"),
            "submitted_by_id": _l("Submitted by"), "late": _l("Late"), "status": _l("Review"),
            "review_comment": _l("What to correct"), "reviewed_at": _l("Reviewed at"),
            "reviewed_by_id": _l("Reviewed by")},
    state_labels=_status_label,
)


def check_submission(submission, session=None):
    states.check(submission, STATES, session)


def targeted_schools(task, session):
    """The active schools a task asks: those listed and every school of the stages named."""
    from app.models import School

    stages = [code for code in (task.stages or "").split(",") if code]
    ids = [s.id for s in task.schools]
    clauses = []
    if ids:
        clauses.append(School.id.in_(ids))
    if stages:
        clauses.append(School.stage.in_(stages))
    if not clauses:
        return []
    return session.scalars(select(School).where(School.active.is_(True), or_(*clauses)).order_by(School.code)).all()


def is_late(task, at: datetime) -> bool:
    """Late when received after the deadline; at the deadline minute itself it is on time."""
    return at > task.deadline


def review(submission, accurate: bool, comment: str | None, user=None, at=None):
    """The centre's verdict: 准确, or 退回修改 with what to correct."""
    if not states.acting_roles() & CENTRE:
        raise RuleError({"status": _l("Your role may not do this.")})
    if submission.status != "submitted":
        raise RuleError({"status": _l("This submission has already been reviewed.")})
    if not accurate and not (comment or "").strip():
        raise RuleError({"review_comment": _l("Write what the school must correct.")})
    states.step(submission)
    submission.status = "accepted" if accurate else "returned"
    submission.review_comment = (comment or "").strip() or None
    submission.reviewed_at = at or clock.now()
    submission.reviewed_by_id = getattr(user, "id", None)
    return submission
