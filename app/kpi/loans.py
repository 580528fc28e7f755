"""Loan figures: 审批通过率 and 本息回收率 (both with a 100% target), per school of origin and county.

* applications: loans of the year that reached 已受理 or any later step;
* approvals: those approved (审核通过 and every later step); rejections: 未通过;
* approval rate = approvals / (approvals + rejections), the decided applications;
* lent: the amounts of loans disbursed (已放款 and later);
* 本息回收率 of a calendar year, as of its last day or today if sooner (the work plan, 全椒县2021年
  学生资助工作安排 三（二）2: "确保本息回收率达到100%"):
  due: principal and interest of the instalments falling due in the year up to that day, plus the
  arrears of earlier years (instalments due before the year and not settled before it: still
  unpaid, or paid on or after its first day); recovered: what was paid of them by that day (an
  instalment paid after it counts as not recovered then); recovery rate = recovered / due.
  One payment date is kept per instalment (its last), so an arrear partly paid before the year
  counts whole, due and paid;
* ``recovery_year``: the year the dashboard shows: this one once an instalment of it has fallen
  due, before that the last closed year (named as such), never an empty figure;
* overdue borrowers: borrowers with an instalment past its day and not fully paid, today.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, func, or_, select

from app.extensions import db
from app.kpi import rate

APPLIED = ("accepted", "approved", "rejected", "contracted", "disbursed", "graduated", "repaying", "settled", "overdue")
APPROVED = ("approved", "contracted", "disbursed", "graduated", "repaying", "settled", "overdue")
LENT = ("disbursed", "graduated", "repaying", "settled", "overdue")


@dataclass
class LoanFigures:
    school_id: int | None
    school_name: str
    applications: int = 0
    approvals: int = 0
    rejections: int = 0
    lent: Decimal = Decimal("0.00")
    due: Decimal = Decimal("0.00")
    recovered: Decimal = Decimal("0.00")
    overdue_borrowers: int = 0

    @property
    def approval_rate(self):
        return rate(self.approvals, self.approvals + self.rejections)

    @property
    def recovery_rate(self):
        return rate(self.recovered, self.due)


def loan_figures(year: int, today: date | None = None):
    """(county total, [per school]) for the loans of school year year-(year+1) and the dues of calendar year `year`."""
    from app.models import Loan, RepaymentDue, School

    today = today or date.today()
    academic_year = f"{year}-{year + 1}"
    rows = {}

    def row(school_id, name):
        return rows.setdefault(school_id, LoanFigures(school_id, name))

    for school_id, name, status, n, amount in db.session.execute(
        select(Loan.school_id, School.name, Loan.status, func.count(Loan.id), func.sum(Loan.amount))
        .join(School, School.id == Loan.school_id)
        .where(Loan.academic_year == academic_year)
        .group_by(Loan.school_id, School.name, Loan.status)
    ):
        r = row(school_id, name)
        if status in APPLIED:
            r.applications += n
        if status in APPROVED:
            r.approvals += n
        if status == "rejected":
            r.rejections += n
        if status in LENT:
            r.lent += Decimal(amount or 0)
    for school_id, name, due, paid in _recovery_rows(year, today):
        r = row(school_id, name)
        r.due += due
        r.recovered += paid
    for school_id, name, n in db.session.execute(
        select(RepaymentDue.school_id, School.name, func.count(func.distinct(RepaymentDue.loan_id)))
        .join(School, School.id == RepaymentDue.school_id)
        .where(RepaymentDue.due_on < today,
               RepaymentDue.principal + RepaymentDue.interest > RepaymentDue.paid_principal + RepaymentDue.paid_interest)
        .group_by(RepaymentDue.school_id, School.name)
    ):
        row(school_id, name).overdue_borrowers = n
    per_school = sorted(rows.values(), key=lambda r: r.school_name)
    total = LoanFigures(None, "")
    for r in per_school:
        for name in ("applications", "approvals", "rejections", "lent", "due", "recovered", "overdue_borrowers"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
    return total, per_school


def _recovery_parts(year: int, today: date):
    """(what was owed, what was recovered by the figure's day, which instalments count) of the
    本息回收率 of calendar year ``year`` as of today."""
    from app.models import RepaymentDue

    first, last_day = date(year, 1, 1), min(today, date(year, 12, 31))
    owed = RepaymentDue.principal + RepaymentDue.interest
    paid = RepaymentDue.paid_principal + RepaymentDue.paid_interest
    counted = and_(RepaymentDue.due_on <= last_day, or_(
        RepaymentDue.due_on >= first,          # falling due in the year so far
        paid < owed,                           # an arrear of an earlier year, still unpaid
        RepaymentDue.paid_on >= first,         # an arrear of an earlier year, paid in the year or since
    ))
    # what was paid by the figure's day: a payment dated after it was not recovered then
    recovered = func.sum(case((or_(RepaymentDue.paid_on.is_(None), RepaymentDue.paid_on <= last_day), paid), else_=0))
    return func.sum(owed), recovered, counted


def _recovery_rows(year: int, today: date):
    """[(school_id, school name, due, recovered)] of the 本息回收率 of calendar year ``year`` as of today."""
    from app.models import RepaymentDue, School

    owed, recovered, counted = _recovery_parts(year, today)
    return [(school_id, name, Decimal(due or 0), Decimal(got or 0)) for school_id, name, due, got in db.session.execute(
        select(RepaymentDue.school_id, School.name, owed, recovered)
        .join(School, School.id == RepaymentDue.school_id)
        .where(counted)
        .group_by(RepaymentDue.school_id, School.name))]


@dataclass
class Recovery:
    """本息回收率 of one calendar year for the dashboard: ``closed`` when the year is over."""

    year: int
    closed: bool
    due: Decimal = Decimal("0.00")
    recovered: Decimal = Decimal("0.00")

    @property
    def rate(self):
        return rate(self.recovered, self.due)


def _due_this_year(today: date):
    from app.models import RepaymentDue

    return select(func.count(RepaymentDue.id)).where(
        RepaymentDue.due_on >= date(today.year, 1, 1), RepaymentDue.due_on <= today)


def recovery_year(today: date | None = None) -> int:
    """This year once an instalment of it has fallen due (by today), else the last closed year.

    Instalments fall due once a year (on 12月20日), so for most of the year nothing of this
    year is due yet: the figure that means something then is last year's, named as such.
    """
    today = today or date.today()
    return today.year if db.session.scalar(_due_this_year(today)) else today.year - 1


def recovery(today: date | None = None) -> Recovery:
    """The 本息回收率 the dashboard shows (``recovery_year``), for the user's scope."""
    today = today or date.today()
    year = recovery_year(today)
    out = Recovery(year, closed=year < today.year or today >= date(year, 12, 31))
    for _, _, due, paid in _recovery_rows(year, today):
        out.due += due
        out.recovered += paid
    return out


def home_statements(school_year_start: int, today: date) -> dict:
    """The home page's loan figures as one-value statements (``at_once``): the approvals and
    refusals of ``loan_figures`` for the school year, and the 本息回收率 of ``recovery`` for this
    year and the last (which of them is shown depends on ``due_this_year``)."""
    from app.models import Loan, RepaymentDue, School

    decided = (select(func.count(Loan.id)).join(School, School.id == Loan.school_id)
               .where(Loan.academic_year == f"{school_year_start}-{school_year_start + 1}"))
    out = {"approvals": decided.where(Loan.status.in_(APPROVED)), "rejections": decided.where(Loan.status == "rejected"),
           "due_this_year": _due_this_year(today)}
    for year in (today.year, today.year - 1):
        owed, recovered, counted = _recovery_parts(year, today)
        for name, column in (("owed", owed), ("recovered", recovered)):
            out[f"{name}_{year}"] = (select(column).select_from(RepaymentDue)
                                     .join(School, School.id == RepaymentDue.school_id).where(counted))
    return out


def home_figures(values, today: date):
    """(LoanFigures with the approvals and refusals, Recovery) from the values of ``home_statements``."""
    figures = LoanFigures(None, "", approvals=int(values["approvals"] or 0), rejections=int(values["rejections"] or 0))
    year = today.year if values["due_this_year"] else today.year - 1
    out = Recovery(year, closed=year < today.year or today >= date(year, 12, 31))
    out.due += Decimal(values[f"owed_{year}"] or 0)
    out.recovered += Decimal(values[f"recovered_{year}"] or 0)
    return figures, out


def pre_application_candidates(today: date | None = None):
    """This year's 高三 pupils who had the 普通高中国家助学金 in any high-school year and no loan yet."""
    from app.models import AidProgram, Award, Loan, Student

    grant = select(Award.student_id).join(AidProgram, AidProgram.id == Award.program_id).where(
        AidProgram.name == "普通高中国家助学金", Award.status.in_(("approved", "paid")))
    has_loan = select(Loan.student_id)
    return db.session.scalars(
        select(Student).where(Student.grade == "高三", Student.id.in_(grant), Student.id.notin_(has_loan))
        .order_by(Student.school_id, Student.class_name, Student.name)
    ).all()


def reminder_lists(year: int):
    """温馨提示月: (graduates who must confirm graduation this year, [(loan, dues of the year unpaid)])."""
    graduates, dues = _reminders(year)
    return db.session.scalars(graduates).all(), db.session.scalars(dues).all()


def _reminders(year: int):
    """The selects of ``reminder_lists``: graduates who must confirm graduation, instalments of the year unpaid."""
    from app.models import Loan, RepaymentDue

    graduates = (select(Loan).where(Loan.status == "disbursed", Loan.expected_graduation >= date(year, 1, 1),
                                    Loan.expected_graduation <= date(year, 12, 31))
                 .order_by(Loan.school_id, Loan.expected_graduation))
    dues = (select(RepaymentDue).join(Loan, Loan.id == RepaymentDue.loan_id)
            .where(RepaymentDue.due_on >= date(year, 1, 1), RepaymentDue.due_on <= date(year, 12, 31),
                   RepaymentDue.principal + RepaymentDue.interest > RepaymentDue.paid_principal + RepaymentDue.paid_interest,
                   Loan.status.in_(("repaying", "overdue", "graduated")))
            .order_by(RepaymentDue.school_id, RepaymentDue.due_on))
    return graduates, dues


def reminder_statements(year: int) -> dict:
    """How many graduates and instalments ``reminder_lists`` holds, as one-value statements (``at_once``)."""
    graduates, dues = _reminders(year)
    return {"graduates_count": select(func.count()).select_from(graduates.order_by(None).subquery()),
            "dues_count": select(func.count()).select_from(dues.order_by(None).subquery())}


def reminder_firsts(year: int, limit: int = 10):
    """The first ``limit`` graduates and instalments of ``reminder_lists``."""
    graduates, dues = _reminders(year)
    return db.session.scalars(graduates.limit(limit)).all(), db.session.scalars(dues.limit(limit)).all()


def reminder_counts(year: int, limit: int = 10):
    """温馨提示月 in short (the officer's to-do): the first ``limit`` graduates and instalments of
    ``reminder_lists`` and how many there are, counted by the database."""
    from app.kpi import at_once

    counts = at_once(db.session, reminder_statements(year))
    graduates, dues = reminder_firsts(year, limit)
    return graduates, counts["graduates_count"], dues, counts["dues_count"]
