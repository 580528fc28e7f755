"""Nothing raw reaches a person: every page a role reaches from its menus (the list, the first
record's page, its edit form, the add form, and what those link to), every Excel export and PDF
it can download there, shows values formatted for a person, in Chinese.

The crawl runs on a demo county of its own (app/demo/county.py, a few hundred pupils) as each demo
user, starting from the links of the rendered navigation bar. It fails on a Python repr
(``[<app.models.loans.LoanMaterial object at 0x…>]``), a list's repr (``[系统管理员]``), a
column's name (``fail_login_count``), English, exception text (``sqlite3.IntegrityError``,
``INSERT INTO``), ``None`` shown as a value, a login name where a person's name belongs, and two
columns of one table under the same heading.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
import tempfile
from html import unescape
from html.parser import HTMLParser
from io import BytesIO
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.test_i18n import ALLOWED, ENGLISH_TEXT, HASH

DEMO_USERS = ["admin", "center", "officer", "officer2", "supervisor", "leader", "auditor"]
# pages at least (a role whose menus shrink by accident, or a crawl that stops following links, fails)
MIN_PAGES = {"admin": 200, "center": 200, "officer": 100, "officer2": 100, "supervisor": 100, "leader": 100,
             "auditor": 4}  # the trail: its list, an entry, a record's history and the export
NOT_FOLLOWED = re.compile(r"^/(static|appbuilder|api|swagger|lang|logout|back)\b|/delete/|/action/|/action_post|"
                          r"/download|^/login")

# --- what is raw -----------------------------------------------------------------------------------

REPRS = re.compile(r"<app\.|object at 0x|\[<|<[A-Za-z_.]+ object|Decimal\('|datetime\.(?:date|datetime)\(|"
                   r"\bOrderedDict\(|InstrumentedList|_sa_instance_state|\{'[a-z_]+': ")
LIST_REPR = re.compile(r"\[[^\[\]]*\]")  # [系统管理员], ['a', 'b'], []
SNAKE = re.compile(r"(?<![\w./@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w./@-])")
EXCEPTIONS = re.compile(r"Traceback|Error\b|Exception\b|sqlite3|psycopg|\bIntegrityError|\bINSERT INTO\b|"
                        r"\bUPDATE \w+ SET\b|\bSELECT\b.+\bFROM\b|\bDELETE FROM\b|\bconstraint failed\b|\bDETAIL:|"
                        r"\[SQL:|\[parameters:|sqlalche\.me")
NOT_A_VALUE = re.compile(r"(?<![A-Za-z])(?:None|True|False|nan|NaN|NaT|null|undefined)(?![A-Za-z])")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# file types, written so in Chinese too (附件（.xlsx .docx .pdf 等）)
FILE_TYPES = {"jpg", "jpeg", "png", "pdf", "PDF", "doc", "docx", "xls", "xlsx", "csv"}
# the columns where a login name is the value asked for
LOGIN_COLUMNS = {"用户名", "登录名", "账号"}


class Page(HTMLParser):
    """The text a person sees on a page (no script, style, comment or attribute, save the
    values shown in fields and their placeholders), its tables (headings, rows) and links."""

    HIDDEN = {"script", "style", "template", "noscript", "head"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.links: list[str] = []
        self.tables: list[dict] = []
        self.navbar: list[str] = []
        self._hidden = 0
        self._stack: list[str] = []
        self._open_tables: list[dict] = []
        self._cell = None
        self._nav_depth = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        if "." in tag and not self._hidden:  # a repr written unescaped (<app.models.… object at 0x…>)
            self._text(f"<{tag} " + " ".join(k for k, _ in attrs))
            return
        attrs = dict(attrs)
        if tag in self.VOID:
            if tag == "input" and not self._hidden:
                kind = (attrs.get("type") or "text").lower()
                if kind not in ("hidden", "checkbox", "radio", "file", "password") and attrs.get("value"):
                    self._text(attrs["value"])
                if attrs.get("placeholder"):
                    self._text(attrs["placeholder"])
            return
        self._stack.append(tag)
        if tag in self.HIDDEN:
            self._hidden += 1
        # the side bar of the role's menus (app/templates/layout.html), or a navigation bar's menus
        if self._nav_depth is None and (
                (tag == "nav" and "aid-sidebar" in (attrs.get("class") or ""))
                or (tag == "div" and "navbar-collapse" in (attrs.get("class") or ""))):
            self._nav_depth = len(self._stack)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
            if self._nav_depth is not None:
                self.navbar.append(attrs["href"])
        if tag == "table":
            table = {"headings": [], "rows": [], "_row": None}
            self._open_tables.append(table)
            self.tables.append(table)
        elif tag == "tr" and self._open_tables:
            self._open_tables[-1]["_row"] = []
        elif tag in ("th", "td") and self._open_tables and self._open_tables[-1]["_row"] is not None:
            self._cell = {"kind": tag, "text": [], "table": self._open_tables[-1]}
        if tag == "textarea" and attrs.get("placeholder"):
            self._text(attrs["placeholder"])

    def handle_endtag(self, tag):
        if tag in self.VOID or tag not in self._stack:
            return
        while self._stack:
            open_tag = self._stack.pop()
            self._close(open_tag)
            if open_tag == tag:
                break

    def _close(self, tag):
        if tag in self.HIDDEN:
            self._hidden -= 1
        if self._nav_depth is not None and len(self._stack) < self._nav_depth:
            self._nav_depth = None
        if tag in ("th", "td") and self._cell is not None:
            cell = self._cell
            self._cell = None
            row = cell["table"]["_row"]
            if row is not None:
                row.append((cell["kind"], " ".join(" ".join(cell["text"]).split())))
        elif tag == "tr" and self._open_tables:
            table = self._open_tables[-1]
            row, table["_row"] = table["_row"], None
            if row:
                if all(kind == "th" for kind, _ in row) and not table["headings"]:
                    table["headings"] = [text for _, text in row]
                else:
                    table["rows"].append(row)
        elif tag == "table" and self._open_tables:
            self._open_tables.pop()

    def handle_data(self, data):
        if not self._hidden:
            self._text(data)

    def _text(self, data):
        data = " ".join(unescape(data).split())
        if not data:
            return
        self.texts.append(data)
        if self._cell is not None:
            self._cell["text"].append(data)


def raw_in_text(text, logins=frozenset()):
    """What in one piece of visible text is not for a person (the logins given are data: a user's name)."""
    return list(_raw_in_text(text, frozenset(logins)))


@lru_cache(maxsize=65536)  # a page's menus, headings and buttons are the same texts on every page
def _raw_in_text(text, logins):
    if logins:
        text = _logins_pattern(logins).sub(" ", text)
    found = []
    for pattern, what in ((REPRS, "Python repr"), (EXCEPTIONS, "exception text"), (LIST_REPR, "list repr")):
        found += [f"{what}: {m.group(0)}" for m in pattern.finditer(text)]
    found += [f"field name: {m}" for m in SNAKE.findall(text)]
    found += [f"not a value: {m}" for m in NOT_A_VALUE.findall(text)]
    for word in ENGLISH_TEXT.findall(HASH.sub(" ", EMAIL.sub(" ", text))):
        if word not in ALLOWED and word not in FILE_TYPES and word not in logins and not SNAKE.fullmatch(word) \
                and not NOT_A_VALUE.fullmatch(word):
            found.append(f"English: {word}")
    return tuple(found)


@lru_cache(maxsize=64)
def _logins_pattern(logins):
    """The logins given, as one pattern: each where it stands as a word of its own (not in an address)."""
    names = "|".join(re.escape(login) for login in sorted(logins, key=len, reverse=True))
    return re.compile(rf"(?<![\w@.])(?:{names})(?![\w@])")


def raw_in_page(html, logins=frozenset()):
    """Every raw thing on an HTML page (its text, or the page already read), each named with the text
    it was found in."""
    page = html if isinstance(html, Page) else Page(html)
    found = []
    for text in page.texts:
        found += [f"{problem}  «{text[:80]}»" for problem in raw_in_text(text, logins)]
    for table in page.tables:
        headings = [h for h in table["headings"] if h]
        twice = sorted({h for h in headings if headings.count(h) > 1})
        found += [f"two columns headed {h}" for h in twice]
        labels = [row[0][1] for row in table["rows"] if len(row) >= 2 and row[0][0] == "th" and row[0][1]]
        found += [f"two rows labelled {h}" for h in sorted({h for h in labels if labels.count(h) > 1})]
        for row in table["rows"]:
            for i, (kind, text) in enumerate(row):
                if kind != "td" or text not in logins:
                    continue
                if row[0][0] == "th" and i == 1:
                    heading = row[0][1]
                else:
                    heading = table["headings"][i] if i < len(table["headings"]) else ""
                if heading not in LOGIN_COLUMNS:
                    found.append(f"login name instead of a person's name: {text} (under {heading or '—'})")
    return found


def raw_in_workbook(data, logins=frozenset()):
    from openpyxl import load_workbook

    found = []
    book = load_workbook(BytesIO(data), read_only=True)
    for sheet in book.worksheets:
        for number, row in enumerate(sheet.iter_rows(values_only=True)):
            if number == 0:
                headings = [str(v) for v in row if v not in (None, "")]
                found += [f"two columns headed {h}" for h in sorted({h for h in headings if headings.count(h) > 1})]
            for value in row:
                if isinstance(value, bool):
                    found.append(f"not a value: {value}")
                elif isinstance(value, str):
                    found += [f"{p}  «{value[:80]}»" for p in raw_in_text(value, logins)]
            if number > 200:
                break
    return found


def raw_in_pdf(data, logins=frozenset()):
    from pypdf import PdfReader

    found = []
    for page in PdfReader(BytesIO(data)).pages[:5]:
        for line in (page.extract_text() or "").splitlines():
            found += [f"{p}  «{line[:80]}»" for p in raw_in_text(line, logins)]
    return found


# --- the crawl -------------------------------------------------------------------------------------

def shape(url):
    """Pages of one kind: the path with its ids as N, the query's names (a list's page, page size
    and order are the same list)."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/N", parts.path)
    keys = sorted({k for k, _ in parse_qsl(parts.query)
                   if not k.startswith(("page_", "psize_", "_oc_", "_od_", "next"))})
    return path, tuple(keys)


def followed(url):
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and parts.path.startswith("/") and not NOT_FOLLOWED.search(parts.path)


def crawl(client, logins, depth=3, until=None):
    """GET the home page, every link of its navigation bar, and what they link to (one page of each
    kind, so a list's first record, its edit form and the add form, its Excel export, a record's
    PDF), ``depth`` links deep, or until the page ``until`` has been read. Returns the pages read,
    what is raw on each, the menu's links and how many pages, spreadsheets and PDFs were read."""
    home = client.get("/")
    assert home.status_code == 200
    menu = [u for u in Page(home.get_data(as_text=True)).navbar if followed(u)]
    queue = [("/", 0)] + [(u, 1) for u in menu]
    seen, visited, problems, kinds = set(), [], {}, Counter()
    while queue:
        url, level = queue.pop(0)
        if shape(url) in seen:
            continue
        seen.add(shape(url))
        r = client.get(url)
        if r.status_code >= 500:
            problems[url] = [f"HTTP {r.status_code}"]
            continue
        if r.status_code != 200:
            continue
        visited.append(url)
        kind = r.content_type or ""
        kinds[next((k for k in ("html", "spreadsheetml", "pdf") if k in kind), kind)] += 1
        if "html" in kind:
            page = Page(r.get_data(as_text=True))  # read once: what is raw on it, and its links
            found = raw_in_page(page, logins)
            if level < depth:
                queue += [(u, level + 1) for u in page.links if followed(u)]
        elif "spreadsheetml" in kind:
            found = raw_in_workbook(r.data, logins)
        elif "pdf" in kind:
            found = raw_in_pdf(r.data, logins)
        else:
            found = []
        if found:
            problems[url] = sorted(set(found))
        if url == until:
            break
    return visited, problems, menu, kinds


@pytest.fixture(scope="module")
def county():
    """A demo county of its own (the suite's database stays as the other tests left it)."""
    from flask_migrate import upgrade

    from app import create_app
    from app.demo.county import seed_demo

    folder = tempfile.mkdtemp(prefix="aid-raw-")
    demo = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/demo.db",
                      AUDIT_ANCHOR_FILE=f"{folder}/anchors.log")
    with demo.app_context():
        upgrade()
        seed_demo(students=300)
    # what people did on the screens, as the trail keeps it: a wrong password (a failed login's
    # counter), an item of the loan checklist added by the centre
    demo.test_client().post("/login/", data={"username": "officer", "password": "wrong"})
    r = log_in(demo, "center").post("/loanmaterialview/add", data={"name": "测试材料", "required": "y", "sort_order": "9"})
    assert r.status_code == 302
    return demo


