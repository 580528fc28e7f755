"""Record pages (app/views/records.py, app/templates/aid/show.html): the header names the record, shows its
state as a tag and offers as buttons only the actions the user may take on it in its present state; the
fields stand under headings in two columns; every page shows exactly its view's show columns."""
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Award, Complaint
from app.views.base import AidModelView
from app.views import records
from tests.conftest import WORLD
from tests.factories import make_award, make_pupil

pytestmark = pytest.mark.usefixtures("rollback")


def _raw_head(html):
    return re.search(r'(?s)<div class="aid-record-head">(.*?)<div class="aid-box aid-record-box">', html).group(1)


def _head(html):
    """The header's words and its buttons' (label, address) pairs."""
    found = re.search(r'(?s)<div class="aid-record-head">(.*?)<div class="aid-box aid-record-box">', html)
    assert found, html[:3000]
    block = found.group(1)
    words = " ".join(re.sub(r"<[^>]+>", " ", block).split())
    buttons = [(" ".join(re.sub(r"<[^>]+>", " ", label).split()), data_href or href)
               for href, data_href, label in re.findall(
                   r'(?s)<a class="btn[^"]*"(?: href="([^"]*)")?(?: data-href="([^"]*)")?[^>]*>(.*?)</a>', block)]
    return words, dict(buttons)


def _proposed_award():
    """A pupil of school A with an award proposed for the current semester (the test's own)."""
    with WORLD.app.app_context():
        pupil = make_pupil(WORLD.school_a, name="页眉测试学生")
        return make_award(pupil, WORLD.program_senior, WORLD.semester, "1000").id


def test_the_header_names_the_award_its_state_and_offers_only_what_the_state_allows(as_role):
    officer, center, supervisor = as_role("t_officer_a"), as_role("t_center"), as_role("t_supervisor")
    award = _proposed_award()
    page = f"/awardview/show/{award}"
    html = officer.get(page).get_data(as_text=True)
    words, buttons = _head(html)
    assert re.search(r"<h2>页眉测试学生 · ", _raw_head(html)) and "拟资助" in words, words
    assert buttons.get("编辑") == f"/awardview/edit/{award}", buttons
    assert buttons.get("删除") == f"/awardview/delete/{award}" and "撤销该资助" not in buttons
    assert buttons.get("返回列表", "").startswith("/awardview/list/")
    # who may only read it is offered no change
    response = supervisor.get(page)
    if response.status_code == 200:
        _, read_only = _head(response.get_data(as_text=True))
        assert not {"编辑", "删除", "撤销该资助"} & set(read_only), read_only

    # approved by the centre: the school can no longer change it; the centre may void it, not delete it
    center.post("/awardview/action_post", data={"action": "approve", "rowid": [str(award)]})
    with WORLD.app.app_context():
        assert db.session.get(Award, award).status == "approved"
    words, buttons = _head(officer.get(page).get_data(as_text=True))
    assert "已审核" in words or "已批准" in words or "审核通过" in words, words
    assert not {"编辑", "删除"} & set(buttons), buttons
    _, buttons = _head(center.get(page).get_data(as_text=True))
    assert buttons.get("撤销该资助") == f"/awardview/void/{award}" and "删除" not in buttons, buttons


def test_another_schools_record_has_no_page_and_no_header(as_role):
    response = as_role("t_officer_a").get(f"/awardview/show/{WORLD.award_b}")
    assert response.status_code == 404
    assert "aid-record-head" not in response.get_data(as_text=True)


def test_a_complaint_is_editable_from_its_header_only_while_its_registration_may_be_corrected(as_role):
    center = as_role("t_center")
    response = center.post("/complaintview/add", data={
        "kind": "complaint", "channel": "phone", "received_at": "2026-11-02 09:30:00", "school": WORLD.school_a,
        "complainant_name": "王投诉", "complainant_contact": "13800000000", "subject": "页眉测试投诉",
        "content": "家长反映本学期助学金未到账。"})
    assert response.status_code == 302
    with WORLD.app.app_context():
        pk = db.session.scalar(select(Complaint.id).where(Complaint.subject == "页眉测试投诉"))
    page = f"/complaintview/show/{pk}"
    words, buttons = _head(center.get(page).get_data(as_text=True))
    assert "页眉测试投诉" in words, words
    assert buttons.get("编辑") == f"/complaintview/edit/{pk}" and "报请领导" in buttons, buttons
    center.post(f"/complaintview/step/{pk}/submit", data={"comment": "请审批"})
    with WORLD.app.app_context():
        assert db.session.get(Complaint, pk).status == "awaiting_approval"
    words, buttons = _head(center.get(page).get_data(as_text=True))
    assert "编辑" not in buttons and "报请领导" not in buttons and "待领导审批" in words, (words, buttons)


def test_the_fields_stand_under_headings_in_two_columns(as_role):
    html = as_role("t_officer_a").get(f"/studentview/show/{WORLD.student_a}").get_data(as_text=True)
    headings = re.findall(r'<h3 class="aid-section-title">([^<]+)</h3>', html)
    assert headings == ["学生信息", "学籍信息", "家庭与联系方式", "记录信息"], headings
    fields = re.search(r'(?s)<h3 class="aid-section-title">学生信息</h3>\s*<dl class="aid-fields">(.*?)</dl>', html).group(1)
    assert re.findall(r"<dt>([^<]+)</dt>", fields) == ["姓名", "性别", "身份证号", "学籍号", "出生日期"]
    # the number is masked on the page as in the list; the related identifications are a tab below
    assert "341124****" in fields and 'data-toggle="tab">困难认定</a>' in html


def test_every_record_page_shows_exactly_its_show_columns(app):
    checked = 0
    for view in app.appbuilder.baseviews:
        if not isinstance(view, AidModelView):
            continue
        shown = [c for _, spec in records.sections(view) for c in spec["fields"]]
        assert sorted(shown) == sorted(view.show_columns), type(view).__name__
        checked += 1
    assert checked > 30


def test_a_heading_naming_a_column_the_page_does_not_show_is_refused():
    with pytest.raises(ValueError, match="salary"):
        records.grouped(["name", "grade"], ("学生", ["name", "salary"]))
    assert records.grouped(["name", "grade", "note"], ("A", ["grade"]), ("B", ["name"])) == [
        ("A", {"fields": ["grade", "note"]}), ("B", {"fields": ["name"]})]
