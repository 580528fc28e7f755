"""A day of the county's aid work in a real browser (headless Chromium driven by Playwright):
the officer's, the centre's, the leader's and the supervisor's, the school isolation seen from
the address bar, and a class's letters printed in the background.

The flows run in order on one demo county (tests/e2e/conftest.py); a later flow skips, saying
why, when the earlier one it builds on failed. What the user sees is asserted in Chinese; what
is stored is checked on the record's own page, by the role allowed to see it.
"""
from __future__ import annotations

import os
import re
import subprocess
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path


from app.rules import idcard
from app.rules import cards
from tests.e2e.clicks import add, advanced_search, batch_action, home, menu, needs, open_row, search, user_menu
from tests.e2e.conftest import PHONE, pick_pupil, shot, text


STATE: dict = {}
# A pupil of 全椒县中学 (the demo officer's school, 普通高中) who is not in the demo county.
BORN = date(2010, 5, 6)
# (E2E_SEQ=n gives another pupil, to run the flows again against a server kept running with E2E_BASE_URL)
SEQ = int(os.environ.get("E2E_SEQ", "987"))
ID_NUMBER = idcard.make("341124", BORN, SEQ)
WRONG_ID = ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")  # a wrong check character
CARD = cards.make("6217", 19, 424242)
NAME = "端木测试" + ("" if SEQ == 987 else "甲乙丙丁戊己庚辛壬癸"[SEQ % 10])


def _pdf_text(data: bytes) -> str:
    assert data[:5] == b"%PDF-", "not a PDF"
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        try:
            return subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True, text=True, check=True).stdout
        except FileNotFoundError:
            return ""  # no poppler-utils: the PDF header is all we check


def _type_date(page, selector, value):
    """Type a date (2021-09-01, with the calendar open) or a date and time (2021-09-01 08:30, a
    plain field) key by key, as a user does; what was typed must stay as typed. A date gets a
    calendar in Chinese; a date and time gets none (it would cut off the time)."""
    page.locator("body[data-dates-ready]").wait_for(state="attached")  # app/static/js/behaviours.js
    page.fill(selector, "")
    page.locator(selector).press_sequentially(value)
    calendar = page.locator(".datepicker:visible")
    if len(value) <= 10:
        shown = " ".join(calendar.all_inner_texts())
        assert calendar.count() == 1 and "六" in shown and "Sa" not in shown, shown
    else:
        assert calendar.count() == 0, "a calendar on a date-and-time field"
    page.keyboard.press("Escape")
    assert page.input_value(selector) == value, (selector, page.input_value(selector))


def _submit(page):
    with page.expect_navigation():
        page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_load_state()


def _download(page, link):
    """Click a print button that opens the PDF in a new tab; return the file the browser got."""
    href = link.get_attribute("href")
    with page.context.expect_page() as opened:
        link.click()
    tab = opened.value
    tab.close()
    response = page.request.get(href)  # the same request, with the same session, for the bytes
    assert response.ok and response.headers["content-type"] == "application/pdf", response.status
    return response.body()


def _action(page, row_text, action_label):
    """Tick a row of a list and run a batch action from the toolbar, confirming the dialog."""
    batch_action(page, row_text, action_label)


def _open_pupil(page):
    """The pupil's page, from 基础数据 › 学生 and a search by name."""
    menu(page, "基础数据", "学生")
    search(page, "name", NAME)
    open_row(page, NAME, f"/studentview/show/{STATE['student']}")


def _open_inspection(page, inspection):
    """An inspection's page, from 监督检查 › 检查记录."""
    menu(page, "监督检查", "检查记录")
    with page.expect_navigation():
        page.locator(f"a[href$='/inspectionview/show/{inspection}']").first.click()
    page.wait_for_load_state()
    details = page.locator(".nav-tabs a:has-text('详情')")
    if details.count():  # the page reopens on the tab used last (评分): back to its details
        details.first.click()


