"""学生转入申请 screens: a school files, the county centre moves the pupil or returns the request.

The rules and the move are in app/rules/transfers.py; this page parses, calls and shows.
"""
from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.forms import DynamicForm
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField

from app.extensions import db
from app.models import TransferRequest
from app.rules import RuleError
from app.rules.transfers import approve, check_transfer, registered_pupil, return_request
from app.views.base import AidInterface, AidModelView, current_roles
from app.views.basic import grade_field

LABELS = {
    "school": _l("Requesting school"), "id_number": _l("ID number"), "name": _l("Name"), "grade": _l("Grade"),
    "class_name": _l("Class"), "reason": _l("Reason"), "status": _l("Status"), "answer": _l("The centre's answer"),
    "decided_by": _l("Decided by"), "decided_at": _l("Decided at"), "created_at": _l("Filed at"),
    "student": _l("Student"),
}


class AnswerForm(DynamicForm):
    answer = TextAreaField()


class TransferRequestView(AidModelView):
    personal_data = True
    datamodel = AidInterface(TransferRequest)
    list_title = _l("Transfer requests")
    show_title = _l("Transfer request")
    add_title = _l("Request a pupil's transfer to this school")
    edit_title = _l("Edit transfer request")
    show_template = "aid/transfer_show.html"
    label_columns = LABELS
    list_columns = ["name", "id_number", "school", "grade", "class_name", "status", "created_at", "decided_at"]
    show_columns = ["school", "name", "id_number", "grade", "class_name", "reason", "status", "answer",
                    "decided_by", "decided_at", "created_at"]
    add_columns = edit_columns = ["school", "id_number", "name", "grade", "class_name", "reason"]
    search_columns = ["school", "name", "status", "grade"]
    order_columns = ["name", "status", "created_at", "decided_at"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_approve", "can_return_form"]
    description_columns = {
        "school": _l("The school the pupil has come to."),
        "id_number": _l("The pupil's ID number, as on the ID card or household register."),
        "grade": _l("The grade the pupil joins at this school, for example 八年级."),
        "class_name": _l("The class the pupil joins at this school."),
        "reason": _l("For example: the family moved to the town in August; enrolled here on 1 September."),
    }
    rule_check = staticmethod(lambda probe: check_transfer(probe, db.session))
    add_form_extra_fields = edit_form_extra_fields = {
        "grade": grade_field(LABELS["grade"], _l("The grade the pupil joins at this school, for example 八年级."),
                             graduated=False),
    }

    def render_template(self, template_name, **kwargs):
        if template_name == self.show_template and "pk" in kwargs:
            item = self.datamodel.get(kwargs["pk"])
            may_decide = item.status == "pending" and self.appbuilder.sm.has_access(
                "can_approve", self.class_permission_name)
            kwargs.update(transfer=item, csrf_form=AnswerForm(), may_decide=may_decide,
                          current=registered_pupil(db.session, item) if may_decide else None)
        return super().render_template(template_name, **kwargs)

    def _load(self, pk):
        item = self.datamodel.get(pk)  # through the school scope
        if item is None:
            abort(404)
        return item

    def _decide(self, item, decide, done):
        """Run a decision and commit it: (the redirect to the request, None), or (None, why not)."""
        try:
            decide(item)
            db.session.commit()
            flash(done, "success")
            return redirect(url_for("TransferRequestView.show", pk=item.id)), None
        except RuleError as exc:
            db.session.rollback()
            return None, str(exc)

    @expose("/approve/<pk>", methods=["POST"])
    @has_access
    def approve(self, pk):
        """转入: the pupil's record moves to the requesting school."""
        done, error = self._decide(self._load(pk), lambda item: approve(item, db.session, current_roles(), user=g.user),
                                   _l("The pupil now belongs to the requesting school, with its records."))
        if done is not None:
            return done
        flash(error, "danger")
        return redirect(url_for("TransferRequestView.show", pk=pk))

    @expose("/return/<pk>", methods=["GET", "POST"])
    @has_access
    def return_form(self, pk):
        """退回, with the reason the school reads."""
        item = self._load(pk)
        form, error = AnswerForm(), None
        if request.method == "POST" and form.validate():
            done, error = self._decide(
                item, lambda it: return_request(it, db.session, current_roles(), form.answer.data, user=g.user),
                _l("The request was returned to the school."))
            if done is not None:
                return done
        return self.render_template("aid/transfer_return.html", transfer=item, form=form, error=error,
                                    title=_l("Return the request"))
