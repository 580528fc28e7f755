"""Awards: an officer proposes, the centre approves, pays or voids; money never disappears."""
from datetime import date
from decimal import Decimal

import pytest

from app.rules import idcard
from app.extensions import db
from app.models import Award, Student
from app.rules import cards
from tests.conftest import WORLD, post_edit, visible_text

# each test's writes, through the screens too, are rolled back when it ends (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("rollback")


def _student(app, name, seq, school=None, grade="高二", born=date(2009, 4, 4)):
    with app.app_context():
        s = Student(school_id=school or WORLD.school_a, name=name, id_number=idcard.make("341124", born, seq),
                    grade=grade, class_name="2班", enrolment_year=2025)
        db.session.add(s)
        db.session.commit()
        return s.id, s.id_number


def _propose(client, number, **over):
    data = {"student": number, "program": WORLD.program_senior, "semester": WORLD.semester, "amount": "1000",
            "over_standard_reason": "", "card_kind": "aid_card", "card_number": cards.make("6217", 19, 7001)}
    data.update(over)
    return client.post("/awardview/add", data=data)


def _award_of(app, student_id):
    with app.app_context():
        return db.session.query(Award).filter_by(student_id=student_id).order_by(Award.id.desc()).first()


def test_officer_proposes_centre_approves_and_pays(app, officer_a, center):
    sid, number = _student(app, "资助甲", 601)
    r = _propose(officer_a, number)
    assert r.status_code == 302, visible_text(r)[-500:]
    award = _award_of(app, sid)
    assert award.status == "proposed" and award.school_id == WORLD.school_a and award.amount == Decimal("1000.00")
    # the officer cannot approve
    r = officer_a.post("/awardview/action_post", data={"action": "approve", "rowid": [str(award.id)]})
    assert _award_of(app, sid).status == "proposed"
    center.post("/awardview/action_post", data={"action": "approve", "rowid": [str(award.id)]})
    assert _award_of(app, sid).status == "approved"
    center.post("/awardview/action_post", data={"action": "pay", "rowid": [str(award.id)]})
    paid = _award_of(app, sid)
    assert paid.status == "paid" and paid.paid_on == date.today()
    # paying twice is refused with a message, the date stays
    r = center.post("/awardview/action_post", data={"action": "pay", "rowid": [str(award.id)]}, follow_redirects=True)
    assert "不能发放" in visible_text(r)


def test_paid_award_cannot_be_deleted_or_edited_only_voided(app, officer_a, center, api):
    sid, number = _student(app, "资助乙", 603)
    _propose(officer_a, number)
    award = _award_of(app, sid)
    for action in ("approve", "pay"):
        center.post("/awardview/action_post", data={"action": action, "rowid": [str(award.id)]})
    r = center.post(f"/awardview/delete/{award.id}", follow_redirects=True)
    assert "只能填写原因后撤销" in visible_text(r)
    r = post_edit(center, f"/awardview/edit/{award.id}", {"student": number, "program": WORLD.program_senior,
                    "semester": WORLD.semester, "amount": "1", "card_kind": "aid_card",
                    "card_number": cards.make("6217", 19, 7001)})
    assert "不能修改：该资助处于“已发放”状态" in visible_text(r)
    assert api("t_center").delete(f"/api/v1/award/{award.id}").status_code == 422
    # voiding needs a reason
    r = center.post(f"/awardview/void/{award.id}", data={"void_reason": " "})
    assert "请填写撤销原因" in visible_text(r)
    r = center.post(f"/awardview/void/{award.id}", data={"void_reason": "学生已转学，重复发放"})
    assert r.status_code == 302
    voided = _award_of(app, sid)
    assert voided.status == "void" and voided.void_reason == "学生已转学，重复发放" and voided.amount == Decimal("1000.00")
    # the officer cannot void
    assert officer_a.post(f"/awardview/void/{award.id}", data={"void_reason": "x"}).status_code in (302, 403)


