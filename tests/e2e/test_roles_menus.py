"""Each role finds its own work from the navigation bar, and only that: its home page's figures
open (no figure leads to a refusal), a kindergarten's officer has no loan menu, a list opened from
a figure says how it is filtered, a school year still running is not turned over by one tick, and
every role changes its own password from 个人信息.

Run after tests/e2e/test_day.py on the same demo county; the password test ends the logins of the
users it changes (a new password ends every login of the user), so it comes last and logs them in
again afterwards.
"""
from __future__ import annotations

import pytest

from tests.e2e.clicks import home, menu, menu_entries, user_menu
from tests.e2e.conftest import DEMO_PASSWORD, DESKTOP, shot, text

ROLES = ["center", "officer", "officer2", "supervisor", "leader", "auditor"]


@pytest.mark.parametrize("username", ROLES)
def test_every_link_of_a_roles_home_page_opens(users, username):
    page = users.page(username)
    home(page)
    links = sorted(set(page.eval_on_selector_all(".aid-home a[href]", "els => els.map(e => e.getAttribute('href'))")))
    refused = [(href, status) for href in links
               if (status := page.request.get(href, max_redirects=0).status) != 200]
    assert not refused, (username, refused)
    # a figure always leads to its list or page (none is there without a link)
    cards = page.locator("a.aid-figure-card")
    assert cards.count() == page.locator("a.aid-figure-card[href]").count()
    shot(page, f"home-{username}", full_page=True)


def test_a_kindergartens_officer_sees_no_loan_work_and_a_high_schools_does(users):
    kindergarten = users.page("officer2")  # 全椒县机关幼儿园
    home(kindergarten)
    entries = menu_entries(kindergarten)
    assert "助学贷款" not in entries and "贷款名单" not in " ".join(entries), entries
    shown = text(kindergarten, ".aid-home")
    # no loan figures, no county figures it cannot change (the county's schools and programmes in the system)
    assert "审批通过率" not in shown and "本息回收率" not in shown, shown[:2000]
    assert "资助项目" not in shown and "全椒县机关幼儿园" in shown
    assert "提取比例合规" in shown  # a 幼儿园 extracts 3%–5% of its income: its own figure
    # nor by the address typed by hand: the loan pages are refused to a school without borrowers
    for address in ("/loanview/list/", "/loans/figures/", "/repaymentdueview/list/"):
        kindergarten.goto(address)
        assert "您没有执行此操作的权限" in text(kindergarten), (address, text(kindergarten)[:800])
    high_school = users.page("officer")  # 全椒县中学: its 高三 pupils borrow
    home(high_school)
    menu(high_school, "助学贷款", "贷款名单")
    assert "/loanview/list/" in high_school.url
    home(high_school)
    assert "审批通过率" in text(high_school, ".aid-home")


def test_the_auditor_sees_no_county_figures_it_cannot_open(users):
    auditor = users.page("auditor")
    home(auditor)
    assert auditor.locator("a.aid-figure-card").count() == 0 and auditor.locator(".aid-chart").count() == 0
    assert "审计日志" in menu_entries(auditor)
    # its home page points to its own work instead
    with auditor.expect_navigation():
        auditor.locator(".aid-home a", has_text="审计日志").first.click()
    assert "/auditview/list/" in auditor.url


def test_a_list_opened_from_a_home_figure_says_its_filter_and_clears_it(users):
    page = users.page("center")
    home(page)
    with page.expect_navigation():
        page.locator("a.aid-figure-card", has_text="未办结").first.click()
    banner = text(page, ".aid-active-filters")
    assert "筛选条件" in banner and "状态 不等于 已办结" in banner and "清除筛选" in banner, banner
    assert "_flt_" in page.url
    shot(page, "list-filtered-from-home")
    with page.expect_navigation():
        page.locator(".aid-active-filters a", has_text="清除筛选").click()
    assert "_flt_" not in page.url and page.locator(".aid-active-filters").count() == 0, page.url
    # the same on another figure, whose filter is a coded value in Chinese
    home(page)
    with page.expect_navigation():
        page.locator("a.aid-figure-card", has_text="计划督查").first.click()
    banner = text(page, ".aid-active-filters")
    assert "等于 计划中" in banner or "等于 计划" in banner, banner
    assert "planned" not in banner


def test_a_school_year_in_progress_is_not_turned_over_by_one_tick(users):
    page = users.page("center")
    home(page)
    menu(page, "基础数据", "学年升级")
    shown = text(page)
    year = page.input_value("input[name=from_year]")
    assert f"{year}学年尚未结束" in shown, shown[:2000]
    assert "学年升级将会" in shown and "名学生升入上一年级" in shown and "名最高年级学生标记为已毕业" in shown
    shot(page, "turnover-in-progress", full_page=True)
    # the usual tick alone: refused, nothing turned over
    page.check("input[name=confirm]")
    with page.expect_navigation():
        page.locator("button", has_text="执行学年升级").click()
    shown = text(page)
    assert "学年尚未结束" in shown and "学年升级完成" not in shown, shown[:2000]
    assert "暂无" in text(page, "h4:has-text('升级记录') + table")  # no turnover recorded


NEW_PASSWORD = "Xin@mima2026"


def _change_password(page, old, new):
    user_menu(page, "个人信息")
    assert "我的用户信息" in text(page) or "用户信息" in text(page)
    with page.expect_navigation():
        page.locator("a", has_text="修改密码").first.click()
    page.fill("#password", new)
    page.fill("#conf_password", new)
    with page.expect_navigation():
        page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_load_state()
    assert "/login" in page.url, (page.url, text(page)[:800])
    assert "密码已修改" in text(page), text(page)[:800]


def _log_in(page, username, password):
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("input[type=submit], button[type=submit]")
    return "/login" not in page.url


@pytest.mark.parametrize("username", ROLES)
def test_zz_every_role_changes_its_own_password_from_its_user_menu(browser, server, users, username):
    context = browser.new_context(viewport=DESKTOP, base_url=server, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto("/login/")
        assert _log_in(page, username, DEMO_PASSWORD)
        _change_password(page, DEMO_PASSWORD, NEW_PASSWORD)
        assert not _log_in(page, username, DEMO_PASSWORD)  # the old one no longer opens
        assert _log_in(page, username, NEW_PASSWORD), text(page)[:500]
        if username == "officer2":
            user_menu(page, "个人信息")
            shot(page, "user-info")
            home(page)
        _change_password(page, NEW_PASSWORD, DEMO_PASSWORD)  # back, for the other tests
        assert _log_in(page, username, DEMO_PASSWORD)
    finally:
        context.close()
        # the change ended this user's other logins: the next test that wants it logs in again
        for key in [k for k in users.contexts if k[0] == username]:
            users.contexts.pop(key)[0].close()

