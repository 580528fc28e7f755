"""Factories: the records a test makes for itself, built by the demo's row builders (app/demo/rows.py).

Each ``make_*`` returns a record that passes the record rules (a valid, unique ID number; a grade of
the school's stage and an age that fits it; a 学籍号; a valid card number…), saved through the
session as a screen saves it (the rules and the audit trail run), with whatever the test states
given as keywords. ``save=False`` returns it unsaved. A test that makes records removes them with
``tests.conftest.purge``.

    school = make_school("vocational", name="资格测试职教中心")
    pupil = make_pupil(school, grade="中职三年级", name="中职三年级生")
    make_identification(pupil, "2026-2027", level="special")
    award = make_award(pupil, program, semester, Decimal("1150"), card=True)

A pupil given an ID number is born on its date, of its sex. The records no builder draws (a programme,
a semester, a complaint's steps, a report task…) have ``make_program``, ``make_semester`` and, for the
rest, ``make(Model, **values)``: saved the same way. The suite's shared county (tests/conftest.py
``_world``) is built with these.
"""
from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from itertools import count

from sqlalchemy import select

from app import clock
from app.demo import rows
from app.extensions import db
from app.models import AidProgram, Award, Complaint, Identification, Loan, School, Semester, Student
from app.rules import idcard
from app.rules.students import school_year_start

DIVISION = "341124"
COUNTY = "全椒县"
_rng = random.Random(1124)
_serial = count(1)
_used: set[str] = set()


def _save(record, save):
    if save:
        db.session.add(record)
        db.session.commit()
    return record


def _school(school):
    return school if isinstance(school, School) else db.session.get(School, school)


def _used_numbers():
    """The ID numbers in the database now (the shared world's, other tests') and those given before: never
    given again."""
    _used.update(db.session.scalars(select(Student.id_number)))
    return _used


def make(model, save=True, **values):
    """A record of ``model`` as the test states it, saved as the others are."""
    return _save(model(**values), save)


def make_school(stage="senior", name=None, save=True, code=None, town="襄河镇", **over):
    """A school of ``stage`` in ``town`` with its address, principal, phone and complaint hotline."""
    n = next(_serial)
    row = rows.school_row(_rng, code or f"F{n:04d}", name or f"{COUNTY}测试第{n}学校", stage, town, COUNTY, **over)
    return _save(School(**row), save)


def make_pupil(school, grade=None, save=True, **over):
    """A pupil of ``school`` (a School or its id) in this school year, in ``grade`` (one of the stage's if
    not given; 已毕业: aged as the stage's last grade), with a valid ID number no other pupil has."""
    school = _school(school)
    stage_grades = rows.GRADES[school.stage]
    built_as = stage_grades[-1] if grade and grade not in stage_grades else grade  # 已毕业: aged as the last grade
    row = rows.pupil_row(_rng, school, school_year_start(clock.today()), _used_numbers(), DIVISION,
                         grades=[built_as] if built_as else None, **over)
    row["grade"] = grade or row["grade"]
    if "id_number" in over:  # born on the date of the number given, of its sex
        number = idcard.parse(over["id_number"])
        row.update(birth_date=over.get("birth_date", number.birth_date), gender=over.get("gender", number.gender))
    return _save(Student(**row), save)


def make_identification(student, school_year, level="difficult", categories=("cat_other",), save=True, **over):
    """The pupil's identification for ``school_year``, made on 10 September of it."""
    row = rows.identification_row(_rng, student.id, student.school_id, school_year, date(int(school_year[:4]), 9, 10),
                                  level=level, categories=list(categories), **over)
    return _save(Identification(**row), save)


def make_award(student, program, semester, amount, status="proposed", card=True, holder=None, save=True, **over):
    """An award of ``program`` to the pupil for ``semester`` (records or ids); ``card``: the pupil's 学生资助卡
    (True), a family's bank card ("bank"), or none (False, a waiver)."""
    semester = semester if isinstance(semester, Semester) else db.session.get(Semester, semester)
    program_id = getattr(program, "id", program)
    number = rows.card_number(card is True, next(_serial)) if card else None
    row = rows.award_row(student.id, student.school_id, program_id, semester.id, semester.starts_on, amount, status,
                         card=number, holder=holder, aid_card=card is True, **over)
    return _save(Award(**row), save)


def make_loan(student, entry, status="pre_applied", amount=None, save=True, co_borrower=None, university="安徽大学",
              major="汉语言文学", **over):
    """A 生源地信用助学贷款 of the pupil, who goes to university in the autumn of ``entry`` (the co-borrower: the
    pupil's guardian unless given)."""
    row = rows.loan_row(_rng, student.id, student.school_id, entry, status, amount,
                        co_borrower or student.guardian or "共同借款人", student.guardian_phone, university, major,
                        f"F{entry}{next(_serial):04d}", **over)
    return _save(Loan(**row), save)


def make_program(name, stages, amount, period="year", kind="national", save=True, **over):
    """An active aid programme of the stages named (``"senior,complete"``) with its flat standard."""
    return _save(AidProgram(name=name, kind=kind, stages=stages, standard_amount=Decimal(amount), period=period,
                            active=True, **over), save)


def make_semester(school_year, term="1", save=True, **over):
    """A semester of ``school_year``: the first from 1 September to 20 January, paid by 31 December; the
    second from 20 February to 10 July, paid by 30 June."""
    start = int(school_year[:4])
    if term == "1":
        days = dict(starts_on=date(start, 9, 1), ends_on=date(start + 1, 1, 20), payment_deadline=date(start, 12, 31))
    else:
        days = dict(starts_on=date(start + 1, 2, 20), ends_on=date(start + 1, 7, 10),
                    payment_deadline=date(start + 1, 6, 30))
    return _save(Semester(**{**dict(school_year=school_year, term=term, is_current=False, **days), **over}), save)


def make_complaint(school, kind, subject, received, save=True, **over):
    """A complaint, report or question about ``school`` (a School, its id, or None), come in at ``received``
    (app/demo/rows.py ``complaint_row``: what is not given is drawn)."""
    school_id = getattr(school, "id", school)
    return _save(Complaint(**rows.complaint_row(_rng, school_id, kind, received, subject, **over)), save)