def log_in(app, username):
    client = app.test_client()
    r = client.post("/login/", data={"username": username, "password": app.config["DEMO_PASSWORD"]})
    assert r.status_code == 302, f"login of {username} failed"
    return client


@pytest.mark.once  # the crawl's own SQLite demo county
@pytest.mark.parametrize("username", DEMO_USERS)
def test_every_page_a_role_reaches_is_for_a_person(county, username):
    visited, problems, menu, kinds = crawl(log_in(county, username), set(DEMO_USERS))
    assert menu, "no menu links found in the navigation bar"
    assert len(visited) >= MIN_PAGES[username], (len(visited), visited)
    assert kinds["spreadsheetml"] >= 1 and (username == "auditor" or kinds["pdf"] >= 1), kinds
    assert not problems, "\n".join(f"{url}: {found}" for url, found in problems.items())


@pytest.mark.once  # the crawl's own SQLite demo county
def test_every_field_the_trail_records_has_a_label(county):
    """The trail shows each change as 字段：旧值 → 新值: every column of every table it records is
    named as its screen names it (or by the trail's own label), never by the column's name."""
    from app.security.audit import SKIPPED
    from app.extensions import db
    from app.views.audit import NOT_SHOWN, _Reader

    unlabelled = {}  # the product's tables and its user accounts (the only ones of Flask-AppBuilder's it writes)
    with county.test_request_context():
        tables = {mapper.local_table.name: mapper.local_table for mapper in db.Model.registry.mappers}
        tables["ab_user"] = county.appbuilder.sm.user_model.__table__
        for name, table in tables.items():
            if name in SKIPPED or (name.startswith("ab_") and name != "ab_user"):
                continue
            reader = _Reader(name)
            for column in table.columns:
                if NOT_SHOWN.search(column.key) or column.key in reader.hidden \
                        or column.key in ("created_at", "updated_at"):  # not recorded (app/security/audit.py)
                    continue
                label = reader.label(column.key)
                if label == column.key or raw_in_text(label):
                    unlabelled.setdefault(name, []).append(f"{column.key} → {label}")
    assert not unlabelled, "\n".join(f"{table}: {columns}" for table, columns in unlabelled.items())


