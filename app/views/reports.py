"""Printed documents (app/reports): print buttons, batch print jobs and the letter's wording.

Every record printed is loaded through the ORM, so the school scope applies: an
officer asking for another school's student, loan, inspection or job gets 404.
"""
from __future__ import annotations

from datetime import date
from io import BytesIO

from flask import abort, current_app, flash, g, jsonify, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Inspection, Loan, School, Student
from app.models.printing import LetterPart, LetterPolicy, PrintJob
from app.files import storage
from app.reports import jobs
from app.reports.documents import letter_classes, print_document
from app.security.scope import current_school_scope
from app.views.base import AidInterface, AidModelView


def _csrf():
    from flask_wtf.csrf import generate_csrf

    return generate_csrf() if current_app.config.get("WTF_CSRF_ENABLED") else ""


def pdf_response(data, filename, download=False):
    return send_file(BytesIO(data), mimetype="application/pdf", as_attachment=download, download_name=filename,
                     max_age=0)


def _get_or_404(model, pk):
    record = db.session.scalars(select(model).where(model.id == pk)).first()
    if record is None:
        abort(404)
    return record


class PrintView(BaseView):
    """Single documents printed at once, and the page that queues a class's or a school's letters."""

    route_base = "/print"
    default_view = "letters"
    base_permissions = ["can_letter", "can_letters", "can_inspection", "can_loan_notice", "can_evaluation",
                        "can_complaint"]

    @expose("/complaint/<int:complaint_id>")
    @has_access
    def complaint(self, complaint_id):
        """投诉处理单: the complainant is printed only on request by someone allowed to see it, and recorded."""
        from app.models import Complaint
        from app.rules.complaints import may_see_identity, record_identity_read
        from app.views.base import current_roles

        complaint = _get_or_404(Complaint, complaint_id)
        show = (request.args.get("identity") == "1" and not complaint.anonymous
                and may_see_identity(complaint, current_roles()))
        if request.args.get("identity") == "1" and not show and not complaint.anonymous:
            abort(403)
        if show:
            record_identity_read(complaint, g.user, "pdf", db.session)
            db.session.commit()  # not a step: the record of who read the complainant, kept before it is printed
        pdf = print_document("complaint", complaint, show_identity=show)
        return pdf_response(pdf, f"投诉处理单-{complaint.number}.pdf")

    @expose("/letter/<int:student_id>")
    @has_access
    def letter(self, student_id):
        student = _get_or_404(Student, student_id)
        pdf = print_document("letter", student)
        return pdf_response(pdf, f"致学生家长的一封信-{student.name}.pdf")

    @expose("/letters", methods=["GET", "POST"])
    @has_access
    def letters(self):
        scope = current_school_scope()
        schools = db.session.scalars(select(School).where(School.active.is_(True)).order_by(School.code)).all()
        school_id = request.values.get("school", type=int) or scope or (schools[0].id if schools else None)
        school = _get_or_404(School, school_id) if school_id else None
        if request.method == "POST":
            if school is None:
                abort(404)
            grade = request.form.get("grade") or None
            class_name = request.form.get("class_name") or None
            what = f"{grade}{class_name}" if grade and class_name else str(_l("whole school"))
            title = f"{_l('Letters to parents')} · {school.name} · {what}"
            job = jobs.create_letters_job(school, title, user=g.user, grade=grade, class_name=class_name)
            flash(_l("The letters are being printed; the PDF will be ready for download on this page."), "info")
            return redirect(url_for("PrintJobView.show", job_id=job.id))
        classes = letter_classes(school.id) if school else []
        return self.render_template("reports/letters.html", title=_l("Letters to parents"), schools=schools,
                                    school=school, classes=classes, scoped=scope is not None, csrf_token_value=_csrf())

    @expose("/inspection/<int:inspection_id>")
    @has_access
    def inspection(self, inspection_id):
        inspection = _get_or_404(Inspection, inspection_id)
        pdf = print_document("inspection", inspection)
        return pdf_response(pdf, f"督查报告-{inspection.school.name}-{inspection.inspected_on.isoformat()}.pdf")

    @expose("/loan/<int:loan_id>")
    @has_access
    def loan_notice(self, loan_id):
        loan = _get_or_404(Loan, loan_id)
        year = request.args.get("year", type=int) or date.today().year
        pdf = print_document("loan_notice", loan, year=year)
        return pdf_response(pdf, f"温馨提示-{loan.student.name}-{year}.pdf")

    @expose("/evaluation")
    @has_access
    def evaluation(self):
        year = request.args.get("year", type=int) or date.today().year
        pdf = print_document("evaluation", year)
        return pdf_response(pdf, f"{year}年度学生资助工作考核表.pdf")


