"""Budgets, matching funds and payment batches: hand-computed execution, a batch with paid, failed
and re-issued awards reconciling to the fen, double payment and wrong answer lines refused."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from types import SimpleNamespace

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.rules import idcard
from app.extensions import db
from app.kpi.budgets import by_school, execution, late_awards
from app.models import AidProgram, Award, Semester, Student
from app.models.budgets import Allocation, BatchLine, CardExport, PaymentBatch, ProgramBudget
from app.rules import RuleError
from app.rules import cards
from tests.conftest import WORLD, visible_text

AMOUNTS = [Decimal("1000"), Decimal("900"), Decimal("800")]


@pytest.fixture(scope="module")
def year_2025(app):
    """A 2025 semester of the senior programme with three approved awards of school A, and its budget."""
    with app.app_context():
        term = Semester(school_year="2024-2025", term="2", starts_on=date(2025, 2, 15), ends_on=date(2025, 7, 10),
                        payment_deadline=date(2025, 6, 30), is_current=False)
        pupils = [Student(school_id=WORLD.school_a, name=name, id_number=idcard.make("341124", date(2008, 1, 1), 700 + i),
                          grade="高二", class_name="5班", enrolment_year=2023) for i, name in enumerate(["批次甲", "批次乙", "批次丙"])]
        db.session.add(term)
        db.session.add_all(pupils)
        db.session.flush()
        awards = [Award(student_id=p.id, program_id=WORLD.program_senior, semester_id=term.id, amount=amount,
                        card_kind="aid_card", card_number=cards.make("6217", 19, 5000 + i), status="approved",
                        approved_at=datetime(2025, 5, 1))
                  for i, (p, amount) in enumerate(zip(pupils, AMOUNTS))]
        db.session.add_all(awards)
        budget = ProgramBudget(program_id=WORLD.program_senior, year=2025, planned_recipients=100,
                               planned_amount=Decimal("100000"), central_share=60, provincial_share=32, city_share=0,
                               county_share=8, county_due_on=date(2025, 6, 30))
        db.session.add(budget)
        db.session.flush()
        db.session.add_all([
            Allocation(budget_id=budget.id, level="central", document_number="财教〔2025〕1号", arrived_on=date(2025, 3, 1),
                       amount=Decimal("60000")),
            Allocation(budget_id=budget.id, level="provincial", document_number="皖财教〔2025〕8号",
                       arrived_on=date(2025, 5, 1), amount=Decimal("20000")),
            Allocation(budget_id=budget.id, level="county", document_number="全财〔2025〕3号", arrived_on=date(2025, 6, 1),
                       amount=Decimal("5000")),
            Allocation(budget_id=budget.id, level="county", document_number="全财〔2025〕9号", arrived_on=date(2025, 7, 15),
                       amount=Decimal("3000")),
        ])
        db.session.commit()
        world = SimpleNamespace(semester=term.id, awards=[a.id for a in awards], budget=budget.id,
                                pupils=[p.id for p in pupils])
    yield world
    with app.app_context():
        # money records are never deleted through the app: the test removes its own with plain statements
        db.session.connection().execute(delete(BatchLine).where(BatchLine.award_id.in_(world.awards)))
        db.session.connection().execute(delete(PaymentBatch).where(PaymentBatch.semester_id == world.semester))
        db.session.connection().execute(delete(Award).where(Award.id.in_(world.awards)))
        db.session.connection().execute(delete(Student).where(Student.id.in_(world.pupils)))
        db.session.connection().execute(delete(Allocation).where(Allocation.budget_id == world.budget))
        db.session.connection().execute(delete(ProgramBudget).where(ProgramBudget.id == world.budget))
        db.session.connection().execute(delete(Semester).where(Semester.id == world.semester))
        db.session.commit()


def _answer_file(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["流水号", "户名", "卡号", "金额", "结果", "失败原因", "入账日期"])
    for row in rows:
        ws.append(row)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _lines(batch_id):
    with WORLD.app.app_context():
        return [(line.id, line.award_id, line.result, line.amount) for line in
                db.session.scalars(select(BatchLine).where(BatchLine.batch_id == batch_id).order_by(BatchLine.id))]


def _award(pk):
    with WORLD.app.app_context():
        a = db.session.get(Award, pk)
        return a.status, a.paid_on, a.card_number


def test_a_batch_is_paid_failed_reissued_and_reconciles_to_the_fen(app, year_2025, center, officer_a):
    a1, a2, a3 = year_2025.awards
    # build: every approved, unpaid award of the semester and programme
    r = center.get(f"/paymentbatchview/build/?semester={year_2025.semester}&program={WORLD.program_senior}")
    assert "3 条已审核未发放" in visible_text(r) and "2,700.00" in visible_text(r)
    r = center.post("/paymentbatchview/build/", data={"semester": year_2025.semester, "program": WORLD.program_senior})
    assert r.status_code == 302
    batch_id = int(r.headers["Location"].rstrip("/").split("/")[-1])
    lines = _lines(batch_id)
    assert [(award, result, amount) for _, award, result, amount in lines] == [
        (a1, "pending", AMOUNTS[0]), (a2, "pending", AMOUNTS[1]), (a3, "pending", AMOUNTS[2])]
    # an award is in one open batch at a time
    r = center.post("/paymentbatchview/build/", data={"semester": year_2025.semester, "program": WORLD.program_senior},
                    follow_redirects=True)
    assert "没有等待发放" in visible_text(r)
    # marking it paid by hand while the bank has it is refused
    r = center.post("/awardview/action_post", data={"action": "pay", "rowid": [str(a1)]}, follow_redirects=True)
    assert "已报送银行" in visible_text(r) and _award(a1)[0] == "approved"
    # the bank's list carries the full card numbers: its own permission, and recorded
    r = center.post(f"/paymentbatchview/bank-list/{batch_id}")
    sheet = load_workbook(BytesIO(r.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("流水号", "户名", "卡号", "金额")
    assert [row[2] for row in rows[1:]] == [_award(pk)[2] for pk in (a1, a2, a3)]
    with app.app_context():
        assert db.session.scalars(select(CardExport).where(CardExport.batch_id == batch_id)).one().lines == 3
        assert db.session.get(PaymentBatch, batch_id).status == "exported"
    assert officer_a.post(f"/paymentbatchview/bank-list/{batch_id}").status_code in (302, 403)
    ids = [line_id for line_id, *_ in lines]
    # a line of another batch, or another amount, refuses the whole file and names the row
    bad = _answer_file([[ids[0], "批次甲", "x", "1000.00", "成功", "", "2025-06-20"],
                        [WORLD.line_b, "乙校学生", "x", "500", "成功", "", "2025-06-20"],
                        [ids[2], "批次丙", "x", "80.00", "成功", "", "2025-06-20"]])
    r = center.post(f"/paymentbatchview/answer/{batch_id}", data={"file": (BytesIO(bad), "回盘.xlsx")},
                    content_type="multipart/form-data", follow_redirects=True)
    page = visible_text(r)
    assert f"第3行：流水号 {WORLD.line_b} 不在本批次" in page and "第4行" in page and "80.00" in page
    assert all(result == "pending" for _, _, result, _ in _lines(batch_id))
    # the right answer: two paid (one after the deadline), one failed with its reason
    good = _answer_file([[ids[0], "批次甲", "x", 1000, "成功", "", "2025-06-20"],
                         [ids[1], "批次乙", "x", "900.00", "失败", "卡号错误", ""],
                         [ids[2], "批次丙", "x", "800", "成功", "", "2025-07-10"]])
    r = center.post(f"/paymentbatchview/answer/{batch_id}", data={"file": (BytesIO(good), "回盘.xlsx")},
                    content_type="multipart/form-data", follow_redirects=True)
    assert "已付 2 笔，失败 1 笔" in visible_text(r)
    assert _award(a1)[:2] == ("paid", date(2025, 6, 20)) and _award(a3)[:2] == ("paid", date(2025, 7, 10))
    assert _award(a2)[:2] == ("approved", None)
    with app.app_context():
        from app.rules.budgets import reconciliation

        batch = db.session.get(PaymentBatch, batch_id)
        rec = reconciliation(batch)
        assert batch.status == "reconciled" and rec.balanced
        assert (rec.paid, rec.failed, rec.total) == (Decimal("1800.00"), Decimal("900.00"), Decimal("2700.00"))
    page = visible_text(center.get(f"/paymentbatchview/show/{batch_id}"))
    assert "已对账" in page and "1,800.00" in page and "900.00" in page
    # a reconciled batch takes no more answers
    r = center.post(f"/paymentbatchview/answer/{batch_id}", data={"file": (BytesIO(good), "回盘.xlsx")},
                    content_type="multipart/form-data", follow_redirects=True)
    assert "已对账" in visible_text(r)
    # the school corrects the failed card; a wrong number is refused
    failed_line = ids[1]
    r = officer_a.post(f"/batchlineview/correct/{failed_line}", data={"card_number": "6217000000000000001"})
    assert r.status_code == 200 and "校验" in visible_text(r)
    new_card = cards.make("6217", 19, 7777)
    r = officer_a.post(f"/batchlineview/correct/{failed_line}", data={"card_number": new_card})
    assert r.status_code == 302 and _award(a2)[2] == new_card
    # a paid award's card cannot be "corrected"
    assert officer_a.post(f"/batchlineview/correct/{ids[0]}", data={"card_number": new_card}).status_code == 200
    # the re-issue batch takes only the failed award
    r = center.post("/paymentbatchview/build/", data={"semester": year_2025.semester, "program": WORLD.program_senior})
    reissue_id = int(r.headers["Location"].rstrip("/").split("/")[-1])
    assert [award for _, award, _, _ in _lines(reissue_id)] == [a2]
    with app.app_context():
        assert db.session.get(PaymentBatch, reissue_id).reissue
        assert db.session.get(BatchLine, _lines(reissue_id)[0][0]).card_number == new_card
    reissue_line = _lines(reissue_id)[0][0]
    r = center.post(f"/paymentbatchview/answer/{reissue_id}",
                    data={f"line-{reissue_line}": "paid", "paid_on": "2025-08-01"}, follow_redirects=True)
    assert "已付 1 笔" in visible_text(r)
    assert _award(a2)[:2] == ("paid", date(2025, 8, 1))
    # nothing is left to pay, and the database itself refuses a second payment of an award
    r = center.post("/paymentbatchview/build/", data={"semester": year_2025.semester, "program": WORLD.program_senior},
                    follow_redirects=True)
    assert "没有等待发放" in visible_text(r)
    with app.app_context():
        db.session.add(BatchLine(batch_id=reissue_id, award_id=a1, school_id=WORLD.school_a, name="x", card_number="x",
                                 amount=AMOUNTS[0], result="paid", paid_award_id=a1))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_execution_by_hand(app, year_2025):
    """Uses the payments of the test above: a1 paid on time, a3 late, a2 failed then paid late."""
    with app.app_context():
        rows = {r.program_id: r for r in execution(db.session, 2025, today=date(2026, 11, 28))}
        r = rows[WORLD.program_senior]
        assert r.planned == {"central": Decimal("60000.00"), "provincial": Decimal("32000.00"), "city": Decimal("0.00"),
                             "county": Decimal("8000.00")}
        assert r.arrived == {"central": Decimal("60000"), "provincial": Decimal("20000"), "city": Decimal("0.00"),
                             "county": Decimal("8000")}
        # by 30 June only 5,000 of the county's 8,000 had arrived
        assert r.county_on_time is False
        assert r.disbursed == Decimal("2700.00") and r.arrived_total == Decimal("88000")
        assert r.spend_rate == Decimal("2700") / Decimal("88000")
        assert (r.due, r.on_time) == (3, 1)
        school = {s.school_id: s for s in by_school(db.session, 2025, today=date(2026, 11, 28))}[WORLD.school_a]
        assert (school.due, school.on_time, school.disbursed) == (3, 1, Decimal("2700.00"))
        late = late_awards(db.session, 2025, today=date(2026, 11, 28))
        assert {a.id for a in late} == set(year_2025.awards[1:])


def test_budget_rules_and_pages(app, year_2025, center, as_role):
    r = center.post("/programbudgetview/add", data={"program": WORLD.program_primary, "year": "2025",
                                                    "planned_recipients": "10", "planned_amount": "5000",
                                                    "central_share": "50", "provincial_share": "30", "city_share": "10",
                                                    "county_share": "5"})
    assert r.status_code == 200 and "相加应为100（现为95）" in visible_text(r)
    r = center.post("/allocationview/add", data={"budget": year_2025.budget, "level": "city", "document_number": "滁财1号",
                                                 "arrived_on": "2099-01-01", "amount": "100"})
    assert r.status_code == 200 and "到账后再登记" in visible_text(r)
    page = visible_text(center.get("/budgets/figures/?year=2025"))
    assert "测试高中助学金" in page and "60,000.00" in page and "88,000.00" in page
    assert "批次乙" in page  # the gaps: paid after the deadline
    assert as_role("t_leader").get("/budgets/figures/?year=2025").status_code == 200
    with app.app_context():
        assert db.session.get(AidProgram, WORLD.program_senior) is not None


def test_officers_see_only_their_own_payments(app, officer_a, as_role):
    assert "乙校学生" not in visible_text(officer_a.get("/batchlineview/list/"))
    assert officer_a.get(f"/batchlineview/show/{WORLD.line_b}").status_code == 404
    assert officer_a.get("/paymentbatchview/list/").status_code in (302, 403)
    assert officer_a.get("/budgets/figures/").status_code in (302, 403)
    page = visible_text(as_role("t_officer_b").get(f"/batchlineview/show/{WORLD.line_b}"))
    assert "卡号错误" in page and WORLD.card_b not in page  # the card masked


def test_batch_rules_without_http(app, year_2025):
    from app.rules.budgets import Answer, apply_answers

    with app.test_request_context():
        batch = db.session.get(PaymentBatch, db.session.scalar(select(PaymentBatch.id).where(
            PaymentBatch.semester_id == year_2025.semester)))
        with pytest.raises(RuleError):
            apply_answers(db.session, batch, [Answer(1, True, Decimal(1))])
        db.session.rollback()