def test_a_duplicate_score_reads_in_chinese_on_the_add_and_the_edit_form(app, as_role):
    """Scoring one checklist item twice for one inspection, by adding or by changing a score's item:
    the form says so in Chinese, never the database's exception and statement."""
    from app.extensions import db
    from app.models import InspectionItem, InspectionScore
    from tests.conftest import WORLD, post_edit, purge

    with app.app_context():
        item = InspectionItem(name="测试重复评分项目", max_score=10, sort_order=9)
        db.session.add(item)
        db.session.commit()
        second = InspectionScore(inspection_id=WORLD.inspection_b, item_id=item.id, score=5)
        db.session.add(second)
        db.session.commit()
        second_id, item_id = second.id, item.id
    try:
        client = as_role("t_supervisor")
        added = client.post("/inspectionscoreview/add", data={"inspection": WORLD.inspection_b, "item": WORLD.item,
                                                              "score": "10"}, follow_redirects=True)
        edited = post_edit(client, f"/inspectionscoreview/edit/{second_id}",
                           {"inspection": WORLD.inspection_b, "item": WORLD.item, "score": "5"})
        edited = client.get(edited.headers["Location"])
        for r in (added, edited):
            assert r.status_code == 200
            assert "已有相同“检查”、“检查项目”的记录" in r.get_data(as_text=True)
            assert not raw_in_page(r.get_data(as_text=True), {"t_supervisor"})
        with app.app_context():
            assert db.session.get(InspectionScore, second_id).item_id == item_id
            assert db.session.query(InspectionScore).filter_by(inspection_id=WORLD.inspection_b).count() == 2
    finally:
        with app.app_context():
            purge(db.session.get(InspectionScore, second_id), db.session.get(InspectionItem, item_id))
            db.session.commit()


