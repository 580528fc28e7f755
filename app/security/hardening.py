"""Login and session hardening.

* ``check_secrets``: outside development (``AID_ENV`` other than ``development``) the app
  refuses to start without a real SECRET_KEY, ENCRYPTION_KEY and AUDIT_KEY, and names the variable.
* CSRF on every form: Flask-WTF's ``CSRFProtect`` checks every POST of the app (the
  Flask-AppBuilder APIs exempt themselves: they take a JWT, never the session cookie).
* No caching of anything but static files: ``Cache-Control: no-store`` and ``Pragma: no-cache``
  on every page, API answer and download (they carry personal data).
* Security headers on every response: a Content-Security-Policy the app's own pages satisfy
  (scripts only from the app itself or carrying this response's nonce), frame denial, no
  sniffing, same-origin referrers, and HSTS when cookies are Secure.
* Session expiry: a login ends after SESSION_IDLE_MINUTES without a request, and after
  PERMANENT_SESSION_LIFETIME whatever happens.
* Login rate limit: LOGIN_RATE_PER_MINUTE attempts per client address and minute on the form
  and the API login together, by Flask-AppBuilder's Flask-Limiter, counted in Redis when
  REDIS_URL is set (shared by every process).
* Temporary lock: ``LoginLock`` keeps the failures of a login name from one client address,
  and locks that name at that address only, each lock of a series twice as long as the one
  before; app/security/manager.py uses it.
* Sessions end when they should: the login epoch (app/security/sessions.py) goes into the session at
  login; app/security/manager.py refuses a session or JWT whose epoch is no longer the user's.
"""
from __future__ import annotations

import logging
import secrets
import time
from datetime import timedelta

from flask import flash, g, has_request_context, jsonify, redirect, render_template, request, session, url_for
from flask_appbuilder import Model
from flask_babel import format_datetime, gettext
from flask_login import current_user, logout_user, user_logged_in
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import Column, DateTime, Integer, String, and_, delete, or_

from app import clock
from app.extensions import db
from app.operations.static_files import is_static

log = logging.getLogger(__name__)
csrf = CSRFProtect()

# The endpoints of the two logins (app/security/manager.py keeps Flask-AppBuilder's view names).
LOGIN_ENDPOINTS = {"AuthDBView.login", "SecurityApi.login"}
FORM_LOGIN_ENDPOINT = "AuthDBView.login"
LOGOUT_ENDPOINT = "AuthDBView.logout"

# --- secrets ------------------------------------------------------------------------------

MIN_KEY_LENGTH = 32
# Values seen in skeletons, tutorials and .env examples.
KNOWN_DEFAULTS = {
    "", "secret", "secret_key", "secret-key", "secretkey", "changeme", "change-me", "change_me",
    "dev", "development", "default", "password", "test", "testing", "your-secret-key",
    "please-change-me", "thisismyscretkey", "\2\1thisismyscretkey\1\2\\e\\y\\y\\h",
}
KEY_HINT = "e.g. the output of: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"


class InsecureConfiguration(RuntimeError):
    """The app must not start with these settings."""


def _weak(value):
    return not value or value.strip().lower() in KNOWN_DEFAULTS or len(value.strip()) < MIN_KEY_LENGTH


def check_secrets(config):
    """Outside development, refuse a missing, default or short SECRET_KEY, ENCRYPTION_KEY or AUDIT_KEY."""
    env = (config.get("AID_ENV") or "production").lower()
    if env == "development":
        return
    problems = []
    secret, encryption = config.get("SECRET_KEY"), config.get("ENCRYPTION_KEY")
    if _weak(secret):
        problems.append(
            "SECRET_KEY is missing, a known default or shorter than "
            f"{MIN_KEY_LENGTH} characters: set the environment variable SECRET_KEY to a random "
            f"string ({KEY_HINT})."
        )
    if _weak(encryption):
        problems.append(
            "ENCRYPTION_KEY is missing, a known default or shorter than "
            f"{MIN_KEY_LENGTH} characters: set the environment variable ENCRYPTION_KEY to a random "
            f"string of its own ({KEY_HINT}); it encrypts personal data, keep a copy with the backups."
        )
    elif encryption == secret:
        problems.append("ENCRYPTION_KEY must differ from SECRET_KEY: set the environment variable ENCRYPTION_KEY to a key of its own.")
    audit_key = config.get("AUDIT_KEY")
    if _weak(audit_key):
        problems.append(
            "AUDIT_KEY is missing, a known default or shorter than "
            f"{MIN_KEY_LENGTH} characters: set the environment variable AUDIT_KEY to a random "
            f"string of its own ({KEY_HINT}); it seals the audit trail: keep it out of the database and its backups, "
            "and keep a copy: without it the trail cannot be verified."
        )
    elif audit_key in (secret, encryption):
        problems.append("AUDIT_KEY must differ from SECRET_KEY and ENCRYPTION_KEY: set the environment variable "
                        "AUDIT_KEY to a key of its own.")
    if problems:
        raise InsecureConfiguration(
            f"AID_ENV={env}: refusing to start.\n  " + "\n  ".join(problems)
            + "\n(Only AID_ENV=development, for trying the product, generates keys into the instance folder.)"
        )


