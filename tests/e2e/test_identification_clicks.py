"""家庭经济困难学生认定 (the yearly procedure, app/rules/procedure.py) by clicks, in a real browser.

The high school's officer (officer, 全椒县中学) registers a pupil, then 基础数据 › 认定申请 › 新增:
the application with the pupil chosen in the picker, two family members and a photo of a
certificate; records the class panel's 评议 and the school's 审核 by the buttons of the record page
and prints the application form (the PDF names the pupil). From the reviewed application it
publishes the list (公示名单): an objection is recorded and answered, and 报送中心备案 is refused
while the notice is still posted (the period is the county's working days from today, so it always
ends in the future; a notice cannot start before today). The centre opens 基础数据 › 认定进度,
reads each school's state, opens the school that filed (the demo's 已报备案, 全椒县第二中学) and
accepts it: the pupil's identification of the school year is then dated today and in force on the
pupil's page, and the school's officer (officer3) reads its notice as 已备案. Another school's
officer typing the first application's address (page, PDF) or its notice's is refused. Last, the
officer files the demo's late (补充) notice of 全椒县中学, whose period is over, by 报送中心备案; the
centre returns it with a reason from 认定公示, and the officer reads the reason on the notice.
"""
from __future__ import annotations

import io
import os
import re
from datetime import date

from app.rules import idcard
from app.rules.identification import school_year_of
from tests.e2e.clicks import add, click, home, menu, needs, open_row, search
from tests.e2e.conftest import pick_pupil, shot, text
from tests.e2e.test_day import _download, _pdf_text, _submit
from tests.e2e.test_loans_and_status import _new_pupil

SEQ = int(os.environ.get("E2E_SEQ", "987"))
SUFFIX = "" if SEQ == 987 else "甲乙丙丁戊己庚辛壬癸"[SEQ % 10]
APPLICANT = "欧阳认定" + SUFFIX
APPLICANT_ID = idcard.make("341124", date(2010, 3, 14), (SEQ + 517) % 1000)
STATEMENT = "父亲务工受伤，家中仅靠母亲务农收入，特申请家庭经济困难认定。"
OBJECTION = "有家长反映该生家中开有小卖部"
ANSWER = "经班主任家访核实，小卖部为亲戚所开，已向反映人说明"
STATE = {}


