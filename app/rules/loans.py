"""生源地信用助学贷款: the ceiling, the workflow, the repayment schedule and what is overdue.

Workflow: 预申请 → 已受理 → 审核通过 / 未通过 (with a reason) → 已签合同 → 已放款 →
毕业确认 → 还款中 → 已结清, with 逾期 reachable from 还款中 (and back when paid).
Every change goes through ``transition`` and leaves a LoanEvent (who, when, why).
Repayment: interest is paid by the state while studying (财政贴息); the borrower pays it from the
day after graduation, so the first instalment charges only the days from then to its due day;
after graduation a grace period (up to 5 years) of interest only; then equal yearly principal
until the end of the repayment term (at most 15 years after graduation).  Instalments fall due
on 20 December each year, as the national scheme sets.  The yearly rate is the loan's school
year's, kept by the centre as data (LoanRate): from 2021 the 5-year LPR less 30 basis points
(2021年生源地信用助学贷款政策调整（LPR减30个基点）).

A pre-application is for the autumn the 高三 pupils of the running school year go to
university: the school year after the one the day falls in (``pre_application_year``), so one
made in December 2026 is for 2027-2028.
"""
from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l

from app.security.roles import ADMIN, AID_CENTER, SCHOOL_OFFICER
from app.rules import RuleError, states

CENTRE = {AID_CENTER, ADMIN}
# The stages whose pupils go on to university and may borrow (生源地信用助学贷款 is for students
# leaving 高中 or 中职): a 幼儿园, a 小学 or an 初中 has no borrowers, so its officer has no loan work
# (no loan menus, no loan figures on its home page).
LOAN_STAGES = ("senior", "complete", "vocational")


def stage_has_loans(stage) -> bool:
    """Whether a school of this stage has borrowers (see LOAN_STAGES)."""
    return stage in LOAN_STAGES


# The levels of grades whose pupils cannot borrow: a 完全中学 teaches 初中 too (app/domain/grades.py).
NO_LOAN_LEVELS = ("kindergarten", "primary", "junior")


def borrower_error(student):
    """Why this pupil cannot borrow, or None: a pupil of a 幼儿园, 小学 or 初中 (a school of that stage, or
    a 完全中学's 初中 grades) is not going to university. A pupil who has left (已毕业) is judged by the
    school of record: the borrowers of later years are the school's former 高三 pupils."""
    from app.models.choices import STAGES
    from app.rules.grades import LEVELS, level_of

    school = student.school
    if school is not None and not stage_has_loans(school.stage):
        return _l("Student loans are for pupils of senior high and vocational schools going to university: "
                  "%(school)s is a %(stage)s and its pupils cannot borrow.", school=school.name,
                  stage=STAGES.label(school.stage))
    level = level_of(student.grade)
    if level in NO_LOAN_LEVELS:
        return _l("Student loans are for pupils of senior high and vocational schools going to university: "
                  "a pupil in %(grade)s (%(level)s) cannot borrow.", grade=student.grade, level=LEVELS[level].label)
    return None


WRITERS = CENTRE | {SCHOOL_OFFICER}
TRANSITIONS = {
    # action: (from, to, roles)
    "accept": ({"pre_applied"}, "accepted", CENTRE),
    "approve": ({"accepted"}, "approved", CENTRE),
    "reject": ({"accepted"}, "rejected", CENTRE),
    "sign": ({"approved"}, "contracted", CENTRE),
    "disburse": ({"contracted"}, "disbursed", CENTRE),
    "confirm_graduation": ({"disbursed"}, "graduated", CENTRE),
    "start_repayment": ({"graduated"}, "repaying", CENTRE),
    "mark_overdue": ({"repaying"}, "overdue", CENTRE),
    "resume": ({"overdue"}, "repaying", CENTRE),
    "settle": ({"repaying", "overdue"}, "settled", CENTRE),
}
# What may change in each state, and by whom (enforced on every write by app/rules/states.py).
# The application (borrower, amount, terms, materials) is the school's and the centre's until the
# centre approves it; then only the centre, and only until the contract is signed, which fixes it.
APPLICATION = ("student_id", "co_borrower", "degree", "academic_year", "amount", "grace_years", "repayment_years",
               "materials")
