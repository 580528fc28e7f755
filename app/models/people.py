"""The people who use the back office (Flask-AppBuilder's accounts) as the records name them: the audit
trail, the verification lists' history, the screens and the documents."""
from flask import g, has_app_context
from flask_appbuilder.security.sqla.models import User

from app.extensions import db


def person_name(user):
    """A user as people write a name: family name, then given name; the login when none is kept."""
    if user is None:
        return ""
    return f"{user.last_name or ''}{user.first_name or ''}".strip() or user.username


def person_and_login(user, username=None):
    """Who did something, for the audit trail: the name with the login (刘洋（officer）), or the
    login the trail kept when there is no such account any more."""
    if user is None:
        return username or ""
    name = person_name(user)
    return f"{name}（{user.username}）" if name != user.username else name


def user_by_id(user_id):
    """A user read once per request (a page of the trail names the same few people again and again)."""
    if user_id is None:
        return None
    cache = g.setdefault("_users_by_id", {}) if has_app_context() else {}
    if user_id not in cache:
        cache[user_id] = db.session.get(User, user_id)
    return cache[user_id]
