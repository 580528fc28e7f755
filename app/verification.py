"""核对名单: the lists 民政 (低保, 特困), 扶贫 (建档立卡) and 残联 (残疾) share with the centre.

A list names people by ID number.  Matching it against a school year's
identifications tells, for its category, which pupils gain it (listed, not yet
marked), which lose it (marked, no longer listed), which listed pupils have no
identification yet, and which listed children are in no school's records.

A list is either the complete list of the county, or covers only some towns or
schools (a town's 民政 office sends its own households): the centre says which,
and only pupils of the schools (or of the towns) the list covers can lose the
category.  Applying shows the changes first, asks for the number of pupils
losing the category to be typed when it takes the category from more pupils
than it confirms, and keeps a record (``VerificationRun``) from which the whole
application is undone in one step.  The audit trail records both, with who.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import idcard
from app import clock
from app.extensions import db
from app.imports import RowError, _rows
from app.models.choices import Choices
from app.models.verification import LIST_SCOPES
from app.rules import RuleError
from app.rules.identification import is_priority

LIST_KINDS = Choices(
    ("cat_subsistence", _l("Minimum living allowance (civil affairs)")),
    ("cat_extreme_poverty", _l("Extreme poverty support (civil affairs)")),
    ("cat_registered_poor", _l("Registered poor households (poverty alleviation)")),
    ("cat_disability", _l("Disability (disabled persons' federation)")),
)
SOURCE_OF = {
    "cat_subsistence": "civil_affairs",
    "cat_extreme_poverty": "civil_affairs",
    "cat_registered_poor": "poverty_office",
    "cat_disability": "disabled_fed",
}
LIST_COLUMNS = [("name", "姓名", False, "张小明"), ("id_number", "身份证号", True, idcard.make("341124", date(2009, 5, 6), 123))]


@dataclass
class Match:
    kind: str
    school_year: str
    numbers: list[str] = field(default_factory=list)
    scope: str = "schools"
    errors: list[RowError] = field(default_factory=list)
    gain: list = field(default_factory=list)          # (student, identification)
    keep: list = field(default_factory=list)          # (student, identification): listed and already marked
    lose: list = field(default_factory=list)          # (student, identification)
    spared: int = 0                                   # marked, not listed, outside the list's towns/schools
    unidentified: list = field(default_factory=list)  # students
    not_found: list = field(default_factory=list)     # (row, name, number)
    covered: list[str] = field(default_factory=list)  # names of the towns or schools covered (not "county")

    @property
    def confirmed(self) -> int:
        """Listed pupils of the schools who hold the category after the list: kept, gained or newly identified."""
        return len(self.keep) + len(self.gain) + len(self.unidentified)

    @property
    def needs_confirmation(self) -> bool:
        """It takes the category from more pupils than it confirms: the count must be typed to apply it."""
        return len(self.lose) > self.confirmed

    @property
    def counts(self) -> str:
        """What the preview showed (gains, losses, new identifications): apply refuses if it changed since."""
        return f"{len(self.gain)},{len(self.lose)},{len(self.unidentified)}"


def read_list(data: bytes, kind: str, school_year: str, scope: str = "schools") -> Match:
    match = Match(kind, school_year, scope=scope)
    seen = set()
    names = {}
    for row, v in _rows(data, LIST_COLUMNS, match):
        try:
            number = idcard.parse(v["id_number"]).number
        except idcard.IdNumberError as exc:
            match.errors.append(RowError(row, "身份证号", str(exc)))
            continue
        if number not in seen:
            seen.add(number)
            match.numbers.append(number)
            names[number] = (row, v.get("name", ""))
    if match.errors:
        return match
    return compare(match, names)


def compare(match: Match, names=None) -> Match:
    """Sort the listed and the marked pupils of the school year into gain, keep, lose, unidentified, not found."""
    from app.models import Identification, Student

    if match.kind not in LIST_KINDS:
        raise RuleError({"kind": _l("Unknown list.")})
    if match.scope not in LIST_SCOPES:
        raise RuleError({"scope": _l("Choose whether the list is complete for the county or covers only its towns or schools.")})
    names = names or {}
    listed = set(match.numbers)
    students = {}
    for start in range(0, len(match.numbers), 900):
        for s in db.session.scalars(select(Student).where(Student.id_number.in_(match.numbers[start:start + 900]))):
            students[s.id_number] = s
    idents = {i.student_id: i for i in db.session.scalars(
        select(Identification).where(Identification.school_year == match.school_year))}
    for number in match.numbers:
        student = students.get(number)
        if student is None:
            row, name = names.get(number, (0, ""))
            match.not_found.append((row, name, number))
        elif student.id not in idents:
            match.unidentified.append(student)
        elif not getattr(idents[student.id], match.kind):
            match.gain.append((student, idents[student.id]))
        else:
            match.keep.append((student, idents[student.id]))
    schools = {s.school_id for s in students.values()}
    towns = {s.school.town for s in students.values()}
    if match.scope == "schools":
        match.covered = sorted({s.school.name for s in students.values()})
    elif match.scope == "towns":
        match.covered = sorted(towns)
    for ident in idents.values():
        if not getattr(ident, match.kind) or ident.student.id_number in listed:
            continue
        if (match.scope == "county" or (match.scope == "schools" and ident.student.school_id in schools)
                or (match.scope == "towns" and ident.student.school.town in towns)):
            match.lose.append((ident.student, ident))
        else:
            match.spared += 1
    return match


_KEPT_VALUES = ("cat_other", "is_priority")


def apply(match: Match, *, user=None, confirm=None, expected=None, today=None):
    """Write the result as one ``VerificationRun``: mark gains, clear losses, identify listed pupils without one.

    ``expected`` is the preview's ``counts``: a different result now (someone changed an
    identification meanwhile) is refused, to be compared again.  When the list takes the
    category from more pupils than it confirms, ``confirm`` must be that number.
    """
    from app.models import Identification, VerificationRun

    if expected is not None and expected != match.counts:
        raise RuleError({"numbers": _l("The identifications changed since the comparison: compare the list again.")})
    if match.needs_confirmation and str(confirm or "").strip() != str(len(match.lose)):
        raise RuleError({"confirm": _l(
            "This list takes the category from %(lose)d pupils and confirms it for only %(confirmed)d: "
            "type %(lose)d to confirm.", lose=len(match.lose), confirmed=match.confirmed)})
    today = today or clock.today()
    touched = []  # (identification, values before or None when created)
    for _, ident in match.gain:
        touched.append((ident, _values(ident, match.kind)))
        setattr(ident, match.kind, True)
        ident.is_priority = is_priority(ident)
    for _, ident in match.lose:
        touched.append((ident, _values(ident, match.kind)))
        setattr(ident, match.kind, False)
        if not any(getattr(ident, name) for name, _ in _all_categories()):
            ident.cat_other = True  # still identified as in difficulty, for the school to review
        ident.is_priority = is_priority(ident)
    for student in match.unidentified:
        ident = Identification(student=student, school_year=match.school_year, level="difficult",
                               evidence_source=SOURCE_OF[match.kind], identified_on=today,
                               notes=str(_l("From the shared verification list; the school confirms the level.")))
        setattr(ident, match.kind, True)
        ident.is_priority = is_priority(ident)
        db.session.add(ident)
        touched.append((ident, None))
    db.session.flush()  # the rules run, the ids and the new versions are known
    run = VerificationRun(
        kind=match.kind, school_year=match.school_year, scope=match.scope, covered="、".join(match.covered) or None,
        listed=len(match.numbers), gained=len(match.gain), lost=len(match.lose), created=len(match.unidentified),
        applied_by_id=getattr(user, "id", None),
        changes=json.dumps([{"id": ident.id, "created": before is None, "before": before,
                             "version": _version(ident)} for ident, before in touched]),
    )
    db.session.add(run)
    db.session.commit()
    return run


def undo(run, *, user=None):
    """Restore every identification the run changed to its values before it, and remove the ones it created.

    Refused as a whole when the run was undone already, or when any of its identifications was
    changed (or removed) since: undoing it would overwrite someone's later work.
    """
    from app.models import Identification

    if run.undone_at is not None:
        raise RuleError({"id": _l("This list was undone already.")})
    changes = run.change_list
    idents = {i.id: i for i in db.session.scalars(
        select(Identification).where(Identification.id.in_([c["id"] for c in changes] or [0])))}
    moved = [c for c in changes if c["id"] not in idents or _version(idents[c["id"]]) != c["version"]]
    if moved:
        names = "、".join(str(idents[c["id"]].student.name) if c["id"] in idents else f"#{c['id']}" for c in moved[:10])
        raise RuleError({"id": _l(
            "%(n)d identifications were changed since the list was applied (%(names)s): it cannot be undone as a "
            "whole; correct them one by one.", n=len(moved), names=names)})
    for change in changes:
        ident = idents[change["id"]]
        if change["created"]:
            db.session.delete(ident)
            continue
        for name, value in change["before"].items():
            setattr(ident, name, value)
    run.undone_at = clock.now()
    run.undone_by_id = getattr(user, "id", None)
    db.session.commit()
    return run


def recent_runs(limit=20):
    from app.models import VerificationRun

    return db.session.scalars(select(VerificationRun).order_by(VerificationRun.id.desc()).limit(limit)).all()


def _values(ident, kind):
    return {kind: bool(getattr(ident, kind)), **{name: bool(getattr(ident, name)) for name in _KEPT_VALUES}}


def _version(ident):
    value = ident.updated_at
    return value.isoformat() if value is not None else None


def _all_categories():
    from app.models.identification import CATEGORIES

    return [(name, label) for name, label, _ in CATEGORIES]