STUDY = ("university", "major", "expected_graduation")
CONTACT = ("co_borrower_phone", "notes")
STATES = states.StateRules(
    model="Loan",
    what=_l("loan"),
    states={
        "pre_applied": {states.ALL: WRITERS},
        "accepted": {states.ALL: WRITERS},
        "approved": {APPLICATION: CENTRE, "contract_number": CENTRE, STUDY: WRITERS, CONTACT: WRITERS},
        "rejected": {CONTACT: WRITERS},
        "contracted": {STUDY: WRITERS, CONTACT: WRITERS},
        "disbursed": {STUDY: WRITERS, CONTACT: WRITERS},
        "graduated": {CONTACT: WRITERS},
        "repaying": {CONTACT: WRITERS},
        "overdue": {CONTACT: WRITERS},
        "settled": {CONTACT: WRITERS},
    },
    created={"pre_applied": WRITERS},
    steps=("status", "reject_reason", "graduation_confirmed_on"),
    labels={"student": _l("Borrower"), "co_borrower": _l("Co-borrower"), "co_borrower_phone": _l("Co-borrower phone"),
            "university": _l("University"), "major": _l("Major"), "degree": _l("Degree"),
            "academic_year": _l("School year"), "contract_number": _l("Contract number"),
            "amount": _l("Amount this year (yuan)"), "expected_graduation": _l("Expected graduation"),
            "grace_years": _l("Grace period (years)"), "repayment_years": _l("Repayment term after graduation (years)"),
            "status": _l("Status"), "reject_reason": _l("Reason for not approving"),
            "materials": _l("Materials received"), "graduation_confirmed_on": _l("Graduation confirmed on"),
            "notes": _l("Notes")},
    state_labels=lambda code: _status_label(code),
)
# An instalment (还款计划) follows its loan: the schedule (day, principal, interest) is drawn up when
# repayment starts and never edited by hand; what was paid is recorded by the centre while the loan
# is in repayment or overdue, and stays as recorded once it is settled.
PAID = ("paid_principal", "paid_interest", "paid_on")
DUE_STATES = states.StateRules(
    model="RepaymentDue",
    what=_l("instalment"),
    states={"repaying": {PAID: CENTRE}, "overdue": {PAID: CENTRE},
            **{code: {} for code in ("pre_applied", "accepted", "approved", "rejected", "contracted", "disbursed",
                                     "graduated", "settled")}},
    steps=("loan_id", "due_on", "principal", "interest"),
    labels={"loan": _l("Loan"), "due_on": _l("Due on"), "principal": _l("Principal (yuan)"),
            "interest": _l("Interest (yuan)"), "paid_principal": _l("Principal paid (yuan)"),
            "paid_interest": _l("Interest paid (yuan)"), "paid_on": _l("Repayment date")},
    state_labels=lambda code: _status_label(code),
    state_of=lambda due, stored: _loan_status(stored.session, stored.before("loan_id")),
)


def _loan_status(session, loan_id):
    from app.models import Loan

    loan = session.get(Loan, loan_id) if loan_id is not None else None
    return loan.status if loan is not None else "pre_applied"


def check_due(due, session=None):
    states.check(due, DUE_STATES, session)


DUE_MONTH_DAY = (12, 20)
CENT = Decimal("0.01")


def ceiling(session, degree, school_year):
    """The most one student may borrow for a year of ``school_year`` (每人每年申请贷款额度上限): the
    ceiling the centre recorded for that year or, for a year not recorded yet, the latest recorded
    before it (a ceiling holds until a policy changes it); None when nothing is recorded."""
    from sqlalchemy import select

    from app.models import LoanRate

    if not school_year:
        return None
    rate = session.scalar(select(LoanRate).where(LoanRate.school_year <= school_year)
                          .order_by(LoanRate.school_year.desc()).limit(1))
    if rate is None:
        return None
    return Decimal(rate.ceiling_postgraduate if degree == "postgraduate" else rate.ceiling_undergraduate)


def _status_label(code):
    from app.models.loans import LOAN_STATUSES

    return LOAN_STATUSES.label(code)


