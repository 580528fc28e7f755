"""The page after login: the figures and the work of the user's role (app/kpi/dashboard.py)."""

from flask import g, redirect, url_for
from flask_appbuilder import IndexView, expose

from app.kpi import dashboard
from app.extensions import db
from app.models import School
from app.security.roles import ROLE_LABELS
from app.security.scope import current_school_scope
from app import clock


class HomeView(IndexView):
    index_template = "home.html"

    @expose("/")
    def index(self):
        user = g.user
        if not user or not user.is_authenticated:
            return redirect(url_for(self.appbuilder.sm.auth_view.endpoint + ".login"))
        scope = current_school_scope()
        school = db.session.get(School, scope) if scope and scope > 0 else None
        role_names = {r.name for r in user.roles}
        roles = [ROLE_LABELS.get(r, r) for r in role_names]
        context = dict(appbuilder=self.appbuilder, roles=roles, school=school, officer_without_school=(scope == -1),
                       now=clock.now(), complaints=_complaint_panels(role_names, user.id))
        if scope != -1:
            context["board"] = dashboard.overview(school=school, todo=school is not None)
            # a role with no figures of the work plan (the audit role) is pointed to its own work
            context["audit_link"] = dashboard._link("AuditView.list")
        if school is not None:
            context["todo"] = dashboard.officer_todo(context["board"]["coverage"], school=school,
                                                     counts=context["board"]["todo_counts"],
                                                     reports=context["board"]["todo_reports"])
        if "Supervisor" in role_names:
            context["work"] = dashboard.supervisor_work(user.id)
        return self.render_template(self.index_template, **context)


def _complaint_panels(roles, user_id):
    """The complaints a role must act on: overdue ones for the centre and leaders, the leader's
    approvals, a supervisor's investigations, a school's investigations and rectifications."""
    from sqlalchemy import select

    from app.kpi.complaints import overdue_complaints
    from app.models import Complaint

    out = {}
    if roles & {"Admin", "AidCenter", "Leader"}:
        out["overdue"] = overdue_complaints(db.session, limit=10)
    if "Leader" in roles:
        out["to_approve"] = db.session.scalars(
            select(Complaint).where(Complaint.status == "awaiting_approval").order_by(Complaint.received_at)).all()
    if "Supervisor" in roles:
        out["assigned"] = db.session.scalars(
            select(Complaint).where(Complaint.status == "investigating", Complaint.assignee_id == user_id)
            .order_by(Complaint.received_at)).all()
    if "SchoolOfficer" in roles:
        out["assigned"] = db.session.scalars(
            select(Complaint).where(
                (Complaint.status == "rectifying") | ((Complaint.status == "investigating") & (Complaint.handler == "school"))
            ).order_by(Complaint.received_at)).all()
    return out