def _png():
    """A small photo of a certificate, as a phone would take it."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 24), (240, 230, 200)).save(out, format="PNG")
    return out.getvalue()


def _flash(page):
    return " ".join(" ".join(t.split()) for t in page.locator(".alert").all_inner_texts())


def test_1_the_officer_enters_an_application_the_panel_assesses_the_school_reviews_and_prints(users):
    today = date.today()
    officer = users.page("officer")
    home(officer)
    _new_pupil(officer, APPLICANT, APPLICANT_ID, "高一")  # a pupil with no identification this school year

    menu(officer, "基础数据", "认定申请")
    add(officer)
    pick_pupil(officer, APPLICANT, idcard.mask(APPLICANT_ID))
    officer.fill("#factor_sudden", "父亲2026年务工受伤，长期休养")
    officer.select_option("#level_requested", "difficult")
    officer.fill("#statement", STATEMENT)
    shot(officer, "identification-application-add")
    _submit(officer)
    assert "/add" not in officer.url, text(officer)[:2000]
    if "/show/" not in officer.url:  # back on the list: the new application's record page
        open_row(officer, APPLICANT, "/identificationapplicationview/show/")
    application = int(re.search(r"/show/(\d+)", officer.url).group(1))
    shown = text(officer)
    assert APPLICANT in shown and STATEMENT in shown and "已申请" in shown, shown[:2000]

    # the family: two members, the year's income added up below
    form = officer.locator("form.aid-member-form")
    for relation, name, age, work, income in (("父亲", "欧阳大山", "45", "务工（受伤休养）", "6000"),
                                              ("母亲", "林秀英", "42", "务农", "8000")):
        form.locator("input[name=relation]").fill(relation)
        form.locator("input[name=name]").fill(name)
        form.locator("input[name=age]").fill(age)
        form.locator("input[name=occupation]").fill(work)
        form.locator("input[name=yearly_income]").fill(income)
        click(officer, form.locator("button[type=submit]"))
        assert "已添加家庭成员" in _flash(officer), _flash(officer)
    members = text(officer, "table.aid-members")
    assert "欧阳大山" in members and "林秀英" in members and "14,000.00" in members, members

    # the evidence: a photo of the certificate
    officer.set_input_files("#file", files=[{"name": "务工受伤证明.png", "mimeType": "image/png", "buffer": _png()}])
    officer.fill("input[name=description]", "医院诊断证明")
    click(officer, officer.locator("button", has_text="上传"))
    assert "证明材料已保存" in _flash(officer), _flash(officer)
    assert "务工受伤证明.png" in text(officer, "ul.aid-evidence")
    STATE["application"] = application
    shot(officer, "identification-application", full_page=True)

    # 记录班级评议
    click(officer, officer.locator("a.aid-step-assess"))
    officer.fill("#panel_members", "班主任王老师、学生代表2名、家长代表1名")
    officer.fill("#assessed_on", today.isoformat())
    officer.select_option("#proposed_level", "difficult")
    officer.fill("#assessment_notes", "经评议，情况属实")
    shot(officer, "identification-assess")
    _submit(officer)
    assert "已完成：记录班级评议" in _flash(officer), text(officer)[:2000]
    assert "已评议" in text(officer)

    # 记录学校审核: 同意评议小组意见
    click(officer, officer.locator("a.aid-step-review"))
    officer.select_option("#review_decision", "accept")
    _submit(officer)
    assert "已完成：记录学校审核" in _flash(officer), text(officer)[:2000]
    assert "已审核" in text(officer)
    STATE["reviewed"] = True

    # 打印认定申请表: the family's form, with the pupil's name and no full ID number
    printed = _pdf_text(_download(officer, officer.locator("a", has_text="打印认定申请表")))
    flat = re.sub(r"\s+", "", printed)
    assert APPLICANT in flat and "欧阳大山" in flat and "家庭经济困难学生认定申请表" in flat, printed[:1500]
    assert APPLICANT_ID not in flat


def test_2_the_officer_publishes_records_and_answers_an_objection_and_cannot_file_before_the_end(users):
    today = date.today()
    needs(STATE, "reviewed")
    officer = users.page("officer")
    menu(officer, "基础数据", "认定申请")
    search(officer, "student", APPLICANT)
    open_row(officer, APPLICANT, f"/identificationapplicationview/show/{STATE['application']}")

    # 公示名单: the school's reviewed applications, ours ticked
    click(officer, officer.locator("a", has_text="公示名单"))
    row = officer.locator("table tr", has_text=APPLICANT).first
    assert row.locator("input[type=checkbox]").is_checked()
    # a notice cannot start before today
    officer.fill("#starts_on", "2020-09-01")
    click(officer, officer.locator("button", has_text="发布公示"))
    assert "公示开始日期不能早于今天" in text(officer), text(officer)[:2000]
    officer.locator("table tr", has_text=APPLICANT).first.locator("input[type=checkbox]").check()
    officer.fill("#starts_on", today.isoformat())
    shot(officer, "identification-publish")
    click(officer, officer.locator("button", has_text="发布公示"))
    assert "名单已公示" in _flash(officer), text(officer)[:2000]
    assert "/identificationnoticeview/show/" in officer.url
    notice = int(re.search(r"/show/(\d+)", officer.url).group(1))
    listed = text(officer, "table.aid-notice-rows")
    assert APPLICANT in listed and "困难" in listed, listed
    assert idcard.mask(APPLICANT_ID) not in text(officer) and "欧阳大山" not in text(officer)  # name, class, level only
    STATE["notice"] = notice

    # an objection received today, about our pupil, then answered
    objection = officer.locator("form.aid-objection-form")
    objection.locator("select[name=application_id]").select_option(label=f"{APPLICANT} 2班")
    objection.locator("textarea[name=content]").fill(OBJECTION)
    click(officer, objection.locator("button", has_text="登记异议"))
    assert "异议已登记" in _flash(officer), _flash(officer)
    row = officer.locator("table.aid-objections tr", has_text=OBJECTION).first
    row.locator("input[name=answer]").fill(ANSWER)
    click(officer, row.locator("button", has_text="答复"))
    assert "答复已登记" in _flash(officer), _flash(officer)
    assert ANSWER in text(officer, "table.aid-objections")
    shot(officer, "identification-notice", full_page=True)

    # 报送中心备案 before the period ends: refused, the notice stays 公示中
    click(officer, officer.locator("button.aid-submit-filing"))
    assert "公示期满后方可报送备案" in _flash(officer), text(officer)[:2000]
    assert "公示中" in text(officer)

    # the application now shows its notice and the state 公示中
    menu(officer, "基础数据", "认定申请")
    search(officer, "student", APPLICANT)
    row = " ".join(officer.locator("table tr", has_text=APPLICANT).first.inner_text().split())
    assert "公示中" in row, row


def test_3_the_centre_reads_each_schools_state_and_accepts_a_filing(users):
    today = date.today()
    this_year = school_year_of(today)
    centre = users.page("center")
    home(centre)
    menu(centre, "基础数据", "认定进度")
    shown = text(centre)
    for label in ("未开始", "认定中", "公示中", "已报备案", "中心退回", "已备案"):
        assert label in shown, (label, shown[:2000])
    rows = centre.locator("table.aid-progress tbody tr")
    assert rows.count() >= 6
    if "reviewed" in STATE:
        mine = " ".join(rows.filter(has_text="全椒县中学").first.inner_text().split())
        assert "公示中" in mine, mine
    shot(centre, "identification-progress", full_page=True)

    # the school that filed and waits: its latest notice, 已报备案
    waiting = rows.filter(has=centre.locator("span.label", has_text="已报备案")).first
    school = waiting.locator("td").first.inner_text().strip()
    click(centre, waiting.locator("a[href*='/identificationnoticeview/show/']"))
    pupils = [t.strip() for t in centre.locator("table.aid-notice-rows tbody tr td:first-child").all_inner_texts()]
    assert pupils and school in text(centre), text(centre)[:2000]
    shot(centre, "identification-filing")
    click(centre, centre.locator("button.aid-accept-filing"))
    assert "备案通过" in _flash(centre), text(centre)[:2000]
    assert "已备案" in text(centre, "table.aid-notice-rows")

    # the pupil's page: this school year's identification, dated today and in force
    menu(centre, "基础数据", "学生")
    search(centre, "name", pupils[0])
    open_row(centre, pupils[0], "/studentview/show/")
    centre.click("a[data-toggle=tab]:has-text('困难认定'), .nav-tabs a:has-text('困难认定')")
    ident = centre.locator(".tab-pane.active table tr", has_text=this_year).first
    row = " ".join(" ".join(ident.locator("td:not(.aid-row-actions)").all_inner_texts()).split())  # 操作 last
    assert school in row and today.isoformat() in row and row.endswith("是"), row  # 认定日期 today, 已生效 是
    click(centre, ident.locator("a[href*='/identificationview/show/']").first)
    shown = text(centre)
    assert "已生效 是" in shown and f"认定申请 {pupils[0]} {this_year}" in shown, shown[:2000]
    shot(centre, "identification-in-force", full_page=True)

    # back on 认定进度 the school reads 已备案
    menu(centre, "基础数据", "认定进度")
    row = " ".join(centre.locator("table.aid-progress tbody tr", has_text=school).first.inner_text().split())
    assert "已备案" in row, row

    # the school's officer reads its notice as 已备案 (the demo's 已报备案 school is officer3's)
    if school == "全椒县第二中学":
        officer3 = users.page("officer3")
        menu(officer3, "基础数据", "认定公示")
        listed = " ".join(officer3.locator("table tr", has_text=this_year).first.inner_text().split())
        assert "已备案" in listed, listed


def test_4_another_schools_officer_typing_the_application_is_refused(users):
    needs(STATE, "application")
    for other in ("officer2", "officer3"):
        page = users.page(other)
        home(page)
        for url in (f"/identificationapplicationview/show/{STATE['application']}",
                    f"/identificationapplicationview/pdf/{STATE['application']}"):
            response = page.goto(url)
            assert response.status == 404, (other, url, response.status)
            assert APPLICANT not in page.content()
        if "notice" in STATE:
            response = page.goto(f"/identificationnoticeview/show/{STATE['notice']}")
            assert response.status == 404, (other, response.status)
        home(page)


RETURN_REASON = "补充公示名单缺少评议小组家长代表签字，请补齐后重新报送"


def test_5_the_school_files_a_notice_whose_period_is_over_and_reads_the_centres_return(users):
    """The demo's late (补充) notice of 全椒县中学 has served its period: the officer files it by its button,
    the centre finds it under 认定公示 and returns it with a reason, and the officer reads the reason."""
    officer = users.page("officer")
    home(officer)
    menu(officer, "基础数据", "认定公示")
    row = officer.locator("table tr", has_text="（补充）").first
    assert "公示中" in " ".join(row.inner_text().split())
    click(officer, row.locator("a[href*='/identificationnoticeview/show/']").first)
    notice = int(re.search(r"/show/(\d+)", officer.url).group(1))
    click(officer, officer.locator("button.aid-submit-filing"))
    assert "已报送县资助中心备案" in _flash(officer), text(officer)[:2000]
    assert "已报备案" in text(officer), text(officer)[:2000]

    centre = users.page("center")
    home(centre)
    menu(centre, "基础数据", "认定公示")
    row = centre.locator("table tr", has_text="（补充）").first
    click(centre, row.locator(f"a[href*='/identificationnoticeview/show/{notice}']").first)
    returning = centre.locator("form.aid-return-filing")
    returning.locator("input[name=reason]").fill(RETURN_REASON)
    click(centre, returning.locator("button", has_text="退回"))
    assert "已退回学校" in _flash(centre), text(centre)[:2000]

    home(officer)
    menu(officer, "基础数据", "认定公示")
    row = officer.locator("table tr", has_text="（补充）").first
    assert "中心退回" in " ".join(row.inner_text().split())
    click(officer, row.locator("a[href*='/identificationnoticeview/show/']").first)
    assert RETURN_REASON in text(officer), text(officer)[:2000]
    shot(officer, "identification-returned")
