"""监督检查: a valid inspection, and rectification 整改 between the school and the supervisor.

整改: required (the inspection demands it, with a deadline) → submitted (the school's
officer says what was done, with evidence) → accepted, or reopened by the supervisor
and submitted again.  Past its deadline and not submitted, it is overdue.
"""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from app.security.roles import ADMIN, AID_CENTER, SCHOOL_OFFICER, SUPERVISOR
from app.rules import RuleError, states
from app import clock

SUPERVISING = {SUPERVISOR, AID_CENTER, ADMIN}
RECTIFYING = {SCHOOL_OFFICER, AID_CENTER, ADMIN}
RECORD = ("kind", "school_id", "inspected_on", "inspectors", "findings", "result", "rectification_demand",
          "rectification_deadline")


def _status_label(code):
    from app.models.supervision import INSPECTION_STATUSES

    return INSPECTION_STATUSES.label(code)


# What may change in each state, and by whom (app/rules/states.py).  An inspection is the
# supervisors' (and the centre's) record: planned, then recorded as done; once done, the school
# and the kind stay what they were.  The school writes nothing of it but its rectification,
# through ``rectify`` while one is open; the supervisor checks it through ``check_rectification``.
STATES = states.StateRules(
    model="Inspection",
    what=_l("inspection"),
    states={"planned": {RECORD: SUPERVISING},
            "done": {("inspected_on", "inspectors", "findings", "result", "rectification_demand",
                      "rectification_deadline"): SUPERVISING}},
    created={"planned": SUPERVISING, "done": SUPERVISING},
    moves={("planned", "done"): SUPERVISING},
    steps=("status", "rectification_status", "rectification_done", "evidence_path", "evidence_name", "rectified_at",
           "checked_at"),
    labels={"school": _l("School"), "kind": _l("Kind"), "status": _l("State"), "inspected_on": _l("Date"),
            "inspectors": _l("Inspectors"), "findings": _l("Findings"), "result": _l("Overall result"),
            "rectification_demand": _l("Rectification required"),
            "rectification_deadline": _l("Rectification deadline"), "rectification_status": _l("Rectification"),
            "rectification_done": _l("What the school did"), "evidence_path": _l("Evidence"),
            "evidence_name": _l("Evidence"), "rectified_at": _l("Rectified at"), "checked_at": _l("Checked at")},
    state_labels=_status_label,
)
# The scores of an inspection are the supervisors' in every state of it.
SCORE_STATES = states.StateRules(
    model="InspectionScore",
    what=_l("inspection score"),
    states={"planned": {states.ALL: SUPERVISING}, "done": {states.ALL: SUPERVISING}},
    created={"planned": SUPERVISING, "done": SUPERVISING},
    steps=(),
    labels={"inspection": _l("Inspection"), "item": _l("Checklist item"), "score": _l("Score"), "note": _l("Notes")},
    state_labels=_status_label,
    state_of=lambda score, stored: _inspection_status(score, stored),
)


def _inspection_status(score, stored):
    from app.models import Inspection

    inspection = getattr(score, "inspection", None)
    if inspection is None:
        inspection_id = getattr(score, "inspection_id", None) if stored.is_new else stored.before("inspection_id")
        inspection = stored.session.get(Inspection, inspection_id) if inspection_id is not None else None
    return inspection.status if inspection is not None else "planned"


def check_score(score, session=None):
    """Who may score (SCORE_STATES), and what: a score lies between 0 and the checklist item's
    full score (25 out of 20, or −5, would be printed on a signed report and lift or sink the
    school's year-end evaluation).  Run from the flush hook: forms, API and imports alike."""
    states.check(score, SCORE_STATES, session)
    if score.score is None:
        return
    from decimal import Decimal, InvalidOperation

    from app.models import InspectionItem

    item = getattr(score, "item", None)
    if item is None and score.item_id is not None and session is not None:
        item = session.get(InspectionItem, score.item_id)
    try:
        value = Decimal(str(score.score))
    except InvalidOperation:
        raise RuleError({"score": _l("Enter the score as a number.")})
    if not value.is_finite() or value < 0:
        raise RuleError({"score": _l("A score cannot be below 0.")})
    if item is not None and item.max_score is not None and value > item.max_score:
        raise RuleError({"score": _l("At most %(full)s points: the full score of this item.", full=item.max_score)})
    try:
        whole_tenths = value == value.quantize(Decimal("0.1"))
    except InvalidOperation:
        whole_tenths = False
    if not whole_tenths:  # the column keeps one decimal: 7.25 would be stored as another score than given
        raise RuleError({"score": _l("Give the score to one decimal place at most (such as 7.5).")})


def check_item(item, session):
    """An item's full score cannot drop below a score already given for it."""
    from sqlalchemy import func, select

    from app.models import InspectionScore
    from app.security.scope import unscoped

    if item.max_score is not None and item.max_score <= 0:
        raise RuleError({"max_score": _l("The full score must be more than 0.")})
    if item.id is None or item.max_score is None:
        return
    highest = session.scalar(select(func.max(InspectionScore.score)).where(InspectionScore.item_id == item.id)
                             .execution_options(**unscoped()))
    if highest is not None and highest > item.max_score:
        raise RuleError({"max_score": _l("Scores of up to %(n)s were already given for this item.", n=highest)})


