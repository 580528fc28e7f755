"""What is only for trying stays out of production.

The demo county (app/demo/county.py, app/demo/work.py) and its logins are for trying the product.
Outside development (``AID_ENV`` other than ``development``; production is the default):

* every demo seeder refuses before it reads or writes anything (``demo_only``), whoever calls
  it: ``flask seed-demo``, a script, a shell;
* a demo account cannot log in (``login_refused``, called by app/security/manager.py on the form and
  the API alike): the login fails exactly as with a wrong password, so the answer tells
  nothing. A demo account is one the demo seeder created (``DemoAccount``: the seeder marks
  each one) whose password nobody has changed since, or any account typed with the demo
  password (``DEMO_PASSWORD``, or the published ``Demo@2021``). Setting a new password (the
  user's page, ``flask users set-password``) makes a kept demo account an ordinary one;
* the demo password cannot be set on any account (app/security/passwords.py asks ``is_demo_password``).
"""
from __future__ import annotations

import hmac
import logging
import os
from functools import wraps

from flask import current_app, has_app_context
from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Integer, event, inspect

from app import clock

log = logging.getLogger(__name__)

# The password printed in the README and by `make run`: known to everyone.
PUBLISHED_DEMO_PASSWORD = "Demo@2021"

REFUSAL = (
    "AID_ENV={env}: the demo county and its logins (a password everyone knows) are only for "
    "trying the product and are never loaded outside development. Nothing was written. "
    "To try the product, use a separate installation with AID_ENV=development; "
    "to create the first real administrator: flask users create --role Admin --username NAME."
)


class DemoRefused(RuntimeError):
    """A demo seeder was called outside development."""


def current_env():
    """AID_ENV of the running app (else of the environment); production unless told otherwise."""
    if has_app_context():
        env = current_app.config.get("AID_ENV")
    else:
        env = os.environ.get("AID_ENV")
    return (env or "production").strip().lower() or "production"


def is_development():
    return current_env() == "development"


def refuse_outside_development():
    """Raise DemoRefused (with the message for the person at the console) outside development."""
    env = current_env()
    if env != "development":
        raise DemoRefused(REFUSAL.format(env=env))


def demo_only(function):
    """A demo seeder: refuses outside development before it does anything."""

    @wraps(function)
    def guarded(*args, **kwargs):
        refuse_outside_development()
        return function(*args, **kwargs)

    return guarded


# --- demo accounts -------------------------------------------------------------------------


class DemoAccount(Model):
    """An account the demo seeder created, until someone sets a new password on it."""

    __tablename__ = "demo_account"
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    created_at = Column(DateTime, nullable=False, default=clock.utcnow)  # UTC

    def __str__(self):
        return f"demo account {self.user_id}"


def mark(session, users):
    """Record these users as created by the demo seeder (the caller commits)."""
    for user in users:
        if session.get(DemoAccount, user.id) is None:
            session.add(DemoAccount(user_id=user.id))


def is_demo_account(session, user):
    return user is not None and user.id is not None and session.get(DemoAccount, user.id) is not None


def demo_passwords(config=None):
    if config is None:
        config = current_app.config if has_app_context() else os.environ
    return {p for p in (config.get("DEMO_PASSWORD"), PUBLISHED_DEMO_PASSWORD) if p}


def is_demo_password(password, config=None):
    password = password or ""
    # every candidate compared in full (no early exit on the first match)
    found = False
    for candidate in demo_passwords(config):
        found |= hmac.compare_digest(password.encode(), candidate.encode())
    return found


def login_refused(session, user, password):
    """Whether a login whose password matched must still fail: outside development, a demo
    account or the demo password. The caller answers exactly as for a wrong password."""
    if is_development():
        return False
    if is_demo_password(password):
        log.warning("login refused for %r: the demo password is not accepted outside development", user.username)
        return True
    if is_demo_account(session, user):
        log.warning("login refused for %r: a demo account logs in only after a new password is set "
                    "(flask users set-password %s)", user.username, user.username)
        return True
    return False


def _unmark_on_new_password(session, flush_context, instances):
    """A new password set on a demo account makes it an ordinary one."""
    from flask_appbuilder.security.sqla.models import User

    for obj in list(session.dirty):
        if not isinstance(obj, User) or obj.id is None:
            continue
        if not inspect(obj).attrs.password.history.has_changes():
            continue
        marker = session.get(DemoAccount, obj.id)
        if marker is not None:
            session.delete(marker)


def install(session):
    """Register the hook on the app's (scoped) session."""
    if getattr(session, "_demo_guard_installed", False):
        return
    event.listen(session, "before_flush", _unmark_on_new_password)
    session._demo_guard_installed = True