CLEAN = """<html><head><title>学生资助</title><style>.aid_row { color: red }</style>
<script>var fail_login_count = None; console.log("Traceback");</script></head><body>
<div class="navbar-collapse"><a href="/studentview/list/" data-role="created_by_fk">学生</a></div>
<input type="hidden" name="row_version" value="None"><input type="checkbox" value="True">
<table><thead><tr><th></th><th>用户名</th><th>姓名</th><th>记录编号</th><th>记录</th></tr></thead>
<tr><td></td><td>officer</td><td>刘洋（officer）</td><td>12</td><td>附件（.xlsx .pdf）</td></tr></table>
<p>哈希 5abadd64b71c3f96d2747df80cec3357 · officer@example.org · 2026-12-05 08:30 · 1,234.00</p>
</body></html>"""
RAW = {
    "a Python repr": "<p>[&lt;app.models.loans.LoanMaterial object at 0x7f3a2c&gt;]</p>",
    "a Python repr unescaped": "<p>[<app.models.loans.LoanMaterial object at 0x7f3a2c>]</p>",
    "a list of roles": "<td>[系统管理员]</td>",
    "a list of strings": "<td>['身份证', '户口簿']</td>",
    "a column's name": "<td>fail_login_count：0 → 1</td>",
    "a foreign key's name": "<label>created_by_fk</label>",
    "English": "<span>Pending approval</span>",
    "an exception": "<div class='alert'>sqlite3.IntegrityError: UNIQUE constraint failed</div>",
    "SQL": "<pre>INSERT INTO inspection_score (item_id) VALUES (1)</pre>",
    "None as a value": "<td>None</td>",
    "None in a field": "<input type='text' name='note' value='None'>",
    "two columns under one heading": "<table><tr><th>记录</th><th>记录</th></tr><tr><td>1</td><td>甲</td></tr></table>",
    "a login for a person": "<table><tr><th>操作人</th></tr><tr><td>center</td></tr></table>",
}


