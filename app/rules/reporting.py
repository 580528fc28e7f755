"""信息报送: who must report, on time or late, and the review 准确 / 退回修改."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.rules import RuleError
from app import clock

ALLOWED_TYPES = {".xlsx", ".xls", ".docx", ".doc", ".pdf", ".csv", ".zip", ".jpg", ".jpeg", ".png"}


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
    if submission.status != "submitted":
        raise RuleError({"status": _l("This submission has already been reviewed.")})
    if not accurate and not (comment or "").strip():
        raise RuleError({"review_comment": _l("Write what the school must correct.")})
    submission.status = "accepted" if accurate else "returned"
    submission.review_comment = (comment or "").strip() or None
    submission.reviewed_at = at or clock.now()
    submission.reviewed_by_id = getattr(user, "id", None)
    return submission
