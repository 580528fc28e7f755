"""Four jobs of issue 19 by clicks (headless Chromium, tests/e2e/conftest.py), each from the navigation bar
to its result: the supervisor's 电话回访 (the sample drawn, a call recorded, a differing amount marked for
investigation); the centre's settings (a programme, a semester and the wording of the 致家长信, the letter
printed with the new wording); the administrator's 解除登录锁定 of an account locked by failed logins;
a school officer's 更正卡号 of a failed payment, the new card stored and shown masked.

What is stored is read back on the records' pages; a setting changed for the test is changed back by
clicks, so that the other files find the demo county as seeded. Login pages are typed (they are where a
person starts); nothing else is.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

from app.rules import cards
from tests.e2e.clicks import add, click, home, menu, needs, open_row, record_action, search
from tests.e2e.conftest import DEMO_PASSWORD, DESKTOP, shot, text
from tests.e2e.test_day import _download, _pdf_text, _submit, _type_date

STATE: dict = {}
RUN = datetime.now().strftime("%H%M%S")
SCHOOL = "全椒县中学"  # the demo officer's school (普通高中)
NEW_CARD = cards.make("6217", 19, 626262)


# --- 督查人员: 电话回访 ----------------------------------------------------------------------------

def test_1_the_supervisor_draws_the_phone_sample_and_records_a_call(users):
    today = date.today().isoformat()
    sup = users.page("supervisor")
    home(sup)
    menu(sup, "监督检查", "检查记录")
    add(sup)
    sup.select_option("#school", label=SCHOOL)
    sup.select_option("#kind", label="电话回访")
    sup.select_option("#status", label="计划中")  # no overall result yet: "—" stays empty
    _type_date(sup, "#inspected_on", today)
    sup.fill("#findings", f"电话回访{RUN}：抽查本学期已发放资助")
    _submit(sup)
    assert "/inspectionview/show/" in sup.url, text(sup)[:1500]
    # the sample: each semester says how many paid awards the school has; the newest with some is chosen
    chosen = sup.locator("select[name=semester] option:checked").inner_text()
    assert re.search(r"（已发放 [1-9]\d* 笔）", chosen), sup.locator("select[name=semester]").inner_text()
    sup.fill("input[name=size]", "3")
    click(sup, sup.locator("button", has_text="抽取回访家庭"))
    assert "已抽取 3 户回访家庭" in text(sup), text(sup)[:1500]
    STATE["inspection"] = sup.url
    sup.locator(".nav-tabs a", has_text="电话回访记录").click()
    rows = sup.locator("#PhoneCallView table.aid-list tbody tr")
    assert rows.count() == 3, sup.locator("#PhoneCallView").inner_text()[:1500]
    # the call's form says whom to call and what was paid; a family with a phone on record is called
    for n in range(3):
        row = sup.locator("#PhoneCallView table.aid-list tbody tr").nth(n)
        family = row.locator("td.aid-col-award").inner_text().strip()
        click(sup, row.locator("a[href*='/phonecallview/edit/']"))
        phone = sup.inner_text(".aid-call-phone").strip()
        if re.fullmatch(r"1\d{10}", phone):
            break
        click(sup, sup.locator("a", has_text="返回").last)
        sup.locator(".nav-tabs a", has_text="电话回访记录").click()
    else:
        raise AssertionError("none of the families drawn has a phone on record")
    pupil = family.split(" · ")[0]
    shown = text(sup)
    assert pupil in shown and SCHOOL in shown and "回访电话" in shown, shown[:1500]
    recorded = Decimal(re.search(r"([\d,]+\.\d{2}) 元", sup.inner_text(".aid-call-award")).group(1).replace(",", ""))
    shot(sup, "phone-call-form")
    _type_date(sup, "#called_on", today)
    sup.check("#reached")
    sup.check("#confirms_receipt")
    sup.fill("#stated_amount", str(recorded - 100))
    sup.fill("#note", f"家长称只收到部分款项{RUN}")
    _submit(sup)
    # the inspection's calls: this one reached, the amount stated, marked 需核查
    if "/inspectionview/show/" not in sup.url:
        menu(sup, "监督检查", "电话回访记录")
    else:
        sup.locator(".nav-tabs a", has_text="电话回访记录").click()
    row = sup.locator("table.aid-list tbody tr", has_text=pupil).filter(has_text=today).first
    cells = " ".join(row.inner_text().split())
    assert "是" in cells and f"{recorded - 100:,.2f}" in cells and "需核查" in cells, cells
    click(sup, row.locator("a[href*='/phonecallview/show/']"))
    assert f"家长称只收到部分款项{RUN}" in text(sup)
    shot(sup, "phone-call-recorded")


# --- 资助中心: a programme, a semester, the letter's wording -------------------------------------

def _edit_row(page, row_text, edit_path):
    click(page, page.locator("table.aid-list tbody tr", has_text=row_text).first.locator(f"a[href*='{edit_path}']"))


def test_2_the_centre_edits_a_programme_and_a_school_officer_reads_it(users):
    centre = users.page("center")
    home(centre)
    menu(centre, "资助管理", "资助项目")
    _edit_row(centre, "大学新生入学资助", "/aidprogramview/edit/")
    source = f"中国教育发展基金会（新长城项目{RUN}）"
    centre.fill("#funding_source", source)
    _submit(centre)
    assert "/aidprogramview/edit/" not in centre.url, text(centre)[:1500]
    menu(centre, "资助管理", "资助项目")
    open_row(centre, "大学新生入学资助", "/aidprogramview/show/")
    assert source in text(centre), text(centre)[:1500]
    # the school's officer reads the programme as the centre now keeps it
    officer = users.page("officer")
    home(officer)
    menu(officer, "资助管理", "资助项目")
    assert officer.locator("a[href*='/aidprogramview/edit/']").count() == 0  # read only
    open_row(officer, "大学新生入学资助", "/aidprogramview/show/")
    assert source in text(officer)


def test_3_the_centre_moves_a_semesters_payment_deadline_and_back(users):
    centre = users.page("center")
    home(centre)
    menu(centre, "资助管理", "学年学期")
    current = centre.locator("table.aid-list tbody tr").filter(
        has=centre.locator("td.aid-col-is_current", has_text="是")).first
    click(centre, current.locator("a[href*='/semesterview/edit/']"))
    before = centre.input_value("#payment_deadline")
    moved = (date.fromisoformat(before) + timedelta(days=5)).isoformat()
    assert moved <= centre.input_value("#ends_on")
    _type_date(centre, "#payment_deadline", moved)
    _submit(centre)
    menu(centre, "资助管理", "学年学期")
    current = centre.locator("table.aid-list tbody tr").filter(
        has=centre.locator("td.aid-col-is_current", has_text="是")).first
    assert current.locator("td.aid-col-payment_deadline").inner_text().strip() == moved, current.inner_text()
    shot(centre, "semester-deadline-moved")
    # and back, as the county had it
    click(centre, current.locator("a[href*='/semesterview/edit/']"))
    _type_date(centre, "#payment_deadline", before)
    _submit(centre)
    menu(centre, "资助管理", "学年学期")
    current = centre.locator("table.aid-list tbody tr").filter(
        has=centre.locator("td.aid-col-is_current", has_text="是")).first
    assert current.locator("td.aid-col-payment_deadline").inner_text().strip() == before


def _pupils_letter(page):
    """基础数据 › 学生 › the first pupil of the list › 打印致家长一封信: the PDF's text, without blanks."""
    menu(page, "基础数据", "学生")
    click(page, page.locator("table.aid-list tbody tr").first.locator("a[href*='/studentview/show/']"))
    return "".join(_pdf_text(_download(page, page.locator("a", has_text="打印致家长一封信"))).split())


