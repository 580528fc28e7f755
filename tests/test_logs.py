"""Logs (app/operations/logs.py): one line per event on stdout, JSON by default outside development, each
carrying the request id (nginx's X-Request-ID, or a new one, returned in the response) and the
logged-in user; one access line per request, without the query string."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from tests.conftest import login


@pytest.fixture()
def logging_as(app):
    """logging_as("json" | "text"): the app's logging in that format at INFO, for one test."""
    from app.operations import logs

    def switch(log_format):
        logs.configure(log_format, "INFO")

    yield switch
    logs.configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])


def _json_lines(out):
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert lines, f"no JSON line in {out!r}"
    return lines


def _user_id(app, username):
    from app.extensions import db

    with app.app_context():
        user_model = app.appbuilder.sm.user_model
        return db.session.scalar(select(user_model.id).where(user_model.username == username))


def test_a_request_logs_one_json_line_with_its_request_id_and_user(app, logging_as, capfd):
    officer = login(app, "t_officer_a")
    logging_as("json")
    response = officer.get("/", headers={"X-Request-ID": "nginx-7f3a9c"})
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "nginx-7f3a9c"  # nginx's id comes back

    lines = [e for e in _json_lines(capfd.readouterr().out) if e.get("request_id") == "nginx-7f3a9c"]
    access = [e for e in lines if e["logger"] == "app.request"]
    assert len(access) == 1
    line = access[0]
    assert line["level"] == "INFO" and line["message"] == "GET / 200"
    assert line["method"] == "GET" and line["path"] == "/" and line["status"] == 200
    assert line["username"] == "t_officer_a" and line["user_id"] == _user_id(app, "t_officer_a")
    assert isinstance(line["duration_ms"], float) and line["remote_addr"] == "127.0.0.1"
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", line["time"])


def test_a_line_logged_inside_the_request_carries_its_id(app, logging_as, capfd):
    logging_as("json")
    client = app.test_client()
    response = client.post("/login/", data={"username": "t_nobody_here", "password": "wrong"},
                           headers={"X-Request-ID": "login-try-1"})
    entries = [e for e in _json_lines(capfd.readouterr().out) if e.get("request_id") == "login-try-1"]
    refusal = [e for e in entries if e["logger"] == "app.security.manager"]
    assert refusal and "login failed" in refusal[0]["message"]
    assert "username" not in refusal[0]  # nobody logged in
    assert [e["status"] for e in entries if e["logger"] == "app.request"] == [response.status_code]


@pytest.mark.parametrize("sent", [None, "", "a" * 129, "evil id", 'x"}{"level":"ERROR'])
def test_without_a_sane_request_id_one_is_made(app, logging_as, capfd, sent):
    logging_as("json")
    headers = {} if sent is None else {"X-Request-ID": sent}
    response = app.test_client().get("/login/", headers=headers)
    made = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    out = capfd.readouterr().out
    assert [e["request_id"] for e in _json_lines(out) if e["logger"] == "app.request"] == [made]
    if sent:
        assert sent not in out


def test_the_query_string_is_not_logged(app, logging_as, capfd):
    officer = login(app, "t_officer_a")
    logging_as("json")
    officer.get("/studentview/list/?_flt_0_name=甲校学生")
    out = capfd.readouterr().out
    assert "甲校学生" not in out and "_flt_0_name" not in out
    assert any(e.get("path") == "/studentview/list/" for e in _json_lines(out))


def test_text_format_says_the_same_on_one_line(app, logging_as, capfd):
    officer = login(app, "t_officer_a")
    logging_as("text")
    officer.get("/", headers={"X-Request-ID": "text-1"})
    line = [x for x in capfd.readouterr().out.splitlines() if "app.request" in x]
    assert len(line) == 1
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO app\.request \[text-1 t_officer_a\] GET / 200$", line[0])


def test_log_format_is_checked():
    from app.operations import logs

    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logs.formatter("xml")


def test_an_api_request_logs_the_token_s_user(app, api, logging_as, capfd):
    client = api("t_center")
    logging_as("json")
    response = client.get("/api/v1/student/", headers={"X-Request-ID": "api-1"})
    assert response.status_code == 200
    access = [e for e in _json_lines(capfd.readouterr().out) if e["logger"] == "app.request"]
    assert [(e["request_id"], e["username"], e["status"]) for e in access] == [("api-1", "t_center", 200)]


def test_a_flask_command_logs_to_stderr_and_prints_only_its_answer(app, logging_as, capfd):
    logging_as("json")
    result = app.test_cli_runner().invoke(args=["audit", "anchor"])
    assert result.exit_code == 0, result.output
    assert "audit anchor {" not in result.output  # what the command says, without the log
    captured = capfd.readouterr()
    anchors = [e for e in _json_lines(captured.err) if e["logger"] == "app.security.audit"]
    assert anchors and anchors[0]["message"].startswith("audit anchor {")
    assert "audit anchor {" not in captured.out


def test_a_refused_write_is_reported_as_itself_though_the_user_was_expired(app):
    """Flask-AppBuilder logs a refused write before it rolls back; naming the user on that line must
    not read the database (the session's "roll back first" error would replace the refusal, and the
    clerk would read "conflicts with an existing one" instead of which fields)."""
    from flask import g
    from flask_appbuilder.security.sqla.models import User
    from sqlalchemy import event

    from app.extensions import db
    from app.operations.logs import _current_user

    with app.test_request_context("/"):
        user = db.session.scalars(select(User).where(User.username == "t_officer_a")).one()
        g.user, user_id = user, user.id
        assert _current_user() == (user_id, "t_officer_a")
        db.session.expire(user)
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert _current_user() == (user_id, "t_officer_a")  # the name seen before, no read
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert statements == []
        db.session.rollback()
