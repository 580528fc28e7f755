"""资助管理: programmes, semesters and awards (资助名单), with the award workflow."""
from flask import abort, g, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.api import expose as api_expose
from flask_appbuilder.api import protect, safe
from flask_appbuilder.actions import action
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, NumberRange

from app.errors import MAX_ID
from app.extensions import db
from app.models import AidProgram, Award, ProgramStandard, Semester
from app.models.choices import DIFFICULTY_LEVELS, GRADES_BY_STAGE, GRADUATED, STAGES
from app.models.identification import CATEGORIES
from app.rules.awards import check_award, controls_of, transition
from app.rules.semesters import current_semester
from app.rules.eligibility import check_program, check_standard
from app.views.steps import record_or_404, run_step
from app.views.base import AidInterface, AidModelApi, AidModelView, current_roles
from app.views.fields import pupil_field, student_from_link
from app.views.filters import FilterProgramsOfMySchool, FilterStudentNameOrIdNumber
from app.views.records import grouped


class VoidForm(DynamicForm):
    # The reason is checked by the workflow rule, which says what is missing.
    void_reason = TextAreaField()


class StageCodesField(SelectMultipleField):
    """Several stages, stored as comma-separated codes."""

    def process_data(self, value):
        self.data = [c for c in value.split(",") if c] if isinstance(value, str) else (value or [])

    def populate_obj(self, obj, name):
        setattr(obj, name, ",".join(code for code, _ in self.choices if code in (self.data or [])) or None)


def _grade_choices():
    seen = []
    for grades in GRADES_BY_STAGE.values():
        seen += [g for g in grades if g not in seen]
    return [(g, g) for g in seen + [GRADUATED]]


PROGRAM_LABELS = {
    "name": _l("Programme"), "kind": _l("Kind"), "stages": _l("Stages"), "stages_label": _l("Stages"),
    "standard_amount": _l("Standard amount (yuan)"), "period": _l("Per"), "funding_source": _l("Funding source"),
    "active": _l("Active"), "notes": _l("Notes"),
    "needs_identification": _l("Needs a difficulty identification"), "levels": _l("Qualifying levels"),
    "levels_label": _l("Qualifying levels"), "categories": _l("Qualifying categories"),
    "categories_label": _l("Qualifying categories"), "grades": _l("Grades covered"), "grades_label": _l("Grades covered"),
    "waiver": _l("Waiver credited to the school"),
}
ELIGIBILITY_COLUMNS = ["needs_identification", "levels", "categories", "grades", "waiver"]


class AidProgramView(AidModelView):
    datamodel = AidInterface(AidProgram)
    list_title = _l("Aid programmes")
    show_title = _l("Aid programme")
    add_title = _l("Add aid programme")
    edit_title = _l("Edit aid programme")
    label_columns = PROGRAM_LABELS
    list_columns = ["name", "kind", "stages_label", "standard_amount", "period", "needs_identification", "waiver",
                    "active"]
    show_columns = ["name", "kind", "stages_label", "standard_amount", "period", "funding_source",
                    "needs_identification", "levels_label", "categories_label", "grades_label", "waiver", "active", "notes"]
    add_columns = edit_columns = ["name", "kind", "stages", "standard_amount", "period", "funding_source",
                                  *ELIGIBILITY_COLUMNS, "active", "notes"]
    search_columns = ["name", "kind", "active", "needs_identification", "waiver"]
    base_order = ("name", "asc")
    rule_check = staticmethod(lambda probe: check_program(_program_probe(probe)))
    description_columns = {
        "standard_amount": _l("The flat standard, used when the programme has no standards by school year "
                              "(资助标准)."),
        "needs_identification": _l("Awarded only to pupils identified as in financial difficulty for the award's "
                                   "school year."),
        "levels": _l("Leave empty for every level."),
        "categories": _l("Leave empty for every category; otherwise the pupil must be of one of them."),
        "grades": _l("Leave empty for every grade of its stages. 已毕业 lets it aid pupils who have left."),
        "waiver": _l("免学费: credited to the school, never paid to a card, so never in a payment batch."),
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "stages": StageCodesField(PROGRAM_LABELS["stages"], choices=list(STAGES), validators=[InputRequired()],
                                  description=_l("The stages whose pupils the programme may aid.")),
        "levels": StageCodesField(PROGRAM_LABELS["levels"], choices=[(c, lbl) for c, lbl in DIFFICULTY_LEVELS],
                                  description=_l("Leave empty for every level.")),
        "categories": StageCodesField(PROGRAM_LABELS["categories"], choices=[(n, lbl) for n, lbl, _ in CATEGORIES],
                                      description=_l("Leave empty for every category; otherwise the pupil must be of "
                                                     "one of them.")),
        "grades": StageCodesField(PROGRAM_LABELS["grades"], choices=_grade_choices(),
                                  description=_l("Leave empty for every grade of its stages. 已毕业 lets it aid "
                                                 "pupils who have left.")),
        "standard_amount": DecimalField(PROGRAM_LABELS["standard_amount"], places=2,
                                        validators=[InputRequired(), NumberRange(min=0)]),
    }


