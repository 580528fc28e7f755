"""Printed documents (app/reports): real Chinese PDFs, right person's data, isolation, fonts."""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date, datetime, timedelta
from io import BytesIO
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from app.rules import idcard
from app.extensions import db
from tests.conftest import WORLD, post_edit

MAX_BYTES = 300 * 1024


# --- reading PDFs ------------------------------------------------------------------------

def pdf_text(data: bytes) -> str:
    """The text a reader can select and search (pdftotext when poppler is installed, else pypdf)."""
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True)
        text = out.stdout.decode("utf-8")
    else:
        text = "\n".join(page.extract_text() or "" for page in PdfReader(BytesIO(data)).pages)
    return re.sub(r"\s+", "", text)


def pdf_fonts(data: bytes) -> dict:
    """{font name: embedded?} of every font used on any page."""
    fonts = {}
    for page in PdfReader(BytesIO(data)).pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = (target.get("/FontDescriptor") or {})
            descriptor = descriptor.get_object() if descriptor else {}
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts[str(font.get("/BaseFont"))] = embedded
    return fonts


def pages(data: bytes) -> int:
    return len(PdfReader(BytesIO(data)).pages)


def assert_cjk_pdf(response_or_bytes, *expected, absent=()):
    data = getattr(response_or_bytes, "data", response_or_bytes)
    if hasattr(response_or_bytes, "status_code"):
        assert response_or_bytes.status_code == 200, response_or_bytes.get_data(as_text=True)[:500]
        assert response_or_bytes.mimetype == "application/pdf"
    assert data[:5] == b"%PDF-"
    text = pdf_text(data)
    for word in expected:
        assert re.sub(r"\s+", "", word) in text, f"{word!r} missing from the PDF text"
    for word in absent:
        assert word not in text, f"{word!r} must not be in the PDF"
    fonts = pdf_fonts(data)
    assert fonts and all(fonts.values()), f"every font must be embedded: {fonts}"
    assert any("AidSerif" in name for name in fonts), fonts
    return text


# --- fixtures ----------------------------------------------------------------------------

def make_print_job_b(app):
    """A finished print job of school B (used by tests/test_isolation.py too)."""
    if getattr(WORLD, "print_job_b", None):
        return WORLD.print_job_b
    from app.models import PrintJob
    from app.files import storage

    with app.app_context():
        name = "job-b-test.pdf"
        storage.print_jobs().put(name, "%PDF-1.4 乙校打印内容".encode())
        job = PrintJob(school_id=WORLD.school_b, kind="letters", title="乙校打印任务", status="done", total=1, done=1,
                       file_path=name, file_size=10, params="{}", finished_at=datetime.utcnow(),
                       expires_at=datetime.utcnow() + timedelta(days=365))
        db.session.add(job)
        db.session.commit()
        WORLD.print_job_b = job.id
        db.session.remove()
    for marker in ("乙校打印任务", "乙校打印内容"):
        if marker not in WORLD.markers_b:
            WORLD.markers_b.append(marker)
    return WORLD.print_job_b


@pytest.fixture()
def print_job_b(app):
    return make_print_job_b(app)


@pytest.fixture()
def odd_student(app):
    """A pupil of school A whose name holds HTML and two rare characters (CJK Ext-A)."""
    from app.models import Student

    with app.app_context():
        s = Student(school_id=WORLD.school_a, name="<b>李</b>㛃䶮&amp;", id_number=idcard.make("341124", date(2008, 5, 6), 731),
                    grade="高二", class_name="1班", enrolment_year=2024)
        db.session.add(s)
        db.session.commit()
        sid = s.id
        db.session.remove()
    yield sid
    with app.app_context():
        db.session.delete(db.session.get(Student, sid))
        db.session.commit()
        db.session.remove()


# --- 致学生家长的一封信 --------------------------------------------------------------------------

def test_letter_of_own_student(app, officer_a):
    r = officer_a.get(f"/print/letter/{WORLD.student_a}")
    text = assert_cjk_pdf(r, "致学生家长的一封信", "甲校学生", "测试甲中学", "高二1班", "普通高中阶段的资助政策",
                          "高等教育阶段的资助政策", "生源地信用助学贷款", "谨防诈骗", "验证码", "0550-1111111",
                          app.config["CENTRE_HOTLINE"], app.config["CENTRE_NAME"],
                          absent=["乙校学生", "测试乙小学"])
    assert "义务教育" not in text  # a senior pupil reads its own stage and the next, not the earlier ones
    assert pages(r.data) == 1
    assert len(r.data) <= MAX_BYTES


