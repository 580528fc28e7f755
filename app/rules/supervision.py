"""监督检查: a valid inspection, and rectification 整改 between the school and the supervisor.

整改: required (the inspection demands it, with a deadline) → submitted (the school's
officer says what was done, with evidence) → accepted, or reopened by the supervisor
and submitted again.  Past its deadline and not submitted, it is overdue.
"""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from app.rules import RuleError
from app import clock


def check_inspection(inspection, today=None):
    errors = {}
    today = today or date.today()
    if inspection.status == "done" and inspection.inspected_on and inspection.inspected_on > today:
        errors["inspected_on"] = _l("A visit recorded as done cannot be in the future.")
    if (inspection.rectification_demand or "").strip():
        if inspection.rectification_deadline is None:
            errors["rectification_deadline"] = _l("Give the school a deadline for the rectification.")
        if (inspection.rectification_status or "none") == "none":
            inspection.rectification_status = "required"
    if errors:
        raise RuleError(errors)


def rectify(inspection, done_text, at=None):
    if inspection.rectification_status not in ("required", "reopened"):
        raise RuleError({"rectification_done": _l("There is no open rectification for this inspection.")})
    if not (done_text or "").strip():
        raise RuleError({"rectification_done": _l("Describe what was done.")})
    inspection.rectification_done = done_text.strip()
    inspection.rectification_status = "submitted"
    inspection.rectified_at = at or clock.now()


def check_rectification(inspection, accept: bool, comment=None, at=None):
    if inspection.rectification_status != "submitted":
        raise RuleError({"rectification_status": _l("Nothing has been submitted to check.")})
    if not accept and not (comment or "").strip():
        raise RuleError({"rectification_status": _l("Say what is still to be done.")})
    inspection.rectification_status = "accepted" if accept else "reopened"
    if not accept:
        inspection.rectification_demand = f"{inspection.rectification_demand or ''}\n【复查】{comment.strip()}".strip()
    inspection.checked_at = at or clock.now()


def is_rectification_overdue(inspection, today=None) -> bool:
    today = today or date.today()
    return (inspection.rectification_status in ("required", "reopened")
            and inspection.rectification_deadline is not None and inspection.rectification_deadline < today)


def sample_awards(session, school_id, semester_id, size, seed):
    """A reproducible random sample of the school's paid awards of a semester (same seed, same pupils)."""
    import random

    from sqlalchemy import select

    from app.models import Award

    awards = session.scalars(select(Award).where(Award.school_id == school_id, Award.semester_id == semester_id,
                                                 Award.status == "paid").order_by(Award.id)).all()
    return random.Random(seed).sample(awards, min(size, len(awards)))


def check_call(call, session):
    """A discrepancy: the family was reached and denies the aid, or states another amount than the record."""
    from decimal import Decimal

    from app.models import Award

    award = call.award if call.award is not None else session.get(Award, call.award_id)
    if call.reached is False:
        call.confirms_receipt = None
    call.discrepancy = bool(call.reached) and (
        call.confirms_receipt is False
        or (call.stated_amount is not None and Decimal(call.stated_amount) != Decimal(award.amount))
    )
