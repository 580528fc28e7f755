"""Each role's own work, from its own pages: every role changes its own password from 个人信息,
its home page shows only figures it may open, a school with no borrowers has no loan menu, and a
list says the filters it was opened with."""
from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.rules.loans import LOAN_STAGES, stage_has_loans
from tests.conftest import PASSWORD, WORLD, login, visible_text

# each test's writes, through the screens too, are rolled back when it ends (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("rollback")

ROLES = ["t_center", "t_officer_a", "t_officer_b", "t_supervisor", "t_leader", "t_auditor"]
NEW_PASSWORD = "Xin@mima2026"


def _home_links(client):
    html = client.get("/").get_data(as_text=True)
    home = html[html.index('class="aid-home"'):]
    return sorted(set(a.replace("&amp;", "&") for a in re.findall(r'<a[^>]*href="([^"#][^"]*)"', home)))


def _home_text(client):
    """The home page below the navigation bar (whose menus name 资助项目 too)."""
    text = visible_text(client.get("/"))
    return text[text.index("您好"):]


@pytest.mark.parametrize("username", ROLES)
def test_every_role_changes_its_own_password_from_its_user_info(app, username):
    client = login(app, username)
    page = client.get("/users/userinfo/")
    assert page.status_code == 200, username
    html = page.get_data(as_text=True)
    assert "修改密码" in html and "/users/action/resetmypassword/" in html, html[:2000]
    # the button leads to the form (an action of the user screen), the form changes the password
    assert client.post(re.search(r'"(/users/action/resetmypassword/\d+)"', html).group(1)).status_code == 302
    assert client.get("/resetmypassword/form").status_code == 200
    r = client.post("/resetmypassword/form", data={"password": NEW_PASSWORD, "conf_password": NEW_PASSWORD})
    assert r.status_code == 302 and r.headers["Location"].startswith("/login/")
    try:
        refused = app.test_client().post("/login/", data={"username": username, "password": PASSWORD})
        assert refused.status_code != 302 or "/login" in refused.headers.get("Location", "")
        again = login_with(app, username, NEW_PASSWORD)
        assert again.get("/users/userinfo/").status_code == 200
    finally:
        with app.app_context():
            app.appbuilder.sm.reset_password(app.appbuilder.sm.find_user(username=username).id, PASSWORD)
            db.session.commit()


def login_with(app, username, password):
    client = app.test_client()
    r = client.post("/login/", data={"username": username, "password": password})
    assert r.status_code == 302 and "/login" not in r.headers["Location"], username
    return client


@pytest.mark.parametrize("username", ROLES + ["t_admin"])
def test_every_link_of_a_roles_home_page_opens(app, username):
    client = login(app, username)
    refused = [(url, status) for url in _home_links(client) if (status := client.get(url).status_code) != 200]
    assert not refused, (username, refused)


def test_the_auditor_sees_no_county_figures_but_its_own_work(app):
    client = login(app, "t_auditor")
    html = client.get("/").get_data(as_text=True)
    assert "aid-figure-card" not in html and "aid-chart" not in html
    assert "/auditview/list/" in _home_links(client)


def test_loans_belong_to_the_stages_that_go_on_to_university():
    # 生源地信用助学贷款 is for students entering university: 高中 (普通高中, 完全中学) and 中职 pupils
    assert set(LOAN_STAGES) == {"senior", "complete", "vocational"}
    assert not any(stage_has_loans(s) for s in ("kindergarten", "primary", "junior"))


def test_a_school_without_borrowers_has_no_loan_menu_nor_loan_figures(app):
    primary = login(app, "t_officer_b")  # 测试乙小学
    html = primary.get("/").get_data(as_text=True)
    assert "/loanview/list/" not in html and "助学贷款" not in visible_text(primary.get("/"))
    assert "审批通过率" not in visible_text(primary.get("/"))
    # nor the county's own 录入 figures (its schools and programmes), which a school cannot change,
    # nor borrowers to remind on its to-do list
    text = _home_text(primary)
    assert "资助项目" not in text and "必填字段" in text and "贷款" not in text, text
    senior = login(app, "t_officer_a")  # 测试甲中学: its 高三 pupils borrow
    html = senior.get("/").get_data(as_text=True)
    assert "/loanview/list/" in html and "审批通过率" in visible_text(senior.get("/"))
    # the centre keeps the county's figures
    assert "资助项目" in _home_text(login(app, "t_center"))


def test_a_filtered_list_says_its_filters_in_words_and_clears_them(app):
    center = login(app, "t_center")
    page = visible_text(center.get("/complaintview/list/?_flt_1_status=closed"))
    assert "筛选条件：" in page and "状态 不等于 已办结" in page and "清除筛选" in page, page[:1500]
    html = center.get(f"/studentview/list/?_flt_0_school={WORLD.school_a}&psize_StudentView=50").get_data(as_text=True)
    text = visible_text(center.get(f"/studentview/list/?_flt_0_school={WORLD.school_a}"))
    assert "学校 等于 测试甲中学" in text, text[:1500]
    clear = re.search(r'class="aid-clear-filters" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "_flt_" not in clear and "psize_StudentView=50" in clear
    assert "aid-active-filters" not in center.get(clear).get_data(as_text=True)
    # a list opened plain says nothing
    assert "aid-active-filters" not in center.get("/complaintview/list/").get_data(as_text=True)


def test_a_search_by_id_number_never_shows_the_number_in_the_filter(app):
    """The search relay puts the number's keyed hash in the address ("h:..."); the filter says what
    was searched for, not the hash."""
    officer = login(app, "t_officer_a")
    page = visible_text(officer.get("/studentview/list/?_flt_0_id_number=h:0123456789abcdef"))
    assert "筛选条件：" in page and "所查身份证号" in page and "0123456789abcdef" not in page, page[:1500]
