"""The centre's money jobs from its screens: voiding an award (the controls each award offers to each
role, and what is stored), and payment batches (the new-batch button, the bank answer's template, the
re-issue of failed payments and the card correction offered only where it can succeed)."""
from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, select

from app.rules import idcard
from app.extensions import db
from app.models import AidProgram, Award, Semester, Student
from app.models.audit import AuditEntry
from app.models.budgets import BatchLine, PaymentBatch
from app.security.roles import ADMIN, AID_CENTER, LEADER, SCHOOL_OFFICER, SUPERVISOR
from app.rules import cards
from app.rules.awards import DELETE, EDIT, VOID, controls
from tests.conftest import WORLD, visible_text

NOBODY = frozenset()


@pytest.mark.parametrize("status, roles, in_batch, expected", [
    # a proposal: the school and the centre correct or withdraw it; the centre may also void it
    ("proposed", {SCHOOL_OFFICER}, False, {EDIT, DELETE}),
    ("proposed", {AID_CENTER}, False, {EDIT, DELETE, VOID}),
    ("proposed", {ADMIN}, False, {EDIT, DELETE, VOID}),
    ("proposed", {SUPERVISOR}, False, NOBODY),
    ("proposed", {LEADER}, False, NOBODY),
    # approved or paid: nothing changes but voiding, by the centre
    ("approved", {SCHOOL_OFFICER}, False, NOBODY),
    ("approved", {AID_CENTER}, False, {VOID}),
    ("paid", {AID_CENTER}, False, {VOID}),
    ("paid", {SCHOOL_OFFICER}, False, NOBODY),
    ("approved", {SUPERVISOR}, False, NOBODY),
    # waiting for the bank's answer: the answer comes first
    ("approved", {AID_CENTER}, True, NOBODY),
    # voided: nothing more
    ("void", {AID_CENTER}, False, NOBODY),
    ("void", {SCHOOL_OFFICER}, False, NOBODY),
])
def test_the_controls_an_award_offers_by_state_and_role(status, roles, in_batch, expected):
    assert controls(status, roles, in_batch) == frozenset(expected)


@pytest.fixture(scope="module")
def money(app):
    """Awards of school A in a semester of their own: proposed, approved, paid, and one approved award
    waiting in a batch sent to the bank."""
    with app.app_context():
        term = Semester(school_year="2023-2024", term="2", starts_on=date(2024, 2, 20), ends_on=date(2024, 7, 5),
                        payment_deadline=date(2024, 6, 30), is_current=False)
        pupils = [Student(school_id=WORLD.school_a, name=name, id_number=idcard.make("341124", date(2008, 1, 1), 820 + i),
                          grade="高二", class_name="6班", enrolment_year=2023)
                  for i, name in enumerate(["撤销甲", "撤销乙", "撤销丙", "撤销丁"])]
        db.session.add(term)
        db.session.add_all(pupils)
        db.session.flush()
        states = ["proposed", "approved", "paid", "approved"]
        awards = [Award(student_id=p.id, program_id=WORLD.program_senior, semester_id=term.id, amount=Decimal("1000"),
                        card_kind="aid_card", card_number=cards.make("6217", 19, 8200 + i), status=status,
                        approved_at=None if status == "proposed" else datetime(2024, 5, 1),
                        paid_on=date(2024, 6, 1) if status == "paid" else None)
                  for i, (p, status) in enumerate(zip(pupils, states))]
        db.session.add_all(awards)
        db.session.flush()
        batch = PaymentBatch(semester_id=term.id, program_id=WORLD.program_senior, status="exported",
                             exported_at=datetime(2024, 6, 2))
        db.session.add(batch)
        db.session.flush()
        waiting = awards[3]
        db.session.add(BatchLine(batch_id=batch.id, award_id=waiting.id, school_id=WORLD.school_a, name="撤销丁",
                                 card_number=waiting.card_number, amount=waiting.amount, open_award_id=waiting.id))
        db.session.commit()
        world = SimpleNamespace(semester=term.id, proposed=awards[0].id, approved=awards[1].id, paid=awards[2].id,
                                in_batch=awards[3].id, awards=[a.id for a in awards], pupils=[p.id for p in pupils],
                                batch=batch.id)
    yield world
    with app.app_context():
        # money records are never deleted through the app: the test removes its own with plain statements
        db.session.connection().execute(delete(BatchLine).where(BatchLine.award_id.in_(world.awards)))
        db.session.connection().execute(delete(PaymentBatch).where(PaymentBatch.semester_id == world.semester))
        db.session.connection().execute(delete(Award).where(Award.id.in_(world.awards)))
        db.session.connection().execute(delete(Student).where(Student.id.in_(world.pupils)))
        db.session.connection().execute(delete(Semester).where(Semester.id == world.semester))
        db.session.commit()


