"""Login and sessions: temporary lock after failed logins, login rate limit, session expiry,
cookies, CSRF on every form, and no start outside development without real keys.

The suite's shared app raises the limits (config.TestConfig); these tests build apps of their
own on the same database with the real ones, and lock only users of their own."""
import os
import re
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from app.security import hardening
from app.clock import utcnow
from app.extensions import db
from tests.conftest import PASSWORD, WORLD, visible_text

ROOT = Path(__file__).resolve().parent.parent


def _sibling(app, **overrides):
    """Another app on the suite's database, with its own settings."""
    from app import create_app

    return create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                      SQLALCHEMY_ENGINE_OPTIONS=app.config["SQLALCHEMY_ENGINE_OPTIONS"], **overrides)


@pytest.fixture(scope="module")
def locking(app):
    """3 failures lock for 15 minutes; no rate limit (tested on its own)."""
    return _sibling(app, LOGIN_MAX_FAILURES=3, LOGIN_LOCK_MINUTES=15, LOGIN_RATE_PER_MINUTE=0)


@pytest.fixture()
def user(app):
    """A user of this test only (locks never touch the suite's users)."""
    from app.cli import create_user

    name = "t_lock_" + uuid.uuid4().hex[:8]
    with app.app_context():
        create_user(name, "Leader", PASSWORD)
    yield name
    with app.app_context():
        hardening.unlock([name, name + "@aid.invalid"])
        db.session.commit()


def _form_login(client, username, password):
    return client.post("/login/", data={"username": username, "password": password})


def _api_login(client, username, password):
    return client.post("/api/v1/security/login", json={"username": username, "password": password, "provider": "db"})


def _lock_row(app, name, address="127.0.0.1"):
    with app.app_context():
        row = db.session.get(hardening.LoginLock, (name.lower(), address))
        return None if row is None else (row.failures, row.locked_until)


def _locked_text(app, until):
    with app.test_request_context():
        return hardening.locked_message(until)


# --- the temporary lock ----------------------------------------------------------------------


def test_form_login_locks_after_repeated_failures_and_says_until_when(locking, user):
    client = locking.test_client()
    for _ in range(2):
        r = _form_login(client, user, "Wrong@2021pw")
        assert r.status_code == 302 and "/login/" in r.headers["Location"]
    assert _lock_row(locking, user)[0] == 2
    r = _form_login(client, user, "Wrong@2021pw")  # the third: locked now
    failures, until = _lock_row(locking, user)
    assert until is not None and timedelta(minutes=14) < until - utcnow() <= timedelta(minutes=15)
    # the right password does not help while the lock lasts
    r = _form_login(client, user, PASSWORD)
    assert r.status_code == 302 and "/login/" in r.headers["Location"]
    page = visible_text(client.get(r.headers["Location"]))
    expected = _locked_text(locking, until)
    assert re.sub(r"\s+", " ", expected) in page
    # the time is shown in the county's time zone (Asia/Shanghai, UTC+8)
    assert (until + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M") in page
    assert client.get("/").status_code == 302  # not logged in


def test_api_login_is_locked_too(locking, user):
    client = locking.test_client()
    for _ in range(3):
        r = _api_login(client, user, "Wrong@2021pw")
        assert r.status_code == 401
    r = _api_login(client, user, PASSWORD)
    assert r.status_code == 401
    body = r.get_json()
    _, until = _lock_row(locking, user)
    assert body["message"] == _locked_text(locking, until)
    assert body["locked_until"] == until.isoformat() + "Z"
    assert "access_token" not in body
    # the form login shares the lock
    r = _form_login(locking.test_client(), user, PASSWORD)
    assert "/login/" in r.headers["Location"]


def test_a_name_that_is_no_account_fails_and_locks_exactly_like_a_real_one(locking, user):
    ghost = "t_ghost_" + uuid.uuid4().hex[:8]
    real, fake = locking.test_client(), locking.test_client()
    for attempt in range(4):
        r1, r2 = _form_login(real, user, "Wrong@2021pw"), _form_login(fake, ghost, "Wrong@2021pw")
        assert (r1.status_code, r1.headers["Location"]) == (r2.status_code, r2.headers["Location"])
        t1 = visible_text(real.get(r1.headers["Location"]))
        t2 = visible_text(fake.get(r2.headers["Location"]))
        assert re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d", "T", t1) == re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d", "T", t2), attempt
    assert _lock_row(locking, ghost)[1] is not None
    a1, a2 = _api_login(real, user, "x"), _api_login(fake, ghost, "x")
    assert a1.status_code == a2.status_code == 401
    assert set(a1.get_json()) == set(a2.get_json()) == {"message", "locked_until"}
    with locking.app_context():
        hardening.unlock([ghost])
        db.session.commit()


