"""Sessions end when they should (app/security/sessions.py, app/security/manager.py, app/security/hardening.py).

A password change (one's own and an administrator's reset), deactivation, logout and the
temporary lock end every session cookie and every JWT (access and refresh) of the user,
including copies captured before; other users keep theirs; a fresh login works afterwards.
The lock holds per login name and client address, each lock of a series longer than the one
before, and the administrator lifts it on the users' page or with `flask users unlock`."""
import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import event

from app.security import hardening
from app.security import sessions
from app.clock import utcnow
from app.extensions import db
from tests.conftest import PASSWORD, post_edit

NEW_PASSWORD = "Fresh@2022pw"
ATTACKER = "10.66.0.7"
HOME = "127.0.0.1"  # the test client's address


def _sibling(app, **overrides):
    from app import create_app

    return create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                      SQLALCHEMY_ENGINE_OPTIONS=app.config["SQLALCHEMY_ENGINE_OPTIONS"], **overrides)


@pytest.fixture(scope="module")
def locking(app):
    """The real lock: 3 failures lock for 15 minutes, doubling up to a day; no rate limit."""
    return _sibling(app, LOGIN_MAX_FAILURES=3, LOGIN_LOCK_MINUTES=15, LOGIN_LOCK_MAX_MINUTES=24 * 60,
                    LOGIN_RATE_PER_MINUTE=0)


def _new_user(app):
    from app.cli import create_user

    name = "t_sess_" + uuid.uuid4().hex[:8]
    with app.app_context():
        create_user(name, "AidCenter", PASSWORD)
    return name


@pytest.fixture()
def user(app):
    """A user of this test only (its sessions end, its locks come and go)."""
    name = _new_user(app)
    yield name
    with app.app_context():
        hardening.unlock([name, name + "@aid.invalid"])
        db.session.commit()


@pytest.fixture()
def bystander(app):
    """Another user of this test, logged in by cookie and by token: never touched."""
    name = _new_user(app)
    return Logins(app, name)


def _user_id(app, name):
    with app.app_context():
        return app.appbuilder.sm.find_user(username=name).id


def _epoch_row(app, name):
    with app.app_context():
        row = db.session.get(sessions.UserSessionEpoch, _user_id(app, name))
        return None if row is None else (row.epoch, row.reason)


class Logins:
    """One user logged in every way at once: a browser (its cookie copied, as a thief would),
    and the API's access and refresh tokens."""

    def __init__(self, app_, name, password=PASSWORD, address=HOME):
        self.app, self.name = app_, name
        self.browser = app_.test_client()
        self.browser.environ_base["REMOTE_ADDR"] = address
        r = self.browser.post("/login/", data={"username": name, "password": password})
        assert r.status_code == 302 and "/login/" not in r.headers["Location"], f"login of {name} failed"
        self.cookie = self.browser.get_cookie("session").value
        r = app_.test_client().post("/api/v1/security/login",
                                    json={"username": name, "password": password, "provider": "db", "refresh": True})
        assert r.status_code == 200, r.get_data(as_text=True)
        self.access, self.refresh = r.get_json()["access_token"], r.get_json()["refresh_token"]

    def replayed_cookie(self):
        """A new browser carrying the cookie captured at login."""
        client = self.app.test_client()
        client.set_cookie("session", self.cookie)
        return client

    def cookie_works(self):
        r = self.replayed_cookie().get("/studentview/list/")
        if r.status_code == 302:
            assert r.headers["Location"].startswith("/login/")
            return False
        assert r.status_code == 200
        return True

    def access_works(self):
        r = self.app.test_client().get("/api/v1/student/", headers={"Authorization": "Bearer " + self.access})
        assert r.status_code in (200, 401), r.status_code
        return r.status_code == 200

    def refresh_works(self):
        r = self.app.test_client().post("/api/v1/security/refresh", headers={"Authorization": "Bearer " + self.refresh})
        assert r.status_code in (200, 401), r.status_code
        return r.status_code == 200

    def all_work(self):
        return self.cookie_works(), self.access_works(), self.refresh_works()


