"""Verification lists from 民政/扶贫/残联: matched by ID number, previewed, confirmed, applied, undone.

Policy: the county's work plan (全椒县2021年学生资助工作安排, 二(二)1) asks the schools and the centre to
share data with 扶贫、民政、残联, to treat 建档立卡、低保、特困救助供养、残疾 pupils as "困中之困" and to
aid precisely (精准资助, 确保每一位家庭经济困难学生都获得相应资助).  A list from one department therefore
decides who is treated first; a short or partial list must not silently take that status from families
it does not speak about, and a mistaken application must be reversible, with the trail naming who did both.
"""
import json
import re
from datetime import date, datetime
from io import BytesIO

from openpyxl import Workbook
from sqlalchemy import select

from app.rules import idcard
from app.extensions import db
from app.models import Identification, School, Student, VerificationRun
from app.models.audit import AuditEntry
from tests.conftest import WORLD, visible_text
import pytest

# each test's writes, through the screens too, are rolled back when it ends (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("rollback")


def _list(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号"])
    for row in rows:
        ws.append(row)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _pupils(app):
    with app.app_context():
        made = {}
        for key, seq, cats in [("gains", 901, dict(cat_other=True)), ("loses", 903, dict(cat_subsistence=True)),
                               ("keeps", 905, dict(cat_subsistence=True)), ("none", 907, None)]:
            s = Student(school_id=WORLD.school_a, name=f"核对{key}", grade="高二", class_name="1班", enrolment_year=2025,
                        id_number=idcard.make("341124", date(2009, 6, 6), seq))
            db.session.add(s)
            db.session.flush()
            if cats is not None:
                db.session.add(Identification(student_id=s.id, school_year="2030-2031", level="general",
                                              evidence_source="school", identified_on=date(2026, 9, 1), **cats))
            made[key] = (s.id, s.id_number)
        db.session.commit()
        return made


def test_centre_compares_and_applies_a_subsistence_list(app, center):
    p = _pupils(app)
    outsider = idcard.make("341124", date(2011, 1, 1), 909)
    data = _list([["甲", p["gains"][1]], ["乙", p["keeps"][1]], ["丙", p["none"][1]], ["外人", outsider]])
    r = _compare(center, data, "2030-2031")
    text = visible_text(r)
    assert "新增该类别 1 人，取消该类别 1 人，在校但尚未认定 1 人，未在任何学校学籍中 1 人" in text
    assert idcard.mask(outsider) in text and outsider not in r.get_data(as_text=True)
    with app.app_context():  # nothing changed yet
        assert not db.session.query(Identification).filter_by(student_id=p["gains"][0]).one().cat_subsistence
    assert "仅名单涉及的学校" in text and "涉及：测试甲中学" in text
    r = center.post("/verification/apply/", data=_apply_fields(r))
    assert r.status_code == 302
    with app.app_context():
        gained = db.session.query(Identification).filter_by(student_id=p["gains"][0]).one()
        assert gained.cat_subsistence and gained.is_priority
        lost = db.session.query(Identification).filter_by(student_id=p["loses"][0]).one()
        assert not lost.cat_subsistence and lost.cat_other and not lost.is_priority
        created = db.session.query(Identification).filter_by(student_id=p["none"][0]).one()
        assert created.cat_subsistence and created.evidence_source == "civil_affairs" and created.school_year == "2030-2031"


def test_a_bad_number_in_the_list_stops_the_comparison(app, center):
    good = idcard.make("341124", date(2011, 1, 1), 911)
    data = _list([["甲", good[:-1] + ("1" if good[-1] != "1" else "2")]])
    r = center.post("/verification/", data={"kind": "cat_disability", "school_year": "2030-2031",
                                            "file": (BytesIO(data), "残疾.xlsx")}, content_type="multipart/form-data")
    assert "未进行比对" in visible_text(r) and "2 身份证号 身份证号校验位不正确" in visible_text(r)


def test_only_the_centre_handles_verification_lists(as_role):
    for user in ("t_officer_a", "t_supervisor", "t_leader"):
        client = as_role(user)
        assert client.get("/verification/").status_code == 403
        assert client.post("/verification/apply/", data={"kind": "cat_subsistence", "school_year": "2030-2031",
                                                         "scope": "county", "numbers": ""}).status_code == 403
        assert client.post("/verification/undo/1/").status_code == 403


# --- preview, confirmation, scope, undo -----------------------------------------------------------------

_SEQ = iter(range(300, 900, 2))


def _compare(client, data, year, scope="schools", kind="cat_subsistence"):
    return client.post("/verification/", data={"kind": kind, "school_year": year, "scope": scope,
                                               "file": (BytesIO(data), "低保.xlsx")}, content_type="multipart/form-data")


def _apply_fields(response):
    """The hidden fields of the preview's apply form, as the browser sends them back."""
    html = response.get_data(as_text=True)
    form = html[html.index('action="/verification/apply/"'):]
    form = form[:form.index("</form>")]
    return {name: value for name, value in re.findall(r'name="(\w+)" type="hidden" value="([^"]*)"', form)}


def _marked(app, year, school_id, n, listed_too=0, **cats):
    """n pupils of a school marked 低保 in a school year (plus listed_too more): [(student id, ID number)]."""
    with app.app_context():
        made = []
        for _ in range(n + listed_too):
            primary = db.session.get(School, school_id).stage == "primary"  # a plausible pupil of the school's stage
            s = Student(school_id=school_id, name=f"核对{year[:4]}-{len(made)}", grade="五年级" if primary else "高二",
                        class_name="2班", enrolment_year=2022 if primary else 2025,
                        id_number=idcard.make("341124", date(2016 if primary else 2010, 2, 3), next(_SEQ)))
            db.session.add(s)
            db.session.flush()
            db.session.add(Identification(student_id=s.id, school_year=year, level="difficult", evidence_source="school",
                                          identified_on=date(2026, 9, 1), **(cats or {"cat_subsistence": True})))
            made.append((s.id, s.id_number))
        db.session.commit()
        return made


def _flags(app, student_ids, year):
    with app.app_context():
        rows = db.session.scalars(select(Identification).where(Identification.student_id.in_(student_ids),
                                                               Identification.school_year == year)).all()
        return {i.student_id: (i.cat_subsistence, i.cat_other, i.is_priority) for i in rows}


def test_a_short_list_that_takes_the_category_from_many_asks_for_the_count(app, center):
    """The reported case: a 3-row 低保 list offered to take the category from dozens, in one click.

    Work plan (全椒县2021年学生资助工作安排): 低保 pupils are "困中之困", to be aided first; a list that would
    take the status from more families than it confirms is applied only when the officer types that number.
    """
    year = "2031-2032"
    pupils = _marked(app, year, WORLD.school_a, 6)
    listed = pupils[:1]
    r = _compare(center, _list([["甲", n] for _, n in listed]), year)
    text = visible_text(r)
    assert "取消该类别 5 人" in text and "该名单将取消 5 名学生的类别，仅确认 1 名" in text
    assert "应用：新增 0 人，取消 5 人，新建认定 0 人" in text
    fields = _apply_fields(r)
    before = _flags(app, [i for i, _ in pupils], year)
    # one click is not enough: refused, the page says why, nothing stored
    r = center.post("/verification/apply/", data=fields)
    assert r.status_code == 200 and "请输入 5 以确认" in visible_text(r)
    assert _flags(app, [i for i, _ in pupils], year) == before
    r = center.post("/verification/apply/", data={**fields, "confirm": "3"})
    assert "请输入 5 以确认" in visible_text(r) and _flags(app, [i for i, _ in pupils], year) == before
    with app.app_context():
        assert db.session.scalar(select(VerificationRun).where(VerificationRun.school_year == year)) is None
    # the typed count applies it
    r = center.post("/verification/apply/", data={**fields, "confirm": "5"})
    assert r.status_code == 302
    after = _flags(app, [i for i, _ in pupils], year)
    assert after[listed[0][0]] == (True, False, True)
    assert all(after[i] == (False, True, False) for i, _ in pupils[1:])


def test_a_list_that_confirms_more_than_it_removes_needs_no_count(app, center):
    year = "2032-2033"
    pupils = _marked(app, year, WORLD.school_a, 3)
    r = _compare(center, _list([["甲", n] for _, n in pupils[:2]]), year)
    assert "请输入" not in visible_text(r)
    assert center.post("/verification/apply/", data=_apply_fields(r)).status_code == 302
    assert _flags(app, [pupils[2][0]], year)[pupils[2][0]][0] is False


def test_a_partial_list_takes_the_category_only_within_the_schools_or_towns_it_covers(app, center):
    """A town's 民政 office sends its own households: pupils elsewhere keep the category (work plan: 精准资助)."""
    year = "2033-2034"
    with app.app_context():
        same_town = School(code="T0093", name="核对同镇中学", stage="senior", town="襄河镇")  # the town of school A
        db.session.add(same_town)
        db.session.commit()
        same_town_id = same_town.id
    a = _marked(app, year, WORLD.school_a, 2)
    b = _marked(app, year, WORLD.school_b, 1)          # 古河镇
    c = _marked(app, year, same_town_id, 1)            # 襄河镇, another school
    data = _list([["甲", a[0][1]]])
    expect = {"schools": {a[1][0]}, "towns": {a[1][0], c[0][0]}, "county": {a[1][0], b[0][0], c[0][0]}}
    everyone = [i for i, _ in a + b + c]
    for scope, losing in expect.items():
        r = _compare(center, data, year, scope=scope)
        assert f"取消该类别 {len(losing)} 人" in visible_text(r), scope
    # applied as the schools it covers: only school A's unlisted pupil loses it
    r = _compare(center, data, year, scope="schools")
    assert "涉及：测试甲中学" in visible_text(r) and "2 名不在名单所涉范围内的学生未被列出，保留该类别" in visible_text(r)
    # the scope is the preview's, kept on the server: one posted with the confirmation changes nothing
    assert center.post("/verification/apply/", data={**_apply_fields(r), "scope": "county"}).status_code == 302
    flags = _flags(app, everyone, year)
    assert [i for i in everyone if not flags[i][0]] == [a[1][0]]
    with app.app_context():
        run = db.session.scalar(select(VerificationRun).where(VerificationRun.school_year == year))
        assert (run.scope, run.covered, run.lost, run.listed) == ("schools", "测试甲中学", 1, 1)


def test_an_applied_list_is_undone_as_one_step_and_the_trail_names_who_did_both(app, center, as_role):
    year = "2034-2035"
    kept = _marked(app, year, WORLD.school_a, 1)
    losing = _marked(app, year, WORLD.school_a, 1)
    gaining = _marked(app, year, WORLD.school_a, 1, cat_orphan=True)
    with app.app_context():
        new = Student(school_id=WORLD.school_a, name="核对新认定", grade="高一", class_name="1班", enrolment_year=2026,
                      id_number=idcard.make("341124", date(2010, 7, 7), next(_SEQ)))
        db.session.add(new)
        db.session.commit()
        new_id, new_number = new.id, new.id_number
    ids = [i for i, _ in kept + losing + gaining]
    before = _flags(app, ids, year)
    r = _compare(center, _list([["甲", kept[0][1]], ["乙", gaining[0][1]], ["丙", new_number]]), year)
    assert center.post("/verification/apply/", data=_apply_fields(r)).status_code == 302
    assert _flags(app, ids + [new_id], year) != before and new_id in _flags(app, [new_id], year)
    with app.app_context():
        run = db.session.scalar(select(VerificationRun).where(VerificationRun.school_year == year))
        run_id = run.id
        assert (run.gained, run.lost, run.created) == (1, 1, 1) and run.applied_by.username == "t_center"
        assert all(c["version"] for c in run.change_list) and "341124" not in run.changes  # no ID number kept
    page = visible_text(center.get("/verification/"))
    assert "已应用的名单" in page and "撤销" in page
    # another centre user undoes it (the administrator, who may do what the centre does)
    admin = as_role("t_admin")
    assert admin.post(f"/verification/undo/{run_id}/").status_code == 302
    assert _flags(app, ids, year) == before
    assert _flags(app, [new_id], year) == {}  # the identification the list created is gone
    with app.app_context():
        run = db.session.get(VerificationRun, run_id)
        assert run.undone_at is not None and run.undone_by.username == "t_admin"
        trail = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "verification_run",
                                                            AuditEntry.record_id == run_id).order_by(AuditEntry.id)).all()
        assert [(e.action, e.username) for e in trail] == [("create", "t_center"), ("update", "t_admin")]
        assert "undone_by_id" in json.loads(trail[1].changes)
    # once is enough
    admin.post(f"/verification/undo/{run_id}/")
    assert "已经撤销" in visible_text(admin.get("/verification/"))


