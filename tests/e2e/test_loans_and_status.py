"""助学贷款 and 学籍状态 by clicks, in a real browser (tests/e2e/conftest.py serves the demo county).

Loans: the high school's officer records an application for a pupil (picker, materials ticked);
the centre takes it through its steps from the loan list's 操作 menu up to 进入还款期 and records
an instalment paid; a second application is not approved, with a reason the officer reads;
预申请, 温馨提示月 and a reminder recorded, 贷款统计 and the printed notice.

Pupil status: the officer records 退学 (refused without a reason), the centre sees the pupil in
red on 控辍保学, the officer records a 劝返 home visit, the page shows its date, the officer records
复学 and the pupil leaves the list; 学籍变动 lists the changes; a supervisor reads 控辍保学 and
cannot record a change.

Each flow makes its own pupils (unique ID numbers) so that it does not depend on the other files.
"""
from __future__ import annotations

import os
import re
from datetime import date

import pytest

from app.rules import idcard
from tests.e2e.clicks import add, menu, needs, open_row, search
from tests.e2e.conftest import pick_pupil, shot, text
from tests.e2e.test_day import _action, _download, _submit  # the same clicks as the day's

SEQ = int(os.environ.get("E2E_SEQ", "987"))
SUFFIX = "" if SEQ == 987 else "甲乙丙丁戊己庚辛壬癸"[SEQ % 10]
BORROWER_BORN, LEAVER_BORN = date(2008, 3, 17), date(2011, 4, 9)
BORROWER_ID = idcard.make("341124", BORROWER_BORN, (SEQ + 611) % 1000)
LEAVER_ID = idcard.make("341124", LEAVER_BORN, (SEQ + 612) % 1000)
BORROWER = "欧阳贷款" + SUFFIX
LEAVER = "上官复学" + SUFFIX
STATE: dict = {}


def _new_pupil(page, name, id_number, grade):
    """基础数据 › 学生 › 新增: a pupil of the officer's school; returns its id."""
    menu(page, "基础数据", "学生")
    add(page)
    page.fill("#name", name)
    page.fill("#id_number", id_number)
    page.select_option("#grade", grade)
    page.fill("#class_name", "2班")
    page.fill("#enrolment_year", "2024")
    page.fill("#guardian", name[:2] + "家长")
    page.fill("#guardian_phone", "13900005678")
    _submit(page)
    assert "/add" not in page.url, text(page)[:1500]
    menu(page, "基础数据", "学生")
    search(page, "name", name)
    with page.expect_navigation():
        page.locator("table tr", has_text=name).first.locator("a[href*='/studentview/show/']").first.click()
    return int(re.search(r"/show/(\d+)", page.url).group(1))


def _loan_list_row(page, name):
    menu(page, "助学贷款", "贷款名单")
    search(page, "student", name)
    return page.locator("table tr", has_text=name)


def _edit_row(page, row_text):
    """The list row's 编辑 button."""
    with page.expect_navigation():
        page.locator("table tr", has_text=row_text).first.locator("a[href*='/edit/']").first.click()
    page.wait_for_load_state()


def _tick_materials(page, names):
    """The 受理材料 box (a multiple choice): type each received item and press Enter."""
    box = page.locator("#materials + .select2 .select2-search__field")
    for name in names:
        box.click()
        box.press_sequentially(name, delay=20)
        page.locator(".select2-container--open .select2-results__option", has_text=name).first.wait_for()
        page.keyboard.press("Enter")
    chosen = " ".join(page.locator("#materials + .select2 .select2-selection__rendered").inner_text().split())
    for name in names:
        assert name in chosen, chosen


def _record_application(page, name, academic_year, amount, graduation, materials):
    menu(page, "助学贷款", "贷款名单")
    add(page)
    pick_pupil(page, name, name)
    page.fill("#co_borrower", name[:2] + "家长")
    page.fill("#co_borrower_phone", "13900005678")
    page.fill("#university", "安徽大学")
    page.fill("#major", "计算机科学与技术")
    page.select_option("#degree", label="本专科")
    page.fill("#academic_year", academic_year)
    page.fill("#amount", amount)
    page.fill("#expected_graduation", graduation)
    page.keyboard.press("Escape")
    page.fill("#repayment_years", "10")
    _tick_materials(page, materials)
    _submit(page)
    assert "/add" not in page.url, text(page)[:2000]