DEAD = (False, False, False)
ALIVE = (True, True, True)


def _fresh_login_works(app_, name, password=PASSWORD):
    return Logins(app_, name, password).all_work() == ALIVE


# --- the events --------------------------------------------------------------------------------


def test_own_password_change_ends_every_session_and_token(app, user, bystander):
    victim = Logins(app, user)
    assert victim.all_work() == ALIVE and bystander.all_work() == ALIVE
    r = victim.browser.post("/resetmypassword/form", data={"password": NEW_PASSWORD, "conf_password": NEW_PASSWORD})
    assert r.status_code == 302 and r.headers["Location"].startswith("/login/")
    assert victim.browser.get("/studentview/list/").status_code == 302  # this browser too: log in again
    assert victim.all_work() == DEAD
    assert _epoch_row(app, user)[1] == "password"
    assert bystander.all_work() == ALIVE
    assert _fresh_login_works(app, user, NEW_PASSWORD)


def test_an_administrators_reset_ends_every_session_and_token(app, user, bystander, as_role):
    victim = Logins(app, user)
    admin = as_role("t_admin")
    r = admin.post(f"/resetpassword/form?pk={_user_id(app, user)}",
                   data={"password": NEW_PASSWORD, "conf_password": NEW_PASSWORD})
    assert r.status_code == 302
    assert victim.all_work() == DEAD
    assert bystander.all_work() == ALIVE
    assert admin.get("/users/list/").status_code == 200  # the administrator's own login goes on
    assert _fresh_login_works(app, user, NEW_PASSWORD)


def test_deactivation_ends_every_session_and_token_and_reactivation_does_not_revive_them(app, user, bystander, as_role):
    victim = Logins(app, user)
    admin = as_role("t_admin")
    pk = _user_id(app, user)
    with app.app_context():
        role_id = app.appbuilder.sm.find_role("AidCenter").id
    fields = {"username": user, "first_name": user, "last_name": "测", "email": f"{user}@aid.invalid", "roles": [role_id]}
    r = post_edit(admin, f"/users/edit/{pk}", fields)  # 启用 unticked
    assert r.status_code == 302
    with app.app_context():
        assert app.appbuilder.sm.find_user(username=user).active is False
    assert victim.all_work() == DEAD
    assert _epoch_row(app, user)[1] == "deactivated"
    assert bystander.all_work() == ALIVE
    assert post_edit(admin, f"/users/edit/{pk}", {**fields, "active": "y"}).status_code == 302
    assert victim.all_work() == DEAD  # stopped once, its old logins stay dead
    assert _fresh_login_works(app, user)


def test_logout_ends_every_session_and_token_and_a_captured_cookie_does_not_replay(app, user, bystander):
    victim = Logins(app, user)
    other_browser = Logins(app, user)  # the same user at another desk
    # a GET of /logout/ (a link on another site) changes nothing: it shows the 退出登录 button
    page = victim.browser.get("/logout/")
    assert page.status_code == 200 and "退出登录" in page.get_data(as_text=True)
    assert victim.all_work() == ALIVE and other_browser.all_work() == ALIVE
    assert victim.browser.post("/logout/").status_code == 302
    assert victim.browser.get("/studentview/list/").status_code == 302
    assert victim.all_work() == DEAD
    assert other_browser.all_work() == DEAD  # logging out ends the user's logins everywhere
    assert _epoch_row(app, user)[1] == "logout"
    assert bystander.all_work() == ALIVE
    assert _fresh_login_works(app, user)


