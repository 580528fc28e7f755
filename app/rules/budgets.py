"""Budgets and payment batches: what a valid budget is, how a batch is built, how the bank's
answer is read and how a batch reconciles.

A batch: the centre builds it for a semester and programme from the approved, unpaid awards
that are in no other open batch → exports the bank's list (full card numbers, logged) → the
bank answers each line paid or failed (a file, or by hand) → paid awards become 已发放 with
the day, failed ones stay approved with the reason until the card is corrected and a later
batch (a re-issue) pays them.  A batch is reconciled when no line waits: paid + failed =
the batch total, to the fen.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import exists, select

from app.security.roles import ADMIN, AID_CENTER
from app.rules import RuleError, states
from app import clock

HUNDRED = Decimal("100")
# the bank's list and its answer (the same columns, the answer adds the last three)
BANK_COLUMNS = [
    ("line", "流水号", True, "1"),
    ("name", "户名", True, "张小明"),
    ("card_number", "卡号", True, "6217000000000000000"),
    ("amount", "金额", True, "1000.00"),
    ("result", "结果", True, "成功"),
    ("fail_reason", "失败原因", False, "卡号错误"),
    ("paid_on", "入账日期", False, "2026-11-20"),
]
CENTRE = {AID_CENTER, ADMIN}


def _batch_status(code):
    from app.models.budgets import BATCH_STATUSES

    return BATCH_STATUSES.label(code)


def _line_result(code):
    from app.models.budgets import LINE_RESULTS

    return LINE_RESULTS.label(code)


# What may change in each state (app/rules/states.py).  A batch's semester and programme are what
# its lines were built from, and a line is what was sent to the bank: both are frozen from the
# start; only the centre's notes change by hand, the rest by the steps below (build, export,
# the bank's answer).
BATCH_STATES = states.StateRules(
    model="PaymentBatch",
    what=_l("payment batch"),
    states={"open": {"notes": CENTRE}, "exported": {"notes": CENTRE}, "reconciled": {"notes": CENTRE}},
    created={"open": CENTRE},
    steps=("status", "exported_at", "reconciled_at"),
    labels={"semester": _l("Semester"), "program": _l("Programme"), "status": _l("State"), "reissue": _l("Re-issue"),
            "created_by": _l("Built by"), "exported_at": _l("Sent to the bank at"),
            "reconciled_at": _l("Reconciled at"), "notes": _l("Notes")},
    state_labels=_batch_status,
)
LINE_STATES = states.StateRules(
    model="BatchLine",
    what=_l("payment to the bank"),
    status="result",
    states={"pending": {}, "paid": {}, "failed": {}},
    created={"pending": CENTRE},
    steps=("result", "fail_reason", "fail_note", "paid_on", "open_award_id", "paid_award_id"),
    labels={"batch": _l("Batch"), "award": _l("Award"), "name": _l("Name"), "card_number": _l("Card number"),
            "amount": _l("Amount (yuan)"), "result": _l("Bank's answer"), "fail_reason": _l("Reason of the failure"),
            "fail_note": _l("Notes"), "paid_on": _l("Paid on"), "open_award_id": _l("Award"),
            "paid_award_id": _l("Award")},
    state_labels=_line_result,
)


def waiver_message(program):
    """免学费 is credited to the school (财科教〔2019〕19号): no money goes to a card, so no bank list."""
    return _l("%(program)s is a waiver credited to the school (免学费): it is never paid to a card, so it has no "
              "payment batch. Mark its awards paid once the school has credited them.", program=program.name)


def _new(record) -> bool:
    from sqlalchemy import inspect

    state = inspect(record, raiseerr=False)
    return state is None or state.transient or state.pending


def _program_of(record, session):
    from app.models import AidProgram

    program = getattr(record, "program", None)
    if program is None and getattr(record, "program_id", None) and session is not None:
        program = session.get(AidProgram, record.program_id)
    return program


def check_batch(batch, session=None):
    states.check(batch, BATCH_STATES, session)
    program = _program_of(batch, session) if _new(batch) else None
    if program is not None and program.waiver:
        raise RuleError({"program": waiver_message(program)})


def check_line(line, session=None):
    states.check(line, LINE_STATES, session)
    if not _new(line):
        return
    award = getattr(line, "award", None)
    if award is None and getattr(line, "award_id", None) and session is not None:
        from app.models import Award

        award = session.get(Award, line.award_id)
    program = _program_of(award, session) if award is not None else None
    if program is not None and program.waiver:
        raise RuleError({"award": waiver_message(program)})


PAID_WORDS = {"成功", "已入账", "paid", "success"}
FAILED_WORDS = {"失败", "退回", "failed", "fail"}


def check_budget(budget):
    errors = {}
    shares = [Decimal(getattr(budget, f"{level}_share") or 0) for level in ("central", "provincial", "city", "county")]
    if any(s < 0 or s > HUNDRED for s in shares):
        errors["county_share"] = _l("Each share is between 0 and 100 percent.")
    elif sum(shares) != HUNDRED:
        errors["county_share"] = _l("The shares of the four levels must add up to 100 (now %(n)s).",
                                    n=f"{sum(shares):g}")
    if budget.planned_amount is not None and Decimal(budget.planned_amount) < 0:
        errors["planned_amount"] = _l("The amount cannot be negative.")
    if (budget.planned_recipients or 0) < 0:
        errors["planned_recipients"] = _l("The number cannot be negative.")
    if errors:
        raise RuleError(errors)


def check_allocation(allocation, today=None):
    errors = {}
    if allocation.amount is not None and Decimal(allocation.amount) <= 0:
        errors["amount"] = _l("The amount must be more than zero.")
    if allocation.arrived_on is not None and allocation.arrived_on > (today or date.today()):
        errors["arrived_on"] = _l("Record an allocation once it has arrived.")
    if not (allocation.document_number or "").strip():
        errors["document_number"] = _l("This field is required.")
    if errors:
        raise RuleError(errors)


# --- batches ----------------------------------------------------------------------------------

def _in_open_batch():
    from app.models import Award
    from app.models.budgets import BatchLine

    return exists().where(BatchLine.open_award_id == Award.id)


def candidates(session, semester_id, program_id):
    """The approved, unpaid awards of the semester and programme that no open batch holds."""
    from app.models import Award

    return session.scalars(
        select(Award).where(Award.semester_id == semester_id, Award.program_id == program_id,
                            Award.status == "approved", ~_in_open_batch())
        .order_by(Award.school_id, Award.id)
    ).all()


def build_batch(session, semester, program, user=None):
    """A new batch of every candidate award; RuleError when there is nothing to pay."""
    from app.models.budgets import BatchLine, PaymentBatch

    if program.waiver:
        raise RuleError({"program": waiver_message(program)})
    awards = candidates(session, semester.id, program.id)
    if not awards:
        raise RuleError({"program": _l("No approved, unpaid award of this programme and semester is waiting.")})
    failed_before = set(session.scalars(select(BatchLine.award_id).where(
        BatchLine.award_id.in_([a.id for a in awards]), BatchLine.result == "failed")))
    batch = PaymentBatch(semester=semester, program=program, created_by_id=getattr(user, "id", None),
                         reissue=bool(failed_before))
    session.add(batch)
    for award in awards:
        session.add(BatchLine(batch=batch, award=award, school_id=award.school_id, name=award.card_holder or award.student.name,
                              card_number=award.card_number, amount=award.amount, open_award_id=award.id))
    return batch


def mark_exported(batch, at=None):
    if batch.status == "reconciled":
        raise RuleError({"status": _l("This batch is reconciled already.")})
    states.step(batch)
    batch.status = "exported"
    batch.exported_at = batch.exported_at or at or clock.now()


def send_bank_list(session, batch, user):
    """The bank's list of a batch goes out: its lines still waiting for the bank, the batch marked
    exported (a reconciled one is only read again), and who took it (full card numbers) recorded."""
    from app.models.budgets import CardExport

    lines = [line for line in batch.lines if line.result == "pending"]
    if batch.status != "reconciled":
        mark_exported(batch)
    session.add(CardExport(batch_id=batch.id, user_id=user.id, lines=len(lines)))
    return lines


@dataclass
class Answer:
    """The bank's answer for one line of a batch."""

    line_id: int
    paid: bool
    amount: Decimal
    reason: str | None = None
    note: str | None = None
    paid_on: date | None = None
    row: int = 0  # where it came from (a row of the file), for the messages


