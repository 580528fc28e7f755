"""The frame of every page (app/templates/layout.html, app/fab/navigation.py): the side bar holds the
role's groups with the current page highlighted, the breadcrumbs name the page and its record (never
a record the user was refused), and the frame adds no query to a page."""
import re

from sqlalchemy import event

from app.extensions import db
from tests.conftest import WORLD

GROUP = re.compile(r'class="aid-nav-title[^"]*"[^>]*>\s*<i[^>]*></i>\s*([^<]+?)\s*<')


def _crumbs(html):
    found = re.search(r'(?s)<ol class="breadcrumb aid-breadcrumb">(.*?)</ol>', html)
    return [" ".join(re.sub(r"<[^>]+>", " ", li).split()) for li in re.findall(r"(?s)<li.*?</li>", found.group(1))] \
        if found else []


def test_breadcrumbs_name_the_page_and_the_record_and_the_side_bar_highlights_it(as_role):
    officer = as_role("t_officer_a")
    home = officer.get("/").get_data(as_text=True)
    assert _crumbs(home) == [] and "基础数据" in GROUP.findall(home) and "系统管理" not in GROUP.findall(home)
    listed = officer.get("/studentview/list/").get_data(as_text=True)
    assert _crumbs(listed) == ["首页", "基础数据", "学生"]
    assert re.search(r'<li class="active"><a href="/studentview/list/[^"]*" aria-current="page">学生</a>', listed)
    shown = officer.get(f"/studentview/show/{WORLD.student_a}").get_data(as_text=True)
    crumbs = _crumbs(shown)
    assert crumbs[:3] == ["首页", "基础数据", "学生"] and crumbs[3].startswith("甲校学生（341124****"), crumbs
    assert _crumbs(officer.get(f"/studentview/edit/{WORLD.student_a}").get_data(as_text=True))[-1] == "编辑"
    assert _crumbs(officer.get("/resetmypassword/form").get_data(as_text=True)) == ["首页", "个人信息", "修改密码"]


def test_a_refused_record_is_not_named_in_the_breadcrumbs(as_role):
    officer = as_role("t_officer_a")
    refused = officer.get(f"/studentview/show/{WORLD.student_b}")
    assert refused.status_code == 404
    html = refused.get_data(as_text=True)
    assert _crumbs(html) == ["首页", "基础数据", "学生"] and "乙校" not in html


def test_the_top_bar_names_the_user_the_role_the_school_and_the_semester(as_role):
    html = as_role("t_officer_a").get("/studentview/list/").get_data(as_text=True)
    top = " ".join(re.sub(r"<[^>]+>", " ", re.search(r'(?s)<header class="aid-topbar".*?</header>', html).group(0)).split())
    assert "学校信息员" in top and "测试甲中学" in top and "学年第" in top and "修改密码" in top and "退出登录" in top, top


def test_the_frame_adds_no_query_to_a_list_page(app, as_role):
    client = as_role("t_officer_a")
    with app.app_context():
        engine = db.engine
    counts = {}
    for template in ("appbuilder/baselayout.html", "layout.html"):  # Flask-AppBuilder's own frame, then ours
        app.appbuilder.base_template = template
        client.get("/studentview/list/")
        statements = []

        def count(*args, **kwargs):
            statements.append(1)

        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get("/studentview/list/").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counts[template] = len(statements)
    app.appbuilder.base_template = "layout.html"
    assert counts["layout.html"] <= counts["appbuilder/baselayout.html"], counts
