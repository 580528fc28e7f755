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

Between the comparison and its confirmation the list stays on the server
(``stage``: a ``VerificationPreview``, encrypted, the uploader's own, lapsing after
VERIFICATION_PREVIEW_MINUTES): the page carries a random token, never an ID number,
and ``confirm`` applies exactly what the preview showed, once.

Like every workflow, these functions write and never commit: the screen that calls them
(app/views/steps.py ``run``) commits the whole step, or rolls it back when it is refused.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from app.rules import idcard
from app import clock
from app.extensions import db
from app.operations.imports import RowError, _rows
from app.models.verification import LIST_KINDS, LIST_SCOPES
from app.rules import RuleError
from app.rules.identification import is_priority

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
    names: dict = field(default_factory=dict)         # ID number: (row, name) as the list gives them

    @property
    def confirmed(self) -> int:
        """Listed pupils of the schools who hold the category after the list: kept, gained or newly identified."""
        return len(self.keep) + len(self.gain) + len(self.unidentified)

    @property
    def needs_confirmation(self) -> bool:
        """It takes the category from more pupils than it confirms: the count must be typed to apply it."""
        return len(self.lose) > self.confirmed

    @property
    def shown(self) -> dict:
        """What the preview showed: the identifications gaining and losing the category, the pupils to be
        identified (ids); apply refuses when the comparison now gives anything else."""
        return {"gain": sorted(i.id for _, i in self.gain), "lose": sorted(i.id for _, i in self.lose),
                "new": sorted(s.id for s in self.unidentified)}


def read_list(data: bytes, kind: str, school_year: str, scope: str = "schools") -> Match:
    match = Match(kind, school_year, scope=scope)
    seen = set()
    names = match.names
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
    return compare(match)


def compare(match: Match) -> Match:
    """Sort the listed and the marked pupils of the school year into gain, keep, lose, unidentified, not found."""
    from app.models import Identification, Student

    if match.kind not in LIST_KINDS:
        raise RuleError({"kind": _l("Unknown list.")})
    if match.scope not in LIST_SCOPES:
        raise RuleError({"scope": _l("Choose whether the list is complete for the county or covers only its towns or schools.")})
    names = match.names
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

    ``expected`` is the preview's ``shown``: a different result now (someone changed an
    identification meanwhile) is refused, to be compared again.  When the list takes the
    category from more pupils than it confirms, ``confirm`` must be that number.
    """
    from app.models import Identification, VerificationRun

    if expected is not None and expected != match.shown:
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
    db.session.flush()
    return run


# --- between the comparison and its confirmation -----------------------------------------------------

class PreviewNotFound(LookupError):
    """No preview of this token belongs to this user (unknown, someone else's, or long lapsed)."""


def _token_hash(token) -> str:
    return hashlib.sha256(str(token or "").encode()).hexdigest()


def stage(match: Match, user, *, now=None) -> str:
    """Keep a compared list on the server for its confirmation; the token is all the page carries back."""
    from app.models import VerificationPreview

    now = now or clock.now()
    # lapsed previews go (a day after, so a late confirmation is still told why it is refused)
    db.session.execute(delete(VerificationPreview).where(VerificationPreview.expires_at < now - timedelta(days=1)))
    token = secrets.token_urlsafe(32)
    minutes = int(current_app.config.get("VERIFICATION_PREVIEW_MINUTES", 60))
    payload = {"numbers": match.numbers, "names": {n: list(v) for n, v in match.names.items()}, "shown": match.shown}
    db.session.add(VerificationPreview(
        token_hash=_token_hash(token), user_id=user.id, kind=match.kind, school_year=match.school_year,
        scope=match.scope, payload=json.dumps(payload, ensure_ascii=False), created_at=now,
        expires_at=now + timedelta(minutes=minutes)))
    return token


def _own_preview(token, user):
    from app.models import VerificationPreview

    preview = db.session.scalar(select(VerificationPreview).where(VerificationPreview.token_hash == _token_hash(token)))
    if preview is None or user is None or preview.user_id != user.id:
        raise PreviewNotFound(token)
    return preview


def _compared(preview):
    data = json.loads(preview.payload)
    names = {n: tuple(v) for n, v in data.get("names", {}).items()}
    match = compare(Match(preview.kind, preview.school_year, numbers=data["numbers"], scope=preview.scope, names=names))
    return match, data["shown"]


def reopen(token, user, *, now=None):
    """The user's preview compared again, to be shown again: (match, token).  When the comparison no
    longer gives what the preview showed, the list is staged anew (a new token; the old one lapses)."""
    preview = _own_preview(token, user)
    match, shown = _compared(preview)
    if shown == match.shown:
        return match, token
    preview.expires_at = min(preview.expires_at, now or clock.now())
    return match, stage(match, user, now=now)


def confirm(token, *, user, confirm=None, now=None):
    """Apply the user's previewed list, exactly as previewed, once.

    Raises ``PreviewNotFound`` for a token that is not the user's, ``RuleError`` (``token``) when the
    preview was applied already or has lapsed, and ``apply``'s errors (``confirm``, ``numbers``).
    """
    from app.models import VerificationPreview

    preview = _own_preview(token, user)
    now = now or clock.now()
    if preview.used_at is not None:
        raise RuleError({"token": _l("This list was applied already: nothing was changed again.")})
    if preview.expires_at < now:
        raise RuleError({"token": _l("This comparison has lapsed: compare the list again.")})
    match, shown = _compared(preview)
    # claimed first: a second confirmation arriving meanwhile finds it used (rolled back with any refusal)
    claimed = db.session.execute(update(VerificationPreview).where(
        VerificationPreview.id == preview.id, VerificationPreview.used_at.is_(None)).values(used_at=now)).rowcount
    if not claimed:
        raise RuleError({"token": _l("This list was applied already: nothing was changed again.")})
    run = apply(match, user=user, confirm=confirm, expected=shown)
    preview.run_id = run.id
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
