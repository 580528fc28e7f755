"""Transfers between two schools of the county.

学生转入申请: a school files, the county centre moves the pupil or returns the request.
转出到本县学校: the sending school files, the receiving school accepts or declines (the centre may too).
The rules and the move are in app/rules/transfers.py; these pages parse, call and show.
"""
from flask import abort, g, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.api import expose as api_expose, protect, safe
from flask_appbuilder.forms import DynamicForm
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired

from app import clock
from app.extensions import db
from app.models import School, SchoolTransfer, Student, TransferRequest
from app.models.choices import GENDERS
from app.models.student import HANDOVER_STATUSES
from app.rules import RuleError
from app.rules.transfers import (
    accept, approve, check_transfer, decline, file_handover, pending_incoming, registered_pupil, return_request,
    withdraw,
)
from app.security.scope import current_school_scope, unscoped
from app.views.pupil_status import school_names
from app.views.base import AidInterface, AidModelApi, AidModelView, current_roles
from app.views.steps import record_or_404, run_and_return, run_step
from app.views.basic import grade_field

LABELS = {
    "school": _l("Requesting school"), "id_number": _l("ID number"), "name": _l("Name"), "grade": _l("Grade"),
    "class_name": _l("Class"), "reason": _l("Reason"), "status": _l("Status"), "answer": _l("The centre's answer"),
    "decided_by": _l("Decided by"), "decided_at": _l("Decided at"), "created_at": _l("Filed at"),
    "student": _l("Student"),
}


class AnswerForm(DynamicForm):
    answer = TextAreaField()