def test_undo_is_refused_when_an_identification_changed_since(app, center):
    year = "2035-2036"
    pupils = _marked(app, year, WORLD.school_a, 3)
    r = _compare(center, _list([["甲", n] for _, n in pupils[:2]]), year)
    assert center.post("/verification/apply/", data=_apply_fields(r)).status_code == 302
    with app.app_context():
        run_id = db.session.scalar(select(VerificationRun.id).where(VerificationRun.school_year == year))
        ident = db.session.scalar(select(Identification).where(Identification.student_id == pupils[2][0],
                                                               Identification.school_year == year))
        ident.cat_orphan = True  # the school records something after the list
        db.session.commit()
    after = _flags(app, [i for i, _ in pupils], year)
    center.post(f"/verification/undo/{run_id}/")
    assert "不能整体撤销" in visible_text(center.get("/verification/"))
    assert _flags(app, [i for i, _ in pupils], year) == after
    with app.app_context():
        assert db.session.get(VerificationRun, run_id).undone_at is None


def test_a_preview_overtaken_by_other_changes_is_compared_again(app, center):
    year = "2036-2037"
    pupils = _marked(app, year, WORLD.school_a, 2)
    r = _compare(center, _list([["甲", pupils[0][1]]]), year)
    fields = _apply_fields(r)
    with app.app_context():  # meanwhile the listed pupil loses the category by another hand
        ident = db.session.query(Identification).filter_by(student_id=pupils[0][0], school_year=year).one()
        ident.cat_subsistence, ident.cat_other = False, True
        db.session.commit()
    r = center.post("/verification/apply/", data=fields)
    assert "请重新比对" in visible_text(r)
    with app.app_context():
        assert db.session.scalar(select(VerificationRun).where(VerificationRun.school_year == year)) is None


