"""Every deployment knob, read from the environment.

The embedded default is a SQLite file under ``instance/``; a real deployment sets
DATABASE_URL to PostgreSQL.  See README.md for the full list.
"""
import base64
import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask_appbuilder.security.manager import AUTH_DB

from app.security.passwords import password_complexity

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", BASE_DIR / "instance"))


def _env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# "production" (the default) or "development" (said explicitly by `make run`, `make test`, the
# tests and the benchmarks). Outside development the app refuses to start without real
# SECRET_KEY, ENCRYPTION_KEY and AUDIT_KEY
# (app/security/hardening.py), cookies are Secure by default, and the demo
# county and its logins are refused (app/demo/guard.py).
AID_ENV = os.environ.get("AID_ENV", "production").strip().lower() or "production"
DEVELOPMENT = AID_ENV == "development"


def _instance_key(env_name, file_name, make):
    """A key from the environment; in development only, one generated once and kept in instance/."""
    key = os.environ.get(env_name)
    if key:
        return key
    if not DEVELOPMENT:
        return None  # create_app() refuses to start and names the variable
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / file_name
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def _secret_key():
    """SECRET_KEY from the environment, else (development only) one kept in instance/secret_key."""
    return _instance_key("SECRET_KEY", "secret_key", lambda: secrets.token_hex(32))


def _encryption_key():
    """ENCRYPTION_KEY (personal data at rest; never the SECRET_KEY), else (development only)
    one kept in instance/encryption_key: 32 random bytes, URL-safe base64 (a Fernet key)."""
    return _instance_key(
        "ENCRYPTION_KEY", "encryption_key", lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    )


def _audit_key():
    """AUDIT_KEY (the HMAC key of the audit trail's chain and anchors: app/security/audit.py), else
    (development only) one kept in instance/audit_key.  Never stored in the database."""
    return _instance_key("AUDIT_KEY", "audit_key", lambda: secrets.token_hex(32))


def _database_url():
    url = os.environ.get("DATABASE_URL")
    if url:
        # Heroku-style URLs name the dialect "postgres"; SQLAlchemy wants "postgresql".
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://"):]
        return url
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{INSTANCE_DIR / 'app.db'}"


