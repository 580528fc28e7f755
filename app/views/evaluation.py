"""年终考核 screens: the ranking of schools, each school's drill-down, the Excel export,
and the weights the centre edits.  The scores come from app/kpi/evaluation.py."""
from datetime import date
from io import BytesIO

from flask import abort, request, send_file
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField
from wtforms.validators import InputRequired, NumberRange, Optional

from app.operations.exports import workbook_bytes
from app.extensions import db
from app.kpi.evaluation import DEDUCTION, active_parts, evaluate
from app.models.evaluation import EvaluationPart
from app.views.base import AidInterface, AidModelView


def _year():
    return request.args.get("year", type=int) or date.today().year


class EvaluationView(BaseView):
    route_base = "/evaluation"
    default_view = "ranking"

    @expose("/")
    @has_access
    def ranking(self):
        year = _year()
        parts = active_parts(db.session)
        return self.render_template("aid/evaluation.html", title=_l("Year-end evaluation of schools"), year=year,
                                    scores=evaluate(db.session, year), parts=[p for p in parts if p.code != DEDUCTION],
                                    deduction=next((p for p in parts if p.code == DEDUCTION), None))

    @expose("/school/<int:school_id>")
    @has_access
    def school(self, school_id):
        year = _year()
        row = next((s for s in evaluate(db.session, year) if s.school_id == school_id), None)
        if row is None:
            abort(404)
        parts = active_parts(db.session)
        return self.render_template("aid/evaluation_school.html", title=_l("Evaluation of %(school)s", school=row.name),
                                    year=year, s=row, deduction=next((p for p in parts if p.code == DEDUCTION), None))

    @expose("/export/")
    @has_access
    def export(self):
        year = _year()
        scores = evaluate(db.session, year)
        parts = [p for p in active_parts(db.session) if p.code != DEDUCTION]
        headers = [str(_l("Rank")), str(_l("School"))] + [f"{p.label}（{p.weight}）" for p in parts] + [
            str(_l("Deduction")), str(_l("Score"))]

        def pct(value):
            return None if value is None else float(round(value * 100, 1))

        def cell(v):
            """A part's value in percent; a missing part says so, with what it was scored as."""
            if not v.missing:
                return pct(v.value)
            return f"{_l('Missing data')}（{'—' if v.value is None else pct(v.value)}）"

        rows = ([s.rank, s.name] + [cell(s.parts[p.code]) for p in parts] + [float(s.deduction),
                                                                             None if s.score is None else float(s.score)]
                for s in scores)
        data = workbook_bytes(str(_l("Year-end evaluation %(year)d", year=year)), headers, rows)
        return send_file(BytesIO(data), as_attachment=True, download_name=f"{_l('Year-end evaluation')}-{year}.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


class EvaluationPartView(AidModelView):
    datamodel = AidInterface(EvaluationPart)
    list_title = _l("Evaluation weights")
    show_title = edit_title = _l("Evaluation part")
    label_columns = {"code": _l("Part"), "weight": _l("Weight (points)"), "cap": _l("Cap of the deduction (points)"),
                     "active": _l("Counted"), "missing": _l("When a school has no data"), "note": _l("Notes")}
    list_columns = ["code", "weight", "missing", "cap", "active", "note"]
    show_columns = ["code", "weight", "missing", "cap", "active", "note"]
    edit_exclude_columns = ["code"]
    edit_columns = ["weight", "missing", "cap", "active", "note"]
    base_permissions = ["can_list", "can_show", "can_edit"]
    base_order = ("id", "asc")
    description_columns = {
        "weight": _l("For the deduction: points taken off per substantiated complaint (half for partly substantiated)."),
        "cap": _l("Only for the deduction: the most points it can take off."),
        "missing": _l("A school that should have data in this part and has none (never inspected, no fund record, "
                      "nothing submitted, no pupil records) is shown as 缺数据 and scored zero, or the county average "
                      "of the schools that have data. Not used for the deduction."),
    }
    edit_form_extra_fields = {
        "weight": DecimalField(_l("Weight (points)"), places=2, validators=[InputRequired(), NumberRange(min=0, max=100)]),
        "cap": DecimalField(_l("Cap of the deduction (points)"), places=2, validators=[Optional(), NumberRange(min=0, max=100)]),
    }
