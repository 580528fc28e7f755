"""助学贷款 screens: loans and their workflow, the checklist, instalments, reminders,
the pre-application list and the loan figures."""
from datetime import date

from flask import abort, g, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.forms import DynamicForm
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, IntegerField
from wtforms.validators import NumberRange, Optional

from app.security import personal
from app.extensions import db
from app.kpi.loans import loan_figures, pre_application_candidates, reminder_lists
from app.models import Loan, LoanMaterial, LoanRate, LoanReminder, RepaymentDue
from app.rules.loans import (
    check_due, check_loan, check_rate, is_overdue, pre_application_year, pre_apply, transition,
)
from app.views.steps import ReasonForm, record_or_404, run_and_return, run_step
from app.views.base import AidInterface, AidModelApi, AidModelView, current_roles, money
from app.views.fields import pupil_field, student_from_link
from app.views.filters import FilterStudentNameOrIdNumber
from app.views.records import grouped

LOAN_LABELS = {
    "student": _l("Borrower"), "school": _l("School of origin"), "co_borrower": _l("Co-borrower"),
    "co_borrower_phone": _l("Co-borrower phone"), "university": _l("University"), "major": _l("Major"),
    "degree": _l("Degree"), "academic_year": _l("School year"), "contract_number": _l("Contract number"),
    "amount": _l("Amount this year (yuan)"), "expected_graduation": _l("Expected graduation"),
    "grace_years": _l("Grace period (years)"), "repayment_years": _l("Repayment term after graduation (years)"),
    "status": _l("Status"), "reject_reason": _l("Reason for not approving"), "materials": _l("Materials received"),
    "graduation_confirmed_on": _l("Graduation confirmed on"), "notes": _l("Notes"), "events": _l("History"),
    "status_link": _l("Status"),
}
ACTION_LABELS = {
    "accept": _l("Accept"), "approve": _l("Approve"), "sign": _l("Contract signed"), "disburse": _l("Disbursed"),
    "confirm_graduation": _l("Graduation confirmed"), "start_repayment": _l("Start repayment"),
    "mark_overdue": _l("Mark overdue"), "resume": _l("Back to repaying"), "settle": _l("Settled"),
}


def _make_action(name):
    def step(self, items):
        return self.apply_step(items, lambda loan: transition(loan, name, current_roles(), db.session, user=g.user),
                               str(_l("%(n)d loans updated.")))

    step.__name__ = name
    return action(name, ACTION_LABELS[name], _l("Take this step for the selected loans?"), "fa-arrow-right", single=False)(step)


class LoanView(AidModelView):
    personal_data = True
    datamodel = AidInterface(Loan)
    list_title = _l("Student loans")
    show_title = _l("Student loan")
    show_template = "aid/loan_show.html"  # with the print button of the 温馨提示 notice
    add_title = _l("Record a loan application")
    edit_title = _l("Edit loan")
    label_columns = LOAN_LABELS
    list_columns = ["student", "school", "academic_year", "university", "degree", "amount", "status_link", "contract_number"]
    show_columns = ["student", "school", "co_borrower", "co_borrower_phone", "university", "major", "degree",
                    "academic_year", "contract_number", "amount", "expected_graduation", "grace_years",
                    "repayment_years", "materials", "status", "reject_reason", "graduation_confirmed_on", "notes"]
    show_fieldsets = grouped(show_columns, (_l("The borrower"), ["student", "school", "co_borrower", "co_borrower_phone"]),
                             (_l("The university"), ["university", "major", "degree", "academic_year", "expected_graduation"]),
                             (_l("Contract and repayment"), ["contract_number", "amount", "grace_years", "repayment_years",
                                                             "materials"]),
                             (_l("Handling"), ["status", "reject_reason", "graduation_confirmed_on", "notes"]))
    add_columns = edit_columns = ["student", "co_borrower", "co_borrower_phone", "university", "major", "degree",
                                  "academic_year", "contract_number", "amount", "expected_graduation", "grace_years",
                                  "repayment_years", "materials", "notes"]
    search_columns = ["school", "student", "academic_year", "status", "degree", "university"]
    order_columns = ["academic_year", "amount", "status"]
    base_order = ("id", "desc")
    text_search_relations = {"student": FilterStudentNameOrIdNumber}
    rule_check = staticmethod(lambda probe: check_loan(probe, db.session))
    method_permission_name = {"muldelete": "delete", **{name: name for name in ACTION_LABELS}}
    description_columns = {
        "amount": _l("At most 12,000 yuan a year for 本专科 and 16,000 for 研究生."),
        "materials": _l("Tick what was received; a loan cannot be approved while a required item is missing."),
        "grace_years": _l("Interest only, up to 5 years after graduation."),
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "student": pupil_field(LOAN_LABELS["student"], default=student_from_link),
        "amount": DecimalField(LOAN_LABELS["amount"], places=2, validators=[Optional(), NumberRange(min=0)]),
        "grace_years": IntegerField(LOAN_LABELS["grace_years"], default=0, validators=[NumberRange(min=0, max=5)]),
        "repayment_years": IntegerField(LOAN_LABELS["repayment_years"], default=15, validators=[NumberRange(min=1, max=15)]),
    }

    @expose("/reject/<pk>", methods=["GET", "POST"])
    @has_access
    def reject(self, pk):
        """Not approved, with the reason the applicant is told."""
        loan = record_or_404(self, pk)
        form = ReasonForm()
        error = None
        if request.method == "POST" and form.validate():
            done, error = run_step(
                lambda: transition(loan, "reject", current_roles(), db.session, user=g.user, comment=form.reason.data),
                _l("The loan application is recorded as not approved, with the reason the applicant is told."),
                url_for("LoanView.show", pk=loan.id))
            if done:
                return done
        return self.render_template("aid/loan_reject.html", loan=loan, form=form, error=error and str(error),
                                    title=_l("Not approved"))

    @expose("/history/<pk>")
    @has_access
    def history(self, pk):
        loan = record_or_404(self, pk)
        return self.render_template("aid/loan_history.html", loan=loan, title=_l("History"),
                                    today=date.today(), is_overdue=is_overdue)