class Config:
    # --- deployment -------------------------------------------------------
    SECRET_KEY = _secret_key()
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # Print jobs go to the RQ queue only when REDIS_URL is set; otherwise a thread of the web process runs them.
    REDIS_URL = os.environ.get("REDIS_URL") or None
    HOST = os.environ.get("HOST", "127.0.0.1")
    PORT = int(os.environ.get("PORT", "5000"))

    # Logs go to stdout (app/operations/logs.py): one JSON object a line outside development, readable text in it.
    LOG_FORMAT = os.environ.get("LOG_FORMAT") or ("text" if DEVELOPMENT else "json")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

    INSTANCE_DIR = str(INSTANCE_DIR)
    AID_ENV = AID_ENV
    # --- where files are kept (app/files/storage.py): uploads and print jobs' PDFs ----------------
    # local: a folder, STORAGE_DIR/uploads and STORAGE_DIR/print_jobs (STORAGE_DIR default: INSTANCE_DIR);
    # with several web machines, one folder they all mount.  s3: a bucket of an S3-compatible store.
    STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "local").strip().lower() or "local"
    STORAGE_DIR = os.environ.get("STORAGE_DIR")
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR")  # default: STORAGE_DIR/uploads
    S3_BUCKET = os.environ.get("S3_BUCKET")
    S3_PREFIX = os.environ.get("S3_PREFIX", "")  # keys are <prefix>/uploads/<name> and <prefix>/print_jobs/<name>
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL")  # MinIO, Ceph, a cloud's S3 service; unset: AWS
    S3_REGION = os.environ.get("S3_REGION")
    # unset: boto3's own chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, ~/.aws, the machine's role)
    S3_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID")
    S3_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY")
    S3_ADDRESSING_STYLE = os.environ.get("S3_ADDRESSING_STYLE")  # path (default with S3_ENDPOINT_URL) or virtual
    BACKUP_DIR = os.environ.get("BACKUP_DIR")  # default: INSTANCE_DIR/backups (flask backup create)

    # --- the audit trail (app/security/audit.py) -------------------------------------
    # The chain's HMAC key: outside the database, like the other keys (required outside development).
    AUDIT_KEY = _audit_key()
    # Signed heads of the chain are appended here (one JSON line each); keep it off the database's host.
    AUDIT_ANCHOR_FILE = os.environ.get("AUDIT_ANCHOR_FILE")  # default: INSTANCE_DIR/audit_anchor.log
    # A head is anchored after every N entries, and at the first entry after M minutes (0: not by count / time);
    # also by `flask audit anchor` (cron) and after each verification that finds the trail intact.
    AUDIT_ANCHOR_EVERY = int(os.environ.get("AUDIT_ANCHOR_EVERY", "1000"))
    AUDIT_ANCHOR_MINUTES = float(os.environ.get("AUDIT_ANCHOR_MINUTES", "60"))

    # --- uploaded files (app/files/uploads.py checks every file before anything reads it) -------
    # One request's body; a larger one is refused before it is read (a Chinese 413 answer, app/errors.py).
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_MB", "25")) * 1024 * 1024
    UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_MB", "20")) * 1024 * 1024  # one file
    # zip-based files (.xlsx .docx .zip): parts, size once unpacked, and how much more a part may unpack to
    UPLOAD_MAX_MEMBERS = int(os.environ.get("UPLOAD_MAX_MEMBERS", "1000"))
    UPLOAD_MAX_UNPACKED_BYTES = int(os.environ.get("UPLOAD_MAX_UNPACKED_MB", "100")) * 1024 * 1024
    UPLOAD_MAX_RATIO = int(os.environ.get("UPLOAD_MAX_RATIO", "100"))
    UPLOAD_CHECK_SECONDS = float(os.environ.get("UPLOAD_CHECK_SECONDS", "30"))
    # spreadsheets: rows of data (besides the header), cells from A1 to the farthest one, shared texts
    SPREADSHEET_MAX_ROWS = int(os.environ.get("SPREADSHEET_MAX_ROWS", "50000"))
    SPREADSHEET_MAX_CELLS = int(os.environ.get("SPREADSHEET_MAX_CELLS", "2000000"))
    SPREADSHEET_MAX_SHARED_STRINGS_BYTES = int(os.environ.get("SPREADSHEET_MAX_SHARED_STRINGS_MB", "50")) * 1024 * 1024

    # --- login and sessions (app/security/hardening.py, app/security/manager.py) -------------
    ENCRYPTION_KEY = _encryption_key()
    # N failed logins of a name from one client address within LOGIN_LOCK_MINUTES lock that name at
    # that address (elsewhere it still logs in) for LOGIN_LOCK_MINUTES, each further lock of the
    # series twice as long, up to LOGIN_LOCK_MAX_MINUTES; a quiet LOGIN_LOCK_MAX_MINUTES ends the
    # series (LOGIN_MAX_FAILURES=0: never lock).
    LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
    LOGIN_LOCK_MINUTES = int(os.environ.get("LOGIN_LOCK_MINUTES", "15"))
    LOGIN_LOCK_MAX_MINUTES = int(os.environ.get("LOGIN_LOCK_MAX_MINUTES", "1440"))
    # Login attempts (form and API together) per client address and minute (0: off), counted by
    # Flask-AppBuilder's Flask-Limiter: in Redis when REDIS_URL is set (every process shares the
    # count), in the process's memory otherwise or while Redis cannot be reached.
    LOGIN_RATE_PER_MINUTE = int(os.environ.get("LOGIN_RATE_PER_MINUTE", "10"))
    RATELIMIT_ENABLED = True  # Flask-AppBuilder turns Flask-Limiter off by default
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_STORAGE_OPTIONS = {"socket_timeout": 1, "socket_connect_timeout": 1} if REDIS_URL else {}
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_KEY_PREFIX = os.environ.get("LOGIN_RATE_REDIS_PREFIX", "aid-rate")
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0: none).
    PROXY_FIX = int(os.environ.get("PROXY_FIX", "0"))
    # Logged out after this much inactivity; SESSION_HOURS is the absolute limit of a login.
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
    PERMANENT_SESSION_LIFETIME = timedelta(hours=int(os.environ.get("SESSION_HOURS", "8")))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = os.environ.get("SESSION_COOKIE_SAMESITE", "Lax")
    # Secure (sent over HTTPS only) by default outside development; SESSION_COOKIE_SECURE=0 for plain HTTP.
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", not DEVELOPMENT)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = SESSION_COOKIE_SAMESITE
    # Strict-Transport-Security max-age, sent only when SESSION_COOKIE_SECURE is on (0: never).
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "31536000"))

    # --- the county -------------------------------------------------------
    COUNTY_NAME = os.environ.get("COUNTY_NAME", "全椒县")
    COUNTY_CODE = os.environ.get("COUNTY_CODE", "341124")
    CENTRE_NAME = os.environ.get("CENTRE_NAME", COUNTY_NAME + "学生资助管理中心")
    CENTRE_HOTLINE = os.environ.get("CENTRE_HOTLINE", "0550-5012345")
    # 公示期: the fewest working days a posted aid list stays up (the 2018 national guidance on identifying
    # pupils in difficulty, 教财〔2018〕16号, as commonly applied: 不少于5个工作日); app/kpi/notice.py.
    NOTICE_WORKING_DAYS = int(os.environ.get("NOTICE_WORKING_DAYS", "5"))
    # A compared verification list waits this long on the server for its confirmation (app/operations/verification.py).
    VERIFICATION_PREVIEW_MINUTES = int(os.environ.get("VERIFICATION_PREVIEW_MINUTES", "60"))
    APP_NAME = os.environ.get("APP_NAME", COUNTY_NAME + "学生资助管理后台")
    APP_THEME = ""
    APP_ICON = ""

    # --- Flask-AppBuilder -------------------------------------------------
    AUTH_TYPE = AUTH_DB
    # Schema comes only from the migrations, never from create_all().
    FAB_CREATE_DB = False
    # Roles and permissions are defined in code (app/security/roles.py) and synced by
    # `flask sync-roles`; nothing is written to the database at start-up.
    FAB_UPDATE_PERMS = False
    FAB_ADD_SECURITY_API = False
    FAB_API_SWAGGER_UI = True
    FAB_API_MAX_PAGE_SIZE = 100
    FAB_INDEX_VIEW = "app.views.home.HomeView"
    FAB_SECURITY_MANAGER_CLASS = "app.security.manager.AidSecurityManager"
    FAB_BASE_TEMPLATE = "layout.html"
    FAB_PASSWORD_COMPLEXITY_ENABLED = True
    FAB_PASSWORD_COMPLEXITY_VALIDATOR = staticmethod(password_complexity)
    AUTH_USER_REGISTRATION = False
    WTF_CSRF_ENABLED = _env_bool("WTF_CSRF_ENABLED", True)
    WTF_CSRF_TIME_LIMIT = None
    JWT_ACCESS_TOKEN_EXPIRES = timedelta(hours=int(os.environ.get("JWT_HOURS", "8")))

    # --- printed documents (app/reports) -----------------------------------
    PDF_FONT_DIR = os.environ.get("PDF_FONT_DIR")  # default: INSTANCE_DIR/fonts (cut-down Chinese faces)
    PRINT_JOB_DIR = os.environ.get("PRINT_JOB_DIR")  # default: STORAGE_DIR/print_jobs (STORAGE_BACKEND=local)
    PRINT_QUEUE = os.environ.get("PRINT_QUEUE", "print")  # the RQ queue's name (one per installation sharing a Redis)
    PRINT_JOB_KEEP_HOURS = float(os.environ.get("PRINT_JOB_KEEP_HOURS", "72"))
    PRINT_JOB_LEASE_SECONDS = int(os.environ.get("PRINT_JOB_LEASE_SECONDS", "60"))
    PRINT_JOB_UNCLAIMED_SECONDS = int(os.environ.get("PRINT_JOB_UNCLAIMED_SECONDS", "900"))
    PRINT_PROCESSES = int(os.environ["PRINT_PROCESSES"]) if os.environ.get("PRINT_PROCESSES") else None  # None: all cores

    # --- language ---------------------------------------------------------
    BABEL_DEFAULT_LOCALE = os.environ.get("DEFAULT_LOCALE", "zh")
    BABEL_DEFAULT_TIMEZONE = os.environ.get("TIMEZONE", "Asia/Shanghai")
    BABEL_TRANSLATION_DIRECTORIES = ";".join(
        [str(BASE_DIR / "app" / "translations" / "fab"), str(BASE_DIR / "app" / "translations" / "app")]
    )
    LANGUAGES = {
        "zh": {"flag": "cn", "name": "简体中文"},
        "en": {"flag": "gb", "name": "English"},
    }

    # --- 校内资助资金: share of 事业收入 to set aside, per stage (low, high) ----
    SCHOOL_FUND_BANDS = {
        "senior": ("0.03", "0.05"),
        "complete": ("0.03", "0.05"),
        "kindergarten": ("0.03", "0.05"),
        # 中职: "a certain ratio", a minimum; 1 means no upper limit
        "vocational": (os.environ.get("VOCATIONAL_FUND_RATIO", "0.05"), "1"),
    }

    # --- 生源地信用助学贷款 -----------------------------------------------------
    # The interest rate and the yearly ceilings are data by school year (loan_rate, 助学贷款 › 贷款利率),
    # not configuration.

    # --- 投诉处理: days allowed for each stage, and from receipt to closing --------
    COMPLAINT_STAGE_DAYS = {
        "registered": 2, "returned": 3, "awaiting_approval": 3, "approved": 2,
        "investigating": 15, "investigated": 3, "rectifying": 15, "rectified": 5,
    }
    COMPLAINT_CLOSE_DAYS = {
        "consult": int(os.environ.get("CONSULT_ANSWER_DAYS", "5")),
        "complaint": int(os.environ.get("COMPLAINT_CLOSE_DAYS", "30")),
        "report": int(os.environ.get("COMPLAINT_CLOSE_DAYS", "30")),
    }

    # --- demo (development only: app/demo/guard.py) -------------------------
    # The demo users' password; outside development it, and the published Demo@2021, never log in.
    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "Demo@2021")


class TestConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = False
    LOG_LEVEL = "WARNING"  # no access line per request (tests/test_logs.py turns them on)
    # The suite logs in hundreds of times a minute from one address: lockout and rate limit
    # stay out of its way (tests/test_login_security.py builds apps with the real limits).
    LOGIN_MAX_FAILURES = 1000
    LOGIN_RATE_PER_MINUTE = 0
    # A cheap hash for the suite's accounts (scrypt, the default, costs ~80 ms a login and the suite
    # logs in some two thousand times); the stored hash names its method, so production apps built by
    # tests/test_production.py and every real deployment keep scrypt.
    FAB_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    # Whatever AID_ENV the shell has, the suite's app is a development one over plain HTTP.
    AID_ENV = "development"
    ENCRYPTION_KEY = Config.ENCRYPTION_KEY or "dGVzdC1lbmNyeXB0aW9uLWtleS0wMTIzNDU2Nzg5YWI="
    AUDIT_KEY = Config.AUDIT_KEY or "test-audit-key-of-the-student-aid-suite-0123456789"
    SESSION_COOKIE_SECURE = REMEMBER_COOKIE_SECURE = False