def _row_controls(client, semester, pk):
    """The controls of one award's row in the list of the semester's awards (its edit, delete and void buttons)."""
    html = client.get(f"/awardview/list/?_flt_0_semester={semester}&psize_AwardView=100").get_data(as_text=True)
    rows = [row for row in html.split("<tr>") if f'/awardview/show/{pk}"' in row]
    assert len(rows) == 1, f"award {pk} is not in the list"
    cell = rows[0]
    return {name for name, marker in (("edit", f"/awardview/edit/{pk}"), ("delete", f"/awardview/delete/{pk}"),
                                      ("void", f"/awardview/void/{pk}")) if marker in cell}


def test_the_list_and_the_record_page_show_only_the_controls_that_can_succeed(money, center, officer_a, as_role):
    assert _row_controls(center, money.semester, money.proposed) == {"edit", "delete", "void"}
    assert _row_controls(center, money.semester, money.approved) == {"void"}
    assert _row_controls(center, money.semester, money.paid) == {"void"}
    assert _row_controls(center, money.semester, money.in_batch) == set()
    assert _row_controls(officer_a, money.semester, money.proposed) == {"edit", "delete"}
    for pk in (money.approved, money.paid, money.in_batch):
        assert _row_controls(officer_a, money.semester, pk) == set(), pk
    assert _row_controls(as_role("t_supervisor"), money.semester, money.approved) == set()
    # the record page: 撤销该资助 for the centre on an approved award, never for the school
    r = center.get(f"/awardview/show/{money.approved}")
    assert "撤销该资助" in visible_text(r)
    assert f"/awardview/void/{money.approved}" in r.get_data(as_text=True)
    assert f"/awardview/edit/{money.approved}" not in r.get_data(as_text=True)
    assert f"/awardview/void/{money.in_batch}" not in center.get(f"/awardview/show/{money.in_batch}").get_data(as_text=True)
    officer_page = officer_a.get(f"/awardview/show/{money.approved}").get_data(as_text=True)
    assert "/awardview/void/" not in officer_page and f"/awardview/edit/{money.approved}" not in officer_page
    # a proposal's page offers its edit to the school
    assert f"/awardview/edit/{money.proposed}" in officer_a.get(f"/awardview/show/{money.proposed}").get_data(as_text=True)


def test_the_build_page_offers_no_waiver_and_counts_what_waits(app, center, money):
    with app.app_context():
        waiver = AidProgram(name="测试免学费", kind="national", stages="senior", standard_amount=Decimal("850"),
                            period="semester", active=True, waiver=True)
        db.session.add(waiver)
        db.session.commit()
        waiver_id = waiver.id
    try:
        page = visible_text(center.get(f"/paymentbatchview/build/?semester={money.semester}"))
        assert "测试免学费" not in page
        # the approved award outside any batch waits; the one at the bank and the paid one do not
        assert re.search(r"测试高中助学金（待发放 1 笔）", page), page[:2000]
    finally:
        with app.app_context():
            db.session.connection().execute(delete(AidProgram).where(AidProgram.id == waiver_id))
            db.session.commit()


def test_an_award_waiting_for_the_bank_cannot_be_voided(money, center):
    r = center.post(f"/awardview/void/{money.in_batch}", data={"void_reason": "重复发放"})
    assert r.status_code == 200 and "请先登记银行回盘结果" in visible_text(r)
    with WORLD.app.app_context():
        assert db.session.get(Award, money.in_batch).status == "approved"


def test_the_centre_voids_with_a_reason_stored_and_traced_others_are_refused(app, money, center, officer_a, as_role, api):
    # the school officer and the read-only roles: refused by the address and by the API, nothing stored
    assert officer_a.get(f"/awardview/void/{money.approved}").status_code in (302, 403)
    assert officer_a.post(f"/awardview/void/{money.approved}", data={"void_reason": "x"}).status_code in (302, 403)
    for user in ("t_supervisor", "t_leader"):
        assert as_role(user).post(f"/awardview/void/{money.approved}", data={"void_reason": "x"}).status_code in (302, 403)
    for user in ("t_officer_a", "t_supervisor", "t_leader"):
        assert api(user).post(f"/api/v1/award/{money.approved}/void", json={"void_reason": "x"}).status_code == 403, user
    # nor by writing the state through the API's edit
    jwt = api("t_officer_a")
    r = jwt.put_current(f"/api/v1/award/{money.approved}", json={"status": "void", "void_reason": "x"})
    assert r.status_code in (400, 422), r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Award, money.approved).status == "approved"
    # the centre: a reason is needed
    r = center.post(f"/awardview/void/{money.approved}", data={"void_reason": "  "})
    assert "请填写撤销原因" in visible_text(r)
    r = center.post(f"/awardview/void/{money.approved}", data={"void_reason": "学生已转学，由转入学校发放"},
                    follow_redirects=True)
    page = visible_text(r)
    assert "已撤销" in page and "学生已转学，由转入学校发放" in page
    # no control is left on a voided award
    assert "/awardview/void/" not in r.get_data(as_text=True)
    with app.app_context():
        award = db.session.get(Award, money.approved)
        assert (award.status, award.void_reason, award.amount) == ("void", "学生已转学，由转入学校发放", Decimal("1000.00"))
        assert award.voided_at is not None
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "award", AuditEntry.record_id == award.id,
                                                            AuditEntry.action == "status")
                                   .order_by(AuditEntry.id.desc())).first()
        changes = json.loads(entry.changes)
        assert entry.username == "t_center" and changes["status"] == ["approved", "void"], changes
        assert changes["void_reason"][1] == "学生已转学，由转入学校发放"
    # the API: the centre voids the paid award with a reason; twice is refused, and so is no reason
    centre_api = api("t_center")
    assert centre_api.post(f"/api/v1/award/{money.paid}/void", json={}).status_code == 422
    r = centre_api.post(f"/api/v1/award/{money.paid}/void", json={"void_reason": "银行退回，家长放弃"})
    assert r.status_code == 200 and r.get_json()["status"] == "void", r.get_data(as_text=True)
    assert centre_api.post(f"/api/v1/award/{money.paid}/void", json={"void_reason": "再次"}).status_code == 422
    assert centre_api.post(f"/api/v1/award/{money.in_batch}/void", json={"void_reason": "x"}).status_code == 422
    with app.app_context():
        assert db.session.get(Award, money.paid).void_reason == "银行退回，家长放弃"
        assert db.session.get(Award, money.in_batch).status == "approved"


