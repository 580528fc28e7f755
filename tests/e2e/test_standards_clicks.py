"""The centre's policy figures and the departments' lists, clicked from the navigation bar in a real
browser: 资助管理 › 资助标准 (the standard in force corrected, then read in a letter to parents),
助学贷款 › 贷款利率 (a school year's rate), and 基础数据 › 核对名单 (a small list uploaded, previewed,
applied and undone), checking what is stored on the records' own pages.

Runs after tests/e2e/test_day.py on the same demo county (tests/e2e/conftest.py).
"""
from __future__ import annotations

import re
import subprocess
import tempfile
from datetime import date
from pathlib import Path

from openpyxl import Workbook

from app.rules import idcard
from app.rules.identification import school_year_of
from tests.e2e.conftest import shot, text
from tests.e2e.clicks import add as _add_button, advanced_search, home, menu as _menu
from tests.e2e.test_day import _download, _submit



def _plain_pdf_text(data: bytes) -> str:
    """The PDF's text in reading order, without spaces or line breaks."""
    assert data[:5] == b"%PDF-", "not a PDF"
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["pdftotext", "-enc", "UTF-8", f.name, "-"], capture_output=True, text=True, check=True)
    return re.sub(r"\s+", "", out.stdout)


def _row(page, *words):
    """The first row of the page's list holding every word."""
    rows = page.locator("table tr")
    for word in words:
        rows = rows.filter(has_text=word)
    return rows.first


def _open_row(page, row, what):
    with page.expect_navigation():
        row.locator(f"a[href*='/{what}/']").first.click()
    page.wait_for_load_state()


def test_1_the_standard_in_force_is_edited_and_the_letter_states_it(users):
    """义务教育家庭经济困难学生生活补助: the standard in force this school year (from 2023-2024 第二学期, the
    2024 raise of the boarders' national basic standard) is corrected for primary boarders; the letter to
    parents of a kindergarten pupil, which presents the next stage's policy with the standard in force,
    then states the new amount, and the earlier years' standard is untouched."""
    centre = users.page("center")
    home(centre)
    _menu(centre, "资助管理", "资助标准")
    row = centre.locator("table tr").filter(has_text="义务教育家庭经济困难学生生活补助").filter(
        has_text="2023-2024").filter(has_text=re.compile(r"小学\s+寄宿生")).first
    assert "1,250.00" in row.inner_text()
    _open_row(centre, row, "programstandardview/edit")
    assert centre.input_value("#since_year") == "2023-2024"
    centre.fill("#amount", "1300")
    _submit(centre)
    assert "/edit/" not in centre.url, text(centre)[:1500]
    row = centre.locator("table tr").filter(has_text="2023-2024").filter(has_text=re.compile(r"小学\s+寄宿生")).first
    assert "1,300.00" in row.inner_text(), text(centre)[:1500]
    earlier = centre.locator("table tr").filter(has_text="2019-2020").filter(has_text=re.compile(r"小学\s+寄宿生")).first
    assert "1,000.00" in earlier.inner_text()  # the years before keep theirs
    shot(centre, "standards-edited")
    # the kindergarten's officer prints a letter: the next stage's policy states the standard in force now
    officer = users.page("officer2")
    home(officer)
    _menu(officer, "基础数据", "学生")
    _open_row(officer, officer.locator("table tr", has_text="幼儿园").first, "studentview/show")
    letter = _plain_pdf_text(_download(officer, officer.locator("a", has_text="打印致家长一封信").first))
    assert "小学每生每年寄宿生1,300元，非寄宿生625元" in letter, letter[:1500]


def test_2_the_centre_adds_next_years_loan_rate(users):
    """生源地信用助学贷款: next school year's rate and ceilings, the 5-year LPR less 70 basis points and 20,000 /
    25,000 a year (财政部 教育部 中国人民银行 国家金融监督管理总局, 2024)."""
    this_year = school_year_of(date.today())
    next_year = f"{int(this_year[:4]) + 1}-{int(this_year[:4]) + 2}"
    centre = users.page("center")
    home(centre)
    _menu(centre, "助学贷款", "贷款利率")
    assert this_year in text(centre)
    _add_button(centre)
    centre.fill("#school_year", next_year)
    centre.fill("#reference_rate", "0.50")
    centre.fill("#reduction_bp", "70")
    centre.fill("#ceiling_undergraduate", "20000")
    centre.fill("#ceiling_postgraduate", "25000")
    centre.fill("#basis", "2024年国家助学贷款政策调整（LPR减70个基点）")
    _submit(centre)
    assert "/add" in centre.url and "利率" in text(centre), text(centre)[:1500]  # it would leave no rate: refused
    centre.fill("#reference_rate", "3.50")
    _submit(centre)
    assert "/add" not in centre.url, text(centre)[:1500]
    row = _row(centre, next_year)
    shown = " ".join(row.inner_text().split())
    assert "3.50" in shown and "70" in shown and "2.80" in shown and ("20,000" in shown or "20000" in shown), shown
    shot(centre, "loan-rate-added")