for _name in ACTION_LABELS:
    setattr(LoanView, _name, _make_action(_name))


class LoanMaterialView(AidModelView):
    datamodel = AidInterface(LoanMaterial)
    list_title = _l("Application materials")
    show_title = add_title = edit_title = _l("Application material")
    label_columns = {"name": _l("Material"), "required": _l("Required"), "active": _l("Active"), "sort_order": _l("Order")}
    list_columns = show_columns = add_columns = edit_columns = ["name", "required", "active", "sort_order"]
    search_columns = ["name", "required", "active"]
    base_order = ("sort_order", "asc")


class LoanRateView(AidModelView):
    """贷款利率: the yearly rate of each school year's loans, kept by the centre (read by all)."""

    datamodel = AidInterface(LoanRate)
    list_title = _l("Loan interest rates")
    show_title = add_title = edit_title = _l("Loan interest rate")
    label_columns = {"school_year": _l("School year"), "reference_rate": _l("Reference rate (% a year)"),
                     "reduction_bp": _l("Less (basis points)"), "rate_percent": _l("Loan rate (% a year)"),
                     "basis": _l("Policy"), "notes": _l("Notes"),
                     "ceiling_undergraduate": _l("Ceiling a year, undergraduates (yuan)"),
                     "ceiling_postgraduate": _l("Ceiling a year, postgraduates (yuan)")}
    list_columns = ["school_year", "reference_rate", "reduction_bp", "rate_percent", "ceiling_undergraduate",
                    "ceiling_postgraduate", "basis"]
    show_columns = list_columns + ["notes"]
    add_columns = edit_columns = ["school_year", "reference_rate", "reduction_bp", "ceiling_undergraduate",
                                  "ceiling_postgraduate", "basis", "notes"]
    search_columns = ["school_year"]
    base_order = ("school_year", "desc")
    rule_check = staticmethod(check_rate)
    description_columns = {
        "school_year": _l("The school year of the loans (the contract's year), e.g. 2021-2022."),
        "reference_rate": _l("The 5-year LPR in force when the year's contracts are signed (before 2020 the benchmark rate)."),
        "reduction_bp": _l("The loan rate is the 5-year LPR less these basis points: 30 from 2021, 60 from autumn 2023, "
                           "70 from autumn 2024."),
        "ceiling_undergraduate": _l("The most one student may borrow in a year: 12,000 from 2021, 16,000 from autumn "
                                    "2023, 20,000 from autumn 2024 (本专科)."),
        "ceiling_postgraduate": _l("研究生: 16,000 from 2021, 20,000 from autumn 2023, 25,000 from autumn 2024."),
    }


