"""公示 that can be posted: the notice carries its period, the hotlines, the issuing unit, the date and a seal line.

Policy:
* 2018 national guidance on identifying pupils in difficulty (教育部等六部门《关于做好家庭经济困难学生认定工作
  的指导意见》, 教财〔2018〕16号): results are published for a period before they stand, commonly at least 5 working
  days (NOTICE_WORKING_DAYS, config.py), so the notice says from when to when.
* The county's work plan (全椒县2021年学生资助工作安排, 三(五)): the centre and every school set up a complaint and
  report telephone (投诉举报电话); the notice names the school's and the centre's.
* The national notice of 2017 on publishing aid information: a 公示 shows name, school, grade, class and the aid,
  never an ID number, address, phone, birth date or card number (no family details).
"""
from datetime import date
from decimal import Decimal

import pytest

from app.rules import idcard
from app.extensions import db
from app.models import AidProgram, Award, Identification, School, Semester, Student
from app.security.roles import AID_CENTER
from app.rules import RuleError, cards
from app.rules.awards import transition
from tests.conftest import WORLD, login, visible_text
from tests.test_reports import assert_cjk_pdf

HOTLINE = "0550-7654321"


@pytest.fixture(scope="module")
def notice_school(app):
    """A school with a complaint hotline and two approved 普高国家助学金 awards (and one still proposed)."""
    with app.app_context():
        school = School(code="GS001", name="公示测试中学", stage="senior", town="十字镇", complaint_hotline=HOTLINE)
        db.session.add(school)
        db.session.flush()
        sem = db.session.get(Semester, WORLD.semester)
        secrets = []
        for i, approve in enumerate([True, True, False]):
            s = Student(school_id=school.id, name=f"公示{i}", grade="高一", class_name="3班", enrolment_year=2026,
                        id_number=idcard.make("341124", date(2010, 4, 20 + i), 500 + 2 * i), address="十字镇某村某组",
                        guardian="公示家长", guardian_phone="13912345678")
            db.session.add(s)
            db.session.flush()
            db.session.add(Identification(student_id=s.id, school_year=sem.school_year, level="difficult",
                                          cat_subsistence=True, evidence_source="civil_affairs",
                                          identified_on=date(2026, 9, 5)))
            award = Award(student_id=s.id, program_id=WORLD.program_senior, semester_id=sem.id, amount=Decimal("1000"),
                          card_kind="aid_card", card_number=cards.make("6217", 19, 9300 + i))
            db.session.add(award)
            db.session.flush()
            if approve:
                transition(award, "approve", [AID_CENTER])
            secrets += [s.id_number, award.card_number, s.birth_date.isoformat()]
        db.session.commit()
        return school.id, secrets


def _url(kind="pdf", **args):
    query = "&".join(f"{k}={v}" for k, v in {"program": WORLD.program_senior, "semester": WORLD.semester, **args}.items())
    return f"/publicnotice/{kind + '/' if kind else ''}?{query}"


def test_a_schools_notice_to_post_carries_period_hotlines_issuer_date_and_seal(app, center, notice_school):
    school_id, secrets = notice_school
    with app.app_context():
        program = db.session.get(AidProgram, WORLD.program_senior).name
    r = center.get(_url(school=school_id, start="2026-12-07", end="2026-12-14"))
    text = assert_cjk_pdf(r, f"{program}受助学生名单公示", "公示0", "公示1", "合计2人",
                          "公示期：2026年12月7日至2026年12月14日", "监督举报电话：",
                          f"公示测试中学{HOTLINE}", f"{app.config['CENTRE_NAME']}{app.config['CENTRE_HOTLINE']}",
                          "公示测试中学（盖章）2026年12月7日",
                          absent=["公示2", "十字镇某村某组", "公示家长", "13912345678", *secrets])
    assert "测试甲中学" not in text  # one school's notice holds that school only


def test_the_centre_shows_one_schools_notice_on_the_page_with_its_pdf_link(app, center, notice_school):
    """The page of one school's notice (the centre picks the school, 显示) answers, in Chinese, with
    the buttons carrying the school (a name set in the template once shadowed the translation)."""
    school_id, _ = notice_school
    r = center.get(_url("", school=school_id, start="2026-12-07", end="2026-12-14"))
    assert r.status_code == 200
    page = visible_text(r)
    assert "公示文件（PDF）" in page and "公示0" in page and "公示测试中学 （盖章）" in page, page[-1500:]
    assert f"school={school_id}" in r.get_data(as_text=True).split("/publicnotice/pdf/", 1)[1].split('"', 1)[0]