def test_a_successful_login_resets_the_count(locking, user):
    client = locking.test_client()
    for _ in range(2):
        _form_login(client, user, "Wrong@2021pw")
    assert _form_login(client, user, PASSWORD).headers["Location"].rstrip("/").endswith("")
    assert client.get("/").status_code == 200
    assert _lock_row(locking, user) is None
    other = locking.test_client()
    for _ in range(2):
        _form_login(other, user, "Wrong@2021pw")
    assert _lock_row(locking, user)[1] is None  # 2 + 2 failures, a success between: no lock
    assert _api_login(locking.test_client(), user, PASSWORD).status_code == 200


def test_the_lock_ends_by_itself(locking, user):
    for _ in range(3):
        _api_login(locking.test_client(), user, "Wrong@2021pw")
    assert _api_login(locking.test_client(), user, PASSWORD).status_code == 401
    with locking.app_context():
        row = db.session.get(hardening.LoginLock, (user.lower(), "127.0.0.1"))
        row.locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert _api_login(locking.test_client(), user, PASSWORD).status_code == 200


def test_admin_unlocks_a_user_on_the_users_page(app, locking, user, as_role):
    for _ in range(3):
        _api_login(locking.test_client(), user, "Wrong@2021pw")
    assert _lock_row(locking, user)[1] is not None
    with app.app_context():
        pk = app.appbuilder.sm.find_user(username=user).id
    admin = as_role("t_admin")
    show = admin.get(f"/users/show/{pk}").get_data(as_text=True)
    assert f"/users/action/unlock/{pk}" in show
    # the page says the account is locked, from where and until when, before the button is pressed
    assert re.search(r"登录失败次数过多，该账户在 \S+ 上的登录已锁定至 \d{4}-\d{2}-\d{2} \d{2}:\d{2}。",
                     visible_text(admin.get(f"/users/show/{pk}"))), visible_text(admin.get(f"/users/show/{pk}"))[:2000]
    r = admin.post(f"/users/action/unlock/{pk}")
    assert r.status_code == 302
    assert _lock_row(locking, user) is None
    shown = visible_text(admin.get(f"/users/show/{pk}"))
    assert "登录未锁定。" in shown and "已锁定至" not in shown
    assert _api_login(locking.test_client(), user, PASSWORD).status_code == 200
    # only Admin may: locked again, the centre's try leaves the lock in place
    for _ in range(3):
        _api_login(locking.test_client(), user, "Wrong@2021pw")
    assert _lock_row(locking, user)[1] is not None
    as_role("t_center").post(f"/users/action/unlock/{pk}")
    assert _lock_row(locking, user)[1] is not None


def test_flask_users_unlock(app, locking, user):
    for _ in range(3):
        _api_login(locking.test_client(), user, "Wrong@2021pw")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "unlock", user.upper()])
    assert result.exit_code == 0, result.output
    assert f"unlocked {user}" in result.output
    assert _lock_row(locking, user) is None
    assert _api_login(locking.test_client(), user, PASSWORD).status_code == 200
    again = runner.invoke(args=["users", "unlock", user])
    assert "was not locked" in again.output


def test_the_suites_limits_do_not_lock(app):
    """The shared app (TestConfig) counts but practically never locks or limits."""
    assert app.config["LOGIN_MAX_FAILURES"] >= 1000 and app.config["LOGIN_RATE_PER_MINUTE"] == 0


# --- the rate limit -------------------------------------------------------------------------


class _Later:
    """The clock of Flask-Limiter's memory storage, moved on at will (the next minute)."""

    def __init__(self):
        self.offset = 0

    def time(self):
        return time.time() + self.offset

    def __getattr__(self, name):
        return getattr(time, name)


