"""家庭经济困难学生认定程序 (教育部等六部门《关于做好家庭经济困难学生认定工作的指导意见》教财〔2018〕16号).

    申请 applied ──assess (班级评议小组: members, date, proposed level)──▶ assessed
    assessed | returned ──review (学校审核: accept, change the level with a reason, reject with a reason)──▶
        reviewed | rejected
    applied ──review──▶ …  only when the pupil has a 困中之困 category verified by the departments' lists
        (a verified category shortens the procedure: no 评议, as the guidance allows)
    reviewed ──publish (the school's 公示 of the school year or a batch)──▶ published
    published ──(notice filed by the school after its period, the centre accepts)──▶ filed
             └──(the centre returns the notice with a reason)──▶ returned

The school's steps are the school officer's; accepting or returning a filing is the centre's.  A
notice (公示) stays up for the working days the county set for the school year (app/rules/workdays.py);
objections are recorded and answered during it; the school files it only after its last day and
with every objection answered.  On acceptance each application's identification is created or
updated from it (level, categories) and is effective: the award rules read only effective ones
(app/rules/eligibility.py).  动态调整: an application may start at any time of the year (a new
hardship), and an identification ends with a date and a reason when the family's situation
improves; no award rests on it after that day.

Every step is checked here, whichever screen or API asks; the state tables (app/rules/states.py)
freeze what the steps alone write.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import clock
from app.models.choices import DIFFICULTY_LEVELS, EVIDENCE_SOURCES
from app.models.identification import CATEGORIES, PRIORITY_CATEGORIES
from app.security.roles import ADMIN, AID_CENTER, SCHOOL_OFFICER
from app.rules import RuleError, states
from app.rules.identification import SCHOOL_YEAR, is_priority
from app.security.scope import unscoped

SCHOOL = frozenset({SCHOOL_OFFICER, states.SYSTEM})
CENTRE = frozenset({AID_CENTER, ADMIN, states.SYSTEM})
WRITERS = SCHOOL | CENTRE
INTAKE = ("student_id", "school_year", "applied_on", "mid_year", *(name for name, _, _ in CATEGORIES),
          "factor_economy", "factor_region", "factor_sudden", "factor_spending", "factor_other", "level_requested",
          "statement")
STEP_FIELDS = ("status", "panel_members", "assessed_on", "proposed_level", "assessment_notes", "review_decision",
               "final_level", "review_reason", "reviewed_on", "notice_id", "return_reason")
# the application may still be completed (members, intake) in these states; evidence until it is published
EDITABLE = ("applied",)
EVIDENCE_OPEN = ("applied", "assessed", "reviewed", "returned")
DEPARTMENT_SOURCES = tuple(code for code, _ in EVIDENCE_SOURCES if code != "school")

APPLICATION_LABELS = {
    "student": _l("Student"), "school_year": _l("School year"), "applied_on": _l("Applied on"),
    "mid_year": _l("Mid-year application (动态调整)"), **{name: label for name, label, _ in CATEGORIES},
    "factor_economy": _l("Family economy (家庭经济因素)"), "factor_region": _l("Region (地域因素)"),
    "factor_sudden": _l("Sudden events (突发状况)"), "factor_spending": _l("The pupil's spending (学生消费因素)"),
    "factor_other": _l("Other factors"), "level_requested": _l("Level applied for"),
    "statement": _l("The family's statement"), "status": _l("State"), "panel_members": _l("Assessment panel members"),
    "assessed_on": _l("Assessed on"), "proposed_level": _l("Level proposed by the panel"),
    "assessment_notes": _l("Panel notes"), "review_decision": _l("School review"), "final_level": _l("Level identified"),
    "review_reason": _l("Reason of the review"), "reviewed_on": _l("Reviewed on"), "notice": _l("Identification notice"),
    "return_reason": _l("Why the centre returned it"),
}


def _application_status_label(code):
    from app.models.procedure import APPLICATION_STATUSES

    return APPLICATION_STATUSES.label(code)


def _notice_status_label(code):
    from app.models.procedure import NOTICE_STATUSES

    return NOTICE_STATUSES.label(code)


APPLICATION_STATES = states.StateRules(
    model="IdentificationApplication",
    what=_l("identification application"),
    states={"applied": {INTAKE: WRITERS}, **{s: {} for s in ("assessed", "reviewed", "rejected", "published", "filed",
                                                              "returned")}},
    created={"applied": WRITERS},
    steps=STEP_FIELDS,
    labels=APPLICATION_LABELS,
    state_labels=_application_status_label,
)
NOTICE_STATES = states.StateRules(
    model="IdentificationNotice",
    what=_l("identification notice"),
    states={s: {} for s in ("published", "submitted", "filed", "returned")},
    created={"published": SCHOOL},
    steps=("status", "submitted_at", "decided_at", "decided_by_id", "return_reason"),
    labels={"school": _l("School"), "school_year": _l("School year"), "title": _l("Title"),
            "starts_on": _l("Posted on"), "ends_on": _l("Last day of the notice"), "working_days": _l("Working days"),
            "status": _l("State"), "submitted_at": _l("Submitted for filing at"), "decided_at": _l("Decided at"),
            "decided_by": _l("Decided by"), "return_reason": _l("Why the centre returned it")},
    state_labels=_notice_status_label,
)


def _required(value):
    return bool((value or "").strip()) if isinstance(value, str) or value is None else True


def _year_error(value):
    match = SCHOOL_YEAR.match(value or "")
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        return _l("Write the school year as 2021-2022.")
    return None


# --- the records as they are stored ----------------------------------------------------------

def check_application(application, session=None):
    from app.extensions import db
    from app.models import IdentificationApplication, Student
    from app.rules.eligibility import not_in_school

    session = session if hasattr(session, "scalars") else db.session
    states.check(application, APPLICATION_STATES, session)
    errors = {}
    if (message := _year_error(application.school_year)) is not None:
        errors["school_year"] = message
    if application.level_requested not in DIFFICULTY_LEVELS:
        errors["level_requested"] = _l("Choose the level the family applies for.")
    if not _required(application.statement):
        errors["statement"] = _l("Write the family's statement (the reasons of the application).")
    if application.applied_on is None:
        errors["applied_on"] = _l("This field is required.")
    elif application.applied_on > clock.today():
        errors["applied_on"] = _l("The application date cannot be in the future.")
    if not any(getattr(application, name) for name, _, _ in CATEGORIES) and not any(
            _required(getattr(application, f)) for f in ("factor_economy", "factor_region", "factor_sudden",
                                                          "factor_spending", "factor_other")):
        errors["factor_economy"] = _l("Describe the family's situation under at least one factor, or tick a special "
                                      "group.")
    student_id = application.student_id
    if student_id is None and getattr(application, "student", None) is not None:
        student_id = application.student.id
    if student_id is None:
        errors["student"] = _l("Choose the pupil.")
    elif (application.status or "applied") == "applied":
        with session.no_autoflush:
            student = session.get(Student, student_id)
        if student is not None and not_in_school(student):
            errors["student"] = _l("This pupil is no longer in school.")
        if "school_year" not in errors:
            query = select(IdentificationApplication.id).where(
                IdentificationApplication.student_id == student_id,
                IdentificationApplication.school_year == application.school_year,
                IdentificationApplication.status.notin_(("rejected", "filed")))
            if getattr(application, "id", None) is not None:
                query = query.where(IdentificationApplication.id != application.id)
            with session.no_autoflush:
                if session.execute(query.limit(1).execution_options(**unscoped())).first() is not None:
                    errors["student"] = _l("This pupil already has an application of this school year in progress.")
    if errors:
        raise RuleError(errors)


def _parent_open(application, allowed, what):
    if application is None:
        raise RuleError({"application": _l("Choose the application.")})
    if states.SYSTEM in states.acting_roles():
        return
    if application.status not in allowed:
        raise RuleError({"application": _l("The application is %(state)s: its %(what)s no longer change.",
                                           state=_application_status_label(application.status), what=what)})


def _application_of(record, session):
    from app.models import IdentificationApplication

    if getattr(record, "application", None) is not None:
        return record.application
    if record.application_id is None:
        return None
    with session.no_autoflush:
        return session.get(IdentificationApplication, record.application_id)


def check_member(member, session):
    """A row of the family table: who, and what they earn; only while the application is being completed."""
    _parent_open(_application_of(member, session), EDITABLE, _l("family members"))
    errors = {}
    for field in ("relation", "name"):
        value = (getattr(member, field) or "").strip()
        if not value:
            errors[field] = _l("This field is required.")
        else:
            setattr(member, field, value)
    if member.age is not None and not 0 <= int(member.age) <= 120:
        errors["age"] = _l("Enter an age from 0 to 120.")
    if member.yearly_income is not None and Decimal(member.yearly_income) < 0:
        errors["yearly_income"] = _l("An income is not negative.")
    if errors:
        raise RuleError(errors)


def check_evidence(evidence, session):
    _parent_open(_application_of(evidence, session), EVIDENCE_OPEN, _l("evidence files"))


def check_notice(notice, session):
    states.check(notice, NOTICE_STATES, session)
    errors = {}
    if (message := _year_error(notice.school_year)) is not None:
        errors["school_year"] = message
    if not _required(notice.title):
        errors["title"] = _l("This field is required.")
    if notice.starts_on is None or notice.ends_on is None or notice.ends_on < notice.starts_on:
        errors["ends_on"] = _l("The notice period ends before it starts.")
    if errors:
        raise RuleError(errors)


def check_objection(objection, session):
    """An objection belongs to a notice still posted, was received during its period, and concerns its list."""
    from app.models import IdentificationNotice

    notice = objection.notice
    if notice is None and objection.notice_id is not None:
        with session.no_autoflush:
            notice = session.get(IdentificationNotice, objection.notice_id)
    errors = {}
    if notice is None:
        raise RuleError({"notice": _l("Choose the public notice.")})
    if not _required(objection.content):
        errors["content"] = _l("Write what the objection says.")
    if objection.received_on is None:
        errors["received_on"] = _l("This field is required.")
    elif not notice.starts_on <= objection.received_on <= notice.ends_on:
        errors["received_on"] = _l("An objection is received during the notice period (%(start)s to %(end)s).",
                                   start=notice.starts_on.isoformat(), end=notice.ends_on.isoformat())
    elif objection.received_on > clock.today():
        errors["received_on"] = _l("The date received cannot be in the future.")
    if objection.application_id is not None and objection.application_id not in {a.id for a in notice.applications}:
        errors["application"] = _l("The objection concerns a pupil of this notice's list.")
    if objection.answer is not None and not objection.answer.strip():
        objection.answer = None
    if objection.answer and objection.answered_on is None:
        objection.answered_on = clock.today()
    if errors:
        raise RuleError(errors)


# --- verified categories --------------------------------------------------------------------

def verified_categories(session, student_id, school_year):
    """The 困中之困 categories the departments' lists verified for the pupil (this school year's or the last
    one's identification, of a department's source): what lets an application skip the class panel."""
    from app.models import Identification

    match = SCHOOL_YEAR.match(school_year or "")
    years = [school_year]
    if match:
        years.append(f"{int(match.group(1)) - 1}-{match.group(1)}")
    found = set()
    for ident in session.scalars(select(Identification).where(
            Identification.student_id == student_id, Identification.school_year.in_(years),
            Identification.evidence_source.in_(DEPARTMENT_SOURCES)).execution_options(**unscoped())):
        found |= {name for name in PRIORITY_CATEGORIES if getattr(ident, name)}
    return found


# --- the application's steps ----------------------------------------------------------------

ACTIONS = ("assess", "review")


def _roles(roles):
    return frozenset(roles) if roles is not None else states.acting_roles()


def may_review_at_once(session, application):
    return bool(verified_categories(session, application.student_id, application.school_year))


def available_actions(session, application, roles=None):
    """The steps of the application's page this user may take now."""
    roles = _roles(roles)
    if not roles & SCHOOL:
        return []
    out = []
    if application.status == "applied":
        out.append("assess")
        if may_review_at_once(session, application):
            out.append("review")
    elif application.status in ("assessed", "returned"):
        out.append("review")
    return out


