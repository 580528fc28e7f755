"""资助档案: one pupil's file on one page, on screen and printed (app/reports/pupil_file.py).

What an inspector asks for (资助档案完整): the pupil, the status history, the identifications, the awards
with their payment batches, loans and repayments, pairings, home visits and the complaints the reader
may see, never a complainant's identity. A school opens its own pupils' files only; the centre and
the inspectors any. Every opening and every print is written to the audit trail.
"""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from app.rules import idcard
from app.extensions import db
from app.models import AuditEntry, Complaint
from tests.conftest import WORLD, purge, visible_text
from tests.test_reports import pdf_fonts, pdf_text

# each test's writes, through the screens too, are rolled back when it ends (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("rollback")


def _audit(entity_id, action):
    """The audit entries of the pupil's file (opened or printed) so far."""
    with WORLD.app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.entity == "student", AuditEntry.record_id == entity_id, AuditEntry.action == action,
            AuditEntry.summary.contains("资助档案")))


@pytest.fixture()
def complaints_b(app):
    """About school B's pupil 乙校学生: one registered by the centre and handed to the school, with a
    confidential complainant; one the centre keeps (the school never sees it)."""
    with app.app_context():
        shared = Complaint(school_id=WORLD.school_b, origin="centre", shared_with_school=True, channel="phone",
                           kind="complaint", received_at=datetime(2026, 11, 2, 9, 0), complainant_name="档案保密投诉人",
                           complainant_contact="13900005555", subject="乙校学生助学金未到账",
                           content="家长反映乙校学生上学期助学金未到账", status="rectifying")
        kept = Complaint(school_id=WORLD.school_b, origin="centre", channel="letter", kind="report",
                         received_at=datetime(2026, 11, 3, 9, 0), complainant_name="档案举报人",
                         subject="中心自办举报", content="举报乙校学生家庭情况不实")
        db.session.add_all([shared, kept])
        db.session.commit()
        ids = shared.id, kept.id
    yield ids
    with app.app_context():
        purge(*(db.session.get(Complaint, pk) for pk in ids))
        db.session.commit()


def test_the_officer_opens_its_pupils_file_from_the_pupils_page(app, as_role, complaints_b):
    officer_b = as_role("t_officer_b")
    sid = WORLD.student_b
    page = officer_b.get(f"/studentview/show/{sid}").get_data(as_text=True)
    assert f'href="/pupilfile/{sid}"' in page and "资助档案" in page
    before = _audit(sid, "view")
    r = officer_b.get(f"/pupilfile/{sid}")
    assert r.status_code == 200
    text = visible_text(r)
    number = WORLD.student_b_number
    # the pupil, masked
    assert "乙校学生" in text and idcard.mask(number) in text and number not in text
    assert "乙校秘密地址" in text and "测试乙小学" in text
    # identification with level, categories and source
    assert "2026-2027" in text and "特别困难" in text and "建档立卡" in text and "扶贫" in text
    # the award, its amount and its batch line (failed: wrong card number), the card masked
    assert "测试义务教育补助" in text and "500.00" in text and "FF20261-" in text and "失败" in text
    assert WORLD.card_b not in text and WORLD.card_b[-4:] in text
    # the loan and its instalment
    assert "乙校合同001" in text and "308.00" in text and "2026-12-20" in text
    # pairing, home visit, recognition
    assert "测试结对项目" in text and "乙校捐助人" in text and "乙校走访发现" in text and "乙校励志之星事迹" in text
    # complaints naming the pupil that the school may see; never the complainant
    assert "乙校学生助学金未到账" in text and "中心自办举报" not in text
    assert "档案保密投诉人" not in text and "13900005555" not in text
    # the look is on the audit trail
    assert _audit(sid, "view") == before + 1
    assert f'href="/pupilfile/{sid}/pdf"' in r.get_data(as_text=True)