@pytest.fixture()
def later(monkeypatch):
    import limits.storage.memory as memory

    fake = _Later()
    monkeypatch.setattr(memory, "time", fake)
    return fake


@pytest.fixture(scope="module")
def limited(app):
    return _sibling(app, LOGIN_RATE_PER_MINUTE=3, LOGIN_MAX_FAILURES=1000, RATELIMIT_STORAGE_URI="memory://")


def test_login_attempts_are_rate_limited_per_address(limited, later):
    client = limited.test_client()
    for _ in range(3):
        assert _form_login(client, "t_nobody", "Wrong@2021pw").status_code == 302
    r = _form_login(client, "t_nobody", "Wrong@2021pw")
    assert r.status_code == 429
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    with limited.test_request_context():
        from flask_babel import gettext

        message = gettext("Too many login attempts from this address. Wait a minute and try again.")
    assert message in r.get_data(as_text=True)
    # even the right password waits: the limit counts attempts, not failures; the API shares the count
    assert _form_login(client, "t_center", PASSWORD).status_code == 429
    r = _api_login(client, "t_center", PASSWORD)
    assert r.status_code == 429 and r.get_json() == {"message": message}
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    # another address is not affected; the next minute starts afresh
    other = limited.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert _api_login(other, "t_center", PASSWORD).status_code == 200
    later.offset += 61
    assert _api_login(client, "t_center", PASSWORD).status_code == 200
    # pages other than the logins are not counted, nor the token refresh
    for _ in range(5):
        assert client.get("/login/").status_code == 200
    refresh = client.post("/api/v1/security/login", json={"username": "t_center", "password": PASSWORD,
                                                          "provider": "db", "refresh": True}).get_json()["refresh_token"]
    for _ in range(4):
        r = client.post("/api/v1/security/refresh", headers={"Authorization": "Bearer " + refresh})
        assert r.status_code == 200


def test_the_login_rate_limit_is_flask_appbuilders_limiter(limited):
    """Flask-Limiter (sm.limiter) counts, not a limiter of the app's own."""
    limiter = limited.appbuilder.sm.limiter
    assert limiter.enabled and limited.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"]
    assert not hasattr(hardening, "LoginRateLimiter")


def _redis_url():
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return url
    except Exception:
        return None


def test_the_count_is_shared_between_processes_through_redis(app):
    url = _redis_url()
    if url is None:
        pytest.skip("no Redis reachable at REDIS_URL or 127.0.0.1:6379")
    prefix = f"aid-test-{uuid.uuid4().hex}"
    one, two = (_sibling(app, LOGIN_RATE_PER_MINUTE=4, LOGIN_MAX_FAILURES=1000, RATELIMIT_STORAGE_URI=url,
                         RATELIMIT_KEY_PREFIX=prefix) for _ in range(2))  # two processes
    c1, c2 = one.test_client(), two.test_client()
    for client in (c1, c2, c1, c2):
        assert _api_login(client, "t_nobody", "Wrong@2021pw").status_code == 401
    assert _api_login(c1, "t_nobody", "x").status_code == 429
    assert _form_login(c2, "t_nobody", "x").status_code == 429
    other = one.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    assert _api_login(other, "t_nobody", "x").status_code == 401
    import redis

    client = redis.Redis.from_url(url)
    keys = client.keys(f"*{prefix}*")
    assert keys and all(0 < client.ttl(k) <= 60 for k in keys)
    client.delete(*keys)