# --- the lock of a login name --------------------------------------------------------------


class LoginLock(Model):
    """Failed logins of one login name (lower case; also names that are no account, so that
    a guesser learns nothing from the lock) from one client address, and until when that name
    is locked at that address. ``level`` counts the locks of the series: each one lasts twice
    as long as the one before (exponential backoff), up to LOGIN_LOCK_MAX_MINUTES."""

    __tablename__ = "login_lock"
    username = Column(String(320), primary_key=True)
    address = Column(String(64), primary_key=True)  # request.remote_addr, "-" outside a request
    failures = Column(Integer, nullable=False, default=0)
    level = Column(Integer, nullable=False, default=0, server_default="0")
    last_failure_at = Column(DateTime, nullable=True, index=True)  # UTC
    locked_until = Column(DateTime, nullable=True)  # UTC


def lock_key(typed, user=None):
    return (user.username if user is not None else (typed or "")).strip().lower()[:320]


def client_address():
    """The address a login comes from (see install_proxy_fix); "-" outside a request."""
    return ((request.remote_addr if has_request_context() else None) or "-")[:64]


def lock_window(app_config):
    return timedelta(minutes=max(int(app_config.get("LOGIN_LOCK_MINUTES", 15)), 0))


def lock_cap(app_config):
    return max(timedelta(minutes=max(int(app_config.get("LOGIN_LOCK_MAX_MINUTES", 1440)), 0)), lock_window(app_config))


def lock_length(app_config, level):
    """How long the level-th lock of a series lasts: LOGIN_LOCK_MINUTES, doubled at each
    further lock, never more than LOGIN_LOCK_MAX_MINUTES."""
    base, cap = lock_window(app_config), lock_cap(app_config)
    return min(base * (2 ** min(max(level - 1, 0), 20)), cap)


def find_lock(key, address=None):
    return db.session.get(LoginLock, (key, address or client_address())) if key else None


def is_locked(lock):
    return lock is not None and lock.locked_until is not None and lock.locked_until > clock.utcnow()


def record_failure(app_config, key, lock=None, address=None):
    """Count one failure of this name from this address (the count restarts after a quiet
    LOGIN_LOCK_MINUTES; the series of locks after a quiet LOGIN_LOCK_MAX_MINUTES); lock at
    the limit, each lock of the series twice as long as the one before. The caller commits."""
    limit = int(app_config.get("LOGIN_MAX_FAILURES", 5))
    window, cap = lock_window(app_config), lock_cap(app_config)
    now = clock.utcnow()
    if lock is None:
        # Forget old rows now and then (a new row is the moment: guessers make many).
        db.session.execute(delete(LoginLock).where(
            LoginLock.last_failure_at < now - max(cap, timedelta(days=1)),
            or_(LoginLock.locked_until.is_(None), LoginLock.locked_until < now),
        ))
        lock = LoginLock(username=key, address=address or client_address(), failures=0, level=0)
        db.session.add(lock)
    quiet = None if lock.last_failure_at is None else now - max(lock.last_failure_at, lock.locked_until or lock.last_failure_at)
    if quiet is None or quiet > window:
        lock.failures = 0
    if quiet is None or quiet > cap:
        lock.level = 0
    lock.failures = (lock.failures or 0) + 1
    lock.last_failure_at = now
    if limit > 0 and lock.failures >= limit and window:
        lock.level = (lock.level or 0) + 1
        lock.locked_until = now + lock_length(app_config, lock.level)
        lock.failures = 0
        log.warning("login name %r locked at %s until %s UTC (lock %d of the series)",
                    key, lock.address, lock.locked_until, lock.level)
    return lock


