"""学年升级: once a year, every pupil moves up a grade.

The last grade of a stage is marked 已毕业 (kept: loans, alumni and history need them); the
year's identifications of pupils who stay are carried into the new year flagged 待复核 (认定
is yearly); the new year's two semesters are opened and its first becomes current.

``plan()`` works out every change without writing anything (the preview); ``apply()`` writes
exactly that plan in the caller's transaction and records it, so a year cannot be turned over
twice.  Its bulk statements go through app/operations/bulkwrites.py: the rules judge each pupil and each
carried identification, and the audit trail has an entry per record.  Grades move along the
lists of app/domain/grades.py (the ones the forms offer and the rules check); pupils in a grade
their school's stage does not know are listed and left alone.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update

from app.rules.grades import GRADUATED, next_grade
from app.rules import RuleError
from app import clock


def next_year(school_year: str) -> str:
    start = int(school_year[:4]) + 1
    return f"{start}-{start + 1}"


@dataclass
class Move:
    student_id: int
    name: str
    school: str
    class_name: str
    from_grade: str
    to_grade: str


@dataclass
class Plan:
    from_year: str
    to_year: str
    moves: list = field(default_factory=list)        # [Move] (to_grade GRADUATED for those who leave)
    unknown: list = field(default_factory=list)      # [Move] with to_grade "" : left alone
    carried: list = field(default_factory=list)      # identification ids carried into to_year
    semesters: list = field(default_factory=list)    # [(term, starts_on, ends_on, payment_deadline)]
    applied: object = None                           # the SchoolYearTurnover when done already
    ends_on: date | None = None                      # the last day of from_year (``year_end``)
    in_progress: bool = False                        # from_year has not ended on the county's clock

    @property
    def promoted(self):
        return [m for m in self.moves if m.to_grade != GRADUATED]

    @property
    def graduated(self):
        return [m for m in self.moves if m.to_grade == GRADUATED]

    def by_school(self):
        """{school: (promoted, graduated)} for the preview's summary."""
        out = defaultdict(lambda: [0, 0])
        for m in self.moves:
            out[m.school][m.to_grade == GRADUATED] += 1
        return dict(sorted(out.items()))


def semesters_of(school_year):
    start = int(school_year[:4])
    return [("1", date(start, 9, 1), date(start + 1, 1, 31), date(start, 12, 31)),
            ("2", date(start + 1, 2, 15), date(start + 1, 7, 15), date(start + 1, 6, 30))]


def year_end(session, school_year) -> date:
    """The last day of a school year: the end of its second semester as the centre recorded it
    (学年学期), else the usual one (``semesters_of``)."""
    from app.models import Semester

    ends = session.scalars(select(Semester.ends_on).where(Semester.school_year == school_year, Semester.term == "2")
                           .order_by(Semester.ends_on.desc())).first()
    return ends or semesters_of(school_year)[-1][2]


def in_progress(session, school_year, today=None) -> bool:
    """Whether the school year is still running on the county's clock (app/clock.py)."""
    return (today or clock.today()) <= year_end(session, school_year)


def plan(session, from_year, today=None) -> Plan:
    from app.models import Identification, School, Semester, Student
    from app.models.schoolyear import SchoolYearTurnover

    from app.rules.identification import SCHOOL_YEAR

    match = SCHOOL_YEAR.match(from_year or "")
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise RuleError({"from_year": _l("Write the school year as 2021-2022.")})
    to_year = next_year(from_year)
    out = Plan(from_year, to_year)
    out.ends_on = year_end(session, from_year)
    out.in_progress = (today or clock.today()) <= out.ends_on
    out.applied = session.scalars(select(SchoolYearTurnover).where(SchoolYearTurnover.from_year == from_year)).first()
    rows = session.execute(
        select(Student.id, Student.name, Student.grade, Student.class_name, School.stage, School.name)
        .join(School, School.id == Student.school_id)
        .where(Student.grade != GRADUATED, Student.status == "in_school")  # 休学: the same grade on return
        .order_by(School.code, Student.grade, Student.class_name, Student.id)
    ).all()
    staying = set()
    for sid, name, grade, class_name, stage, school in rows:
        to = next_grade(stage, grade)
        if to is None:
            out.unknown.append(Move(sid, name, school, class_name, grade, ""))
            continue
        out.moves.append(Move(sid, name, school, class_name, grade, to))
        if to != GRADUATED:
            staying.add(sid)
    already = set(session.scalars(select(Identification.student_id).where(Identification.school_year == to_year)))
    out.carried = [iid for iid, sid in session.execute(
        select(Identification.id, Identification.student_id).where(Identification.school_year == from_year)
        .order_by(Identification.id)) if sid in staying and sid not in already]
    existing = {t for (t,) in session.execute(select(Semester.term).where(Semester.school_year == to_year))}
    out.semesters = [s for s in semesters_of(to_year) if s[0] not in existing]
    return out