def apply_answers(session, batch, answers, today=None):
    """Record the bank's answers, all or nothing; RuleError names every line that is wrong."""
    from app.models.budgets import FAIL_REASONS
    from app.rules.awards import transition

    today = today or date.today()
    if batch.status == "reconciled":
        raise RuleError({"file": _l("This batch is reconciled already.")})
    lines = {line.id: line for line in batch.lines}
    errors, seen = [], set()
    for a in answers:
        where = gettext("Row %(n)d", n=a.row) if a.row else gettext("Line %(n)d", n=a.line_id)
        line = lines.get(a.line_id)
        if line is None:
            errors.append(gettext("%(where)s: line %(id)s is not in this batch.", where=where, id=a.line_id))
            continue
        if a.line_id in seen:
            errors.append(gettext("%(where)s: line %(id)s is answered twice.", where=where, id=a.line_id))
        seen.add(a.line_id)
        if line.result != "pending":
            errors.append(gettext("%(where)s: %(name)s was answered already.", where=where, name=line.name))
        if Decimal(a.amount) != Decimal(line.amount):
            errors.append(gettext("%(where)s: %(name)s: the amount %(got)s differs from the %(sent)s sent.",
                                  where=where, name=line.name, got=f"{Decimal(a.amount):.2f}", sent=f"{line.amount:.2f}"))
        if not a.paid and a.reason not in FAIL_REASONS:
            errors.append(gettext("%(where)s: %(name)s failed: give the reason.", where=where, name=line.name))
        if a.paid and line.award.status != "approved":
            errors.append(gettext("%(where)s: the award of %(name)s is not waiting for payment (paid or voided).",
                                  where=where, name=line.name))
        if a.paid_on is not None and a.paid_on > today:
            errors.append(gettext("%(where)s: the day paid is in the future.", where=where))
    if errors:
        raise RuleError({"file": "；".join(errors[:30])})
    for a in answers:
        line = lines[a.line_id]
        states.step(line)
        line.open_award_id = None
        if a.paid:
            line.result, line.paid_on = "paid", a.paid_on or today
            line.paid_award_id = line.award_id
            line.award._paying_line = True
            transition(line.award, "pay", ["AidCenter"], on=line.paid_on)
        else:
            line.result, line.fail_reason, line.fail_note = "failed", a.reason, a.note
    if all(line.result != "pending" for line in batch.lines):
        states.step(batch)
        batch.status = "reconciled"
        batch.reconciled_at = clock.now()
    return batch


