"""How a person moves around the back office: the navigation bar's name (home), its menus and
the user's own menu. End-to-end tests go from page to page with these, never by typing an address
(only to log in and to show that a refused page is refused)."""
from __future__ import annotations

import re

import pytest


def home(page):
    """Back to the home page by the product's name at the left of the navigation bar."""
    with page.expect_navigation():
        page.locator(".navbar .navbar-brand a, .navbar a.navbar-brand").first.click()
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


def _open_navbar(page):
    """At a phone's width the menus sit behind the ☰ button."""
    toggle = page.locator(".navbar button.navbar-toggle")
    if toggle.count() and toggle.first.is_visible() and not page.locator(".navbar-collapse.in").count():
        toggle.first.click()
        page.locator(".navbar-collapse.in").wait_for()


def menu(page, category, item):
    """Open a menu of the navigation bar and click one of its entries, as a person does."""
    _open_navbar(page)
    page.locator("ul.navbar-nav > li.dropdown > a.dropdown-toggle", has_text=category).first.click()
    entry = page.locator("ul.navbar-nav li.dropdown.open ul.dropdown-menu a").filter(
        has_text=re.compile(rf"^\s*{re.escape(item)}\s*$")).first
    with page.expect_navigation():
        entry.click()
    page.wait_for_load_state()


def user_menu(page, item):
    """The menu under the user's name (个人信息, 退出登录)."""
    _open_navbar(page)
    page.locator("ul.navbar-nav li.dropdown:has(a[href$='/logout/']) > a.dropdown-toggle").first.click()
    entry = page.locator("ul.navbar-nav li.dropdown.open ul.dropdown-menu a").filter(
        has_text=re.compile(rf"^\s*{re.escape(item)}\s*$")).first
    with page.expect_navigation():
        entry.click()
    page.wait_for_load_state()


def menu_entries(page):
    """Every entry of the navigation bar's menus, as the user reads them."""
    return [" ".join(t.split()) for t in page.locator("ul.navbar-nav a").all_inner_texts() if t.strip()]


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
    form = page.locator("#filter_form")
    if not form.is_visible():
        page.locator("a.accordion-toggle", has_text="高级搜索").first.click()
    form.wait_for(state="visible")
    page.locator("#filter_form .dropdown-toggle").first.click()
    page.locator(f"#filter_form a.filter[name='{column}']").click()
    page.locator(f"#filter_form input[name$='_{column}']").last.fill(value)
    with page.expect_navigation():
        page.locator("#filter_form button[type=submit], #filter_form input[type=submit]").first.click()
    page.wait_for_load_state()


def open_row(page, row_text, show_path):
    """The record page of a row of the list: its 查看 button in the 操作 column (the row's last cell),
    or a link of the row to the record's page."""
    row = page.locator("table tr", has_text=row_text).first
    view = row.locator(f"td.aid-row-actions a.aid-show[href*='{show_path}']")
    link = view.first if view.count() else row.locator(f"a[href*='{show_path}']").first
    with page.expect_navigation():
        link.click()
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
