"""Every list, as a clerk reads it: the search bar of the fields people search by above the table,
the filters in force as chips that each remove their filter, a labelled toolbar, the states as coloured
tags (red with the days overdue), a 操作 column last that offers only what the row's state allows, an
empty list that says what is missing and offers the next step; every form with its errors summarised."""
from __future__ import annotations

import re
from datetime import timedelta

from app import clock
from app.extensions import db
from tests.conftest import WORLD, login, visible_text


def _rows(html):
    table = html.index("aid-list aid-list-")
    body = html[html.index("<tbody>", table):html.index("</tbody>", table)]
    return re.findall(r"(?s)<tr>(.*?)</tr>", body)


def test_the_award_list_has_its_search_bar_toolbar_tags_and_operations_last(app):
    center = login(app, "t_center")
    html = center.get("/awardview/list/").get_data(as_text=True)
    bar = html[html.index('class="aid-search-bar"'):html.index("</form>", html.index('class="aid-search-bar"'))]
    assert re.findall(r'<label for="aid-bar-(\w+)"', bar) == ["school", "student", "program", "semester", "status"]
    assert "搜索" in bar and "重置" in bar and "高级搜索" in html  # FAB's full panel stays, folded
    # the batch actions labelled, the destructive one last and red, all disabled until rows are ticked
    buttons = re.findall(r'<button type="button" class="btn btn-sm aid-batch ([\w-]+)"[^>]*disabled>\s*<i[^>]*></i> (\S+)</button>',
                         html)
    assert buttons == [("btn-success", "审核通过"), ("btn-success", "标记已发放"), ("btn-danger", "删除")], buttons
    assert "导出Excel" in html and "</i> 新增</a>" in html
    # the header ends with 操作; each row's last cell holds its labelled buttons
    header = re.findall(r"<th[^>]*>(.*?)</th>", html[html.index("<thead>"):html.index("</thead>")], re.S)
    assert header[-1] == "操作"
    row = _rows(html)[0]
    cells = re.findall(r'(?s)<td class="([^"]*)">(.*?)</td>', row)
    assert cells[-1][0] == "aid-row-actions" and "查看" in cells[-1][1] and "编辑" in cells[-1][1]
    status = dict(cells)["aid-col-status aid-nowrap aid-col-tag"]
    assert status == '<span class="aid-tag aid-tag-wait">拟资助</span>', status
    amount = next(c for c, _ in cells if c.startswith("aid-col-amount"))
    assert "aid-num" in amount and "aid-nowrap" in amount
    # the masked card number stays masked in its new cell
    assert "**** ****" in dict(cells)["aid-col-card_number aid-nowrap"]
    # the semester may break after 学年 and the pupil before the ID number, nowhere else: two halves
    # each on one line, the cell free between them
    semester = dict(cells)["aid-col-semester"]
    assert re.fullmatch(r'<span class="aid-half">\d{4}-\d{4}学年</span><span class="aid-half">第[一二]学期</span>',
                        semester), semester
    pupil = dict(cells)["aid-col-student"]
    assert re.fullmatch(r'<span class="aid-half">[^<（]+</span><span class="aid-half">（\d{6}\*{8}\d{3}[\dX]）</span>',
                        pupil), pupil
    assert "共 2 条" in visible_text(center.get("/awardview/list/")) or "共" in html


def test_an_officer_bar_leaves_out_the_school_which_is_always_their_own(app):
    officer = login(app, "t_officer_a")
    html = officer.get("/studentview/list/").get_data(as_text=True)
    assert re.findall(r'<label for="aid-bar-(\w+)"', html) == ["name", "id_number", "grade", "class_name", "status"]
    # the ID number is searched by its exact value (typed whole), the name by a part of it
    assert 'name="_flt_0_id_number"' in html and re.search(r'name="_flt_\d_name"', html)


