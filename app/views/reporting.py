"""信息报送 screens: the centre's tasks and reviews, the officer's to-do list and submissions."""

from flask import abort, g, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.forms import DynamicForm
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import TextAreaField
from wtforms.validators import ValidationError

from app.files import storage
from app.files import uploads
from app.extensions import db
from app.kpi.reporting import reporting_figures
from app.models import ReportTask, Submission
from app.models.choices import STAGES
from app.rules import RuleError
from app.rules.reporting import ALLOWED_TYPES, history, review, submit, targeted_schools, todo_items
from app.security.scope import current_school_scope
from app.views.aid import StageCodesField
from app.views.base import AidInterface, AidModelView, date_time_field
from app.views.steps import record_or_404, run_step
from app import clock


def upload_allowed(form, field):
    """A form validator: the same type, size and content rule as every upload (app/files/uploads.py)."""
    upload = field.data
    if upload and getattr(upload, "filename", ""):
        try:
            uploads.read(upload, ALLOWED_TYPES)
        except RuleError as exc:
            raise ValidationError(str(exc))
        finally:
            upload.stream.seek(0)


class ReportTaskView(AidModelView):
    datamodel = AidInterface(ReportTask)
    list_title = _l("Report tasks")
    show_title = _l("Report task")
    add_title = _l("Issue a report task")
    edit_title = _l("Edit report task")
    label_columns = {"title": _l("Title"), "description": _l("What to report"), "deadline": _l("Deadline"),
                     "stages": _l("Stages asked"), "schools": _l("Schools asked"), "active": _l("Active")}
    list_columns = ["title", "deadline", "active"]
    show_columns = ["title", "description", "deadline", "stages", "schools", "active"]
    add_columns = edit_columns = ["title", "description", "deadline", "stages", "schools", "active"]
    search_columns = ["title", "deadline", "active"]
    base_order = ("deadline", "desc")
    formatters_columns = {"stages": lambda v: "、".join(STAGES.label(c) for c in (v or "").split(",") if c)}
    description_columns = {"stages": _l("Every school of these stages is asked, besides the schools listed.")}
    add_columns = edit_columns = ["title", "description", "deadline", "stages", "schools", "template_file", "active"]
    add_form_extra_fields = edit_form_extra_fields = {
        "template_file": FileField(_l("Template to fill in (optional)"), validators=[upload_allowed]),
        "stages": StageCodesField(_l("Stages asked"), choices=list(STAGES)),
        "deadline": date_time_field(_l("Deadline"), _l("Date and time, as 2021-10-31 17:00; later is late.")),
    }

    def process_form(self, form, is_created):
        """Keep an uploaded template (outside the web root); the form field itself is not a column."""
        self._template = storage.save_upload(form.template_file.data)
        del form["template_file"]

    def pre_add(self, item):
        self._attach(item)

    def pre_update(self, item):
        self._attach(item)

    def _attach(self, item):
        if getattr(self, "_template", None):
            item.template_path, item.template_name = self._template


class SubmissionView(AidModelView):
    datamodel = AidInterface(Submission)
    list_title = _l("Submissions")
    show_title = _l("Submission")
    label_columns = {"task": _l("Report task"), "school": _l("School"), "content": _l("Content"),
                     "file_name": _l("Attachment"), "submitted_at": _l("Submitted at"), "late": _l("Late"),
                     "status": _l("Review"), "review_comment": _l("What to correct"), "reviewed_at": _l("Reviewed at"),
                     "previous": _l("Replaces"), "attachment": _l("Attachment")}
    list_columns = ["task", "school", "submitted_at", "late", "status", "attachment"]
    show_columns = ["task", "school", "content", "attachment", "submitted_at", "late", "status", "review_comment",
                    "reviewed_at", "previous"]
    search_columns = ["task", "school", "late", "status"]
    empty_title = _l("Nothing has been submitted yet.")
    empty_hint = _l("Schools submit the report tasks the centre issues from their to-do list.")
    empty_link = (_l("My report tasks"), "ReportingPagesView.todo")
    base_order = ("submitted_at", "desc")
    base_permissions = ["can_list", "can_show", "can_export", "can_accept", "can_return_form", "can_file"]
    method_permission_name = {"accept": "accept"}

    @action("accept", _l("Accurate"), _l("Mark the selected submissions accurate?"), "fa-check", single=False)
    def accept(self, items):
        return self.apply_step(items, lambda s: review(s, True, None, user=g.user), str(_l("%(n)d submissions reviewed.")))

    @expose("/return/<pk>", methods=["GET", "POST"])
    @has_access
    def return_form(self, pk):
        """退回修改 with what to correct."""
        submission = record_or_404(self, pk)
        form = CommentForm()
        error = None
        if request.method == "POST" and form.validate():
            done, error = run_step(lambda: review(submission, False, form.comment.data, user=g.user),
                                   _l("The submission was returned for correction."),
                                   url_for("SubmissionView.show", pk=submission.id))
            if done:
                return done
        return self.render_template("aid/return_submission.html", submission=submission, form=form,
                                    error=error and str(error), title=_l("Return for correction"))

    @expose("/file/<pk>")
    @has_access
    def file(self, pk):
        submission = self.datamodel.get(pk)  # through the school scope
        if submission is None or not submission.file_path:
            abort(404)
        return storage.send_upload(submission.file_path, submission.file_name)


class CommentForm(DynamicForm):
    comment = TextAreaField()


class SubmitForm(DynamicForm):
    content = TextAreaField(_l("Content"))
    file = FileField(_l("Attachment (.xlsx .docx .pdf …, at most 20 MB)"))


class ReportingPagesView(BaseView):
    """The officer's to-do list and submission form, and the reporting figures."""

    route_base = "/reporting"
    default_view = "todo"

    @expose("/todo/")
    @has_access
    def todo(self):
        return self.render_template("aid/report_todo.html", title=_l("My report tasks"), items=todo_items(db.session, current_school_scope()),
                                    now=clock.now())

    @expose("/submit/<int:task_id>", methods=["GET", "POST"])
    @has_access
    def submit(self, task_id):
        school_id = current_school_scope()
        task = db.session.get(ReportTask, task_id)
        if task is None or school_id in (None, -1) or school_id not in {s.id for s in targeted_schools(task, db.session)}:
            abort(404)
        form = SubmitForm()
        error = None
        if request.method == "POST" and form.validate():
            done, error = run_step(lambda: submit(db.session, task, school_id, form.content.data, form.file.data, g.user),
                                   _l("Submitted."), url_for("ReportingPagesView.todo"))
            if done:
                return done
            error = str(error)
        return self.render_template("aid/report_submit.html", title=_l("Submit a report"), task=task, form=form,
                                    error=error, history=history(db.session, task.id, school_id))

    @expose("/template/<int:task_id>")
    @has_access
    def template(self, task_id):
        """The task's template, for the schools it asks (and the centre)."""
        task = db.session.get(ReportTask, task_id)
        school_id = current_school_scope()
        if task is None or not task.template_path:
            abort(404)
        if school_id is not None and school_id not in {s.id for s in targeted_schools(task, db.session)}:
            abort(404)
        return storage.send_upload(task.template_path, task.template_name)

    @expose("/figures/")
    @has_access
    def figures(self):
        year = request.args.get("year", type=int) or clock.today().year
        return self.render_template("aid/report_figures.html", title=_l("Reporting timeliness and accuracy"),
                                    year=year, rows=reporting_figures(year))
