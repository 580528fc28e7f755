"""Nothing raw reaches a person: every page a role reaches from its menus (the list, the first
record's page, its edit form, the add form, and what those link to), every Excel export and PDF
it can download there, shows values formatted for a person, in Chinese.

The crawl runs on a demo county of its own (app/demo.py, a few hundred pupils) as each demo
user, starting from the links of the rendered navigation bar. It fails on a Python repr
(``[<app.models.loans.LoanMaterial object at 0x…>]``), a list's repr (``[系统管理员]``), a
column's name (``fail_login_count``), English, exception text (``sqlite3.IntegrityError``,
``INSERT INTO``), ``None`` shown as a value, a login name where a person's name belongs, and two
columns of one table under the same heading.
"""
from __future__ import annotations

import re
import tempfile
from html import unescape
from html.parser import HTMLParser
from io import BytesIO
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.test_i18n import ALLOWED, ENGLISH_TEXT

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
HASH = re.compile(r"\b[0-9a-f]{16,}\b")  # the trail's seals, shown as they are
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
        if tag == "div" and "navbar-collapse" in (attrs.get("class") or "") and self._nav_depth is None:
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
    """What in one piece of visible text is not for a person."""
    found = []
    for pattern, what in ((REPRS, "Python repr"), (EXCEPTIONS, "exception text"), (LIST_REPR, "list repr")):
        found += [f"{what}: {m.group(0)}" for m in pattern.finditer(text)]
    found += [f"field name: {m}" for m in SNAKE.findall(text)]
    found += [f"not a value: {m}" for m in NOT_A_VALUE.findall(text)]
    for word in ENGLISH_TEXT.findall(HASH.sub(" ", EMAIL.sub(" ", text))):
        if word not in ALLOWED and word not in FILE_TYPES and word not in logins and not SNAKE.fullmatch(word) \
                and not NOT_A_VALUE.fullmatch(word):
            found.append(f"English: {word}")
    return found


def raw_in_page(html, logins=frozenset()):
    """Every raw thing on an HTML page, each named with the text it was found in."""
    page = Page(html)
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


def crawl(client, logins, depth=3):
    """GET the home page, every link of its navigation bar, and what they link to (one page of each
    kind, so a list's first record, its edit form and the add form), ``depth`` links deep."""
    home = client.get("/")
    assert home.status_code == 200
    menu = [u for u in Page(home.get_data(as_text=True)).navbar if followed(u)]
    queue = [("/", 0)] + [(u, 1) for u in menu]
    seen, visited, problems = set(), [], {}
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
        if "html" in kind:
            html = r.get_data(as_text=True)
            found = raw_in_page(html, logins)
            if level < depth:
                queue += [(u, level + 1) for u in Page(html).links if followed(u)]
        elif "spreadsheetml" in kind:
            found = raw_in_workbook(r.data, logins)
        elif "pdf" in kind:
            found = raw_in_pdf(r.data, logins)
        else:
            found = []
        if found:
            problems[url] = sorted(set(found))
    return visited, problems, menu


@pytest.fixture(scope="module")
def county():
    """A demo county of its own (the suite's database stays as the other tests left it)."""
    from flask_migrate import upgrade

    from app import create_app
    from app.demo import seed_demo

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


@pytest.mark.parametrize("username", DEMO_USERS)
def test_every_page_a_role_reaches_is_for_a_person(county, username):
    visited, problems, menu = crawl(log_in(county, username), set(DEMO_USERS))
    assert menu, "no menu links found in the navigation bar"
    assert len(visited) >= MIN_PAGES[username], (len(visited), visited)
    assert not problems, "\n".join(f"{url}: {found}" for url, found in problems.items())


def test_every_field_the_trail_records_has_a_label(county):
    """The trail shows each change as 字段：旧值 → 新值: every column of every table it records is
    named as its screen names it (or by the trail's own label), never by the column's name."""
    from app.audit import SKIPPED
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
                        or column.key in ("created_at", "updated_at"):  # not recorded (app/audit.py)
                    continue
                label = reader.label(column.key)
                if label == column.key or raw_in_text(label):
                    unlabelled.setdefault(name, []).append(f"{column.key} → {label}")
    assert not unlabelled, "\n".join(f"{table}: {columns}" for table, columns in unlabelled.items())
