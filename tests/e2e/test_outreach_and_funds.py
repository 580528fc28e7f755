"""宣传与走访, the school's and the county's money, and 统计与考核 by clicks (headless Chromium,
tests/e2e/conftest.py): the school's officer records a home visit, a publicity activity with its
photo, an aid staff member and its training, a 励志之星, its aid fund and a pairing; the centre
records a training session, a social aid project, a programme budget and an allocation, reads the
outreach figures, the budget execution and the year-end evaluation, and prints the evaluation table;
the leader reads the same ranking and changes nothing.

Each job goes from the navigation bar to the result; what is stored is read back on the record's
page, in the list or in the figures it moves (read before and after, so that the other files'
records do not matter); what a role may not do is shown by the missing button and, typed by hand,
the refused address. Every record made here has a name of its own (``RUN``).
"""
from __future__ import annotations

import io
import re
from datetime import date, datetime

import pytest
from PIL import Image

from tests.e2e.clicks import add, advanced_search, click, home, menu, menu_entries, menu_entry, needs, open_row, search
from tests.e2e.conftest import pick_pupil, shot, text
from tests.e2e.test_day import _pdf_text, _submit, _type_date

STATE: dict = {}
RUN = datetime.now().strftime("%H%M%S")  # a run's records are told apart from the last run's (E2E_BASE_URL)
REFUSED = "您没有执行此操作的权限"


def _refused(page, address):
    """An address typed by hand is refused: the permission message, or no such record (404)."""
    response = page.goto(address)
    shown = text(page)
    assert response.status in (403, 404) or REFUSED in shown, (address, response.status, shown[:800])
    return shown


def _table(page, heading):
    """The table under a heading of a figures page, as {first cell: {column header: cell}}."""
    table = page.locator(f"h4:has-text('{heading}')").first.locator("xpath=following::table[1]")
    headers = [" ".join(h.split()) for h in table.locator("thead th").all_inner_texts()]
    rows = {}
    for row in table.locator("tbody tr").all():
        cells = [" ".join(c.split()) for c in row.locator("td").all_inner_texts()]
        if len(cells) == len(headers):
            rows[cells[0]] = dict(zip(headers, cells))
    return rows


def _count(cell):
    return int(cell or 0)


def _outreach_figures(page):
    menu(page, "宣传与走访", "宣传走访与队伍统计")
    assert "/outreach/figures/" in page.url and "宣传走访与队伍统计" in text(page)
    return {"visits": _table(page, "走访情况"), "publicity": _table(page, "宣传活动"),
            "staff": _table(page, "资助工作队伍"), "hours": _table(page, "人员培训学时")}


SCHOOL = "全椒县中学"  # the demo officer's school (普通高中)


# --- 宣传与走访 -----------------------------------------------------------------------------------

