"""The security manager: Flask-AppBuilder's, with roles from code and fewer queries."""
import logging
import re

from flask import abort, current_app, flash, g, has_request_context, redirect, request, session as flask_session
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash
from wtforms import StringField
from wtforms.validators import Optional
from flask_appbuilder.actions import action
from flask_appbuilder.api import safe
from flask_appbuilder.security.api import SecurityApi as FabSecurityApi
from flask_appbuilder.security.decorators import has_access, no_cache
from flask_appbuilder.security.forms import LoginForm_db
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import Role
from flask_appbuilder.security.utils import is_null_password
from flask_appbuilder.security.views import AuthDBView as FabAuthDBView, RoleModelView, UserDBModelView
from flask_appbuilder.security.views import ResetMyPasswordView as FabResetMyPasswordView
from flask_appbuilder.utils.base import get_safe_redirect
from flask_appbuilder.views import expose
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_appbuilder.widgets import ListWidget, ShowWidget
from flask_babel import gettext, lazy_gettext as _l
from flask_login import login_user, logout_user

from app.security import hardening
from app.security import sessions
from app.security.scope import request_user, user_itself

from app.security.roles import LOAN_MENUS, LOAN_PERMISSIONS, LOAN_VIEWS, ROLE_LABELS
from app.models.people import person_name
from app.views.filters import ShowsFilters
from app.demo import guard as demo_guard

# Roles keep their English codes (used in code and on the command line); people read the label.
Role.__str__ = lambda self: ROLE_LABELS.get(self.name, self.name)
Role.__repr__ = Role.__str__

log = logging.getLogger(__name__)


def _yes_no(value):
    return str(_l("Yes")) if value else str(_l("No"))


def _role_names(roles):
    """系统管理员、资助中心 (a list of roles would show as [系统管理员])."""
    return "、".join(str(role) for role in roles or ()) or "—"


def _person_or_dash(user):
    return person_name(user) or "—"


def _count(value):
    return 0 if value is None else value


def _date_time(value):
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


class AidUserDBModelView(ShowsFilters, UserDBModelView):
    """User accounts, without the groups this product does not use."""

    list_template = "aid/list.html"
    list_columns = ["username", "first_name", "last_name", "email", "active", "roles"]
    search_columns = ["username", "first_name", "last_name", "email", "active", "roles"]
    add_columns = ["username", "first_name", "last_name", "email", "active", "roles", "password", "conf_password"]
    edit_columns = ["username", "first_name", "last_name", "email", "active", "roles"]
    # the family name may stay empty (the whole name in the given name), as the form says: the model's
    # NOT NULL column would make the browser refuse an empty box; it is stored as ""
    _last_name = StringField(_l("Last Name"), filters=[lambda v: v or ""], validators=[Optional()],
                             widget=BS3TextFieldWidget(),
                             description=_l("Family name (may stay empty when the whole name is in the given name)."))
    add_form_extra_fields = {**UserDBModelView.add_form_extra_fields, "last_name": _last_name}
    edit_form_extra_fields = {"last_name": _last_name}
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
        "roles": _role_names, "created_by": _person_or_dash, "changed_by": _person_or_dash,
        "login_count": _count, "fail_login_count": _count,
    }

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        """Flask-AppBuilder's user page, with the unlock button beside reset password and, above the
        account, whether failed logins have locked it (until when, from which computer)."""
        actions = {name: self.actions[name] for name in ("resetpasswords", "unlock") if name in self.actions}
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        from app.views.base.interface import remember_read

        remember_read(self.datamodel.obj, pk, item)  # the page's own read, which the breadcrumbs name
        widgets = self._get_show_widget(pk, item, actions=actions)
        self.update_redirect()
        return self.render_template("aid/user_show.html", pk=pk, title=self.show_title, widgets=widgets,
                                    appbuilder=self.appbuilder, related_views=self._related_views,
                                    login_locks=hardening.active_locks([item.username, item.email]))

    @action("unlock", _l("Unlock login"), _l("Let these accounts log in again now?"), "fa-unlock", multiple=True)
    def unlock(self, items):
        """Lift the temporary lock that failed logins put on an account."""
        items = items if isinstance(items, list) else [items]
        self.appbuilder.sm.unlock_users(items)
        flash(gettext("Unlocked: %(names)s. These accounts can log in again.",
                      names=", ".join(u.username for u in items)), "info")
        return redirect(request.referrer or self.get_redirect())