class PrintJobView(BaseView):
    """The print jobs of the user's scope: progress, download, retry."""

    route_base = "/printjobs"
    default_view = "list"
    base_permissions = ["can_list", "can_show", "can_download", "can_retry"]
    method_permission_name = {"status": "show"}

    @expose("/")
    @has_access
    def list(self):
        jobs.reap()
        rows = db.session.scalars(select(PrintJob).order_by(PrintJob.id.desc()).limit(200)).all()
        return self.render_template("reports/jobs.html", title=_l("Print jobs"), jobs=rows, csrf_token_value=_csrf())

    @expose("/<int:job_id>")
    @has_access
    def show(self, job_id):
        jobs.reap()
        job = _get_or_404(PrintJob, job_id)
        return self.render_template("reports/job.html", title=_l("Print job"), job=job, csrf_token_value=_csrf())

    @expose("/<int:job_id>/status")
    @has_access
    def status(self, job_id):
        jobs.reap()
        job = _get_or_404(PrintJob, job_id)
        return jsonify(id=job.id, status=job.status, status_label=job.status_label, done=job.done, total=job.total,
                       percent=job.percent, error=job.error or "",
                       download=url_for("PrintJobView.download", job_id=job.id) if job.status == "done" else None)

    @expose("/<int:job_id>/download")
    @has_access
    def download(self, job_id):
        job = _get_or_404(PrintJob, job_id)
        if job.status != "done":
            abort(404)
        return storage.send(storage.print_jobs(), job.file_path, f"{job.title}.pdf", mimetype="application/pdf",
                            as_attachment=True, max_age=0)

    @expose("/<int:job_id>/retry", methods=["POST"])
    @has_access
    def retry(self, job_id):
        job = _get_or_404(PrintJob, job_id)
        if jobs.retry(job):
            flash(_l("The job is queued again."), "info")
        return redirect(url_for("PrintJobView.show", job_id=job.id))


# --- the letter's wording, edited by the centre -------------------------------------------------

class LetterPolicyView(AidModelView):
    datamodel = AidInterface(LetterPolicy)
    list_title = _l("Policies in the letter to parents")
    show_title = add_title = edit_title = _l("Policy in the letter to parents")
    label_columns = {
        "stage": _l("Stage"), "title": _l("Programme"), "who": _l("Who qualifies"), "amount_text": _l("How much"),
        "application": _l("Application needed?"), "program": _l("Aid programme giving the amount"),
        "sort_order": _l("Order"), "active": _l("Printed"),
    }
    list_columns = ["stage", "title", "amount_text", "application", "program", "sort_order", "active"]
    show_columns = add_columns = edit_columns = ["stage", "title", "who", "amount_text", "application", "program",
                                                 "sort_order", "active"]
    search_columns = ["stage", "title", "active"]
    base_order = ("sort_order", "asc")
    description_columns = {
        "stage": _l("A pupil's letter lists the policies of its stage and of the next stage "
                    "(junior high school pupils also read the senior high and vocational ones, "
                    "senior high pupils the university ones)."),
        "amount_text": _l("Printed when no aid programme gives the amount."),
        "program": _l("When set (or when a programme has the same name), the programme's standard amount is printed."),
    }


class LetterPartView(AidModelView):
    datamodel = AidInterface(LetterPart)
    list_title = _l("Wording of the letter to parents")
    show_title = add_title = edit_title = _l("Paragraph of the letter to parents")
    label_columns = {"key": _l("Paragraph"), "body": _l("Text")}
    list_columns = ["key", "body"]
    show_columns = add_columns = edit_columns = ["key", "body"]
    description_columns = {"body": _l("Plain text; a blank line starts a new paragraph.")}



def register_print_views(appbuilder):
    """Menu 打印文书 and the print routes (called from app/views/__init__.py)."""
    printing = dict(category="Printing", category_label=_l("Printing"), category_icon="fa-print")
    appbuilder.add_view_no_menu(PrintView)
    appbuilder.add_view_no_menu(PrintJobView)
    appbuilder.add_link("PrintLetters", href="PrintView.letters", label=_l("Letters to parents"), icon="fa-envelope-o",
                        **printing)
    appbuilder.add_link("PrintJobs", href="PrintJobView.list", label=_l("Print jobs"), icon="fa-tasks", **printing)
    appbuilder.add_link("EvaluationTable", href="PrintView.evaluation", label=_l("Year-end evaluation table (PDF)"),
                        icon="fa-table", **printing)
    appbuilder.add_view(LetterPolicyView, "LetterPolicies", label=_l("Letter to parents: policies"), icon="fa-list",
                        **printing)
    appbuilder.add_view(LetterPartView, "LetterParts", label=_l("Letter to parents: wording"), icon="fa-pencil",
                        **printing)