class TransferRequestView(AidModelView):
    personal_data = True
    datamodel = AidInterface(TransferRequest)
    list_title = _l("Transfer requests")
    show_title = _l("Transfer request")
    add_title = _l("Request a pupil's transfer to this school")
    edit_title = _l("Edit transfer request")
    show_template = "aid/transfer_show.html"
    label_columns = LABELS
    list_columns = ["name", "id_number", "school", "grade", "class_name", "status", "created_at", "decided_at"]
    show_columns = ["school", "name", "id_number", "grade", "class_name", "reason", "status", "answer",
                    "decided_by", "decided_at", "created_at"]
    add_columns = edit_columns = ["school", "id_number", "name", "grade", "class_name", "reason"]
    search_columns = ["school", "name", "status", "grade"]
    order_columns = ["name", "status", "created_at", "decided_at"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_approve", "can_return_form"]
    description_columns = {
        "school": _l("The school the pupil has come to."),
        "id_number": _l("The pupil's ID number, as on the ID card or household register."),
        "grade": _l("The grade the pupil joins at this school, for example 八年级."),
        "class_name": _l("The class the pupil joins at this school."),
        "reason": _l("For example: the family moved to the town in August; enrolled here on 1 September."),
    }
    rule_check = staticmethod(lambda probe: check_transfer(probe, db.session))
    add_form_extra_fields = edit_form_extra_fields = {
        "grade": grade_field(LABELS["grade"], _l("The grade the pupil joins at this school, for example 八年级."),
                             graduated=False),
    }

    def render_template(self, template_name, **kwargs):
        if template_name == self.show_template and "pk" in kwargs:
            item = self.datamodel.get(kwargs["pk"])
            may_decide = item.status == "pending" and self.appbuilder.sm.has_access(
                "can_approve", self.class_permission_name)
            kwargs.update(transfer=item, csrf_form=AnswerForm(), may_decide=may_decide,
                          current=registered_pupil(db.session, item) if may_decide else None)
        return super().render_template(template_name, **kwargs)

    @expose("/approve/<pk>", methods=["POST"])
    @has_access
    def approve(self, pk):
        """转入: the pupil's record moves to the requesting school."""
        item = record_or_404(self, pk)
        return run_and_return(lambda: approve(item, db.session, current_roles(), user=g.user),
                              _l("The pupil now belongs to the requesting school, with its records."),
                              url_for("TransferRequestView.show", pk=item.id))

    @expose("/return/<pk>", methods=["GET", "POST"])
    @has_access
    def return_form(self, pk):
        """退回, with the reason the school reads."""
        item = record_or_404(self, pk)
        form, error = AnswerForm(), None
        if request.method == "POST" and form.validate():
            done, error = run_step(lambda: return_request(item, db.session, current_roles(), form.answer.data,
                                                          user=g.user),
                                   _l("The request was returned to the school."),
                                   url_for("TransferRequestView.show", pk=item.id))
            if done:
                return done
            error = str(error)
        return self.render_template("aid/transfer_return.html", transfer=item, form=form, error=error,
                                    title=_l("Return the request"))


# ---- 转出到本县学校: the sending school files, the receiving school accepts or declines -----------------

HANDOVER_LABELS = {
    "school_id": _l("Sending school"), "to_school_id": _l("Receiving school"), "name": _l("Name"),
    "gender": _l("Gender"), "grade": _l("Grade"), "id_number_masked": _l("ID number"), "status": _l("Status"),
    "left_on": _l("Date of leaving"), "reason": _l("Reason"), "joined_grade": _l("Grade joined"),
    "joined_class": _l("Class joined"), "answer": _l("The receiving school's answer"),
    "decided_by": _l("Answered by"), "decided_at": _l("Answered at"), "created_at": _l("Filed at"),
}


def _school_name(school_id):
    return school_names().get(school_id, "")


class StartForm(DynamicForm):
    to_school = SelectField(_l("Receiving school"), coerce=int, validators=[InputRequired()])
    left_on = DateField(_l("Date of leaving"), validators=[InputRequired()])
    reason = TextAreaField(_l("Reason"))


class AcceptForm(DynamicForm):
    joined_grade = SelectField(_l("Grade joined"))
    joined_class = StringField(_l("Class joined"))


class TransferHandoverView(AidModelView):
    """本县转学: the transfers a school filed (转出) and those waiting for it (转入); the centre sees all."""

    datamodel = AidInterface(SchoolTransfer)
    list_title = _l("Transfers within the county")
    show_title = _l("Transfer within the county")
    show_template = "aid/school_transfer_show.html"
    label_columns = HANDOVER_LABELS
    list_columns = ["name", "gender", "grade", "id_number_masked", "school_id", "to_school_id", "status", "created_at"]
    # what both schools may read: the pupil as the receiving school recognises it, and the answer
    show_columns = ["name", "gender", "grade", "id_number_masked", "school_id", "to_school_id", "status",
                    "joined_grade", "joined_class", "answer", "decided_at", "created_at"]
    search_columns = ["name", "status"]
    order_columns = ["name", "status", "created_at"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_start", "can_accept", "can_decline", "can_withdraw",
                        "can_incoming"]
    formatters_columns = {"school_id": _school_name, "to_school_id": _school_name,
                          "status": lambda v: HANDOVER_STATUSES.label(v), "gender": lambda v: GENDERS.label(v)}

    def render_template(self, template_name, **kwargs):
        if template_name == self.show_template and "pk" in kwargs:
            item = self.datamodel.get(kwargs["pk"])
            scope = current_school_scope()
            sending = scope is None or scope == item.school_id
            may = lambda perm: self.appbuilder.sm.has_access(perm, self.class_permission_name)  # noqa: E731
            pending = item.status == "pending"
            answering = pending and (scope is None or scope == item.to_school_id)
            form = AcceptForm()
            form.joined_grade.choices = _grade_choices(item.to_school_id)
            kwargs.update(transfer=item, sending=sending, csrf_form=DynamicForm(), accept_form=form,
                          may_answer=answering and may("can_accept"),
                          may_withdraw=pending and sending and may("can_withdraw"),
                          names=school_names())
        return super().render_template(template_name, **kwargs)

    def _run(self, pk, step, done):
        """One step from the transfer's page (a third school's transfer is not found, through the scope);
        back to the page with what happened, or why not. The page is named by ``pk``: accepting lets go
        of every record the request read (app/security/scope.py ``county_step``)."""
        item = record_or_404(self, pk)
        return run_and_return(lambda: step(item), done, url_for("TransferHandoverView.show", pk=pk))

    @expose("/start/<int:student_id>", methods=["GET", "POST"])
    @has_access
    def start(self, student_id):
        """转出到本县学校, from the pupil's page."""
        pupil = db.session.get(Student, student_id)  # within the scope: another school's pupil is None
        if pupil is None:
            abort(404)
        form = StartForm()
        form.to_school.choices = [(sid, name) for sid, name in _county_schools() if sid != pupil.school_id]
        if request.method == "GET":
            form.left_on.data = clock.today()
        error = None
        if request.method == "POST" and form.validate():
            done, error = run_step(
                lambda: file_handover(db.session, pupil, form.to_school.data, form.left_on.data, form.reason.data,
                                      user=g.user),
                lambda transfer: _l("The transfer is filed: %(school)s sees it among its incoming pupils and accepts "
                                    "or declines it.", school=_school_name(transfer.to_school_id)),
                lambda transfer: url_for("TransferHandoverView.show", pk=transfer.id))
            if done:
                return done
            error = str(error)
        return self.render_template("aid/school_transfer_start.html", student=pupil, form=form, error=error,
                                    title=_l("Transfer to a school of the county"))

    @expose("/accept/<int:pk>", methods=["POST"])
    @has_access
    def accept(self, pk):
        form = AcceptForm()
        return self._run(pk, lambda item: accept(item, db.session, current_roles(), form.joined_grade.data,
                                                 form.joined_class.data, user=g.user),
                         _l("The pupil now belongs to this school, with its records."))

    @expose("/withdraw/<int:pk>", methods=["POST"])
    @has_access
    def withdraw(self, pk):
        return self._run(pk, lambda item: withdraw(item, db.session, current_roles(), user=g.user),
                         _l("The transfer is withdrawn: the pupil stays at this school."))

    @expose("/decline/<int:pk>", methods=["GET", "POST"])
    @has_access
    def decline(self, pk):
        """拒收, with the reason the sending school reads."""
        item = record_or_404(self, pk)
        form, error = AnswerForm(), None
        if request.method == "POST" and form.validate():
            done, error = run_step(lambda: decline(item, db.session, current_roles(), form.answer.data, user=g.user),
                                   _l("The transfer is declined: the sending school reads your reason."),
                                   url_for("TransferHandoverView.show", pk=pk))
            if done:
                return done
            error = str(error)
        return self.render_template("aid/school_transfer_decline.html", transfer=item, form=form, error=error,
                                    names=school_names(), title=_l("Decline the transfer"))

    @expose("/incoming/")
    @has_access
    def incoming(self):
        """待接收的转入学生: the transfers waiting for the user's school (all waiting ones for the centre)."""
        if current_school_scope() is None:
            rows = db.session.scalars(select(SchoolTransfer).where(SchoolTransfer.status == "pending")
                                      .order_by(SchoolTransfer.created_at)).all()
        else:
            rows = pending_incoming(db.session)
        return self.render_template("aid/school_transfer_incoming.html", rows=rows, names=school_names(),
                                    title=_l("Incoming pupils to accept"))


def _county_schools():
    return db.session.execute(select(School.id, School.name).where(School.active.is_(True))
                              .order_by(School.code).execution_options(**unscoped())).all()


def _grade_choices(school_id):
    from app.rules.grades import grades_for_stage

    stage = db.session.execute(select(School.stage).where(School.id == school_id)
                               .execution_options(**unscoped())).scalar()
    return [(grade, grade) for grade in grades_for_stage(stage)]


class TransferHandoverApi(AidModelApi):
    """本县转学 over the API: what both schools read; the sending school files (``student``,
    ``to_school``, ``left_on``, ``reason``); every answer is a step (``/<pk>/step``), never a PUT."""

    resource_name = "school_transfer"
    datamodel = AidInterface(SchoolTransfer)
    base_permissions = ["can_get", "can_info", "can_post", "can_step"]
    # each answer names both schools too ("school": the sending one, "to_school": the receiving one), from
    # the county's list of names: each school's scope hides the other school's record (pre_get below)
    list_columns = show_columns = ["id", "name", "gender", "grade", "id_number_masked", "status", "joined_grade",
                                   "joined_class", "answer", "created_at", "decided_at"]
    add_columns = edit_columns = ["student", "to_school", "left_on", "reason"]
    search_columns = ["name", "status"]
    order_columns = ["id", "name", "status", "created_at"]
    base_order = ("id", "desc")

    def _init_model_schemas(self):
        """``to_school`` takes the id of any school of the county (the sending school cannot see the
        receiving school's record, and needs none): the rules check that it is one."""
        from marshmallow import fields

        super()._init_model_schemas()
        for schema in (self.add_model_schema, self.edit_model_schema):
            field = fields.Integer(required=True, strict=True, attribute="to_school_id", data_key="to_school")
            field._bind_to_schema("to_school", schema)
            schema.fields["to_school"] = schema.load_fields["to_school"] = schema.declared_fields["to_school"] = field

    def _name_schools(self, items, ids):
        rows = {pk: (school, to) for pk, school, to in db.session.execute(
            select(SchoolTransfer.id, SchoolTransfer.school_id, SchoolTransfer.to_school_id)
            .where(SchoolTransfer.id.in_(ids)))} if ids else {}
        names = school_names()
        for item, pk in zip(items, ids):
            school, to = rows.get(pk, (None, None))
            item["school"], item["to_school"] = names.get(school), names.get(to)

    def pre_get(self, data):
        self._name_schools([data["result"]], [data["id"]])

    def pre_get_list(self, data):
        self._name_schools(data["result"], data["ids"])

    @api_expose("/<int:pk>/step", methods=["POST"])
    @protect()
    @safe
    def step(self, pk):
        """Answer or withdraw a transfer.
        ---
        post:
          description: >-
            Body {"action": "accept", "joined_grade": "...", "joined_class": "..."} (the receiving school),
            {"action": "decline", "answer": "..."} (the receiving school) or {"action": "withdraw"} (the sending
            school). Refused with 422 when the state or the school does not allow it.
          parameters:
          - in: path
            name: pk
            required: true
            schema: {type: integer}
          responses:
            200: {description: The transfer after the step}
            400: {description: No JSON object in the body}
            404: {description: Not found}
            422: {description: Refused, with the reason per field}
        """
        def run(transfer, body):
            roles = current_roles()
            steps = {
                "accept": lambda: accept(transfer, db.session, roles, _text(body.get("joined_grade")),
                                         _text(body.get("joined_class")), user=g.user),
                "decline": lambda: decline(transfer, db.session, roles, _text(body.get("answer")), user=g.user),
                "withdraw": lambda: withdraw(transfer, db.session, roles, user=g.user),
            }
            if body.get("action") not in steps:
                raise RuleError({"action": _l("Not a valid choice")})
            steps[body.get("action")]()

        return self.take_step(pk, run)


def _text(value):
    return value if isinstance(value, str) else None
