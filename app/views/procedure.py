"""认定程序 screens and API: applications, the panel's and the school's steps, the 公示, the filing.

The views parse, call one rule of app/rules/procedure.py and show the result; which step whom
and when is decided there.  Every record is loaded through the ORM, so the school scope applies:
another school's application, notice or evidence file is not found (404).
"""
from datetime import date

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.api import expose as api_expose
from flask_appbuilder.api import protect, safe
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget, DatePickerWidget
from flask_appbuilder.forms import DynamicForm
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from app import clock
from app.files import storage
from app.extensions import db
from app.models import Identification, IdentificationApplication, IdentificationNotice, School
from app.models.choices import DIFFICULTY_LEVELS
from app.models.identification import CATEGORIES
from app.models.procedure import FACTORS, REVIEW_DECISIONS, ApplicationEvidence, FamilyMember, NoticeObjection
from app.rules import RuleError
from app.rules import procedure as rules
from app.rules.identification import school_year_of
from app.security.scope import current_school_scope
from app.views.steps import ReasonForm, record_or_404, run_and_return, run_step
from app.views.base import AidInterface, AidModelApi, AidModelView, choice_field, current_roles
from app.views.fields import pupil_field, student_from_link
from app.views.filters import FilterStudentNameOrIdNumber
from app.views.records import grouped

LABELS = {**rules.APPLICATION_LABELS, "school": _l("School"), "categories_label": _l("Special groups"),
          "level_label": _l("Difficulty level"), "student.name": _l("Student")}
# Evidence files: certificates and photos (the same checks as every upload, app/files/uploads.py).
EVIDENCE_TYPES = {".pdf", ".jpg", ".jpeg", ".png"}
STEP_TITLES = {"assess": _l("Record the class panel's assessment"), "review": _l("Record the school's review")}


def _step_form(action, application):
    if action == "assess":
        fields = {
            "panel_members": TextAreaField(LABELS["panel_members"], widget=BS3TextAreaFieldWidget(),
                                           description=_l("The class teacher and the pupils' and parents' "
                                                          "representatives who sat on it.")),
            "assessed_on": DateField(LABELS["assessed_on"], widget=DatePickerWidget(), default=clock.today,
                                     validators=[Optional()]),
            "proposed_level": choice_field(LABELS["proposed_level"], DIFFICULTY_LEVELS, required=False,
                                           validate_choice=False),
            "assessment_notes": TextAreaField(LABELS["assessment_notes"], widget=BS3TextAreaFieldWidget()),
        }
    else:
        fields = {
            "review_decision": choice_field(LABELS["review_decision"], REVIEW_DECISIONS, required=False,
                                            validate_choice=False),
            "final_level": choice_field(_l("Level identified (when changed)"), DIFFICULTY_LEVELS, required=False,
                                        validate_choice=False),
            "review_reason": TextAreaField(LABELS["review_reason"], widget=BS3TextAreaFieldWidget(),
                                           description=_l("Required to change the level or to reject.")),
        }
    return type("ProcedureStepForm", (DynamicForm,), fields)()


class MemberForm(DynamicForm):
    relation = StringField(_l("Relation"), validators=[InputRequired()])
    name = StringField(_l("Name"), validators=[InputRequired()])
    age = StringField(_l("Age"))
    occupation = StringField(_l("Work or school"))
    yearly_income = StringField(_l("Yearly income (yuan)"))


class EvidenceForm(DynamicForm):
    file = FileField(_l("Certificate or photo (.pdf .jpg .png)"))
    description = StringField(_l("What it shows"))