def test_1_the_officer_records_a_home_visit_for_a_pupil_and_the_centre_counts_it(users):
    today = date.today()
    centre, officer = users.page("center"), users.page("officer")
    home(centre)
    before = _outreach_figures(centre)["visits"].get(SCHOOL, {})

    home(officer)
    menu(officer, "宣传与走访", "走访")
    add(officer)
    assert "记录走访" in text(officer) or "走访" in text(officer)
    pupil = pick_pupil(officer, "高二")
    name = pupil.split("·")[0].strip()
    officer.select_option("#visit_type", label="需要助学贷款的家庭")
    _type_date(officer, "#visited_on", today.isoformat())
    officer.fill("#visitors", "班主任王老师、资助专干马伟")
    officer.fill("#family_met", "母亲、祖父")
    findings = f"走访{RUN}：父亲外出务工，母亲务农，祖父患病需长期服药。"
    officer.fill("#findings", findings)
    officer.fill("#opinions", "希望了解生源地信用助学贷款的办理流程。")
    officer.fill("#solved", "讲解了普通高中国家助学金政策。")
    officer.fill("#open_problems", "祖父医药费负担重，需联系民政申请临时救助。")
    officer.check("#resolved")
    _submit(officer)
    # open problems cannot be marked resolved, and need a follow-up: said in Chinese, the form kept
    shown = text(officer)
    assert "仍有未解决问题，不能标记为已全部解决。" in shown and "请说明未解决问题的跟进安排。" in shown, shown[:2000]
    assert officer.input_value("#findings") == findings
    officer.uncheck("#resolved")
    officer.fill("#follow_up", "资助专干下周联系镇民政办，两周内回访。")
    shot(officer, "home-visit-form", full_page=True)
    _submit(officer)
    assert "/homevisitview/add" not in officer.url, text(officer)[:2000]

    # read back: the list, then the visit's own page
    menu(officer, "宣传与走访", "走访")
    search(officer, "student", name)
    row = officer.locator("table.aid-list tbody tr", has_text=name).filter(has_text=today.isoformat()).first
    assert "需要助学贷款的家庭" in row.inner_text()
    with officer.expect_navigation():
        row.locator("a[href*='/homevisitview/show/']").first.click()
    STATE["visit"] = int(re.search(r"/show/(\d+)", officer.url).group(1))
    shown = text(officer)
    for fact in ("走访记录", name, SCHOOL, "需要助学贷款的家庭", today.isoformat(), "班主任王老师、资助专干马伟", findings,
                 "祖父医药费负担重", "两周内回访"):
        assert fact in shown, (fact, shown[:2500])
    assert "341124********" in shown  # the pupil's number masked, as everywhere
    shot(officer, "home-visit-show", full_page=True)

    # the centre's figures: one more visit of the type for the school, and one more with open problems
    home(centre)
    after = _outreach_figures(centre)["visits"][SCHOOL]
    assert _count(after["需要助学贷款的家庭"]) == _count(before.get("需要助学贷款的家庭")) + 1, (before, after)
    assert _count(after["有未解决问题"]) == _count(before.get("有未解决问题")) + 1, (before, after)
    assert _count(after["合计"]) == _count(before.get("合计")) + 1
    shot(centre, "outreach-figures-centre", full_page=True)
    # the officer's own figures page shows the same row, and only its school
    mine = _outreach_figures(officer)["visits"]
    assert mine[SCHOOL] == after and set(mine) <= {SCHOOL, "合计"}, mine


def test_2_another_school_and_the_supervisor_cannot_record_or_open_the_visit(users):
    needs(STATE, "visit")
    other = users.page("officer2")
    home(other)
    menu(other, "宣传与走访", "走访")
    assert SCHOOL not in text(other, "table")  # another school's visits are not in its list
    _refused(other, f"/homevisitview/show/{STATE['visit']}")
    _refused(other, f"/homevisitview/edit/{STATE['visit']}")
    supervisor = users.page("supervisor")
    home(supervisor)
    menu(supervisor, "宣传与走访", "走访")
    assert "/homevisitview/list/" in supervisor.url
    assert supervisor.locator("a", has_text="新增").count() == 0  # reads the visits, records none
    assert supervisor.locator(f"a[href*='/homevisitview/edit/{STATE['visit']}']").count() == 0
    _refused(supervisor, "/homevisitview/add")
    shot(supervisor, "home-visit-add-refused")


def _png(colour=(200, 40, 40)):
    data = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(data, format="PNG")
    return data.getvalue()


