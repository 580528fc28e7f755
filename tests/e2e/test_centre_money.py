"""The centre's money jobs in a real browser, each from the navigation bar: voiding an approved award
with a reason, and a payment batch from its building to the bank's answer and the re-issue of a
failed payment. What the clerk sees is asserted in Chinese; what is stored is read back on the
records' own pages; the roles that may not do these jobs are refused (the address typed by hand)."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from app.rules import cards
from tests.e2e.conftest import shot, text
from tests.e2e.clicks import advanced_search, click, home, needs
from tests.e2e.clicks import menu as _menu

STATE: dict = {}
REASON = "学生已转学，由转入学校发放（端木核对）"
NEW_CARD = cards.make("6217", 19, 515151)


def _controls(row):
    """The row's buttons by what they do: 查看, 编辑, 删除, 撤销."""
    return {name for name, selector in (("show", "a[href*='/awardview/show/']"), ("edit", "a[href*='/awardview/edit/']"),
                                        ("delete", "a.aid-delete"), ("void", "a.aid-void"))
            if row.locator(selector).count()}


def _find_row(page, status, *controls):
    """The first row of the award list in ``status`` with ``controls``, paging on with 下一页 (>) as a person does."""
    for _ in range(10):
        for row in page.locator("table.aid-list tbody tr").all():
            if row.locator("td.aid-col-status").inner_text().strip() == status and set(controls) <= _controls(row):
                return row
        following = page.locator("ul.pagination a", has_text=re.compile(r"^\s*>\s*$"))
        if not following.count():
            break
        click(page, following.first)
    pytest.fail(f"no award {status} with {controls} in the list")


def _find_pupil(page, name):
    """资助名单 searched by the pupil's name (搜索 › 学生), as a person does."""
    _menu(page, "资助管理", "资助名单")
    advanced_search(page)
    page.locator("#filter_form .dropdown-toggle").first.click()
    page.locator("#filter_form a.filter[name='student']").click()
    page.locator("#filter_form input[name$='_student']").first.fill(name)
    click(page, page.locator("#filter_form button[type=submit], #filter_form input[type=submit]").first)


def test_1_the_centre_voids_an_approved_award_with_a_reason(users):
    page = users.page("center")
    home(page)
    _menu(page, "资助管理", "资助名单")
    # every row offers only what can succeed: an approved or paid award is never edited or deleted
    for row in page.locator("table.aid-list tbody tr").all():
        status, controls = row.locator("td.aid-col-status").inner_text().strip(), _controls(row)
        if status in ("已审核", "已发放", "已撤销"):
            assert not controls & {"edit", "delete"}, (status, controls)
        if status == "拟资助":
            assert {"edit", "delete", "void"} <= controls, controls
        if status == "已撤销":
            assert "void" not in controls
    row = _find_row(page, "已审核", "void")
    student = row.locator("td.aid-col-student").inner_text().strip()
    programme = row.locator("td.aid-col-program").inner_text().strip()
    shot(page, "award-list-controls")
    click(page, row.locator("a[href*='/awardview/show/']"))
    STATE["award"] = award = int(re.search(r"/show/(\d+)", page.url).group(1))
    shown = text(page)
    assert "已审核" in shown and student.split("（")[0] in shown, shown[:1500]
    assert page.locator("a", has_text="撤销该资助").count() == 1
    assert page.locator(f"a[href*='/awardview/edit/{award}']").count() == 0
    click(page, page.locator("a", has_text="撤销该资助"))
    assert "撤销资助" in text(page) and programme in text(page)
    # a reason of blanks is refused, in Chinese, and nothing changes
    page.fill("#void_reason", "   ")
    click(page, page.locator("button", has_text="撤销该资助"))
    assert "请填写撤销原因" in text(page), text(page)[:1500]
    page.fill("#void_reason", REASON)
    shot(page, "award-void-form")
    click(page, page.locator("button", has_text="撤销该资助"))
    shown = text(page)
    assert f"/awardview/show/{award}" in page.url, page.url
    assert "该资助已撤销" in shown and "已撤销" in shown and REASON in shown, shown[:2000]
    assert re.search(r"撤销时间 \d{4}-\d{2}-\d{2} \d{2}:\d{2}", shown), shown[:2000]
    assert page.locator("a", has_text="撤销该资助").count() == 0  # nothing more to do with it
    shot(page, "award-voided")
    # the trail: who voided it, from which state, and why
    click(page, page.locator("a", has_text="变更记录"))
    history = text(page)
    assert "陈静" in history and "已撤销" in history and "已审核" in history and REASON in history, history[:2000]
    shot(page, "award-void-history")
    # the list shows it voided, with no control but 查看
    _find_pupil(page, student.split("（")[0])
    row = page.locator("table.aid-list tbody tr").filter(has=page.locator(f"a[href*='/awardview/show/{award}']"))
    assert row.locator("td.aid-col-status").inner_text().strip() == "已撤销"
    assert _controls(row) == {"show"}


