"""Loan figures: 审批通过率 and 本息回收率 (both with a 100% target), per school of origin and county.

* applications: loans of the year that reached 已受理 or any later step;
* approvals: those approved (审核通过 and every later step); rejections: 未通过;
* approval rate = approvals / (approvals + rejections), the decided applications;
* lent: the amounts of loans disbursed (已放款 and later);
* due: principal and interest of the instalments falling due in the calendar year up to today;
  recovered: what was paid of them; recovery rate = recovered / due;
* overdue borrowers: borrowers with an instalment past its day and not fully paid, today.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

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
    last_day = min(today, date(year, 12, 31))
    for school_id, name, due, paid in db.session.execute(
        select(RepaymentDue.school_id, School.name,
               func.sum(RepaymentDue.principal + RepaymentDue.interest),
               func.sum(RepaymentDue.paid_principal + RepaymentDue.paid_interest))
        .join(School, School.id == RepaymentDue.school_id)
        .where(RepaymentDue.due_on >= date(year, 1, 1), RepaymentDue.due_on <= last_day)
        .group_by(RepaymentDue.school_id, School.name)
    ):
        r = row(school_id, name)
        r.due += Decimal(due or 0)
        r.recovered += Decimal(paid or 0)
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
    from app.models import Loan, RepaymentDue

    graduates = db.session.scalars(
        select(Loan).where(Loan.status == "disbursed", Loan.expected_graduation >= date(year, 1, 1),
                           Loan.expected_graduation <= date(year, 12, 31))
        .order_by(Loan.school_id, Loan.expected_graduation)
    ).all()
    dues = db.session.scalars(
        select(RepaymentDue).join(Loan, Loan.id == RepaymentDue.loan_id)
        .where(RepaymentDue.due_on >= date(year, 1, 1), RepaymentDue.due_on <= date(year, 12, 31),
               RepaymentDue.principal + RepaymentDue.interest > RepaymentDue.paid_principal + RepaymentDue.paid_interest,
               Loan.status.in_(("repaying", "overdue", "graduated")))
        .order_by(RepaymentDue.school_id, RepaymentDue.due_on)
    ).all()
    return graduates, dues


def reminder_counts(year: int, limit: int = 10):
    """温馨提示月 in short (the officer's to-do): the first ``limit`` graduates and instalments of
    ``reminder_lists`` and how many there are, counted by the database."""
    from app.models import Loan, RepaymentDue

    graduates = (select(Loan).where(Loan.status == "disbursed", Loan.expected_graduation >= date(year, 1, 1),
                                    Loan.expected_graduation <= date(year, 12, 31))
                 .order_by(Loan.school_id, Loan.expected_graduation))
    dues = (select(RepaymentDue).join(Loan, Loan.id == RepaymentDue.loan_id)
            .where(RepaymentDue.due_on >= date(year, 1, 1), RepaymentDue.due_on <= date(year, 12, 31),
                   RepaymentDue.principal + RepaymentDue.interest > RepaymentDue.paid_principal + RepaymentDue.paid_interest,
                   Loan.status.in_(("repaying", "overdue", "graduated")))
            .order_by(RepaymentDue.school_id, RepaymentDue.due_on))
    session = db.session
    return (session.scalars(graduates.limit(limit)).all(),
            session.scalar(select(func.count()).select_from(graduates.order_by(None).subquery())),
            session.scalars(dues.limit(limit)).all(),
            session.scalar(select(func.count()).select_from(dues.order_by(None).subquery())))