def test_3_the_officer_records_a_publicity_activity_and_uploads_its_photo(users):
    today = date.today()
    centre, officer = users.page("center"), users.page("officer")
    home(centre)
    before = _outreach_figures(centre)["publicity"].get(SCHOOL, {})

    home(officer)
    menu(officer, "宣传与走访", "宣传活动")
    add(officer)
    title = f"高三资助政策主题班会{RUN}"
    assert officer.locator("#school option").all_inner_texts() == [SCHOOL]  # its own school only
    officer.select_option("#activity_type", label="班会")
    _type_date(officer, "#held_on", today.isoformat())
    officer.fill("#title", title)
    officer.fill("#audience", "45")
    officer.select_option("#target_stage", label="面向高中：助学贷款及大学资助政策")
    officer.fill("#notes", "讲解生源地信用助学贷款和大学新生入学资助。")
    _submit(officer)
    menu(officer, "宣传与走访", "宣传活动")
    search(officer, "title", title)
    open_row(officer, title, "/publicityactivityview/show/")
    STATE["activity"] = activity = int(re.search(r"/show/(\d+)", officer.url).group(1))
    shown = text(officer)
    for fact in (SCHOOL, "班会", today.isoformat(), title, "45", "面向高中：助学贷款及大学资助政策", "尚无照片。"):
        assert fact in shown, (fact, shown[:2000])

    # a file that is not a photo is refused, and nothing is added
    officer.set_input_files("#files", files=[{"name": "名单.txt", "mimeType": "text/plain", "buffer": "张三".encode()}])
    click(officer, officer.locator("button", has_text="上传"))
    shown = text(officer)
    assert "名单.txt不是照片（仅限jpg或png）。" in shown and "尚无照片。" in shown, shown[:2000]
    # the photo
    officer.set_input_files("#files", files=[{"name": "班会现场.png", "mimeType": "image/png", "buffer": _png()}])
    click(officer, officer.locator("button", has_text="上传"))
    shown = text(officer)
    assert "已添加1张照片。" in shown and "尚无照片。" not in shown, shown[:2000]
    image = officer.locator(".aid-photos img[alt='班会现场.png']")
    assert image.count() == 1
    assert image.evaluate("img => img.complete && img.naturalWidth") == 64  # the stored photo shows
    STATE["photo"] = image.get_attribute("src")
    shot(officer, "publicity-photo", full_page=True)

    # another school opens neither the activity nor its photo
    other = users.page("officer2")
    _refused(other, f"/publicityactivityview/show/{activity}")
    assert other.request.get(STATE["photo"]).status in (403, 404)
    home(other)

    # the centre's figures: one more 班会 for the school, 45 more people reached
    home(centre)
    after = _outreach_figures(centre)["publicity"][SCHOOL]
    assert _count(after["班会"]) == _count(before.get("班会")) + 1, (before, after)
    assert _count(after["受众人数"]) == _count(before.get("受众人数")) + 45, (before, after)


