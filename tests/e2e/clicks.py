"""How a person moves around the back office: the navigation bar's name (home), its menus and
the user's own menu. End-to-end tests go from page to page with these, never by typing an address
(only to log in and to show that a refused page is refused)."""
from __future__ import annotations

import re


def home(page):
    """Back to the home page by the product's name at the left of the navigation bar."""
    with page.expect_navigation():
        page.locator(".navbar .navbar-brand a, .navbar a.navbar-brand").first.click()
    page.wait_for_load_state()


def menu(page, category, item):
    """Open a menu of the navigation bar and click one of its entries, as a person does."""
    page.locator("ul.navbar-nav > li.dropdown > a.dropdown-toggle", has_text=category).first.click()
    entry = page.locator("ul.navbar-nav li.dropdown.open ul.dropdown-menu a").filter(
        has_text=re.compile(rf"^\s*{re.escape(item)}\s*$")).first
    with page.expect_navigation():
        entry.click()
    page.wait_for_load_state()


def user_menu(page, item):
    """The menu under the user's name (个人信息, 退出登录)."""
    page.locator("ul.navbar-nav li.dropdown:has(a[href$='/logout/']) > a.dropdown-toggle").first.click()
    entry = page.locator("ul.navbar-nav li.dropdown.open ul.dropdown-menu a").filter(
        has_text=re.compile(rf"^\s*{re.escape(item)}\s*$")).first
    with page.expect_navigation():
        entry.click()
    page.wait_for_load_state()


def menu_entries(page):
    """Every entry of the navigation bar's menus, as the user reads them."""
    return [" ".join(t.split()) for t in page.locator("ul.navbar-nav a").all_inner_texts() if t.strip()]