# --- the list stays on the server between the preview and its confirmation ----------------------------

def _second_centre_user(app):
    from tests.conftest import PASSWORD

    with app.app_context():
        sm = app.appbuilder.sm
        if sm.find_user(username="t_center_two") is None:
            sm.add_user(username="t_center_two", first_name="中心二", last_name="", email="t_center_two@x.invalid",
                        role=sm.find_role("AidCenter"), password=PASSWORD)
    return "t_center_two"


def test_the_preview_page_carries_no_id_number_and_the_list_is_kept_encrypted(app, center):
    """The 2017 national notice on aid information keeps ID numbers off what is shown; the confirmation
    form posts a token and the typed count only, the numbers stay on the server, encrypted."""
    year = "2037-2038"
    pupils = _marked(app, year, WORLD.school_a, 3)
    outsider = idcard.make("341124", date(2011, 3, 3), next(_SEQ))
    numbers = [n for _, n in pupils[:2]] + [outsider]
    r = _compare(center, _list([["甲", n] for n in numbers]), year)
    html = r.get_data(as_text=True)
    for number in numbers:
        assert number not in html and number[6:14] not in html  # neither the number nor its birth date
    assert idcard.mask(outsider) in visible_text(r)
    fields = _apply_fields(r)
    assert set(fields) <= {"token", "csrf_token"} and len(fields["token"]) >= 40
    with app.app_context():
        raw = db.session.execute(db.text("SELECT payload, token_hash FROM verification_preview ORDER BY id DESC")).first()
        assert raw.payload.startswith("pd1:") and all(n not in raw.payload for n in numbers)
        assert fields["token"] not in raw.token_hash  # only its hash is kept