class IdentificationApplicationView(AidModelView):
    personal_data = True
    datamodel = AidInterface(IdentificationApplication)
    list_title = _l("Identification applications")
    show_title = _l("Identification application")
    add_title = _l("Enter an identification application")
    edit_title = _l("Correct the application")
    show_template = "aid/application_show.html"
    label_columns = LABELS
    list_columns = ["student", "school", "school_year", "applied_on", "level_requested", "status", "final_level",
                    "mid_year"]
    show_columns = ["student", "school", "school_year", "applied_on", "mid_year", "categories_label",
                    *[f for f, _ in FACTORS], "level_requested", "statement", "status", "panel_members", "assessed_on",
                    "proposed_level", "assessment_notes", "review_decision", "final_level", "review_reason",
                    "reviewed_on", "notice", "return_reason"]
    show_fieldsets = grouped(show_columns, (_l("The application"), ["student", "school", "school_year", "applied_on", "mid_year",
                                                                "categories_label", *[f for f, _ in FACTORS],
                                                                "level_requested", "statement"]),
                             (_l("Assessment and review"), ["status", "panel_members", "assessed_on", "proposed_level",
                                                            "assessment_notes", "review_decision", "final_level",
                                                            "review_reason", "reviewed_on"]),
                             (_l("Publication"), ["notice", "return_reason"]))
    add_columns = edit_columns = ["student", "school_year", "applied_on", "mid_year", *[c for c, _, _ in CATEGORIES],
                                  *[f for f, _ in FACTORS], "level_requested", "statement"]
    search_columns = ["school", "student", "school_year", "status", "level_requested", "final_level", "mid_year"]
    order_columns = ["school_year", "applied_on", "status"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_export", "can_step", "can_member",
                        "can_evidence", "can_file", "can_pdf"]
    method_permission_name = {**AidModelView.method_permission_name, "member_delete": "member"}
    text_search_relations = {"student": FilterStudentNameOrIdNumber}
    rule_check = staticmethod(lambda probe: rules.check_application(probe, db.session))
    description_columns = {
        "cat_registered_poor": _l("特殊群体因素: a category the departments' lists verify lets the school review at once, "
                                  "without the class panel."),
        "mid_year": _l("A new hardship during the year (illness, disaster): 动态调整."),
        "statement": _l("In the family's words: why it applies (the form's 家庭经济困难情况陈述)."),
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "student": pupil_field(LABELS["student"], default=student_from_link),
        "school_year": StringField(LABELS["school_year"], validators=[InputRequired()],
                                   default=lambda: school_year_of(clock.today()),
                                   description=_l("For example 2021-2022.")),
        "applied_on": DateField(LABELS["applied_on"], validators=[InputRequired()], widget=DatePickerWidget(),
                                default=clock.today),
        **{f: TextAreaField(label, widget=BS3TextAreaFieldWidget()) for f, label in FACTORS},
        "statement": TextAreaField(LABELS["statement"], widget=BS3TextAreaFieldWidget(), validators=[InputRequired()],
                                   description=_l("In the family's words: why it applies (the form's "
                                                  "家庭经济困难情况陈述).")),
    }

    def render_template(self, template, **kwargs):
        if template == self.show_template and "pk" in kwargs:
            application = self.datamodel.get(kwargs["pk"])
            if application is not None:
                has = self.appbuilder.sm.has_access
                kwargs.update(
                    application=application,
                    actions=[(a, STEP_TITLES[a]) for a in rules.available_actions(db.session, application, current_roles())]
                    if has("can_step", self.class_permission_name) else [],
                    verified=rules.verified_categories(db.session, application.student_id, application.school_year),
                    member_form=MemberForm() if application.status in rules.EDITABLE and has("can_member", self.class_permission_name) else None,
                    evidence_form=EvidenceForm() if application.status in rules.EVIDENCE_OPEN and has("can_evidence", self.class_permission_name) else None,
                    csrf_form=DynamicForm(),
                    income=sum((m.yearly_income or 0 for m in application.members), 0),
                    category_labels=dict((n, lbl) for n, lbl, _ in CATEGORIES),
                    factors=[(f, label, getattr(application, f)) for f, label in FACTORS],
                )
        return super().render_template(template, **kwargs)

    def _load(self, pk):
        return record_or_404(self, pk)  # through the school scope

    @staticmethod
    def _page(application):
        return url_for("IdentificationApplicationView.show", pk=application.id)

    def _back(self, application):
        return redirect(self._page(application))

    def _commit(self, call, done, application):
        return run_and_return(call, done, self._page(application))

    @expose("/step/<int:pk>/<action>", methods=["GET", "POST"])
    @has_access
    def step(self, pk, action):
        """评议 or 审核: a small form with what the step asks for."""
        application = self._load(pk)
        if action not in rules.ACTIONS:
            abort(404)
        form = _step_form(action, application)
        errors = {}
        if request.method == "POST":
            if not form.validate():
                abort(400)
            data = {k: f.data for k, f in form._fields.items() if k != "csrf_token"}
            done, error = run_step(lambda: rules.take_step(db.session, application, action, data, current_roles()),
                                   _l("Done: %(step)s.", step=STEP_TITLES[action]), self._page(application))
            if done:
                return done
            errors = error.errors
            application = self._load(pk)
        elif action not in rules.available_actions(db.session, application, current_roles()):
            flash(_l("This step is not open to you for this application."), "warning")
            return self._back(application)
        return self.render_template("aid/application_step.html", application=application, form=form, errors=errors,
                                    title=STEP_TITLES[action])

    @expose("/member/<int:pk>", methods=["POST"])
    @has_access
    def member(self, pk):
        """A row of the family table."""
        application = self._load(pk)
        form = MemberForm()
        if not form.validate():
            flash(_l("Give the relation and the name of the family member."), "danger")
            return self._back(application)

        def add():
            age = (form.age.data or "").strip()
            if age and not age.isdigit():
                raise RuleError({"age": _l("Enter an age from 0 to 120.")})
            db.session.add(FamilyMember(application=application, school_id=application.school_id,
                                        relation=form.relation.data, name=form.name.data, age=int(age) if age else None,
                                        occupation=(form.occupation.data or "").strip() or None,
                                        yearly_income=rules.money(form.yearly_income.data)))
            db.session.flush()

        return self._commit(add, _l("The family member was added."), application)

    @expose("/member/<int:pk>/delete/<int:member_id>", methods=["POST"])
    @has_access
    def member_delete(self, pk, member_id):
        application = self._load(pk)
        if not DynamicForm().validate():
            abort(400)
        member = db.session.scalar(select(FamilyMember).where(FamilyMember.id == member_id,
                                                              FamilyMember.application_id == application.id))
        if member is None:
            abort(404)
        return self._commit(lambda: (db.session.delete(member), db.session.flush()),
                            _l("The family member was removed."), application)

    @expose("/evidence/<int:pk>", methods=["POST"])
    @has_access
    def evidence(self, pk):
        """A certificate or a photo, checked like every upload and kept outside the web root."""
        application = self._load(pk)
        form = EvidenceForm()
        if not form.validate():
            abort(400)

        def add():
            stored = storage.save_upload(form.file.data, EVIDENCE_TYPES)
            if stored is None:
                raise RuleError({"file": _l("Choose the file to upload.")})
            db.session.add(ApplicationEvidence(application=application, school_id=application.school_id,
                                               path=stored[0], name=stored[1][:200],
                                               description=(form.description.data or "").strip()[:200] or None))
            db.session.flush()

        return self._commit(add, _l("The evidence file was kept."), application)

    @expose("/file/<int:pk>/<int:evidence_id>")
    @has_access
    def file(self, pk, evidence_id):
        """An evidence file, served only with its application (so never to another school)."""
        application = self._load(pk)
        evidence = db.session.scalar(select(ApplicationEvidence).where(
            ApplicationEvidence.id == evidence_id, ApplicationEvidence.application_id == application.id))
        if evidence is None:
            abort(404)
        return storage.send_upload(evidence.path, evidence.name)

    @expose("/pdf/<int:pk>")
    @has_access
    def pdf(self, pk):
        """家庭经济困难学生认定申请表, for the family's signature."""
        from app.reports.documents import print_document
        from app.views.reports import pdf_response

        application = self._load(pk)
        return pdf_response(print_document("identification_application", application),
                            f"认定申请表-{application.student.name}-{application.school_year}.pdf")


