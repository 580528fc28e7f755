"""How a person moves around the back office: the product's name (home), the side bar's menus
grouped by the work and the user's links in the top bar (app/templates/layout.html). End-to-end
tests go from page to page with these, never by typing an address (only to log in and to show that
a refused page is refused)."""
from __future__ import annotations

import re

import pytest


def home(page):
    """Back to the home page by the product's name at the left of the top bar."""
    with page.expect_navigation():
        page.locator(".aid-topbar a.aid-brand").first.click()
    page.wait_for_load_state()


def click(page, locator):
    """Click a link or button that opens another page, and wait for it."""
    with page.expect_navigation():
        locator.click()
    page.wait_for_load_state()


def needs(state, *keys):
    """Skip a step whose earlier step (which left ``keys`` in the file's ``state``) did not finish."""
    missing = [k for k in keys if k not in state]
    if missing:
        pytest.skip(f"an earlier flow did not finish ({', '.join(missing)} missing)")


def _exactly(label):
    return re.compile(rf"^\s*{re.escape(label)}\s*$")


def _open_sidebar(page):
    """At a phone's width the side bar sits behind the ☰ button of the top bar."""
    toggle = page.locator(".aid-topbar button.aid-menu-toggle")
    if toggle.count() and toggle.first.is_visible() and not page.locator("body.aid-nav-open").count():
        toggle.first.click()
        page.locator("body.aid-nav-open").wait_for(state="attached")


def menu_entry(page, category, item):
    """The entry ``item`` of the side bar's group ``category``, the group opened (as a person opens it)."""
    _open_sidebar(page)
    group = page.locator(".aid-sidebar li.aid-nav-group").filter(
        has=page.locator("a.aid-nav-title").filter(has_text=_exactly(category))).first
    entries = group.locator("ul.aid-nav-entries")
    if "in" not in (entries.get_attribute("class") or "").split():
        group.locator("a.aid-nav-title").click()
        # the group slides open; a person clicks the entry once it stands still (Bootstrap marks the
        # list "in" at the end of the slide): clicked mid-slide, a busy browser may place the click
        # where the entry was not yet drawn
        group.locator("ul.aid-nav-entries.in:not(.collapsing)").wait_for(state="visible")
    entry = entries.locator("a").filter(has_text=_exactly(item)).first
    entry.wait_for(state="visible")
    return entry


def menu(page, category, item):
    """Open a group of the side bar and click one of its entries, as a person does."""
    entry = menu_entry(page, category, item)
    with page.expect_navigation():
        entry.click()
    page.wait_for_load_state()


def user_menu(page, item):
    """The user's links at the right of the top bar (个人信息 under the user's name, 修改密码, 退出登录),
    by the words they show or, where a phone shows an icon only, by their label."""
    link = page.locator(".aid-topbar-right a").filter(has_text=_exactly(item))
    if not link.count() or not link.first.is_visible():
        link = page.locator(f".aid-topbar-right a[aria-label='{item}']")
    with page.expect_navigation():
        link.first.click()
    page.wait_for_load_state()


def menu_entries(page):
    """Every group and entry of the side bar, as the user reads them (closed groups included)."""
    return [" ".join(t.split()) for t in page.locator(".aid-sidebar a").all_text_contents() if t.strip()]


def add(page):
    """The list's 新增 button."""
    with page.expect_navigation():
        page.locator("a", has_text="新增").first.click()
    page.wait_for_load_state()


def search(page, column, value):
    """Search a list as a clerk does: the search bar above the table (type the value in the column's
    field, or choose it by its label, then 搜索); a column the bar does not offer is searched from
    高级搜索 (Flask-AppBuilder's filter panel: add a filter on the column, type the value, 搜索)."""
    field = page.locator(f"form.aid-search-bar #aid-bar-{column}")
    if field.count():
        if field.evaluate("element => element.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
        with page.expect_navigation():
            page.locator("form.aid-search-bar button.aid-search-submit").click()
        page.wait_for_load_state()
        return
    advanced_search(page)
    page.locator("#filter_form .dropdown-toggle").first.click()
    page.locator(f"#filter_form a.filter[name='{column}']").click()
    page.locator(f"#filter_form input[name$='_{column}']").last.fill(value)
    with page.expect_navigation():
        page.locator("#filter_form button[type=submit], #filter_form input[type=submit]").first.click()
    page.wait_for_load_state()


def advanced_search(page):
    """Open a list's 高级搜索 (drawn when opened: app/static/js/lists.js) and wait until it stands open and its
    filters are ready, as a person waits for the panel before choosing 添加筛选条件."""
    ready = page.locator(".aid-advanced-search .panel-collapse.in:not(.collapsing) .aid-search-panel[data-ready]")
    if not ready.count():
        page.locator("a.accordion-toggle", has_text="高级搜索").first.click()
    ready.wait_for(state="visible")


def open_row(page, row_text, show_path):
    """The record page of a row of the list: its 查看 button in the 操作 column (the row's last cell),
    or a link of the row to the record's page."""
    row = page.locator("table tr", has_text=row_text).first
    view = row.locator(f"td.aid-row-actions a.aid-show[href*='{show_path}']")
    link = view.first if view.count() else row.locator(f"a[href*='{show_path}']").first
    with page.expect_navigation():
        link.click()
    page.wait_for_load_state()


def record_action(page, label):
    """Run an action of a record page by its button (解除登录锁定, ...) and confirm the dialog that says what
    will change; waits for the page that answers. Flask-AppBuilder's button and the dialog's 确定 are links to
    "#" that post a hidden form: the click first moves the page to its own "#" (a navigation in the same
    page, over at once), so the wait is for the page the form's answer leads to, not for any navigation."""
    page.locator("a[id^='btn-action-']").filter(has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")).first.click()
    confirm = page.locator("#modal-confirm-ok:visible")  # a record page may carry FAB's dialog twice
    confirm.wait_for()
    with page.expect_navigation(url=lambda url: not url.endswith("#")):
        confirm.click()
    page.wait_for_load_state()


def batch_action(page, row, label):
    """Tick a row of the list (its text, or the row itself) and run a batch action by its named button
    in the toolbar above the table (enabled once a row is ticked), confirming the dialog that says
    what will change; waits for the page that answers."""
    if isinstance(row, str):
        row = page.locator("table tr", has_text=row).first
    row.locator("input.action_check").check()
    button = page.locator("button.aid-batch").filter(has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")).first
    button.click()
    confirm = page.locator("#modal-confirm-ok")
    confirm.wait_for(state="visible")
    with page.expect_response(lambda r: r.request.method == "POST" and "/action_post" in r.url):
        confirm.click()
    page.wait_for_load_state()
    page.locator(".alert").first.wait_for()  # the new page's message