def test_4_the_centre_rewords_the_letter_and_the_printed_letter_says_it(users):
    centre = users.page("center")
    home(centre)
    sentence = f"本学期起，每周六上午也可来电咨询{RUN}。"
    assert sentence not in _pupils_letter(centre)
    menu(centre, "打印文书", "致家长信：文字")
    _edit_row(centre, "结尾段落", "/letterpartview/edit/")
    original = centre.input_value("#body")
    centre.fill("#body", sentence + original)
    _submit(centre)
    assert "/letterpartview/edit/" not in centre.url, text(centre)[:1500]
    menu(centre, "打印文书", "致家长信：文字")
    assert sentence in text(centre)
    STATE["letter"] = original
    letter = _pupils_letter(centre)
    assert sentence in letter, letter[-1500:]
    # the wording as it was, for the other files' letters
    menu(centre, "打印文书", "致家长信：文字")
    _edit_row(centre, "结尾段落", "/letterpartview/edit/")
    centre.fill("#body", original)
    _submit(centre)
    assert sentence not in _pupils_letter(centre)


# --- 系统管理员: 解除登录锁定 ---------------------------------------------------------------------------

def _try_login(browser, base, username, password):
    context = browser.new_context(viewport=DESKTOP, base_url=base, locale="zh-CN")
    page = context.new_page()
    page.goto("/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    click(page, page.locator("input[type=submit], button[type=submit]").first)
    return context, page


def test_5_the_admin_unlocks_a_login_locked_by_failed_logins(users, browser, server):
    who = "leader"
    for n in range(5):  # LOGIN_MAX_FAILURES (config.py): the fifth failure locks the name at this computer
        context, page = _try_login(browser, server, who, f"Wrong{n}@2021")
        shown = text(page)
        context.close()
    # the lock ended the leader's other logins (app/security/manager.py): a later test's leader logs in afresh,
    # whatever happens below
    for key in [k for k in users.contexts if k[0] == who]:
        users.contexts.pop(key)[0].close()
    assert "登录失败次数过多" in shown and "请系统管理员解除锁定" in shown, shown[:800]
    context, page = _try_login(browser, server, who, DEMO_PASSWORD)
    assert "/login" in page.url and "登录失败次数过多" in text(page)  # the right password too, while locked
    context.close()

    admin = users.page("admin")
    home(admin)
    menu(admin, "系统管理", "用户")
    open_row(admin, "赵建国", "/users/show/")
    lock = text(admin, ".aid-login-lock")
    assert re.search(r"登录已锁定至 \d{4}-\d{2}-\d{2} \d{2}:\d{2}", lock), lock
    shot(admin, "user-login-locked")
    record_action(admin, "解除登录锁定")
    shown = text(admin)
    assert f"已解除锁定：{who}" in shown, shown[:1500]
    if "/users/show/" not in admin.url:
        open_row(admin, "赵建国", "/users/show/")
    assert text(admin, ".aid-login-lock") == "登录未锁定。"
    # the leader logs in again
    context, page = _try_login(browser, server, who, DEMO_PASSWORD)
    assert "/login" not in page.url, text(page)[:800]
    context.close()


# --- 学校信息员: 更正卡号 ----------------------------------------------------------------------------

def _pending_lines_of(page, school):
    return page.locator("table tbody tr").filter(has=page.locator("input[type=radio][value=failed]")).filter(
        has_text=school)


def _open_batch_paying(centre, school):
    """发放批次 › the first batch not yet reconciled with a line of ``school`` still waiting; True if found."""
    menu(centre, "资助管理", "发放批次")
    for n in range(centre.locator("table.aid-list tbody tr a[href*='/paymentbatchview/show/']").count()):
        click(centre, centre.locator("table.aid-list tbody tr a[href*='/paymentbatchview/show/']").nth(n))
        centre.locator(".aid-record-fields").first.wait_for()  # the batch\'s fields, above its tabs
        if _pending_lines_of(centre, school).count():
            return True
        menu(centre, "资助管理", "发放批次")
    return False


def test_6_a_failed_payment_of_the_officers_school_is_recorded_by_the_centre(users):
    centre = users.page("center")
    home(centre)
    menu(centre, "资助管理", "发放批次")
    click(centre, centre.locator("a", has_text="新建发放批次"))
    # a programme with an award of the officer's school waiting to be paid
    options = [o for o in centre.locator("select[name=program] option").all_inner_texts() if "待发放" in o]
    for option in options:
        centre.select_option("select[name=program]", label=option)
        click(centre, centre.locator("button", has_text="查看待发放名单"))
        if centre.locator("table tbody tr", has_text=SCHOOL).count():
            click(centre, centre.locator("button", has_text="生成发放批次"))
            assert re.search(r"已生成批次FF[\d-]+", text(centre)), text(centre)[:1500]
            centre.locator(".aid-record-fields").first.wait_for()  # the batch\'s fields, above its tabs
            break
    else:
        # every approved award of the school is already in one of the demo's open batches: that one is answered
        assert _open_batch_paying(centre, SCHOOL), f"no award of {SCHOOL} waits to be paid: {options}"
    with centre.expect_download():
        centre.locator("button", has_text="下载银行代发清单").click()
    centre.reload()
    centre.locator(".aid-record-fields").first.wait_for()  # the batch\'s fields, above its tabs
    # the bank's answer by hand: the officer's school's payment failed, a wrong card number
    line = _pending_lines_of(centre, SCHOOL).first
    STATE["pupil"] = line.locator("td").nth(2).inner_text().strip()
    line.locator("input[type=radio][value=failed]").check()
    line.locator("select").select_option(label="卡号错误")
    click(centre, centre.locator("button", has_text="登记回盘结果"))
    assert "失败 1 笔" in text(centre), text(centre)[:1500]


def test_7_the_officer_corrects_the_card_and_sees_it_stored_masked(users):
    needs(STATE, "pupil")
    pupil = STATE["pupil"]
    officer = users.page("officer")
    home(officer)
    menu(officer, "资助管理", "银行代发明细")
    row = officer.locator("table.aid-list tbody tr", has_text=pupil).filter(has_text="失败").first
    click(officer, row.locator("a[href*='/batchlineview/show/']"))
    assert "卡号错误" in text(officer)
    click(officer, officer.locator("a", has_text="更正卡号"))
    # a number that fails its check digit is refused, in Chinese
    officer.fill("#card_number", NEW_CARD[:-1] + str((int(NEW_CARD[-1]) + 1) % 10))
    click(officer, officer.locator("button", has_text="保存卡号"))
    assert "校验" in text(officer), text(officer)[:1500]
    officer.fill("#card_number", NEW_CARD)
    click(officer, officer.locator("button", has_text="保存卡号"))
    assert "卡号已更正，该资助将进入下一个补发批次" in text(officer), text(officer)[:1500]
    shot(officer, "officer-card-corrected")
    # the award keeps the new card, shown masked (first 4 and last 4 digits) and never in full
    menu(officer, "资助管理", "资助名单")
    search(officer, "student", pupil)
    award = officer.locator("table.aid-list tbody tr", has_text=pupil).first
    click(officer, award.locator("a[href*='/awardview/show/']"))
    shown = text(officer)
    assert cards.mask(NEW_CARD) in shown, shown[:2000]
    assert NEW_CARD not in officer.content()
