"""Every deployment knob, read from the environment.

The embedded default is a SQLite file under ``instance/``; a real deployment sets
DATABASE_URL to PostgreSQL.  See README.md for the full list.
"""
import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask_appbuilder.security.manager import AUTH_DB

from app.passwords import password_complexity

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", BASE_DIR / "instance"))


def _env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key():
    """SECRET_KEY from the environment, else one generated once and kept in instance/."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


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
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=int(os.environ.get("SESSION_HOURS", "8")))

    INSTANCE_DIR = str(INSTANCE_DIR)
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR")  # default: INSTANCE_DIR/uploads

    # --- the county -------------------------------------------------------
    COUNTY_NAME = os.environ.get("COUNTY_NAME", "全椒县")
    COUNTY_CODE = os.environ.get("COUNTY_CODE", "341124")
    CENTRE_NAME = os.environ.get("CENTRE_NAME", COUNTY_NAME + "学生资助管理中心")
    CENTRE_HOTLINE = os.environ.get("CENTRE_HOTLINE", "0550-5012345")
    APP_NAME = os.environ.get("APP_NAME", COUNTY_NAME + "学生资助管理后台")
    APP_THEME = ""
    APP_ICON = ""

    # --- Flask-AppBuilder -------------------------------------------------
    AUTH_TYPE = AUTH_DB
    # Schema comes only from the migrations, never from create_all().
    FAB_CREATE_DB = False
    # Roles and permissions are defined in code (app/roles.py) and synced by
    # `flask sync-roles`; nothing is written to the database at start-up.
    FAB_UPDATE_PERMS = False
    FAB_ADD_SECURITY_API = False
    FAB_API_SWAGGER_UI = True
    FAB_API_MAX_PAGE_SIZE = 100
    FAB_INDEX_VIEW = "app.views.home.HomeView"
    FAB_SECURITY_MANAGER_CLASS = "app.security.AidSecurityManager"
    FAB_BASE_TEMPLATE = "layout.html"
    FAB_PASSWORD_COMPLEXITY_ENABLED = True
    FAB_PASSWORD_COMPLEXITY_VALIDATOR = staticmethod(password_complexity)
    AUTH_USER_REGISTRATION = False
    WTF_CSRF_ENABLED = _env_bool("WTF_CSRF_ENABLED", True)
    WTF_CSRF_TIME_LIMIT = None
    JWT_ACCESS_TOKEN_EXPIRES = timedelta(hours=int(os.environ.get("JWT_HOURS", "8")))

    # --- printed documents (app/reports) -----------------------------------
    PDF_FONT_DIR = os.environ.get("PDF_FONT_DIR")  # default: INSTANCE_DIR/fonts (cut-down Chinese faces)
    PRINT_JOB_DIR = os.environ.get("PRINT_JOB_DIR")  # default: INSTANCE_DIR/print_jobs
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
    LOAN_CEILINGS = {
        "undergraduate": os.environ.get("LOAN_CEILING_UNDERGRADUATE", "12000"),
        "postgraduate": os.environ.get("LOAN_CEILING_POSTGRADUATE", "16000"),
    }
    LOAN_INTEREST_RATE = os.environ.get("LOAN_INTEREST_RATE", "0.0385")

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

    # --- demo -------------------------------------------------------------
    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "Demo@2021")


class TestConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = False
