"""投诉举报 screens and API: intake, the handling steps, the complainant's identity, the figures.

The views only collect input and show results: which step is allowed, what it
needs, who may see the complainant are all decided in app/rules/complaints.py.
"""
from datetime import date

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.api import expose as api_expose
from flask_appbuilder.api import protect, safe
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget, BS3TextFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField

from app.extensions import db
from app.kpi.complaints import complaint_figures
from app.models.complaints import ACCOUNTABILITY, COMPLAINT_KINDS, FINDINGS, HANDLERS, STEP_ACTIONS, Complaint
from app.rules.complaints import (
    ACTION_FIELDS, available_actions, check_complaint, closing_deadline, due_date, is_overdue, may_edit, may_see_identity,
    record_identity_read, supervisors, transition,
)
from app.views.steps import record_or_404, run_step
from app.views.base import AidInterface, AidModelApi, AidModelView, choice_field, current_roles
from app.views.records import grouped
from app import clock

COMPLAINT_LABELS = {
    "number": _l("Number"), "origin": _l("Registered by"), "channel": _l("Channel"), "kind": _l("Kind"),
    "received_at": _l("Received at"), "anonymous": _l("Anonymous"), "complainant_name": _l("Complainant"),
    "complainant_contact": _l("Complainant's contact"), "school": _l("School concerned"), "subject": _l("Subject"),
    "content": _l("What the complainant said"), "registered_by": _l("Registered by (user)"), "status": _l("State"),
    "handler": _l("Investigated by"), "assignee": _l("Supervisor in charge"), "findings": _l("Investigation findings"),
    "result": _l("Result"), "rectification_demand": _l("Rectification required"),
    "rectification_done": _l("What the school did"), "reply": _l("Reply to the complainant"),
    "accountability": _l("Accountability"), "accountable_persons": _l("Held to account"), "closed_at": _l("Closed at"),
    "due_on": _l("Due by"), "overdue_label": _l("Overdue"), "stage_since": _l("In this state since"),
}
ACTION_BUTTONS = {
    "submit": _l("Submit to the leader"), "approve": _l("Approve"), "return": _l("Return"),
    "assign": _l("Hand over for investigation"), "find": _l("Record the investigation"),
    "rectify": _l("Record the rectification"), "close": _l("Close the case"), "answer": _l("Answer and close"),
}
CONFIDENTIAL = _l("Confidential: only the county centre, leaders, supervisors and the school that registered it "
                  "see it; every look is recorded.")


def _step_form(action, complaint):
    """The fields the step asks for (the rules decide what is required)."""
    fields = {"comment": TextAreaField(_l("Comment"), widget=BS3TextAreaFieldWidget())}
    for name in ACTION_FIELDS[action]:
        if name == "comment":
            fields["comment"] = TextAreaField(_l("Reason"), widget=BS3TextAreaFieldWidget())
        elif name == "handler":
            fields[name] = choice_field(COMPLAINT_LABELS["handler"], HANDLERS, required=False, validate_choice=False)
        elif name == "assignee_id":
            fields[name] = SelectField(COMPLAINT_LABELS["assignee"], validate_choice=False,
                                       choices=[("", "—")] + [(str(u.id), f"{u.first_name}{u.last_name}".strip() or u.username)
                                                              for u in supervisors(db.session)])
        elif name == "result":
            fields[name] = choice_field(COMPLAINT_LABELS["result"], FINDINGS, required=False, validate_choice=False)
        elif name == "accountability":
            fields[name] = choice_field(COMPLAINT_LABELS["accountability"], ACCOUNTABILITY, required=False, validate_choice=False)
        elif name == "accountable_persons":
            fields[name] = StringField(COMPLAINT_LABELS[name], widget=BS3TextFieldWidget(),
                                       description=_l("Who, and in what post."))
        else:
            fields[name] = TextAreaField(COMPLAINT_LABELS[name], widget=BS3TextAreaFieldWidget())
    form_cls = type("ComplaintStepForm", (DynamicForm,), fields)
    form = form_cls(data={"result": complaint.result} if complaint.result else None)
    return form


# Shown with each complaint in the list, on its page, in the export and on the home page
# (app/models/complaints.py names them): the current step's deadline and 逾期 once it passed.
Complaint.due_on.computed_by(due_date)


@Complaint.overdue_label.computed_by
def _overdue_label(complaint):
    return str(_l("Overdue")) if is_overdue(complaint) else ""