def check_loan(loan, session=None):
    from app.rules.identification import SCHOOL_YEAR

    states.check(loan, STATES, session)
    errors = {}
    message = _borrower_error(loan, session)
    if message:
        errors["student"] = message
    if loan.amount is None:
        if (loan.status or "pre_applied") != "pre_applied":
            errors["amount"] = _l("Enter the amount once the application is accepted.")
    elif Decimal(loan.amount) <= 0:
        errors["amount"] = _l("The amount must be more than zero.")
    match = SCHOOL_YEAR.match(loan.academic_year or "")
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        errors["academic_year"] = _l("Write the school year as 2021-2022.")
    if "amount" not in errors and loan.amount is not None and "academic_year" not in errors and session is not None \
            and loan.degree in ("undergraduate", "postgraduate"):
        most = ceiling(session, loan.degree, loan.academic_year)
        if most is not None and Decimal(loan.amount) > most:
            errors["amount"] = _l("At most %(c)s yuan a year may be lent for this degree in %(y)s.",
                                  c=f"{most:,.0f}", y=loan.academic_year)
    if loan.grace_years is not None and not 0 <= int(loan.grace_years) <= 5:
        errors["grace_years"] = _l("The grace period is 0 to 5 years.")
    if loan.repayment_years is not None and not 1 <= int(loan.repayment_years) <= 15:
        errors["repayment_years"] = _l("Repayment ends at most 15 years after graduation.")
    if (loan.grace_years or 0) >= (loan.repayment_years or 15):
        errors["grace_years"] = _l("The grace period must end before the repayment term.")
    from app.rules.phones import check_phones

    check_phones(loan, ("co_borrower_phone",), errors)
    if errors:
        raise RuleError(errors)


def _borrower_error(loan, session):
    """The borrower's stage, judged when a loan is made or given another borrower (a loan kept from
    before this rule is not blocked for an unrelated change)."""
    from app.models import Student
    from app.rules.stored import written

    if not (written(loan, "student_id") or written(loan, "student")):
        return None
    student = loan.student if getattr(loan, "student", None) is not None else (
        session.get(Student, loan.student_id) if session is not None and loan.student_id else None)
    return borrower_error(student) if student is not None else None


def missing_materials(loan, session):
    from sqlalchemy import select

    from app.models import LoanMaterial

    required = session.scalars(select(LoanMaterial).where(LoanMaterial.required.is_(True), LoanMaterial.active.is_(True))).all()
    ticked = {m.id for m in loan.materials}
    return [m for m in required if m.id not in ticked]


def transition(loan, action, roles, session, user=None, comment=None, on=None):
    """Move a loan along its workflow, recording who did it and when; RuleError says why not."""
    from app.models import LoanEvent

    if action not in TRANSITIONS:
        raise RuleError({"status": _l("Unknown action.")})
    sources, target, allowed = TRANSITIONS[action]
    if not allowed & set(roles):
        raise RuleError({"status": _l("Your role may not do this.")})
    if loan.status not in sources:
        from app.models.loans import LOAN_STATUSES

        raise RuleError({"status": _l("A loan that is %(s)s cannot take this step.", s=LOAN_STATUSES.label(loan.status))})
    if action == "approve":
        missing = missing_materials(loan, session)
        if missing:
            raise RuleError({"materials": _l("Required materials are missing: %(m)s.", m="、".join(m.name for m in missing))})
    if action == "reject" and not (comment or "").strip():
        raise RuleError({"reject_reason": _l("Write why the application is not approved.")})
    if action == "sign" and not (loan.contract_number or "").strip():
        raise RuleError({"contract_number": _l("Enter the contract number first.")})
    states.step(loan)
    if action == "reject":
        loan.reject_reason = comment.strip()
    if action == "confirm_graduation":
        loan.graduation_confirmed_on = on or date.today()
    if action == "start_repayment":
        build_schedule(loan, session)
    session.add(LoanEvent(loan=loan, from_status=loan.status, to_status=target,
                          user_id=getattr(user, "id", None), comment=(comment or "").strip() or None))
    loan.status = target
    return loan


def _graduation(loan) -> date:
    """The day the borrower graduates, from which interest is the borrower's: the expected graduation
    as last recorded (毕业确认 is done in spring, before the day itself), else the day it was confirmed."""
    return loan.expected_graduation or loan.graduation_confirmed_on or date(int(loan.academic_year[5:]), 7, 1)


def pre_application_year(day: date) -> str:
    """The school year of a pre-application made on ``day``: the 高三 pupils of the school year running
    that day (from 1 September) go to university the next autumn, so the school year after it. In
    December 2026 (school year 2026-2027) it is 2027-2028; in May 2027 too; from September 2027 2028-2029."""
    from app.rules.identification import school_year_of

    start = int(school_year_of(day)[:4]) + 1
    return f"{start}-{start + 1}"


def pre_apply(session, candidates, chosen, day: date) -> int:
    """预申请: a loan of the school year ``pre_application_year(day)`` for each candidate whose id is
    among ``chosen`` (ids not among the candidates are passed over); the amount is settled when the
    application is accepted. Returns how many were made."""
    from app.models import Loan

    school_year = pre_application_year(day)
    made = 0
    for student in candidates:
        if student.id in chosen:
            session.add(Loan(student=student, co_borrower=student.guardian or "—", academic_year=school_year,
                             degree="undergraduate", status="pre_applied"))
            made += 1
    return made


