"""The production path (deploy/): install.sh into a folder, then gunicorn with the checked-in
configuration, answering /healthz and logging JSON lines; the systemd units and the nginx example
agree with the app's settings.

install.sh runs here with --no-system (no apt, no system user, no systemd: what a test may do on a
shared machine) and --venv (the suite's virtualenv: no download). What --no-system skips is tried on a
real Debian server (README "Deploying").
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
# an install into a folder with a SQLite database of its own: the same whatever the suite runs on
pytestmark = pytest.mark.once
VENV = ROOT / ".venv"
UNITS = ["aid-web.service", "aid-worker@.service", "aid-backup.service", "aid-backup.timer"]


def _install(prefix):
    return subprocess.run(
        ["bash", str(DEPLOY / "install.sh"), "--no-system", "--prefix", str(prefix), "--venv", str(VENV), "--skip-fonts"],
        capture_output=True, text=True, timeout=600, env={k: v for k, v in os.environ.items()
                                                           if k not in ("AID_ENV", "INSTANCE_DIR", "SECRET_KEY", "DATABASE_URL")},
    )


def _env(prefix):
    values = {}
    for line in (prefix / "aid.env").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value.strip("'")
    return values


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    prefix = tmp_path_factory.mktemp("aid-install")
    result = _install(prefix)
    assert result.returncode == 0, result.stdout + result.stderr
    return prefix


def test_install_lays_out_the_runtime_only(installed):
    code = installed / "code"
    for wanted in ["run.py", "config.py", "requirements.txt", "app/__init__.py", "migrations/env.py",
                   "deploy/gunicorn.conf.py", "deploy/systemd/aid-web.service"]:
        assert (code / wanted).is_file(), wanted
    for unwanted in ["tests", "bench", "requirements-dev.txt", "pytest.ini", ".venv", "instance", ".git"]:
        assert not (code / unwanted).exists(), unwanted
    assert (installed / "instance").stat().st_mode & 0o777 == 0o700
    assert (installed / "aid.env").stat().st_mode & 0o777 == 0o600
    env = _env(installed)
    assert env["AID_ENV"] == "production" and env["PROXY_FIX"] == "1" and env["LOG_FORMAT"] == "json"
    assert env["INSTANCE_DIR"] == str(installed / "instance")
    keys = [env["SECRET_KEY"], env["ENCRYPTION_KEY"], env["AUDIT_KEY"]]
    assert len(set(keys)) == 3 and all(len(k) >= 32 for k in keys)
    assert "REDIS_URL" not in env  # --no-system: no local Redis; the web process prints


def test_install_migrates_the_database_and_creates_the_roles(installed):
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(_alembic_config(AlembicConfig)).get_heads()
    with sqlite3.connect(installed / "instance" / "app.db") as db:
        assert [r[0] for r in db.execute("SELECT version_num FROM alembic_version")] == heads
        roles = {r[0] for r in db.execute("SELECT name FROM ab_role")}
        users = db.execute("SELECT count(*) FROM ab_user").fetchone()[0]
    assert {"Admin", "AidCenter", "SchoolOfficer", "Supervisor", "Leader", "Auditor"} <= roles
    assert users == 0  # no demo county, no default account: the first administrator comes from the command line


def _alembic_config(cls):
    config = cls()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return config


def test_install_again_keeps_the_keys_and_what_was_set_by_hand(installed):
    before = _env(installed)
    with open(installed / "aid.env", "a") as f:
        f.write("COUNTY_NAME='来安县'\n")
    (installed / "aid.env").write_text((installed / "aid.env").read_text().replace("LOG_FORMAT='json'", "LOG_FORMAT='text'"))
    result = _install(installed)
    assert result.returncode == 0, result.stdout + result.stderr
    after = _env(installed)
    for name in ["SECRET_KEY", "ENCRYPTION_KEY", "AUDIT_KEY", "DATABASE_URL"]:
        assert after[name] == before[name]
    assert after["COUNTY_NAME"] == "来安县" and after["LOG_FORMAT"] == "text"
    assert (installed / "aid.env").read_text().count("SECRET_KEY=") == 1
    (installed / "aid.env").write_text((installed / "aid.env").read_text().replace("LOG_FORMAT='text'", "LOG_FORMAT='json'"))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_gunicorn_serves_healthz_and_logs_json_lines(installed, tmp_path):
    port = _free_port()
    out = open(tmp_path / "gunicorn.out", "w+")
    env = {k: v for k, v in os.environ.items() if k not in ("AID_ENV", "INSTANCE_DIR", "SECRET_KEY", "DATABASE_URL")}
    env.update(GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="1", GUNICORN_THREADS="2")
    proc = subprocess.Popen([str(installed / "bin" / "aid-run"), str(VENV / "bin" / "gunicorn"),
                             "-c", str(installed / "code" / "deploy" / "gunicorn.conf.py")],
                            stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, (tmp_path / "gunicorn.out").read_text()
            try:
                status, headers, body = _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not answer in 90 s"
                time.sleep(0.3)
        assert status == 200
        assert json.loads(body)["status"] == "ok"
        status, headers, _ = _get(f"http://127.0.0.1:{port}/login/", {"X-Request-ID": "deploy-check-1"})
        assert status == 200 and headers["X-Request-ID"] == "deploy-check-1"
        assert "Secure" in headers.get("Set-Cookie", "Secure")  # production: cookies only over HTTPS
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    lines = [line for line in (tmp_path / "gunicorn.out").read_text().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line is JSON, gunicorn's own included
    assert any(e["logger"] == "gunicorn.error" and "Booting worker" in e["message"] for e in entries)
    access = [e for e in entries if e.get("request_id") == "deploy-check-1"]
    assert [(e["logger"], e["path"], e["status"]) for e in access] == [("app.request", "/login/", 200)]
    assert not any(e["logger"] == "gunicorn.access" for e in entries)  # one access line a request, the app's


# --- the checked-in files agree with the app's settings -------------------------------------------------


def _nginx():
    return (DEPLOY / "nginx" / "aid.conf").read_text() + (DEPLOY / "nginx" / "aid_proxy_params").read_text()


def test_nginx_accepts_what_the_app_accepts_and_waits_as_long_as_gunicorn():
    from config import Config

    nginx = _nginx()
    body_mb = int(re.search(r"client_max_body_size (\d+)m;", nginx).group(1))
    assert body_mb * 1024 * 1024 == Config.MAX_CONTENT_LENGTH
    gunicorn = (DEPLOY / "gunicorn.conf.py").read_text()
    timeout = int(re.search(r'GUNICORN_TIMEOUT", "(\d+)"', gunicorn).group(1))
    assert f"proxy_read_timeout {timeout}s;" in nginx
    bind = re.search(r'GUNICORN_BIND", "([^"]+)"', gunicorn).group(1)
    assert f"server {bind};" in nginx
    for header in ["X-Forwarded-For $remote_addr", "X-Forwarded-Proto $scheme", "X-Request-ID $request_id"]:
        assert f"proxy_set_header {header};" in nginx
    assert "ssl_certificate " in nginx and "return 301 https://" in nginx


def test_the_installed_nginx_example_points_at_real_folders(installed):
    rendered = (installed / "nginx-aid.conf").read_text()
    folders = re.findall(r"alias (\S+);", rendered)
    assert len(folders) == 2
    for folder in folders:
        assert Path(folder).is_dir(), folder
    assert (Path(folders[0]) / "css").is_dir()  # Flask-AppBuilder's own static files


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_units_verify(installed, tmp_path):
    """The units as install.sh writes them (its paths substituted) pass systemd's own check."""
    for unit in UNITS:
        text = (DEPLOY / "systemd" / unit).read_text()
        text = (text.replace("/srv/aid/venv/", f"{VENV}/").replace("/srv/aid", str(installed))
                .replace("/etc/aid.env", str(installed / "aid.env")))
        (tmp_path / unit).write_text(text)
    shutil.copy(tmp_path / "aid-worker@.service", tmp_path / "aid-worker@1.service")
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", "aid-web.service", "aid-worker@1.service",
                             "aid-backup.service", "aid-backup.timer"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
    web = (DEPLOY / "systemd" / "aid-web.service").read_text()
    assert "gunicorn -c /srv/aid/code/deploy/gunicorn.conf.py" in web and "EnvironmentFile=/etc/aid.env" in web
    assert "flask print-worker" in (DEPLOY / "systemd" / "aid-worker@.service").read_text()
    assert "flask backup create" in (DEPLOY / "systemd" / "aid-backup.service").read_text()
    assert "OnCalendar=*-*-* 02:30:00" in (DEPLOY / "systemd" / "aid-backup.timer").read_text()