def test_letter_sections_follow_the_stage(app):
    """关口前移: 初中 families read the 普通高中 and 中职 policies; 小学 ones have no duplicated section."""
    from app.reports.documents import LetterWording, letter_item
    from app.reports.render import render_pdf

    def pupil(stage, grade):
        school = SimpleNamespace(stage=stage, name="测试初级中学", complaint_hotline=None, phone="0550-3333333")
        return SimpleNamespace(name="王小明", school=school, grade=grade, class_name="3班")

    with app.test_request_context():
        wording = LetterWording()
        junior = letter_item(pupil("junior", "八年级"), wording)
        assert [s["heading"] for s in junior["sections"]] == [
            "您孩子所在义务教育阶段的资助政策", "普通高中阶段的资助政策", "中等职业教育阶段的资助政策"]
        primary = letter_item(pupil("primary", "三年级"), wording)
        assert len(primary["sections"]) == 1
        complete = letter_item(pupil("complete", "高三"), wording)
        assert complete["sections"][1]["heading"] == "高等教育阶段的资助政策"
        data = render_pdf("letter.html", {"items": [junior]})
    assert_cjk_pdf(data, "王小明", "普通高中国家助学金", "中职国家助学金", "0550-3333333")
    assert pages(data) == 1, "the longest letter (junior: three sections) still fits one A4 page"


def test_letter_amount_comes_from_the_aid_programme(app, officer_a):
    from app.models import LetterPolicy

    with app.app_context():
        policy = db.session.query(LetterPolicy).filter_by(stage="senior", title="普通高中国家助学金").one()
        policy.program_id = WORLD.program_senior
        db.session.commit()
        pid = policy.id
        db.session.remove()
    try:
        r = officer_a.get(f"/print/letter/{WORLD.student_a}")
        assert_cjk_pdf(r, "每生每年2,000元")
    finally:
        with app.app_context():
            db.session.get(LetterPolicy, pid).program_id = None
            db.session.commit()
            db.session.remove()


def test_centre_edits_the_wording_on_screen(app, center, officer_a):
    from app.models import LetterPart

    with app.app_context():
        part = db.session.query(LetterPart).filter_by(key="intro").one()
        pk, before = part.id, part.body
        db.session.remove()
    assert center.get("/letterpartview/list/").status_code == 200
    r = post_edit(center, f"/letterpartview/edit/{pk}", {"key": "intro", "body": "本县今年新增资助政策说明段落。"})
    assert r.status_code == 302
    try:
        assert_cjk_pdf(officer_a.get(f"/print/letter/{WORLD.student_a}"), "本县今年新增资助政策说明段落。")
        # officers print the letter but do not change its wording
        assert officer_a.post(f"/letterpartview/edit/{pk}", data={"key": "intro", "body": "x"}).status_code != 200
    finally:
        with app.app_context():
            db.session.get(LetterPart, pk).body = before
            db.session.commit()
            db.session.remove()


def test_name_with_html_and_rare_characters(app, officer_a, odd_student):
    r = officer_a.get(f"/print/letter/{odd_student}")
    text = assert_cjk_pdf(r, "<b>李</b>㛃䶮&amp;")
    assert "㛃" in text and "䶮" in text
    fonts = pdf_fonts(r.data)
    assert any("AidExtra" in name for name in fonts), f"the rare characters need their fallback face: {fonts}"
    if shutil.which("pdffonts"):
        listing = subprocess.run(["pdffonts", "-"], input=r.data, capture_output=True).stdout.decode()
        if "AidSerif" in listing:  # poppler >= 22 reads stdin; older ones print nothing
            assert all(" yes " in line for line in listing.splitlines()[2:] if line.strip())


def test_one_letter_has_nobody_elses_name(app, officer_a, odd_student):
    text = assert_cjk_pdf(officer_a.get(f"/print/letter/{WORLD.student_a}"), "甲校学生")
    assert "㛃" not in text and "乙校学生" not in text


def test_letter_isolation(app, officer_a, center):
    assert officer_a.get(f"/print/letter/{WORLD.student_b}").status_code == 404
    assert_cjk_pdf(center.get(f"/print/letter/{WORLD.student_b}"), "乙校学生", "测试乙小学", "0550-2222222")


# --- 督查报告, 温馨提示, 年度考核表 ------------------------------------------------------------

def test_inspection_report(app, as_role):
    supervisor = as_role("t_supervisor")
    r = supervisor.get(f"/print/inspection/{WORLD.inspection_b}")
    assert_cjk_pdf(r, "学生资助工作督查报告", "测试乙小学", "巡查", "2026年10月8日", "测试资金专款专用", "15",
                   "乙校检查发现", "乙校整改要求", "2026年11月30日", "检查人员（签字）", "第1页",
                   absent=["甲校学生"])
    assert len(r.data) <= MAX_BYTES
    assert as_role("t_leader").get(f"/print/inspection/{WORLD.inspection_b}").status_code == 200


