"""学籍状态: where a pupil stands, changed only by a recorded change (学籍变动), kept as history.

A pupil is 在校 (in school), 休学 (suspended: keeps the place, returns to the same grade), 退学
(dropped out), 转出 (left the county) or 毕业 (graduated). A move between two schools of the county
keeps the pupil in school: the old school records 转出 to the new one and the new school 转入
(app/rules/transfers.py), each on its own line. The pupils who leave school without graduating are
the plan's first concern (不因家庭经济困难而辍学): ``dropouts`` lists the identified ones for 控辍保学.

``change`` is the one way to write a status: the screens, the transfer decision and the school-year
turnover all call it (the turnover writes its graduations in bulk with the same rows). On every flush
``check_status`` refuses a pupil whose status changed without a matching change record.
"""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect, select

from app import clock
from app.rules import RuleError

# kind: (statuses it may follow, status after it, a reason is required)
KINDS = {
    "suspend": ({"in_school"}, "suspended", True),
    "resume": ({"suspended"}, "in_school", False),
    "drop_out": ({"in_school", "suspended"}, "dropped_out", True),
    "return": ({"dropped_out"}, "in_school", False),
    "transfer_out": ({"in_school", "suspended"}, "transferred_out", True),
    "graduate": ({"in_school"}, "graduated", False),
}
# Written by the system, not chosen on the screen: the first record and a move within the county.
SYSTEM_KINDS = {"enrol", "transfer_in"}
LEFT = {"dropped_out", "transferred_out"}  # left school without graduating


def allowed(student) -> list:
    """The changes that may follow the pupil's status, in the screen's order."""
    return [kind for kind, (sources, _, _) in KINDS.items() if (student.status or "in_school") in sources]


def status_after(kind, other_school_id=None):
    if kind in SYSTEM_KINDS or (kind == "transfer_out" and other_school_id):
        return "in_school"
    return KINDS[kind][1]


def change(session, student, kind, on=None, reason=None, user=None, other_school_id=None):
    """Record one change and move the pupil's status; RuleError says why not."""
    from app.models import StatusChange
    from app.rules.grades import GRADUATED

    reason = (reason or "").strip() or None
    on = on or clock.today()
    errors = {}
    if kind not in KINDS and kind not in SYSTEM_KINDS:
        raise RuleError({"kind": _l("Not a valid choice")})
    if kind in KINDS and not (kind == "transfer_out" and other_school_id):
        sources, _, needs_reason = KINDS[kind]
        if (student.status or "in_school") not in sources:
            from app.models.student import STATUS_CHANGES, STUDENT_STATUSES

            raise RuleError({"kind": _l("A pupil who is %(status)s cannot be recorded as %(kind)s.",
                                        status=STUDENT_STATUSES.label(student.status),
                                        kind=STATUS_CHANGES.label(kind))})
        if needs_reason and not reason:
            errors["reason"] = _l("Write the reason (and, for a pupil leaving the county, where the pupil goes).")
    if on > clock.today():
        errors["changed_on"] = _l("The date cannot be in the future.")
    last = session.scalar(select(StatusChange.changed_on).where(StatusChange.student_id == student.id)
                          .order_by(StatusChange.changed_on.desc()).limit(1)) if student.id else None
    if last is not None and on < last:
        errors["changed_on"] = _l("The pupil's last change was on %(d)s: a change cannot come before it.", d=last)
    if errors:
        raise RuleError(errors)
    record = StatusChange(student=student, student_id=student.id, school_id=student.school_id, kind=kind,
                          changed_on=on, reason=reason, other_school_id=other_school_id,
                          recorded_by_id=getattr(user, "id", None))
    session.add(record)
    student.status = status_after(kind, other_school_id)
    announce(session, student.id, student.status)
    if kind == "graduate":
        student.grade = GRADUATED
    return record


_ANNOUNCED = "aid_status_changes"


def history(session, student_id):
    """The pupil's 学籍变动 as the user's scope lets it see them, newest first (each school sees its own lines)."""
    from sqlalchemy import select

    from app.models import StatusChange

    return session.scalars(select(StatusChange).where(StatusChange.student_id == student_id)
                           .order_by(StatusChange.changed_on.desc(), StatusChange.id.desc())).all()


def announce(session, student_id, status):
    """Tell the flush that this pupil's new status comes with its change record (``change`` and the
    turnover's bulk graduation); forgotten at the end of the transaction."""
    session.info.setdefault(_ANNOUNCED, {})[student_id] = status


def forget(session, *_):
    session.info.pop(_ANNOUNCED, None)