def test_4_the_officer_adds_an_aid_staff_member_who_attends_the_centres_training(users):
    today = date.today()
    centre, officer = users.page("center"), users.page("officer")
    # the centre organises a training session today
    home(centre)
    menu(centre, "宣传与走访", "培训")
    add(centre)
    topic = f"资助政策与系统操作培训{RUN}"
    _type_date(centre, "#held_on", today.isoformat())
    centre.fill("#topic", topic)
    centre.fill("#hours", "2.5")
    centre.fill("#trainer", "县学生资助管理中心")
    centre.fill("#place", "县教育局三楼会议室")
    _submit(centre)
    before = _outreach_figures(centre)["staff"].get(SCHOOL, {})

    # the school's new part-time aid staff member, in post since the first of the year
    home(officer)
    menu(officer, "宣传与走访", "资助工作队伍")
    add(officer)
    person = "柏" + "".join("零一二三四五六七八九"[int(d)] for d in RUN[-2:])  # 柏三七
    since = date(today.year, 1, 1).isoformat()
    officer.select_option("#school", label=SCHOOL)
    officer.fill("#name", person)
    officer.fill("#post", "资助专干")
    officer.select_option("#employment", label="兼职")
    _type_date(officer, "#since", since)
    _type_date(officer, "#until", date(today.year - 1, 12, 1).isoformat())  # left before taking the post: refused
    _submit(officer)
    assert "离岗日期不能早于到岗日期。" in text(officer), text(officer)[:2000]
    officer.fill("#until", "")
    _submit(officer)
    menu(officer, "宣传与走访", "资助工作队伍")
    row = officer.locator("table.aid-list tbody tr", has_text=person).first
    assert all(v in row.inner_text() for v in (SCHOOL, "资助专干", "兼职", since)), row.inner_text()
    STATE["staff"] = person

    # the officer records the attendance on the training's page (参训人员 › 新增)
    menu(officer, "宣传与走访", "培训")
    assert officer.locator("a", has_text="新增").count() == 0  # the centre records sessions, not a school
    open_row(officer, topic, "/trainingsessionview/show/")
    officer.locator("a", has_text="参训人员").first.click()
    click(officer, officer.locator("a[href*='/trainingattendanceview/add']").first)
    officer.select_option("#staff", label=f"{person}（{SCHOOL}）")
    _submit(officer)
    shown = text(officer)
    assert topic in shown and person in shown, shown[:2000]
    shot(officer, "training-attendance", full_page=True)

    # the same person at a session held before the post was taken: refused, in Chinese
    menu(officer, "宣传与走访", "培训")
    earlier = [(d.group(0), r) for r in officer.locator("table tbody tr").all()
               if (d := re.search(r"\d{4}-\d{2}-\d{2}", r.inner_text())) and d.group(0) < since]
    if earlier:
        held, row = earlier[0]
        click(officer, row.locator("a[href*='/trainingsessionview/show/']").first)
        officer.locator("a", has_text="参训人员").first.click()
        click(officer, officer.locator("a[href*='/trainingattendanceview/add']").first)
        officer.select_option("#staff", label=f"{person}（{SCHOOL}）")
        _submit(officer)
        assert f"{person}在{held}不在岗。" in text(officer), text(officer)[:2000]

    # the figures: one more part-time member and one more taking up a post this year; the person's hours
    home(centre)
    figures = _outreach_figures(centre)
    after = figures["staff"][SCHOOL]
    assert _count(after["在岗兼职"]) == _count(before.get("在岗兼职")) + 1, (before, after)
    assert _count(after["本年到岗"]) == _count(before.get("本年到岗")) + 1, (before, after)
    assert figures["hours"][person] == {"姓名": person, "学校": SCHOOL, "参训次数": "1", "学时": "2.5"}, figures["hours"]


def test_5_the_officer_records_a_star_of_aid_education(users):
    today = date.today()
    officer = users.page("officer")
    home(officer)
    menu(officer, "宣传与走访", "资助育人")
    add(officer)
    pupil = pick_pupil(officer, "高三")
    name = pupil.split("·")[0].strip()
    officer.fill("#year", str(today.year + 1))
    officer.select_option("#kind", label="励志之星")
    title = f"校级励志之星{RUN}"
    officer.fill("#title", title)
    officer.fill("#citation", "家境困难但自强不息，担任班级学习委员，帮助同学补习数学。")
    _submit(officer)
    assert "年度应在2000年至今年之间。" in text(officer), text(officer)[:2000]  # next year's star: not yet
    officer.fill("#year", str(today.year))
    _submit(officer)
    menu(officer, "宣传与走访", "资助育人")
    search(officer, "title", title)
    open_row(officer, title, "/recognitionview/show/")
    shown = text(officer)
    for fact in (str(today.year), SCHOOL, name, "励志之星", title, "帮助同学补习数学"):
        assert fact in shown, (fact, shown[:2000])
    shot(officer, "recognition-show")
    supervisor = users.page("supervisor")
    home(supervisor)
    menu(supervisor, "宣传与走访", "资助育人")
    assert supervisor.locator("a", has_text="新增").count() == 0
    _refused(supervisor, "/recognitionview/add")


# --- 资助资金 ----------------------------------------------------------------------------------------