def _pupil_page(page, name, school):
    """基础数据 › 学生, searched by name, then the pupil's page."""
    _menu(page, "基础数据", "学生")
    advanced_search(page)
    page.locator("#filter_form .dropdown-toggle").first.click()
    page.locator("#filter_form a.filter[name='name']").click()
    page.locator("#filter_form input[name^='_flt_'][name$='_name']").first.fill(name)
    with page.expect_navigation():
        page.locator("#filter_form button[type=submit], #filter_form input[type=submit]").first.click()
    page.wait_for_load_state()
    _open_row(page, _row(page, name, school), "studentview/show")


def _identification_text(page):
    """The pupil's 困难认定 tab, as the page shows it."""
    page.locator(".nav-tabs a", has_text="困难认定").first.click()
    tab = page.locator(".tab-content .tab-pane.active")
    tab.wait_for()
    return " ".join(tab.inner_text().split())


def test_3_a_disability_list_is_previewed_applied_and_undone(users):
    """残联's list of one pupil: the preview shows no ID number, 应用 gives the pupil the category
    (困中之困), 撤销 gives back what was there before."""
    this_year = school_year_of(date.today())
    centre = users.page("center")
    home(centre)
    # a pupil identified this year as 其他 by the school
    _menu(centre, "基础数据", "困难认定")
    row = _row(centre, this_year, "其他", "学校认定")
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    pupil = next((c for c in cells if "（341124" in c), None)
    assert pupil is not None, cells
    name = re.match(r"^(\S+?)（", pupil).group(1)
    school = row.locator("td.aid-col-school").inner_text().strip()
    _pupil_page(centre, name, school)
    number = re.search(r"\b\d{17}[\dX]\b", text(centre)).group(0)  # the centre sees the number in full
    before = _identification_text(centre)
    assert "残疾" not in before and "其他" in before, before

    # the list: the pupil, and a child in no school's records
    outsider = idcard.make("341124", date(2012, 2, 2), 977)
    workbook = Workbook()
    workbook.active.append(["姓名", "身份证号"])
    workbook.active.append([name, number])
    workbook.active.append(["外县儿童", outsider])
    path = Path(tempfile.mkdtemp()) / "残联名单.xlsx"
    workbook.save(path)

    _menu(centre, "基础数据", "核对名单")
    centre.select_option("#kind", label="残疾（残联）")
    centre.fill("#school_year", this_year)
    centre.check("#scope-2")  # only the schools it covers
    centre.set_input_files("#file", str(path))
    with centre.expect_navigation():
        centre.locator("button", has_text="比对").click()
    preview = text(centre)
    assert "新增该类别 1 人" in preview and "未在任何学校学籍中 1 人" in preview, preview[:2000]
    html = centre.content()
    assert number not in html and outsider not in html and idcard.mask(outsider) in preview
    hidden = {i.get_attribute("name") for i in centre.locator("form.aid-apply input[type=hidden]").all()}
    assert hidden <= {"token", "csrf_token"}, hidden
    losing = int(re.search(r"取消该类别 (\d+) 人", preview).group(1))
    shot(centre, "verification-preview", full_page=True)
    if centre.locator("#confirm").count():  # it takes the category from more than it confirms: type the count
        centre.fill("#confirm", str(losing))
    with centre.expect_navigation():
        centre.locator("form.aid-apply button[type=submit]").click()
    applied = text(centre)
    assert "名单已应用" in applied, applied[:2000]
    run = " ".join(centre.locator("table.aid-runs tbody tr").first.inner_text().split())
    assert f"残疾（残联） {this_year}" in run and "陈静" in run and f" 1 {losing} 0 " in f"{run} ", run  # gained, lost, created

    _pupil_page(centre, name, school)
    after = _identification_text(centre)
    assert "残疾" in after and "✔" in after, after

    _menu(centre, "基础数据", "核对名单")
    with centre.expect_navigation():
        centre.locator("table.aid-runs tbody tr").first.locator("button", has_text="撤销").click()
    assert "名单已撤销" in text(centre), text(centre)[:2000]
    run = " ".join(centre.locator("table.aid-runs tbody tr").first.inner_text().split())
    assert "陈静" in run and "撤销" not in centre.locator("table.aid-runs tbody tr").first.locator("button").all_inner_texts()
    _pupil_page(centre, name, school)
    assert _identification_text(centre) == before


def test_4_the_notice_posted_before_national_day_runs_past_the_holidays(users):
    """The demo county's working-day calendar carries 2026's holidays (国务院办公厅关于2026年部分节假日安排的通知:
    国庆节 1–7 October, 10 October worked); a 公示 posted on Monday 28 September ends on 10 October."""
    centre = users.page("center")
    home(centre)
    _menu(centre, "资助管理", "工作日历")
    national_day = " ".join(_row(centre, "国庆节", "2026-10-01").inner_text().split())
    assert "法定节假日" in national_day and "2026-10-07" in national_day, national_day
    _menu(centre, "资助管理", "资助公示")
    centre.select_option("#program", label="普通高中国家助学金")
    centre.fill("#start", "2026-09-28")
    with centre.expect_navigation():
        centre.locator("form.aid-filter button[type=submit]").click()
    shown = text(centre)
    assert "公示期：2026-09-28 — 2026-10-10" in shown and "不少于 5 个工作日" in shown, shown[:2000]
    shot(centre, "public-notice-national-day")