def unlock(names):
    """Remove the locks and failures of these login names, from every address; how many
    (name, address) pairs were locked."""
    keys = {(n or "").strip().lower() for n in names if n}
    if not keys:
        return 0
    now = clock.utcnow()
    locked = db.session.query(LoginLock).filter(
        LoginLock.username.in_(keys), and_(LoginLock.locked_until.isnot(None), LoginLock.locked_until > now)
    ).count()
    db.session.execute(delete(LoginLock).where(LoginLock.username.in_(keys)))
    return locked


def active_locks(names):
    """[(client address, locked until as the user reads it)] of the locks now on these login names."""
    keys = {(n or "").strip().lower() for n in names if n}
    if not keys:
        return []
    rows = db.session.query(LoginLock).filter(
        LoginLock.username.in_(keys), LoginLock.locked_until.isnot(None), LoginLock.locked_until > clock.utcnow()
    ).order_by(LoginLock.locked_until.desc()).all()
    return [(row.address, format_datetime(row.locked_until, "yyyy-MM-dd HH:mm")) for row in rows]


def locked_message(until):
    return gettext(
        "Too many failed logins: this account cannot log in from this computer until %(time)s. "
        "Try again then, or ask the system administrator to unlock it.",
        time=format_datetime(until, "yyyy-MM-dd HH:mm"),
    )


# --- the login rate limit -------------------------------------------------------------------


def install_login_rate_limit(app, on_breach):
    """LOGIN_RATE_PER_MINUTE attempts per client address and minute, the form and the API login
    counted together: Flask-AppBuilder's Flask-Limiter (``sm.limiter``), one limit shared by
    both views. Its storage is RATELIMIT_STORAGE_URI (config.py: Redis when REDIS_URL is set,
    so every process shares the count; the process's memory while Redis cannot be reached)."""
    per_minute = int(app.config.get("LOGIN_RATE_PER_MINUTE", 10) or 0)
    if per_minute <= 0:
        return
    shared = app.appbuilder.sm.limiter.shared_limit(
        f"{per_minute} per minute", scope="aid-login", methods=["POST"], on_breach=on_breach,
    )
    for endpoint in sorted(LOGIN_ENDPOINTS):
        app.view_functions[endpoint] = shared(app.view_functions[endpoint])


# --- Content-Security-Policy ------------------------------------------------------------------


def csp_nonce():
    """This response's script nonce (Flask-AppBuilder's templates ask for ``csp_nonce()``)."""
    nonce = g.get("_csp_nonce")
    if nonce is None:
        nonce = g._csp_nonce = secrets.token_urlsafe(18)
    return nonce


