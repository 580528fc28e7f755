"""监督检查 screens: inspections with their checklist scores, and rectification."""
from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.fieldwidgets import Select2ManyWidget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security.sqla.models import User
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import TextAreaField

from app.files import storage
from app.extensions import db

from app.models import Inspection, InspectionItem, InspectionScore, PhoneCall
from app.security.roles import ROLE_LABELS, SUPERVISOR
from app.rules.supervision import (
    SheetError, check_inspection, check_rectification, draw_phone_sample, inspector_candidates, is_rectification_overdue,
    paid_by_semester, person_name, plain_score, record_scores, rectify, score_sheet, sheet_total, sheet_version,
)
from app.views.steps import record_or_404, run, run_and_return, run_step
from app.views.base import AidInterface, AidModelView
from app.views.fields import StrictQuerySelectMultipleField
from app.views.records import grouped

INSPECTION_LABELS = {
    "school": _l("School"), "kind": _l("Kind"), "status": _l("State"), "inspected_on": _l("Date"),
    "inspectors": _l("Inspectors"), "findings": _l("Findings"), "result": _l("Overall result"),
    "rectification_demand": _l("Rectification required"), "rectification_deadline": _l("Rectification deadline"),
    "rectification_status": _l("Rectification"), "rectification_done": _l("What the school did"),
    "evidence_name": _l("Evidence"), "rectified_at": _l("Rectified at"), "checked_at": _l("Checked at"),
    "total_score": _l("Score"), "overdue_label": _l("Overdue"), "scores": _l("Scores"),
}


class InspectionScoreView(AidModelView):
    datamodel = AidInterface(InspectionScore)
    list_title = _l("Scores")
    show_title = add_title = edit_title = _l("Score")
    label_columns = {"inspection": _l("Inspection"), "item": _l("Checklist item"), "score": _l("Score"), "note": _l("Notes"),
                     "school": _l("School"), "item.max_score": _l("Full score")}
    list_columns = ["item", "item.max_score", "score", "note"]
    show_columns = add_columns = edit_columns = ["inspection", "item", "score", "note"]
    formatters_columns = {"score": lambda v: "" if v is None else plain_score(v)}  # points, not yuan
    search_columns = ["school", "inspection", "item"]


class PhoneCallView(AidModelView):
    datamodel = AidInterface(PhoneCall)
    list_title = _l("Phone follow-up calls")
    show_title = edit_title = _l("Phone follow-up call")
    label_columns = {"inspection": _l("Inspection"), "award": _l("Award"), "school": _l("School"),
                     "called_on": _l("Called on"), "reached": _l("Reached"), "confirms_receipt": _l("Family confirms the aid"),
                     "stated_amount": _l("Amount the family states (yuan)"), "discrepancy": _l("Discrepancy"),
                     "note": _l("Notes")}
    list_columns = ["award", "called_on", "reached", "confirms_receipt", "stated_amount", "discrepancy"]
    show_columns = ["inspection", "award", "called_on", "reached", "confirms_receipt", "stated_amount", "discrepancy", "note"]
    edit_columns = ["called_on", "reached", "confirms_receipt", "stated_amount", "note"]
    search_columns = ["school", "inspection", "discrepancy"]
    base_permissions = ["can_list", "can_show", "can_edit", "can_export"]
    formatters_columns = {"discrepancy": lambda v: str(_l("To investigate")) if v else ""}
    edit_template = "aid/phone_call_edit.html"

    def render_template(self, template, **kwargs):
        """The call's form says whom to call and what the record says was paid: the pupil, the guardian
        and the guardian's phone in full (the caller dials it; the read is written to the audit trail)."""
        if template == self.edit_template and request.view_args and "pk" in request.view_args:
            call = self.datamodel.get(request.view_args["pk"])
            award = call.award if call is not None else None
            if award is not None:
                from app.security.audit import record_access

                from app.views.base import money

                kwargs.setdefault("award", award)
                kwargs.setdefault("money", money)
                if award.student.guardian_phone:
                    record_access("view", "student", [award.student_id], f"{_l('Phone follow-up')}：{award.student.name}",
                                  school_id=award.school_id)
        return super().render_template(template, **kwargs)


def _inspector_label(user):
    roles = "、".join(ROLE_LABELS.get(role.name, role.name) for role in user.roles)
    return f"{person_name(user)}（{roles}）" if roles else person_name(user)


def _inspector_choices():
    """Supervisors and the centre's staff (app/rules/supervision.py), and on an edit the inspectors the
    record already names."""
    return inspector_candidates(db.session, keep=g.get("_inspectors_kept", ()))