def test_a_search_from_the_bar_finds_the_row_and_shows_a_chip_that_removes_it(app):
    from flask_babel import force_locale

    from app.extensions import db
    from app.models import Award
    from app.models.choices import AWARD_STATUSES

    with app.app_context():  # school A's award, in whatever state the tests before left it
        status = db.session.get(Award, WORLD.award_a).status
        with app.test_request_context(), force_locale("zh"):
            shown = str(AWARD_STATUSES.label(status))
    center = login(app, "t_center")
    html = center.get(f"/awardview/list/?_flt_0_school={WORLD.school_a}&_flt_0_status={status}"
                      "&psize_AwardView=50").get_data(as_text=True)
    text = visible_text(center.get(f"/awardview/list/?_flt_0_school={WORLD.school_a}&_flt_0_status={status}"))
    assert "甲校学生" in text and "乙校学生" not in text
    assert "学校 等于 测试甲中学" in text and f"状态 等于 {shown}" in text
    chips = dict((m[1].strip(), m[0].replace("&amp;", "&")) for m in re.findall(
        r'<a class="aid-chip aid-filter-term" href="([^"]+)"[^>]*><strong>[^<]*</strong>([^<]*)<', html))
    # removing the status chip keeps the school filter and the page size
    without_status = chips[f"等于 {shown}"]
    assert "_flt_0_status" not in without_status and f"_flt_0_school={WORLD.school_a}" in without_status
    assert "psize_AwardView=50" in without_status
    # the bar shows what is searched, selected
    assert f'<option value="{WORLD.school_a}" selected>' in html and f'<option value="{status}" selected>' in html


def test_a_closed_complaint_offers_no_edit_and_an_overdue_one_says_by_how_many_days(app):
    from sqlalchemy import update

    from app.models import Complaint
    from app.rules.complaints import due_date

    center = login(app, "t_center")
    with app.app_context():
        days = (clock.today() - due_date(db.session.get(Complaint, WORLD.complaint_b))).days
    html = center.get("/complaintview/list/").get_data(as_text=True)
    row = next(r for r in _rows(html) if "乙校投诉标题" in r)
    if days > 0:
        assert f'aid-tag-late">已登记 · 逾期 {days} 天<' in row, row
    assert "/complaintview/edit/" in row  # a registered complaint is still the registrar's to correct
    with app.app_context():
        db.session.connection().execute(update(Complaint.__table__).where(Complaint.__table__.c.id == WORLD.complaint_b).values(status="closed"))
        db.session.commit()
    try:
        html = center.get("/complaintview/list/").get_data(as_text=True)
        row = next(r for r in _rows(html) if "乙校投诉标题" in r)
        assert "/complaintview/edit/" not in row and "/complaintview/show/" in row
        assert 'aid-tag-done">已办结<' in row, row
    finally:
        with app.app_context():
            db.session.connection().execute(update(Complaint.__table__).where(Complaint.__table__.c.id == WORLD.complaint_b).values(status="registered"))
            db.session.commit()


def test_status_tag_is_one_call_for_any_template(app):
    from app.models import Award, Inspection
    from app.views.tags import status_tag

    with app.test_request_context():
        assert status_tag(Award(status="paid")) == '<span class="aid-tag aid-tag-done">已发放</span>'
        assert status_tag("void", Award()) == '<span class="aid-tag aid-tag-off">已撤销</span>'
        late = Inspection(rectification_status="required", rectification_deadline=clock.today() - timedelta(days=3))
        assert "逾期 3 天" in status_tag(late, column="rectification_status")
        assert "aid-tag-late" in status_tag(late, column="rectification_status")
        on_time = Inspection(rectification_status="required", rectification_deadline=clock.today() + timedelta(days=3))
        assert status_tag(on_time, column="rectification_status") == '<span class="aid-tag aid-tag-wait">待整改</span>'