def test_without_redis_the_process_counts_alone(app):
    alone = _sibling(app, LOGIN_RATE_PER_MINUTE=2, LOGIN_MAX_FAILURES=1000,
                     RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")  # nothing listens there
    client = alone.test_client()
    assert [_api_login(client, "t_nobody", "x").status_code for _ in range(3)] == [401, 401, 429]
    off = _sibling(app, LOGIN_RATE_PER_MINUTE=0, LOGIN_MAX_FAILURES=1000, RATELIMIT_STORAGE_URI="memory://")
    client = off.test_client()
    assert {_api_login(client, "t_nobody", "x").status_code for _ in range(5)} == {401}  # 0: off


# --- session expiry and cookies -------------------------------------------------------------


@pytest.fixture(scope="module")
def expiring(app):
    return _sibling(app, SESSION_IDLE_MINUTES=30, PERMANENT_SESSION_LIFETIME=timedelta(hours=8))


def _logged_in(app_, username="t_center"):
    client = app_.test_client()
    assert _form_login(client, username, PASSWORD).status_code == 302
    return client


def test_a_session_ends_after_inactivity(expiring):
    client = _logged_in(expiring)
    assert client.get("/studentview/list/").status_code == 200
    with client.session_transaction() as s:
        assert s["_aid_seen"] >= int(time.time()) - 60 and "_aid_login_at" in s  # just now (a busy machine: a minute)
        s["_aid_seen"] = int(time.time()) - 29 * 60  # 29 minutes: still there
    assert client.get("/studentview/list/").status_code == 200
    with client.session_transaction() as s:
        s["_aid_seen"] = int(time.time()) - 31 * 60
    r = client.get("/studentview/list/?_flt_0_name=x")
    assert r.status_code == 302
    assert r.headers["Location"].startswith("/login/?next=")
    assert "studentview" in r.headers["Location"]
    page = visible_text(client.get(r.headers["Location"]))
    with expiring.test_request_context():
        from flask_babel import gettext

        message = gettext("You were logged out after %(minutes)d minutes without activity. Please log in again.", minutes=30)
    assert message in page
    assert client.get("/").status_code == 302  # logged out for good
    with client.session_transaction() as s:
        assert "_user_id" not in s


def test_a_session_ends_at_its_absolute_limit_however_active(expiring):
    client = _logged_in(expiring)
    with client.session_transaction() as s:
        s["_aid_login_at"] = int(time.time()) - 8 * 3600 - 60
    r = client.get("/")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login/")
    assert client.get("/studentview/list/").status_code == 302


def test_an_expired_session_answers_json_requests_with_401(expiring):
    client = _logged_in(expiring)
    with client.session_transaction() as s:
        s["_aid_seen"] = int(time.time()) - 31 * 60
    r = client.get("/studentview/list/", headers={"Accept": "application/json"})
    assert r.status_code == 401 and "message" in r.get_json()


def test_cookies_are_httponly_samesite_and_secure_when_configured(app):
    secure = _sibling(app, SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    client = secure.test_client()
    r = client.post("/login/", data={"username": "t_center", "password": PASSWORD}, base_url="https://localhost")
    assert r.status_code == 302
    cookie = next(v for v in r.headers.getlist("Set-Cookie") if v.startswith("session="))
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    assert secure.config["REMEMBER_COOKIE_HTTPONLY"] is True
    # the suite's app runs over plain HTTP: HttpOnly and SameSite, not Secure
    r = app.test_client().post("/login/", data={"username": "t_center", "password": PASSWORD})
    cookie = next(v for v in r.headers.getlist("Set-Cookie") if v.startswith("session="))
    assert "; HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def _config_in(env, expression):
    """Evaluate an expression on a fresh import of config.py with this environment."""
    clean = {k: v for k, v in os.environ.items()
             if k not in {"AID_ENV", "SECRET_KEY", "ENCRYPTION_KEY", "AUDIT_KEY", "SESSION_COOKIE_SECURE"}}
    clean.update(env)
    out = subprocess.run([sys.executable, "-c", f"import config; print({expression})"], cwd=ROOT, env=clean,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_cookies_are_secure_by_default_outside_development(tmp_path):
    env = {"INSTANCE_DIR": str(tmp_path)}
    assert _config_in(dict(env, AID_ENV="production"), "(config.Config.SESSION_COOKIE_SECURE, config.Config.REMEMBER_COOKIE_SECURE)") == "(True, True)"
    assert _config_in(dict(env, AID_ENV="production", SESSION_COOKIE_SECURE="0"), "config.Config.SESSION_COOKIE_SECURE") == "False"
    assert _config_in(dict(env, AID_ENV="development"), "(config.Config.SESSION_COOKIE_SECURE, config.Config.AID_ENV)") == "(False, 'development')"
    # no AID_ENV at all: production, Secure cookies (tests/test_production.py checks the rest)
    assert _config_in(env, "(config.Config.SESSION_COOKIE_SECURE, config.Config.AID_ENV)") == "(True, 'production')"


# --- keys outside development ---------------------------------------------------------------

GOOD = "k" * 16 + uuid.uuid4().hex
OTHER = "e" * 16 + uuid.uuid4().hex
AUDIT = "a" * 16 + uuid.uuid4().hex
# the random keys named in the tests' ids: the same ids in every pytest process (make test runs several)
_KEY_IDS = {GOOD: "good", OTHER: "other", AUDIT: "audit"}


@pytest.mark.parametrize("secret, encryption, audit_key, names", [
    (None, OTHER, AUDIT, ["SECRET_KEY"]),
    ("changeme", OTHER, AUDIT, ["SECRET_KEY"]),
    ("\2\1thisismyscretkey\1\2\\e\\y\\y\\h", OTHER, AUDIT, ["SECRET_KEY"]),
    ("short-but-random-8f3a", OTHER, AUDIT, ["SECRET_KEY"]),
    (GOOD, None, AUDIT, ["ENCRYPTION_KEY"]),
    (GOOD, "", AUDIT, ["ENCRYPTION_KEY"]),
    (GOOD, GOOD, AUDIT, ["ENCRYPTION_KEY"]),
    (GOOD, OTHER, None, ["AUDIT_KEY"]),
    (GOOD, OTHER, "changeme", ["AUDIT_KEY"]),
    (GOOD, OTHER, "short-but-random-8f3a", ["AUDIT_KEY"]),
    (GOOD, OTHER, GOOD, ["AUDIT_KEY"]),
    (GOOD, OTHER, OTHER, ["AUDIT_KEY"]),
    (None, None, None, ["SECRET_KEY", "ENCRYPTION_KEY", "AUDIT_KEY"]),
], ids=lambda value: _KEY_IDS.get(value) if isinstance(value, str) else None)
def test_outside_development_default_keys_are_refused(secret, encryption, audit_key, names):
    with pytest.raises(hardening.InsecureConfiguration) as refused:
        hardening.check_secrets({"AID_ENV": "production", "SECRET_KEY": secret, "ENCRYPTION_KEY": encryption,
                                 "AUDIT_KEY": audit_key})
    for name in names:
        assert f"set the environment variable {name}" in str(refused.value)
    # development accepts anything (its keys are generated into the instance folder)
    hardening.check_secrets({"AID_ENV": "development", "SECRET_KEY": secret, "ENCRYPTION_KEY": encryption,
                             "AUDIT_KEY": audit_key})
    hardening.check_secrets({"AID_ENV": "production", "SECRET_KEY": GOOD, "ENCRYPTION_KEY": OTHER, "AUDIT_KEY": AUDIT})


def test_create_app_refuses_to_start_in_production_with_a_default_key(app):
    from app import create_app

    with pytest.raises(hardening.InsecureConfiguration, match="SECRET_KEY"):
        create_app("config.TestConfig", AID_ENV="production", SECRET_KEY="changeme", ENCRYPTION_KEY=OTHER)
    with pytest.raises(hardening.InsecureConfiguration, match="AUDIT_KEY"):
        create_app("config.TestConfig", AID_ENV="production", SECRET_KEY=GOOD, ENCRYPTION_KEY=OTHER, AUDIT_KEY="")
    started = _sibling(app, AID_ENV="production", SECRET_KEY=GOOD, ENCRYPTION_KEY=OTHER, AUDIT_KEY=AUDIT)
    assert started.config["AID_ENV"] == "production"


@pytest.mark.once  # a process on a SQLite database of its own
def test_the_served_app_will_not_start_in_production_without_keys(tmp_path):
    """`python run.py` / `gunicorn run:app` with AID_ENV=production and no keys: no key file is
    generated, the process stops and names the variables."""
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ENCRYPTION_KEY", "AUDIT_KEY"}}
    env.update(AID_ENV="production", INSTANCE_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path}/x.db")
    out = subprocess.run([sys.executable, "-c", "import run"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    assert "set the environment variable SECRET_KEY" in out.stderr
    assert "set the environment variable ENCRYPTION_KEY" in out.stderr
    assert "set the environment variable AUDIT_KEY" in out.stderr
    assert not (tmp_path / "secret_key").exists() and not (tmp_path / "encryption_key").exists()
    assert not (tmp_path / "audit_key").exists()
    # in development the keys are generated once and kept
    env["AID_ENV"] = "development"
    out = subprocess.run([sys.executable, "-c", "import run"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert len((tmp_path / "secret_key").read_text()) >= 32 and len((tmp_path / "encryption_key").read_text()) >= 32
    assert len((tmp_path / "audit_key").read_text()) >= 32


# --- CSRF on every form ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def with_csrf(app):
    return _sibling(app, WTF_CSRF_ENABLED=True)


def _token(html):
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no csrf_token field"
    return match.group(1)


def _csrf_login(app_, username):
    client = app_.test_client()
    token = _token(client.get("/login/").get_data(as_text=True))
    assert client.post("/login/", data={"username": username, "password": PASSWORD, "csrf_token": token}).status_code == 302
    return client


def test_every_form_carries_a_csrf_token(with_csrf):
    admin = _csrf_login(with_csrf, "t_admin")
    for url in ["/studentview/add", f"/studentview/edit/{WORLD.student_a}", "/schoolview/add",
                "/users/edit/1", "/studentview/list/", f"/studentview/show/{WORLD.student_a}",
                "/users/show/1"]:
        html = admin.get(url).get_data(as_text=True)
        forms = re.findall(r"(?is)<form[^>]*method=[\"']post[\"'][^>]*>.*?</form>", html)
        assert forms, url
        for form in forms:
            assert 'name="csrf_token"' in form, (url, form[:200])


def test_a_post_without_its_token_is_refused(app, with_csrf):
    center = _csrf_login(with_csrf, "t_center")
    admin = _csrf_login(with_csrf, "t_admin")
    refused = [
        (center, "/schoolview/add", {"code": "T0900", "name": "无令牌学校", "stage": "primary", "town": "武岗镇", "active": "y"}),
        (center, f"/studentview/edit/{WORLD.student_a}", {"name": "无令牌改名"}),
        (center, f"/studentview/delete/{WORLD.student_a}", {}),
        (center, "/studentview/action_post", {"action": "muldelete", "rowid": [str(WORLD.student_a)]}),
        (admin, "/users/action/unlock/1", {}),
        (center, "/print/letters", {"school": str(WORLD.school_a)}),
        (center, f"/inspectionview/check/{WORLD.inspection_b}", {}),
    ]
    with app.test_request_context():
        from flask_babel import gettext

        message = gettext("The form has expired or did not come from this site. Reload the page and try again.")
    for client, url, data in refused:
        r = client.post(url, data=data)
        assert r.status_code == 400, (url, r.status_code)
        assert message in visible_text(r)
    with app.app_context():
        from app.models import School, Student

        assert db.session.get(Student, WORLD.student_a).name == "甲校学生"
        assert db.session.query(School).filter_by(code="T0900").count() == 0
    # with its token the same form goes through
    token = _token(center.get("/schoolview/add").get_data(as_text=True))
    r = center.post("/schoolview/add", data={"code": "T0900", "name": "有令牌学校", "stage": "primary", "town": "武岗镇",
                                             "active": "y", "csrf_token": token})
    assert r.status_code == 302
    with app.app_context():
        from app.models import School

        assert db.session.query(School).filter_by(code="T0900").count() == 1


def test_the_login_form_checks_its_token_as_flask_appbuilder_does(with_csrf):
    client = with_csrf.test_client()
    r = client.post("/login/", data={"username": "t_center", "password": PASSWORD})
    assert r.status_code == 200  # the form again, nobody logged in
    assert client.get("/").status_code == 302
    # the API takes a JWT, never the session cookie: no token needed to log in there
    assert _api_login(client, "t_center", PASSWORD).status_code == 200


def test_logging_in_again_after_an_expired_session_just_works(expiring):
    client = _logged_in(expiring)
    with client.session_transaction() as s:
        s["_aid_seen"] = int(time.time()) - 31 * 60
    r = _form_login(client, "t_center", PASSWORD)
    assert r.status_code == 302 and "/login/" not in r.headers["Location"]
    assert client.get("/studentview/list/").status_code == 200