def _day(value, field, errors, required=True):
    if value in (None, ""):
        if required:
            errors[field] = _l("This field is required.")
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        errors[field] = _l("Write the date as 2021-09-01.")
        return None


def _text(data, field):
    value = data.get(field)
    if value is not None and not isinstance(value, str):
        raise RuleError({field: _l("Write this as text.")})
    return (value or "").strip()


def take_step(session, application, action, data=None, roles=None):
    """Assess or review an application; RuleError says why not and nothing changes."""
    data = data if isinstance(data, dict) else {}
    roles = _roles(roles)
    if not isinstance(action, str) or action not in ACTIONS:
        raise RuleError({"status": _l("Unknown action.")})
    if not roles & SCHOOL:
        raise RuleError({"status": _l("Only the school's information officer takes this step.")})
    if action not in available_actions(session, application, roles):
        raise RuleError({"status": _l("An application that is %(state)s cannot take this step.",
                                      state=_application_status_label(application.status))})
    return (assess if action == "assess" else review)(session, application, data)


def assess(session, application, data):
    """班级评议小组: who sat on it, when, the level it proposes, its notes."""
    errors = {}
    members = _text(data, "panel_members")
    notes = _text(data, "assessment_notes")
    if not members:
        errors["panel_members"] = _l("Name the members of the class assessment panel.")
    on = _day(data.get("assessed_on"), "assessed_on", errors)
    if on is not None and on > clock.today():
        errors["assessed_on"] = _l("The assessment date cannot be in the future.")
    elif on is not None and on < application.applied_on:
        errors["assessed_on"] = _l("The panel assesses after the application (%(d)s).", d=application.applied_on.isoformat())
    level = data.get("proposed_level")
    if level not in DIFFICULTY_LEVELS:
        errors["proposed_level"] = _l("Choose the level the panel proposes.")
    if errors:
        raise RuleError(errors)
    states.step(application)
    application.panel_members, application.assessed_on = members, on
    application.proposed_level, application.assessment_notes = level, notes or None
    application.status = "assessed"
    return application


