"""The home page of each role: the figures of the KPI modules, their links, the charts, the work lists."""
from __future__ import annotations

import json
import re
from datetime import date
from html import unescape

from sqlalchemy import select

from app.extensions import db
from app.kpi.completeness import system_coverage
from app.kpi.coverage import coverage
from app.kpi.funds import compliance_share
from app.kpi.outreach import monthly
from app.models import Inspection, School, Semester
from app.models.outreach import HomeVisit, PublicityActivity
from tests.conftest import WORLD, purge, visible_text
import pytest

# each test's writes, through the screens too, are rolled back when it ends (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("rollback")


def _charts(html):
    return {c["id"]: c for c in (json.loads(unescape(m)) for m in re.findall(r'data-chart="([^"]*)"', html))}


def test_the_centre_sees_the_county_at_a_glance(app, center):
    r = center.get("/")
    html, page = r.get_data(as_text=True), visible_text(r)
    for label in ["应助尽助", "认定学生资助率", "困中之困资助率", "信息录入系统", "必填字段", "信息报送", "及时率", "准确率",
                  "助学贷款", "审批通过率", "本息回收率", "校内资助资金", "提取比例合规", "投诉举报", "按时办结率",
                  "监督检查", "整改超期", "宣传与走访", "本年走访"]:
        assert label in page, label
    # the figures are those of the KPI modules
    with app.test_request_context():
        semester = db.session.scalars(select(Semester).where(Semester.is_current.is_(True))).one()
        cov = coverage(semester)
    assert f"{cov.total.aided}/{cov.total.identified}" in page
    assert f"{cov.total.coverage * 100:.1f}%" in page
    # each figure links to the list behind it
    assert 'href="/coverage/' in html and 'href="/complaintview/list/?_flt_1_status=closed"' in html
    charts = _charts(html)
    assert set(charts) >= {"coverage", "programs", "outreach", "complaints"}
    assert len(charts["outreach"]["categories"]) == 12 and charts["complaints"]["series"][0]["name"] == "咨询"
    # charts are drawn by the bundled ECharts: nothing from the internet
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', html)
    echarts = next(s for s in scripts if s.startswith("/static/vendor/echarts/echarts.common.min.js?v="))
    assert not [s for s in scripts + re.findall(r'<link[^>]+href="([^"]+)"', html) if s.startswith(("http:", "https:", "//"))]
    assert center.get(echarts.replace("&amp;", "&")).status_code == 200


def test_an_officer_sees_its_own_school_and_its_to_do(app, officer_a):
    r = officer_a.get("/")
    html, page = r.get_data(as_text=True), visible_text(r)
    assert "我的待办" in page and "测试甲中学" in page and "测试乙小学" not in page
    # a complaint handed to the school for rectification is on its list
    assert "甲校移交投诉" in page
    # a report task of its school not yet submitted
    assert "测试报送任务" in page
    # a single school needs no comparison chart; the figures it may not open carry no link
    charts = _charts(html)
    assert "coverage" not in charts and "outreach" in charts
    assert "/complaintfiguresview/" not in html and "/complaints/figures/" not in html


def test_a_supervisor_sees_its_inspections_and_complaints(app, as_role):
    with app.app_context():
        planned = Inspection(school_id=WORLD.school_a, kind="patrol", status="planned", inspected_on=date(2026, 12, 20),
                             findings="首页计划督查")
        db.session.add(planned)
        db.session.commit()
        pk = planned.id
    try:
        page = visible_text(as_role("t_supervisor").get("/"))
        assert "计划督查" in page and "待复查的整改" in page and "交我调查的投诉" in page
        assert "测试甲中学" in page
    finally:
        with app.app_context():
            purge(db.session.get(Inspection, pk))
            db.session.commit()


def test_the_leader_sees_what_waits_for_approval(app, as_role, center):
    r = center.post("/complaintview/add", data={"kind": "complaint", "channel": "phone", "received_at": "2026-11-20 09:00:00",
                                                "school": WORLD.school_a, "complainant_name": "某", "subject": "等领导审批的投诉",
                                                "content": "x"})
    assert r.status_code == 302
    with app.app_context():
        from app.models import Complaint

        pk = db.session.scalar(select(Complaint.id).where(Complaint.subject == "等领导审批的投诉"))
    center.post(f"/complaintview/step/{pk}/submit", data={})
    page = visible_text(as_role("t_leader").get("/"))
    assert "待您审批的投诉" in page and "等领导审批的投诉" in page
    assert "应助尽助" in page


def test_figures_the_dashboard_adds(app):
    """The few KPI functions written for the dashboard, by hand."""
    with app.test_request_context():
        semester = db.session.scalars(select(Semester).where(Semester.is_current.is_(True))).one()
        s = system_coverage(semester)
        schools = db.session.scalars(select(School).where(School.active.is_(True))).all()
        from app.models import Student

        with_pupils = set(db.session.scalars(select(Student.school_id).distinct())) & {x.id for x in schools}
        assert (s.schools, s.schools_in) == (len(schools), len(with_pupils))
        assert (s.programs, s.programs_in) == (2, 2)  # both test programmes have awards this semester
        within, must = compliance_share(2026)
        # school A (高中) extracted 40,000 of 1,000,000 (4%): within; B is a primary school and need not extract
        assert (within, must) == (1, sum(1 for x in schools if x.stage in ("senior", "complete", "kindergarten", "vocational")))
        rows = [HomeVisit(student_id=WORLD.student_a, visit_type="receiving_aid", visited_on=date(2017, 3, d), visitors="x",
                          findings="x", resolved=True) for d in (1, 2)]
        rows.append(PublicityActivity(school_id=WORLD.school_a, activity_type="screen", held_on=date(2017, 11, 30),
                                      title="x", audience=1))
        db.session.add_all(rows)
        db.session.commit()
        try:
            visits, activities = monthly(db.session, 2017)
            assert visits == [0, 0, 2] + [0] * 9 and activities == [0] * 10 + [1, 0]
        finally:
            for row in rows:
                db.session.delete(row)
            db.session.commit()