class IdentificationNoticeView(AidModelView):
    datamodel = AidInterface(IdentificationNotice)
    list_title = _l("Identification notices")
    show_title = _l("Identification notice")
    show_template = "aid/identification_notice_show.html"
    label_columns = {**rules.NOTICE_STATES.labels, "applications": _l("Pupils listed")}
    list_columns = ["title", "school", "school_year", "starts_on", "ends_on", "status"]
    show_columns = ["title", "school", "school_year", "starts_on", "ends_on", "working_days", "status",
                    "submitted_at", "decided_at", "return_reason"]
    search_columns = ["school", "school_year", "status"]
    order_columns = ["starts_on", "status"]
    base_order = ("starts_on", "desc")
    base_permissions = ["can_list", "can_show", "can_export", "can_publish", "can_objection", "can_answer",
                        "can_submit_filing", "can_accept", "can_return_form", "can_pdf"]

    def render_template(self, template, **kwargs):
        if template == self.show_template and "pk" in kwargs:
            notice = self.datamodel.get(kwargs["pk"])
            if notice is not None:
                has = self.appbuilder.sm.has_access
                kwargs.update(notice=notice, csrf_form=ReasonForm(), today=clock.today(),
                              rows=notice_rows(notice), may=lambda perm: has(perm, self.class_permission_name))
        return super().render_template(template, **kwargs)

    def _load(self, pk):
        return record_or_404(self, pk)

    def _done(self, notice, call, message):
        return run_and_return(call, message, url_for("IdentificationNoticeView.show", pk=notice.id))

    @expose("/publish/", methods=["GET", "POST"])
    @has_access
    def publish(self):
        """公示: the school's reviewed applications of a school year, posted from a day for the county's period."""
        school_id = current_school_scope()
        school = db.session.get(School, school_id) if school_id not in (None, -1) else None
        year = (request.values.get("school_year") or school_year_of(clock.today())).strip()[:9]
        error = None
        if request.method == "POST":
            if school is None:
                abort(403)
            if not DynamicForm().validate():
                abort(400)
            try:
                start = date.fromisoformat(request.form.get("starts_on", "").strip()) if request.form.get("starts_on") else None
            except ValueError:
                start = None
                error = str(_l("Write the date as 2021-09-01."))
            if error is None:
                done, error = run_step(
                    lambda: rules.publish(db.session, school, year, start, request.form.get("title"), current_roles(),
                                          request.form.getlist("application")),
                    lambda notice: _l("The list is published until %(end)s.", end=notice.ends_on.isoformat()),
                    lambda notice: url_for("IdentificationNoticeView.show", pk=notice.id))
                if done:
                    return done
                error = str(error)
        waiting = rules.publishable(db.session, school.id, year) if school is not None else []
        return self.render_template("aid/identification_publish.html", title=_l("Publish the identification list"),
                                    school=school, year=year, waiting=waiting, error=error, csrf_form=DynamicForm(),
                                    today=clock.today())

    @expose("/objection/<int:pk>", methods=["POST"])
    @has_access
    def objection(self, pk):
        notice = self._load(pk)
        if not DynamicForm().validate():
            abort(400)
        data = {"content": request.form.get("content", ""), "received_on": request.form.get("received_on") or None,
                "application_id": request.form.get("application_id") or None}
        return self._done(notice, lambda: rules.record_objection(db.session, notice, data, current_roles()),
                          _l("The objection was recorded."))

    @expose("/answer/<int:pk>/<int:objection_id>", methods=["POST"])
    @has_access
    def answer(self, pk, objection_id):
        notice = self._load(pk)
        if not DynamicForm().validate():
            abort(400)
        objection = db.session.scalar(select(NoticeObjection).where(NoticeObjection.id == objection_id,
                                                                    NoticeObjection.notice_id == notice.id))
        if objection is None:
            abort(404)
        return self._done(notice, lambda: rules.answer_objection(db.session, objection, request.form.get("answer"),
                                                                 current_roles()), _l("The answer was recorded."))

    @expose("/submit/<int:pk>", methods=["POST"])
    @has_access
    def submit_filing(self, pk):
        notice = self._load(pk)
        if not DynamicForm().validate():
            abort(400)
        return self._done(notice, lambda: rules.submit_filing(db.session, notice, current_roles(), g.user),
                          _l("The notice was filed with the county aid centre."))

    @expose("/accept/<int:pk>", methods=["POST"])
    @has_access
    def accept(self, pk):
        notice = self._load(pk)
        if not DynamicForm().validate():
            abort(400)
        return self._done(notice, lambda: rules.accept_filing(db.session, notice, current_roles(), g.user),
                          _l("Filed: the identifications of this list are in force."))

    @expose("/return/<int:pk>", methods=["POST"])
    @has_access
    def return_form(self, pk):
        notice = self._load(pk)
        form = ReasonForm()
        if not form.validate():
            abort(400)
        return self._done(notice, lambda: rules.return_filing(db.session, notice, form.reason.data, current_roles(),
                                                              g.user), _l("The filing was returned to the school."))

    @expose("/pdf/<int:pk>")
    @has_access
    def pdf(self, pk):
        """The list to post: name, class and level only."""
        from app.reports.documents import print_document
        from app.views.reports import pdf_response

        notice = self._load(pk)
        return pdf_response(print_document("identification_notice", notice), f"{notice.title}.pdf")