def test_1_officer_adds_a_pupil_identifies_the_family_proposes_aid_reports_and_prints(users):
    page = users.page("officer")
    home(page)
    assert "我的待办" in text(page)
    shot(page, "officer-home")

    # a new pupil with a wrong ID number: refused with the Chinese reason, the input kept
    menu(page, "基础数据", "学生")
    add(page)
    page.fill("#name", NAME)
    page.fill("#id_number", WRONG_ID)
    page.select_option("#grade", "高一")  # the grades of the school's stage, not free text
    page.fill("#class_name", "3班")
    page.fill("#enrolment_year", "2026")
    page.fill("#guardian", "端木家长")
    page.fill("#guardian_phone", "13900001234")
    _submit(page)
    body = text(page)
    assert "身份证号校验位不正确，请逐位核对。" in body, body[:1500]
    shot(page, "student-add-wrong-id")
    assert page.input_value("#name") == NAME
    page.fill("#id_number", ID_NUMBER)
    _submit(page)
    assert "/add" not in page.url, text(page)[:1500]
    # the list shows the pupil with the ID number masked
    menu(page, "基础数据", "学生")
    shot(page, "student-list")
    search(page, "name", NAME)
    listed = text(page)
    assert NAME in listed and idcard.mask(ID_NUMBER) in listed and ID_NUMBER not in listed, listed[:2000]
    page.locator("a[href*='/studentview/show/']").first.click()
    page.wait_for_load_state()
    STATE["student"] = int(re.search(r"/show/(\d+)", page.url).group(1))
    shown = text(page)
    # birth date and gender were read from the ID number; beside the masked number, the birth date shows its year only
    assert "2010-**-**" in shown and "2010-05-06" not in shown and ("男" in shown or "女" in shown), shown[:2000]
    # the number masked on the page too, until 显示完整号码 (recorded in the trail with the officer's name)
    assert ID_NUMBER not in shown and idcard.mask(ID_NUMBER) in shown, shown[:2000]
    with page.expect_navigation():
        page.locator("a", has_text="显示完整号码").click()
    assert ID_NUMBER in text(page) and "2010-05-06" in text(page)

    # the family's identification: the pupil found by the ID number typed into the picker
    menu(page, "基础数据", "困难认定")
    add(page)
    pick_pupil(page, ID_NUMBER, idcard.mask(ID_NUMBER))
    page.fill("#school_year", "2026-2027")
    page.select_option("#level", label="特别困难")
    page.check("#cat_subsistence")
    page.select_option("#evidence_source", label="民政部门")
    _type_date(page, "#identified_on", "2026-09-10")
    page.fill("#notes", "端木家低保户")
    _submit(page)
    assert "/add" not in page.url, text(page)[:2000]
    _open_pupil(page)
    page.click("a[data-toggle=tab]:has-text('困难认定'), .nav-tabs a:has-text('困难认定')")
    shown = text(page)
    assert "特别困难" in shown and "低保" in shown and "2026-2027" in shown, shown[:3000]
    assert "2026-09-10" in shown, "the date typed into the date picker was not kept: " + shown[:3000]
    shot(page, "student-identification")

    # an award proposal: 普通高中国家助学金 for the semester at the standard of the family's level (特别困难:
    # since spring 2025 the 3,100-a-year tier, 1,550 a semester), to the school's student aid card
    menu(page, "资助管理", "资助名单")
    add(page)
    pick_pupil(page, NAME, idcard.mask(ID_NUMBER))
    page.select_option("#program", label="普通高中国家助学金")
    page.select_option("#semester", label="2026-2027学年第一学期")
    page.fill("#amount", "1550")
    page.select_option("#card_kind", label="学校办理的学生资助卡")
    page.fill("#card_number", CARD)
    shot(page, "award-propose")
    _submit(page)
    assert "/add" not in page.url, text(page)[:2000]
    menu(page, "资助管理", "资助名单")
    row = page.locator("table tr", has_text=NAME).first
    listed = " ".join(row.inner_text().split())
    assert "普通高中国家助学金" in listed and ("1,550.00" in listed or "1550.00" in listed), listed
    assert "拟资助" in listed and CARD not in listed and CARD[-4:] in listed, listed  # card masked for the school
    STATE["award"] = int(re.search(r"/show/(\d+)", row.locator("a[href*='/awardview/show/']").first.get_attribute("href")).group(1))

    # a report with an attachment, from the to-do list
    menu(page, "信息报送", "我的报送任务")
    assert "校内资助资金提取与使用情况" in text(page)
    shot(page, "officer-report-todo")
    task_row = page.locator("tr", has_text="校内资助资金提取与使用情况")
    task_row.locator("a[href*='/reporting/submit/']").first.click()
    page.wait_for_load_state()
    STATE["task"] = int(re.search(r"/submit/(\d+)", page.url).group(1))
    page.fill("#content", "本年度事业收入及校内资助提取情况见附件。")
    page.set_input_files("#file", files=[{"name": "校内资助资金.csv", "mimeType": "text/csv",
                                           "buffer": "学校,事业收入,提取金额\n全椒县中学,1000000,40000\n".encode()}])
    _submit(page)
    menu(page, "信息报送", "我的报送任务")
    task_row = " ".join(page.locator("tr", has_text="校内资助资金提取与使用情况").inner_text().split())
    assert "待审核" in task_row or "已报送" in task_row, task_row
    STATE["report"] = True

    # the letter to parents from the pupil's page: a PDF with the pupil's name in a real typeface
    _open_pupil(page)
    link = page.locator("a:has-text('打印致家长一封信')")
    data = _download(page, link)
    letter = _pdf_text(data)
    assert not letter or (NAME in letter and "致学生家长的一封信" in letter.replace(" ", "")), letter[:500]


