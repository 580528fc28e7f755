"""督查评分表 and who inspects: every checklist score of an inspection on one page, saved at once within
0 ≤ score ≤ the item's full score; the inspectors are supervisors or the centre's staff, never a school's
officer; the phone follow-up sample only on 电话回访 inspections."""
import re
from datetime import date
from decimal import Decimal

import pytest
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import select

from app.extensions import db
from app.models import Inspection, InspectionItem, InspectionScore
from app.rules import RuleError
from tests.conftest import WORLD, post_edit, visible_text

# each test's writes, through the screens too, are rolled back when it ends (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("rollback")


def _user_id(username):
    return db.session.scalars(select(User.id).where(User.username == username)).one()


@pytest.fixture()
def sheet(app):
    """A patrol of school A with a three-item checklist of its own (full scores 10, 20, 5)."""
    with app.app_context():
        suffix = InspectionItem.query.count()
        items = [InspectionItem(name=f"评分表项目{suffix}-{n}", max_score=full, sort_order=900 + n)
                 for n, full in enumerate((10, 20, 5))]
        inspection = Inspection(school_id=WORLD.school_a, kind="patrol", status="done", inspected_on=date(2026, 11, 20),
                                findings="评分表测试")
        db.session.add_all(items + [inspection])
        db.session.commit()
        ids = {"inspection": inspection.id, "items": [i.id for i in items]}
    yield ids
    with app.app_context():  # the items leave the checklist for the other tests' sheets
        for item_id in ids["items"]:
            db.session.get(InspectionItem, item_id).active = False
        db.session.commit()


def _version(client, inspection_id):
    html = client.get(f"/inspectionview/scores/{inspection_id}").get_data(as_text=True)
    return re.search(r'name="sheet_version" value="([^"]*)"', html).group(1)


def _post_sheet(client, inspection_id, scores, notes=None, version=None):
    data = {"sheet_version": version if version is not None else _version(client, inspection_id)}
    for item_id, value in scores.items():
        data[f"score-{item_id}"] = value
    for item_id, note in (notes or {}).items():
        data[f"note-{item_id}"] = note
    return client.post(f"/inspectionview/scores/{inspection_id}", data=data)


def _stored(app, inspection_id):
    with app.app_context():
        rows = db.session.scalars(select(InspectionScore).where(InspectionScore.inspection_id == inspection_id)).all()
        return {s.item_id: (s.score, s.note) for s in rows}