def notice_rows(notice):
    """What a notice shows of each pupil: name, grade and class, level; nothing else (2017 rule)."""
    return [{"id": a.id, "name": a.student.name, "grade": a.student.grade, "class_name": a.student.class_name,
             "level": DIFFICULTY_LEVELS.label(a.final_level), "status": a.status_label}
            for a in sorted(notice.applications, key=lambda a: (a.student.grade, a.student.class_name, a.student.name))]


class IdentificationProgressView(BaseView):
    """Every school's state of the year's procedure, on one page (the centre's; a school sees its own)."""

    route_base = "/identificationprogress"
    default_view = "show"

    @expose("/")
    @has_access
    def show(self):
        year = (request.args.get("school_year") or school_year_of(clock.today())).strip()[:9]
        rows = rules.school_progress(db.session, year)
        return self.render_template("aid/identification_progress.html", title=_l("Identification procedure by school"),
                                    year=year, rows=rows, labels=dict(rules.PROGRESS),
                                    totals={code: sum(1 for r in rows if r[1] == code) for code, _ in rules.PROGRESS})


class IdentificationEndMixin:
    """动态调整 on the identification's page: the family leaves the list, with a date and a reason."""

    def render_template(self, template, **kwargs):
        if template == getattr(self, "show_template", None) and "pk" in kwargs:
            kwargs.setdefault("ident", self.datamodel.get(kwargs["pk"]))
        return super().render_template(template, **kwargs)

    @expose("/end/<int:pk>", methods=["GET", "POST"])
    @has_access
    def end(self, pk):
        ident = db.session.scalar(select(Identification).where(Identification.id == pk))
        if ident is None:
            abort(404)
        form = ReasonForm()
        error = None
        if request.method == "POST":
            if not form.validate():
                abort(400)
            done, error = run_step(lambda: rules.end_identification(db.session, ident, request.form.get("ended_on"),
                                                                    form.reason.data, current_roles()),
                                   _l("The pupil left the list of identified pupils."),
                                   url_for("IdentificationView.show", pk=ident.id))
            if done:
                return done
            error = str(error)
        return self.render_template("aid/identification_end.html", ident=ident, form=form, error=error,
                                    today=clock.today(), title=_l("The pupil leaves the list"))