def review(session, application, data):
    """学校审核: accept the proposed level, change it with a reason, or reject with a reason."""
    errors = {}
    decision = data.get("review_decision")
    reason = _text(data, "review_reason")
    proposed = application.proposed_level or application.level_requested
    level = proposed
    if decision == "change":
        level = data.get("final_level")
        if level not in DIFFICULTY_LEVELS:
            errors["final_level"] = _l("Choose the level the school identifies.")
        elif level == proposed:
            errors["final_level"] = _l("This is the proposed level: accept it instead.")
        if not reason:
            errors["review_reason"] = _l("Say why the level is changed.")
    elif decision == "reject":
        level = None
        if not reason:
            errors["review_reason"] = _l("Say why the application is rejected.")
    elif decision != "accept":
        errors["review_decision"] = _l("Choose the school's decision.")
    if errors:
        raise RuleError(errors)
    states.step(application)
    application.review_decision, application.review_reason = decision, reason or None
    application.final_level = level
    application.reviewed_on = clock.today()
    application.status = "rejected" if decision == "reject" else "reviewed"
    application.notice_id = None
    return application


# --- 公示 --------------------------------------------------------------------------------

def publishable(session, school_id, school_year):
    """The school's reviewed applications of the school year not yet on a notice."""
    from app.models import IdentificationApplication

    return session.scalars(select(IdentificationApplication).where(
        IdentificationApplication.school_id == school_id, IdentificationApplication.school_year == school_year,
        IdentificationApplication.status == "reviewed").order_by(IdentificationApplication.id)).all()