def test_the_confirmation_applies_exactly_what_was_previewed_once(app, center):
    """A double submit (the button clicked twice, the page sent again) changes nothing the second time."""
    year = "2038-2039"
    pupils = _marked(app, year, WORLD.school_a, 3)
    r = _compare(center, _list([["甲", n] for _, n in pupils[:2]]), year)
    assert "取消该类别 1 人" in visible_text(r)
    fields = _apply_fields(r)
    first = center.post("/verification/apply/", data=fields)
    assert first.status_code == 302
    after = _flags(app, [i for i, _ in pupils], year)
    assert after[pupils[2][0]] == (False, True, False)
    with app.app_context():  # the school marks the pupil again: a second confirmation must not undo that
        ident = db.session.query(Identification).filter_by(student_id=pupils[2][0], school_year=year).one()
        ident.cat_subsistence = True
        db.session.commit()
    second = center.post("/verification/apply/", data=fields, follow_redirects=True)
    assert "该名单已经应用，未再次改动" in visible_text(second)
    assert _flags(app, [pupils[2][0]], year)[pupils[2][0]][0] is True
    with app.app_context():
        runs = db.session.scalars(select(VerificationRun).where(VerificationRun.school_year == year)).all()
        assert len(runs) == 1 and (runs[0].gained, runs[0].lost, runs[0].listed) == (0, 1, 2)
        preview = db.session.execute(db.text("SELECT used_at, run_id FROM verification_preview "
                                             "WHERE run_id = :r"), {"r": runs[0].id}).first()
        assert preview.used_at is not None