def test_the_batch_list_offers_a_new_batch_to_the_centre_only(center, as_role):
    page = center.get("/paymentbatchview/list/").get_data(as_text=True)
    assert "新建发放批次" in page and "/paymentbatchview/build/" in page
    for user in ("t_supervisor", "t_leader"):
        r = as_role(user).get("/paymentbatchview/list/")
        assert r.status_code == 200 and "新建发放批次" not in visible_text(r), user
        assert as_role(user).get("/paymentbatchview/build/").status_code in (302, 403)


def test_the_answer_template_for_those_who_record_answers_only(center, officer_a, as_role):
    r = center.get("/paymentbatchview/answer-template/")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    header = next(load_workbook(BytesIO(r.data)).active.iter_rows(values_only=True))
    assert header[:5] == ("流水号", "户名", "卡号", "金额", "结果")
    for client in (officer_a, as_role("t_supervisor"), as_role("t_leader")):
        assert client.get("/paymentbatchview/answer-template/").status_code in (302, 403)


def test_a_failed_payment_offers_its_card_correction_and_the_batch_its_reissue(app, center, officer_a, money):
    """The batch of the fixture answers: the line fails; its page offers 更正卡号, the batch 补发失败款项."""
    line = _line_of(money.in_batch)
    before = visible_text(center.get(f"/batchlineview/show/{line}"))
    assert "更正卡号" not in before  # waiting for the bank: nothing to correct yet
    batch_page = center.get(f"/paymentbatchview/show/{money.batch}").get_data(as_text=True)
    assert "aid-reissue" not in batch_page and "银行回盘模板" in batch_page
    r = center.post(f"/paymentbatchview/answer/{money.batch}", data={f"line-{line}": "failed", f"reason-{line}": "card_error"},
                    follow_redirects=True)
    assert "失败 1 笔" in visible_text(r)
    page = r.get_data(as_text=True)
    # reconciled: no template any more, the re-issue offered with the batch's semester and programme
    assert "银行回盘模板" not in page and "补发失败款项（1 笔待补发）" in visible_text(r)
    assert f"/paymentbatchview/build/?semester={money.semester}&amp;program={WORLD.program_senior}" in page
    for client in (center, officer_a):
        assert "更正卡号" in visible_text(client.get(f"/batchlineview/show/{line}"))
    new_card = cards.make("6217", 19, 8299)
    assert officer_a.post(f"/batchlineview/correct/{line}", data={"card_number": new_card}).status_code == 302
    # the re-issue batch pays it: then nothing is left to correct or to re-issue
    r = center.post("/paymentbatchview/build/", data={"semester": money.semester, "program": WORLD.program_senior})
    reissue = int(r.headers["Location"].rstrip("/").split("/")[-1])
    with app.app_context():
        batch = db.session.get(PaymentBatch, reissue)
        assert batch.reissue and [(x.award_id, x.card_number) for x in batch.lines] == [(money.in_batch, new_card)]
    assert "aid-reissue" not in center.get(f"/paymentbatchview/show/{money.batch}").get_data(as_text=True)
    new_line = _line_of(money.in_batch)
    center.post(f"/paymentbatchview/answer/{reissue}", data={f"line-{new_line}": "paid", "paid_on": "2024-07-01"})
    with app.app_context():
        assert db.session.get(Award, money.in_batch).status == "paid"
    assert "更正卡号" not in visible_text(center.get(f"/batchlineview/show/{line}"))


def _line_of(award_id):
    with WORLD.app.app_context():
        return db.session.scalars(select(BatchLine.id).where(BatchLine.award_id == award_id)
                                  .order_by(BatchLine.id.desc())).first()