def test_the_countys_notice_is_issued_by_the_centre_with_its_hotline(app, center, notice_school):
    r = center.get(_url(start="2026-12-07", end="2026-12-14"))
    centre = app.config["CENTRE_NAME"]
    text = assert_cjk_pdf(r, f"监督举报电话：{centre}{app.config['CENTRE_HOTLINE']}", f"{centre}（盖章）2026年12月7日",
                          "公示0")
    assert HOTLINE not in text


def test_the_notice_period_defaults_to_five_working_days_and_is_never_shorter(app, center, notice_school):
    """教财〔2018〕16号 as applied: 公示期不少于5个工作日 (the day of posting not counted)."""
    from app.kpi.notice import add_working_days, notice_period

    with app.app_context():
        friday = date(2026, 12, 4)
        assert notice_period(today=friday) == (friday, date(2026, 12, 11))  # Mon–Fri of the next week
        assert add_working_days(date(2026, 12, 7), 5) == date(2026, 12, 14)
        with pytest.raises(RuleError):
            notice_period(date(2026, 12, 4), date(2026, 12, 10))  # 4 working days
        with pytest.raises(RuleError):
            notice_period(date(2026, 12, 7), date(2026, 12, 1))
    # on the page: the default is shown, a short one is refused beside the dates and never printed
    page = visible_text(center.get(_url("")))
    today = date.today()
    with app.app_context():
        last = add_working_days(today, 5)
    assert f"公示期： {today.isoformat()} — {last.isoformat()}" in page
    short = center.get(_url("", start="2026-12-07", end="2026-12-09"))
    assert "公示期不少于 5 个工作日" in visible_text(short) and "最早于 2026-12-14 结束" in visible_text(short)
    r = center.get(_url(start="2026-12-07", end="2026-12-09"))
    assert r.status_code == 302 and "/publicnotice/" in r.headers["Location"]


def test_an_officers_notice_is_its_own_schools_issued_by_it(app, notice_school):
    officer = login(app, "t_officer_a")
    # asking for another school's notice gives the officer's own school's
    r = officer.get(_url(school=notice_school[0], start="2026-12-07", end="2026-12-14"))
    text = assert_cjk_pdf(r, "测试甲中学（盖章）", "测试甲中学0550-1111111", absent=["公示0", "公示测试中学"])
    assert "公示1" not in text
    page = visible_text(officer.get(_url("", school=notice_school[0])))
    assert "公示0" not in page and "全县（由资助中心发布）" not in page


def test_the_printed_notice_runs_its_sentences_on_without_a_gap(app, center, notice_school):
    """Chinese sentences follow each other without a space: a line break in the template printed as a gap
    before 公示期自… ."""
    from app.reports.documents import DOCUMENTS
    from app.reports.render import render_html

    with app.app_context():
        from app.kpi.notice import public_notice

        notice = public_notice(db.session.get(Semester, WORLD.semester), db.session.get(AidProgram, WORLD.program_senior),
                               start=date(2026, 12, 7), end=date(2026, 12, 14))
        doc = DOCUMENTS["public_notice"]
        html = render_html(doc.template, doc.context(notice))
    assert "资助学生名单予以公示。公示期自2026年12月7日起至2026年12月14日止。" in html
    r = center.get(_url(school=notice_school[0], start="2026-12-07", end="2026-12-14"))
    assert "予以公示。公示期自" in assert_cjk_pdf(r)


# --- the 公示期 as the centre keeps it: days by school year, holidays and 调休 ------------------------------

GUIDANCE = "教育部等六部门《关于做好家庭经济困难学生认定工作的指导意见》（教财〔2018〕16号）"
# 国务院办公厅关于2026年部分节假日安排的通知 (2025年11月4日), 七、国庆节: 10月1日（周四）至7日（周三）放假调休，
# 共7天。9月20日（周日）、10月10日（周六）上班。
NATIONAL_DAY_2026 = [
    {"year": "2026", "name": "国庆节", "kind": "holiday", "starts_on": "2026-10-01", "ends_on": "2026-10-07"},
    {"year": "2026", "name": "国庆节调休", "kind": "workday", "starts_on": "2026-09-20", "ends_on": "2026-09-20"},
    {"year": "2026", "name": "国庆节调休", "kind": "workday", "starts_on": "2026-10-10", "ends_on": "2026-10-10"},
]


def _entries(app):
    from app.models import WorkCalendarEntry

    with app.app_context():
        return db.session.query(WorkCalendarEntry).order_by(WorkCalendarEntry.starts_on).all()


def _clear_calendar(app):
    from app.models import NoticeRule, WorkCalendarEntry

    with app.app_context():
        db.session.query(WorkCalendarEntry).delete()
        db.session.query(NoticeRule).filter(NoticeRule.since_year != "2018-2019").delete()
        db.session.commit()