# Shown with each inspection in the list and on the home page (app/models/supervision.py names it).
@Inspection.overdue_label.computed_by
def _overdue_label(inspection):
    return str(_l("Overdue")) if is_rectification_overdue(inspection) else ""


class InspectionView(AidModelView):
    datamodel = AidInterface(Inspection)
    list_title = _l("Inspections")
    show_title = _l("Inspection")
    add_title = _l("Record an inspection")
    edit_title = _l("Edit inspection")
    label_columns = INSPECTION_LABELS
    list_columns = ["school", "kind", "inspected_on", "status", "total_score", "result", "rectification_status",
                    "rectification_deadline", "overdue_label"]
    show_columns = ["school", "kind", "status", "inspected_on", "inspectors", "findings", "total_score", "result",
                    "rectification_demand", "rectification_deadline", "rectification_status", "rectification_done",
                    "evidence_name", "rectified_at", "checked_at"]
    show_fieldsets = grouped(show_columns, (_l("The inspection"), ["school", "kind", "status", "inspected_on", "inspectors",
                                                               "findings", "total_score", "result"]),
                             (_l("The rectification"), ["rectification_demand", "rectification_deadline",
                                                        "rectification_status", "rectification_done", "evidence_name",
                                                        "rectified_at", "checked_at"]))
    add_columns = edit_columns = ["school", "kind", "status", "inspected_on", "inspectors", "findings", "result",
                                  "rectification_demand", "rectification_deadline"]
    search_columns = ["school", "kind", "status", "result", "rectification_status", "inspected_on"]
    search_bar_columns = ["school", "kind", "status", "rectification_status"]  # the list's search bar
    base_order = ("inspected_on", "desc")
    related_views = [InspectionScoreView, PhoneCallView]
    show_template = "aid/inspection_show.html"
    rule_check = staticmethod(check_inspection)
    formatters_columns = {"inspectors": lambda users: "、".join(
        (f"{u.first_name or ''}{u.last_name or ''}".strip() or u.username) for u in users or []),
        "total_score": lambda score: "—" if score is None else score}
    description_columns = {
        "kind": _l("An unannounced visit stays unseen by the school until it is recorded as done."),
        "inspectors": _l("Supervisors and the aid centre's staff. Left empty, the supervisor recording it."),
        "rectification_demand": _l("What the school must put right; give a deadline too."),
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "inspectors": StrictQuerySelectMultipleField(
            INSPECTION_LABELS["inspectors"], query_func=_inspector_choices, get_pk_func=lambda user: user.id,
            get_label=_inspector_label, widget=Select2ManyWidget(),
            description=_l("Supervisors and the aid centre's staff. Left empty, the supervisor recording it.")),
    }
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_export", "can_rectify", "can_check", "can_sample",
                        "can_evidence", "can_scores"]

    def pre_add(self, item):
        """An inspection recorded without naming its inspectors was made by whoever records it."""
        super().pre_add(item)
        if not item.inspectors and SUPERVISOR in {role.name for role in g.user.roles}:
            item.inspectors = [db.session.get(User, g.user.id)]

    def post_add(self, item):
        super().post_add(item)
        g._added_inspection = item.id

    def post_add_redirect(self):
        """A new inspection opens on its record, where its scores are entered next."""
        if g.get("_added_inspection") is not None:
            return redirect(url_for("InspectionView.show", pk=g._added_inspection))
        return super().post_add_redirect()

    def _edit(self, pk):
        record = self.datamodel.get(pk)
        g._inspectors_kept = tuple(u.id for u in record.inspectors) if record is not None else ()
        return super()._edit(pk)

    def render_template(self, template, **kwargs):
        from flask_wtf.csrf import generate_csrf

        kwargs.setdefault("csrf_token_value", generate_csrf() if current_app.config.get("WTF_CSRF_ENABLED") else "")
        if template == self.show_template and "pk" in kwargs:
            # which buttons make sense now: 填报整改情况 while one is open, 整改通过/复查不通过 once submitted
            record = self.datamodel.get(kwargs["pk"])
            kwargs.setdefault("rectification", record.rectification_status if record is not None else None)
            kwargs.setdefault("has_evidence", bool(record is not None and record.evidence_path))
            kwargs.setdefault("inspection_kind", record.kind if record is not None else None)
            if record is not None and record.kind == "phone":
                kwargs.setdefault("sample_semesters", paid_by_semester(db.session, record.school_id))
        return super().render_template(template, **kwargs)

    @expose("/scores/<pk>", methods=["GET", "POST"])
    @has_access
    def scores(self, pk):
        """评分表: every checklist item's score and note on one page, saved in one transaction."""
        inspection = self.datamodel.get(pk)
        if inspection is None:
            abort(404)
        lines = score_sheet(db.session, inspection)
        form = DynamicForm()
        if request.method == "POST":
            if not form.validate():
                abort(400)
            # a line the form did not send stays as stored, a note it did not send too
            typed = {line.item.id: (request.form[f"score-{line.item.id}"],
                                    request.form.get(f"note-{line.item.id}", line.note))
                     for line in lines if f"score-{line.item.id}" in request.form}
            saved, error = run(lambda: record_scores(db.session, inspection, typed,
                                                     version=request.form.get("sheet_version") or ""))
            if error is None:
                given, full, _ = sheet_total(saved)
                flash(_l("The scores were saved: %(given)s of %(full)s points.", given=plain_score(given), full=full),
                      "success")
                return redirect(url_for("InspectionView.show", pk=inspection.id))
            if isinstance(error, SheetError):
                lines = error.lines
                flash(_l("Nothing was saved: correct the scores marked below."), "danger")
            else:  # scores changed since the page was opened, or refused by the rules or the database
                lines = score_sheet(db.session, inspection)
                flash(str(error), "danger")
        given, full, scored = sheet_total(lines)
        return self.render_template("aid/score_sheet.html", inspection=inspection, lines=lines,
                                    version=sheet_version(score_sheet(db.session, inspection)),
                                    given=plain_score(given), full=full, scored=scored,
                                    title=_l("Scores of the inspection"))

    @expose("/rectify/<pk>", methods=["GET", "POST"])
    @has_access
    def rectify(self, pk):
        """The school's officer records what was done, with evidence."""
        inspection = record_or_404(self, pk)
        form = RectifyForm()
        error = None
        if request.method == "POST" and form.validate():
            done, error = run_step(lambda: rectify(inspection, form.done.data, evidence=form.evidence.data),
                                   _l("The rectification was submitted for checking."),
                                   url_for("InspectionView.show", pk=inspection.id))
            if done:
                return done
        return self.render_template("aid/rectify.html", inspection=inspection, form=form, error=error and str(error),
                                    title=_l("Record the rectification"))

    @expose("/check/<pk>", methods=["POST"])
    @has_access
    def check(self, pk):
        """The supervisor accepts the rectification or reopens it with what is still to be done."""
        inspection = record_or_404(self, pk)
        if not DynamicForm().validate():
            abort(400)
        return run_and_return(
            lambda: check_rectification(inspection, request.form.get("decision") == "accept", request.form.get("comment")),
            _l("The rectification was checked."), url_for("InspectionView.show", pk=inspection.id))

    @expose("/sample/<pk>", methods=["POST"])
    @has_access
    def sample(self, pk):
        """Draw the calls of a phone follow-up: a reproducible sample of the semester's paid awards."""
        inspection = record_or_404(self, pk)
        if inspection.kind != "phone":
            abort(404)
        if not DynamicForm().validate():
            abort(400)
        semester_id = request.form.get("semester", type=int)
        size = max(1, min(request.form.get("size", type=int) or 10, 200))
        seed = request.form.get("seed", type=int) or inspection.id
        return run_and_return(lambda: draw_phone_sample(db.session, inspection, semester_id, size, seed),
                              lambda made: _l("%(n)d families to call were drawn (seed %(s)d).", n=made, s=seed),
                              url_for("InspectionView.show", pk=inspection.id))

    @expose("/evidence/<pk>")
    @has_access
    def evidence(self, pk):
        inspection = self.datamodel.get(pk)
        if inspection is None or not inspection.evidence_path:
            abort(404)
        return storage.send_upload(inspection.evidence_path, inspection.evidence_name)


class RectifyForm(DynamicForm):
    done = TextAreaField(_l("What the school did"))
    evidence = FileField(_l("Evidence (photo, scan or document)"))


class InspectionItemView(AidModelView):
    datamodel = AidInterface(InspectionItem)
    list_title = _l("Inspection checklist")
    show_title = add_title = edit_title = _l("Checklist item")
    label_columns = {"name": _l("Checklist item"), "max_score": _l("Full score"), "sort_order": _l("Order"),
                     "active": _l("Active")}
    list_columns = show_columns = add_columns = edit_columns = ["name", "max_score", "sort_order", "active"]
    search_columns = ["name", "active"]
    base_order = ("sort_order", "asc")
