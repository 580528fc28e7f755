"""预算与配套, 发放批次 and 学年升级 screens.  The rules are in app/rules/budgets.py and
app/operations/turnover.py, the figures in app/kpi/budgets.py."""
from datetime import date
from io import BytesIO

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.forms import DynamicForm
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import DecimalField, IntegerField, StringField
from wtforms.validators import InputRequired, NumberRange

from app import clock
from app.operations import turnover
from app.files import uploads
from app.operations.exports import workbook_bytes
from app.extensions import db
from app.operations.imports import read_answers, template
from app.kpi.budgets import LEVEL_CODES, SPEND_TARGET, by_school, execution, late_awards
from app.models import AidProgram, Semester
from app.models.budgets import FAIL_REASONS, LEVELS, Allocation, BatchLine, CardExport, PaymentBatch, ProgramBudget
from app.models.schoolyear import SchoolYearTurnover
from app.rules import RuleError
from app.rules.budgets import (
    BANK_COLUMNS, Answer, apply_answers, build_batch, candidates, card_correctable, check_allocation, check_budget,
    correct_card, reconciliation, reissue_waiting, send_bank_list, waiting_counts,
)
from app.views.steps import record_or_404, run, run_and_return, run_step
from app.views.base import AidInterface, AidModelView, money

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ALLOCATION_LABELS = {"budget": _l("Budget"), "level": _l("Level"), "document_number": _l("Document number (文号)"),
                     "arrived_on": _l("Arrived on"), "amount": _l("Amount (yuan)"), "notes": _l("Notes")}


class AllocationView(AidModelView):
    datamodel = AidInterface(Allocation)
    list_title = _l("Allocations")
    show_title = add_title = edit_title = _l("Allocation")
    label_columns = ALLOCATION_LABELS
    list_columns = ["budget", "level", "document_number", "arrived_on", "amount"]
    show_columns = add_columns = edit_columns = ["budget", "level", "document_number", "arrived_on", "amount", "notes"]
    search_columns = ["budget", "level", "document_number", "arrived_on"]
    base_order = ("arrived_on", "desc")
    rule_check = staticmethod(check_allocation)
    add_form_extra_fields = edit_form_extra_fields = {
        "amount": DecimalField(ALLOCATION_LABELS["amount"], places=2, validators=[InputRequired(), NumberRange(min=0)]),
    }


BUDGET_LABELS = {
    "program": _l("Programme"), "year": _l("Year"), "planned_recipients": _l("Planned recipients"),
    "planned_amount": _l("Planned amount (yuan)"), "central_share": _l("Central share (%)"),
    "provincial_share": _l("Provincial share (%)"), "city_share": _l("City share (%)"),
    "county_share": _l("County share (%)"), "county_due_on": _l("County matching due by"), "notes": _l("Notes"),
    "allocations": _l("Allocations"),
}


def _share_field(label):
    return DecimalField(label, places=2, default=0, validators=[InputRequired(), NumberRange(min=0, max=100)])


class ProgramBudgetView(AidModelView):
    datamodel = AidInterface(ProgramBudget)
    list_title = _l("Budgets and matching funds")
    show_title = _l("Budget")
    add_title = _l("Add a budget")
    edit_title = _l("Edit budget")
    label_columns = BUDGET_LABELS
    list_columns = ["year", "program", "planned_recipients", "planned_amount", "central_share", "provincial_share",
                    "city_share", "county_share", "county_due_on"]
    show_columns = add_columns = edit_columns = ["program", "year", "planned_recipients", "planned_amount",
                                                 "central_share", "provincial_share", "city_share", "county_share",
                                                 "county_due_on", "notes"]
    search_columns = ["program", "year"]
    base_order = ("year", "desc")
    related_views = [AllocationView]
    rule_check = staticmethod(check_budget)
    description_columns = {
        "central_share": _l("The shares of the four levels add up to 100, e.g. 60 / 32 / 0 / 8 for the high-school grant."),
        "county_due_on": _l("By when the county's matching share must have arrived."),
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "planned_amount": DecimalField(BUDGET_LABELS["planned_amount"], places=2,
                                       validators=[InputRequired(), NumberRange(min=0)]),
        "planned_recipients": IntegerField(BUDGET_LABELS["planned_recipients"], default=0,
                                           validators=[InputRequired(), NumberRange(min=0)]),
        **{f"{lv}_share": _share_field(BUDGET_LABELS[f"{lv}_share"]) for lv in LEVEL_CODES},
    }


class BudgetFiguresView(BaseView):
    route_base = "/budgets"
    default_view = "figures"

    @expose("/figures/")
    @has_access
    def figures(self):
        today = date.today()
        year = request.args.get("year", type=int) or today.year
        return self.render_template("aid/budget_figures.html", title=_l("Budget execution"), year=year,
                                    rows=execution(db.session, year, today), schools=by_school(db.session, year, today),
                                    late=late_awards(db.session, year, today), levels=list(LEVELS),
                                    target=SPEND_TARGET, money=money)