class IdentificationApplicationApi(AidModelApi):
    personal_data = True
    resource_name = "identification_application"
    datamodel = AidInterface(IdentificationApplication)
    _intake = ["school_year", "applied_on", "mid_year", *[c for c, _, _ in CATEGORIES], *[f for f, _ in FACTORS],
               "level_requested", "statement"]
    list_columns = show_columns = ["id", "student.id", "student.name", "school.id", "school.name", *_intake, "status",
                                   "panel_members", "assessed_on", "proposed_level", "assessment_notes",
                                   "review_decision", "final_level", "review_reason", "reviewed_on",
                                   "return_reason"]
    add_columns = edit_columns = ["student", *_intake]
    search_columns = ["school", "student", "school_year", "status"]
    order_columns = ["id", "school_year", "applied_on"]
    base_order = ("id", "desc")
    optional_columns = ("mid_year", *[c for c, _, _ in CATEGORIES], *[f for f, _ in FACTORS])

    @api_expose("/<int:pk>/step", methods=["POST"])
    @protect()
    @safe
    def step(self, pk):
        """Take a step of the procedure (评议 or 审核).
        ---
        post:
          description: >-
            Body {"action": "assess", "panel_members": "...", "assessed_on": "2026-09-20", "proposed_level": "difficult"}
            or {"action": "review", "review_decision": "accept|change|reject", "final_level": "...",
            "review_reason": "..."}. Refused with 422 when the state or the role does not allow it.
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
          responses:
            200: {description: The application after the step}
            400: {description: No JSON object in the body}
            404: {description: Not found}
            422: {description: Refused, with the reason per field}
        """
        return self.take_step(pk, lambda application, body: rules.take_step(
            db.session, application, body.get("action"), body, current_roles()))