def check_rate(rate, session=None):
    """A loan rate: a school year, a positive reference rate in percent, a reduction in whole basis
    points that leaves a positive rate, and the document it follows."""
    from app.rules.identification import SCHOOL_YEAR

    errors = {}
    match = SCHOOL_YEAR.match(rate.school_year or "")
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        errors["school_year"] = _l("Write the school year as 2021-2022.")
    if rate.reference_rate is None or not Decimal(0) < Decimal(rate.reference_rate) < Decimal(20):
        errors["reference_rate"] = _l("Enter the reference rate in percent a year, e.g. 4.65.")
    if rate.reduction_bp is None or not 0 <= int(rate.reduction_bp) <= 500:
        errors["reduction_bp"] = _l("The reduction is 0 to 500 basis points (70 from autumn 2024).")
    elif "reference_rate" not in errors and Decimal(rate.reference_rate) * 100 <= int(rate.reduction_bp):
        errors["reduction_bp"] = _l("The reduction must leave a rate above zero.")
    for name in ("ceiling_undergraduate", "ceiling_postgraduate"):
        value = getattr(rate, name, None)
        if value is None or not Decimal(0) < Decimal(value) <= Decimal(100000):
            errors[name] = _l("Enter the yearly ceiling in yuan, e.g. 20000.")
    if not (rate.basis or "").strip():
        errors["basis"] = _l("Name the policy document the rate follows.")
    if errors:
        raise RuleError(errors)


def rate_for(session, school_year) -> Decimal:
    """The yearly rate (a fraction) of the loans of ``school_year``, as the centre recorded it."""
    from sqlalchemy import select

    from app.models import LoanRate

    found = session.scalars(select(LoanRate).where(LoanRate.school_year == school_year)).all()
    if not found:
        raise RuleError({"status": _l("No interest rate is recorded for the school year %(y)s: the centre enters it "
                                      "under 助学贷款 › 贷款利率 first.", y=school_year)})
    return found[0].rate


def instalments(amount, rate, graduated_on, grace_years, repayment_years):
    """[(due date, principal, interest)]: yearly on 20 December after graduation.

    Interest is charged on the outstanding principal: for the first instalment only from the day
    after graduation to its due day (the state pays it while the borrower studies), days/365 of a
    year's; for each later one a whole year's. During the grace period only interest falls due;
    the principal is then repaid in equal yearly parts (the last part takes the rounding) until
    the term ends.
    """
    amount = Decimal(amount)
    rate = Decimal(rate)
    first_year = graduated_on.year if graduated_on < date(graduated_on.year, *DUE_MONTH_DAY) else graduated_on.year + 1
    principal_years = repayment_years - grace_years
    part = (amount / principal_years).quantize(CENT, ROUND_HALF_UP)
    outstanding = amount
    rows = []
    for n in range(repayment_years):
        due = date(first_year + n, *DUE_MONTH_DAY)
        if n == 0:
            days = (due - graduated_on).days
            interest = (outstanding * rate * days / 365).quantize(CENT, ROUND_HALF_UP)
        else:
            interest = (outstanding * rate).quantize(CENT, ROUND_HALF_UP)
        if n < grace_years:
            principal = Decimal("0.00")
        elif n == repayment_years - 1:
            principal = outstanding
        else:
            principal = part
        rows.append((due, principal, interest))
        outstanding -= principal
    return rows


def build_schedule(loan, session):
    """Replace the loan's instalments with the schedule from graduation (kept payments stay), at the
    rate of the loan's school year."""
    from app.models import RepaymentDue

    if any(d.paid_on for d in loan.dues):
        return
    rate = rate_for(session, loan.academic_year)
    loan.dues.clear()
    for due_on, principal, interest in instalments(loan.amount, rate, _graduation(loan), loan.grace_years or 0,
                                                   loan.repayment_years or 15):
        loan.dues.append(RepaymentDue(due_on=due_on, principal=principal, interest=interest))


def outstanding(due) -> Decimal:
    return (Decimal(due.principal) + Decimal(due.interest) - Decimal(due.paid_principal) - Decimal(due.paid_interest))


def is_overdue(due, today=None) -> bool:
    """Past its day and not fully paid (the day itself is still on time)."""
    today = today or date.today()
    return due.due_on < today and outstanding(due) > 0