def test_1_officer_records_a_loan_application_and_the_centre_takes_it_to_repayment(users):
    officer, centre = users.page("officer"), users.page("center")
    STATE["borrower"] = _new_pupil(officer, BORROWER, BORROWER_ID, "高三")
    # 12,000 yuan of 2021-2022 (4.35%), graduating on 30 June 2025: the README's worked example
    _record_application(officer, BORROWER, "2021-2022", "12000", "2025-06-30", ["身份证", "户口簿", "录取通知书"])
    shot(officer, "loan-application-recorded")
    row = _loan_list_row(officer, BORROWER)
    listed = " ".join(row.first.inner_text().split())
    assert "2021-2022" in listed and "安徽大学" in listed and "预申请" in listed, listed

    # the centre: 受理, then 审核通过 refused while 家庭经济困难证明 (required) is missing
    menu(centre, "助学贷款", "贷款名单")
    search(centre, "student", BORROWER)
    _action(centre, BORROWER, "受理")
    body = text(centre)
    assert "已受理" in " ".join(centre.locator("table tr", has_text=BORROWER).first.inner_text().split()), body[:1500]
    _action(centre, BORROWER, "审核通过")
    body = text(centre)
    assert "家庭经济困难证明" in body, body[:1500]
    shot(centre, "loan-approve-refused-missing-material")
    # the material arrives: ticked on the loan's edit form, then approved
    _edit_row(centre, BORROWER)
    _tick_materials(centre, ["家庭经济困难证明"])
    _submit(centre)
    menu(centre, "助学贷款", "贷款名单")
    search(centre, "student", BORROWER)
    _action(centre, BORROWER, "审核通过")
    # 已签合同 needs the contract number: refused, then entered on the form
    _action(centre, BORROWER, "已签合同")
    body = text(centre)
    assert "请先填写合同编号。" in body, body[:1500]
    contract = f"ZX{SEQ}{BORROWER_ID[-6:]}"
    _edit_row(centre, BORROWER)
    centre.fill("#contract_number", contract)
    _submit(centre)
    menu(centre, "助学贷款", "贷款名单")
    search(centre, "student", BORROWER)
    for step in ("已签合同", "已放款", "毕业确认", "进入还款期"):
        _action(centre, BORROWER, step)
        body = text(centre)
        assert "alert-danger" not in centre.content(), body[:1500]
    listed = " ".join(centre.locator("table tr", has_text=BORROWER).first.inner_text().split())
    assert "还款中" in listed and contract in listed, listed

    # 办理记录: every step with who took it, and the schedule (first instalment 20 December 2025)
    with centre.expect_navigation():
        centre.locator("table tr", has_text=BORROWER).first.locator("a[href*='/loanview/history/']").click()
    shown = text(centre)
    for step in ("预申请 → 已受理", "已受理 → 已审核", "已审核 → 已签合同", "已签合同 → 已放款", "→ 还款中"):
        assert step in shown, shown[:3000]
    assert "陈静" in shown and "2025-12-20" in shown and "247.41" in shown, shown[:3000]
    shot(centre, "loan-history", full_page=True)
    STATE["repaying"] = contract


def test_2_an_application_not_approved_shows_the_reason_to_the_officer(users):
    needs(STATE, "borrower")
    officer, centre = users.page("officer"), users.page("center")
    _record_application(officer, BORROWER, "2026-2027", "8000", "2030-06-30", ["身份证", "户口簿"])
    menu(centre, "助学贷款", "贷款名单")
    search(centre, "student", BORROWER)
    row = centre.locator("table tr", has_text=BORROWER).filter(has_text="2026-2027")
    row.locator("input.action_check").check()
    _action(centre, "2026-2027", "受理")
    # 办理记录 (the status link) offers 不予通过 while the application is accepted
    with centre.expect_navigation():
        centre.locator("table tr", has_text=BORROWER).filter(has_text="2026-2027").first.locator(
            "a[href*='/loanview/history/']").click()
    with centre.expect_navigation():
        centre.locator("a[href*='/loanview/reject/']").click()
    centre.fill("#reason", "   ")  # blanks only (the box itself refuses to be sent empty): refused
    _submit(centre)
    assert "/reject/" in centre.url and "请填写未通过的原因。" in text(centre), text(centre)[:1500]
    centre.fill("#reason", "家庭经济情况与申请材料不符")
    _submit(centre)
    assert "未通过" in text(centre), text(centre)[:1500]

    # the officer reads the status and the reason on the loan's page
    row = _loan_list_row(officer, BORROWER).filter(has_text="2026-2027").first
    assert "未通过" in " ".join(row.inner_text().split())
    with officer.expect_navigation():
        row.locator("a[href*='/loanview/show/']").first.click()
    shown = text(officer)
    assert "未通过" in shown and "家庭经济情况与申请材料不符" in shown, shown[:2000]
    shot(officer, "loan-not-approved-officer")