def _filter_select(page, column, label):
    """The list's 搜索 panel with a filter whose value is chosen from a list (提取情况, 学校)."""
    advanced_search(page)
    page.locator("#filter_form .dropdown-toggle").first.click()
    page.locator(f"#filter_form a.filter[name='{column}']").click()
    page.locator(f"#filter_form select[name$='_{column}']").last.select_option(label=label)
    click(page, page.locator("#filter_form button[type=submit], #filter_form input[type=submit]").first)


def test_6_the_officer_records_the_schools_aid_fund_and_sees_its_compliance(users):
    today = date.today()
    officer = users.page("officer")
    home(officer)
    menu(officer, "资助管理", "校内资助资金")
    kept = {int(y) for y in re.findall(r"\b(20\d\d)\b", text(officer, "table.aid-list"))}
    year = next(y for y in range(today.year - 2, 2000, -1) if y not in kept)  # a year with no record yet
    add(officer)
    assert officer.locator("#school option").all_inner_texts() == [SCHOOL]
    officer.fill("#year", str(year))
    officer.fill("#operating_income", "2000000")
    officer.fill("#extracted", "40000")  # 2%: below the 3%–5% of a 普通高中
    officer.fill("#ledger_reference", f"资助专户{RUN}")
    _submit(officer)
    menu(officer, "资助管理", "校内资助资金")
    row = officer.locator("table tbody tr").filter(has=officer.locator("td", has_text=re.compile(rf"^\s*{year}\s*$"))).first
    assert all(v in " ".join(row.inner_text().split()) for v in (SCHOOL, "2,000,000.00", "40,000.00", "2.00%", "3%–5%",
                                                                  "低于规定比例")), row.inner_text()
    click(officer, row.locator("a[href*='/schoolfundview/show/']"))
    STATE["fund"] = fund = int(re.search(r"/show/(\d+)", officer.url).group(1))
    shown = text(officer)
    assert "提取比例 2.00%" in shown and "提取情况 低于规定比例" in shown and f"资助专户{RUN}" in shown, shown[:2000]
    shot(officer, "school-fund-below")

    # a second record for the same year is refused, in Chinese
    menu(officer, "资助管理", "校内资助资金")
    add(officer)
    officer.fill("#year", str(year))
    officer.fill("#operating_income", "1")
    officer.fill("#extracted", "0")
    _submit(officer)
    assert "已有相同“学校”、“年度”的记录：每种组合只能有一条。" in text(officer), text(officer)[:2000]
    assert len(officer.locator("table tbody tr").filter(
        has=officer.locator("td", has_text=re.compile(rf"^\s*{year}\s*$"))).all()) == 1  # still the one record

    # the centre finds it among the funds below the band
    centre = users.page("center")
    home(centre)
    menu(centre, "资助管理", "校内资助资金")
    _filter_select(centre, "compliance", "低于规定比例")
    rows = [" ".join(r.split()) for r in centre.locator("table tbody tr").all_inner_texts()]
    assert any(SCHOOL in r and str(year) in r for r in rows) and all("低于规定比例" in r for r in rows), rows
    assert centre.locator(f"a[href*='/schoolfundview/show/{fund}']").count() == 1

    # the school corrects the amount extracted: within the band now
    home(officer)
    menu(officer, "资助管理", "校内资助资金")
    click(officer, officer.locator(f"a[href*='/schoolfundview/edit/{fund}']").first)
    officer.fill("#extracted", "80000")
    _submit(officer)
    menu(officer, "资助管理", "校内资助资金")
    click(officer, officer.locator(f"a[href*='/schoolfundview/show/{fund}']").first)
    shown = text(officer)
    assert "提取金额（元） 80,000.00" in shown and "提取比例 4.00%" in shown and "提取情况 符合规定比例" in shown, shown[:2000]
    # another school neither lists nor opens it
    other = users.page("officer2")
    home(other)
    menu(other, "资助管理", "校内资助资金")
    assert SCHOOL not in text(other, "table")
    _refused(other, f"/schoolfundview/show/{fund}")


