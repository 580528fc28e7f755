"""核对名单: the lists 民政 (低保, 特困), 扶贫 (建档立卡) and 残联 (残疾) share with the centre.

A list names people by ID number.  Matching it against a school year's
identifications tells, for its category, which pupils gain it (listed, not yet
marked), which lose it (marked, no longer listed), which listed pupils have no
identification yet, and which listed children are in no school's records.
Applying the result updates the identifications through the usual rules.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import idcard
from app.extensions import db
from app.imports import RowError, _rows
from app.models.choices import Choices
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
    errors: list[RowError] = field(default_factory=list)
    gain: list = field(default_factory=list)          # (student, identification)
    lose: list = field(default_factory=list)          # (student, identification)
    unidentified: list = field(default_factory=list)  # students
    not_found: list = field(default_factory=list)     # (row, name, number)


def read_list(data: bytes, kind: str, school_year: str) -> Match:
    match = Match(kind, school_year)
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
    from app.models import Identification, Student

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
    for ident in idents.values():
        if getattr(ident, match.kind) and ident.student.id_number not in listed:
            match.lose.append((ident.student, ident))
    return match


def apply(match: Match, today=None) -> int:
    """Write the result: mark gains, clear losses, identify listed pupils without one. Returns changes."""
    from app.models import Identification

    today = today or date.today()
    changed = 0
    for _, ident in match.gain:
        setattr(ident, match.kind, True)
        ident.is_priority = is_priority(ident)
        changed += 1
    for _, ident in match.lose:
        setattr(ident, match.kind, False)
        if not any(getattr(ident, name) for name, _ in _all_categories()):
            ident.cat_other = True  # still identified as in difficulty, for the school to review
        ident.is_priority = is_priority(ident)
        changed += 1
    for student in match.unidentified:
        ident = Identification(student=student, school_year=match.school_year, level="difficult",
                               evidence_source=SOURCE_OF[match.kind], identified_on=today,
                               notes=str(_l("From the shared verification list; the school confirms the level.")))
        setattr(ident, match.kind, True)
        db.session.add(ident)
        changed += 1
    db.session.commit()
    return changed


def _all_categories():
    from app.models.identification import CATEGORIES

    return [(name, label) for name, label, _ in CATEGORIES]