def test_3_the_centre_records_an_instalment_paid_reminds_and_reads_the_figures(users):
    today = date.today().isoformat()
    needs(STATE, "repaying")
    centre = users.page("center")
    # 贷款名单 › the status (办理记录) › 登记还款 beside the instalment of 20 December 2025 (overdue)
    menu(centre, "助学贷款", "贷款名单")
    search(centre, "student", BORROWER)
    with centre.expect_navigation():
        centre.locator("table tr", has_text=BORROWER).filter(has_text="2021-2022").first.locator(
            "a[href*='/loanview/history/']").click()
    history = centre.url
    row = centre.locator("table tr", has_text="2025-12-20").first
    assert "247.41" in row.inner_text() and "逾期" in row.inner_text(), row.inner_text()
    with centre.expect_navigation():
        row.locator("a", has_text="登记还款").click()
    centre.fill("#paid_principal", "1200")
    centre.fill("#paid_interest", "247.41")
    centre.fill("#paid_on", "2025-12-18")
    centre.keyboard.press("Escape")
    _submit(centre)
    assert "/edit/" not in centre.url, text(centre)[:1500]
    # read back on the loan's 办理记录: paid in full on the day typed, no longer overdue
    menu(centre, "助学贷款", "贷款名单")
    search(centre, "student", BORROWER)
    with centre.expect_navigation():
        centre.locator("table tr", has_text=BORROWER).filter(has_text="2021-2022").first.locator(
            "a[href*='/loanview/history/']").click()
    assert centre.url == history
    first = " ".join(centre.locator("table tr", has_text="2025-12-20").first.inner_text().split())
    assert "1,447.41" in first and "2025-12-18" in first and "逾期" not in first, first
    shot(centre, "loan-instalment-paid", full_page=True)

    # 温馨提示月: the borrower's instalment of this December is on the list; a reminder recorded
    menu(centre, "助学贷款", "温馨提示月")
    dues = " ".join(centre.locator("table tr", has_text=BORROWER).first.inner_text().split())
    assert f"{date.today().year}-12-20" in dues, dues
    shot(centre, "loan-reminder-month")
    with centre.expect_navigation():
        centre.locator("a[href*='/loanreminderview/add']").click()
    centre.locator("#loan + .select2 .select2-selection").click()
    centre.locator(".select2-container--open .select2-search__field").press_sequentially(BORROWER, delay=20)
    centre.locator(".select2-container--open .select2-results__option", has_text="2021-2022").first.click()
    centre.fill("#on", today)
    centre.keyboard.press("Escape")
    centre.select_option("#channel", label="联系电话")
    centre.fill("#result", "已告知共同借款人12月20日前还款")
    _submit(centre)
    menu(centre, "助学贷款", "温馨提示记录")
    listed = " ".join(centre.locator("table tr", has_text=BORROWER).first.inner_text().split())
    assert "联系电话" in listed and today in listed and "已告知共同借款人" in listed, listed

    # 贷款统计 opens with the county's figures
    menu(centre, "助学贷款", "贷款统计")
    shown = text(centre)
    assert "本息回收率" in shown and "全椒县中学" in shown, shown[:2000]
    shot(centre, "loan-figures")


def _identify(page, name, school_year):
    """基础数据 › 困难认定 › 新增: the family identified as in difficulty for the school year."""
    today = date.today().isoformat()
    menu(page, "基础数据", "困难认定")
    add(page)
    pick_pupil(page, name, name)
    page.fill("#school_year", school_year)
    page.select_option("#level", label="困难")
    page.check("#cat_subsistence")
    page.select_option("#evidence_source", label="民政部门")
    page.fill("#identified_on", today)
    page.keyboard.press("Escape")
    _submit(page)
    assert "/add" not in page.url, text(page)[:2000]


def _record_change(page, kind, reason=""):
    with page.expect_navigation():
        page.locator("a[href*='/pupilstatus/change/']").click()
    page.select_option("#kind", label=kind)
    page.fill("#reason", reason)
    _submit(page)


def _dropout_row(page, name):
    menu(page, "基础数据", "控辍保学")
    return page.locator("table tr", has_text=name)


