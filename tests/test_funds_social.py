"""校内资助资金 ledger and social aid."""
from datetime import date
from decimal import Decimal

import pytest

from app.extensions import db
from app.kpi.funds import compliance
from app.models import AidProgram, Award, Pairing, SchoolFund, Student
from app.rules import cards
from tests.conftest import WORLD, visible_text

# each test's writes, through the screens too, are rolled back when it ends (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("rollback")


@pytest.mark.parametrize("stage, income, extracted, expected", [
    ("senior", 1_000_000, 29_999, "below"),
    ("senior", 1_000_000, 30_000, "within"),
    ("senior", 1_000_000, 50_000, "within"),
    ("senior", 1_000_000, 50_001, "above"),
    ("kindergarten", 200_000, 8_000, "within"),
    ("vocational", 1_000_000, 49_000, "below"),
    ("vocational", 1_000_000, 80_000, "within"),
    ("primary", 1_000_000, 10_000, "unset"),
])
def test_compliance_band(app, stage, income, extracted, expected):
    with app.app_context():
        assert compliance(stage, Decimal(income), Decimal(extracted)) == expected


def test_officer_records_its_fund_and_sees_spending_and_overspend(app, officer_a, center):
    r = officer_a.post("/schoolfundview/add", data={"school": WORLD.school_a, "year": "2025",
                                                    "operating_income": "800000", "extracted": "20000", "ledger_reference": "校资助专户"})
    assert r.status_code == 302
    with app.app_context():
        fund = db.session.query(SchoolFund).filter_by(school_id=WORLD.school_a, year=2025).one()
        assert fund.compliance == "below"
        fund_id = fund.id
        own = AidProgram(name="测试校内资助", kind="school", stages="senior", standard_amount=Decimal("30000"), period="semester")
        db.session.add(own)
        db.session.flush()
        from app.models import Semester

        spring = Semester(school_year="2024-2025", term="2", starts_on=date(2025, 2, 20), ends_on=date(2025, 7, 1))
        db.session.add(spring)
        db.session.flush()
        db.session.add(Award(student_id=WORLD.student_a, program_id=own.id, semester_id=spring.id, amount=Decimal("25000"),
                             over_standard_reason="", card_kind="aid_card", card_number=cards.make("6217", 19, 5555)))
        db.session.commit()
    text = visible_text(officer_a.get(f"/schoolfundview/show/{fund_id}"))
    assert "低于规定比例" in text and "2.50%" in text and "3%–5%" in text
    assert "25,000.00" in text and "-5,000.00" in text and "支出超过提取额" in text
    # the centre filters on compliance
    listed = visible_text(center.get("/schoolfundview/list/?_flt_0_compliance=below"))
    assert "测试甲中学" in listed
    # a second fund for the same school and year is refused
    r = officer_a.post("/schoolfundview/add", data={"school": WORLD.school_a, "year": "2025",
                                                    "operating_income": "1", "extracted": "0"})
    with app.app_context():
        assert db.session.query(SchoolFund).filter_by(school_id=WORLD.school_a, year=2025).count() == 1


def test_pairings_total_per_project_within_scope(app, officer_a, center):
    with app.app_context():
        number = db.session.get(Student, WORLD.student_a).id_number
    r = officer_a.post("/pairingview/add", data={"project": WORLD.project, "donor_name": "爱心人士王先生",
                                                 "student": number, "amount": "1200", "starts_on": "2026-09-01"})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.query(Pairing).filter_by(student_id=WORLD.student_a).one().school_id == WORLD.school_a
    centre = visible_text(center.get("/socialprojectview/list/"))
    assert "测试结对项目" in centre and "2,200.00" in centre  # B's 1000 + A's 1200
    officer = visible_text(officer_a.get("/socialprojectview/list/"))
    assert "1,200.00" in officer and "2,200.00" not in officer  # its own pupils only
    r = officer_a.post("/pairingview/add", data={"project": WORLD.project, "donor_name": "x", "student": number,
                                                 "amount": "0", "starts_on": "2026-09-01"})
    assert "金额必须大于零" in visible_text(r)
