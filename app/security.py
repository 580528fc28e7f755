"""The security manager: Flask-AppBuilder's, with roles from code and fewer queries."""
import re

from flask import g
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import Role
from flask_appbuilder.security.views import RoleModelView, UserDBModelView
from flask_appbuilder.widgets import ListWidget, ShowWidget
from flask_babel import lazy_gettext as _l

from app.roles import ROLE_LABELS

# Roles keep their English codes (used in code and on the command line); people read the label.
Role.__str__ = lambda self: ROLE_LABELS.get(self.name, self.name)
Role.__repr__ = Role.__str__


def _yes_no(value):
    return str(_l("Yes")) if value else str(_l("No"))


def _date_time(value):
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


class AidUserDBModelView(UserDBModelView):
    """User accounts, without the groups this product does not use."""

    list_columns = ["username", "first_name", "last_name", "email", "active", "roles"]
    search_columns = ["username", "first_name", "last_name", "email", "active", "roles"]
    add_columns = ["username", "first_name", "last_name", "email", "active", "roles", "password", "conf_password"]
    edit_columns = ["username", "first_name", "last_name", "email", "active", "roles"]
    description_columns = {
        "username": _l("Used to log in."),
        "first_name": _l("Given name, or the whole name."),
        "last_name": _l("Family name (may stay empty when the whole name is in the given name)."),
        "password": _l("At least 8 characters with three of: lower case, upper case, digits, symbols."),
        "conf_password": _l("Type the password again."),
        "active": _l("Untick to stop the account instead of deleting it."),
        "email": _l("A work e-mail address."),
        "roles": _l("系统管理员, 资助中心, 学校信息员, 督查人员 or 分管领导. A 学校信息员 is then linked to a school under 基础数据 › 信息员."),
    }
    formatters_columns = {
        "active": _yes_no, "last_login": _date_time, "created_on": _date_time, "changed_on": _date_time,
    }


class AidRoleModelView(RoleModelView):
    """Roles are defined in code (app/roles.py): listed here, never edited."""

    base_permissions = ["can_list", "can_show"]
    list_widget = ListWidget
    show_widget = ShowWidget
    list_columns = ["name"]
    show_columns = ["name"]
    search_columns = ["name"]
    formatters_columns = {"name": lambda name: f"{ROLE_LABELS.get(name, name)}（{name}）"}


class AidSecurityManager(SecurityManager):
    def load_user(self, pk):
        """The logged-in user, its roles and its school in one query (instead of three).

        The school an information officer belongs to is kept on the user object
        for app/scope.py, which would otherwise look it up on every request.
        """
        from app.models import InfoOfficer
        from app.scope import unscoped

        user_model = self.user_model
        result = self.session.execute(
            select(user_model, InfoOfficer.school_id)
            .outerjoin(InfoOfficer, InfoOfficer.user_id == user_model.id)
            .options(joinedload(user_model.roles))
            .where(user_model.id == int(pk))
            .execution_options(**unscoped())
        ).unique().first()
        if result is None:
            return None
        user, school_id = result
        if not user.is_active:
            return None
        user.aid_school_id = school_id
        return user

    userdbmodelview = AidUserDBModelView
    rolemodelview = AidRoleModelView

    def register_views(self):
        """Login, own account, password and user screens; no groups, no permission
        editing (roles are code) and no statistics chart (it loads Google's loader)."""
        self.appbuilder.add_api(self.security_api)
        self.appbuilder.add_view_no_menu(self.userinfoeditview())
        self.user_view = self.userdbmodelview
        self.auth_view = self.authdbview()
        self.appbuilder.add_view_no_menu(self.resetpasswordview())
        self.appbuilder.add_view_no_menu(self.resetmypasswordview())
        self.appbuilder.add_view_no_menu(self.auth_view)
        if self.is_auth_limited:
            self.limiter.limit(self.auth_rate_limit, methods=["POST"])(self.auth_view.blueprint)
        system = dict(category="Security", category_icon="fa-cogs", category_label=_l("System"))
        self.user_view = self.appbuilder.add_view(
            self.user_view, "List Users", icon="fa-user", label=_l("Users"), **system
        )
        self.appbuilder.add_view(self.rolemodelview, "List Roles", icon="fa-user-gear", label=_l("Roles"), **system)

    def get_user_roles(self, user):
        """The user's roles, read once per request (groups are not used here)."""
        if not user.is_authenticated:
            return [self.get_public_role()]
        cache = g.get("_user_roles")
        if cache is not None and cache[0] == user.id:
            return cache[1]
        roles = list(user.roles)
        g._user_roles = (user.id, roles)
        return roles

    def has_access(self, permission_name, view_name):
        """The framework's check, answered once per user, permission and view in a request
        (a page asks it for every menu entry and button)."""
        user = g.get("user")
        try:
            user_key = user.id if user is not None and user.is_authenticated else None
        except AttributeError:
            user_key = None
        cache = g.get("_aid_access")
        if cache is None:
            cache = g._aid_access = {}
        key = (user_key, permission_name, view_name)
        if key not in cache:
            cache[key] = super().has_access(permission_name, view_name)
        return cache[key]

    def _has_access_builtin_roles(self, role, permission_name, view_name):
        """Whether a built-in role grants a permission, remembered for the life of the process.

        The roles are code (app/roles.py), so the answer for a (role, permission,
        view) never changes while the app runs; the framework would otherwise
        try every pattern of the role for every menu entry and button of every page.
        """
        key = (role.name, permission_name, view_name)
        answer = self._builtin_answers.get(key)
        if answer is None:
            answer = super()._has_access_builtin_roles(role, permission_name, view_name)
            self._builtin_answers[key] = answer
        return answer

    @property
    def _builtin_answers(self):
        answers = self.__dict__.get("_aid_builtin_answers")
        if answers is None:
            answers = self.__dict__["_aid_builtin_answers"] = {}
        return answers

    def is_item_public(self, permission_name, view_name):
        """Public permissions are code too (a "Public" entry in app/roles.py): no query."""
        role = self.builtin_roles.get(self.auth_role_public)
        if not role:
            return False
        return any(
            re.match(view, view_name) and re.match(perm, permission_name) for view, perm in role
        )

    def get_public_role(self):
        cached = g.get("_public_role")
        if cached is None:
            cached = super().get_public_role()
            g._public_role = cached
        return cached

    def sync_roles(self):
        """Create every role of app/roles.py (and Public) that is missing; idempotent."""
        names = list(self.builtin_roles) + [self.auth_role_public]
        for name in names:
            if self.find_role(name) is None:
                self.add_role(name)
        return names