def test_4_a_pupil_drops_out_is_visited_and_returns(users):
    today = date.today().isoformat()
    from app.rules.identification import school_year_of

    officer, centre, supervisor = users.page("officer"), users.page("center"), users.page("supervisor")
    year = school_year_of(date.today())
    pupil = _new_pupil(officer, LEAVER, LEAVER_ID, "高一")
    _identify(officer, LEAVER, year)

    # 基础数据 › 学生 opens the pupils in school; the pupil's page offers 办理学籍变动
    menu(officer, "基础数据", "学生")
    search(officer, "name", LEAVER)
    open_row(officer, LEAVER, f"/studentview/show/{pupil}")
    _record_change(officer, "退学")  # no reason: refused, nothing recorded
    assert "/pupilstatus/change/" in officer.url and "请填写原因" in text(officer), text(officer)[:1500]
    shot(officer, "pupil-dropout-refused-no-reason")
    officer.select_option("#kind", label="退学")
    officer.fill("#reason", "外出务工")
    _submit(officer)
    shown = text(officer)
    assert f"/studentview/show/{pupil}" in officer.url and "退学" in shown and "外出务工" in shown, shown[:2000]
    shot(officer, "pupil-dropped-out", full_page=True)

    # the list of pupils in school no longer has the pupil; 学籍变动 lists the change
    menu(officer, "基础数据", "学生")
    search(officer, "name", LEAVER)
    assert officer.locator("table tr", has_text=LEAVER).count() == 0
    menu(officer, "基础数据", "学籍变动")
    listed = " ".join(officer.locator("table tr", has_text=LEAVER).first.inner_text().split())
    assert "退学" in listed and "外出务工" in listed and today in listed, listed

    # 控辍保学: the centre sees the pupil this school year, in red (尚未家访)
    row = _dropout_row(centre, LEAVER).first
    cells = " ".join(row.inner_text().split())
    assert "退学" in cells and "外出务工" in cells and "尚未" in cells, cells
    assert row.locator(".text-danger").count() == 1
    shot(centre, "dropouts-not-visited")

    # the officer visits the family (宣传与走访 › 家访记录)
    menu(officer, "宣传与走访", "走访")
    add(officer)
    pick_pupil(officer, LEAVER, LEAVER)
    officer.select_option("#visit_type", label="劝返复学")  # the visit that counts as 控辍保学's follow-up
    officer.fill("#visited_on", today)
    officer.keyboard.press("Escape")
    officer.fill("#visitors", "刘洋、班主任王老师")
    officer.fill("#family_met", "母亲")
    officer.fill("#findings", "学生在外打工，家长同意劝返")
    _submit(officer)
    assert "/add" not in officer.url, text(officer)[:2000]
    row = _dropout_row(centre, LEAVER).first
    cells = " ".join(row.inner_text().split())
    assert today in cells.split("外出务工")[-1] and row.locator(".text-danger").count() == 0, cells
    shot(centre, "dropouts-visited")

    # a supervisor reads 控辍保学 and the pupil's page, without 办理学籍变动
    assert _dropout_row(supervisor, LEAVER).count() == 1
    with supervisor.expect_navigation():
        supervisor.locator("table tr", has_text=LEAVER).first.locator("a[href*='/studentview/show/']").click()
    assert "外出务工" in text(supervisor) and supervisor.locator("a[href*='/pupilstatus/change/']").count() == 0

    # back to school: 复学 (the pupil is found again once the 在校 filter is cleared)
    menu(officer, "基础数据", "学生")
    with officer.expect_navigation():
        officer.locator("a.aid-clear-filters").click()
    search(officer, "name", LEAVER)
    open_row(officer, LEAVER, f"/studentview/show/{pupil}")
    _record_change(officer, "退学后复学")
    shown = text(officer)
    assert "复学" in shown and "在校" in shown, shown[:2000]
    assert _dropout_row(centre, LEAVER).count() == 0
    menu(officer, "基础数据", "学籍变动")
    kinds = [" ".join(r.inner_text().split()) for r in officer.locator("table tr", has_text=LEAVER).all()]
    assert any("复学" in k for k in kinds) and any("退学" in k for k in kinds), kinds


def test_5_the_borrowers_reminder_notice_prints(users):
    needs(STATE, "repaying")
    officer = users.page("officer")
    row = _loan_list_row(officer, BORROWER).filter(has_text="2021-2022").first
    with officer.expect_navigation():
        row.locator("a[href*='/loanview/show/']").first.click()
    assert "还款中" in text(officer) and STATE["repaying"] in text(officer)
    data = _download(officer, officer.locator("a", has_text="打印温馨提示"))
    assert data[:5] == b"%PDF-" and len(data) > 1000


def test_6_pre_applications_ticked_and_created(users):
    officer = users.page("officer")
    menu(officer, "助学贷款", "贷款预申请")
    shown = text(officer)
    year = int(date.today().year if date.today().month >= 9 else date.today().year - 1) + 1
    assert f"{year}-{year + 1}" in shown, shown[:1500]
    rows = officer.locator("table tbody tr")
    if rows.count() == 0:
        pytest.skip("no 高三 grant holder left without a loan record in the demo county")
    chosen = rows.last
    name = chosen.locator("td").nth(2).inner_text().strip()
    chosen.locator("input[name=student]").check()
    shot(officer, "loan-pre-applications")
    with officer.expect_navigation():
        officer.locator("button", has_text="预申请").click()
    assert "已登记 1 份预申请。" in text(officer), text(officer)[:1500]
    assert officer.locator("table tbody tr", has_text=name).count() == 0
    listed = " ".join(_loan_list_row(officer, name).first.inner_text().split())
    assert "预申请" in listed and f"{year}-{year + 1}" in listed, listed
