"""What each role can and cannot do, through the real screens and the API."""
import re
from datetime import date

import pytest

from app.rules import idcard
from app.extensions import db
from app.models import School, Student
from tests.conftest import WORLD, visible_text

# each test's writes, through the screens too, are rolled back when it ends (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("rollback")

READ_ONLY = ["t_supervisor", "t_leader"]


@pytest.mark.parametrize("user", ["t_admin", "t_center", "t_officer_a", "t_supervisor", "t_leader"])
def test_every_role_reads_the_basic_data_menu(as_role, user):
    client = as_role(user)
    for url in ["/", "/studentview/list/", "/schoolview/list/", "/identificationview/list/", "/infoofficerview/list/"]:
        assert client.get(url).status_code == 200, (user, url)


@pytest.mark.parametrize("user", READ_ONLY)
def test_supervisor_and_leader_cannot_change_anything(app, as_role, api, user):
    client = as_role(user)
    page = client.get(f"/studentview/show/{WORLD.student_a}")
    assert page.status_code == 200
    for url in ["/studentview/add", f"/studentview/edit/{WORLD.student_a}", "/schoolview/add", "/identificationview/add"]:
        r = client.get(url)
        assert r.status_code in (302, 403), url
    r = client.post(f"/studentview/delete/{WORLD.student_a}")
    assert r.status_code in (302, 403)
    r = client.post(f"/studentview/edit/{WORLD.student_a}", data={"name": "改名"})
    assert r.status_code in (302, 403)
    jwt = api(user)
    assert jwt.get("/api/v1/student/").status_code == 200
    assert jwt.put(f"/api/v1/student/{WORLD.student_a}", json={"name": "改名"}).status_code == 403
    assert jwt.delete(f"/api/v1/student/{WORLD.student_a}").status_code == 403
    assert jwt.post("/api/v1/school/", json={"code": "Z1", "name": "Z", "stage": "primary", "town": "x"}).status_code == 403
    with app.app_context():
        assert db.session.get(Student, WORLD.student_a).name == "甲校学生"
    # no edit or add buttons on what they only read
    html = client.get("/studentview/list/").get_data(as_text=True)
    assert "/studentview/edit/" not in html and "/studentview/add" not in html


def test_read_only_roles_see_every_school(as_role):
    for user in READ_ONLY + ["t_center"]:
        text = visible_text(as_role(user).get("/schoolview/list/"))
        assert "测试甲中学" in text and "测试乙小学" in text


def test_officer_cannot_manage_schools_or_officers(as_role):
    client = as_role("t_officer_a")
    assert client.get("/schoolview/add").status_code in (302, 403)
    assert client.get(f"/schoolview/edit/{WORLD.school_a}").status_code in (302, 403)
    assert client.get("/infoofficerview/add").status_code in (302, 403)
    assert client.get("/users/list/").status_code in (302, 403)


def test_center_manages_schools(app, center):
    r = center.post("/schoolview/add", data={
        "code": "T0100", "name": "测试新建小学", "stage": "primary", "town": "武岗镇", "phone": "0550-5555555",
        "complaint_hotline": "0550-5555556", "active": "y"})
    assert r.status_code == 302
    with app.app_context():
        school = db.session.query(School).filter_by(code="T0100").one()
        assert school.stage == "primary"
    text = visible_text(center.get("/schoolview/list/?_flt_0_code=T0100"))
    assert "测试新建小学" in text and "小学" in text
    # the same code again: a readable message, nothing stored twice
    r = center.post("/schoolview/add", data={"code": "T0100", "name": "另一所", "stage": "primary", "town": "武岗镇", "active": "y"})
    assert r.status_code == 200
    with app.app_context():
        assert db.session.query(School).filter_by(code="T0100").count() == 1


def test_only_admin_manages_users(as_role):
    assert as_role("t_admin").get("/users/list/").status_code == 200
    for user in ["t_center", "t_supervisor", "t_leader", "t_officer_a"]:
        assert as_role(user).get("/users/list/").status_code in (302, 403)


def test_menu_shows_chinese_categories_and_only_allowed_entries(as_role):
    officer = visible_text(as_role("t_officer_a").get("/"))
    assert "基础数据" in officer and "学生" in officer
    assert "系统管理" not in officer
    admin = as_role("t_admin").get("/").get_data(as_text=True)
    # the side bar's groups (app/templates/layout.html): the business menus first, system administration last
    groups = re.findall(r'class="aid-nav-title[^"]*"[^>]*>\s*<i[^>]*></i>\s*([^<]+?)\s*<', admin)
    assert groups[0] == "基础数据" and groups[-1] == "系统管理", groups
    officer_groups = re.findall(r'class="aid-nav-title[^"]*"[^>]*>\s*<i[^>]*></i>\s*([^<]+?)\s*<',
                                as_role("t_officer_a").get("/").get_data(as_text=True))
    assert "系统管理" not in officer_groups and "基础数据" in officer_groups, officer_groups


def test_api_refuses_a_session_cookie_alone(app, officer_a):
    """The API is CSRF-exempt, so a browser session must not authorise it."""
    number = idcard.make("341124", date(2011, 2, 3), 301)
    r = officer_a.post("/api/v1/student/", json={"name": "跨站", "id_number": number, "grade": "六年级", "class_name": "1班", "enrolment_year": 2020})
    assert r.status_code == 401
    assert officer_a.get("/api/v1/student/").status_code == 401