def test_2_a_school_officer_cannot_void(users):
    needs(STATE, "award")
    officer = users.page("officer")
    home(officer)
    _menu(officer, "资助管理", "资助名单")
    assert officer.locator("a.aid-void").count() == 0
    assert "撤销" not in " ".join(officer.locator("table.aid-list td.aid-row-actions").all_inner_texts())
    # by the address: refused
    officer.goto(f"/awardview/void/{STATE['award']}")
    assert "您没有执行此操作的权限" in text(officer), text(officer)[:800]
    shot(officer, "award-void-refused")


def _answer_file(bank_list: Path, failed_line: int, paid_on: str) -> Path:
    """The bank's answer to its list: every line paid, but one that failed for a wrong card number."""
    rows = list(load_workbook(bank_list).active.iter_rows(values_only=True))
    book = Workbook()
    sheet = book.active
    sheet.append(list(rows[0]))
    for line, name, card, amount, *_ in rows[1:]:
        failed = int(line) == failed_line
        sheet.append([line, name, card, amount, "失败" if failed else "成功", "卡号错误" if failed else "",
                      "" if failed else paid_on])
    out = bank_list.with_name("银行回盘.xlsx")
    book.save(out)
    return out


def _download(page, locator, folder):
    """Click a download button; the file as the browser saved it, and its name."""
    with page.expect_download() as info:
        locator.click()
    name = info.value.suggested_filename
    info.value.save_as(folder / name)
    return folder / name, name


def _details(page):
    """The batch's fields, above its tabs (the page reopens on the tab last chosen, below them)."""
    page.locator(".aid-record-fields").first.wait_for()


def _open_batch(page, number):
    _menu(page, "资助管理", "发放批次")
    row = page.locator("table.aid-list tbody tr", has_text=number).first
    click(page, row.locator("a[href*='/paymentbatchview/show/']"))
    _details(page)


