"""公示: what may be posted about an award.

The national rule (2017) allows name, school, grade, class, programme and
amount, and nothing else: no ID number, address, phone, birth date or card.
``notice_rows`` selects exactly those columns, so nothing else can leak into a
page or a file built from it.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db

POSTED_STATUSES = ("approved", "paid")


@dataclass(frozen=True)
class NoticeRow:
    name: str
    school: str
    grade: str
    class_name: str
    program: str
    amount: Decimal


def notice_rows(semester, program) -> list[NoticeRow]:
    from app.models import AidProgram, Award, School, Student

    result = db.session.execute(
        select(Student.name, School.name, Student.grade, Student.class_name, AidProgram.name, Award.amount)
        .select_from(Award)
        .join(Student, Student.id == Award.student_id)
        .join(School, School.id == Award.school_id)
        .join(AidProgram, AidProgram.id == Award.program_id)
        .where(Award.semester_id == semester.id, Award.program_id == program.id,
               Award.status.in_(POSTED_STATUSES))
        .order_by(School.name, Student.enrolment_year.desc(), Student.class_name, Student.name)
    ).all()
    return [NoticeRow(*row) for row in result]