def _program_probe(probe):
    """A form's stand-in with the list fields as the model stores them (comma-separated)."""
    for name in ("levels", "categories", "grades"):
        value = getattr(probe, name, None)
        if isinstance(value, (list, tuple)):
            setattr(probe, name, ",".join(value))
    probe.level_codes = AidProgram._codes(probe.levels)
    probe.category_codes = AidProgram._codes(probe.categories)
    probe.grade_list = AidProgram._codes(probe.grades)
    return probe


STANDARD_LABELS = {
    "program": _l("Programme"), "since_year": _l("From school year"), "since_term": _l("From semester"),
    "stage": _l("Stage"), "boarding": _l("Boarders"), "level": _l("Tier (difficulty level)"),
    "variant": _l("Variant"), "amount": _l("Amount (yuan)"), "policy": _l("Policy document"),
    "grades": _l("Grades covered"),
}


class BoardingField(SelectField):
    """Boarders, non-boarders, or both (empty)."""

    def process_data(self, value):
        self.data = "" if value is None else ("1" if value else "0")

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = valuelist[0]

    def populate_obj(self, obj, name):
        setattr(obj, name, None if self.data in ("", None) else self.data == "1")

    def pre_validate(self, form):
        pass


class ProgramStandardView(AidModelView):
    """资助标准: each programme's amount by school year, stage, boarding and tier (the centre keeps it)."""

    datamodel = AidInterface(ProgramStandard)
    list_title = _l("Aid standards")
    show_title = _l("Aid standard")
    add_title = _l("Add aid standard")
    edit_title = _l("Edit aid standard")
    label_columns = STANDARD_LABELS
    list_columns = ["program", "since_year", "since_term", "stage", "boarding", "level", "variant", "grades", "amount",
                    "policy"]
    show_columns = add_columns = edit_columns = list_columns
    search_columns = ["program", "since_year", "stage", "level"]
    base_order = ("since_year", "desc")
    formatters_columns = {"boarding": lambda v: "" if v is None else ("寄宿生" if v else "非寄宿生"),
                          "grades": lambda v: (v or "").replace(",", "、")}
    description_columns = {
        "since_year": _l("The standard applies from this school year on, until a later one replaces it."),
        "stage": _l("Empty: every stage of the programme."),
        "boarding": _l("Empty: boarders and non-boarders alike."),
        "level": _l("For a tiered programme: the tier of pupils identified at this level."),
        "variant": _l("Alternatives the school chooses between, e.g. 省内 / 省外."),
        "grades": _l("Empty: every grade the programme covers. A policy that covers fewer grades in some years "
                     "(中职国家助学金: 一、二年级 until spring 2025) names them on its own standard rows."),
        "amount": _l("Per the programme's period: a year, a semester, or once."),
    }
    rule_check = staticmethod(lambda probe: check_standard(probe, db.session))
    add_form_extra_fields = edit_form_extra_fields = {
        "boarding": BoardingField(STANDARD_LABELS["boarding"], choices=[("", "—"), ("1", "寄宿生"), ("0", "非寄宿生")]),
        "grades": StageCodesField(STANDARD_LABELS["grades"], choices=_grade_choices()),
        "amount": DecimalField(STANDARD_LABELS["amount"], places=2, validators=[InputRequired(), NumberRange(min=0)]),
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
    "student": _l("Student"), "student.student_number": _l("National student number"), "school": _l("School"), "program": _l("Programme"), "semester": _l("Semester"),
    "amount": _l("Amount (yuan)"), "over_standard_reason": _l("Reason for an amount above the standard"),
    "card_kind": _l("Card"), "card_number": _l("Card number"), "status": _l("Status"),
    "approved_at": _l("Approved at"), "approved_by": _l("Approved by"), "paid_on": _l("Paid on"),
    "void_reason": _l("Reason for voiding"), "voided_at": _l("Voided at"), "card_holder": _l("Card holder"),
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
    # the list sent to the county and the province: each pupil with the 学籍号 (masked but for the centre)
    export_columns = ["student", "student.student_number", *list_columns[1:]]
    show_columns = ["student", "school", "program", "semester", "amount", "over_standard_reason", "card_kind",
                    "card_number", "card_holder", "status", "approved_at", "approved_by", "paid_on", "void_reason", "voided_at"]
    show_fieldsets = grouped(show_columns, (_l("The award"), ["student", "school", "program", "semester", "amount",
                                                              "over_standard_reason"]),
                             (_l("Aid card"), ["card_kind", "card_number", "card_holder"]),
                             (_l("Approval and payment"), ["status", "approved_at", "approved_by", "paid_on", "void_reason",
                                                           "voided_at"]))
    add_columns = edit_columns = ["student", "program", "semester", "amount", "over_standard_reason", "card_kind",
                                  "card_number", "card_holder"]
    search_columns = ["school", "student", "program", "semester", "status", "card_kind", "paid_on"]
    search_bar_columns = ["school", "student", "program", "semester", "status"]  # the list's search bar
    empty_title = _l("No award has been proposed yet.")
    empty_hint = _l("A proposal is checked against the pupil's identification and the standard, then approved by the centre and paid.")
    empty_action = _l("Propose an award")
    order_columns = ["amount", "status", "paid_on"]
    base_order = ("id", "desc")
    text_search_relations = {"student": FilterStudentNameOrIdNumber}
    rule_check = staticmethod(lambda probe: check_award(probe, db.session))
    description_columns = {
        "card_number": _l("16 to 19 digits. High-school and vocational pupils: the student aid card issued by the school. "
                          "免学费 is credited to the school: no card."),
        "amount": _l("For one semester. Other than the standard for this pupil, write the reason below."),
        "card_holder": _l("The name on the card, when it is not the pupil's (a family card in a parent's name)."),
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "student": pupil_field(AWARD_LABELS["student"], default=student_from_link),
        "amount": DecimalField(AWARD_LABELS["amount"], places=2, validators=[InputRequired(), NumberRange(min=0)]),
        "over_standard_reason": TextAreaField(AWARD_LABELS["over_standard_reason"], widget=BS3TextAreaFieldWidget()),
    }
    method_permission_name = {"muldelete": "delete", "approve": "approve", "pay": "pay"}
    # Only active programmes can be proposed, and only those of the school's stages.
    add_form_query_rel_fields = {"program": [["active", FilterEqual, True], ["stages", FilterProgramsOfMySchool, ""]]}

    def _init_forms(self):
        super()._init_forms()
        # a new award is for the current semester unless a link (应助尽助) names a semester or programme
        self.add_form.semester.kwargs["default"] = _semester_from_link
        self.add_form.program.kwargs["default"] = _program_from_link

    show_template = "aid/award_show.html"
    void_label = _l("Void the award")  # the record page's button (app/views/records.py)

    def row_controls(self, pks):
        """Edit, delete and void only on the awards where they can succeed, for this user."""
        permitted = {control for control, permission in (("edit", "can_edit"), ("delete", "can_delete"),
                                                          ("void", "can_void"))
                     if self.appbuilder.sm.has_access(permission, self.class_permission_name)}
        return {pk: controls & permitted for pk, controls in controls_of(db.session, pks, current_roles()).items()}

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
        award = record_or_404(self, pk)
        error = None
        form = VoidForm()
        if request.method == "POST":
            if not form.validate():
                abort(400)
            done, error = run_step(lambda: transition(award, "void", current_roles(), user=g.user, reason=form.void_reason.data),
                                   _l("The award was voided."), url_for("AwardView.show", pk=award.id))
            if done:
                return done
        return self.render_template("aid/void.html", award=award, form=form, error=error and str(error),
                                    title=_l("Void an award"))


def _linked(model, name):
    pk = request.args.get(name, type=int)
    return db.session.get(model, pk) if pk is not None and 0 < pk <= MAX_ID else None


def _semester_from_link():
    """The semester a link names (``?semester=3``), else the current one."""
    return _linked(Semester, "semester") or current_semester(db.session)


def _program_from_link():
    """The programme a link names (``?program=2``); shown chosen only if the form offers it."""
    return _linked(AidProgram, "program")


class AidProgramApi(AidModelApi):
    resource_name = "program"
    datamodel = AidInterface(AidProgram)
    list_columns = show_columns = ["id", "name", "kind", "stages", "standard_amount", "period", "funding_source",
                                   *ELIGIBILITY_COLUMNS, "active"]
    add_columns = edit_columns = ["name", "kind", "stages", "standard_amount", "period", "funding_source",
                                  *ELIGIBILITY_COLUMNS, "active"]
    base_order = ("name", "asc")


class AwardApi(AidModelApi):
    personal_data = True
    resource_name = "award"
    datamodel = AidInterface(Award)
    list_columns = show_columns = ["id", "student.id", "student.name", "school.id", "school.name", "program.id",
                                   "program.name", "semester.id", "amount", "status", "paid_on", "void_reason"]
    add_columns = ["student", "program", "semester", "amount", "over_standard_reason", "card_kind", "card_number",
                   "card_holder"]
    edit_columns = add_columns
    search_columns = ["school", "student", "program", "semester", "status"]
    base_order = ("id", "desc")

    @api_expose("/<int:pk>/void", methods=["POST"])
    @protect()
    @safe
    def void(self, pk):
        """Void an award with a reason (the centre's; an approved award is never deleted).
        ---
        post:
          description: >-
            Body {"void_reason": "..."}. Refused with 422 when the state of the award does not allow it
            (already voided, or waiting in a payment batch sent to the bank) or the reason is missing.
          parameters:
          - in: path
            name: pk
            required: true
            schema: {type: integer}
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    void_reason: {type: string}
          responses:
            200: {description: The award after voiding}
            400: {description: No JSON object in the body}
            403: {description: Not allowed}
            404: {description: Not found}
            422: {description: Refused, with the reason per field}
        """
        def void(award, body):
            reason = body.get("void_reason")
            transition(award, "void", current_roles(), user=g.user, reason=reason if isinstance(reason, str) else None)

        return self.take_step(pk, void, shown=("void_reason",))
