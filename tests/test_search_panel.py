"""高级搜索, drawn when it is opened (app/views/search.py SearchRelayView.panel, app/static/js/lists.js):
a list page carries only the panel's address; the panel answers for a list the user may open, with its
fields' choices through the school scope and the filters in force. The browser tests open it by clicking
(tests/e2e/test_centre_money.py ``_find_pupil``, test_outreach_and_funds.py ``_filter_select``)."""
from __future__ import annotations

import json
import re
from html import unescape

from tests.conftest import WORLD, login


def _panel_address(html):
    found = re.search(r'data-search-panel="([^"]+)"', html)
    assert found, "no 高级搜索 panel address on the list"
    return unescape(found.group(1))


def _panel(client, address):
    response = client.get(address)
    assert response.status_code == 200, (address, response.status_code)
    html = response.get_data(as_text=True)
    data = json.loads(unescape(re.search(r'<script type="application/json" class="aid-filter-data">(.*?)</script>',
                                         html, re.S).group(1)))
    return html, data


def test_a_list_page_carries_the_panels_address_not_its_fields(app):
    center = login(app, "t_center")
    html = center.get("/awardview/list/").get_data(as_text=True)
    assert "高级搜索" in html and "正在加载" in html
    assert "AdminFilters" not in html and 'id="filter_form"' not in html  # nothing of the panel is drawn
    assert _panel_address(html) == "/search/panel?view=AwardView"


def test_the_panel_has_the_lists_search_fields_and_the_filters_in_force(app):
    center = login(app, "t_center")
    html = center.get(f"/awardview/list/?_flt_0_school={WORLD.school_a}").get_data(as_text=True)
    address = _panel_address(html)
    assert address == f"/search/panel?view=AwardView&_flt_0_school={WORLD.school_a}"
    panel, data = _panel(center, address)
    assert 'id="filter_form"' in panel and "Add Filter" not in panel  # FAB's form, in Chinese
    assert set(data["labels"]) == {"school", "student", "program", "semester", "status", "card_kind", "paid_on"}
    assert data["labels"]["school"] == "学校" and data["filters"]["school"]
    assert data["active"] == [["school", data["filters"]["school"][0], [str(WORLD.school_a)]]]
    # the centre chooses among every school
    assert "测试甲中学" in data["fields"]["school"] and "测试乙小学" in data["fields"]["school"]
    # a script of data, nothing to run
    assert "<script>" not in panel and "<script nonce" not in panel


def test_an_officer_chooses_only_among_its_own_school(app):
    officer = login(app, "t_officer_a")
    address = _panel_address(officer.get("/awardview/list/").get_data(as_text=True))
    _, data = _panel(officer, address)
    assert "测试甲中学" in data["fields"]["school"]
    shown = json.dumps(data, ensure_ascii=False)
    for marker in WORLD.markers_b:
        assert marker not in shown, marker


def test_the_panels_address_carries_only_the_filters_the_list_recognises(app):
    """Nothing else of the page's address goes into it: a filter on a column the list does not search (a
    complaint's complainant, hidden from schools) is neither shown as a chip nor repeated there."""
    officer = login(app, "t_officer_a")
    html = officer.get("/complaintview/list/?_flt_0_complainant_name=甲校保密投诉人&qqmarker=qq1&_flt_9_status=x"
                       ).get_data(as_text=True)
    assert _panel_address(html) == "/search/panel?view=ComplaintView"
    assert "甲校保密投诉人" not in html


def test_the_panel_only_for_a_list_the_user_may_open(app):
    officer = login(app, "t_officer_a")
    for address in ("/search/panel", "/search/panel?view=Nothing", "/search/panel?view=AuditView",
                    "/search/panel?view=SearchRelayView", "/search/panel?view=AidUserDBModelView"):
        assert officer.get(address).status_code == 404, address
    # logged out: the login page, nothing of the panel
    anonymous = app.test_client().get("/search/panel?view=AwardView")
    assert anonymous.status_code in (302, 401, 403) and "aid-filter-data" not in anonymous.get_data(as_text=True)


def test_a_yes_no_filter_reads_yes_and_no_on_either_database(app):
    """``?_flt_0_waiver=1`` was a server error on PostgreSQL (a text compared with a boolean): yes and no are
    read as such (app/fab/fixes.py), whatever way they are written; any other text matches nothing."""
    center = login(app, "t_center")
    pages = {}
    for value in ("y", "1", "true", "n", "0", "false", "maybe"):
        response = center.get(f"/aidprogramview/list/?_flt_0_waiver={value}")
        assert response.status_code == 200, value
        body = response.get_data(as_text=True)
        pages[value] = re.findall(r'href="/aidprogramview/show/(\d+)"', body)
    assert pages["y"] == pages["1"] == pages["true"]
    assert pages["n"] == pages["0"] == pages["false"]
    # the suite's programmes waive nothing: "no" lists them, "yes" (applied, not ignored) none of them
    assert pages["n"] and set(pages["y"]).isdisjoint(pages["n"]) and pages["maybe"] == []