def apply(session, the_plan: Plan, user=None, today=None, early=False):
    """Write the plan (the caller commits once); RuleError if the year was turned over already, is
    not the current one, or has not ended and ``early`` (an explicit second confirmation) is not given."""
    from app.models import Identification, Semester, Student
    from app.models.schoolyear import SchoolYearTurnover

    today = today or clock.today()
    if the_plan.applied is not None or session.scalars(
            select(SchoolYearTurnover).where(SchoolYearTurnover.from_year == the_plan.from_year)).first():
        raise RuleError({"from_year": _l("The school year %(y)s has been turned over already.", y=the_plan.from_year)})
    # only the year now running ends: a year typed wrong (9999-10000) would promote every pupil again
    current = session.scalars(select(Semester.school_year).where(Semester.is_current.is_(True))).first()
    if current != the_plan.from_year:
        raise RuleError({"from_year": _l("Only the current school year (%(y)s) can be turned over.", y=current or "—")})
    # in the middle of the year every pupil would move up a grade while still in this one's classes
    ends_on = year_end(session, the_plan.from_year)
    if today <= ends_on and not early:
        raise RuleError({"from_year": _l(
            "The school year %(y)s has not ended (it ends on %(d)s): confirm that it is to be turned over before its end.",
            y=the_plan.from_year, d=ends_on.isoformat())})
    by_target = defaultdict(list)
    for m in the_plan.moves:
        by_target[(m.from_grade, m.to_grade)].append(m.student_id)
    # one statement per (grade → next grade), in chunks: never a statement per pupil
    # each graduate's 学籍变动 (app/rules/pupil_status.py), in the session before its status changes
    from app.models import StatusChange

    from app.rules.pupil_status import announce

    leaving = [m.student_id for m in the_plan.graduated]
    for i in range(0, len(leaving), 900):
        for sid, school_id in session.execute(select(Student.id, Student.school_id)
                                              .where(Student.id.in_(leaving[i:i + 900]))).all():
            session.add(StatusChange(student_id=sid, school_id=school_id, kind="graduate", changed_on=today,
                                     recorded_by_id=getattr(user, "id", None)))
            announce(session, sid, "graduated")
    for (from_grade, to_grade), ids in by_target.items():
        values = dict(grade=to_grade, updated_at=clock.now())
        if to_grade == GRADUATED:
            values["status"] = "graduated"
        for i in range(0, len(ids), 900):
            session.execute(update(Student).where(Student.id.in_(ids[i:i + 900]), Student.grade == from_grade)
                            .values(**values))
    copies = []
    columns = [c.key for c in Identification.__table__.columns if c.key not in ("id", "created_at", "updated_at")]
    for i in range(0, len(the_plan.carried), 900):
        for ident in session.scalars(select(Identification).where(Identification.id.in_(the_plan.carried[i:i + 900]))):
            row = {c: getattr(ident, c) for c in columns}
            row.update(school_year=the_plan.to_year, identified_on=today, needs_review=True,
                       notes=f"由{the_plan.from_year}学年结转，待复核", created_at=clock.now(),
                       updated_at=clock.now())
            copies.append(row)
    if copies:
        session.execute(insert(Identification), copies)
    if the_plan.semesters:
        session.execute(update(Semester).values(is_current=False))
        for term, starts, ends, deadline in the_plan.semesters:
            session.add(Semester(school_year=the_plan.to_year, term=term, starts_on=starts, ends_on=ends,
                                 payment_deadline=deadline, is_current=(term == "1")))
    record = SchoolYearTurnover(from_year=the_plan.from_year, to_year=the_plan.to_year,
                                applied_by_id=getattr(user, "id", None), promoted=len(the_plan.promoted),
                                graduated=len(the_plan.graduated), identifications=len(copies),
                                semesters=len(the_plan.semesters))
    session.add(record)
    session.flush()
    return record