def test_the_supervisor_enters_every_score_on_one_page_and_lands_on_the_record(app, as_role, sheet):
    supervisor = as_role("t_supervisor")
    insp, (a, b, c) = sheet["inspection"], sheet["items"]
    record = supervisor.get(f"/inspectionview/show/{insp}").get_data(as_text=True)
    assert f"/inspectionview/scores/{insp}" in record and "录入全部检查评分" in record
    page = visible_text(supervisor.get(f"/inspectionview/scores/{insp}"))
    for n, full in enumerate((10, 20, 5)):
        assert re.search(rf"评分表项目\d+-{n} {full} ", page), f"item {n} with its full score {full}"
    assert "满分" in page and "合计" in page
    r = _post_sheet(supervisor, insp, {a: "8", b: "17.5", c: ""}, {a: "台账齐全", c: "未检查"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/inspectionview/show/{insp}")
    assert _stored(app, insp) == {a: (Decimal("8"), "台账齐全"), b: (Decimal("17.5"), None), c: (None, "未检查")}
    shown = visible_text(supervisor.get(f"/inspectionview/show/{insp}"))
    assert "25.5" in shown  # the record's total
    assert re.search(r"评分表项目\d+-1 20 17\.5 ", shown)  # its 评分 tab: item, full score, score
    export = supervisor.get(f"/inspectionscoreview/export/?_flt_0_inspection={insp}")
    from io import BytesIO

    from openpyxl import load_workbook

    rows = list(load_workbook(BytesIO(export.data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("检查项目", "满分", "得分") and any(row[1] == 20 and row[2] == 17.5 for row in rows[1:]), rows
    assert "已保存评分：25.5 分（已评项目满分 30 分）" in shown
    # opened again, the sheet shows what is stored, and a second save changes a score in place
    again = supervisor.get(f"/inspectionview/scores/{insp}").get_data(as_text=True)
    assert f'name="score-{b}" value="17.5"' in again
    assert _post_sheet(supervisor, insp, {a: "9", b: "17.5", c: "5"}, {a: "台账齐全", c: ""}).status_code == 302
    assert _stored(app, insp) == {a: (Decimal("9"), "台账齐全"), b: (Decimal("17.5"), None), c: (Decimal("5"), None)}
    # a save that sends one line (no note) changes that score only: what it did not send stays as stored
    assert _post_sheet(supervisor, insp, {a: "7"}).status_code == 302
    assert _stored(app, insp) == {a: (Decimal("7"), "台账齐全"), b: (Decimal("17.5"), None), c: (Decimal("5"), None)}


@pytest.mark.parametrize("bad, message", [
    ("21", "最多 20 分"),         # above the item's full score
    ("-1", "不能小于0"),
    ("7.25", "最多保留一位小数"),
    ("十分", "请填写数字分数"),
    ("NaN", "请填写数字分数"),
])
def test_one_wrong_score_saves_nothing_and_says_which_line(app, as_role, sheet, bad, message):
    supervisor = as_role("t_supervisor")
    insp, (a, b, c) = sheet["inspection"], sheet["items"]
    r = _post_sheet(supervisor, insp, {a: "8", b: bad, c: "5"})
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert message in visible_text(r) and "未保存" in visible_text(r)
    assert f'name="score-{a}" value="8"' in page and f'value="{bad}"' in page  # as typed
    assert _stored(app, insp) == {}  # not even the good lines: one transaction


def test_only_the_supervising_roles_enter_scores(app, as_role, officer_a, sheet):
    insp, (a, _, _) = sheet["inspection"], sheet["items"]
    for client in (officer_a, as_role("t_leader")):
        assert client.get(f"/inspectionview/scores/{insp}").status_code in (302, 403)
        client.post(f"/inspectionview/scores/{insp}", data={f"score-{a}": "3"})
        assert f"/inspectionview/scores/{insp}" not in client.get(f"/inspectionview/show/{insp}").get_data(as_text=True)
    assert _stored(app, insp) == {}
    assert _post_sheet(as_role("t_center"), insp, {a: "3"}).status_code == 302
    assert _stored(app, insp)[a][0] == Decimal("3")


def test_a_sheet_opened_before_someone_else_saved_is_refused(app, as_role, center, sheet):
    supervisor = as_role("t_supervisor")
    insp, (a, b, _) = sheet["inspection"], sheet["items"]
    opened = _version(supervisor, insp)
    assert _post_sheet(center, insp, {a: "6"}).status_code == 302
    r = _post_sheet(supervisor, insp, {a: "9", b: "10"}, version=opened)
    assert "其他人修改了这些评分" in visible_text(r)
    assert _stored(app, insp) == {a: (Decimal("6"), None)}


def test_every_other_write_path_keeps_scores_within_the_full_score(app, as_role, sheet):
    insp, (a, b, _) = sheet["inspection"], sheet["items"]
    # the per-score form
    supervisor = as_role("t_supervisor")
    supervisor.post("/inspectionscoreview/add", data={"inspection": insp, "item": a, "score": "11"})
    assert a not in _stored(app, insp)
    # code, commands and imports (the flush hook)
    with app.app_context():
        for value in ("20.5", "-0.5", "3.25"):
            db.session.add(InspectionScore(inspection_id=insp, item_id=b, score=Decimal(value)))
            with pytest.raises(RuleError):
                db.session.flush()
            db.session.rollback()
        db.session.add(InspectionScore(inspection_id=insp, item_id=b, score=Decimal("20")))
        db.session.commit()
    assert _stored(app, insp)[b][0] == Decimal("20")


def _offered_inspectors(html):
    """The user ids the form's 检查人员 select offers (other selects on the page have their own ids)."""
    picker = re.search(r'(?s)<select[^>]*name="inspectors".*?</select>', html).group(0)
    return {int(v) for v in re.findall(r'value="(\d+)"', picker)}


def test_the_inspector_picker_offers_supervisors_and_centre_staff_only(app, as_role, center):
    with app.app_context():
        ids = {name: _user_id(name) for name in ("t_supervisor", "t_center", "t_officer_a", "t_officer_nolink",
                                                 "t_leader", "t_auditor")}
    html = as_role("t_supervisor").get("/inspectionview/add").get_data(as_text=True)
    picker = re.search(r'(?s)<select[^>]*name="inspectors".*?</select>', html).group(0)
    offered = _offered_inspectors(html)
    assert {ids["t_supervisor"], ids["t_center"]} <= offered
    assert not offered & {ids["t_officer_a"], ids["t_officer_nolink"], ids["t_leader"], ids["t_auditor"]}
    assert "督查人员" in picker and "资助中心" in picker
    # school A's own officer posted as its inspector: refused, nothing stored
    r = as_role("t_supervisor").post("/inspectionview/add", data={
        "school": WORLD.school_a, "kind": "patrol", "status": "done", "inspected_on": "2026-11-21",
        "findings": "本校信息员任检查人员", "inspectors": [ids["t_officer_a"]]})
    assert r.status_code == 200
    with app.app_context():
        assert db.session.query(Inspection).filter_by(findings="本校信息员任检查人员").count() == 0


def test_a_schools_officer_is_never_an_inspector_whatever_the_write_path(app):
    with app.app_context():
        officer = db.session.get(User, _user_id("t_officer_a"))
        leader = db.session.get(User, _user_id("t_leader"))
        supervisor = db.session.get(User, _user_id("t_supervisor"))
        inspection = Inspection(school_id=WORLD.school_a, kind="patrol", status="done", inspected_on=date(2026, 11, 22),
                                findings="检查人员规则", inspectors=[supervisor, officer])
        db.session.add(inspection)
        with pytest.raises(RuleError, match="不能担任检查人员"):
            db.session.flush()
        db.session.rollback()
        inspection = Inspection(school_id=WORLD.school_a, kind="patrol", status="done", inspected_on=date(2026, 11, 22),
                                findings="检查人员规则", inspectors=[supervisor])
        db.session.add(inspection)
        db.session.commit()
        inspection.inspectors.append(leader)
        with pytest.raises(RuleError):
            db.session.commit()
        db.session.rollback()
        assert [u.username for u in db.session.get(Inspection, inspection.id).inspectors] == ["t_supervisor"]


def test_an_edit_keeps_an_inspector_who_no_longer_qualifies(app, as_role):
    """An inspector whose account was later closed stays on the record when it is edited."""
    with app.app_context():
        from app.cli import create_user

        create_user("t_retired_supervisor", "Supervisor", "Test@2021pw")
        retired = db.session.scalars(select(User).where(User.username == "t_retired_supervisor")).one()
        inspection = Inspection(school_id=WORLD.school_a, kind="patrol", status="done", inspected_on=date(2026, 11, 23),
                                findings="退休检查人员", inspectors=[retired])
        db.session.add(inspection)
        db.session.commit()
        retired.active = False
        db.session.commit()
        insp_id, retired_id = inspection.id, retired.id
    supervisor = as_role("t_supervisor")
    assert retired_id not in _offered_inspectors(supervisor.get("/inspectionview/add").get_data(as_text=True))
    r = post_edit(supervisor, f"/inspectionview/edit/{insp_id}", {
        "school": WORLD.school_a, "kind": "patrol", "status": "done", "inspected_on": "2026-11-23",
        "findings": "退休检查人员（补记）", "inspectors": [retired_id]})
    assert r.status_code == 302
    with app.app_context():
        inspection = db.session.get(Inspection, insp_id)
        assert inspection.findings == "退休检查人员（补记）" and [u.id for u in inspection.inspectors] == [retired_id]


def test_a_new_inspection_opens_on_its_record(app, as_role):
    r = as_role("t_supervisor").post("/inspectionview/add", data={
        "school": WORLD.school_a, "kind": "patrol", "status": "done", "inspected_on": "2026-11-24",
        "findings": "新建后打开记录"})
    with app.app_context():
        insp_id = db.session.query(Inspection).filter_by(findings="新建后打开记录").one().id
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/inspectionview/show/{insp_id}")


def test_the_phone_follow_up_sample_is_offered_on_phone_follow_ups_only(app, as_role, sheet):
    supervisor = as_role("t_supervisor")
    patrol = sheet["inspection"]
    assert f"/inspectionview/sample/{patrol}" not in supervisor.get(f"/inspectionview/show/{patrol}").get_data(as_text=True)
    with app.app_context():
        phone = Inspection(school_id=WORLD.school_a, kind="phone", status="done", inspected_on=date(2026, 11, 25))
        db.session.add(phone)
        db.session.commit()
        phone_id = phone.id
    page = supervisor.get(f"/inspectionview/show/{phone_id}").get_data(as_text=True)
    assert f"/inspectionview/sample/{phone_id}" in page and "抽取回访家庭" in visible_text(supervisor.get(f"/inspectionview/show/{phone_id}"))