LINE_LABELS = {"batch": _l("Batch"), "award": _l("Award"), "school": _l("School"), "name": _l("Name"),
               "card_number": _l("Card number"), "amount": _l("Amount (yuan)"), "result": _l("Bank's answer"),
               "fail_reason": _l("Reason of the failure"), "fail_note": _l("Notes"), "paid_on": _l("Paid on")}


class BatchLineView(AidModelView):
    datamodel = AidInterface(BatchLine)
    list_title = _l("Payments sent to the bank")
    show_title = _l("Payment")
    label_columns = LINE_LABELS
    list_columns = ["batch", "school", "name", "card_number", "amount", "result", "fail_reason", "paid_on"]
    show_columns = ["batch", "school", "award", "name", "card_number", "amount", "result", "fail_reason", "fail_note",
                    "paid_on"]
    search_columns = ["batch", "school", "result", "fail_reason", "paid_on"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_export", "can_correct"]
    show_template = "aid/batch_line_show.html"

    def render_template(self, template_name, **kwargs):
        if template_name == self.show_template and "pk" in kwargs:
            line = self.datamodel.get(kwargs["pk"])
            kwargs["correctable"] = line is not None and card_correctable(line.award, db.session)
            kwargs["batch_id"] = line.batch_id if line is not None else None
        return super().render_template(template_name, **kwargs)

    @expose("/correct/<pk>", methods=["GET", "POST"])
    @has_access
    def correct(self, pk):
        """The school corrects the card of a failed payment; a re-issue batch then pays it."""
        line = record_or_404(self, pk)
        form = CardForm()
        error = None
        if request.method == "POST" and form.validate():
            done, error = run_step(lambda: correct_card(line.award, form.card_number.data, db.session),
                                   _l("The card is corrected; the award will be in the next re-issue batch."),
                                   url_for("BatchLineView.show", pk=line.id))
            if done:
                return done
            error = str(error)
        return self.render_template("aid/correct_card.html", line=line, form=form, error=error,
                                    title=_l("Correct the card number"))


class CardForm(DynamicForm):
    card_number = StringField(_l("Correct card number"), validators=[InputRequired()],
                              description=_l("16 to 19 digits, as on the card."))


BATCH_LABELS = {"number": _l("Batch"), "semester": _l("Semester"), "program": _l("Programme"), "status": _l("State"),
                "reissue": _l("Re-issue"), "created_by": _l("Built by"), "created_at": _l("Built at"),
                "exported_at": _l("Sent to the bank at"), "reconciled_at": _l("Reconciled at"), "notes": _l("Notes"),
                "lines": _l("Payments")}


class PaymentBatchView(AidModelView):
    datamodel = AidInterface(PaymentBatch)
    list_title = _l("Payment batches")
    show_title = _l("Payment batch")
    label_columns = BATCH_LABELS
    list_columns = ["number", "semester", "program", "reissue", "status", "created_at", "exported_at", "reconciled_at"]
    show_columns = ["number", "semester", "program", "reissue", "status", "created_by", "created_at", "exported_at",
                    "reconciled_at", "notes"]
    search_columns = ["semester", "program", "status", "reissue"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_build", "can_bank_list", "can_answer", "can_answer_template"]
    show_template = "aid/batch_show.html"
    list_template = "aid/batch_list.html"
    related_views = [BatchLineView]

    def render_template(self, template_name, **kwargs):
        if template_name == self.show_template and "pk" in kwargs:
            batch = self.datamodel.get(kwargs["pk"])
            rec = reconciliation(batch)
            kwargs.update(batch=batch, rec=rec, money=money, reasons=list(FAIL_REASONS),
                          pending=[line for line in batch.lines if line.result == "pending"][:300],
                          exports=db.session.scalars(select(CardExport).where(CardExport.batch_id == batch.id)
                                                     .order_by(CardExport.at.desc())).all(),
                          csrf_form=DynamicForm(), today=date.today().isoformat(),
                          reissue=reissue_waiting(db.session, batch) if rec.failed_count else 0)
        return super().render_template(template_name, **kwargs)

    @expose("/build/", methods=["GET", "POST"])
    @has_access
    def build(self):
        """Choose a semester and a programme, see what would be paid, build the batch."""
        semesters = db.session.scalars(select(Semester).order_by(Semester.starts_on.desc())).all()
        # waivers (免学费) are credited to the school, never in a batch: not offered
        programs = db.session.scalars(select(AidProgram).where(AidProgram.waiver.is_(False))
                                      .order_by(AidProgram.name)).all()
        semester = db.session.get(Semester, request.values.get("semester", type=int) or 0) or next(
            (s for s in semesters if s.is_current), semesters[0] if semesters else None)
        program = db.session.get(AidProgram, request.values.get("program", type=int) or 0)
        counts = waiting_counts(db.session, semester.id) if semester else {}
        waiting = candidates(db.session, semester.id, program.id) if semester and program else []
        form = DynamicForm()
        if request.method == "POST":
            if not form.validate():
                abort(400)
            done, error = run_step(lambda: build_batch(db.session, semester, program, user=g.user),
                                   lambda batch: _l("Batch %(n)s built: %(c)d payments.", n=batch.number,
                                                    c=len(batch.lines)),
                                   lambda batch: url_for("PaymentBatchView.show", pk=batch.id))
            if done:
                return done
            flash(str(error), "danger")
        return self.render_template("aid/batch_build.html", title=_l("Build a payment batch"), semesters=semesters,
                                    programs=programs, counts=counts, semester=semester, program=program,
                                    waiting=waiting,
                                    total=sum((a.amount for a in waiting), 0), csrf_form=form, money=money)

    @expose("/bank-list/<pk>", methods=["POST"])
    @has_access
    def bank_list(self, pk):
        """The bank's payment list with full card numbers (its own permission; every download is recorded).

        A button, never a link: sending the list marks the batch exported, and a GET changes nothing."""
        batch = record_or_404(self, pk)
        if not DynamicForm().validate():
            abort(400)
        lines, error = run(lambda: send_bank_list(db.session, batch, g.user))
        if error is not None:
            flash(str(error), "danger")
            return redirect(url_for("PaymentBatchView.show", pk=batch.id))
        headers = [title for _, title, _, _ in BANK_COLUMNS]
        rows = ([line.id, line.name, line.card_number, line.amount, "", "", ""] for line in lines)
        data = workbook_bytes(batch.number, headers, rows)
        return send_file(BytesIO(data), as_attachment=True, download_name=f"{batch.number}-银行代发清单.xlsx",
                         mimetype=XLSX)

    @expose("/answer-template/")
    @has_access
    def answer_template(self):
        return send_file(BytesIO(template(BANK_COLUMNS, "银行回盘")), as_attachment=True,
                         download_name="银行回盘模板.xlsx", mimetype=XLSX)

    @expose("/answer/<pk>", methods=["POST"])
    @has_access
    def answer(self, pk):
        """The bank's answer: a file, or the lines marked by hand."""
        batch = record_or_404(self, pk)
        if not DynamicForm().validate():
            abort(400)

        def recorded(_):
            rec = reconciliation(batch)
            return _l("Recorded: %(p)d paid, %(f)d failed, %(w)d still waiting.", p=rec.paid_count, f=rec.failed_count,
                      w=rec.pending_count)

        return run_and_return(lambda: apply_answers(db.session, batch, self._answers(batch)), recorded,
                              url_for("PaymentBatchView.show", pk=batch.id))

    @classmethod
    def _answers(cls, batch):
        """The bank's answer as sent: its file (回盘), else the lines marked by hand."""
        upload = request.files.get("file")
        if upload and upload.filename:
            return read_answers(uploads.read(upload, {".xlsx"}, content=False))  # content: read_answers
        return cls._manual_answers(batch)

    @staticmethod
    def _manual_answers(batch):
        day = request.form.get("paid_on") or None
        try:
            day = date.fromisoformat(day) if day else None
        except ValueError:
            raise RuleError({"paid_on": _l("the day paid is not a date (2021-09-01)")}) from None
        answers = []
        for line in batch.lines:
            choice = request.form.get(f"line-{line.id}")
            if choice not in ("paid", "failed"):
                continue
            answers.append(Answer(line.id, choice == "paid", line.amount,
                                  request.form.get(f"reason-{line.id}") or None, None,
                                  day))
        if not answers:
            raise RuleError({"file": _l("Choose a file, or mark at least one line paid or failed.")})
        return answers


class TurnoverView(BaseView):
    """学年升级: the preview of every change, then the change in one transaction, once a year."""

    route_base = "/turnover"
    default_view = "preview"

    @expose("/", methods=["GET"])
    @has_access
    def preview(self):
        current = db.session.scalars(select(Semester).where(Semester.is_current.is_(True))).first()
        today = clock.today()
        from_year = request.args.get("from_year") or (current.school_year if current else f"{today.year - 1}-{today.year}")
        the_plan = turnover.plan(db.session, from_year)
        history = db.session.scalars(select(SchoolYearTurnover).order_by(SchoolYearTurnover.from_year.desc())).all()
        return self.render_template("aid/turnover.html", title=_l("School-year turnover"), plan=the_plan,
                                    history=history, csrf_form=DynamicForm(), today=today)

    @expose("/apply", methods=["POST"])
    @has_access
    def apply(self):
        form = DynamicForm()
        if not form.validate():
            abort(400)
        from_year = request.form.get("from_year", "")
        if request.form.get("confirm") != "y":
            flash(_l("Tick the box to confirm that the preview was checked."), "warning")
            return redirect(url_for("TurnoverView.preview", from_year=from_year))
        return run_and_return(
            lambda: turnover.apply(db.session, turnover.plan(db.session, from_year), user=g.user,
                                   early=request.form.get("early") == "y"),
            lambda record: _l("%(y)s turned over: %(p)d pupils moved up, %(g)d left school, %(i)d identifications to "
                              "re-confirm.", y=record.from_year, p=record.promoted, g=record.graduated,
                              i=record.identifications),
            url_for("TurnoverView.preview", from_year=from_year))