def test_api_login_and_openapi_spec(app, api):
    jwt = api("t_center")
    spec = jwt.get("/api/v1/_openapi")
    assert spec.status_code == 200
    paths = spec.get_json()["paths"]
    assert {"/api/v1/student/", "/api/v1/school/", "/api/v1/identification/"} <= set(paths)
    bad = app.test_client().post("/api/v1/security/login", json={"username": "t_center", "password": "wrong", "provider": "db"})
    assert bad.status_code == 401


def test_admin_creates_an_officer_account_in_the_ui_and_the_centre_links_it(app, as_role, center):
    from flask_appbuilder.security.sqla.models import Role, User

    admin = as_role("t_admin")
    with app.app_context():
        role_id = db.session.query(Role).filter_by(name="SchoolOfficer").one().id
    weak = admin.post("/users/add", data={"username": "ui_officer", "first_name": "界面", "last_name": "新建",
                                         "email": "ui@x.invalid", "active": "y", "roles": [role_id],
                                         "password": "short", "conf_password": "short"})
    assert "密码至少8位" in visible_text(weak)
    r = admin.post("/users/add", data={"username": "ui_officer", "first_name": "界面", "last_name": "新建",
                                      "email": "ui@x.invalid", "active": "y", "roles": [role_id],
                                      "password": "Ui@2021pass", "conf_password": "Ui@2021pass"})
    assert r.status_code == 302
    with app.app_context():
        school = School(code="T0300", name="界面测试学校", stage="kindergarten", town="十字镇")
        db.session.add(school)
        db.session.commit()
        school_id = school.id
        user_id = db.session.query(User).filter_by(username="ui_officer").one().id
    assert center.post("/infoofficerview/add", data={"school": school_id, "user": user_id, "phone": "13800000000"}).status_code == 302
    client = app.test_client()
    client.post("/login/", data={"username": "ui_officer", "password": "Ui@2021pass"})
    text = visible_text(client.get("/schoolview/list/"))
    assert "界面测试学校" in text and "测试甲中学" not in text


def test_the_admin_leaves_the_family_name_empty_when_the_whole_name_is_in_the_given_name(app, as_role):
    """The form says 姓 may stay empty: the box is not required and the account is made with it empty."""
    from flask_appbuilder.security.sqla.models import Role, User

    admin = as_role("t_admin")
    form = admin.get("/users/add").get_data(as_text=True)
    last_name_input = re.search(r'<input[^>]*id="last_name"[^>]*>', form).group(0)
    assert "required" not in last_name_input, last_name_input
    assert "已在“名”中填写完整姓名时可留空" in visible_text(admin.get("/users/add"))
    with app.app_context():
        role_id = db.session.query(Role).filter_by(name="SchoolOfficer").one().id
    r = admin.post("/users/add", data={"username": "ui_whole_name", "first_name": "欧阳晓", "last_name": "",
                                      "email": "whole@x.invalid", "active": "y", "roles": [role_id],
                                      "password": "Ui@2021pass", "conf_password": "Ui@2021pass"})
    assert r.status_code == 302, visible_text(r)[:800]
    with app.app_context():
        user = db.session.query(User).filter_by(username="ui_whole_name").one()
        assert (user.first_name, user.last_name) == ("欧阳晓", "")
        db.session.delete(user)
        db.session.commit()


def _fresh_templates(app):
    """Forget every compiled template, as a freshly started server has none."""
    app.jinja_env.cache.clear()


def test_a_pages_buttons_follow_whoever_opens_it_not_whoever_opened_it_first(app, as_role):
    """A permission-dependent button is decided for each request: the first visitor of a freshly
    compiled template (here an officer, who may neither return reports nor read the trail) does
    not take the centre's buttons away, nor does the centre give the officer any."""
    _fresh_templates(app)
    officer_b, center = as_role("t_officer_b"), as_role("t_center")
    page = officer_b.get(f"/submissionview/show/{WORLD.submission_b}").get_data(as_text=True)
    assert "/submissionview/return/" not in page and "aid-history-link" not in page
    page = center.get(f"/submissionview/show/{WORLD.submission_b}").get_data(as_text=True)
    assert f"/submissionview/return/{WORLD.submission_b}" in page
    assert f"/history/submission/{WORLD.submission_b}" in page
    page = officer_b.get(f"/submissionview/show/{WORLD.submission_b}").get_data(as_text=True)
    assert "/submissionview/return/" not in page and "aid-history-link" not in page

    from app.models import Inspection

    with app.app_context():
        inspection = db.session.get(Inspection, WORLD.inspection_b)
        before, inspection.rectification_status = inspection.rectification_status, "required"
        db.session.commit()
    try:
        _fresh_templates(app)
        page = center.get(f"/inspectionview/show/{WORLD.inspection_b}").get_data(as_text=True)
        assert f"/inspectionview/rectify/{WORLD.inspection_b}" not in page
        page = officer_b.get(f"/inspectionview/show/{WORLD.inspection_b}").get_data(as_text=True)
        assert f"/inspectionview/rectify/{WORLD.inspection_b}" in page
        assert "填报整改情况" in page
    finally:
        with app.app_context():
            db.session.get(Inspection, WORLD.inspection_b).rectification_status = before
            db.session.commit()
