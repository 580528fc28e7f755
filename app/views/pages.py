"""Pages that are not lists of one model: 应助尽助 coverage and the 公示 notice."""
from datetime import date
from io import BytesIO

from flask import abort, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.operations.exports import workbook_bytes
from app.extensions import db
from app.kpi.completeness import completeness
from app.kpi.coverage import coverage
from app.kpi.notice import notice_rows, public_notice
from app.kpi.overlaps import overlaps
from app.models import AidProgram, School, Semester
from app.rules import RuleError
from app.rules.semesters import current_semester
from app.security.scope import current_school_scope


def _semesters():
    return db.session.scalars(select(Semester).order_by(Semester.starts_on.desc())).all()


def _chosen_semester():
    semester_id = request.args.get("semester", type=int)
    semester = db.session.get(Semester, semester_id) if semester_id else current_semester(db.session)
    if semester is None:
        semesters = _semesters()
        semester = semesters[0] if semesters else None
    return semester


class CoverageView(BaseView):
    """应助尽助: identified and priority pupils aided in a semester, and those still waiting."""

    route_base = "/coverage"
    default_view = "show"

    @expose("/")
    @has_access
    def show(self):
        semester = _chosen_semester()
        figures = coverage(semester) if semester else None
        # 提出资助 buttons (a proposal for the pupil, or the programme, in this semester) for those who propose
        can_propose = self.appbuilder.sm.has_access("can_add", "AwardView")
        program_ids = dict(db.session.execute(select(AidProgram.name, AidProgram.id)).all()) if can_propose else {}
        return self.render_template(
            "aid/coverage.html", title=_l("Coverage of identified pupils"), semester=semester,
            semesters=_semesters(), figures=figures, scoped=current_school_scope() is not None,
            can_propose=can_propose, program_ids=program_ids,
        )


class CompletenessView(BaseView):
    """资助信息100%填报: what each school still has to fill in."""

    route_base = "/completeness"
    default_view = "show"

    @expose("/")
    @has_access
    def show(self):
        labels = {"guardian": _l("Guardian"), "guardian_phone": _l("Guardian phone"), "address": _l("Home address"),
                  "paid_on": _l("Paid on")}
        return self.render_template("aid/completeness.html", title=_l("Completeness of the records"),
                                    rows=completeness(), labels=labels)


class OverlapView(BaseView):
    """重复资助核查: any pupil holding one programme twice in a semester."""

    route_base = "/overlaps"
    default_view = "show"

    @expose("/")
    @has_access
    def show(self):
        return self.render_template("aid/overlaps.html", title=_l("Duplicate aid check"), groups=overlaps())


class PublicNoticeView(BaseView):
    """公示: the approved awards of a programme and semester, with only what may be posted, as a notice
    (公示期, 监督举报电话, issuing unit, date, seal) on the page, in a PDF to post, and in a sheet (app/kpi/notice.py)."""

    route_base = "/publicnotice"
    default_view = "show"
    method_permission_name = {"pdf": "export"}  # whoever may export the list may print it

    def _selection(self):
        semester = _chosen_semester()
        program_id = request.args.get("program", type=int)
        program = db.session.get(AidProgram, program_id) if program_id else None
        scope = current_school_scope()
        school_id = scope if scope is not None else request.args.get("school", type=int)
        school = db.session.get(School, school_id) if school_id else None
        return semester, program, school

    @staticmethod
    def _period():
        """The chosen dates (None where left empty or unreadable: the default applies)."""
        def day(name):
            try:
                return date.fromisoformat(request.args.get(name, "").strip())
            except ValueError:
                return None

        return day("start"), day("end")

    @expose("/")
    @has_access
    def show(self):
        semester, program, school = self._selection()
        start, end = self._period()
        notice, error = None, None
        if semester and program:
            try:
                notice = public_notice(semester, program, school, start, end)
            except RuleError as exc:
                error = str(exc)
                notice = public_notice(semester, program, school)
        return self.render_template(
            "aid/public_notice.html", title=_l("Public notice of aid"), semester=semester, program=program,
            semesters=_semesters(), programs=db.session.scalars(select(AidProgram).order_by(AidProgram.name)).all(),
            schools=db.session.scalars(select(School).order_by(School.code)).all(), school=school,
            scoped=current_school_scope() is not None, notice=notice, error=error,
            rows=notice.rows if notice else [],
        )

    @expose("/pdf/")
    @has_access
    def pdf(self):
        semester, program, school = self._selection()
        if not (semester and program):
            abort(404)
        start, end = self._period()
        try:
            notice = public_notice(semester, program, school, start, end)
        except RuleError:  # the page says why, beside the dates
            return redirect(url_for("PublicNoticeView.show", **request.args.to_dict()))
        from app.reports.documents import print_document
        from app.views.reports import pdf_response

        return pdf_response(print_document("public_notice", notice), f"{program.name}-{semester}-公示.pdf")

    @expose("/export/")
    @has_access
    def export(self):
        semester, program, school = self._selection()
        if not (semester and program):
            abort(404)
        rows = notice_rows(semester, program, school.id if school else None)
        headers = [_l("Name"), _l("School"), _l("Grade"), _l("Class"), _l("Programme"), _l("Amount (yuan)")]
        data = workbook_bytes(
            _l("Public notice"), headers,
            ([r.name, r.school, r.grade, r.class_name, r.program, r.amount] for r in rows),
        )
        name = f"{program.name}-{semester}-公示.xlsx"
        return send_file(BytesIO(data), as_attachment=True, download_name=name,
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