@pytest.mark.parametrize("kind", sorted(RAW))
def test_the_checks_catch_each_kind_of_raw_value(kind):
    """The page reader itself: a clean page passes (scripts, styles, attributes and hidden fields are
    not read), and each kind of raw value put into it is caught."""
    logins = {"officer", "center"}
    assert raw_in_page(CLEAN, logins) == []
    assert raw_in_page(CLEAN.replace("</body>", RAW[kind] + "</body>"), logins), kind


@pytest.mark.once  # the crawl's own SQLite demo county
def test_the_crawl_reaches_a_planted_raw_value(county):
    """A raw value stored in the first school of the list (below the screens, not in the trail) is
    found by the crawl from the menu, on the school's page."""
    from sqlalchemy import update

    from app.extensions import db
    from app.models import School

    client = log_in(county, "center")
    first = next(u for u in Page(client.get("/schoolview/list/").get_data(as_text=True)).links
                 if re.fullmatch(r"/schoolview/show/\d+", u))
    pk = int(first.rsplit("/", 1)[1])
    planted = "[<app.models.loans.LoanMaterial object at 0x7f3a2c>]"
    with county.app_context():
        before = db.session.get(School, pk).principal
        db.session.connection().execute(update(School.__table__).where(School.__table__.c.id == pk)
                                        .values(principal=planted))
        db.session.commit()
    try:
        visited, problems, _, _ = crawl(client, set(DEMO_USERS), depth=2, until=first)
        assert first in visited
        assert any(planted[:20] in problem for problem in problems.get(first, [])), problems.get(first)
    finally:
        with county.app_context():
            db.session.connection().execute(update(School.__table__).where(School.__table__.c.id == pk)
                                            .values(principal=before))
            db.session.commit()


def test_a_refusal_in_a_screens_own_step_before_saving_reads_in_chinese(app):
    """A view's step before saving (pre_update) whose query flushes a refused change: Flask-AppBuilder
    flashes the exception's text, so the step raises the refusal in Chinese instead."""
    from sqlalchemy.exc import IntegrityError

    from app.extensions import db
    from app.models import InspectionScore
    from app.rules import RuleError
    from app.views.supervision import InspectionScoreView
    from tests.conftest import WORLD

    class Probe(InspectionScoreView):
        def pre_update(self, item):
            db.session.connection().execute(InspectionScore.__table__.insert().values(
                inspection_id=WORLD.inspection_b, item_id=WORLD.item, school_id=WORLD.school_b, score=1))

    view = Probe.__new__(Probe)
    view.datamodel = InspectionScoreView.datamodel
    with app.test_request_context("/"):
        with pytest.raises(RuleError) as refused:
            view.pre_update(None)
        assert not raw_in_text(str(refused.value)) and "检查项目" in str(refused.value)
        assert not isinstance(refused.value, IntegrityError)
