"""Family economic difficulty identification: the priority flag and what a valid record needs."""
import re
from datetime import date

from flask_babel import lazy_gettext as _l

from app.models.choices import DIFFICULTY_LEVELS, EVIDENCE_SOURCES
from app.models.identification import CATEGORIES, PRIORITY_CATEGORIES
from app.security.roles import ADMIN, AID_CENTER, SCHOOL_OFFICER
from app import clock
from app.rules import RuleError, states

SCHOOL_YEAR = re.compile(r"^(\d{4})-(\d{4})$")
CENTRE = {AID_CENTER, ADMIN}
WRITERS = CENTRE | {SCHOOL_OFFICER}
STATE_LABELS = {"open": _l("not yet the basis of an approved award"), "in_use": _l("the basis of an approved or paid award"),
                "filed": _l("filed through the identification procedure")}
ASSESSMENT = ("level", *(name for name, _, _ in CATEGORIES), "evidence_source", "identified_on")

# What may change in each state (app/rules/states.py).  The state is not a column: an
# identification is in use once an approved or paid award of that pupil in that school year rests
# on it.  Then whose and which year it is never change; the level and the categories change only
# by the centre (the departments' verification lists, a county adjustment during the year); the
# school keeps its notes.  An identification filed through the procedure (app/rules/procedure.py) is
# the centre's acceptance: its assessment changes only by the centre, or by a new application.
# Whether it is in force (``effective``), the application it came from and its end (动态调整) are
# written by the procedure's steps only.
STATES = states.StateRules(
    model="Identification",
    what=_l("difficulty identification"),
    states={"open": {states.ALL: WRITERS},
            "in_use": {ASSESSMENT: CENTRE, ("notes", "needs_review"): WRITERS},
            "filed": {ASSESSMENT: CENTRE, ("notes", "needs_review"): WRITERS}},
    steps=("effective", "application_id", "ended_on", "end_reason"),
    ignored=("is_priority",),
    labels={"student": _l("Student"), "school_year": _l("School year"), "level": _l("Difficulty level"),
            **{name: label for name, label, _ in CATEGORIES}, "evidence_source": _l("Evidence source"),
            "identified_on": _l("Identified on"), "notes": _l("Notes"), "needs_review": _l("To be re-confirmed"),
            "effective": _l("In force"), "application": _l("Application"), "ended_on": _l("Left the list on"),
            "end_reason": _l("Why the pupil left the list")},
    state_labels=lambda code: STATE_LABELS[code],
    state_of=lambda identification, stored: _state_of(stored),
)


def _state_of(stored):
    if awards_rest_on(stored.session, stored.before("student_id"), stored.before("school_year")):
        return "in_use"
    return "filed" if stored.before("application_id") is not None else "open"


def awards_rest_on(session, student_id, school_year) -> bool:
    """An approved or paid award of the pupil in a semester of that school year."""
    from sqlalchemy import select

    from app.models import Award, Semester
    from app.security.scope import unscoped

    return session.scalar(
        select(Award.id).join(Semester, Semester.id == Award.semester_id)
        .where(Award.student_id == student_id, Semester.school_year == school_year,
               Award.status.in_(("approved", "paid"))).limit(1).execution_options(**unscoped())) is not None


def is_priority(identification) -> bool:
    """困中之困: registered poor, minimum allowance, extreme-poverty support or disability."""
    return any(bool(getattr(identification, name)) for name in PRIORITY_CATEGORIES)


def school_year_of(day: date) -> str:
    """The school year a day falls in: it starts on 1 September."""
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}-{start + 1}"


def check_identification(identification, today=None, session=None):
    states.check(identification, STATES, session)
    errors = {}
    today = today or clock.today()
    match = SCHOOL_YEAR.match(identification.school_year or "")
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        errors["school_year"] = _l("Write the school year as 2021-2022.")
    if identification.level not in DIFFICULTY_LEVELS:
        errors["level"] = _l("Not a valid choice")
    if identification.evidence_source not in EVIDENCE_SOURCES:
        errors["evidence_source"] = _l("Not a valid choice")
    if not any(getattr(identification, name) for name, _, _ in CATEGORIES):
        errors["cat_other"] = _l("Tick at least one category (use Other when none applies).")
    if identification.identified_on and identification.identified_on > today:
        errors["identified_on"] = _l("The identification date cannot be in the future.")
    if errors:
        raise RuleError(errors)
    identification.is_priority = is_priority(identification)
    _derive_effective(identification)


def _derive_effective(identification):
    """In force at once when the centre enters it (or the system: imports by the centre, the verification
    lists, the turnover); a school's own entry only with a category the departments verify, else it waits
    for the procedure's filing (app/rules/procedure.py)."""
    from app.rules.procedure import effective_on_entry

    if getattr(identification, "application_id", None) is not None:
        return
    if getattr(identification, "id", None) is None:
        if not states.acting_roles() & CENTRE:
            identification.effective = effective_on_entry(identification)
    elif not getattr(identification, "effective", True) and effective_on_entry(identification):
        identification.effective = True
