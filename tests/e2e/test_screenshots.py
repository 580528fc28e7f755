"""Each role of the demo county in the clerk's layout, on a 1366-px laptop and a 390-px phone: its
home page, a list, a record page and a form, reached from the side bar as a person does, each one
photographed whole (``E2E_SCREENSHOTS=docs/screenshots`` refreshes the README's pictures).

On every screen: the side bar holds the role's groups with the current page highlighted and its
group open, the breadcrumbs read 首页 / group / page (/ record), the top bar names the user and the
role, and nothing runs past the screen's width; on a phone the side bar waits behind ☰.
"""
from __future__ import annotations

import time

import pytest

from tests.e2e.clicks import add, click, home, menu, user_menu
from tests.e2e.conftest import DESKTOP, PHONE, shot, text

# user, its role's label, (group, entry) of its main list, how it reaches a form
ROLES = {
    "admin": ("系统管理员", ("系统管理", "用户"), "add"),
    "center": ("资助中心", ("资助管理", "资助名单"), "add"),
    "officer": ("学校信息员", ("基础数据", "学生"), "add"),
    "supervisor": ("督查人员", ("监督检查", "检查记录"), "add"),
    "leader": ("分管领导", ("投诉举报", "投诉与咨询"), "password"),
    "auditor": ("审计管理员", ("系统管理", "审计日志"), "password"),
}


def _fits(page, width):
    """Nothing past the screen's right edge (a wide table scrolls inside its own box)."""
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, (page.url, scroll, width)


def _crumbs(page):
    return [" ".join(t.split()) for t in page.locator(".aid-breadcrumb li").all_inner_texts()]


def _highlighted(page):
    return [" ".join(t.split()) for t in page.locator(".aid-sidebar .aid-nav-entries li.active a").all_text_contents()]


def _until(condition, seconds=5):
    """Wait for the side bar's slide (the page's CSP refuses Playwright's evaluated predicates)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the side bar did not move"
        time.sleep(0.05)


def _first_record(page):
    """The record page of the list's first row."""
    click(page, page.locator("table tbody tr a[href*='/show/']").first)


@pytest.mark.parametrize("username", list(ROLES))
def test_a_roles_main_screens_on_a_laptop(users, username):
    label, (group, entry), form = ROLES[username]
    page = users.page(username, DESKTOP)
    home(page)
    top = text(page, ".aid-topbar")
    assert label in top and "修改密码" in top and "退出登录" in top and "学期" in top, top
    assert page.locator(".aid-sidebar").is_visible() and not _crumbs(page)
    _fits(page, DESKTOP["width"])
    shot(page, f"role-{username}-home", full_page=True)

    menu(page, group, entry)
    assert _crumbs(page) == ["首页", group, entry], _crumbs(page)
    assert _highlighted(page) == [entry]
    assert page.locator(".aid-nav-group.aid-open .aid-nav-title").inner_text().strip() == group
    _fits(page, DESKTOP["width"])
    shot(page, f"role-{username}-list", full_page=True)

    _first_record(page)
    crumbs = _crumbs(page)
    assert crumbs[:3] == ["首页", group, entry] and len(crumbs) == 4 and crumbs[3], crumbs
    assert _highlighted(page) == [entry]
    _fits(page, DESKTOP["width"])
    shot(page, f"role-{username}-record", full_page=True)

    if form == "add":
        menu(page, group, entry)
        add(page)
        assert _crumbs(page) == ["首页", group, entry, "新增"], _crumbs(page)
    else:
        user_menu(page, "修改密码")
        assert _crumbs(page) == ["首页", "个人信息", "修改密码"], _crumbs(page)
    _fits(page, DESKTOP["width"])
    shot(page, f"role-{username}-form", full_page=True)
    home(page)


@pytest.mark.parametrize("username", list(ROLES))
def test_a_roles_main_screens_on_a_phone(users, username):
    label, (group, entry), form = ROLES[username]
    page = users.page(username, PHONE)
    home(page)
    sidebar = page.locator(".aid-sidebar")
    assert sidebar.bounding_box()["x"] + sidebar.bounding_box()["width"] <= 0  # behind ☰
    _fits(page, PHONE["width"])
    shot(page, f"role-{username}-home-phone", full_page=True)
    # ☰ opens the side bar over the page: the user, the role, the groups
    page.locator(".aid-menu-toggle").click()
    _until(lambda: sidebar.bounding_box()["x"] >= 0)
    assert label in text(page, ".aid-sidebar") and group in text(page, ".aid-sidebar")
    if username == "officer":
        shot(page, "role-officer-menu-phone")
    page.locator(".aid-backdrop").click(position={"x": 370, "y": 400})
    _until(lambda: sidebar.bounding_box()["x"] + sidebar.bounding_box()["width"] <= 0)

    menu(page, group, entry)
    assert _crumbs(page) == ["首页", group, entry], _crumbs(page)
    _fits(page, PHONE["width"])
    shot(page, f"role-{username}-list-phone", full_page=True)
    if username == "officer":  # the officer's record page and form on a phone too
        _first_record(page)
        _fits(page, PHONE["width"])
        shot(page, "role-officer-record-phone", full_page=True)
        menu(page, group, entry)
        add(page)
        _fits(page, PHONE["width"])
        shot(page, "role-officer-form-phone", full_page=True)
    home(page)
