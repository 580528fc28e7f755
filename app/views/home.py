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
        roles = [ROLE_LABELS.get(r.name, r.name) for r in user.roles]
        from app.views.reporting import todo_items

        return self.render_template(
            self.index_template, appbuilder=self.appbuilder, counts=counts, roles=roles,
            school=school, officer_without_school=(scope == -1),
            items=todo_items() if school else None, now=datetime.utcnow(),
        )