class AidRoleModelView(ShowsFilters, RoleModelView):
    """Roles are defined in code (app/security/roles.py): listed here, never edited."""

    list_template = "aid/list.html"
    base_permissions = ["can_list", "can_show"]
    list_widget = ListWidget
    show_widget = ShowWidget
    list_columns = ["name"]
    show_columns = ["name"]
    search_columns = ["name"]
    formatters_columns = {"name": lambda name: f"{ROLE_LABELS.get(name, name)}（{name}）"}


class AuthDBView(FabAuthDBView):
    """Flask-AppBuilder's login form (same name, same endpoints), which says when the
    account is temporarily locked instead of the usual "invalid login"."""

    @expose("/login/", methods=["GET", "POST"])
    @no_cache
    def login(self):
        if g.user is not None and g.user.is_authenticated:
            return redirect(self._get_safe_next_url())
        form = LoginForm_db()
        if form.validate_on_submit():
            next_url = get_safe_redirect(request.args.get("next", ""))
            user = self.appbuilder.sm.auth_user_db(form.username.data, form.password.data)
            if not user:
                until = g.pop("aid_login_locked_until", None)
                flash(hardening.locked_message(until) if until else str(self.invalid_login_message), "warning")
                return redirect(self.appbuilder.get_url_for_login_with(next_url))
            login_user(user, remember=False)
            return redirect(next_url)
        return self.render_template(self.login_template, title=self.title, form=form, appbuilder=self.appbuilder)

    @expose("/logout/", methods=["GET", "POST"])
    @no_cache
    def logout(self):
        """退出登录 is a POST (the menu's link posts it, app/static/js/behaviours.js): logging out ends
        every login of the user (app/security/sessions.py), which a link on another site must not be able to
        do. A GET changes nothing: it shows the button."""
        user = self._get_authenticated_user()
        if request.method == "GET":
            if user is None:
                return redirect(self.appbuilder.get_url_for_login)
            return self.render_template("aid/logout.html", title=gettext("Log out"), appbuilder=self.appbuilder)
        logout_user()
        if user is not None:
            self.appbuilder.sm.on_user_logout(user)
        return redirect(self.appbuilder.get_url_for_login)


class ResetMyPasswordView(FabResetMyPasswordView):
    """修改密码 (same name, same endpoints): the new password ends every login of the user,
    this one included (app/security/sessions.py); the user logs in again with it."""

    def form_post(self, form):
        self.appbuilder.sm.reset_password(g.user.id, form.password.data)
        logout_user()
        _forget_login()
        flash(gettext("Password changed. Please log in with the new password."), "info")
        return redirect(self.appbuilder.get_url_for_login)


def _school_without_loans() -> bool:
    """Whether the user is the officer of a school without borrowers: a 幼儿园, 小学 or 初中
    (app/rules/loans.py LOAN_STAGES)."""
    from app.rules.loans import stage_has_loans
    from app.security.scope import current_school_scope

    if not has_request_context():
        return False
    cached = g.get("_aid_school_without_loans")
    if cached is not None:
        return cached
    scope = current_school_scope()
    without = False
    if scope is not None and scope > 0:
        from app.extensions import db
        from app.models import School

        loaded = getattr(g.get("user"), "__dict__", {})  # the user as _load_user read it, with its school's stage
        stage = loaded.get("aid_school_stage") if loaded.get("aid_school_id") == scope else None
        if stage is None:  # a user loaded otherwise (a JWT's)
            school = db.session.get(School, scope)
            stage = school.stage if school is not None else None
        without = stage is not None and not stage_has_loans(stage)
    g._aid_school_without_loans = without
    return without


def _menus_without_work():
    """Menu entries of work the user's school does not have: a school officer of a 幼儿园, 小学 or
    初中 has no borrowers, so no 助学贷款 menu."""
    return frozenset(LOAN_MENUS) if _school_without_loans() else frozenset()


def _work_the_school_does_not_have(permission_name, view_name) -> bool:
    """The loan screens, API and notice of a school without borrowers: refused by address too."""
    return (view_name in LOAN_VIEWS or (view_name, permission_name) in LOAN_PERMISSIONS) and _school_without_loans()


# What a login keeps in the session (Flask-Login's and app/security/hardening.py's); the rest (language,
# messages) stays when a login ends.
LOGIN_KEYS = ("_user_id", "_fresh", "_id", "_remember", "_remember_seconds", sessions.SESSION_KEY,
              "_aid_seen", "_aid_login_at")


def _forget_login():
    for key in LOGIN_KEYS:
        flask_session.pop(key, None)


class SecurityApi(FabSecurityApi):
    """Flask-AppBuilder's API login (same name, same endpoints), which answers a locked
    account with its own message and the time the lock ends."""

    @expose("/login", methods=["POST"])
    @safe
    def login(self):
        response = super().login()
        until = g.pop("aid_login_locked_until", None)
        if until is not None and response.status_code == 401:
            return self.response(401, message=hardening.locked_message(until), locked_until=until.isoformat() + "Z")
        return response

    login.__doc__ = FabSecurityApi.login.__doc__