def test_2_centre_approves_and_pays_reviews_the_report_issues_a_task_registers_a_complaint(users):
    needs(STATE, "award", "report")
    page = users.page("center")
    home(page)
    shot(page, "centre-home")

    # approve, then mark paid, from the list's 操作 menu
    menu(page, "资助管理", "资助名单")
    _action(page, NAME, "审核通过")
    assert "已审核" in " ".join(page.locator("table tr", has_text=NAME).first.inner_text().split()), text(page)[:1500]
    menu(page, "资助管理", "资助名单")
    _action(page, NAME, "标记已发放")
    assert "已发放" in " ".join(page.locator("table tr", has_text=NAME).first.inner_text().split()), text(page)[:1500]
    open_row(page, NAME, f"/awardview/show/{STATE['award']}")
    shown = text(page)
    assert "已发放" in shown and date.today().isoformat() in shown, shown[:2000]
    shot(page, "award-paid")
    # its history, from the award's page: proposed by the officer, approved and paid by the centre
    with page.expect_navigation():
        page.locator("a", has_text="变更记录").click()
    history = text(page)
    assert "刘洋" in history and "陈静" in history and "已发放" in history and "status" not in history, history[:2000]

    # the officer's report: returned once with what to correct, resubmitted, then accurate
    menu(page, "信息报送", "报送记录")
    row = page.locator("table tr", has_text="全椒县中学").filter(has_text="校内资助资金提取与使用情况").first
    assert "校内资助资金.csv" in row.inner_text()
    with page.expect_navigation():
        row.locator("a[href*='/submissionview/show/']").first.click()
    submission = int(re.search(r"/show/(\d+)", page.url).group(1))
    with page.expect_navigation():
        page.locator("a", has_text="退回修改").click()
    assert f"/submissionview/return/{submission}" in page.url, page.url
    page.fill("#comment", "请补充提取比例")
    _submit(page)
    officer = users.page("officer")
    menu(officer, "信息报送", "我的报送任务")
    todo = " ".join(officer.locator("tr", has_text="校内资助资金提取与使用情况").inner_text().split())
    assert "退回修改" in todo, todo
    officer.locator("tr", has_text="校内资助资金提取与使用情况").locator("a[href*='/reporting/submit/']").first.click()
    officer.wait_for_load_state()
    assert "请补充提取比例" in text(officer)
    officer.fill("#content", "已补充：提取比例4%。")
    _submit(officer)
    menu(page, "信息报送", "报送记录")
    _action(page, "已补充" if page.locator("table tr", has_text="已补充").count() else "校内资助资金提取与使用情况", "准确")
    menu(officer, "信息报送", "我的报送任务")
    todo = " ".join(officer.locator("tr", has_text="校内资助资金提取与使用情况").inner_text().split())
    assert "准确" in todo, todo

    # a new report task for every 普通高中
    menu(page, "信息报送", "报送任务")
    add(page)
    page.fill("#title", "高中国家助学金发放情况（端木）")
    page.fill("#description", "请按模板报送本学期发放明细。")
    _type_date(page, "#deadline", "2026-12-20 17:00")
    page.select_option("#stages", label="普通高中")
    if not page.is_checked("#active"):
        page.check("#active")  # a new task is not 在用 unless ticked (see the report)
    shot(page, "report-task-add")
    _submit(page)
    assert "/add" not in page.url, text(page)[:2000]
    menu(officer, "信息报送", "我的报送任务")
    assert "高中国家助学金发放情况（端木）" in text(officer)
    assert "2026-12-20 17:00" in text(officer)

    # a complaint registered, then sent to the leader
    menu(page, "投诉举报", "投诉与咨询")
    add(page)
    page.select_option("#kind", label="投诉")
    page.select_option("#channel", label="来电")
    came_in = (datetime.now() - timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M")  # the county's clock (conftest)
    _type_date(page, "#received_at", came_in)
    page.select_option("#school", label="全椒县中学")
    page.fill("#complainant_name", "端木家长")
    page.fill("#complainant_contact", "13900004321")
    page.fill("#subject", "助学金未及时到账（端木）")
    page.fill("#content", "家长来电反映本学期助学金尚未到账。")
    _submit(page)
    assert "/add" not in page.url, text(page)[:2000]
    menu(page, "投诉举报", "投诉与咨询")
    row = page.locator("table tr", has_text="助学金未及时到账（端木）").first
    listed = row.inner_text()
    assert "端木家长" not in listed and "13900004321" not in listed  # never the complainant in a list
    row.locator("a[href*='/complaintview/show/']").first.click()
    page.wait_for_load_state()
    STATE["complaint"] = int(re.search(r"/show/(\d+)", page.url).group(1))
    page.locator(f"a[href*='/complaintview/step/{STATE['complaint']}/submit']").click()
    page.wait_for_load_state()
    page.fill("#comment", "请领导审批")
    _submit(page)
    shown = text(page)
    assert "报请领导" in shown and "请领导审批" in shown, shown[:2000]
    shot(page, "complaint-show")


def test_3_leader_approves_supervisor_inspects_officer_rectifies(users):
    needs(STATE, "complaint")
    leader = users.page("leader")
    home(leader)
    assert "助学金未及时到账（端木）" in text(leader)  # waiting for the leader's approval on its home page
    with leader.expect_navigation():
        leader.locator(f".aid-home a[href$='/complaintview/show/{STATE['complaint']}']").first.click()
    leader.locator(f"a[href*='/complaintview/step/{STATE['complaint']}/approve']").click()
    leader.wait_for_load_state()
    leader.fill("#comment", "同意，请移交调查")
    _submit(leader)
    shown = text(leader)
    assert "已完成：领导同意。" in shown and "同意，请移交调查" in shown, shown[:2000]

    # the supervisor: an inspection of 全椒县中学 with two scores and a rectification demand
    sup = users.page("supervisor")
    menu(sup, "监督检查", "检查记录")
    add(sup)
    sup.select_option("#school", label="全椒县中学")
    sup.select_option("#kind", label="巡查")
    sup.select_option("#status", label="已完成")
    _type_date(sup, "#inspected_on", date.today().isoformat())
    sup.fill("#findings", "资助档案缺少家长签字（端木）。")
    sup.select_option("#result", label="合格")
    sup.fill("#rectification_demand", "补齐资助档案的家长签字。")
    _type_date(sup, "#rectification_deadline", "2026-12-31")
    _submit(sup)
    assert "/add" not in sup.url, text(sup)[:2000]
    menu(sup, "监督检查", "检查记录")
    sup.locator("table tr", has_text="全椒县中学").first.locator("a[href*='/inspectionview/show/']").first.click()
    sup.wait_for_load_state()
    STATE["inspection"] = inspection = int(re.search(r"/show/(\d+)", sup.url).group(1))
    assert "资助档案缺少家长签字（端木）" in text(sup)
    for item, score in (("资金专款专用", "18"), ("资助档案完整", "12")):
        _open_inspection(sup, inspection)
        sup.click(".nav-tabs a:has-text('评分')")
        with sup.expect_navigation():
            sup.locator("a[href*='/inspectionscoreview/add']").first.click()
        if sup.locator("#inspection").count():  # opened from the 评分 tab, the inspection is already set
            sup.select_option("#inspection", value=str(inspection))
        sup.select_option("#item", label=item)
        sup.fill("#score", score)
        _submit(sup)
        assert "/add" not in sup.url, text(sup)[:2000]
    _open_inspection(sup, inspection)
    assert "30.0" in text(sup), text(sup)[:2000]
    shot(sup, "inspection-show")
    report = _pdf_text(_download(sup, sup.locator("a[href*='/print/inspection/']")))
    assert not report or ("全椒县中学" in report and "资金专款专用" in report), report[:800]

    # the officer records the rectification, with evidence
    officer = users.page("officer")
    _open_inspection(officer, inspection)
    assert "补齐资助档案的家长签字。" in text(officer)
    with officer.expect_navigation():
        officer.locator("a", has_text="填报整改情况").click()
    assert f"/inspectionview/rectify/{inspection}" in officer.url, officer.url
    officer.fill("#done", "已补齐全部家长签字。")
    officer.set_input_files("#evidence", files=[{"name": "签字页.png", "mimeType": "image/png",
                                                 "buffer": b"\x89PNG\r\n\x1a\n" + b"\0" * 64}])
    _submit(officer)
    _open_inspection(officer, inspection)
    shown = text(officer)
    assert "已补齐全部家长签字。" in shown and "签字页.png" in shown, shown[:2000]
    STATE["rectified"] = True


def test_4_officer_is_refused_another_schools_record_by_url(users):
    needs(STATE, "student")
    other = users.page("officer2")  # 全椒县机关幼儿园
    for url in (f"/studentview/show/{STATE['student']}", f"/studentview/edit/{STATE['student']}",
                f"/print/letter/{STATE['student']}"):
        response = other.goto(url)
        assert response.status in (403, 404), (url, response.status)
        seen = text(other)
        assert NAME not in seen and ID_NUMBER[-4:] not in seen, seen[:1000]
        assert "记录不存在，或不在您的查看范围内。" in seen or "没有权限" in seen, (url, seen[:500])
    other.goto(f"/studentview/show/{STATE['student']}")
    shot(other, "refused-other-school")
    if "award" in STATE:
        response = other.goto(f"/awardview/show/{STATE['award']}")
        assert response.status in (403, 404) and NAME not in text(other)


def test_5_a_class_of_letters_prints_with_a_moving_progress_bar_and_downloads(users):
    page = users.page("officer")
    menu(page, "打印文书", "致学生家长的一封信")
    assert "致学生家长的一封信" in text(page)
    shot(page, "letters-batch")
    row = page.locator("tr", has_text="高二").filter(has_text="2班").first
    pupils = int(re.search(r"(\d+)", row.locator("td").nth(2).inner_text()).group(1))
    # record every width the bar takes while the page polls the job
    page.add_init_script("""document.addEventListener('DOMContentLoaded', () => {
        const bar = document.getElementById('job-bar'); if (!bar) return;
        window.__widths = [bar.getAttribute('aria-valuenow')];
        new MutationObserver(() => window.__widths.push(bar.getAttribute('aria-valuenow')))
            .observe(bar, {attributes: true, attributeFilter: ['aria-valuenow']});
    });""")
    row.locator("button, input[type=submit]").first.click()
    page.wait_for_load_state()
    assert "/printjobs/" in page.url, page.url
    download = page.locator("#job-download")
    download.wait_for(state="visible", timeout=120_000)
    widths = [int(w) for w in page.evaluate("window.__widths || []")]
    assert widths and widths[-1] == 100 and len(set(widths)) >= 2, widths
    assert widths == sorted(widths), widths
    assert f"{pupils} / {pupils}" in text(page)
    assert "正在后台打印" not in text(page)  # the message of the start is gone once it is done
    shot(page, "print-job-done")
    with page.expect_download() as got:
        download.click()
    path = got.value.path()
    data = Path(path).read_bytes()
    letters = _pdf_text(data)
    if letters:
        assert letters.count("\f") >= pupils - 1, "one page per pupil"


def test_6_the_officers_main_screens_at_phone_width(users):
    phone = users.page("officer", PHONE)
    for where, name, needle in ((None, "phone-officer-home", "我的待办"),
                                (("基础数据", "学生"), "phone-student-list", "学生"),
                                (("信息报送", "我的报送任务"), "phone-report-todo", "我的报送任务")):
        if where is None:
            home(phone)
        else:
            menu(phone, *where)
        url = phone.url
        assert needle in text(phone)
        # nothing wider than the screen but the tables, which scroll inside their box
        width = phone.evaluate("document.documentElement.scrollWidth")
        shot(phone, name)
        assert width <= PHONE["width"] + 1, f"{url} is {width}px wide at a 390-px screen"
        if name == "phone-student-list":
            # the masked ID number is read whole, without scrolling the table sideways
            right = phone.evaluate("document.querySelector('td.aid-col-id_number').getBoundingClientRect().right")
            assert right <= PHONE["width"], f"the ID number column ends at {right}px"


# --- what is confidential stays confidential: by clicks from the menu ---------------------------------

MOVER_BORN = date(2011, 3, 9)  # 九年级 at a 完全中学, then 高一 at the high school: the age fits both
MOVER_ID = idcard.make("341124", MOVER_BORN, SEQ + 5)
MOVER = "转学测试" + ("" if SEQ == 987 else "甲乙丙丁戊己庚辛壬癸"[SEQ % 10])




def test_7_a_school_asks_for_a_pupil_registered_elsewhere_the_centre_moves_it_and_the_search_hides_the_number(users):
    # the centre registers a pupil at a 完全中学 (the demo's officers are a high school's and a kindergarten's)
    centre = users.page("center")
    home(centre)
    menu(centre, "基础数据", "学生")
    add(centre)
    centre.select_option("#school", label="全椒县第三中学")
    centre.fill("#name", MOVER)
    centre.fill("#id_number", MOVER_ID)
    centre.select_option("#grade", "九年级")
    centre.fill("#class_name", "1班")
    centre.fill("#enrolment_year", "2024")
    _submit(centre)
    assert "/add" not in centre.url, text(centre)[:1500]
    # the high school tries to register the same child: told only that the number is on the county's list
    officer = users.page("officer")
    home(officer)
    menu(officer, "基础数据", "学生")
    add(officer)
    officer.fill("#name", MOVER)
    officer.fill("#id_number", MOVER_ID)
    officer.select_option("#grade", "高一")
    officer.fill("#class_name", "9班")
    officer.fill("#enrolment_year", "2026")
    _submit(officer)
    body = text(officer)
    assert "已在本县学籍名单中" in body and "学生转入申请" in body, body[:1500]
    assert "九年级" not in body and "第三中学" not in body, body[:1500]
    # …and asks the centre for the pupil
    menu(officer, "基础数据", "学生转入申请")
    add(officer)
    officer.fill("#id_number", MOVER_ID)
    officer.fill("#name", MOVER)
    officer.select_option("#grade", "高一")
    officer.fill("#class_name", "9班")
    officer.fill("#reason", "家庭迁入县城，9月起在本校就读")
    _submit(officer)
    row = officer.locator("table tr", has_text=MOVER).first
    assert "待资助中心办理" in row.inner_text() and MOVER_ID not in text(officer), text(officer)[:1500]
    shot(officer, "transfer-request-list")
    # the centre sees the pupil as registered now and moves it
    home(centre)
    menu(centre, "基础数据", "学生转入申请")
    with centre.expect_navigation():
        centre.locator("table tr", has_text=MOVER).first.locator("a[href*='/transferrequestview/show/']").first.click()
    shown = text(centre)
    assert "该学生当前学籍" in shown and "九年级" in shown, shown[:2000]
    shot(centre, "transfer-request-decide")
    with centre.expect_navigation():
        centre.locator("button", has_text="转入全椒县中学").click()
    assert "学籍及其资助记录已转入申请学校" in text(centre) and "已转入" in text(centre), text(centre)[:1500]
    # the high school finds its new pupil by ID number: the number never enters the address
    menu(officer, "基础数据", "学生")
    advanced_search(officer)  # the search panel opens
    officer.locator("#filter_form .dropdown-toggle").first.click()
    officer.locator("#filter_form a.filter[name='id_number']").click()
    officer.locator("#filter_form input[name$='_id_number']").first.fill(MOVER_ID)
    with officer.expect_navigation():
        officer.locator("#filter_form button[type=submit], #filter_form input[type=submit]").first.click()
    officer.wait_for_load_state()
    assert MOVER_ID not in officer.url and MOVER_ID.lower() not in officer.url and "h%3A" in officer.url, officer.url
    listed = text(officer)
    assert MOVER in listed and "高一" in listed and MOVER_ID not in listed, listed[:1500]
    # the 完全中学 no longer lists the pupil
    menu(centre, "基础数据", "学生")
    assert MOVER in text(centre) and "全椒县第三中学" not in centre.locator("table tr", has_text=MOVER).first.inner_text()


def test_8_the_auditor_verifies_the_trail_and_a_logout_ends_the_login(users):
    auditor = users.page("auditor")
    home(auditor)
    menu(auditor, "系统管理", "审计日志")
    with auditor.expect_navigation():
        auditor.locator("button", has_text="核验审计日志").click()
    result = text(auditor)
    assert "完整: 共核对" in result and "无断裂" in result and "在第" not in result, result[:1500]
    shot(auditor, "audit-verify")
    # 退出登录 in the top bar: the login ends, a page asked for again goes to the login
    user_menu(auditor, "退出登录")
    assert "/login" in auditor.url, auditor.url
    response = auditor.goto("/auditview/list/")
    assert "/login" in auditor.url, (auditor.url, response.status if response else None)
    for key in [k for k in users.contexts if k[0] == "auditor"]:  # logged out: a later test logs in again
        users.contexts.pop(key)[0].close()
