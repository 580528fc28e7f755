"""转出到本县学校 by clicks, in a real browser (tests/e2e/conftest.py serves the demo county).

The high school's officer (officer, 全椒县中学) opens 学生 → the pupil → 转出到本县学校 and sends the
pupil to 全椒县第二中学; that school's officer (officer3) finds it on the home page's to-do
(待接收的转入学生), reads only what recognises the child, and accepts it into 高一 5班; the pupil is
then on 第二中学's list with its history naming both schools, and no longer on 县中学's. The demo
county's own pending transfer (a 第二中学 pupil coming to 县中学) is on the high school's to-do.
"""
from __future__ import annotations

import os
from datetime import date

from app.rules import idcard
from tests.e2e.clicks import home, menu, open_row, search
from tests.e2e.conftest import shot, text
from tests.e2e.test_day import _submit
from tests.e2e.test_loans_and_status import _new_pupil

SEQ = int(os.environ.get("E2E_SEQ", "987"))
SUFFIX = "" if SEQ == 987 else "甲乙丙丁戊己庚辛壬癸"[SEQ % 10]
MOVER = "司马转学" + SUFFIX
MOVER_ID = idcard.make("341124", date(2010, 10, 8), (SEQ + 631) % 1000)
REASON = "家庭迁往二中附近居住，家长申请转学"


def test_the_sending_officer_files_and_the_receiving_officer_accepts_from_its_to_do(users):
    sending, receiving = users.page("officer"), users.page("officer3")

    # the demo's own transfer waits on the high school's to-do
    home(sending)
    assert sending.locator(".aid-todo-incoming").count() >= 1, text(sending)[:1500]

    # 学生 → the pupil → 转出到本县学校
    pupil = _new_pupil(sending, MOVER, MOVER_ID, "高一")
    menu(sending, "基础数据", "学生")
    search(sending, "name", MOVER)
    open_row(sending, MOVER, f"/studentview/show/{pupil}")
    with sending.expect_navigation():
        sending.locator("a", has_text="转出到本县学校").first.click()
    options = sending.locator("#to_school option").all_inner_texts()
    assert "全椒县第二中学" in options and "全椒县中学" not in options, options
    sending.select_option("#to_school", label="全椒县第二中学")
    sending.fill("#reason", REASON)
    shot(sending, "transfer-out-form")
    _submit(sending)
    shown = text(sending)
    assert "/transferhandoverview/show/" in sending.url and "待转入学校接收" in shown and REASON in shown, shown[:2000]

    # the receiving officer: the to-do on its home page → the transfer's page, with the child only
    home(receiving)
    item = receiving.locator(".aid-todo-incoming", has_text=MOVER).first
    assert "待接收的转入学生" in " ".join(item.inner_text().split())
    shot(receiving, "transfer-incoming-todo")
    with receiving.expect_navigation():
        item.locator("a").first.click()
    shown = text(receiving)
    assert MOVER in shown and "全椒县中学" in shown and idcard.mask(MOVER_ID) in shown, shown[:2000]
    assert REASON not in shown and "2班" not in shown and MOVER_ID not in receiving.content()
    receiving.select_option("#joined_grade", "高一")
    receiving.fill("#joined_class", "5班")
    shot(receiving, "transfer-accept")
    with receiving.expect_navigation():
        receiving.locator("button", has_text="接收该生").click()
    assert "该生已转入本校" in text(receiving), text(receiving)[:2000]

    # the pupil is on 第二中学's list, its page shows the history naming both schools
    menu(receiving, "基础数据", "学生")
    search(receiving, "name", MOVER)
    open_row(receiving, MOVER, f"/studentview/show/{pupil}")
    shown = text(receiving)
    assert "高一" in shown and "5班" in shown and "转入" in shown and "全椒县中学" in shown, shown[:3000]
    shot(receiving, "transfer-accepted-pupil", full_page=True)

    # and no longer on 县中学's; its transfer reads 已接收
    menu(sending, "基础数据", "学生")
    search(sending, "name", MOVER)
    assert sending.locator("table tr", has_text=MOVER).count() == 0
    menu(sending, "基础数据", "本县转学")
    row = " ".join(sending.locator("table tr", has_text=MOVER).first.inner_text().split())
    assert "已接收" in row and "全椒县第二中学" in row, row