def test_3_the_centre_builds_a_batch_sends_it_records_the_answer_and_reissues_a_failed_payment(users, tmp_path):
    page = users.page("center")
    home(page)
    _menu(page, "资助管理", "发放批次")
    click(page, page.locator("a", has_text="新建发放批次"))
    assert "生成发放批次" in text(page)
    # the programmes say how many awards wait; a waiver (免学费) is never offered
    options = page.locator("select[name=program] option").all_inner_texts()
    assert not [o for o in options if "免学费" in o], options
    waiting = [o for o in options if "待发放" in o and "普通高中国家助学金" not in o]
    assert waiting, options
    choice = waiting[0]
    programme, count = choice.split("（")[0], int(re.search(r"待发放 (\d+) 笔", choice).group(1))
    page.select_option("select[name=program]", label=choice)
    click(page, page.locator("button", has_text="查看待发放名单"))
    assert f"{count} 条已审核未发放" in text(page), text(page)[:1500]
    shot(page, "batch-build")
    click(page, page.locator("button", has_text="生成发放批次"))
    _details(page)
    shown = text(page)
    number = re.search(r"已生成批次(FF[\d-]+)：共(\d+)笔", shown)
    assert number and int(number.group(2)) == count, shown[:1500]
    STATE["batch"] = number = number.group(1)
    assert f"批次 {number}" in shown and "状态 已生成，待报送银行" in shown, shown[:1500]
    shot(page, "batch-built")

    # the bank's list: full card numbers, the batch now sent to the bank
    bank_list, name = _download(page, page.locator("button", has_text="下载银行代发清单"), tmp_path)
    assert name == f"{number}-银行代发清单.xlsx", name
    rows = list(load_workbook(bank_list).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("流水号", "户名", "卡号", "金额") and len(rows) == count + 1, rows[:2]
    assert all(re.fullmatch(r"\d{16,19}", str(row[2])) for row in rows[1:]), rows[1:3]
    template, name = _download(page, page.locator("a", has_text="银行回盘模板"), tmp_path)
    assert name == "银行回盘模板.xlsx"
    assert next(load_workbook(template).active.iter_rows(values_only=True))[:5] == ("流水号", "户名", "卡号", "金额", "结果")
    _open_batch(page, number)
    shown = text(page)
    assert "已报送银行" in shown and "完整卡号下载记录" in shown and "陈静" in shown, shown[:2000]

    # the bank answers: all paid but the last line, a wrong card number
    failed_line, failed_name = int(rows[-1][0]), rows[-1][1]
    today = date.today().isoformat()
    page.set_input_files("input[name=file]", str(_answer_file(bank_list, failed_line, today)))
    click(page, page.locator("button", has_text="读取文件"))
    shown = text(page)
    assert f"已付 {count - 1} 笔，失败 1 笔" in shown and "已对账" in shown, shown[:2000]
    assert page.locator("a.aid-reissue", has_text="补发失败款项（1 笔待补发）").count() == 1
    shot(page, "batch-answered", full_page=True)

    # the failed payment: its card corrected from its page (a wrong number first)
    page.locator("a[href='#BatchLineView']").click()
    line_row = page.locator("#BatchLineView table tr", has_text="失败").filter(has_text=failed_name).first  # the newest first
    click(page, line_row.locator("a[href*='/batchlineview/show/']"))
    assert "卡号错误" in text(page)
    click(page, page.locator("a", has_text="更正卡号"))
    page.fill("#card_number", NEW_CARD[:-1] + str((int(NEW_CARD[-1]) + 1) % 10))
    click(page, page.locator("button", has_text="保存卡号"))
    assert "校验" in text(page), text(page)[:1500]
    page.fill("#card_number", NEW_CARD)
    click(page, page.locator("button", has_text="保存卡号"))
    assert "卡号已更正，该资助将进入下一个补发批次" in text(page), text(page)[:1500]
    shot(page, "batch-line-corrected")

    # the re-issue, from the batch: only the failed award, to the corrected card
    click(page, page.locator("a.aid-to-batch"))
    _details(page)
    assert f"批次 {number}" in text(page)
    click(page, page.locator("a.aid-reissue"))
    assert "共 1 条已审核未发放" in text(page), text(page)[:1500]
    pupil = page.locator("table tbody tr td").nth(1).inner_text().strip()  # the card's holder may be a parent
    assert page.locator("select[name=program] option:checked").inner_text().startswith(programme)
    click(page, page.locator("button", has_text="生成发放批次"))
    _details(page)
    shown = text(page)
    reissue = re.search(r"已生成批次(FF[\d-]+)：共1笔", shown)
    assert reissue and "补发 是" in shown, shown[:1500]
    reissue_list, _ = _download(page, page.locator("button", has_text="下载银行代发清单"), tmp_path)
    lines = list(load_workbook(reissue_list).active.iter_rows(values_only=True))[1:]
    assert [(row[1], row[2]) for row in lines] == [(failed_name, NEW_CARD)], lines
    _open_batch(page, reissue.group(1))
    page.locator("input[type=radio][value=paid]").first.check()
    click(page, page.locator("button", has_text="登记回盘结果"))
    shown = text(page)
    assert "已付 1 笔" in shown and "已对账" in shown, shown[:1500]
    shot(page, "batch-reissue-reconciled")
    # the first batch has nothing left to re-issue
    _open_batch(page, number)
    assert page.locator("a.aid-reissue").count() == 0
    # the list shows both batches reconciled, the second a re-issue
    _menu(page, "资助管理", "发放批次")
    first = " ".join(page.locator("table.aid-list tbody tr", has_text=number).first.inner_text().split())
    second = " ".join(page.locator("table.aid-list tbody tr", has_text=reissue.group(1)).first.inner_text().split())
    assert "已对账" in first and "已对账" in second and " 是 " in f" {second} ", (first, second)
    shot(page, "batch-list")
    STATE["pupil"] = pupil


def test_4_the_award_paid_by_the_reissue_and_the_roles_that_may_not_pay(users):
    needs(STATE, "pupil")
    page = users.page("center")
    _find_pupil(page, STATE["pupil"])
    paid = [" ".join(r.split()) for r in page.locator("table.aid-list tbody tr").all_inner_texts()
            if date.today().isoformat() in r]
    assert paid and all("已发放" in r for r in paid), page.locator("table.aid-list").inner_text()[:1500]
    # a supervisor reads the batches but may not build one or download the answer's template
    supervisor = users.page("supervisor")
    home(supervisor)
    _menu(supervisor, "资助管理", "发放批次")
    assert "发放批次" in text(supervisor) and supervisor.locator("a", has_text="新建发放批次").count() == 0
    supervisor.goto("/paymentbatchview/build/")
    assert "您没有执行此操作的权限" in text(supervisor)
    officer = users.page("officer")
    officer.goto("/paymentbatchview/answer-template/")
    assert "您没有执行此操作的权限" in text(officer)
    shot(officer, "batch-template-refused")