def test_7_the_centre_records_a_social_project_and_the_officer_pairs_a_pupil_with_it(users):
    today = date.today()
    centre, officer = users.page("center"), users.page("officer")
    home(centre)
    menu(centre, "资助管理", "社会资助项目")
    add(centre)
    project = f"襄河爱心助学{RUN}"
    centre.fill("#name", project)
    centre.fill("#donor", "全椒县慈善协会")
    centre.select_option("#kind", label="结对助学")
    centre.fill("#budget", "60000")
    _type_date(centre, "#starts_on", date(today.year, 9, 1).isoformat() if today.month >= 9 else
               date(today.year - 1, 9, 1).isoformat())
    _type_date(centre, "#ends_on", date(today.year + 2, 7, 31).isoformat())
    centre.fill("#contact", "王会长 0550-5123456")
    _submit(centre)
    menu(centre, "资助管理", "社会资助项目")
    search(centre, "name", project)
    row = " ".join(centre.locator("table.aid-list tbody tr", has_text=project).first.inner_text().split())
    assert "全椒县慈善协会" in row and "结对助学" in row and "60,000.00" in row, row

    # the officer reads the projects, records none
    home(officer)
    menu(officer, "资助管理", "社会资助项目")
    assert project in text(officer) and officer.locator("a", has_text="新增").count() == 0
    _refused(officer, "/socialprojectview/add")
    home(officer)
    # ... and pairs one of its pupils with it
    menu(officer, "资助管理", "结对资助")
    add(officer)
    officer.select_option("#project", label=project)
    officer.fill("#donor_name", "县慈善协会 周先生")
    pupil = pick_pupil(officer, "高一")
    name = pupil.split("·")[0].strip()
    officer.fill("#amount", "0")
    _type_date(officer, "#starts_on", today.isoformat())
    _type_date(officer, "#ends_on", date(today.year + 2, 6, 30).isoformat())
    _submit(officer)
    assert "金额必须大于零。" in text(officer), text(officer)[:2000]
    officer.fill("#amount", "2000")
    _submit(officer)
    menu(officer, "资助管理", "结对资助")
    _filter_select(officer, "project", project)
    row = officer.locator("table.aid-list tbody tr", has_text=project).first
    assert all(v in " ".join(row.inner_text().split()) for v in (name, "县慈善协会 周先生", SCHOOL, "2,000.00")), row.inner_text()
    click(officer, row.locator("a[href*='/pairingview/show/']"))
    STATE["pairing"] = pairing = int(re.search(r"/show/(\d+)", officer.url).group(1))
    shown = text(officer)
    assert project in shown and name in shown and today.isoformat() in shown, shown[:2000]
    shot(officer, "pairing-show")

    # the project counts the pupil paired and the money pledged
    home(centre)
    menu(centre, "资助管理", "社会资助项目")
    search(centre, "name", project)
    open_row(centre, project, "/socialprojectview/show/")
    shown = text(centre)
    assert "结对学生数 1" in shown and "结对金额（元） 2,000.00" in shown, shown[:2000]
    # another school sees nothing of the pairing
    other = users.page("officer2")
    home(other)
    menu(other, "资助管理", "结对资助")
    # (the project itself is the county's: its name is among the search bar's 项目 choices)
    listed = " ".join(other.locator("table.aid-list tbody, .aid-empty").all_inner_texts())
    assert listed and project not in listed, listed
    _refused(other, f"/pairingview/show/{pairing}")


def _money(cell):
    return cell.replace(",", "")