def test_inspection_report_isolation(app, officer_a):
    assert officer_a.get(f"/print/inspection/{WORLD.inspection_b}").status_code == 404
    # an unannounced visit stays unseen by the school until done: no printing it either
    assert officer_a.get(f"/print/inspection/{WORLD.hidden_a}").status_code == 404
    # the inspection show page offers the print button to those who may print it
    assert "/print/inspection/" not in officer_a.get(f"/inspectionview/show/{WORLD.hidden_a}").get_data(as_text=True)


def test_inspection_show_page_has_the_print_button(app, as_role):
    page = as_role("t_supervisor").get(f"/inspectionview/show/{WORLD.inspection_b}").get_data(as_text=True)
    assert f"/print/inspection/{WORLD.inspection_b}" in page


def test_loan_notice(app, center, officer_a):
    r = center.get(f"/print/loan/{WORLD.loan_b}?year=2026")
    assert_cjk_pdf(r, "生源地信用助学贷款温馨提示", "乙校学生", "乙校合同001", "乙校测试大学", "2026年12月20日", "308.00",
                   "毕业确认", absent=["甲校学生"])
    assert officer_a.get(f"/print/loan/{WORLD.loan_b}").status_code == 404
    mine = officer_a.get(f"/print/loan/{WORLD.loan_a}?year=2026")
    assert_cjk_pdf(mine, "甲校学生", "甲家长", absent=["乙校"])
    assert f"/print/loan/{WORLD.loan_a}" in officer_a.get(f"/loanview/show/{WORLD.loan_a}").get_data(as_text=True)


def test_student_page_has_the_print_button(app, officer_a):
    page = officer_a.get(f"/studentview/show/{WORLD.student_a}").get_data(as_text=True)
    assert f"/print/letter/{WORLD.student_a}" in page


def test_evaluation_table(app, center, as_role, officer_a):
    r = center.get("/print/evaluation?year=2026")
    text = assert_cjk_pdf(r, "2026年度学校学生资助工作考核表", "测试甲中学", "测试乙小学", "报送及时率", "督查得分率",
                          "考核得分", "第1页")
    # the scores are those of the evaluation (app/kpi/evaluation.py)
    from app.kpi.evaluation import evaluate

    with app.test_request_context():
        scores = [s.score for s in evaluate(db.session, 2026) if s.score is not None]
    assert scores and all(str(score) in text for score in scores)
    assert as_role("t_leader").get("/print/evaluation?year=2026").status_code == 200
    # the table of every school is not for a school's officer
    assert officer_a.get("/print/evaluation?year=2026").mimetype != "application/pdf"


# --- speed and size ------------------------------------------------------------------------------

def test_single_documents_are_small(app):
    """Size only: the speed targets are measured by `make bench` (bench/pdf.py), not asserted here."""
    from app.models import Inspection, Student
    from app.reports.documents import print_document

    with app.test_request_context():
        student = db.session.get(Student, WORLD.student_a)
        inspection = db.session.get(Inspection, WORLD.inspection_b)
        for name, record in (("letter", student), ("inspection", inspection)):
            data = print_document(name, record)
            assert len(data) <= MAX_BYTES, f"{name}: {len(data)} bytes"
        db.session.remove()


def test_batch_on_several_processes_keeps_the_order(app):
    from app.reports.documents import LetterWording, letter_item
    from app.reports.render import render_pdf_batch

    with app.test_request_context():
        wording = LetterWording()
        school = SimpleNamespace(stage="senior", name="测试批量中学", complaint_hotline="1", phone=None)
        names = ["赵一", "钱二", "孙三", "李四", "周五"]
        items = [letter_item(SimpleNamespace(name=n, school=school, grade="高一", class_name="1班"), wording) for n in names]
        seen = []
        data = render_pdf_batch("letter.html", items, processes=2, chunk=2, progress=lambda d, t: seen.append((d, t)))
    assert pages(data) == 5
    reader = PdfReader(BytesIO(data))
    for page, name in zip(reader.pages, names):
        text = re.sub(r"\s+", "", page.extract_text())
        assert name in text and all(other not in text for other in names if other != name)
    assert seen[-1] == (5, 5)
    assert all(v for v in pdf_fonts(data).values())