def test_another_schools_officer_gets_no_file_on_screen_or_printed(app, officer_a, as_role):
    sid = WORLD.student_b
    views, prints = _audit(sid, "view"), _audit(sid, "export")
    for url in (f"/pupilfile/{sid}", f"/pupilfile/{sid}/pdf"):
        r = officer_a.get(url)
        assert r.status_code == 404
        body = r.get_data(as_text=True)
        assert "乙校学生" not in body and "乙校走访发现" not in body
    assert (_audit(sid, "view"), _audit(sid, "export")) == (views, prints)
    # its own pupil's file opens
    assert officer_a.get(f"/pupilfile/{WORLD.student_a}").status_code == 200
    # a role that reads no pupils (the auditor) opens none
    auditor = as_role("t_auditor")
    for url in (f"/pupilfile/{WORLD.student_a}", f"/pupilfile/{sid}/pdf"):
        assert auditor.get(url).status_code in (302, 403)
    # a pupil that does not exist
    assert officer_a.get("/pupilfile/999999999").status_code == 404


def test_the_centre_and_the_inspector_open_any_file_and_see_every_complaint_naming_the_pupil(app, center, as_role,
                                                                                             complaints_b):
    for client in (center, as_role("t_supervisor")):
        a = visible_text(client.get(f"/pupilfile/{WORLD.student_a}"))
        assert "甲校学生" in a and "测试高中助学金" in a and "乙校学生" not in a
        b = visible_text(client.get(f"/pupilfile/{WORLD.student_b}"))
        assert "乙校学生助学金未到账" in b and "中心自办举报" in b
        # the file names no complainant, even for those who may see one (the complaint's page does, recorded)
        assert "档案保密投诉人" not in b and "档案举报人" not in b and WORLD.student_b_number not in b


def test_the_printed_file_has_the_pupil_the_figures_and_the_masked_number(app, center, as_role, complaints_b):
    sid = WORLD.student_b
    before = _audit(sid, "export")
    r = center.get(f"/pupilfile/{sid}/pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert "attachment" not in r.headers.get("Content-Disposition", "")
    data = r.data
    text = pdf_text(data)
    number = WORLD.student_b_number
    assert "学生资助档案" in text and "乙校学生" in text and "测试乙小学" in text
    assert idcard.mask(number) in text and number not in text
    assert "500.00" in text and "测试义务教育补助" in text and "乙校合同001" in text and "308.00" in text
    assert "乙校捐助人" in text and "乙校走访发现" in text and "乙校学生助学金未到账" in text
    assert "档案保密投诉人" not in text and WORLD.card_b not in text
    assert all(fonts for fonts in pdf_fonts(data).values())  # every font embedded: no empty boxes
    assert _audit(sid, "export") == before + 1
    # the school prints its own pupil's file too
    officer_b = as_role("t_officer_b")
    text = pdf_text(officer_b.get(f"/pupilfile/{sid}/pdf").data)
    assert "乙校学生" in text and "中心自办举报" not in text and "档案保密投诉人" not in text


def test_a_pupil_with_nothing_recorded_has_a_file_that_says_so(app, officer_a):
    from datetime import date

    from app.models import Student

    with app.app_context():
        s = Student(school_id=WORLD.school_a, name="空档案学生", id_number=idcard.make("341124", date(2010, 2, 3), 977),
                    grade="高一", class_name="3班", enrolment_year=2026)
        db.session.add(s)
        db.session.commit()
        sid = s.id
    try:
        text = visible_text(officer_a.get(f"/pupilfile/{sid}"))
        assert "空档案学生" in text and "暂无学籍变动" in text and "无。" in text
        pdf = pdf_text(officer_a.get(f"/pupilfile/{sid}/pdf").data)
        assert "空档案学生" in pdf and "未认定" in pdf and "无资助记录" in pdf and "无家访记录" in pdf
    finally:
        with app.app_context():
            purge(db.session.get(Student, sid))
            db.session.commit()


def test_the_file_shows_each_identification_procedure_of_the_pupil(app, center):
    """资助档案完整: an inspector reads how the pupil was identified (申请, 评议, 审核, 公示, 备案), not only the result."""
    from app.models import IdentificationApplication

    with app.app_context():
        application = db.session.get(IdentificationApplication, WORLD.application_b)
        year, status = application.school_year, application.status_label
        applied = application.applied_on.isoformat()
    shown = visible_text(center.get(f"/pupilfile/{WORLD.student_b}"))
    assert "认定程序（申请 → 班级评议 → 学校审核 → 公示 → 备案）" in shown
    row = shown[shown.index("认定程序（申请"):]
    assert year in row and applied in row and str(status) in row
    printed = pdf_text(center.get(f"/pupilfile/{WORLD.student_b}/pdf").data)
    assert "认定程序" in printed and applied in printed
