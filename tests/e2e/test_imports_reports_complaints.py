"""Imports, reporting, complaints and the printed and figure pages, clicked from the navigation bar
as the officer, the centre, the leader and the administrator do them.

Every test makes its own records (names and ID numbers unique to the run), so it does not depend
on the order of the tests nor on what other files change in the shared demo county.
"""
from __future__ import annotations

import random
import re
import time
from datetime import date, datetime, timedelta
from io import BytesIO

from openpyxl import Workbook, load_workbook

from app.rules import idcard
from app.rules import cards
from tests.e2e.clicks import add, batch_action, home, menu, open_row, search
from tests.e2e.conftest import shot, text
from tests.e2e.test_day import _download as _pdf, _pdf_text, _submit  # the day's own helpers

RUN = f"{int(time.time()) % 100000:05d}"  # a tag unique to this run, for titles and names
_rng = random.Random(time.time_ns())
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _new_id_number(born):
    """An ID number of 全椒县 (341124) no demo pupil has: a random sequence number."""
    return idcard.make("341124", born, _rng.randint(600, 999))


def _xlsx(header, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _download(page, link):
    """Click a download link; return the file's name and bytes."""
    with page.expect_download() as got:
        link.click()
    download = got.value
    return download.suggested_filename, open(download.path(), "rb").read()


def _upload(page, name, data):
    page.set_input_files("input[type=file]", files=[{"name": name, "mimeType": XLSX, "buffer": data}])
    _submit(page)
    return text(page)


def _action(page, row, action_label):
    """Tick a row of a list and run a batch action from the toolbar, confirming the dialog."""
    batch_action(page, row, action_label)


def test_officer_imports_pupils_and_award_proposals_from_the_templates(users):
    page = users.page("officer")

    # 基础数据 › 导入学生: the template has the Chinese headers and an example row
    menu(page, "基础数据", "导入学生")
    assert "导入学生" in text(page)
    name, data = _download(page, page.locator("a", has_text="模板").first)
    assert name.endswith(".xlsx"), name
    sheet = load_workbook(BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["学校代码", "姓名", "身份证号", "年级", "班级", "入学年份"], header
    assert sheet.max_row == 2 and sheet.cell(2, 2).value, "one example row"

    born = date(2011, 3, 14)
    good = [_new_id_number(born) for _ in range(2)]
    while good[1] == good[0]:
        good[1] = _new_id_number(born)
    names = [f"欧阳导{RUN}甲", f"欧阳导{RUN}乙"]
    school_code = str(sheet.cell(2, 1).value)  # the example names the demo county's high school, the officer's
    rows = [[school_code, names[0], good[0], "高一", "3班", "2026", "欧阳山", "13900001111", "襄河镇东街1号", "是",
             "2026-2027", "特别困难", "建档立卡", "扶贫部门", "2026-09-15"],
            [school_code, names[1], good[1][:-1] + ("0" if good[1][-1] != "0" else "1"), "高一", "3班", "2026",
             "", "", "", "", "", "", "", "", ""]]
    header = [c.value for c in sheet[1]]

    # one bad ID number: the row and column are named in Chinese, and nothing is imported
    shown = _upload(page, "学生.xlsx", _xlsx(header, rows))
    assert "未导入任何数据：文件中有 1 处需要更正。" in shown, shown[:1500]
    error_row = " ".join(page.locator("table tr", has_text="身份证号").last.inner_text().split())
    assert error_row == "3 身份证号 身份证号校验位不正确，请逐位核对。", error_row
    shot(page, "import-students-error")
    menu(page, "基础数据", "学生")
    search(page, "name", f"欧阳导{RUN}")
    assert names[0] not in text(page), "a row of a refused file was written"

    # corrected: both pupils are created and listed, the first with its identification
    rows[1][2] = good[1]
    menu(page, "基础数据", "导入学生")
    shown = _upload(page, "学生.xlsx", _xlsx(header, rows))
    assert "导入完成：新增学生 2 名，更新 0 名，未变 0 名，困难认定 1 条。" in shown, shown[:1500]
    shot(page, "import-students-done")
    # the same file again changes nothing
    menu(page, "基础数据", "导入学生")
    again = _upload(page, "学生.xlsx", _xlsx(header, rows))
    assert "导入完成：新增学生 0 名，更新 0 名，未变 2 名" in again, again[:1500]
    menu(page, "基础数据", "学生")
    search(page, "name", f"欧阳导{RUN}")
    listed = text(page)
    assert names[0] in listed and names[1] in listed and good[0] not in listed, listed[:2000]
    assert idcard.mask(good[0]) in listed
    student = page.locator("table tr", has_text=names[0]).first.locator("a[href*='/studentview/show/']").first
    student_id = re.search(r"/show/(\d+)", student.get_attribute("href")).group(1)
    open_row(page, names[0], f"/studentview/show/{student_id}")
    details = page.locator(".nav-tabs a:has-text('详情')")
    if details.count():  # the page reopens on the tab used last
        details.first.click()
    pupil = text(page)
    assert "高一" in pupil and "3班" in pupil and "欧阳山" in pupil, pupil[:2000]
    page.click("a[data-toggle=tab]:has-text('困难认定'), .nav-tabs a:has-text('困难认定')")
    assert "特别困难" in text(page) and "2026-2027" in text(page)

    # 资助管理 › 导入资助名单: the award template, then a bad row (an unknown pupil) and a good file
    menu(page, "资助管理", "导入资助名单")
    name, data = _download(page, page.locator("a", has_text="模板").first)
    award_header = [c.value for c in load_workbook(BytesIO(data)).active[1]]
    assert award_header[:6] == ["身份证号", "姓名", "资助项目", "学年", "学期", "金额"], award_header
    card = cards.make("6217", 19, _rng.randint(100000, 999999))
    stranger = idcard.make("341124", date(2011, 1, 2), 1)
    award_rows = [[good[0], names[0], "普通高中国家助学金", "2026-2027", "第一学期", "1550", "学生资助卡", card, "", "欧阳山"],
                  [stranger, "无此人", "普通高中国家助学金", "2026-2027", "第一学期", "1550", "学生资助卡", card, "", ""]]
    shown = _upload(page, "资助名单.xlsx", _xlsx(award_header, award_rows))
    assert "未导入任何数据：文件中有 1 处需要更正。" in shown, shown[:1500]
    bad = " ".join(page.locator("table tr", has_text="身份证号").last.inner_text().split())
    assert bad.startswith("3"), bad
    shot(page, "import-awards-error")
    menu(page, "资助管理", "资助名单")
    assert names[0] not in text(page), "a row of a refused file was written"

    menu(page, "资助管理", "导入资助名单")
    shown = _upload(page, "资助名单.xlsx", _xlsx(award_header, award_rows[:1]))
    assert "导入完成：新增拟资助 1 条，更新 0 条，未变 0 条。" in shown, shown[:1500]
    shot(page, "import-awards-done")
    menu(page, "资助管理", "资助名单")
    row = " ".join(page.locator("table tr", has_text=names[0]).first.inner_text().split())
    assert "普通高中国家助学金" in row and "拟资助" in row and ("1,550.00" in row or "1550.00" in row), row


def _figures_row(page, school):
    """The school's row of 信息报送 › 报送及时率与准确率, as numbers (required, on time, submitted, reviewed,
    accurate at first review, awaiting review)."""
    menu(page, "信息报送", "报送及时率与准确率")
    cells = [" ".join(c.split()) for c in page.locator("table tr", has_text=school).first.locator("td").all_inner_texts()]
    return [int(cells[i]) for i in (1, 2, 4, 5, 6, 8)]


def test_a_report_task_for_some_schools_submitted_returned_resubmitted_and_found_accurate(users):
    centre, officer, other = users.page("center"), users.page("officer"), users.page("officer2")
    title = f"寄宿生生活补助发放情况{RUN}"
    before = _figures_row(centre, "全椒县中学")

    # the centre asks one school, by name, for a report due in ten days
    menu(centre, "信息报送", "报送任务")
    add(centre)
    centre.fill("#title", title)
    centre.fill("#description", "请报送本学期寄宿生生活补助发放明细。")
    deadline = (datetime.now() + timedelta(days=10)).strftime("%Y-%m-%d 17:00")
    centre.fill("#deadline", deadline)
    centre.keyboard.press("Escape")
    centre.select_option("#schools", label="全椒县中学")
    if not centre.is_checked("#active"):
        centre.check("#active")
    shot(centre, "report-task-schools")
    _submit(centre)
    assert "/add" not in centre.url, text(centre)[:2000]
    menu(centre, "信息报送", "报送任务")
    assert title in text(centre)

    # the school asked sees it with its deadline; a school not asked does not
    menu(other, "信息报送", "我的报送任务")
    assert title not in text(other)
    menu(officer, "信息报送", "我的报送任务")
    row = officer.locator("tr", has_text=title)
    assert deadline in " ".join(row.inner_text().split()), row.inner_text()
    with officer.expect_navigation():
        row.locator("a[href*='/reporting/submit/']").first.click()
    officer.fill("#content", "本学期寄宿生生活补助已发放，明细见附件。")
    officer.set_input_files("#file", files=[{"name": f"寄宿生明细{RUN}.xlsx", "mimeType": XLSX,
                                              "buffer": _xlsx(["姓名", "金额"], [["张三", 625]])}])
    _submit(officer)
    menu(officer, "信息报送", "我的报送任务")
    assert "已报送" in " ".join(officer.locator("tr", has_text=title).inner_text().split())

    # the centre opens the submission, reads the attachment, and returns it with what to correct
    menu(centre, "信息报送", "报送记录")
    row = centre.locator("table tr", has_text=title).first
    assert f"寄宿生明细{RUN}.xlsx" in row.inner_text()
    with centre.expect_navigation():
        row.locator("a[href*='/submissionview/show/']").first.click()
    attachment = centre.locator("a[href*='/submissionview/file/']").first
    name, data = _download(centre, attachment)
    assert load_workbook(BytesIO(data)).active["A2"].value == "张三", name
    with centre.expect_navigation():
        centre.locator("a", has_text="退回修改").click()
    centre.fill("#comment", f"请补充金额合计{RUN}")
    _submit(centre)
    assert "退回修改" in text(centre), text(centre)[:1500]

    # the officer reads what to correct and submits again
    menu(officer, "信息报送", "我的报送任务")
    row = officer.locator("tr", has_text=title)
    assert "退回修改" in " ".join(row.inner_text().split())
    with officer.expect_navigation():
        row.locator("a[href*='/reporting/submit/']").first.click()
    assert f"请补充金额合计{RUN}" in text(officer)
    officer.fill("#content", f"已补充金额合计{RUN}：625元。")
    _submit(officer)

    # the centre marks the new submission 准确; both submissions stay on record
    menu(centre, "信息报送", "报送记录")
    _action(centre, centre.locator("table tr", has_text=title).filter(has_not_text="退回修改").first, "准确")
    menu(centre, "信息报送", "报送记录")
    rows = [" ".join(r.split()) for r in centre.locator("table tr", has_text=title).all_inner_texts()]
    assert len(rows) == 2 and any("准确" in r for r in rows) and any("退回修改" in r for r in rows), rows
    menu(officer, "信息报送", "我的报送任务")
    assert "准确" in " ".join(officer.locator("tr", has_text=title).inner_text().split())

    # the figures: one more task required, on time, submitted and reviewed, not accurate at first review
    after = _figures_row(centre, "全椒县中学")
    shot(centre, "report-figures")
    assert [a - b for a, b in zip(after, before)] == [1, 1, 1, 1, 0, 0], (before, after)


def _complaint_figures(page, school):
    """投诉举报 › 投诉统计: the school's row (complaints, total, substantiated)."""
    menu(page, "投诉举报", "投诉统计")
    row = page.locator("table", has_text="属实").last.locator("tr", has_text=school)
    if not row.count():
        return 0, 0, 0  # nothing received about the school this year
    cells = [" ".join(c.split()) for c in row.first.locator("td").all_inner_texts()]
    return int(cells[2]), int(cells[-2]), int(cells[-1])


def _step(page, complaint, action, fill=None, select=None):
    """A handling step from the case's page: its button, the small form, 提交."""
    with page.expect_navigation():
        page.locator(f"a[href*='/complaintview/step/{complaint}/{action}']").click()
    for selector, value in (select or {}).items():
        page.select_option(selector, label=value)
    for selector, value in (fill or {}).items():
        page.fill(selector, value)
    _submit(page)
    assert f"/complaintview/show/{complaint}" in page.url, text(page)[:1500]
    return text(page)


def test_a_complaint_on_the_schools_hotline_is_handled_step_by_step_and_printed(users):
    officer, centre, leader = users.page("officer"), users.page("center"), users.page("leader")
    subject = f"生活补助发放不公{RUN}"
    complainant, phone = f"司马家长{RUN}", "139" + RUN + "123"
    before = _complaint_figures(centre, "全椒县中学")

    # the school registers what came in on its own hotline
    menu(officer, "投诉举报", "投诉与咨询")
    add(officer)
    officer.select_option("#kind", label="投诉")
    officer.select_option("#channel", label="来电")
    officer.fill("#received_at", (datetime.now() - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"))
    officer.keyboard.press("Escape")
    if officer.locator("select#school").count():
        officer.select_option("#school", label="全椒县中学")
    officer.fill("#complainant_name", complainant)
    officer.fill("#complainant_contact", phone)
    officer.fill("#subject", subject)
    officer.fill("#content", "家长来电反映班级评定生活补助时未公示名单。")
    _submit(officer)
    assert "/add" not in officer.url, text(officer)[:2000]
    menu(officer, "投诉举报", "投诉与咨询")
    row = officer.locator("table tr", has_text=subject).first
    assert complainant not in row.inner_text() and phone not in row.inner_text()
    with officer.expect_navigation():
        row.locator("a[href*='/complaintview/show/']").first.click()
    complaint = int(re.search(r"/show/(\d+)", officer.url).group(1))
    shown = text(officer)
    assert "学校热线" in shown and "已登记" in shown, shown[:1500]

    # the centre finds it in its list and sends it to the leader
    menu(centre, "投诉举报", "投诉与咨询")
    with centre.expect_navigation():
        centre.locator("table tr", has_text=subject).first.locator(f"a[href$='/complaintview/show/{complaint}']").click()
    shown = _step(centre, complaint, "submit", fill={"#comment": "请领导审批"})
    assert "报请领导" in shown

    # the leader approves it from its home page
    home(leader)
    with leader.expect_navigation():
        leader.locator(f".aid-home a[href$='/complaintview/show/{complaint}']").first.click()
    shown = _step(leader, complaint, "approve", fill={"#comment": f"同意{RUN}"})
    assert "领导同意" in shown and f"同意{RUN}" in shown, shown[:2000]

    # the centre hands it to the school, which investigates and rectifies
    menu(centre, "投诉举报", "投诉与咨询")
    with centre.expect_navigation():
        centre.locator("table tr", has_text=subject).first.locator(f"a[href$='/complaintview/show/{complaint}']").click()
    _step(centre, complaint, "assign", select={"#handler": "所涉学校"})
    home(officer)
    with officer.expect_navigation():
        officer.locator(f"a[href$='/complaintview/show/{complaint}']").first.click()
    _step(officer, complaint, "find", select={"#result": "属实"},
          fill={"#findings": "评定名单确未在班级公示。", "#rectification_demand": "补充公示名单五个工作日。"})
    shown = _step(officer, complaint, "rectify", fill={"#rectification_done": f"已在班级补充公示{RUN}。"})
    assert "已整改" in shown, shown[:2000]

    # the centre looks at the complainant (recorded with its name), closes the case and prints it
    menu(centre, "投诉举报", "投诉与咨询")
    with centre.expect_navigation():
        centre.locator("table tr", has_text=subject).first.locator(f"a[href$='/complaintview/show/{complaint}']").click()
    assert complainant not in text(centre)
    with centre.expect_navigation():
        centre.locator("button", has_text="查看投诉人").click()
    assert complainant in text(centre) and phone in text(centre)
    shot(centre, "complaint-identity")
    menu(centre, "投诉举报", "投诉与咨询")
    with centre.expect_navigation():
        centre.locator("table tr", has_text=subject).first.locator(f"a[href$='/complaintview/show/{complaint}']").click()
    reads = " ".join(centre.locator("table", has_text="陈静").last.inner_text().split())
    assert "陈静" in reads and "center" in reads, reads
    shown = _step(centre, complaint, "close", select={"#result": "属实", "#accountability": "批评教育"},
                  fill={"#reply": "已电话回复家长。", "#accountable_persons": "高一3班班主任"})
    assert "已办结" in shown, shown[:2000]
    shot(centre, "complaint-closed", full_page=True)
    form = _pdf_text(_pdf(centre, centre.locator("a", has_text="打印处理单")))
    assert not form or (subject in form and "（保密）" in form and complainant not in form), form[:1500]

    # the figures: one more complaint about the school, substantiated
    after = _complaint_figures(centre, "全椒县中学")
    shot(centre, "complaint-figures")
    assert (after[0] - before[0], after[1] - before[1], after[2] - before[2]) == (1, 1, 1), (before, after)


def _school_row(page, column, school):
    """The school's row, as read, of the table with that column."""
    table = page.locator("table").filter(has=page.locator("th", has_text=column)).first
    return " ".join(table.locator("tr", has_text=school).first.inner_text().split())


def test_the_public_notice_prints_and_the_coverage_and_completeness_pages_open(users):
    centre, officer = users.page("center"), users.page("officer")

    # 资助公示 of a programme at the officer's school: the page, then the notice to post as a PDF
    menu(centre, "资助管理", "资助公示")
    centre.select_option("#program", label="普通高中国家助学金")
    centre.select_option("#school", label="全椒县中学")
    with centre.expect_navigation():
        centre.locator("form.aid-filter button[type=submit]").click()
    shown = text(centre)
    assert "全椒县中学" in shown and "监督举报电话" in shown, shown[:2000]
    names = [" ".join(t.split()) for t in centre.locator("table tbody tr td:nth-child(2)").all_inner_texts()][:3]
    shot(centre, "public-notice")
    notice = _pdf_text(_pdf(centre, centre.locator("a", has_text="PDF")))
    if notice:
        flat = notice.replace(" ", "")
        assert "公示" in flat and "全椒县中学" in flat and "（盖章）" in flat, notice[:1500]
        assert all(n.replace(" ", "") in flat for n in names if n), (names, notice[:1500])
        assert not re.search(r"\d{17}[\dX]", flat), "an ID number in the public notice"

    # 应助尽助: the county by school; the officer reads the same figures for its own school only
    menu(centre, "资助管理", "应助尽助")
    shown = text(centre)
    assert "覆盖率" in shown and "全椒县中学" in shown, shown[:2000]
    county_row = _school_row(centre, "覆盖率", "全椒县中学").split()
    assert "%" in county_row[3], county_row
    shot(centre, "coverage")
    menu(officer, "资助管理", "应助尽助")
    mine = text(officer)
    assert "覆盖率" in mine and "全椒县机关幼儿园" not in mine, mine[:2000]
    cards = [" ".join(t.split()) for t in officer.locator(".aid-card .aid-figure").all_inner_texts()]
    # its school's cards: identified, coverage, priority coverage and amount, as the county's row says
    assert cards == [county_row[1], county_row[3], county_row[6], county_row[7]], (cards, county_row)
    shot(officer, "coverage-officer")

    # 资助信息填报完整率: every school for the centre, its own for the officer, with the same figures
    menu(centre, "信息报送", "资助信息填报完整率")
    shown = text(centre)
    assert "全椒县中学" in shown and "全椒县机关幼儿园" in shown, shown[:2000]
    county_row = _school_row(centre, "应填项数", "全椒县中学")
    assert "%" in county_row, county_row
    shot(centre, "completeness")
    menu(officer, "信息报送", "资助信息填报完整率")
    mine = text(officer)
    assert "全椒县机关幼儿园" not in mine, mine[:2000]
    assert _school_row(officer, "应填项数", "全椒县中学") == county_row


def test_the_administrator_opens_a_school_and_its_officer_who_then_logs_in(users, browser, server):
    admin = users.page("admin")
    school, code = f"全椒县测试{RUN}初级中学", f"34112497{RUN}"
    username, password = f"xiao{RUN}", "Xiao@2026go"

    menu(admin, "基础数据", "学校")
    add(admin)
    admin.fill("#code", code)
    admin.fill("#name", school)
    admin.select_option("#stage", label="初中")
    if admin.locator("select#town").count():
        admin.select_option("#town", index=1)
    else:
        admin.fill("#town", "襄河镇")
    admin.fill("#principal", "王校长")
    admin.fill("#phone", "0550-5123456")
    admin.fill("#complaint_hotline", "0550-5123457")
    if admin.locator("#active").count() and not admin.is_checked("#active"):
        admin.check("#active")
    _submit(admin)
    assert "/add" not in admin.url, text(admin)[:2000]

    # 系统管理 › 用户: the account with the role 学校信息员
    menu(admin, "系统管理", "用户")
    add(admin)
    admin.fill("#username", username)
    admin.fill("#first_name", f"肖{RUN}")
    admin.fill("#email", f"{username}@example.cn")
    admin.select_option("#roles", label="学校信息员")
    admin.fill("#password", password)
    admin.fill("#conf_password", password)
    shot(admin, "user-add")
    _submit(admin)
    assert "/add" not in admin.url, text(admin)[:2000]
    menu(admin, "系统管理", "用户")
    row = " ".join(admin.locator("table tr", has_text=username).first.inner_text().split())
    assert "学校信息员" in row, row

    # 基础数据 › 信息员: the account linked to the school
    menu(admin, "基础数据", "信息员")
    add(admin)
    admin.select_option("#school", label=school)
    admin.select_option("#user", label=admin.locator("#user option", has_text=f"肖{RUN}").first.inner_text().strip())
    admin.fill("#phone", "13900002222")
    _submit(admin)
    assert "/add" not in admin.url, text(admin)[:2000]
    menu(admin, "基础数据", "信息员")
    assert school in text(admin)

    # the new officer logs in and works in its own school only
    context = browser.new_context(base_url=server, locale="zh-CN", viewport={"width": 1366, "height": 860})
    try:
        page = context.new_page()
        page.goto("/login/")
        page.fill("#username", username)
        page.fill("#password", password)
        with page.expect_navigation():
            page.click("input[type=submit], button[type=submit]")
        assert "/login" not in page.url, text(page)[:1000]
        menu(page, "基础数据", "学校")
        listed = text(page)
        assert school in listed and "全椒县中学" not in listed, listed[:2000]
        shot(page, "new-officer-schools")
    finally:
        context.close()