def publish(session, school, school_year, starts_on=None, title=None, roles=None, application_ids=None):
    """The school posts its reviewed applications of a school year (or those chosen: a batch) for the 公示期."""
    from app.models import IdentificationNotice
    from app.rules.workdays import Calendar, notice_days

    roles = _roles(roles)
    if not roles & SCHOOL:
        raise RuleError({"status": _l("Only the school's information officer publishes its list.")})
    if (message := _year_error(school_year)) is not None:
        raise RuleError({"school_year": message})
    today = clock.today()
    starts_on = starts_on or today
    if starts_on < today and states.SYSTEM not in roles:
        raise RuleError({"starts_on": _l("A notice is posted from today or a later day.")})
    applications = publishable(session, school.id, school_year)
    if application_ids:
        wanted = {int(i) for i in application_ids}
        applications = [a for a in applications if a.id in wanted]
    if not applications:
        raise RuleError({"school_year": _l("No reviewed application of %(year)s waits for its notice.", year=school_year)})
    days, _ = notice_days(school_year, session)
    ends_on = Calendar.around(starts_on, session=session).add(starts_on, days)
    notice = IdentificationNotice(school_id=school.id, school_year=school_year, starts_on=starts_on, ends_on=ends_on,
                                  working_days=days, status="published",
                                  title=(title or "").strip() or f"{school.name}{school_year}学年家庭经济困难学生认定结果公示")
    session.add(notice)
    session.flush()
    for application in applications:
        states.step(application)
        application.notice = notice  # both sides at once: the notice lists it in this session too
        application.status = "published"
    return notice