class RepaymentDueView(AidModelView):
    datamodel = AidInterface(RepaymentDue)
    list_title = _l("Instalments")
    show_title = edit_title = _l("Instalment")
    label_columns = {"loan": _l("Loan"), "school": _l("School of origin"), "due_on": _l("Due on"),
                     "principal": _l("Principal (yuan)"), "interest": _l("Interest (yuan)"),
                     "paid_principal": _l("Principal paid (yuan)"), "paid_interest": _l("Interest paid (yuan)"),
                     "paid_on": _l("Repayment date")}
    list_columns = ["loan", "due_on", "principal", "interest", "paid_principal", "paid_interest", "paid_on"]
    show_columns = list_columns
    edit_columns = ["paid_principal", "paid_interest", "paid_on"]
    rule_check = staticmethod(check_due)
    search_columns = ["school", "due_on", "paid_on"]
    base_order = ("due_on", "asc")
    base_permissions = ["can_list", "can_show", "can_edit", "can_export"]


class LoanReminderView(AidModelView):
    datamodel = AidInterface(LoanReminder)
    list_title = _l("Reminders")
    show_title = add_title = edit_title = _l("Reminder")
    label_columns = {"loan": _l("Loan"), "school": _l("School of origin"), "on": _l("Date"), "channel": _l("Channel"),
                     "result": _l("Result")}
    list_columns = show_columns = ["loan", "school", "on", "channel", "result"]
    add_columns = edit_columns = ["loan", "on", "channel", "result"]
    search_columns = ["school", "on", "channel"]
    base_order = ("on", "desc")


class LoanPagesView(BaseView):
    """预申请 candidates and the loan figures."""

    route_base = "/loans"
    default_view = "figures"

    @expose("/figures/")
    @has_access
    def figures(self):
        year = request.args.get("year", type=int) or date.today().year
        total, per_school = loan_figures(year)
        return self.render_template("aid/loan_figures.html", title=_l("Loan figures"), year=year, total=total,
                                    per_school=per_school, money=money)

    @expose("/reminders/")
    @has_access
    def reminders(self):
        """温馨提示月 (every March, usable any day): who to remind this year, and of what."""
        year = request.args.get("year", type=int) or date.today().year
        graduates, dues = reminder_lists(year)
        shown = [loan.id for loan in graduates if loan.co_borrower_phone]
        if shown and personal.may_see_all():
            # the call list shows the co-borrowers' phones in full to the centre: a read, recorded
            from app.security.audit import record_access

            record_access("view", "loan", shown, f"{_l('Reminder month (温馨提示月)')}：{len(shown)}")
        return self.render_template("aid/loan_reminders.html", title=_l("Reminder month (温馨提示月)"), year=year,
                                    graduates=graduates, dues=dues, money=money)

    @expose("/pre-applications/")
    @has_access
    def pre_applications(self):
        """The candidates, readable by every role; the form only for those who may record a pre-application."""
        return self.render_template("aid/pre_applications.html", title=_l("Loan pre-applications"),
                                    candidates=pre_application_candidates(), form=DynamicForm(),
                                    school_year=pre_application_year(date.today()))

    @expose("/pre-applications/create", methods=["POST"])
    @has_access
    def pre_apply(self):
        """Record a pre-application for each ticked candidate (its own permission, not the list's)."""
        if not DynamicForm().validate():
            abort(400)
        chosen = {int(i) for i in request.form.getlist("student") if i.isdigit()}
        # December's are for the next autumn too (pre_application_year)
        return run_and_return(lambda: pre_apply(db.session, pre_application_candidates(), chosen, date.today()),
                              lambda made: _l("%(n)d pre-applications created.", n=made),
                              url_for("LoanPagesView.pre_applications"))


class LoanApi(AidModelApi):
    personal_data = True
    resource_name = "loan"
    datamodel = AidInterface(Loan)
    list_columns = show_columns = ["id", "student.id", "student.name", "school.id", "school.name", "co_borrower",
                                   "university", "major", "degree", "academic_year", "contract_number", "amount",
                                   "expected_graduation", "grace_years", "repayment_years", "status", "reject_reason"]
    add_columns = edit_columns = ["student", "co_borrower", "co_borrower_phone", "university", "major", "degree",
                                  "academic_year", "contract_number", "amount", "expected_graduation", "grace_years",
                                  "repayment_years", "notes"]
    search_columns = ["school", "student", "academic_year", "status"]
    base_order = ("id", "desc")
