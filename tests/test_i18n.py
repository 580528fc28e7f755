"""The UI speaks Chinese by default: no English left on any page a role can open."""
import re
from html import unescape

import pytest

from tests.conftest import WORLD

# Words that are meant to stay as they are (role codes appear beside their Chinese label
# on the roles page, because `flask users create --role` takes the code).
ALLOWED = {"English", "Excel", "PDF", "xlsx", "简体中文",  # a format's name, as Chinese UIs write it (资助档案（PDF）)
           "Admin", "AidCenter", "SchoolOfficer", "Supervisor", "Leader", "Auditor",
           "Public", "UTC", "API",
           "LPR",  # 贷款市场报价利率: Chinese policy documents write it so (助学贷款 › 贷款利率)
           "png", "jpg", "jpeg", "pdf"}  # the extension of a file's own name (an evidence file in the audit trail)
HASH = re.compile(r"\b[0-9a-f]{16,}\b")
ENGLISH_TEXT = re.compile(r"[A-Za-z]{3,}(?:[ '\-][A-Za-z]+)*")
PK_BY_VIEW = {
    "StudentView": lambda: WORLD.student_a,
    "SchoolView": lambda: WORLD.school_a,
    "IdentificationView": lambda: WORLD.ident_a,
    "InfoOfficerView": lambda: WORLD.officer_a,
    "UserDBModelView": lambda: 1,
    "ComplaintView": lambda: WORLD.complaint_a,
}


def _text_nodes(html):
    html = re.sub(r"(?s)<script.*?</script>|<style.*?</style>|<!--.*?-->", " ", html)
    nodes = [unescape(t).strip() for t in re.split(r"<[^>]+>", html)]
    attrs = re.findall(r'(?:placeholder|title|data-placeholder)="([^"]*)"', html)
    return [n for n in nodes + attrs if n]


def _english(nodes, usernames):
    found = []
    for node in nodes:
        node = HASH.sub(" ", node.replace("&nbsp;", " ")).strip()  # the trail's seals are shown as they are
        for match in ENGLISH_TEXT.findall(node):
            if match in ALLOWED or match in usernames or match.startswith("t_"):
                continue
            found.append(match)
    return found


def _first_record(app, endpoint):
    """School A's first record of the endpoint's model (a county table's first record), or None."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models.base import SchoolOwned
    from tests.sweep import model_of

    model = model_of(app, endpoint)
    if model is None:
        return None
    query = select(model.id).order_by(model.id).limit(1)
    if issubclass(model, SchoolOwned):
        query = query.where(model.school_id == WORLD.school_a)
    with app.app_context():
        pk = db.session.scalar(query)
        db.session.remove()
    return pk


def _pages(app, client):
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.rule.startswith(("/api/", "/static", "/appbuilder", "/swagger")):
                continue
            name = rule.endpoint.split(".")[0]
            if rule.endpoint.endswith(("logout", ".action", "download", "lang", ".delete")):
                continue
            args = {}
            if "pk" in rule.arguments:
                pk = PK_BY_VIEW[name]() if name in PK_BY_VIEW else _first_record(app, rule.endpoint)
                if pk is None:
                    continue
                args["pk"] = pk
                if rule.arguments == {"pk", "action"}:  # a workflow step: every step's form
                    from app.rules.complaints import ACTIONS

                    for action in ACTIONS:
                        yield url_for(rule.endpoint, action=action, **args)
                    continue
                if rule.arguments != {"pk"}:
                    continue
            elif rule.arguments:
                continue
            yield url_for(rule.endpoint, **args)


def _account_words(app):
    """The words of every account's username, names and e-mail address, and of every school's code
    (a code such as "CLI01" is the county's data, shown on the school list as it was registered)."""
    from app.extensions import db
    from app.models import School

    user = app.appbuilder.sm.user_model
    with app.app_context():
        rows = db.session.execute(db.select(user.username, user.first_name, user.last_name, user.email)).all()
        rows += db.session.execute(db.select(School.code)).all()
        db.session.remove()
    return {word for row in rows for value in row if value for word in ENGLISH_TEXT.findall(value)}


@pytest.mark.parametrize("user", ["t_admin", "t_center", "t_officer_a", "t_supervisor", "t_leader", "t_auditor"])
def test_no_english_on_any_page(app, as_role, user):
    client = as_role(user)
    # the test users' names and e-mail addresses and the schools' codes are data, not UI text: every
    # one, whichever other test file made it before this one ran (an account's name shows in the
    # officer's user choice, a school's code on the school list)
    usernames = {"aid", "invalid", "admin", "center", "officer", "supervisor", "leader", "nolink", "audit", "auditor"}
    usernames |= _account_words(app)
    problems = {}
    visited = 0
    for url in _pages(app, client):
        r = client.get(url)
        if r.status_code != 200 or "text/html" not in r.content_type:
            continue
        visited += 1
        words = _english(_text_nodes(r.get_data(as_text=True)), usernames)
        if words:
            problems[url] = sorted(set(words))
    assert visited >= (3 if user == "t_auditor" else 5)
    assert not problems, problems


def test_login_page_is_chinese(app):
    r = app.test_client().get("/login/")
    words = _english(_text_nodes(r.get_data(as_text=True)), set())
    assert not words, words


def test_english_can_be_chosen(app, as_role):
    client = as_role("t_center")
    client.get("/lang/en")
    html = client.get("/studentview/list/").get_data(as_text=True)
    assert "Students" in html and "Basic data" in html
    client.get("/lang/zh")
    assert "基础数据" in client.get("/studentview/list/").get_data(as_text=True)