def test_the_lock_ends_every_session_and_token_and_the_user_logs_in_again_at_home(locking, user, bystander):
    victim = Logins(locking, user)
    guesser = locking.test_client()
    guesser.environ_base["REMOTE_ADDR"] = ATTACKER
    for _ in range(3):
        guesser.post("/login/", data={"username": user, "password": "Wrong@2021pw"})
    assert _lock(locking, user, ATTACKER)[1] is not None
    assert victim.all_work() == DEAD
    assert _epoch_row(locking, user)[1] == "locked"
    assert bystander.all_work() == ALIVE
    assert _fresh_login_works(locking, user)  # from the user's own computer
    # the next locks of the same series do not log the user out again
    again = Logins(locking, user)
    _expire(locking, user, ATTACKER)
    for _ in range(3):
        guesser.post("/login/", data={"username": user, "password": "Wrong@2021pw"})
    assert _lock(locking, user, ATTACKER)[2] == 2
    assert again.all_work() == ALIVE


def test_a_stale_cookie_is_told_why_and_logs_in_again(app, user):
    victim = Logins(app, user)
    victim.browser.post("/logout/")
    stale = victim.replayed_cookie()
    r = stale.get("/studentview/list/")
    assert r.status_code == 302
    page = stale.get("/login/").get_data(as_text=True)
    with app.test_request_context():
        from flask_babel import gettext

        message = gettext("Your login has ended: the password was changed, the account was logged out "
                          "elsewhere, locked or stopped. Please log in again.")
    assert message in page
    with stale.session_transaction() as s:
        assert "_user_id" not in s  # the stale login is gone from the cookie, not only refused
    assert stale.post("/login/", data={"username": user, "password": PASSWORD}).status_code == 302
    assert stale.get("/studentview/list/").status_code == 200


def test_a_token_of_another_epoch_or_none_is_refused(app, user):
    """Tokens made before this check existed (no epoch claim) or forged for a past epoch."""
    from flask_jwt_extended import create_access_token

    pk = str(_user_id(app, user))
    Logins(app, user)
    with app.test_request_context():
        no_claim = create_access_token(identity=pk, additional_claims={sessions.CLAIM: None})
        other = create_access_token(identity=pk, additional_claims={sessions.CLAIM: "0" * 32})
        good = create_access_token(identity=pk)
    for token, works in ((no_claim, False), (other, False), (good, True)):
        r = app.test_client().get("/api/v1/student/", headers={"Authorization": "Bearer " + token})
        assert r.status_code == (200 if works else 401)


