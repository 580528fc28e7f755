"""The supervisor's inspection by clicks (headless Chromium, tests/e2e/conftest.py): from the navigation bar
to a new inspection, every checklist score on one page with its full score and the running total, back on
the record, and the printed report with its signatures kept with what they sign."""
from __future__ import annotations

import subprocess
import tempfile
from datetime import date

from tests.e2e.conftest import shot, text
from tests.e2e.clicks import home, menu as _menu
from tests.e2e.test_day import _download, _submit, _type_date

# The demo checklist (app/demo/work.py CHECKLIST) and the scores given
SCORES = [("资金专款专用", 20, "18"), ("单独立账、账目清晰", 15, "14"), ("资助名单公示规范", 15, "15"),
          ("困难认定程序规范", 15, "12.5"), ("资助档案完整", 15, "13"), ("资助政策宣传到位", 10, "9"),
          ("信息报送及时准确", 10, "8")]


def _pages(data: bytes):
    assert data[:5] == b"%PDF-", "not a PDF"
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        info = subprocess.run(["pdfinfo", f.name], capture_output=True, text=True, check=True).stdout
        count = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
        return [subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), f.name, "-"],
                               capture_output=True, text=True, check=True).stdout for n in range(1, count + 1)]


def test_the_supervisor_records_an_inspection_and_all_its_scores_by_clicks(users):
    sup = users.page("supervisor")
    home(sup)
    _menu(sup, "监督检查", "检查记录")
    with sup.expect_navigation():
        sup.locator("a", has_text="新增").first.click()
    # the inspector picker offers supervisors and centre staff, no school's officer
    offered = sup.locator("#inspectors option").all_inner_texts()
    assert offered and all("督查人员" in o or "资助中心" in o for o in offered), offered
    assert not any("学校信息员" in o for o in offered), offered
    sup.select_option("#school", label="全椒县中学")
    sup.select_option("#kind", label="巡查")
    sup.select_option("#status", label="已完成")
    _type_date(sup, "#inspected_on", date.today().isoformat())
    sup.fill("#findings", "评分表点击测试：公示栏资助政策未更新。")
    sup.select_option("#result", label="合格")
    _submit(sup)
    # a new inspection opens on its record, with the button to its scores
    assert "/inspectionview/show/" in sup.url, text(sup)[:1500]
    assert "评分表点击测试" in text(sup)
    assert sup.locator("form[action*='/inspectionview/sample/']").count() == 0  # not a phone follow-up
    with sup.expect_navigation():
        sup.locator("a", has_text="录入全部检查评分").click()
    assert "/inspectionview/scores/" in sup.url
    sheet = text(sup)
    for name, full, _ in SCORES:  # each item with its full score
        assert f"{name} {full}" in sheet, (name, sheet[:1500])
    # a score above the item's full score is marked at once; corrected, the total follows as one types
    first = sup.get_by_label("资金专款专用", exact=True)
    first.fill("25")
    assert "has-error" in (first.locator("xpath=..").get_attribute("class") or "")
    for name, _, score in SCORES:
        sup.get_by_label(name, exact=True).fill(score)
    assert "has-error" not in (first.locator("xpath=..").get_attribute("class") or "")
    assert sup.inner_text("#sheet-total") == "89.5" and sup.inner_text("#sheet-full") == "100"
    sup.get_by_label("备注：资助名单公示规范").fill("公示期满5个工作日")
    shot(sup, "inspection-score-sheet", full_page=True)
    with sup.expect_navigation():
        sup.locator("button", has_text="保存全部评分").click()
    # back on the record: the message with the total, the total among the record's facts
    assert "/inspectionview/show/" in sup.url, text(sup)[:1500]
    shown = text(sup)
    assert "已保存评分：89.5 分（已评项目满分 100 分）" in shown, shown[:1500]
    assert "得分 89.5" in shown, shown[:1500]
    sup.locator(".nav-tabs a", has_text="评分").first.click()  # the record's 评分 tab: each item, score and note
    scored = text(sup)
    # item, full score, score, note
    assert "资助名单公示规范 15 15 公示期满5个工作日" in scored and "困难认定程序规范 15 12.5" in scored, scored[:2500]
    shot(sup, "inspection-record-scored")
    # the printed report: every item, the total, and the signatures under the last section
    pages = _pages(_download(sup, sup.locator("a", has_text="打印督查报告")))
    report = "\n".join(pages)
    assert "全椒县中学" in report and "89.5" in report and all(name in report for name, _, _ in SCORES), report[:1500]
    signed = next(p for p in pages if "检查人员（签字）" in p)
    above = [line for line in signed.split("检查人员（签字）")[0].splitlines() if line.strip()]
    assert len(above) >= 2 and "整改状态" in signed, signed
