"""学籍状态 screens: a pupil's 学籍变动 (record one, read the history) and the 控辍保学 page.

The rules are in app/rules/pupil_status.py; these pages parse, call and show.
"""
from datetime import date

from flask import abort, g, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.forms import DynamicForm
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import InputRequired

from app import clock
from app.extensions import db
from app.models import School, Semester, StatusChange, Student
from app.models.student import STATUS_CHANGES
from app.rules.identification import school_year_of
from app.rules.pupil_status import allowed, change, dropouts, history
from app.views.steps import run_step
from app.views.base import AidInterface, AidModelView

LABELS = {
    "changed_on": _l("Date"), "student": _l("Student"), "school": _l("School"), "kind": _l("Change"),
    "other_school": _l("Other school"), "other_school_id": _l("Other school"), "reason": _l("Reason"), "recorded_by": _l("Recorded by"),
    "created_at": _l("Recorded at"),
}


def school_names():
    """The county's schools by id, their names only: every school may read them (a move between two
    schools names the other one, whose record the school's scope hides)."""
    from app.security.scope import unscoped

    return dict(db.session.execute(select(School.id, School.name).execution_options(**unscoped())).all())


class StatusChangeView(AidModelView):
    """学籍变动: every change of status at the user's school (read only: a change is history)."""

    personal_data = True
    datamodel = AidInterface(StatusChange)
    list_title = _l("Status changes")
    show_title = _l("Status change")
    label_columns = LABELS
    # the other school of a move is named from the county's list of names (its record is its own)
    list_columns = ["changed_on", "student", "school", "kind", "other_school_id", "reason"]
    show_columns = ["changed_on", "student", "school", "kind", "other_school_id", "reason", "recorded_by", "created_at"]
    search_columns = ["school", "kind", "changed_on"]
    base_order = ("changed_on", "desc")
    base_permissions = ["can_list", "can_show"]
    # a pupil who has moved to another school is that school's: its name is not shown here
    formatters_columns = {"student": lambda v: v if v is not None else _l("(moved to another school)"),
                          "other_school_id": lambda v: school_names().get(v, "") if v else ""}


class ChangeForm(DynamicForm):
    kind = SelectField(_l("Change"), validators=[InputRequired()])
    changed_on = DateField(_l("Date"), validators=[InputRequired()], default=date.today)
    reason = TextAreaField(_l("Reason"))


class PupilStatusView(BaseView):
    """Recording a change on the pupil's page, and 控辍保学."""

    route_base = "/pupilstatus"
    default_view = "dropouts"

    @expose("/change/<int:student_id>", methods=["GET", "POST"])
    @has_access
    def change(self, student_id):
        student = db.session.get(Student, student_id)  # within the user's scope: another school's pupil is None
        if student is None:
            abort(404)
        form = ChangeForm()
        form.kind.choices = [(k, STATUS_CHANGES.label(k)) for k in allowed(student)]
        if request.method == "GET":
            form.changed_on.data = clock.today()
        error = None
        if request.method == "POST" and form.validate():
            done, error = run_step(lambda: change(db.session, student, form.kind.data, on=form.changed_on.data,
                                                  reason=form.reason.data, user=g.user),
                                   lambda _: _l("The change is recorded: the pupil is now %(s)s.", s=student.status_label),
                                   url_for("StudentView.show", pk=student.id))
            if done:
                return done
            error = str(error)
        return self.render_template("aid/pupil_status_change.html", student=student, form=form, error=error,
                                    history=history(db.session, student.id), school_names=school_names(),
                                    title=_l("Record a status change"))

    @expose("/dropouts/")
    @has_access
    def dropouts(self):
        years = sorted({s for (s,) in db.session.execute(select(Semester.school_year))}, reverse=True)
        year = request.args.get("school_year") or school_year_of(clock.today())
        if years and year not in years and year != school_year_of(clock.today()):
            abort(404)
        rows = dropouts(db.session, year)
        may_visit = self.appbuilder.sm.has_access("can_add", "HomeVisitView")
        return self.render_template("aid/dropouts.html", rows=rows, year=year, years=years, may_visit=may_visit,
                                    title=_l("Pupils who left school (控辍保学)"))
