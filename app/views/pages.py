"""Pages that are not lists of one model: 应助尽助 coverage and the 公示 notice."""
from datetime import date
from io import BytesIO

from flask import abort, request, send_file
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.exports import workbook_bytes
from app.extensions import db
from app.kpi.completeness import completeness
from app.kpi.coverage import coverage
from app.kpi.notice import notice_rows
from app.kpi.overlaps import overlaps
from app.models import AidProgram, Semester
from app.rules.semesters import current_semester
from app.scope import current_school_scope


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
        return self.render_template(
            "aid/coverage.html", title=_l("Coverage of identified pupils"), semester=semester,
            semesters=_semesters(), figures=figures, scoped=current_school_scope() is not None,
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
    """公示: the approved awards of a programme and semester, with only what may be posted."""

    route_base = "/publicnotice"
    default_view = "show"

    def _selection(self):
        semester = _chosen_semester()
        program_id = request.args.get("program", type=int)
        program = db.session.get(AidProgram, program_id) if program_id else None
        return semester, program

    @expose("/")
    @has_access
    def show(self):
        semester, program = self._selection()
        rows = notice_rows(semester, program) if semester and program else []
        return self.render_template(
            "aid/public_notice.html", title=_l("Public notice of aid"), semester=semester, program=program,
            semesters=_semesters(), programs=db.session.scalars(select(AidProgram).order_by(AidProgram.name)).all(),
            rows=rows, today=date.today(),
        )

    @expose("/export/")
    @has_access
    def export(self):
        semester, program = self._selection()
        if not (semester and program):
            abort(404)
        rows = notice_rows(semester, program)
        headers = [_l("Name"), _l("School"), _l("Grade"), _l("Class"), _l("Programme"), _l("Amount (yuan)")]
        data = workbook_bytes(
            _l("Public notice"), headers,
            ([r.name, r.school, r.grade, r.class_name, r.program, r.amount] for r in rows),
        )
        name = f"{program.name}-{semester}-公示.xlsx"
        return send_file(BytesIO(data), as_attachment=True, download_name=name,
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