class ComplaintView(AidModelView):
    datamodel = AidInterface(Complaint)
    list_title = _l("Complaints and consultations")
    show_title = _l("Complaint")
    add_title = _l("Register a complaint or consultation")
    edit_title = _l("Correct the registration")
    label_columns = COMPLAINT_LABELS
    list_columns = ["number", "received_at", "kind", "channel", "school", "subject", "status", "due_on", "overdue_label"]
    show_columns = ["number", "origin", "kind", "channel", "received_at", "school", "subject", "content", "registered_by",
                    "status", "stage_since", "due_on", "handler", "assignee", "findings", "result",
                    "rectification_demand", "rectification_done", "reply", "accountability", "accountable_persons",
                    "closed_at"]
    show_fieldsets = grouped(show_columns, (_l("Registration"), ["number", "origin", "kind", "channel", "received_at", "school",
                                                             "subject", "content", "registered_by"]),
                             (_l("Handling"), ["status", "stage_since", "due_on", "handler", "assignee"]),
                             (_l("Investigation and outcome"), ["findings", "result", "rectification_demand",
                                                                "rectification_done", "reply", "accountability",
                                                                "accountable_persons", "closed_at"]))
    add_columns = edit_columns = ["kind", "channel", "received_at", "school", "anonymous", "complainant_name",
                                  "complainant_contact", "subject", "content"]
    # never the complainant: a search by name would tell who complained
    search_columns = ["school", "kind", "channel", "status", "origin", "result", "received_at", "subject"]
    order_columns = ["received_at", "status"]
    base_order = ("received_at", "desc")
    show_template = "aid/complaint_show.html"
    rule_check = staticmethod(check_complaint)
    formatters_columns = {"due_on": lambda v: v.isoformat() if v else ""}
    description_columns = {
        "complainant_name": CONFIDENTIAL,
        "school": _l("The school the complaint or question is about; leave empty for a question about policy."),
        "received_at": _l("When the call, letter or visit came in."),
    }
    add_form_extra_fields = {"content": TextAreaField(COMPLAINT_LABELS["content"], widget=BS3TextAreaFieldWidget())}
    edit_form_extra_fields = add_form_extra_fields
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_export", "can_step", "can_identity"]

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        complaint = record_or_404(self, pk)
        if not may_edit(complaint, current_roles()):
            flash(_l("This registration can no longer be corrected by you."), "warning")
            return redirect(url_for("ComplaintView.show", pk=pk))
        if request.method == "GET" and (complaint.complainant_name or complaint.complainant_contact):
            record_identity_read(complaint, g.user, "edit", db.session)
            db.session.commit()  # not a step: the record of who read the complainant, kept before the form shows it
        widgets = self._edit(pk)
        if not widgets:
            return self.post_edit_redirect()
        return self.render_template(self.edit_template, title=self.edit_title, widgets=widgets,
                                    related_views=self._related_views)

    def record_controls(self, complaint):
        """The record page's 编辑 only while this user may still correct the registration."""
        return {"edit"} if may_edit(complaint, current_roles()) else set()

    def render_template(self, template, **kwargs):
        if template == self.show_template and "pk" in kwargs:
            complaint = self.datamodel.get(kwargs["pk"])
            roles = current_roles()
            kwargs.update(
                complaint=complaint,
                actions=[(a, ACTION_BUTTONS[a]) for a in available_actions(complaint, roles, g.user.id)],
                can_reveal=may_see_identity(complaint, roles) and not complaint.anonymous,
                editable=may_edit(complaint, roles),
                closing_deadline=closing_deadline(complaint),
                reads=complaint_reads(complaint) if set(roles) & {"AidCenter", "Admin"} else None,
                csrf_form=DynamicForm(),
            )
        return super().render_template(template, **kwargs)

    @expose("/step/<pk>/<action>", methods=["GET", "POST"])
    @has_access
    def step(self, pk, action):
        """One handling step: a small form with what the step needs."""
        complaint = record_or_404(self, pk)
        if action not in ACTION_FIELDS:
            abort(404)
        form = _step_form(action, complaint)
        errors = {}
        if request.method == "POST":
            if not form.validate():
                abort(400)
            done, error = run_step(
                lambda: transition(complaint, action, current_roles(), db.session, user=g.user,
                                   data={k: f.data for k, f in form._fields.items() if k != "csrf_token"}),
                _l("Done: %(step)s.", step=STEP_ACTIONS.label(action)), url_for("ComplaintView.show", pk=complaint.id))
            if done:
                return done
            errors = error.errors
            complaint = self.datamodel.get(pk)
        elif action not in available_actions(complaint, current_roles(), g.user.id):
            flash(_l("Your role may not take this step for this complaint."), "warning")
            return redirect(url_for("ComplaintView.show", pk=complaint.id))
        return self.render_template("aid/complaint_step.html", complaint=complaint, form=form, errors=errors,
                                    action=action, title=ACTION_BUTTONS[action])

    @expose("/identity/<pk>", methods=["POST"])
    @has_access
    def identity(self, pk):
        """Show the complainant's identity to someone allowed to see it, and record that they did."""
        complaint = record_or_404(self, pk)
        if not DynamicForm().validate():
            abort(400)
        if not may_see_identity(complaint, current_roles()):
            abort(403)
        record_identity_read(complaint, g.user, "show", db.session)
        db.session.commit()  # not a step: the record of who read the complainant, kept before the page shows it
        return self.render_template("aid/complaint_identity.html", complaint=complaint, title=_l("The complainant"),
                                    now=clock.now().strftime("%Y-%m-%d %H:%M"))