def check_inspection(inspection, today=None, session=None):
    states.check(inspection, STATES, session)
    if session is not None:
        check_inspectors(inspection, session)
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


# Who may be named an inspection's inspector: the supervisors and the centre's staff (DESIGN.md's
# roles), never a school's own officer: a school would otherwise inspect itself.
INSPECTOR_ROLES = (SUPERVISOR, AID_CENTER)


def inspector_candidates(session, keep=()):
    """The users a form offers as inspectors, by name: active supervisors and centre staff who are no
    school's officer, plus ``keep`` (the inspectors a record already names, so an edit keeps them)."""
    from flask_appbuilder.security.sqla.models import User
    from sqlalchemy import or_, select

    query = select(User).where(or_(_eligible(User) & User.active.is_(True), User.id.in_(list(keep) or [-1])))
    return _ordered(session.scalars(_unscoped(query)).unique().all())


def _eligible(User):
    from flask_appbuilder.security.sqla.models import Role
    from sqlalchemy import select

    from app.models import InfoOfficer

    return (User.roles.any(Role.name.in_(INSPECTOR_ROLES)) & ~User.roles.any(Role.name == SCHOOL_OFFICER)
            & User.id.not_in(select(InfoOfficer.user_id)))


def _unscoped(query):
    from app.security.scope import unscoped

    return query.execution_options(**unscoped())


def _ordered(users):
    return sorted(users, key=lambda u: (not u.active, person_name(u)))


def person_name(user):
    return f"{user.first_name or ''}{user.last_name or ''}".strip() or user.username


def check_inspectors(inspection, session):
    """Every inspector a write adds is a supervisor or one of the centre's staff, and no school's officer.
    Run from the flush hook (forms, bulk writes, commands alike); inspectors already on the record stay."""
    from flask_appbuilder.security.sqla.models import User
    from sqlalchemy import inspect as sa_inspect, select

    state = sa_inspect(inspection, raiseerr=False)
    if state is None:
        return  # a form's stand-in: its picker offers the eligible users only
    added = [u for u in state.attrs.inspectors.history.added if u is not None]
    if not added:
        return
    ids = [u.id for u in added if u.id is not None]
    allowed = set(session.scalars(_unscoped(select(User.id).where(User.id.in_(ids or [-1]), _eligible(User)))))
    refused = [u for u in added if u.id not in allowed]
    if refused:
        raise RuleError({"inspectors": _l(
            "%(names)s cannot be an inspector: inspections are made by supervisors and the aid centre's staff, "
            "never by a school's officer.", names="、".join(person_name(u) for u in refused))})


def _may(roles, field):
    if not states.acting_roles() & roles:
        raise RuleError({field: _l("Your role may not do this.")})


def rectify(inspection, done_text, at=None, evidence=None):
    """The school's officer records what was done; ``evidence`` (an uploaded file) is stored only
    once the rule has accepted the step, so that a refused step stores nothing."""
    _may(RECTIFYING, "rectification_done")
    if inspection.rectification_status not in ("required", "reopened"):
        raise RuleError({"rectification_done": _l("There is no open rectification for this inspection.")})
    if not (done_text or "").strip():
        raise RuleError({"rectification_done": _l("Describe what was done.")})
    states.step(inspection)
    inspection.rectification_done = done_text.strip()
    inspection.rectification_status = "submitted"
    inspection.rectified_at = at or clock.now()
    if evidence is not None:
        from app.files import storage

        saved = storage.save_upload(evidence)
        if saved:
            inspection.evidence_path, inspection.evidence_name = saved


def check_rectification(inspection, accept: bool, comment=None, at=None):
    _may(SUPERVISING, "rectification_status")
    if inspection.rectification_status != "submitted":
        raise RuleError({"rectification_status": _l("Nothing has been submitted to check.")})
    if not accept and not (comment or "").strip():
        raise RuleError({"rectification_status": _l("Say what is still to be done.")})
    states.step(inspection, "rectification_demand")
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


def draw_phone_sample(session, inspection, semester_id, size, seed):
    """电话回访: add the calls of a reproducible sample of the semester's paid awards of the
    inspected school to a phone follow-up (an award already drawn is not drawn twice); the
    number of calls added."""
    from sqlalchemy import select

    from app.models import PhoneCall

    if inspection.kind != "phone":
        raise RuleError({"kind": _l("Only a phone follow-up draws families to call.")})
    existing = set(session.scalars(select(PhoneCall.award_id).where(PhoneCall.inspection_id == inspection.id)))
    made = 0
    for award in sample_awards(session, inspection.school_id, semester_id, size, seed):
        if award.id not in existing:
            session.add(PhoneCall(inspection_id=inspection.id, award=award))
            made += 1
    return made