class AidSecurityManager(SecurityManager):
    authdbview = AuthDBView
    security_api = SecurityApi

    def auth_user_db(self, username, password):
        """Flask-AppBuilder's database login, with a temporary lock after repeated failures.

        The lock belongs to the login name as typed (lower case) or, when it names an
        account, to that account's user name: names that are no account lock the same way,
        so the answers never tell whether an account exists. It holds at the client address
        the failures came from only: someone guessing from one computer does not keep the
        real user out at theirs. The first lock of a series also ends the account's sessions
        (app/security/sessions.py); the following ones do not, or the guesser could log the user out
        again and again.
        """
        if not username:
            return None
        config = current_app.config
        user = self.find_user(username=username)
        if user is None:
            user = self.find_user(email=username)
        key = hardening.lock_key(username, user)
        address = hardening.client_address()
        lock = hardening.find_lock(key, address)
        if hardening.is_locked(lock):
            g.aid_login_locked_until = lock.locked_until
            log.info("login refused: %r is locked until %s UTC", key, lock.locked_until)
            return None
        if user is not None and user.is_active and not is_null_password(password) \
                and check_password_hash(user.password, password) \
                and not demo_guard.login_refused(self.session, user, password):  # fails as a wrong password
            if lock is not None:
                self.session.delete(lock)
            sessions.current(self.session, user.id)  # the epoch this login's cookie or tokens carry
            self.update_user_auth_stat(user, True)  # commits
            return user
        if user is None or not user.is_active:
            # Balance failure and success (as Flask-AppBuilder does).
            check_password_hash(config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"], "password")
        lock = hardening.record_failure(config, key, lock, address)
        if hardening.is_locked(lock):
            g.aid_login_locked_until = lock.locked_until
            if user is not None and lock.level == 1 and lock.failures == 0:  # locked just now, first of a series
                sessions.bump(self.session, user.id, "locked")
        try:
            if user is not None and user.is_active:
                self.update_user_auth_stat(user, False)  # commits
            else:
                self.session.commit()
        except IntegrityError:  # the same new name failing twice at once: one row is enough
            self.session.rollback()
        log.info("login failed for %r", key)
        return None

    def unlock_users(self, users):
        """Lift the lock of these accounts (by user name and e-mail) and reset their failures."""
        names = [n for u in users for n in (u.username, u.email)]
        for user in users:
            user.fail_login_count = 0
        hardening.unlock(names)
        self.session.commit()

    def _load_user(self, pk):
        """The user, its roles, its school and its login epoch in one query (instead of three),
        or None for an inactive account.

        The school an information officer belongs to is kept on the user object
        for app/security/scope.py, which would otherwise look it up on every request;
        its name and the current semester for the top bar of every page (app/fab/navigation.py).
        """
        from app.models import Semester

        try:
            pk = int(pk)
        except (TypeError, ValueError):
            return None
        result = self.session.execute(self._user_statement(), {"aid_user_pk": pk}).unique().first()
        if result is None:
            return None
        user, school_id, epoch, school_name, school_stage, semester = result
        if not user.is_active:
            return None
        user.aid_school_id = school_id
        user.aid_school_name = school_name
        user.aid_school_stage = school_stage  # whether its officer has loan menus (_school_without_loans)
        year, _, term = (semester or "").partition("|")
        user.aid_semester = str(Semester(school_year=year, term=term)) if semester else None
        user.aid_session_epoch = epoch
        return user

    def _user_statement(self):
        """The statement of ``_load_user``, built once (the user's id is its parameter): every request runs it,
        and building its joins and subquery again took about a quarter of a millisecond of each (940 → 700 µs a load)."""
        statement = self.__dict__.get("_aid_user_statement")
        if statement is None:
            from app.models import InfoOfficer, School, Semester
            from app.security.scope import unscoped

            user_model = self.user_model
            epochs = sessions.UserSessionEpoch
            semester = (select(Semester.school_year.concat("|").concat(Semester.term))
                        .where(Semester.is_current.is_(True)).limit(1).scalar_subquery())
            statement = self._aid_user_statement = (
                select(user_model, InfoOfficer.school_id, epochs.epoch, School.name, School.stage, semester)
                .outerjoin(InfoOfficer, InfoOfficer.user_id == user_model.id)
                .outerjoin(School, School.id == InfoOfficer.school_id)
                .outerjoin(epochs, epochs.user_id == user_model.id)
                .options(joinedload(user_model.roles))
                .where(user_model.id == bindparam("aid_user_pk"))
                .execution_options(**unscoped())
            )
        return statement

    def load_user(self, pk):
        """The user of the session cookie, if the cookie's login epoch is still the user's:
        a password change, deactivation, logout or lock since the login ends it."""
        user = self._load_user(pk)
        if user is None or user.aid_session_epoch is None \
                or flask_session.get(sessions.SESSION_KEY) != user.aid_session_epoch:
            if flask_session.get("_user_id") is not None:
                self._end_stale_session()
            return None
        return user

    def _end_stale_session(self):
        _forget_login()
        if not request.path.startswith("/api/"):
            flash(gettext("Your login has ended: the password was changed, the account was logged out "
                          "elsewhere, locked or stopped. Please log in again."), "warning")

    def load_user_jwt(self, _jwt_header, jwt_data):
        """The user of a JWT (access or refresh), if the token's login epoch is still the user's."""
        user = self._load_user(jwt_data["sub"])
        if user is None or user.aid_session_epoch is None or jwt_data.get(sessions.CLAIM) != user.aid_session_epoch:
            return None
        sessions._remember(user.id, user.aid_session_epoch)
        g.user = user
        return user

    def create_jwt_manager(self, app):
        """Flask-AppBuilder's, with the login epoch in every token (access and refresh)."""
        jwt_manager = super().create_jwt_manager(app)
        jwt_manager.additional_claims_loader(
            lambda identity: {sessions.CLAIM: sessions.current(self.session, identity)}
        )
        return jwt_manager

    def on_user_logout(self, user):
        """Logging out ends every session and token of the user: a cookie captured before
        cannot be replayed (it is signed, not stored: only the epoch can take it back)."""
        sessions.bump(self.session, user.id, "logout")
        self.session.commit()

    userdbmodelview = AidUserDBModelView
    rolemodelview = AidRoleModelView
    resetmypasswordview = ResetMyPasswordView

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
        user = user_itself(user)  # not Flask-Login's proxy: it looks the user up at every read
        if not user.is_authenticated:
            return [self.get_public_role()]
        cache = g.get("_user_roles")
        if cache is not None and cache[0] == user.id:
            return cache[1]
        roles = list(user.roles)
        g._user_roles = (user.id, roles)
        return roles

    def get_user_menu_access(self, menu_names=None):
        """The menu entries the user may see, less those of work its school does not have."""
        allowed = super().get_user_menu_access(menu_names)
        return allowed - _menus_without_work()

    def has_access(self, permission_name, view_name):
        """The framework's check, answered once per user, permission and view in a request
        (a page asks it for every menu entry and button), and once per set of roles of code for the
        life of the process (the menu's ~80 entries on every page). The work a school does not have
        is asked first, on every call."""
        if permission_name == "menu_access" and view_name in _menus_without_work():
            return False
        if _work_the_school_does_not_have(permission_name, view_name):
            return False
        user = request_user()
        try:
            user_key = user.id if user is not None and user.is_authenticated else None
        except AttributeError:
            user_key = None
        cache = g.get("_aid_access")
        if cache is None:
            cache = g._aid_access = {}
        key = (user_key, permission_name, view_name)
        if key not in cache:
            roles = self._code_roles(user) if user_key is not None else None
            if roles is None:
                cache[key] = super().has_access(permission_name, view_name)
            else:  # roles of code only, on an active account: the same roles give the same answer while the app runs
                answers = self._builtin_answers  # keyed by a tuple of role names here, by one role's name there
                shared = (roles, permission_name, view_name)
                if shared not in answers:
                    answers[shared] = super().has_access(permission_name, view_name)
                cache[key] = answers[shared]
        return cache[key]

    def _code_roles(self, user):
        """The names of an active user's roles when all are roles of code (app/security/roles.py), else None: a
        role kept in the database may change while the app runs, and a request authenticated by an API key or a
        token takes the framework's own path."""
        if getattr(g, "_api_key_user", False) or not user.is_active:
            return None
        names = tuple(sorted(r.name for r in self.get_user_roles(user)))
        return names if names and all(n in self.builtin_roles for n in names) else None

    def _has_access_builtin_roles(self, role, permission_name, view_name):
        """Whether a built-in role grants a permission, remembered for the life of the process.

        The roles are code (app/security/roles.py), so the answer for a (role, permission,
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
        """Public permissions are code too (a "Public" entry in app/security/roles.py): no query."""
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
        """Create every role of app/security/roles.py (and Public) that is missing; idempotent."""
        names = list(self.builtin_roles) + [self.auth_role_public]
        for name in names:
            if self.find_role(name) is None:
                self.add_role(name)
        return names