def test_the_same_programme_once_a_semester_but_again_after_voiding(app, officer_a, center):
    sid, number = _student(app, "资助丙", 605)
    assert _propose(officer_a, number).status_code == 302
    r = _propose(officer_a, number)  # double submit
    assert "本学期已享受该资助项目" in visible_text(r)
    award = _award_of(app, sid)
    center.post(f"/awardview/void/{award.id}", data={"void_reason": "录入错误"})
    assert _propose(officer_a, number).status_code == 302
    with app.app_context():
        assert db.session.query(Award).filter_by(student_id=sid).count() == 2


@pytest.mark.parametrize("over, message", [
    ({"amount": "1500"}, "请填写原因"),                         # above 1000 a semester
    ({"card_number": "6217000000000000001"}, "卡号校验位不正确"),
    ({"card_number": "62170000"}, "卡号应为16至19位"),
    ({"card_kind": "bank_card"}, "只能发放到学校为学生办理的学生资助卡"),
])
def test_award_rules_explain_themselves(app, officer_a, over, message):
    sid, number = _student(app, f"规则{message[:2]}", 610 + len(message))
    r = _propose(officer_a, number, **over)
    assert message in visible_text(r)
    assert _award_of(app, sid) is None


def test_a_programme_of_other_stages_is_not_offered_and_the_rule_refuses_it_anyway(app, officer_a, center):
    """A high school's form offers no primary-school programme; posted all the same (or by the centre,
    which is offered every programme), the rule refuses it and says why."""
    sid, number = _student(app, "规则学段", 627)
    assert "测试义务教育补助" not in visible_text(officer_a.get("/awardview/add"))
    r = _propose(officer_a, number, program=WORLD.program_primary)
    assert r.status_code == 200 and _award_of(app, sid) is None
    r = _propose(center, number, program=WORLD.program_primary)
    assert "不适用于" in visible_text(r)
    assert _award_of(app, sid) is None


def test_above_standard_with_a_reason_is_accepted(app, officer_a):
    sid, number = _student(app, "特困学生", 631)
    r = _propose(officer_a, number, amount="1500", over_standard_reason="特别困难，按最高档资助")
    assert r.status_code == 302 and _award_of(app, sid).amount == Decimal("1500.00")


def test_card_numbers_are_masked_except_for_the_centre(app, officer_a, center, as_role):
    sid, number = _student(app, "卡号学生", 633)
    card = cards.make("6217", 19, 8123)
    _propose(officer_a, number, card_number=card)
    award = _award_of(app, sid)
    masked = f"{card[:4]} **** **** {card[-4:]}"
    for client in (officer_a, as_role("t_supervisor"), as_role("t_leader")):
        html = client.get(f"/awardview/show/{award.id}").get_data(as_text=True)
        assert card not in html and masked in html
    assert card in center.get(f"/awardview/show/{award.id}").get_data(as_text=True)


def test_luhn_and_mask():
    assert cards.luhn_ok("4111111111111111")
    assert not cards.luhn_ok("4111111111111112")
    assert cards.mask("6217 0000 0000 0000 017") == "6217 **** **** 0017"


def test_bulk_delete_removes_proposals_but_never_approved_money(app, officer_a, center):
    s1, n1 = _student(app, "批删甲", 641)
    s2, n2 = _student(app, "批删乙", 643)
    _propose(officer_a, n1)
    _propose(officer_a, n2)
    a1, a2 = _award_of(app, s1), _award_of(app, s2)
    center.post("/awardview/action_post", data={"action": "approve", "rowid": [str(a2.id)]})
    r = officer_a.post("/awardview/action_post", data={"action": "muldelete", "rowid": [str(a1.id), str(a2.id)]},
                       follow_redirects=True)
    assert "只能填写原因后撤销" in visible_text(r)
    assert _award_of(app, s2) is not None  # all or nothing: the approved one stops the batch
    officer_a.post("/awardview/action_post", data={"action": "muldelete", "rowid": [str(a1.id)]})
    assert _award_of(app, s1) is None
