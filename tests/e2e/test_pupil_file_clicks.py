"""控辍保学 from the centre's home page and a pupil's 资助档案, by clicks (headless Chromium, tests/e2e/conftest.py).

The centre goes home by the navigation bar, reads how many identified pupils left school this school year,
clicks the figure to the 控辍保学 list, and records a 劝返 visit for a pupil nobody visited yet: the form
opens with the pupil and the kind chosen; saved, the pupil shows the visit and the home page one pupil
fewer waiting. A school's officer opens 学生 › a pupil › 资助档案 and prints it; another school's pupil's
file is refused.
"""
from __future__ import annotations

import re
import subprocess
import tempfile
from datetime import date

from tests.e2e.clicks import home, menu
from tests.e2e.conftest import shot, text
from tests.e2e.test_day import _download, _submit, _type_date

CARD = "本学年辍学/转出的困难学生"


def _card(page):
    """The 控辍保学 figure of the home page: (pupils, of them not yet visited, the card)."""
    card = page.locator("a.aid-figure-card", has_text=CARD).first
    value = int(card.locator(".aid-figure").inner_text())
    waiting = int(re.match(r"\s*(\d+)", card.locator(".aid-figure-detail").inner_text()).group(1))
    return value, waiting, card


def _pdf_text(data):
    assert data[:5] == b"%PDF-", "not a PDF"
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        return subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True, text=True, check=True).stdout


def test_the_centre_goes_from_its_home_page_to_the_dropouts_and_records_a_persuade_back_visit(users):
    today = date.today().isoformat()
    centre = users.page("center")
    home(centre)
    left, waiting, card = _card(centre)
    assert left >= 1 and waiting >= 1, (left, waiting)  # the demo county has pupils who left, one not visited
    shot(centre, "home-dropouts-figure")
    with centre.expect_navigation():
        card.click()
    assert "/pupilstatus/dropouts/" in centre.url
    rows = centre.locator("table tbody tr")
    assert rows.count() == left, (rows.count(), left)  # the list behind the figure is the figure
    row = rows.filter(has=centre.locator("a.aid-persuade-back")).first
    name = row.locator("td").first.inner_text().strip()
    assert "尚未家访" in text(centre, "table tbody") and row.locator(".text-danger").count() == 1
    shot(centre, "dropouts-persuade-back")

    with centre.expect_navigation():
        row.locator("a.aid-persuade-back").click()
    # the visit form, filled for the pupil and 劝返
    assert "/homevisitview/add" in centre.url
    assert centre.locator("#visit_type").input_value() == "persuade_back"
    chosen = " ".join(centre.locator("#student + .select2 .select2-selection__rendered").inner_text().split())
    assert name in chosen, (name, chosen)
    _type_date(centre, "#visited_on", today)
    centre.keyboard.press("Escape")
    centre.fill("#visitors", "县资助中心、班主任")
    centre.fill("#family_met", "父亲")
    centre.fill("#findings", "宣讲资助政策，家长同意孩子下学期返校")
    shot(centre, "persuade-back-visit-form")
    _submit(centre)
    assert "/add" not in centre.url, text(centre)[:2000]

    # back on 控辍保学 (基础数据 menu): the pupil shows the visit's date and no button
    menu(centre, "基础数据", "控辍保学")
    row = centre.locator("table tbody tr", has_text=name).first
    assert today in " ".join(row.inner_text().split()) and row.locator("a.aid-persuade-back").count() == 0
    home(centre)
    assert _card(centre)[:2] == (left, waiting - 1)


def test_the_officer_opens_and_prints_a_pupils_aid_file(users):
    officer, centre = users.page("officer"), users.page("center")
    home(officer)
    own_school = officer.locator(".aid-home .label-info").first.inner_text().strip()
    menu(officer, "基础数据", "学生")
    first = officer.locator("table tr a[href*='/studentview/show/']").first
    pupil = re.search(r"/studentview/show/(\d+)", first.get_attribute("href")).group(1)
    with officer.expect_navigation():
        first.click()
    with officer.expect_navigation():
        officer.locator("a.aid-pupil-file").click()
    assert f"/pupilfile/{pupil}" in officer.url
    name = officer.locator("table.aid-file-facts td").first.inner_text().strip()
    shown = text(officer)
    masked = re.search(r"\d{6}\*{8}[\dX]{4}", shown)
    assert name and masked and own_school in shown, shown[:1500]
    assert "资助档案" in shown and "学籍变动" in shown and "资助及发放" in shown, shown[:1500]
    assert not re.search(r"\d{17}[\dX]", shown)  # no ID number in full
    shot(officer, "pupil-file", full_page=True)
    printed = _pdf_text(_download(officer, officer.locator("a.aid-print-file")))
    flat = re.sub(r"\s+", "", printed)
    assert "学生资助档案" in flat and name in flat and masked.group(0) in flat, printed[:1500]
    assert not re.search(r"\d{17}[\dX]", flat)

    # another school's pupil (found by the centre in its list): typed by the officer, refused
    menu(centre, "基础数据", "学生")
    other = None
    for row in centre.locator("table tr:has(a[href*='/studentview/show/'])").all():
        if own_school in row.inner_text():
            continue
        href = row.locator("a[href*='/studentview/show/']").first.get_attribute("href")
        other = re.search(r"/studentview/show/(\d+)", href).group(1)
        break
    assert other and other != pupil
    for url in (f"/pupilfile/{other}", f"/pupilfile/{other}/pdf"):
        response = officer.goto(url)
        assert response.status == 404, (url, response.status)
    home(officer)
