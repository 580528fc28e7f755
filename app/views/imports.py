"""导入: download a template, upload a filled file, see every bad cell or what was written."""
from datetime import date
from io import BytesIO

from flask import abort, flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.forms import DynamicForm
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import InputRequired

from app import uploads
from app.imports import AWARD_COLUMNS, STUDENT_COLUMNS, import_awards, import_students, template
from app.rules import RuleError
from app.rules.identification import school_year_of
from app.verification import LIST_COLUMNS, LIST_KINDS, Match, compare, read_list
from app.verification import apply as apply_match



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
    columns = None        # the template's columns (app/imports.py)
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
                result = self.importer(data)  # checks the content before reading it (app/uploads.py)
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


class ApplyForm(DynamicForm):
    kind = HiddenField()
    school_year = HiddenField()
    numbers = HiddenField()


class VerificationView(BaseView):
    """核对名单: match a department's list against the identifications, then apply it."""

    route_base = "/verification"
    default_view = "upload"

    @expose("/template/")
    @has_access
    def download_template(self):
        return send_file(BytesIO(template(LIST_COLUMNS, "核对名单")), as_attachment=True,
                         download_name="核对名单模板.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @expose("/", methods=["GET", "POST"])
    @has_access
    def upload(self):
        form = VerificationForm()
        match = None
        apply_form = None
        if request.method == "POST" and form.validate() and (data := _read(form)) is not None:
            match = read_list(data, form.kind.data, form.school_year.data.strip())
            if not match.errors:
                apply_form = ApplyForm(formdata=None, kind=match.kind, school_year=match.school_year,
                                       numbers=",".join(match.numbers))
        return self.render_template("aid/verification.html", form=form, match=match, apply_form=apply_form,
                                    kinds=LIST_KINDS, title=_l("Verification lists"), applied=None)

    @expose("/apply/", methods=["POST"])
    @has_access
    def apply(self):
        form = ApplyForm()
        if not form.validate() or form.kind.data not in LIST_KINDS:
            abort(400)
        numbers = [n for n in form.numbers.data.split(",") if n]
        match = compare(Match(form.kind.data, form.school_year.data, numbers=numbers))
        changed = apply_match(match)
        flash(_l("The identifications were updated: %(n)d changes.", n=changed), "success")
        return redirect(url_for("VerificationView.upload"))
