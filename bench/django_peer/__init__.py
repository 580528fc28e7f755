"""The peer of the student list page: a Django 5.2 admin change list of the same ``student`` table.

Kept minimal, as a Python team would write it: two unmanaged models on the app's tables
(``school``, ``student``), one ``ModelAdmin`` with the list page's columns, 25 rows, newest
first, the school's pupils only for a school's officer (``get_queryset``), and a search box.
The encrypted columns (ID number, 学籍号) are decrypted and masked as the app shows them, with
the app's own functions: the same work per row.  The pupils are read from the database the
bench built; Django's own tables (users, permissions) live in an in-memory SQLite database.

Django comes from bench/requirements.txt, installed by ``make bench`` into bench/.lib: nothing
of it is in the app or its requirements.

    from bench import django_peer
    client = django_peer.setup(url, encryption_key, officer_school_id)   # once per process
    client.get("/admin/students/student/")  # as the user logged in by ``login``
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

LIB = Path(__file__).resolve().parent.parent / ".lib"
LIST_PATH = "/admin/students/student/"
CONFIG = {}


def available():
    """Is Django importable (from bench/.lib, put last on sys.path: the app's packages come first)?"""
    if LIB.is_dir() and str(LIB) not in sys.path:
        sys.path.append(str(LIB))
    try:
        import django  # noqa: F401
    except ImportError:
        return False
    return True


def _database(url):
    """Django's DATABASES entry for a SQLAlchemy URL (sqlite:///file or postgresql://…, with a search_path)."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": u.database}
    return {"ENGINE": "django.db.backends.postgresql", "NAME": u.database, "USER": u.username or "",
            "PASSWORD": u.password or "", "HOST": u.host or "", "PORT": str(u.port or ""),
            "OPTIONS": {"options": u.query.get("options", "")} if u.query.get("options") else {}}


def setup(url, encryption_key, officer_school_id, search_path=None):
    """Configure Django for the bench's database; returns nothing. Call once per process."""
    if not available():
        raise RuntimeError("Django is not installed: run `make bench` (or pip install --target bench/.lib "
                           "-r bench/requirements.txt)")
    import django
    from django.conf import settings

    CONFIG.update(encryption_key=encryption_key, officer_school_id=officer_school_id)
    aid = _database(url)
    if search_path:
        aid["OPTIONS"] = {"options": f"-csearch_path={search_path}"}
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-django-peer-" + os.urandom(8).hex(),
        ALLOWED_HOSTS=["testserver"],
        ROOT_URLCONF="bench.django_peer.urls",
        INSTALLED_APPS=["django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
                        "django.contrib.messages", "bench.django_peer.students"],
        MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware",
                    "django.middleware.common.CommonMiddleware",
                    "django.middleware.csrf.CsrfViewMiddleware",
                    "django.contrib.auth.middleware.AuthenticationMiddleware",
                    "django.contrib.messages.middleware.MessageMiddleware"],
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
                    "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                                                       "django.contrib.auth.context_processors.auth",
                                                       "django.contrib.messages.context_processors.messages"]}}],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}, "aid": aid},
        DATABASE_ROUTERS=["bench.django_peer.students.router.AidRouter"],
        SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
        LANGUAGE_CODE="zh-hans", USE_I18N=True, USE_TZ=False,
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    )
    django.setup()
    from django.core.management import call_command

    call_command("migrate", database="default", verbosity=0, interactive=False)
    from django.contrib.auth.models import Permission, User

    User.objects.create_superuser("center", "center@x.invalid", "x")
    officer = User.objects.create_user("officer", "officer@x.invalid", "x", is_staff=True)
    officer.user_permissions.add(Permission.objects.get(codename="view_student"))


def client(username):
    """A Django test client logged in as ``center`` (every school) or ``officer`` (its school)."""
    from django.contrib.auth.models import User
    from django.test import Client

    c = Client()
    c.force_login(User.objects.get(username=username))
    return c


def result_count(html):
    """The count the change list shows (``… 条结果`` / the paginator's ``N 学生``)."""
    import re

    found = re.search(r'<p class="paginator">.*?(\d+)\s', html, re.S)
    return int(found.group(1)) if found else None
