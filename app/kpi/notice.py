"""公示: what may be posted about an award, and the notice that carries it.

The national rule (2017) allows name, school, grade, class, programme and
amount, and nothing else: no ID number, address, phone, birth date or card.
``notice_rows`` selects exactly those columns, so nothing else can leak into a
page or a file built from it.

``public_notice`` adds what makes the list a notice that can be posted: the
公示期 (start and end; by default from today for the working days the county
set for the school year, 5 as the 2018 national guidance on identification is
commonly applied, and never shorter; working days by the centre's calendar of
holidays and 调休, app/rules/workdays.py), the 监督举报电话 (the school's complaint hotline
and the centre's: the county's work plan has both set one up), the issuing unit
(the school for one school's list, the centre for the county's) and the date.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.rules import RuleError
from app.rules.identification import school_year_of
from app.rules.workdays import Calendar, notice_days

POSTED_STATUSES = ("approved", "paid")


@dataclass(frozen=True)
class NoticeRow:
    name: str
    school: str
    grade: str
    class_name: str
    program: str
    amount: Decimal


def notice_rows(semester, program, school_id=None) -> list[NoticeRow]:
    from app.models import AidProgram, Award, School, Student

    query = (
        select(Student.name, School.name, Student.grade, Student.class_name, AidProgram.name, Award.amount)
        .select_from(Award)
        .join(Student, Student.id == Award.student_id)
        .join(School, School.id == Award.school_id)
        .join(AidProgram, AidProgram.id == Award.program_id)
        .where(Award.semester_id == semester.id, Award.program_id == program.id,
               Award.status.in_(POSTED_STATUSES))
        .order_by(School.name, Student.enrolment_year.desc(), Student.class_name, Student.name)
    )
    if school_id is not None:
        query = query.where(Award.school_id == school_id)
    return [NoticeRow(*row) for row in db.session.execute(query).all()]


def add_working_days(start: date, days: int) -> date:
    """The day ``days`` working days after ``start``, by the centre's calendar (app/rules/workdays.py)."""
    return Calendar.around(start).add(start, days)


def working_days_between(start: date, end: date) -> int:
    """Working days after the day of posting up to and including the last day."""
    return Calendar.around(start, end).between(start, end)


def notice_period(start: date | None = None, end: date | None = None, today: date | None = None,
                  school_year: str | None = None):
    """(start, end) of the 公示期: chosen, or from today for the school year's number of working days; never shorter."""
    start = start or today or date.today()
    days, _ = notice_days(school_year or school_year_of(start))
    calendar = Calendar.around(start, end)
    earliest = calendar.add(start, days)
    end = end or earliest
    if end < start:
        raise RuleError({"end": _l("The notice period ends before it starts.")})
    if calendar.between(start, end) < days:
        raise RuleError({"end": _l(
            "A notice stays posted for at least %(n)d working days after the day it is posted: from %(start)s it "
            "ends on %(end)s at the earliest.", n=days, start=start.isoformat(), end=earliest.isoformat())})
    return start, end


@dataclass
class Notice:
    title: str
    program: str
    semester: str
    rows: list[NoticeRow]
    start: date
    end: date
    issuer: str
    hotlines: list[tuple[str, str]] = field(default_factory=list)  # (whose, number)
    min_days: int = 5                 # the fewest working days it stays up (the school year's rule)
    basis: str | None = None          # the document that sets them

    @property
    def total(self) -> Decimal:
        return sum((r.amount for r in self.rows), Decimal(0))


def public_notice(semester, program, school=None, start=None, end=None, today=None) -> Notice:
    """The notice of a programme's approved awards in a semester: one school's (issued by it) or the county's."""
    start, end = notice_period(start, end, today, school_year=semester.school_year)
    min_days, basis = notice_days(semester.school_year)
    config = current_app.config
    hotlines = []
    if school is not None:
        issuer = school.name
        number = school.complaint_hotline or school.phone
        if number:
            hotlines.append((school.name, number))
    else:
        issuer = config["CENTRE_NAME"]
    hotlines.append((config["CENTRE_NAME"], config["CENTRE_HOTLINE"]))
    return Notice(title=f"{program.name}受助学生名单公示", program=program.name, semester=str(semester),
                  rows=notice_rows(semester, program, school.id if school is not None else None),
                  start=start, end=end, issuer=issuer, hotlines=hotlines, min_days=min_days, basis=basis)