def content_security_policy(nonce=None):
    script = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return "; ".join([
        "default-src 'self'",
        f"script-src {script}",
        # style attributes (style="display: none") are all over Flask-AppBuilder's and the
        # app's templates and set by select2/datepicker/ECharts: inline styles stay allowed.
        "style-src 'self' 'unsafe-inline'",
        # data: for the SVG icons of select2 and the Swagger UI
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


# --- installation ---------------------------------------------------------------------------


def _error_page(app, code, message):
    if "user" not in g:  # refused before Flask-AppBuilder's own hook set it
        g.user = current_user
    return render_template(
        "error.html", code=code, message=message,
        appbuilder=app.appbuilder, base_template=app.appbuilder.base_template,
    )


def _wants_json():
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def install_early(app):
    """Before the AppBuilder: the secret check, CSRF (the APIs exempt themselves when they see
    it) and the proxy fix."""
    check_secrets(app.config)
    install_proxy_fix(app)
    csrf.init_app(app)


def install_proxy_fix(app):
    """With PROXY_FIX = n (the number of proxies in front), the client address, scheme and
    host are read from the last n proxies' X-Forwarded-* headers; without it they are the
    WSGI server's own, and a client-sent X-Forwarded-For or X-Real-IP changes nothing
    (the login rate limit and the audit trail use ``request.remote_addr``)."""
    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)


def install(app):
    """After the AppBuilder: headers, session expiry, login rate limit."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    # The login form checks its own token (Flask-AppBuilder shows the form again without
    # logging in); every other POST of the app is checked before its view runs.
    csrf.exempt(app.appbuilder.sm.auth_view.blueprint)
    @app.errorhandler(CSRFError)
    def csrf_refused(exc):
        db.session.rollback()
        message = gettext("The form has expired or did not come from this site. Reload the page and try again.")
        if _wants_json():
            return {"message": message}, 400
        return _error_page(app, 400, message), 400

    def rate_limited(limit):
        """The answer to one attempt too many (Flask-Limiter's on_breach)."""
        log.warning("login rate limit reached for %s", request.remote_addr)
        message = gettext("Too many login attempts from this address. Wait a minute and try again.")
        if request.endpoint == FORM_LOGIN_ENDPOINT:
            response = app.make_response((_error_page(app, 429, message), 429))
        else:
            response = jsonify(message=message)
            response.status_code = 429
        response.headers["Retry-After"] = str(min(60, max(1, int(limit.reset_at - time.time()))))
        return response

    install_login_rate_limit(app, rate_limited)

    def session_expiry():
        # a static file first, before the session is read (a read session adds Vary: Cookie to the answer)
        if request.endpoint is None or is_static(request.endpoint) or "_user_id" not in session:
            return None
        now = int(time.time())
        idle = int(app.config.get("SESSION_IDLE_MINUTES", 30) or 0) * 60
        absolute = int(app.permanent_session_lifetime.total_seconds())
        seen, started = session.get("_aid_seen"), session.get("_aid_login_at")
        if seen is not None and idle and now - seen > idle:
            message = gettext(
                "You were logged out after %(minutes)d minutes without activity. Please log in again.",
                minutes=idle // 60,
            )
        elif started is not None and absolute and now - started > absolute:
            message = gettext("Your login has reached its time limit. Please log in again.")
        else:
            session["_aid_seen"] = now
            if started is None:
                session["_aid_login_at"] = now
            return None
        keep = {k: session[k] for k in ("locale",) if k in session}
        logout_user()
        session.clear()
        session.update(keep)
        if request.path.startswith("/api/"):
            return None  # a JWT request goes on; the session behind it is gone
        if _wants_json() or request.headers.get("X-Requested-With") == "XMLHttpRequest":
            return {"message": message}, 401
        if request.endpoint in (FORM_LOGIN_ENDPOINT, LOGOUT_ENDPOINT):
            if request.method == "GET" and request.endpoint == FORM_LOGIN_ENDPOINT:
                flash(message, "warning")
            return None  # logging in again, or out: nothing more to say
        flash(message, "warning")
        next_url = request.full_path if request.method == "GET" else None
        return redirect(url_for(FORM_LOGIN_ENDPOINT, next=next_url))

    # Before Flask-AppBuilder's own hook (it sets g.user from the session).
    app.before_request_funcs.setdefault(None, [])[0:0] = [session_expiry]

    def stamp_login(sender, user, **_):
        from app.security import sessions

        now = int(time.time())
        session["_aid_login_at"] = session["_aid_seen"] = now
        epoch = sessions.known_epoch(user.id)  # read by the login itself (app/security/manager.py)
        if epoch is None:  # a login by other means
            epoch = sessions.current(db.session, user.id)
            db.session.commit()
        session[sessions.SESSION_KEY] = epoch

    user_logged_in.connect(stamp_login, app, weak=False)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if not is_static(request.endpoint):
            # Pages, API answers and downloads (exports, PDFs, attachments) carry personal
            # data: no browser, proxy or shared-computer cache keeps a copy. Only the app's
            # own static files (CSS, scripts, fonts) may be cached.
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        if response.mimetype != "application/pdf":  # Chromium's PDF viewer is an embedded plugin
            headers.setdefault("Content-Security-Policy", content_security_policy(g.get("_csp_nonce")))
        if app.config.get("SESSION_COOKIE_SECURE") and int(app.config.get("HSTS_SECONDS", 0) or 0) > 0:
            headers.setdefault("Strict-Transport-Security", f"max-age={int(app.config['HSTS_SECONDS'])}")
        return response