def test_an_empty_list_says_what_is_missing_and_offers_the_next_step(app):
    officer = login(app, "t_officer_a")
    text = visible_text(officer.get("/submissionview/list/"))
    assert "尚无报送记录" in text
    html = officer.get("/submissionview/list/").get_data(as_text=True)
    assert re.search(r'class="btn btn-primary aid-empty-action" href="/reporting/todo/"', html)
    # a search that finds nothing says so, not that nothing exists
    text = visible_text(officer.get("/awardview/list/?_flt_0_status=void"))
    assert "没有符合搜索条件的记录" in text and "尚未申报资助" not in text


def test_the_award_export_carries_the_state_as_words_not_markup(app):
    from io import BytesIO

    from openpyxl import load_workbook

    center = login(app, "t_center")
    sheet = load_workbook(BytesIO(center.get("/awardview/export/").data)).active
    values = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "拟资助" in values and not any("<span" in v for v in values)


def test_a_refused_form_summarises_its_errors_at_the_top_and_keeps_what_was_typed(app):
    center = login(app, "t_center")
    html = center.post("/studentview/add", data={"name": "", "id_number": "341124", "class_name": "3班"}).get_data(
        as_text=True)
    summary = html[html.index("aid-form-errors"):html.index("</ul>", html.index("aid-form-errors"))]
    assert "未保存" in summary and '<a href="#name">姓名</a>' in summary
    assert 'value="3班"' in html and 'value="341124"' in html
    # the field's own error beside it, the required mark on its label
    item = html[html.index('<label for="name">'):]
    item = item[:item.index("</div>", item.index("aid-field-error"))]
    assert 'class="aid-required"' in item and "必填" in item


def test_a_state_shown_as_a_link_is_a_tag_around_its_link(app):
    center = login(app, "t_center")
    html = center.get("/loanview/list/").get_data(as_text=True)
    assert re.search(r'<span class="aid-tag aid-tag-wait"><a href="/loanview/history/\d+">', html), html[-3000:]
    assert re.search(r'<span class="aid-tag aid-tag-busy"><a href="/loanview/history/\d+">还款中</a></span>', html)


def test_ready_made_cells_print_what_the_template_printed(app):
    """The list's value cells are made in Python (app/views/lists.py row_cells) instead of cell by
    cell in the template: for the same rows they are the same HTML as the template's own loop,
    which still serves the lists of the security screens: a typed text escaped, a formatter's HTML
    kept, None printed as the template prints it, a column the row lacks an empty cell, the cells apart
    in the row's text (a row reads 小学 寄宿生, not 小学寄宿生)."""
    from datetime import date
    from decimal import Decimal

    from markupsafe import Markup

    from app.views.lists import row_cells

    loop = app.jinja_env.from_string(
        "{% for item in value_columns %}{% for value in include_columns %}"
        "{% set formatter = formatters_columns.get(value) %}"
        "<td class=\"{{ col_class[value] if value in col_class else 'aid-col-' ~ value }}\">"
        "{{ formatter(item[value]) if formatter else item[value] }}</td>\n"
        "{% endfor %}|{% endfor %}")
    columns = ["name", "amount", "on", "status", "note", "absent"]
    rows = [
        {"name": '<script>alert("x")</script> & 李四', "amount": Decimal("1250.50"), "on": date(2026, 9, 1),
         "status": "paid", "note": None},
        {"name": "王五", "amount": 0, "on": None, "status": Markup('<span class="aid-tag">逾期</span>'), "note": "a\"b'c"},
    ]
    formatters = {"status": lambda v: v if isinstance(v, Markup) else Markup("<b>%s</b>") % v,
                  "amount": lambda v: f"¥{v}"}
    classes = {"amount": "aid-col-amount aid-num", "name": 'aid-col-name"><x'}
    with app.test_request_context():
        expected = loop.render(value_columns=rows, include_columns=columns, formatters_columns=formatters,
                               col_class=classes)
        made = "".join(str(cells) + "|" for cells in row_cells(columns, rows, formatters, classes))
    assert made == expected
    assert "&lt;script&gt;" in made and "<script>" not in made
    assert '<span class="aid-tag">逾期</span>' in made