def complaint_reads(complaint):
    from sqlalchemy import select

    from app.models.complaints import IdentityRead

    return db.session.scalars(select(IdentityRead).where(IdentityRead.complaint_id == complaint.id)
                              .order_by(IdentityRead.at.desc())).all()


class ComplaintFiguresView(BaseView):
    route_base = "/complaints"
    default_view = "figures"

    @expose("/figures/")
    @has_access
    def figures(self):
        today = date.today()
        year = request.args.get("year", type=int) or today.year
        return self.render_template("aid/complaint_figures.html", f=complaint_figures(db.session, year, today=today),
                                    year=year, kinds=list(COMPLAINT_KINDS),
                                    title=_l("Complaint figures"))


class ComplaintApi(AidModelApi):
    """Complaints over the API: the complainant only through /identity, and only to those allowed."""

    resource_name = "complaint"
    datamodel = AidInterface(Complaint)
    list_columns = show_columns = ["id", "origin", "kind", "channel", "received_at", "anonymous", "school.id",
                                   "school.name", "subject", "content", "status", "stage_since", "handler",
                                   "assignee.id", "findings", "result", "rectification_demand", "rectification_done",
                                   "reply", "accountability", "accountable_persons", "closed_at"]
    add_columns = edit_columns = ["kind", "channel", "received_at", "school", "anonymous", "complainant_name",
                                  "complainant_contact", "subject", "content"]
    search_columns = ["school", "kind", "channel", "status", "origin", "result", "received_at", "subject"]
    optional_columns = ("school", "received_at", "anonymous", "complainant_name", "complainant_contact")
    base_order = ("received_at", "desc")

    def put_headless(self, pk):
        if self._out_of_range(pk):
            return self.response_404()
        complaint = self.datamodel.get(pk, self._base_filters)
        if complaint is not None and not may_edit(complaint, current_roles()):
            return self.response_422(message={"status": str(_l("This registration can no longer be corrected by you."))})
        return super().put_headless(pk)

    def response(self, code, **kwargs):
        """The answer to a POST or a PUT echoes the record: the complainant is left out of it (only
        /identity gives it, to those allowed, and records the read)."""
        result = kwargs.get("result")
        if isinstance(result, dict):
            result.pop("complainant_name", None)
            result.pop("complainant_contact", None)
        return super().response(code, **kwargs)

    @api_expose("/<int:pk>/step", methods=["POST"])
    @protect()
    @safe
    def step(self, pk):
        """Take a handling step.
        ---
        post:
          description: >-
            Body {"action": "submit|approve|return|assign|find|rectify|close|answer", "comment": "...", and the
            fields the step needs}. Refused with 422 when the state or the role does not allow it.
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
                    action: {type: string}
                    comment: {type: string}
          responses:
            200: {description: The complaint after the step}
            400: {description: No JSON object in the body}
            404: {description: Not found}
            422: {description: Refused, with the reason per field}
        """
        return self.take_step(pk, lambda complaint, body: transition(
            complaint, body.get("action"), current_roles(), db.session, user=g.user, data=body))

    @api_expose("/<int:pk>/identity", methods=["GET"])
    @protect()
    @safe
    def identity(self, pk):
        """The complainant's name and contact, for those allowed; every read is recorded.
        ---
        get:
          parameters:
          - in: path
            name: pk
            required: true
            schema: {type: integer}
          responses:
            200: {description: name and contact}
            403: {description: Not allowed to see the complainant}
            404: {description: Not found}
        """
        complaint = None if self._out_of_range(pk) else self.datamodel.get(pk, self._base_filters)
        if complaint is None:
            return self.response_404()
        if not may_see_identity(complaint, current_roles()):
            return self.response_403()
        record_identity_read(complaint, g.user, "api", db.session)
        db.session.commit()  # not a step: the record of who read the complainant, kept before the answer gives it
        return self.response(200, anonymous=complaint.anonymous, name=complaint.complainant_name,
                             contact=complaint.complainant_contact)