def test_the_epoch_costs_no_query_of_its_own(app, user):
    """The session's user, its roles, its school and its epoch: one query per request."""
    victim = Logins(app, user)
    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert victim.browser.get("/studentview/list/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    user_queries = [s for s in seen if re.search(r"\bFROM ab_user\b", s)]
    epoch_queries = [s for s in seen if "user_session_epoch" in s]
    assert len(user_queries) == 1, user_queries
    assert epoch_queries == user_queries  # joined into the user's query


# --- the lock, per name and address, growing ---------------------------------------------------


def _lock(app_, name, address):
    with app_.app_context():
        row = db.session.get(hardening.LoginLock, (name.lower(), address))
        return None if row is None else (row.failures, row.locked_until, row.level)


def _expire(app_, name, address):
    with app_.app_context():
        row = db.session.get(hardening.LoginLock, (name.lower(), address))
        row.locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()


def _form_login(client, name, password):
    return client.post("/login/", data={"username": name, "password": password})


def _api_login(client, name, password):
    return client.post("/api/v1/security/login", json={"username": name, "password": password, "provider": "db"})


def test_a_guesser_locks_only_its_own_address(locking, user):
    guesser = locking.test_client()
    guesser.environ_base["REMOTE_ADDR"] = ATTACKER
    for _ in range(3):
        assert _api_login(guesser, user, "Wrong@2021pw").status_code == 401
    assert _api_login(guesser, user, PASSWORD).status_code == 401  # even the right password, from there
    assert "locked_until" in _api_login(guesser, user, PASSWORD).get_json()
    # the real user, at their own computer, logs in by form and API
    home = locking.test_client()
    r = _form_login(home, user, PASSWORD)
    assert r.status_code == 302 and "/login/" not in r.headers["Location"]
    assert _api_login(locking.test_client(), user, PASSWORD).status_code == 200
    assert _lock(locking, user, HOME) is None
    assert _lock(locking, user, ATTACKER)[1] is not None  # still locked there


def test_each_lock_of_a_series_lasts_twice_as_long(locking, user):
    guesser = locking.test_client()
    guesser.environ_base["REMOTE_ADDR"] = ATTACKER
    lengths = []
    for _ in range(4):
        for _ in range(3):
            _api_login(guesser, user, "Wrong@2021pw")
        _, until, level = _lock(locking, user, ATTACKER)
        lengths.append(((until - utcnow()).total_seconds() + 30) // 60)  # whole minutes
        _expire(locking, user, ATTACKER)
    assert lengths == [15, 30, 60, 120]
    assert _lock(locking, user, ATTACKER)[2] == 4
    # never more than LOGIN_LOCK_MAX_MINUTES
    with locking.app_context():
        assert hardening.lock_length(locking.config, 30) == timedelta(hours=24)
        row = db.session.get(hardening.LoginLock, (user.lower(), ATTACKER))
        row.last_failure_at = row.locked_until = utcnow() - timedelta(hours=25)  # a quiet day: the series is forgotten
        db.session.commit()
    for _ in range(3):
        _api_login(guesser, user, "Wrong@2021pw")
    failures, until, level = _lock(locking, user, ATTACKER)
    assert level == 1 and timedelta(minutes=14) < until - utcnow() <= timedelta(minutes=15)


def test_the_administrator_unlocks_every_address_on_the_users_page(app, locking, user, as_role):
    for address in (ATTACKER, "10.66.0.8"):
        guesser = locking.test_client()
        guesser.environ_base["REMOTE_ADDR"] = address
        for _ in range(3):
            _api_login(guesser, user, "Wrong@2021pw")
        assert _lock(locking, user, address)[1] is not None
    pk = _user_id(app, user)
    r = as_role("t_admin").post(f"/users/action/unlock/{pk}")
    assert r.status_code == 302
    assert _lock(locking, user, ATTACKER) is None and _lock(locking, user, "10.66.0.8") is None
    from_there = locking.test_client()
    from_there.environ_base["REMOTE_ADDR"] = ATTACKER
    assert _api_login(from_there, user, PASSWORD).status_code == 200


def test_flask_users_unlock_lifts_every_address(app, locking, user):
    """The administrator may be the one locked out: the command needs no login."""
    for address in (ATTACKER, HOME):
        guesser = locking.test_client()
        guesser.environ_base["REMOTE_ADDR"] = address
        for _ in range(3):
            _api_login(guesser, user, "Wrong@2021pw")
    assert _api_login(locking.test_client(), user, PASSWORD).status_code == 401
    result = app.test_cli_runner().invoke(args=["users", "unlock", user])
    assert result.exit_code == 0 and f"unlocked {user}" in result.output
    assert _lock(locking, user, ATTACKER) is None and _lock(locking, user, HOME) is None
    assert _api_login(locking.test_client(), user, PASSWORD).status_code == 200


def test_a_user_who_only_logged_in_can_still_be_deleted(app, as_role):
    """The login epoch goes with its user: it holds no deletion back."""
    name = _new_user(app)
    Logins(app, name).browser.post("/logout/")
    pk = _user_id(app, name)
    assert _epoch_row(app, name) is not None
    r = as_role("t_admin").post(f"/users/delete/{pk}")
    assert r.status_code == 302
    with app.app_context():
        assert app.appbuilder.sm.find_user(username=name) is None
        assert db.session.get(sessions.UserSessionEpoch, pk) is None
