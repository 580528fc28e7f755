"""What may be deleted: one registry, every table in it, checked on every path.

* ``KEPT``: money, casework and the logs a figure or a trail rests on are never deleted. They are
  voided, rejected, closed, ended or corrected instead (an award still only proposed aside: it
  is not money yet).
* ``WHILE_UNUSED``: deletable only while no other record refers to it (by any foreign key, in any
  school), plus the checks named in ``EXTRA``: an identification on which an award of that
  school year rests stays.
* ``FREE``: records nothing rests on (a print job, a paragraph of the letter, a training
  attendance), and Flask-AppBuilder's own security tables, which only the system
  administrator's screens change.

The flush hook (app/security/scope.py → app/rules/registry.py) calls ``check_delete`` for every deleted
record, so a form, a bulk action, the API and a command are judged alike (a ``DELETE`` statement
is carried out record by record by app/operations/bulkwrites.py, so it is judged here too).
tests/test_deletion.py walks every mapped table and fails on one missing here.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, inspect, select

from app.rules import RuleError, db_errors

KEPT = {
    "award", "allocation", "payment_batch", "batch_line", "program_budget", "school_fund", "pairing",
    "loan", "loan_event", "loan_rate", "repayment_due", "loan_reminder", "submission", "complaint", "complaint_step",
    "complaint_identity_read", "inspection", "inspection_score", "phone_call", "card_export",
    "audit_entry", "audit_head", "school_year_turnover", "evaluation_part", "transfer_request", "school_transfer", "verification_run",
    "student_status_change", "identification_application", "identification_notice", "identification_objection",
}
WHILE_UNUSED = {
    "school", "student", "identification", "info_officer", "aid_program", "program_standard", "semester", "social_project",
    "loan_material", "report_task", "inspection_item", "training_session", "home_visit",
    "publicity_activity", "recognition", "aid_staff", "ab_user", "identification_family_member",
    "identification_evidence",
}
FREE = {
    "print_job", "letter_policy", "letter_part", "training_attendance", "publicity_photo", "login_lock", "demo_account",
    "user_session_epoch", "verification_preview", "work_calendar", "notice_rule",
    "ab_role", "ab_permission", "ab_view_menu", "ab_permission_view", "ab_register_user", "ab_api_key", "ab_group",
}

# Bookkeeping that goes with the record it belongs to (ON DELETE CASCADE): it holds nothing back.
GOES_WITH = {"user_session_epoch"}

NEVER_MESSAGE = _l("Records of money and of casework are never deleted: void, reject, close or correct them instead; "
                   "they stay on record.")


def check_delete(session, obj):
    table = obj.__tablename__
    if table == "award":
        from app.rules.awards import check_delete as check_award_delete

        return check_award_delete(obj)
    if table in KEPT:
        raise RuleError({"id": NEVER_MESSAGE})
    if table in WHILE_UNUSED:
        _refuse_if_used(session, obj)
        extra = EXTRA.get(table)
        if extra is not None:
            extra(session, obj)
        return
    if table not in FREE:
        raise RuleError({"id": _l("This kind of record cannot be deleted.")})


def _going(session):
    """Rows deleted in the same flush do not hold anything back (a photo going with its activity)."""
    out = {}
    for obj in session.deleted:
        identity = inspect(obj).identity
        if identity is not None:
            out.setdefault(obj.__tablename__, set()).add(identity[0])
    return out


def _refuse_if_used(session, obj):
    from app.extensions import db
    from app.security.scope import unscoped

    table = obj.__table__
    pk = inspect(obj).identity[0]
    owned = {rel.secondary.name for rel in inspect(type(obj)).relationships if rel.secondary is not None}
    going = _going(session)
    for other in db.metadata.sorted_tables:
        if other.name in owned or other.name in GOES_WITH:
            continue  # the record's own many-to-many links (a task's schools) and bookkeeping go with it
        for fk in other.foreign_keys:
            if fk.column.table is not table:
                continue
            where = [fk.parent == pk]
            if other.name in going and "id" in other.c:
                where.append(other.c.id.notin_(going[other.name]))
            count = session.execute(select(func.count()).select_from(other).where(and_(*where))
                                    .execution_options(**unscoped())).scalar()
            if count:
                raise RuleError({"id": _l("%(n)d records of %(what)s still refer to this record; it cannot be deleted.",
                                          n=count, what=_label(other.name))})


def _label(table):
    try:
        return db_errors.entity_label(table)
    except Exception:  # outside a request: the table's name
        return table


def _identification_without_awards(session, obj):
    """An identification on which an award of its school year rests stays (the award needs its reason)."""
    from app.models import Award, Semester
    from app.security.scope import unscoped

    count = session.execute(
        select(func.count()).select_from(Award).join(Semester, Semester.id == Award.semester_id)
        .where(Award.student_id == obj.student_id, Semester.school_year == obj.school_year)
        .execution_options(**unscoped())).scalar()
    if count:
        raise RuleError({"id": _l("Awards of %(year)s rest on this identification: it cannot be deleted; correct it "
                                  "instead.", year=obj.school_year)})


def _application_still_open(session, obj):
    """A family member or an evidence file goes only while the application is still being completed."""
    from app.rules.procedure import EDITABLE, EVIDENCE_OPEN, _application_of, _parent_open

    if obj.__tablename__ == "identification_family_member":
        _parent_open(_application_of(obj, session), EDITABLE, _l("family members"))
    else:
        _parent_open(_application_of(obj, session), EVIDENCE_OPEN, _l("evidence files"))


EXTRA = {"identification": _identification_without_awards,
         "identification_family_member": _application_still_open, "identification_evidence": _application_still_open}