@dataclass
class Reconciliation:
    count: int
    total: Decimal
    paid_count: int
    paid: Decimal
    failed_count: int
    failed: Decimal
    pending_count: int
    pending: Decimal

    @property
    def balanced(self):
        """paid + failed (+ still waiting) = the batch total, to the fen."""
        return self.paid + self.failed + self.pending == self.total and (
            self.paid_count + self.failed_count + self.pending_count == self.count)


def reconciliation(batch) -> Reconciliation:
    def part(result):
        rows = [line for line in batch.lines if result is None or line.result == result]
        return len(rows), sum((Decimal(line.amount) for line in rows), Decimal("0.00"))

    count, total = part(None)
    return Reconciliation(count, total, *part("paid"), *part("failed"), *part("pending"))


def waiting_counts(session, semester_id) -> dict:
    """{programme id: approved, unpaid awards of the semester that no open batch holds}: what a new batch
    of each programme would pay (waivers are never in a batch)."""
    from sqlalchemy import func

    from app.models import AidProgram, Award

    rows = session.execute(
        select(Award.program_id, func.count()).join(AidProgram, AidProgram.id == Award.program_id)
        .where(Award.semester_id == semester_id, Award.status == "approved", AidProgram.waiver.is_(False),
               ~_in_open_batch())
        .group_by(Award.program_id)).all()
    return dict(rows)


def reissue_waiting(session, batch) -> int:
    """How many awards whose payment failed in this batch wait for a re-issue batch (approved, in no open batch)."""
    from app.models import Award
    from app.models.budgets import BatchLine

    failed = select(BatchLine.award_id).where(BatchLine.batch_id == batch.id, BatchLine.result == "failed")
    return len(session.scalars(select(Award.id).where(Award.id.in_(failed), Award.status == "approved",
                                                      ~_in_open_batch())).all())


def card_correctable(award, session) -> bool:
    """A card is corrected after a failed payment: the award still approved, its last payment failed."""
    from app.models.budgets import BatchLine

    if award is None or award.status != "approved":
        return False
    last = session.scalars(select(BatchLine).where(BatchLine.award_id == award.id).order_by(BatchLine.id.desc())).first()
    return last is not None and last.result == "failed"


def correct_card(award, card_number, session):
    """After a failed payment, the school corrects the card so that a re-issue batch can pay it."""
    from app.rules.cards import card_error, normalize

    if not card_correctable(award, session):
        raise RuleError({"card_number": _l("Only the card of an award whose payment failed can be corrected here.")})
    number = normalize(card_number)
    message = card_error(number)
    if message:
        raise RuleError({"card_number": message})
    states.step(award, "card_number", "card_kind")
    award.card_number = number
    return award


def in_open_batch(session, award_id) -> bool:
    from app.models.budgets import BatchLine

    return session.scalar(select(BatchLine.id).where(BatchLine.open_award_id == award_id)) is not None