def paid_by_semester(session, school_id):
    """[(semester, paid awards of the school in it)], newest semester first: what a phone follow-up
    can draw its families from (sample_awards draws paid awards only)."""
    from sqlalchemy import func, select

    from app.models import Award, Semester

    counts = dict(session.execute(select(Award.semester_id, func.count()).where(
        Award.school_id == school_id, Award.status == "paid").group_by(Award.semester_id)).all())
    semesters = session.scalars(select(Semester).order_by(Semester.starts_on.desc())).all()
    return [(semester, counts.get(semester.id, 0)) for semester in semesters]


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


# --- 评分表: every checklist score of an inspection on one sheet -------------------------------

class ScoreLine:
    """One line of an inspection's score sheet: a checklist item, its full score, the score and note."""

    def __init__(self, item, stored=None):
        self.item, self.stored = item, stored
        self.value = "" if stored is None or stored.score is None else plain_score(stored.score)
        self.note = (stored.note or "") if stored is not None else ""
        self.error = None

    @property
    def full(self):
        return self.item.max_score


def plain_score(value):
    """7.0 → "7", 7.5 → "7.5": a score as a person writes it."""
    from decimal import Decimal

    return format(Decimal(value).normalize(), "f")


def score_sheet(session, inspection):
    """The lines of an inspection's score sheet in the checklist's order: every active item, and an
    item no longer active that this inspection already scored."""
    from sqlalchemy import select

    from app.models import InspectionItem, InspectionScore

    stored = {s.item_id: s for s in session.scalars(
        select(InspectionScore).where(InspectionScore.inspection_id == inspection.id))}
    items = session.scalars(select(InspectionItem).where(
        InspectionItem.active.is_(True) | InspectionItem.id.in_(list(stored) or [-1]))
        .order_by(InspectionItem.sort_order, InspectionItem.id)).all()
    return [ScoreLine(item, stored.get(item.id)) for item in items]


def sheet_total(lines):
    """(points given, full points of the items scored, items scored): the report's 合计 and the KPI's share."""
    from decimal import Decimal

    given, full, scored = Decimal(0), 0, 0
    for line in lines:
        if line.stored is not None and line.stored.score is not None:
            given += Decimal(line.stored.score)
            full += line.full or 0
            scored += 1
    return given, full, scored


def sheet_version(lines):
    """What the sheet showed when it was opened: a save over scores changed since is refused."""
    import hashlib

    values = repr([(line.item.id, None if line.stored is None else (str(line.stored.score), line.stored.note))
                   for line in lines])
    return hashlib.sha256(values.encode()).hexdigest()[:32]


def record_scores(session, inspection, typed, version=None):
    """Write the scores and notes of a whole sheet: ``typed`` maps an item id to (score text, note text).

    ``version`` is the sheet's ``sheet_version`` when it was opened: scores changed since refuse the
    save.  Every line is judged (check_score: who, and 0 ≤ score ≤ the item's full score) before
    anything is written; one refused line refuses the sheet, with a message on each line at fault
    (``SheetError`` keyed ``item-<id>``) and the lines as typed.  The sheet is then written, and what
    the database itself refuses (a score saved at the same moment) is a ``RuleError`` too.  The caller
    commits: the sheet is saved in one transaction.  A blank score stores no score (an existing one is
    cleared, the row stays: scores are kept on record).
    """
    from decimal import Decimal, InvalidOperation

    from sqlalchemy.exc import SQLAlchemyError

    from app.models import InspectionScore
    from app.rules import db_errors

    lines = score_sheet(session, inspection)
    if version is not None and version != sheet_version(lines):
        raise RuleError({"sheet_version": _l("Someone else changed these scores after you opened this page: nothing "
                                             "was saved. The page now shows the current scores.")})
    errors = {}
    with session.no_autoflush:  # nothing is written before every line is judged
        for line in lines:
            if line.item.id not in typed:
                continue
            text, note = typed[line.item.id]
            line.value, line.note = (text or "").strip(), (note or "").strip()
            try:
                value = Decimal(line.value.replace("，", ".").replace(",", ".")) if line.value else None
            except InvalidOperation:
                value = Decimal("NaN")
            if value is not None and not value.is_finite():
                line.error = str(_l("Enter the score as a number."))
                continue
            score = line.stored
            if score is None:
                if value is None and not line.note:
                    continue
                score = InspectionScore(item=line.item, item_id=line.item.id, inspection_id=inspection.id,
                                        school_id=inspection.school_id)
                score.inspection = inspection
                session.add(score)
            elif value == score.score and line.note == (score.note or ""):
                continue
            score.score, score.note = value, line.note or None
            try:
                check_score(score, session)
            except RuleError as exc:
                line.error = str(exc)
            if line.stored is None and not line.error:
                line.stored = score
    for line in lines:
        if line.error:
            errors[f"item-{line.item.id}"] = line.error
    if errors:
        raise SheetError(errors, lines)
    try:
        session.flush()
    except SQLAlchemyError as exc:
        raise db_errors.readable(exc, InspectionScore) from None
    return lines


class SheetError(RuleError):
    """A score sheet refused: the errors by line, and the lines as typed."""

    def __init__(self, errors, lines):
        super().__init__(errors)
        self.lines = lines
