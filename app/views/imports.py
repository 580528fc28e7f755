"""导入: download a template, upload a filled file, see every bad cell or what was written."""
from datetime import date
from io import BytesIO

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.forms import DynamicForm
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, RadioField, SelectField, StringField
from wtforms.validators import InputRequired

from app.files import uploads
from app.operations.imports import AWARD_COLUMNS, STUDENT_COLUMNS, import_awards, import_students, template
from app.rules import RuleError
from app.rules.identification import school_year_of
from app.extensions import db
from app.models import VerificationRun
from app.models.verification import LIST_SCOPES
from app.operations.verification import LIST_COLUMNS, LIST_KINDS, PreviewNotFound, read_list, recent_runs
from app.operations.verification import confirm as confirm_preview
from app.operations.verification import reopen as reopen_preview
from app.operations.verification import stage as stage_match
from app.operations.verification import undo as undo_run
from app.views.steps import run, run_and_return, run_step



class UploadForm(DynamicForm):
    file = FileField(_l("Excel file (.xlsx)"), validators=[FileRequired(), FileAllowed(["xlsx"], _l("Only .xlsx files."))])


def _read(form):
    """The uploaded .xlsx within the size limit, or None with the reason beside the field."""
    try:
        return uploads.read(form.file.data, {".xlsx"}, content=False)
    except RuleError as exc:
        form.file.errors.append(str(exc))
        return None


class ImportView(BaseView):
    """Download a template, upload a filled file, see every bad cell or what was written."""

    default_view = "upload"
    columns = None        # the template's columns (app/operations/imports.py)
    importer = None       # staticmethod(bytes -> ImportResult)
    sheet_title = ""
    file_name = ""
    page_title = ""

    @expose("/template/")
    @has_access
    def download_template(self):
        return send_file(BytesIO(template(self.columns, self.sheet_title)), as_attachment=True,
                         download_name=self.file_name,
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @expose("/", methods=["GET", "POST"])
    @has_access
    def upload(self):
        form = UploadForm()
        result = None
        if request.method == "POST" and form.validate():
            data = _read(form)
            if data is not None:
                result = self.importer(data)  # checks the content before reading it (app/files/uploads.py)
        return self.render_template("aid/import.html", form=form, result=result, title=self.page_title,
                                    columns=self.columns, template_url=f"{type(self).__name__}.download_template")


class StudentImportView(ImportView):
    route_base = "/import/students"
    columns = STUDENT_COLUMNS
    importer = staticmethod(import_students)
    sheet_title = "学生及困难认定"
    file_name = "学生及困难认定导入模板.xlsx"
    page_title = _l("Import students and identifications")


class AwardImportView(ImportView):
    route_base = "/import/awards"
    columns = AWARD_COLUMNS
    importer = staticmethod(import_awards)
    sheet_title = "资助名单"
    file_name = "资助名单导入模板.xlsx"
    page_title = _l("Import award proposals")


class VerificationForm(UploadForm):
    kind = SelectField(_l("List"), choices=list(LIST_KINDS))
    school_year = StringField(_l("School year"), validators=[InputRequired()],
                              default=lambda: school_year_of(date.today()))
    scope = RadioField(_l("The list is"), choices=list(LIST_SCOPES), default="schools")


class ApplyForm(DynamicForm):
    token = HiddenField(validators=[InputRequired()])  # the list stays on the server (app/operations/verification.py stage)
    confirm = StringField(_l("Number of pupils losing the category"))


class UndoForm(DynamicForm):
    pass


class VerificationView(BaseView):
    """核对名单: match a department's list against the identifications, preview, apply, undo (app/operations/verification.py)."""

    route_base = "/verification"
    default_view = "upload"
    method_permission_name = {"undo": "apply"}  # who may apply a list may undo one

    @expose("/template/")
    @has_access
    def download_template(self):
        return send_file(BytesIO(template(LIST_COLUMNS, "核对名单")), as_attachment=True,
                         download_name="核对名单模板.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    def _page(self, form, match=None, apply_form=None):
        return self.render_template("aid/verification.html", form=form, match=match, apply_form=apply_form,
                                    kinds=LIST_KINDS, scopes=LIST_SCOPES, title=_l("Verification lists"),
                                    runs=recent_runs(), undo_form=UndoForm())

    @expose("/", methods=["GET", "POST"])
    @has_access
    def upload(self):
        form = VerificationForm()
        match = None
        apply_form = None
        if request.method == "POST" and form.validate() and (data := _read(form)) is not None:
            match = read_list(data, form.kind.data, form.school_year.data.strip(), form.scope.data)
            if not match.errors and (match.gain or match.lose or match.unidentified):
                token, _ = run(lambda: stage_match(match, g.user))
                apply_form = ApplyForm(formdata=None, token=token)
        return self._page(form, match, apply_form)

    @expose("/apply/", methods=["POST"])
    @has_access
    def apply(self):
        form = ApplyForm()
        if not form.validate():
            abort(400)
        try:
            done, error = run_step(
                lambda: confirm_preview(form.token.data, user=g.user, confirm=form.confirm.data),
                lambda applied: _l("The list was applied: %(g)d gained the category, %(l)d lost it, %(c)d "
                                   "identifications were created. It can be undone below.",
                                   g=applied.gained, l=applied.lost, c=applied.created),
                url_for("VerificationView.upload"))
        except PreviewNotFound:
            abort(404)
        if done:
            return done
        if "token" in error.errors:
            flash(str(error.errors["token"]), "warning")
            return redirect(url_for("VerificationView.upload"))
        # the count to type, or the identifications changed meanwhile: the list compared again, to confirm again
        reopened, refused = run(lambda: reopen_preview(form.token.data, g.user))
        if refused is not None:
            raise refused
        match, token = reopened
        apply_form = ApplyForm(formdata=None, token=token)
        for name, message in error.errors.items():
            field = apply_form.confirm if name == "confirm" else apply_form.token
            field.errors = [*field.errors, message]
        upload_form = VerificationForm(formdata=None, kind=match.kind, school_year=match.school_year, scope=match.scope)
        return self._page(upload_form, match, apply_form)

    @expose("/undo/<int:run_id>/", methods=["POST"])
    @has_access
    def undo(self, run_id):
        if not UndoForm().validate():
            abort(400)
        applied = db.session.get(VerificationRun, run_id) or abort(404)
        return run_and_return(
            lambda: undo_run(applied, user=g.user),
            _l("The list was undone: every identification it changed has its values from before."),
            url_for("VerificationView.upload"))