def record_objection(session, notice, data, roles=None):
    from app.models import NoticeObjection

    roles = _roles(roles)
    if not roles & SCHOOL:
        raise RuleError({"content": _l("Only the school's information officer records objections to its notice.")})
    if notice.status != "published":
        raise RuleError({"content": _l("The notice is %(state)s: objections are recorded while it is posted.",
                                       state=_notice_status_label(notice.status))})
    errors = {}
    received = _day(data.get("received_on") or clock.today(), "received_on", errors)
    application_id = data.get("application_id") or None
    try:
        application_id = int(application_id) if application_id is not None else None
    except (TypeError, ValueError):
        errors["application"] = _l("The objection concerns a pupil of this notice's list.")
    if errors:
        raise RuleError(errors)
    objection = NoticeObjection(notice=notice, school_id=notice.school_id, received_on=received,
                                content=_text(data, "content"), application_id=application_id)
    session.add(objection)
    session.flush()
    return objection


def answer_objection(session, objection, answer, roles=None):
    roles = _roles(roles)
    if not roles & SCHOOL:
        raise RuleError({"answer": _l("Only the school's information officer answers objections to its notice.")})
    if objection.notice.status != "published":
        raise RuleError({"answer": _l("The notice is %(state)s: objections are answered while it is posted.",
                                      state=_notice_status_label(objection.notice.status))})
    if objection.answer:
        raise RuleError({"answer": _l("This objection was already answered.")})
    answer = (answer or "").strip() if isinstance(answer, str) or answer is None else None
    if not answer:
        raise RuleError({"answer": _l("Write the answer given.")})
    objection.answer, objection.answered_on = answer, clock.today()
    session.flush()
    return objection


# --- 备案 --------------------------------------------------------------------------------

def submit_filing(session, notice, roles=None, user=None):
    """The school files its notice with the centre, once the period is over and every objection answered."""
    roles = _roles(roles)
    if not roles & SCHOOL:
        raise RuleError({"status": _l("Only the school's information officer files its notice.")})
    if notice.status != "published":
        raise RuleError({"status": _l("The notice is %(state)s: it cannot be filed now.",
                                      state=_notice_status_label(notice.status))})
    if clock.today() <= notice.ends_on:
        raise RuleError({"status": _l("The notice is posted until %(end)s: it is filed after that day.",
                                      end=notice.ends_on.isoformat())})
    open_ones = [o for o in notice.objections if not o.answer]
    if open_ones:
        raise RuleError({"status": _l("%(n)d objections are not answered yet: answer them before filing.",
                                      n=len(open_ones))})
    states.step(notice)
    notice.status, notice.submitted_at = "submitted", clock.now()
    return notice


def _centre_decides(notice, roles):
    if not _roles(roles) & CENTRE:
        raise RuleError({"status": _l("Only the county aid centre accepts or returns a filing.")})
    if notice.status != "submitted":
        raise RuleError({"status": _l("The notice is %(state)s: only a notice filed by its school is decided.",
                                      state=_notice_status_label(notice.status))})


def accept_filing(session, notice, roles=None, user=None):
    """备案: the centre accepts; every application of the notice is filed and its identification is in force."""
    _centre_decides(notice, roles)
    states.step(notice)
    notice.status, notice.decided_at = "filed", clock.now()
    notice.decided_by_id = getattr(user, "id", None)
    for application in notice.applications:
        if application.status != "published":
            continue
        states.step(application)
        application.status = "filed"
        identify(session, application)
    return notice


def return_filing(session, notice, reason, roles=None, user=None):
    """The centre returns the filing with a reason: the school reviews its applications again."""
    _centre_decides(notice, roles)
    reason = (reason or "").strip() if isinstance(reason, str) or reason is None else ""
    if not reason:
        raise RuleError({"return_reason": _l("Write why the filing is returned.")})
    states.step(notice)
    notice.status, notice.decided_at, notice.return_reason = "returned", clock.now(), reason
    notice.decided_by_id = getattr(user, "id", None)
    for application in notice.applications:
        if application.status == "published":
            states.step(application)
            application.status, application.return_reason = "returned", reason
    return notice


def identify(session, application):
    """The pupil's identification of the school year from a filed application: created or brought up to it."""
    from app.models import Identification

    ident = session.scalars(select(Identification).where(
        Identification.student_id == application.student_id,
        Identification.school_year == application.school_year).execution_options(**unscoped())).first()
    if ident is None:
        ident = Identification(student_id=application.student_id, school_year=application.school_year,
                               evidence_source="school")
        session.add(ident)
    ident.level = application.final_level
    for name, _, _ in CATEGORIES:
        setattr(ident, name, bool(getattr(application, name)))
    if not any(getattr(ident, name) for name, _, _ in CATEGORIES):
        ident.cat_other = True
    ident.is_priority = is_priority(ident)
    ident.identified_on = clock.today()
    ident.needs_review = False
    states.step(ident, "effective", "application_id", "ended_on", "end_reason")
    ident.effective, ident.application_id = True, application.id
    ident.ended_on = ident.end_reason = None
    return ident


