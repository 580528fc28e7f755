"""导入: download a template, upload a filled file, see every bad cell or what was written."""
from io import BytesIO

from flask import request, send_file
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.forms import DynamicForm
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired

from app.imports import STUDENT_COLUMNS, import_students, template

MAX_UPLOAD = 20 * 1024 * 1024


class UploadForm(DynamicForm):
    file = FileField(_l("Excel file (.xlsx)"), validators=[FileRequired(), FileAllowed(["xlsx"], _l("Only .xlsx files."))])


class StudentImportView(BaseView):
    route_base = "/import/students"
    default_view = "upload"

    @expose("/template/")
    @has_access
    def download_template(self):
        return send_file(BytesIO(template(STUDENT_COLUMNS, "学生及困难认定")), as_attachment=True,
                         download_name="学生及困难认定导入模板.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @expose("/", methods=["GET", "POST"])
    @has_access
    def upload(self):
        form = UploadForm()
        result = None
        if request.method == "POST" and form.validate():
            data = form.file.data.read(MAX_UPLOAD + 1)
            if len(data) > MAX_UPLOAD:
                form.file.errors.append(_l("The file is larger than 20 MB."))
            else:
                result = import_students(data)
        return self.render_template("aid/import.html", form=form, result=result,
                                    title=_l("Import students and identifications"),
                                    columns=STUDENT_COLUMNS, template_url="StudentImportView.download_template")