def test_a_preview_whose_pupils_changed_places_is_refused_even_with_the_same_counts(app, center):
    """Same counts, other pupils: the preview showed who gains, and only they may gain."""
    year = "2039-2040"
    gaining = _marked(app, year, WORLD.school_a, 1, cat_orphan=True)
    keeping = _marked(app, year, WORLD.school_a, 1)
    r = _compare(center, _list([["甲", gaining[0][1]], ["乙", keeping[0][1]]]), year)
    assert "新增该类别 1 人，取消该类别 0 人" in visible_text(r)
    fields = _apply_fields(r)
    with app.app_context():  # meanwhile: the gaining pupil is marked, the kept one cleared (still 1 gain, 0 lose)
        for sid, value in ((gaining[0][0], True), (keeping[0][0], False)):
            ident = db.session.query(Identification).filter_by(student_id=sid, school_year=year).one()
            ident.cat_subsistence, ident.cat_other = value, not value
        db.session.commit()
    before = _flags(app, [gaining[0][0], keeping[0][0]], year)
    r = center.post("/verification/apply/", data=fields)
    assert r.status_code == 200 and "请重新比对" in visible_text(r)
    assert _flags(app, [gaining[0][0], keeping[0][0]], year) == before
    # the page shows the new comparison with a new token, which applies it
    fresh = _apply_fields(r)
    assert fresh["token"] != fields["token"]
    assert center.post("/verification/apply/", data=fields).status_code == 302  # the old one lapsed: refused
    assert _flags(app, [gaining[0][0], keeping[0][0]], year) == before
    assert center.post("/verification/apply/", data=fresh).status_code == 302
    assert _flags(app, [keeping[0][0]], year)[keeping[0][0]][0] is True


def test_a_token_is_its_uploaders_only_and_lapses(app, center, as_role):
    year = "2040-2041"
    pupils = _marked(app, year, WORLD.school_a, 2)
    r = _compare(center, _list([["甲", pupils[0][1]]]), year)
    fields = _apply_fields(r)
    before = _flags(app, [i for i, _ in pupils], year)
    for other in (as_role(_second_centre_user(app)), as_role("t_admin")):
        assert other.post("/verification/apply/", data=fields).status_code == 404
        assert other.post("/verification/apply/", data={"token": "made-up"}).status_code == 404
    assert _flags(app, [i for i, _ in pupils], year) == before
    with app.app_context():
        assert db.session.scalar(select(VerificationRun).where(VerificationRun.school_year == year)) is None
        db.session.execute(db.text("UPDATE verification_preview SET expires_at = :t WHERE used_at IS NULL"),
                           {"t": datetime(2000, 1, 1)})
        db.session.commit()
    r = center.post("/verification/apply/", data=fields, follow_redirects=True)
    assert "该比对结果已过期，请重新比对名单" in visible_text(r)
    assert _flags(app, [i for i, _ in pupils], year) == before
    # an empty token is a malformed request
    assert center.post("/verification/apply/", data={"token": ""}).status_code == 400


def test_a_list_that_fails_half_way_through_applying_changes_nothing(app, center, monkeypatch):
    """The identifications are changed and the preview claimed before the run is recorded: a failure there
    leaves every identification and the preview as they were, and the same confirmation applies it after."""
    year = "2041-2042"
    pupils = _marked(app, year, WORLD.school_a, 2)
    r = _compare(center, _list([["甲", pupils[0][1]]]), year)
    assert "取消该类别 1 人" in visible_text(r)
    fields = _apply_fields(r)
    before = _flags(app, [i for i, _ in pupils], year)

    def unrecordable(**_):
        raise RuntimeError("the run could not be recorded")

    monkeypatch.setattr("app.models.VerificationRun", unrecordable)
    with pytest.raises(RuntimeError):
        center.post("/verification/apply/", data=fields)
    monkeypatch.undo()
    assert _flags(app, [i for i, _ in pupils], year) == before
    with app.app_context():
        assert db.session.scalar(select(VerificationRun).where(VerificationRun.school_year == year)) is None
    assert center.post("/verification/apply/", data=fields).status_code == 302
    assert _flags(app, [pupils[1][0]], year)[pupils[1][0]] == (False, True, False)
