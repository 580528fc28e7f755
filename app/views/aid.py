"""资助管理: programmes, semesters and awards (资助名单), with the award workflow."""
from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, NumberRange

from app.extensions import db
from app.models import AidProgram, Award, Semester
from app.models.choices import STAGES
from app.rules import RuleError
from app.rules.awards import check_award, transition
from app.views.base import AidInterface, AidModelApi, AidModelView, current_roles
from app.views.fields import StudentByIdNumberField, student_from_link
from app.views.filters import FilterStudentNameOrIdNumber


class VoidForm(DynamicForm):
    # The reason is checked by the workflow rule, which says what is missing.
    void_reason = TextAreaField()


class StageCodesField(SelectMultipleField):
    """Several stages, stored as comma-separated codes."""

    def process_data(self, value):
        self.data = [c for c in value.split(",") if c] if isinstance(value, str) else (value or [])

    def populate_obj(self, obj, name):
        setattr(obj, name, ",".join(code for code, _ in STAGES if code in (self.data or [])))


PROGRAM_LABELS = {
    "name": _l("Programme"), "kind": _l("Kind"), "stages": _l("Stages"), "stages_label": _l("Stages"),
    "standard_amount": _l("Standard amount (yuan)"), "period": _l("Per"), "funding_source": _l("Funding source"),
    "active": _l("Active"), "notes": _l("Notes"),
}


class AidProgramView(AidModelView):
    datamodel = AidInterface(AidProgram)
    list_title = _l("Aid programmes")
    show_title = _l("Aid programme")
    add_title = _l("Add aid programme")
    edit_title = _l("Edit aid programme")
    label_columns = PROGRAM_LABELS
    list_columns = ["name", "kind", "stages_label", "standard_amount", "period", "funding_source", "active"]
    show_columns = ["name", "kind", "stages_label", "standard_amount", "period", "funding_source", "active", "notes"]
    add_columns = edit_columns = ["name", "kind", "stages", "standard_amount", "period", "funding_source", "active", "notes"]
    search_columns = ["name", "kind", "active"]
    base_order = ("name", "asc")
    add_form_extra_fields = edit_form_extra_fields = {
        "stages": StageCodesField(PROGRAM_LABELS["stages"], choices=list(STAGES), validators=[InputRequired()],
                                  description=_l("The stages whose pupils the programme may aid.")),
        "standard_amount": DecimalField(PROGRAM_LABELS["standard_amount"], places=2,
                                        validators=[InputRequired(), NumberRange(min=0)]),
    }


class SemesterView(AidModelView):
    datamodel = AidInterface(Semester)
    list_title = _l("Semesters")
    show_title = _l("Semester")
    add_title = _l("Add semester")
    edit_title = _l("Edit semester")
    label_columns = {"school_year": _l("School year"), "term": _l("Semester"), "starts_on": _l("Starts on"),
                     "ends_on": _l("Ends on"), "payment_deadline": _l("Payment deadline"), "is_current": _l("Current")}
    list_columns = ["school_year", "term", "starts_on", "ends_on", "payment_deadline", "is_current"]
    show_columns = add_columns = edit_columns = list_columns
    search_columns = ["school_year", "term", "is_current"]
    base_order = ("starts_on", "desc")
    description_columns = {"is_current": _l("Marking one semester current unmarks the others."),
                           "payment_deadline": _l("Approved awards must be paid by this day.")}


AWARD_LABELS = {
    "student": _l("Student"), "school": _l("School"), "program": _l("Programme"), "semester": _l("Semester"),
    "amount": _l("Amount (yuan)"), "over_standard_reason": _l("Reason for an amount above the standard"),
    "card_kind": _l("Card"), "card_number": _l("Card number"), "status": _l("Status"),
    "approved_at": _l("Approved at"), "approved_by": _l("Approved by"), "paid_on": _l("Paid on"),
    "void_reason": _l("Reason for voiding"), "voided_at": _l("Voided at"),
}


