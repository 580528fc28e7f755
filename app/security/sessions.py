"""Sessions end when they should: the epoch of a user's logins.

Flask's session is a signed cookie kept by the browser, and a JWT is a signed token kept by
the client: neither can be taken back once handed out. So every user has an *epoch* in the
database (``user_session_epoch``, a random value), copied into the session cookie and into
every JWT (access and refresh) at login. A cookie or token whose epoch is not the user's
current one is refused: by ``load_user`` (the cookie; joined into the query that loads the
user, no query of its own) and ``load_user_jwt`` (the tokens, refresh included).

A new epoch — every cookie and token of that user dead at once — is written in the same
transaction as:

* a password change: one's own (修改密码), an administrator's reset, a command;
* deactivation (``active`` unticked);
* logout (so a cookie captured before it cannot be replayed);
* the first temporary lock of a login name from an address (app/security/manager.py).

The first two are caught by a ``before_flush`` hook on the user row, whatever screen, API or
command changes it.
"""
from __future__ import annotations

import secrets

from flask import g, has_request_context
from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, event, inspect, insert, select

from app import clock

SESSION_KEY = "_aid_epoch"  # in the Flask session
CLAIM = "aid_epoch"  # in every JWT


class UserSessionEpoch(Model):
    """A user's current login epoch; cookies and tokens carrying another one are refused."""

    __tablename__ = "user_session_epoch"
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    epoch = Column(String(32), nullable=False)
    changed_at = Column(DateTime, nullable=False)  # UTC
    reason = Column(String(20), nullable=False)  # login, password, deactivated, logout, locked


def _new_epoch():
    return secrets.token_hex(16)


def _upsert(session, table, values, replace):
    """INSERT ... ON CONFLICT (user_id) DO UPDATE (replace) or DO NOTHING, on SQLite and PostgreSQL."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:  # pragma: no cover - the product runs on these two
        dialect_insert = None
    if dialect_insert is None:
        return None
    stmt = dialect_insert(table).values(**values)
    if replace:
        return stmt.on_conflict_do_update(index_elements=[table.c.user_id],
                                          set_={k: v for k, v in values.items() if k != "user_id"})
    return stmt.on_conflict_do_nothing(index_elements=[table.c.user_id])


def _remember(user_id, epoch):
    if has_request_context():
        g.setdefault("_aid_epochs", {})[int(user_id)] = epoch


def known_epoch(user_id):
    """The epoch already read or written for this user in this request, if any."""
    return g.get("_aid_epochs", {}).get(int(user_id)) if has_request_context() else None


def bump(session, user_id, reason):
    """Give the user a new epoch (every cookie and token of theirs ends); the caller commits."""
    epoch = _new_epoch()
    table = UserSessionEpoch.__table__
    values = dict(user_id=int(user_id), epoch=epoch, changed_at=clock.utcnow(), reason=reason)
    stmt = _upsert(session, table, values, replace=True)
    if stmt is None:  # pragma: no cover
        row = session.get(UserSessionEpoch, int(user_id))
        if row is None:
            session.execute(insert(table).values(**values))
        else:
            row.epoch, row.changed_at, row.reason = epoch, values["changed_at"], reason
    else:
        session.execute(stmt)
    _remember(user_id, epoch)
    return epoch


def current(session, user_id):
    """The user's epoch, made on the first login (a login is rare: two small statements)."""
    epoch = known_epoch(user_id)
    if epoch is not None:
        return epoch
    table = UserSessionEpoch.__table__
    stmt = _upsert(session, table, dict(user_id=int(user_id), epoch=_new_epoch(), changed_at=clock.utcnow(), reason="login"),
                   replace=False)
    if stmt is not None:
        session.execute(stmt)
    epoch = session.execute(select(table.c.epoch).where(table.c.user_id == int(user_id))).scalar()
    if epoch is None:  # pragma: no cover - other databases, first login
        epoch = bump(session, user_id, "login")
    _remember(user_id, epoch)
    return epoch


def _before_flush(session, flush_context, instances):
    """A changed password or an account made inactive ends the user's sessions, in this transaction."""
    for obj in list(session.dirty):
        if getattr(obj, "__tablename__", None) != "ab_user" or obj.id is None:
            continue
        state = inspect(obj)
        password, active = state.attrs.password.history, state.attrs.active.history
        if password.added and password.added[0] != (password.deleted[0] if password.deleted else None):
            bump(session, obj.id, "password")
        elif active.added and not active.added[0] and (not active.deleted or active.deleted[0]):
            bump(session, obj.id, "deactivated")


def install(session):
    if getattr(session, "_aid_epoch_installed", False):
        return
    event.listen(session, "before_flush", _before_flush)
    session._aid_epoch_installed = True
