"""信息报送: who must report, on time or late, and the review 准确 / 退回修改."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.security.roles import ADMIN, AID_CENTER, SCHOOL_OFFICER
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


def latest(session, task_id, school_id):
    """The school's newest submission for a task, or None."""
    from app.models import Submission

    return session.scalars(select(Submission).where(Submission.task_id == task_id, Submission.school_id == school_id)
                           .order_by(Submission.submitted_at.desc(), Submission.id.desc())).first()


def history(session, task_id, school_id):
    """The school's submissions for a task, oldest first."""
    from app.models import Submission

    return session.scalars(select(Submission).where(Submission.task_id == task_id, Submission.school_id == school_id)
                           .order_by(Submission.submitted_at, Submission.id)).all()


def submit(session, task, school_id, content, upload, user, at=None):
    """报送: the school's report for a task it is asked, as text or a file or both; once more only
    after the centre returned it (the new one names the one it replaces). The file is stored only
    on the session's transaction: a refused step keeps nothing."""
    from app.files import storage
    from app.models import Submission

    if school_id not in {s.id for s in targeted_schools(task, session)}:
        raise RuleError({"task": _l("This task does not ask your school.")})
    previous = latest(session, task.id, school_id)
    if previous is not None and previous.status != "returned":
        raise RuleError({"content": _l("This task was already submitted; it can be resubmitted once returned.")})
    stored, name = storage.save_upload(upload) or (None, None)  # removed again if the step is refused
    if not stored and not (content or "").strip():
        raise RuleError({"content": _l("Write the report or attach a file.")})
    at = at or clock.now()
    submission = Submission(task_id=task.id, school_id=school_id, content=content, file_path=stored, file_name=name,
                            submitted_at=at, late=is_late(task, at), submitted_by_id=getattr(user, "id", None),
                            previous_id=previous.id if previous else None)
    session.add(submission)
    return submission


def todo_items(session, school_id):
    """[(task, latest submission or None)] of the active tasks that ask the school."""
    from app.models import ReportTask

    if school_id in (None, -1):
        return []
    return [(task, latest(session, task.id, school_id))
            for task in session.scalars(select(ReportTask).where(ReportTask.active.is_(True)).order_by(ReportTask.deadline))
            if school_id in {s.id for s in targeted_schools(task, session)}]
