"""The page after login: who you are, what you can see, and a few counts."""
from datetime import datetime

from flask import g, redirect, url_for
from flask_appbuilder import IndexView, expose
from sqlalchemy import func, select

from app.extensions import db
from app.models import Identification, School, Student
from app.roles import ROLE_LABELS
from app.scope import current_school_scope


class HomeView(IndexView):
    index_template = "home.html"

    @expose("/")
    def index(self):
        user = g.user
        if not user or not user.is_authenticated:
            return redirect(url_for(self.appbuilder.sm.auth_view.endpoint + ".login"))
        scope = current_school_scope()
        school = db.session.get(School, scope) if scope else None
        counts = {
            "schools": db.session.scalar(select(func.count(School.id))),
            "students": db.session.scalar(select(func.count(Student.id))),
            "identified": db.session.scalar(select(func.count(Identification.id))),
            "priority": db.session.scalar(
                select(func.count(Identification.id)).where(Identification.is_priority.is_(True))
            ),
        }
        from app.models import Inspection

        counts["overdue_rectifications"] = db.session.scalar(
            select(func.count(Inspection.id)).where(
                Inspection.rectification_status.in_(("required", "reopened")),
                Inspection.rectification_deadline < datetime.utcnow().date()))
        role_names = {r.name for r in user.roles}
        roles = [ROLE_LABELS.get(r, r) for r in role_names]
        complaints = _complaint_panels(role_names, user.id)
        from app.views.reporting import todo_items

        return self.render_template(
            self.index_template, appbuilder=self.appbuilder, counts=counts, roles=roles,
            school=school, officer_without_school=(scope == -1),
            items=todo_items() if school else None, now=datetime.utcnow(), complaints=complaints,
        )


def _complaint_panels(roles, user_id):
    """The complaints a role must act on: overdue ones for the centre and leaders, the leader's
    approvals, a supervisor's investigations, a school's investigations and rectifications."""
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