def test_8_the_centre_records_a_budget_and_an_allocation_and_reads_the_budget_execution(users):
    today = date.today()
    centre = users.page("center")
    home(centre)
    menu(centre, "资助管理", "预算与配套")
    year = today.year + 1  # next year's budget, its county share sent ahead (提前下达)
    planned = {" ".join(r.split()) for r in centre.locator("table.aid-list tbody tr").all_inner_texts()
               if r.strip().startswith(str(year))}
    add(centre)
    programmes = [o for o in centre.locator("#program option").all_inner_texts() if o.strip()]
    programme = next((p for p in programmes if not any(p in r for r in planned)), None)
    if programme is None:
        pytest.skip(f"every programme already has a budget for {year}")
    centre.select_option("#program", label=programme)
    centre.fill("#year", str(year))
    centre.fill("#planned_recipients", "120")
    centre.fill("#planned_amount", "100000")
    for field, share in (("central", "60"), ("provincial", "32"), ("city", "0"), ("county", "10")):
        centre.fill(f"#{field}_share", share)
    _type_date(centre, "#county_due_on", date(year, 6, 30).isoformat())
    _submit(centre)
    assert "四级分担比例相加应为100（现为102）。" in text(centre), text(centre)[:2000]  # said, the form kept
    assert centre.input_value("#planned_amount").startswith("100000")
    centre.fill("#county_share", "8")
    _submit(centre)
    menu(centre, "资助管理", "预算与配套")
    row = centre.locator("table.aid-list tbody tr", has_text=programme).filter(has_text=str(year)).first
    assert all(v in " ".join(row.inner_text().split()) for v in ("120", "100,000.00", "60.00", "32.00", "8.00",
                                                                  f"{year}-06-30")), row.inner_text()
    click(centre, row.locator("a[href*='/programbudgetview/show/']"))
    STATE["budget"] = budget = int(re.search(r"/show/(\d+)", centre.url).group(1))

    # its allocation: the county's matching share, arrived today (one dated tomorrow is refused)
    centre.locator(".nav-tabs a", has_text="资金到位").click()
    click(centre, centre.locator("a[href*='/allocationview/add']").first)
    document = f"全财教〔{today.year}〕{RUN[-3:]}号"
    centre.select_option("#level", label="县级")
    centre.fill("#document_number", document)
    _type_date(centre, "#arrived_on", date.fromordinal(today.toordinal() + 1).isoformat())
    centre.fill("#amount", "8000")
    _submit(centre)
    assert "资金到账后再登记。" in text(centre), text(centre)[:2000]
    _type_date(centre, "#arrived_on", today.isoformat())
    _submit(centre)
    menu(centre, "资助管理", "预算与配套")
    click(centre, centre.locator(f"a[href*='/programbudgetview/show/{budget}']").first)
    centre.locator(".nav-tabs a", has_text="资金到位").click()
    shown = text(centre)
    assert document in shown and "县级" in shown and "8,000.00" in shown, shown[:2000]
    shot(centre, "budget-allocation")

    # 预算执行 of that year: planned and arrived by level, the county's share on time
    menu(centre, "资助管理", "预算执行")
    centre.fill("#year", str(year))
    click(centre, centre.locator("form.aid-filter button", has_text="查看"))
    row = [" ".join(c.split()) for c in
           centre.locator("table tbody tr", has_text=programme).first.locator("td").all_inner_texts()]
    # 项目, 预算, 中央 预算/到位, 省级 预算/到位, 市级 预算/到位, 县级 预算/到位, 县级配套按时到位, 到位, 支出, 支出率, 及时发放率
    assert row[0] == programme and _money(row[1]) == "100000.00", row
    assert (_money(row[2]), _money(row[3])) == ("60000.00", "0.00"), row
    assert (_money(row[8]), _money(row[9])) == ("8000.00", "8000.00"), row
    assert row[10] == "是" and _money(row[11]) == "8000.00", row
    shot(centre, "budget-execution", full_page=True)

    # the supervisor and the leader read the execution; neither records a budget
    for username in ("supervisor", "leader"):
        reader = users.page(username)
        home(reader)
        menu(reader, "资助管理", "预算执行")
        assert "预算执行" in text(reader)
        menu(reader, "资助管理", "预算与配套")
        assert reader.locator("a", has_text="新增").count() == 0
        _refused(reader, "/programbudgetview/add")
        _refused(reader, f"/allocationview/add?_flt_0_budget={budget}")
        home(reader)
    officer = users.page("officer")
    home(officer)
    assert "预算与配套" not in " ".join(menu_entries(officer))
    _refused(officer, f"/programbudgetview/show/{budget}")
    home(officer)