def check_status(student, session):
    """A status written without its change record (a form, the API, a script) is refused.

    The grade 已毕业 and the status 毕业 go together: a former pupil recorded as such (a loan's
    borrower) is graduated, and a pupil whose grade is set to 已毕业 graduates with its change recorded.
    """
    from app.models import StatusChange
    from app.rules.grades import GRADUATED

    state = inspect(student)
    if state.key is None:
        if student.grade == GRADUATED:
            student.status = "graduated"
            return
        if (student.status or "in_school") != "in_school":
            raise RuleError({"status": _l("A new pupil is in school; record a change on the pupil's page.")})
        return
    if (student.grade == GRADUATED and state.attrs.grade.history.has_changes()
            and student.status == "in_school" and not state.attrs.status.history.has_changes()):
        session.add(StatusChange(student=student, student_id=student.id, school_id=student.school_id,
                                 kind="graduate", changed_on=clock.today()))
        student.status = "graduated"
        return
    if not state.attrs.status.history.has_changes():
        return
    if session.info.get(_ANNOUNCED, {}).get(student.id) != student.status:
        raise RuleError({"status": _l("A pupil's status changes only through 学籍变动 on the pupil's page.")})


def check_change(record, session):
    """A change is history: written once, through ``change``, never edited."""
    if inspect(record).key is not None:
        raise RuleError({"kind": _l("A recorded change of status is never edited: record the next change instead.")})
    if record.kind not in KINDS and record.kind not in SYSTEM_KINDS:
        raise RuleError({"kind": _l("Not a valid choice")})


FOLLOW_UP = "persuade_back"  # the home visit that follows a pupil's leaving: 劝返 (app/models/outreach.py)


def _year_bounds(school_year):
    return date(int(school_year[:4]), 9, 1), date(int(school_year[:4]) + 1, 8, 31)


def _dropouts_query(school_year, school_id=None):
    from app.models import Identification, StatusChange, Student

    start, end = _year_bounds(school_year)
    stmt = (select(Student, StatusChange)
            .join(StatusChange, StatusChange.student_id == Student.id)
            .join(Identification, (Identification.student_id == Student.id)
                  & (Identification.school_year == school_year))
            .where(StatusChange.kind.in_(("drop_out", "transfer_out")), StatusChange.other_school_id.is_(None),
                   StatusChange.changed_on.between(start, end), Student.status.in_(tuple(LEFT)))
            .order_by(StatusChange.changed_on.desc(), Student.id))
    if school_id is not None:
        stmt = stmt.where(StatusChange.school_id == school_id)
    return stmt


def dropouts(session, school_year, school_id=None):
    """控辍保学: pupils identified for ``school_year`` who left school that year without graduating,
    with the change (date, reason) and the 劝返 home visit that followed it (the first one on or after
    the leaving date; another kind of visit is not the follow-up).

    Rows: (student, change, visited_on or None), newest change first. The session's scope applies:
    a school's officer gets its own school's pupils.
    """
    from app.models import HomeVisit

    rows = session.execute(_dropouts_query(school_year, school_id)).all()
    visits = {}
    ids = [s.id for s, _ in rows]
    if ids:
        for sid, on in session.execute(select(HomeVisit.student_id, HomeVisit.visited_on)
                                       .where(HomeVisit.student_id.in_(ids), HomeVisit.visit_type == FOLLOW_UP)):
            visits.setdefault(sid, []).append(on)
    out = []
    for student, change_ in rows:
        after = sorted(d for d in visits.get(student.id, []) if d and d >= change_.changed_on)
        out.append((student, change_, after[0] if after else None))
    return out


def dropout_statements(school_year) -> dict:
    """``dropout_counts`` as one-value statements (``app.kpi.at_once``): the rows of ``dropouts`` and those of
    them with no 劝返 visit on or after the leaving date."""
    from sqlalchemy import exists, func

    from app.models import HomeVisit, StatusChange, Student

    rows = _dropouts_query(school_year).order_by(None)
    visited = exists().where(HomeVisit.student_id == Student.id, HomeVisit.visit_type == FOLLOW_UP,
                             HomeVisit.visited_on >= StatusChange.changed_on)
    return {"dropouts": rows.with_only_columns(func.count(), maintain_column_froms=True),
            "dropouts_unvisited": rows.where(~visited).with_only_columns(func.count(), maintain_column_froms=True)}


def dropout_counts(session, school_year, school_id=None):
    """(pupils on the 控辍保学 list, of them without a 劝返 visit yet): the dashboard's figure."""
    rows = dropouts(session, school_year, school_id)
    return len(rows), sum(1 for _, _, visited in rows if visited is None)
