"""Printed documents keep together: a signature block never starts a page with nothing of the document
above it, a heading never ends a page without what it heads (the 督查报告 of a 7-item checklist used to
put its signatures alone on page 2)."""
import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest

from app.extensions import db
from app.models import Inspection, InspectionItem, InspectionScore
from tests.conftest import WORLD

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) is not installed")

SIGNATURE = "检查人员（签字）"


def _pages(pdf, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    count = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    return [subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(path), "-"],
                           capture_output=True, text=True, check=True).stdout for n in range(1, count + 1)]


def _report(app, client, items, note, findings, demand):
    with app.app_context():
        count = InspectionItem.query.count()
        made = [InspectionItem(name=f"版式项目{count}-{n}：资助政策宣传落实情况", max_score=15, sort_order=800 + n)
                for n in range(items)]
        inspection = Inspection(school_id=WORLD.school_a, kind="patrol", status="done", inspected_on=date(2026, 11, 26),
                                findings=findings, result="pass", rectification_demand=demand,
                                rectification_deadline=date(2026, 12, 20))
        db.session.add_all(made + [inspection])
        db.session.flush()
        db.session.add_all(InspectionScore(inspection_id=inspection.id, item_id=item.id, score=Decimal("12.5"), note=note)
                           for item in made)
        for item in made:
            item.active = False  # off the checklist of the other tests' sheets; the scores stay
        db.session.commit()
        inspection_id = inspection.id
    response = client.get(f"/print/inspection/{inspection_id}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    return response.data


@pytest.mark.parametrize("items, note, findings, demand", [
    (7, "说明说明", "发现的问题。" * 2, "整改要求。" * 2),          # the 7-item report whose signatures stood alone
    (12, "评分说明" * 15, "发现的问题。" * 60, "整改要求。" * 30),  # many items and notes
    (7, "评分说明", "发现的问题。" * 10, "整改要求。" * 260),       # a demand longer than a page
])
def test_the_inspection_reports_signatures_stay_with_the_report(app, as_role, tmp_path, items, note, findings, demand):
    pages = _pages(_report(app, as_role("t_supervisor"), items, note, findings, demand), tmp_path)
    signed = [n for n, text in enumerate(pages) if SIGNATURE in text]
    assert len(signed) == 1
    page = pages[signed[0]]
    above = [line for line in page.split(SIGNATURE)[0].splitlines() if line.strip()]
    assert len(above) >= 2, f"the signatures open page {signed[0] + 1} with nothing above them"
    assert "整改状态" in page  # the section they sign ends on their page
    if len(demand) < 200:  # a short last section moves whole with its signatures
        assert "四、整改要求" in page
    for text in pages:  # no heading left at the foot of a page
        lines = [line.strip() for line in text.splitlines() if line.strip() and "页" not in line]
        assert not lines[-1].startswith(("一、", "二、", "三、", "四、")), lines[-1]


@pytest.mark.parametrize("length", [60, 220])
def test_the_complaint_sheets_signatures_stay_with_its_last_section(app, center, tmp_path, length):
    from datetime import datetime

    from app.models import Complaint

    with app.app_context():
        complaint = Complaint(school_id=WORLD.school_a, origin="centre", channel="letter", kind="complaint",
                              received_at=datetime(2026, 10, 9, 10, 0), complainant_name="版式投诉人",
                              subject="版式测试", content="反映内容。" * length)
        db.session.add(complaint)
        db.session.commit()
        complaint_id = complaint.id
    response = center.get(f"/print/complaint/{complaint_id}")
    assert response.status_code == 200
    pages = _pages(response.data, tmp_path)
    signed = [text for text in pages if "承办人（签字）" in text]
    assert len(signed) == 1 and "五、办结" in signed[0]  # the closing section moves with its signatures