class AwardView(AidModelView):
    personal_data = True
    datamodel = AidInterface(Award)
    list_title = _l("Award list")
    show_title = _l("Award")
    add_title = _l("Propose an award")
    edit_title = _l("Edit award")
    label_columns = AWARD_LABELS
    list_columns = ["student", "school", "program", "semester", "amount", "card_number", "status", "paid_on"]
    show_columns = ["student", "school", "program", "semester", "amount", "over_standard_reason", "card_kind",
                    "card_number", "status", "approved_at", "approved_by", "paid_on", "void_reason", "voided_at"]
    add_columns = edit_columns = ["student", "program", "semester", "amount", "over_standard_reason", "card_kind", "card_number"]
    search_columns = ["school", "student", "program", "semester", "status", "card_kind", "paid_on"]
    order_columns = ["amount", "status", "paid_on"]
    base_order = ("id", "desc")
    text_search_relations = {"student": FilterStudentNameOrIdNumber}
    rule_check = staticmethod(lambda probe: check_award(probe, db.session))
    description_columns = {
        "card_number": _l("16 to 19 digits. High-school and vocational pupils: the student aid card issued by the school."),
        "amount": _l("For one semester. Above the programme's standard, write the reason below."),
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "student": StudentByIdNumberField(AWARD_LABELS["student"], description=_l("Type the student's ID number."),
                                          render_kw={"placeholder": _l("ID number of the student")},
                                          default=student_from_link),
        "amount": DecimalField(AWARD_LABELS["amount"], places=2, validators=[InputRequired(), NumberRange(min=0)]),
        "over_standard_reason": TextAreaField(AWARD_LABELS["over_standard_reason"], widget=BS3TextAreaFieldWidget()),
    }
    method_permission_name = {"muldelete": "delete", "approve": "approve", "pay": "pay"}
    # Only active programmes can be proposed.
    add_form_query_rel_fields = {"program": [["active", FilterEqual, True]]}

    def _bulk(self, items, name, done_message):
        return self.apply_step(items, lambda award: transition(award, name, current_roles(), user=g.user), done_message)

    @action("approve", _l("Approve"), _l("Approve the selected awards?"), "fa-check", single=False)
    def approve(self, items):
        return self._bulk(items, "approve", str(_l("Approved %(n)d awards.")))

    @action("pay", _l("Mark paid"), _l("Mark the selected awards paid today?"), "fa-money", single=False)
    def pay(self, items):
        return self._bulk(items, "pay", str(_l("Marked %(n)d awards paid.")))

    @expose("/void/<pk>", methods=["GET", "POST"])
    @has_access
    def void(self, pk):
        """Void one award with a written reason (an approved award is never deleted)."""
        award = self.datamodel.get(pk)
        if award is None:
            abort(404)
        error = None
        form = VoidForm()
        if request.method == "POST":
            if not form.validate():
                abort(400)
            try:
                transition(award, "void", current_roles(), user=g.user, reason=form.void_reason.data)
                db.session.commit()
                flash(_l("The award was voided."), "success")
                return redirect(url_for("AwardView.show", pk=award.id))
            except RuleError as exc:
                db.session.rollback()
                error = str(exc)
        return self.render_template("aid/void.html", award=award, form=form, error=error, title=_l("Void an award"))


class AidProgramApi(AidModelApi):
    resource_name = "program"
    datamodel = AidInterface(AidProgram)
    list_columns = show_columns = ["id", "name", "kind", "stages", "standard_amount", "period", "funding_source", "active"]
    add_columns = edit_columns = ["name", "kind", "stages", "standard_amount", "period", "funding_source", "active"]
    base_order = ("name", "asc")


class AwardApi(AidModelApi):
    personal_data = True
    resource_name = "award"
    datamodel = AidInterface(Award)
    list_columns = show_columns = ["id", "student.id", "student.name", "school.id", "school.name", "program.id",
                                   "program.name", "semester.id", "amount", "status", "paid_on", "void_reason"]
    add_columns = ["student", "program", "semester", "amount", "over_standard_reason", "card_kind", "card_number"]
    edit_columns = add_columns
    search_columns = ["school", "student", "program", "semester", "status"]
    base_order = ("id", "desc")