def test_stamped_batch_prints_each_pupil_on_the_shared_page(app):
    """A batch lays the shared page out once and draws each pupil's addressee line over it."""
    from app.reports.documents import LetterWording, letter_item
    from app.reports.render import render_pdf, render_pdf_stamped

    with app.test_request_context():
        wording = LetterWording()
        senior = SimpleNamespace(stage="senior", name="测试批量中学", complaint_hotline="0550-4444444", phone=None)
        junior = SimpleNamespace(stage="junior", name="测试批量初中", complaint_hotline="0550-5555555", phone=None)
        pupils = [("赵一", senior), ("钱二", junior), ("孙三", senior), ("李<四>", junior), ("周㛃", senior)]
        items = [letter_item(SimpleNamespace(name=n, school=s, grade="高一" if s is senior else "八年级", class_name="1班"),
                             wording) for n, s in pupils]
        data = render_pdf_stamped("letter.html", items, processes=2, chunk=2,
                                  group=lambda item: {k: v for k, v in item.items() if k != "student"})
        single = render_pdf("letter.html", {"items": [items[1]]})
    assert pages(data) == 5
    reader = PdfReader(BytesIO(data))
    for page, (name, school) in zip(reader.pages, pupils):
        text = re.sub(r"\s+", "", page.extract_text())
        assert name in text and school.name in text and school.complaint_hotline in text
        assert all(other not in text for other, _ in pupils if other != name)
        assert ("中职国家助学金" in text) == (school is junior)
    assert all(pdf_fonts(data).values())
    assert len(data) < 4 * len(single), "each shared page is stored once, not once per pupil"


def test_print_workers_start_without_the_web_app(app):
    """A batch's print workers import the renderer and WeasyPrint, not the web app: importing the app
    took each print job 1.2–1.4 s before its first page (Flask-AppBuilder, SQLAlchemy, the models). And
    what they loaded is kept out of the garbage collector's walks for their life (``gc.freeze``)."""
    import gc
    import sys
    from pathlib import Path

    from app.reports.render import _pool, default_font_dir

    heavy = ("flask", "flask_appbuilder", "sqlalchemy", "app.models", "app.reports.documents")
    code = f"import sys, app.reports.render; print(' '.join(m for m in {heavy!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parent.parent).stdout.split()
    assert loaded == []
    with app.app_context():
        pool = _pool(2, default_font_dir())
    assert all(future.result() > 1000 for future in [pool.submit(gc.get_freeze_count) for _ in range(4)])


# --- 投诉处理单 ------------------------------------------------------------------------------------

def test_complaint_form_keeps_the_complainant_confidential(app, center, officer_a, as_role):
    from sqlalchemy import select

    from app.models import IdentityRead

    pk = WORLD.complaint_a
    # a school handed the case prints it without the complainant, and may not ask for it
    r = officer_a.get(f"/print/complaint/{pk}")
    text = assert_cjk_pdf(r, "学生资助投诉举报处理单", "甲校移交投诉", "甲校投诉整改要求", "（保密）",
                          absent=["甲校保密投诉人", "13900001111"])
    assert "办理过程" in text and "分管领导（签字）" in text
    assert officer_a.get(f"/print/complaint/{pk}?identity=1").status_code == 403
    # the centre's plain print is confidential too; on request it carries the complainant, and that is recorded
    assert_cjk_pdf(center.get(f"/print/complaint/{pk}"), "（保密）", absent=["甲校保密投诉人"])
    with app.app_context():
        before = db.session.query(IdentityRead).filter_by(complaint_id=pk, channel="pdf").count()
    assert_cjk_pdf(center.get(f"/print/complaint/{pk}?identity=1"), "甲校保密投诉人", "13900001111")
    with app.app_context():
        assert db.session.query(IdentityRead).filter_by(complaint_id=pk, channel="pdf").count() == before + 1
    # a case not handed to the school, and another school's case, print nothing for it
    assert officer_a.get(f"/print/complaint/{WORLD.complaint_a_hidden}").status_code == 404
    assert officer_a.get(f"/print/complaint/{WORLD.complaint_b}").status_code == 404
    assert as_role("t_leader").get(f"/print/complaint/{pk}").mimetype == "application/pdf"
    with app.app_context():
        assert db.session.scalars(select(IdentityRead).where(IdentityRead.channel == "pdf")).first() is not None


def test_complaint_form_shows_the_timeline(app, center, as_role):
    r = center.post("/complaintview/add", data={"kind": "report", "channel": "letter", "received_at": "2026-11-03 10:00:00",
                                                "school": WORLD.school_a, "anonymous": "y", "subject": "打印测试举报",
                                                "content": "举报<b>冒领</b>助学金"})
    assert r.status_code == 302
    with app.app_context():
        from sqlalchemy import select

        from app.models import Complaint

        pk = db.session.scalar(select(Complaint.id).where(Complaint.subject == "打印测试举报"))
    center.post(f"/complaintview/step/{pk}/submit", data={"comment": "请领导阅示"})
    as_role("t_leader").post(f"/complaintview/step/{pk}/approve", data={"comment": "同意调查"})
    text = assert_cjk_pdf(center.get(f"/print/complaint/{pk}"), "打印测试举报", "匿名", "报请领导", "请领导阅示",
                          "领导同意", "同意调查", "举报<b>冒领</b>助学金")
    assert "（保密）" not in text