def test_a_notice_posted_before_national_day_ends_after_the_holidays(app, center, notice_school):
    """The centre enters 2026's 国庆节 (国务院办公厅关于2026年部分节假日安排的通知): posted on Monday
    28 September, five working days (教财〔2018〕16号 as commonly applied) are 29 and 30 September,
    8 and 9 October and Saturday 10 October, an adjusted working day."""
    try:
        page = visible_text(center.get(_url("", start="2026-09-28")))
        assert "公示期： 2026-09-28 — 2026-10-05" in page  # weekdays only, before the calendar
        for entry in NATIONAL_DAY_2026:
            assert center.post("/workcalendarview/add", data={**entry, "basis": "国务院办公厅关于2026年部分节假日安排的通知"}
                               ).status_code == 302
        assert [(e.name, e.kind, e.starts_on) for e in _entries(app)] == [
            ("国庆节调休", "workday", date(2026, 9, 20)), ("国庆节", "holiday", date(2026, 10, 1)),
            ("国庆节调休", "workday", date(2026, 10, 10))]
        page = visible_text(center.get(_url("", start="2026-09-28")))
        assert "公示期： 2026-09-28 — 2026-10-10" in page
        # an end inside the holidays is too short, and the PDF is not printed
        short = center.get(_url("", start="2026-09-28", end="2026-10-08"))
        assert "公示期不少于 5 个工作日" in visible_text(short) and "最早于 2026-10-10 结束" in visible_text(short)
        assert center.get(_url(start="2026-09-28", end="2026-10-08")).status_code == 302
        assert_cjk_pdf(center.get(_url(start="2026-09-28")), "公示期自2026年9月28日起至2026年10月10日止")
    finally:
        _clear_calendar(app)


def test_the_calendar_refuses_what_cannot_be(app, center, officer_a):
    try:
        bad = [
            dict(NATIONAL_DAY_2026[1], starts_on="2026-09-21", ends_on="2026-09-21"),  # a Monday is no 调休 day
            dict(NATIONAL_DAY_2026[0], ends_on="2026-09-30"),                          # ends before it starts
            dict(NATIONAL_DAY_2026[0], year="2031"),                                   # another year's notice
        ]
        for data in bad:
            r = center.post("/workcalendarview/add", data=data)
            assert r.status_code == 200, data
        assert _entries(app) == []
        assert center.post("/workcalendarview/add", data=NATIONAL_DAY_2026[0]).status_code == 302
        clash = center.post("/workcalendarview/add", data=dict(NATIONAL_DAY_2026[1], starts_on="2026-10-03",
                                                                ends_on="2026-10-03"))
        assert "一天不能既是节假日又是工作日" in visible_text(clash)
        # the schools read the calendar; only the centre keeps it
        assert "国庆节" in visible_text(officer_a.get("/workcalendarview/list/"))
        assert officer_a.post("/workcalendarview/add", data=NATIONAL_DAY_2026[2]).status_code in (302, 403)
        assert len(_entries(app)) == 1
    finally:
        _clear_calendar(app)


def test_the_notice_period_is_the_school_years_as_the_county_set_it(app, center, officer_a, notice_school):
    """The county may ask for longer than the 5 working days commonly applied (教财〔2018〕16号): the centre
    records it for a school year; the years before keep theirs."""
    from app.models import NoticeRule
    from app.rules.workdays import notice_days

    try:
        with app.app_context():
            assert notice_days("2026-2027") == (5, GUIDANCE)  # seeded from 2018-2019
        assert "教财〔2018〕16号" in visible_text(center.get("/noticeruleview/list/"))
        assert center.post("/noticeruleview/add", data={"since_year": "2026-2027", "working_days": "0",
                                                        "basis": "x"}).status_code == 200
        assert officer_a.post("/noticeruleview/add", data={"since_year": "2026-2027", "working_days": "7",
                                                           "basis": "县资助中心通知"}).status_code in (302, 403)
        r = center.post("/noticeruleview/add", data={"since_year": "2026-2027", "working_days": "7",
                                                     "basis": "县资助中心关于公示期的通知"})
        assert r.status_code == 302
        with app.app_context():
            assert notice_days("2026-2027") == (7, "县资助中心关于公示期的通知")
            assert notice_days("2027-2028")[0] == 7 and notice_days("2025-2026") == (5, GUIDANCE)
            assert db.session.query(NoticeRule).count() == 2
        # the semester's notice (2026-2027): from Monday 7 December, 7 working days end on Wednesday 16 December
        page = visible_text(center.get(_url("", start="2026-12-07")))
        assert "公示期： 2026-12-07 — 2026-12-16" in page and "公示期自张贴之日起不少于 7 个工作日" in page
        short = center.get(_url("", start="2026-12-07", end="2026-12-14"))
        assert "公示期不少于 7 个工作日" in visible_text(short)
    finally:
        _clear_calendar(app)