# --- 动态调整 ------------------------------------------------------------------------------

def end_identification(session, ident, ended_on, reason, roles=None):
    """The family's situation improved: the pupil leaves the list from this day, with the reason."""
    roles = _roles(roles)
    if not roles & WRITERS:
        raise RuleError({"ended_on": _l("Your role may not end an identification.")})
    if ident.ended_on is not None:
        raise RuleError({"ended_on": _l("This identification already ended on %(d)s.", d=ident.ended_on.isoformat())})
    errors = {}
    day = _day(ended_on, "ended_on", errors)
    if day is not None and day > clock.today():
        errors["ended_on"] = _l("The end date cannot be in the future.")
    elif day is not None and day < ident.identified_on:
        errors["ended_on"] = _l("The end date is before the identification (%(d)s).", d=ident.identified_on.isoformat())
    reason = (reason or "").strip() if isinstance(reason, str) or reason is None else ""
    if not reason:
        errors["end_reason"] = _l("Say why the pupil leaves the list.")
    if errors:
        raise RuleError(errors)
    states.step(ident, "ended_on", "end_reason")
    ident.ended_on, ident.end_reason = day, reason
    return ident


def in_force_for(ident, semester, award=None) -> str | None:
    """Why an identification does not carry an award of this semester, or None when it does."""
    if not ident.effective:
        return str(_l("The identification of %(year)s is not filed yet (认定程序: 公示 and 备案 first).",
                      year=ident.school_year))
    if ident.ended_on is not None:
        new = award is not None and getattr(award, "id", None) is None
        if semester.starts_on >= ident.ended_on or (new and clock.today() > ident.ended_on):
            return str(_l("The pupil left the list of identified pupils on %(d)s (%(reason)s): no award after that day.",
                          d=ident.ended_on.isoformat(), reason=ident.end_reason or ""))
    return None


def effective_on_entry(ident) -> bool:
    """A school's identification typed directly is in force only with a category the departments verify."""
    return ident.evidence_source in DEPARTMENT_SOURCES and is_priority(ident)


# --- the centre's overview ------------------------------------------------------------------

PROGRESS = (("not_started", _l("Not started")), ("assessing", _l("Assessing")), ("published", _l("Published")),
            ("submitted", _l("Submitted for filing")), ("returned", _l("Returned by the centre")),
            ("filed", _l("Filed")))


def school_progress(session, school_year):
    """Every school's state of the year's procedure: [(school, state, figures)] for the centre's page."""
    from sqlalchemy import func

    from app.models import IdentificationApplication, IdentificationNotice, School

    counts = {}
    for school_id, status, n in session.execute(
            select(IdentificationApplication.school_id, IdentificationApplication.status, func.count())
            .where(IdentificationApplication.school_year == school_year)
            .group_by(IdentificationApplication.school_id, IdentificationApplication.status)):
        counts.setdefault(school_id, {})[status] = n
    notices = {}
    for notice in session.scalars(select(IdentificationNotice).where(IdentificationNotice.school_year == school_year)
                                  .order_by(IdentificationNotice.id)):
        notices.setdefault(notice.school_id, []).append(notice)
    rows = []
    for school in session.scalars(select(School).where(School.active.is_(True)).order_by(School.code)):
        c = counts.get(school.id, {})
        mine = notices.get(school.id, [])
        if not c:
            state = "not_started"
        elif any(c.get(s) for s in ("applied", "assessed", "reviewed")):
            state = "assessing"
        elif c.get("returned"):
            state = "returned"
        elif any(n.status == "submitted" for n in mine):
            state = "submitted"
        elif any(n.status == "published" for n in mine):
            state = "published"
        else:
            state = "filed"
        rows.append((school, state, c, mine[-1] if mine else None))
    return rows


def money(value):
    """A typed yearly income: Decimal, or RuleError."""
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise RuleError({"yearly_income": _l("Enter an amount in yuan, e.g. 12000.")})
    if not amount.is_finite() or amount.as_tuple().exponent < -2 or abs(amount) >= Decimal("1e10"):
        raise RuleError({"yearly_income": _l("Enter an amount in yuan, e.g. 12000.")})
    return amount
