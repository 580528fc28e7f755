"""资助档案: a pupil's file on screen and printed (app/reports/pupil_file.py gathers it).

Reached from the pupil's page (学生 › 查看 › 资助档案). The pupil is looked up within the reader's
scope: another school's pupil is 404, on screen and in print. Every opening and every print is a
read of personal data, written to the audit trail as opening the pupil's record is.
"""
from flask import abort
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.security.audit import record_access
from app.extensions import db
from app.models import Student
from app.reports.documents import print_document
from app.reports.pupil_file import pupil_file
from app.views.reports import pdf_response


def _pupil(student_id):
    student = db.session.scalars(select(Student).where(Student.id == student_id)).first()  # scoped
    if student is None:
        abort(404)
    return student


class PupilFileView(BaseView):
    route_base = "/pupilfile"
    default_view = "show"
    base_permissions = ["can_show", "can_pdf"]

    @expose("/<int:student_id>")
    @has_access
    def show(self, student_id):
        student = _pupil(student_id)
        record_access("view", "student", [student.id], f"{_l('Aid file')}：{student}", school_id=student.school_id)
        return self.render_template("aid/pupil_file.html", file=pupil_file(student), student=student,
                                    title=_l("Aid file of %(name)s", name=student.name),
                                    may_print=self.appbuilder.sm.has_access("can_pdf", "PupilFileView"))

    @expose("/<int:student_id>/pdf")
    @has_access
    def pdf(self, student_id):
        student = _pupil(student_id)
        # written with the file and committed once it is laid out (a commit first would expire the pupil)
        record_access("export", "student", [student.id], f"{_l('Aid file')}（PDF）：{student}",
                      school_id=student.school_id, commit=False)
        data = print_document("pupil_file", student)
        db.session.commit()
        return pdf_response(data, f"学生资助档案-{student.name}.pdf")