# --- 统计与考核 ---------------------------------------------------------------------------------

def _ranking(page):
    """The year-end ranking as {school: (rank, score)}."""
    out = {}
    for row in page.locator("table.aid-evaluation tbody tr").all():
        cells = [" ".join(c.split()) for c in row.locator("td").all_inner_texts()]
        out[row.locator("td").nth(1).locator("a").inner_text().strip()] = (cells[0], cells[-1])
    return out


def test_9_the_centre_ranks_the_schools_opens_one_and_prints_the_table_and_the_leader_reads_it(users, tmp_path):
    today = date.today()
    centre = users.page("center")
    home(centre)
    menu(centre, "统计与考核", "年终考核")
    assert "学校年终考核" in text(centre)
    ranking = _ranking(centre)
    assert len(ranking) >= 28 and SCHOOL in ranking, ranking  # the demo's 28 schools (and any another test adds)
    assert centre.locator(".panel a", has_text="考核权重").count() == 1  # the centre's own button to the weights
    rank, score = ranking[SCHOOL]
    shot(centre, "evaluation-ranking", full_page=True)
    # the school's sheet: every part with its points, the score and the rank
    click(centre, centre.locator("table.aid-evaluation a", has_text=SCHOOL).first)
    assert "/evaluation/school/" in centre.url
    sheet = text(centre)
    for part in ("报送及时率", "报送准确率", "督查得分率", "按期整改率", "资金提取合规", "资助信息填报完整率", score):
        assert part in sheet, (part, sheet[:2500])
    shot(centre, "evaluation-school", full_page=True)

    # the printed table of the year shown, from the ranking
    menu(centre, "统计与考核", "年终考核")
    button = centre.locator("a.aid-print-evaluation")
    assert button.inner_text().strip() == "打印本年度考核表"
    href = button.get_attribute("href")
    with centre.context.expect_page() as opened:
        button.click()
    opened.value.close()
    response = centre.request.get(href)
    assert response.ok and response.headers["content-type"] == "application/pdf", response.status
    printed = _pdf_text(response.body())
    if printed:  # poppler-utils present
        assert f"{today.year}" in printed and SCHOOL in printed and score in printed, printed[:2000]
    # ... and from 打印文书 (the current year's)
    entry = menu_entry(centre, "打印文书", "年度考核表（打印）")
    assert entry.get_attribute("href").endswith("/print/evaluation")
    home(centre)

    # the leader: the same ranking, nothing to change
    leader = users.page("leader")
    home(leader)
    menu(leader, "统计与考核", "年终考核")
    assert _ranking(leader)[SCHOOL] == (rank, score)
    assert leader.locator(".panel a", has_text="考核权重").count() == 0  # the centre has this button, the leader not
    assert leader.locator("a.aid-print-evaluation").count() == 1  # the leader prints the table too
    shot(leader, "evaluation-leader", full_page=True)
    menu(leader, "统计与考核", "考核权重")
    assert leader.locator("a[href*='/evaluationpartview/edit/']").count() == 0
    _refused(leader, "/evaluationpartview/edit/1")
    home(leader)
    # a school's officer sees its own row only
    officer = users.page("officer")
    home(officer)
    menu(officer, "统计与考核", "年终考核")
    assert _ranking(officer) == {SCHOOL: (rank, score)}
    assert officer.locator("a.aid-print-evaluation").count() == 0
