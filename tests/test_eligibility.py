"""Who gets how much: eligibility and standards are the programme's data, judged on every path.

Policies encoded (each test names its own):
* 《学生资助资金管理办法》（财科教〔2019〕19号）: the grants go to pupils identified as in financial
  difficulty; 义务教育生活补助 国家基础标准 小学1000元、初中1250元 a year for boarders, non-boarders 50%;
  普通高中/中职国家助学金 average 2000 a year in tiers within 1000–3000; 中职国家助学金 for 一、二年级;
  免学费 is a fee waiver (the school is credited, no money to a card).
* 财政部 教育部 人力资源社会保障部《关于调整高等教育阶段和高中阶段国家奖助学金政策的通知》(2024): from spring 2025
  普通高中/中职国家助学金 average 2300 a year (tiers set locally within 1200–3500), and 中职国家助学金 covers
  the third year too.
* 自2024年春季学期起 the boarders' living allowance rises to 小学1250元、初中1500元 (non-boarders 50%).
* 中国教育发展基金会大学新生入学资助项目: one-off, 省内500元、省外1000元.
"""
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import AidProgram, Award, Identification, ProgramStandard, Semester, Student
from app.rules import cards
from tests.conftest import WORLD, post_edit, purge, visible_text
from tests.factories import make_identification, make_pupil, make_school

P2019 = "财科教〔2019〕19号"
P2025 = "关于调整高等教育阶段和高中阶段国家奖助学金政策的通知"


class E:
    """The records of this module."""


def _ident(student, year, level="difficult", *categories):
    """The pupil's identification for ``year`` (category 其他 unless named), unsaved: the test adds it."""
    return make_identification(student, year, level, categories or ("cat_other",), save=False, evidence_source="school")


@pytest.fixture(scope="module")
def elig(app):
    with app.app_context():
        made = []

        def add(*records):
            db.session.add_all(records)
            db.session.commit()
            made.extend((type(r), r.id) for r in records)
            return records[0] if len(records) == 1 else records

        tiers = [("general", 1000), ("difficult", 2000), ("special", 3000)]
        senior = add(AidProgram(name="资格测试普高助学金", kind="national", stages="senior,complete", period="year",
                                standard_amount=Decimal("2000"), needs_identification=True))
        compulsory = add(AidProgram(name="资格测试义教生活补助", kind="national", stages="primary,junior", period="year",
                                    standard_amount=Decimal("1250"), needs_identification=True))
        vocational = add(AidProgram(name="资格测试中职助学金", kind="national", stages="vocational", period="year",
                                    standard_amount=Decimal("2000"), needs_identification=True))
        waiver = add(AidProgram(name="资格测试普高免学费", kind="national", stages="senior,complete", period="year",
                                standard_amount=Decimal("1700"), needs_identification=True, waiver=True,
                                categories="cat_registered_poor,cat_subsistence,cat_extreme_poverty,cat_disability"))
        fresh = add(AidProgram(name="资格测试新生入学资助", kind="social", stages="senior,complete", period="once",
                               standard_amount=Decimal("1000"), needs_identification=True, grades="高三,已毕业"))
        add(*[ProgramStandard(program=senior, since_year="2019-2020", level=lv, amount=Decimal(a), policy=P2019)
              for lv, a in tiers])
        add(*[ProgramStandard(program=vocational, since_year="2019-2020", level=lv, amount=Decimal(a), policy=P2019,
                              grades="中职一年级,中职二年级") for lv, a in tiers])
        add(*[ProgramStandard(program=vocational, since_year="2024-2025", since_term="2", level=lv, amount=Decimal(a),
                              policy=P2025) for lv, a in (("general", 1500), ("difficult", 2300), ("special", 3100))])
        add(*[ProgramStandard(program=compulsory, since_year=y, since_term=t, stage=st, boarding=b, amount=Decimal(a))
              for y, t, st, b, a in [("2019-2020", "1", "primary", True, 1000), ("2019-2020", "1", "primary", False, 500),
                                     ("2019-2020", "1", "junior", True, 1250), ("2019-2020", "1", "junior", False, 625),
                                     ("2023-2024", "2", "primary", True, 1250), ("2023-2024", "2", "primary", False, 625),
                                     ("2023-2024", "2", "junior", True, 1500), ("2023-2024", "2", "junior", False, 750)]])
        add(*[ProgramStandard(program=fresh, since_year="2019-2020", variant=v, amount=Decimal(a))
              for v, a in (("省内", 500), ("省外", 1000))])
        old = add(Semester(school_year="2019-2020", term="1", starts_on=date(2019, 9, 1), ends_on=date(2020, 1, 20)))
        spring = add(Semester(school_year="2026-2027", term="2", starts_on=date(2027, 2, 20), ends_on=date(2027, 7, 10)))
        school_c = add(make_school("vocational", save=False, name="资格测试职教中心"))

        def pupil(school, name, grade, boarding=False):
            return add(make_pupil(school, grade, save=False, name=name, boarding=boarding))

        E.a_none = pupil(WORLD.school_a, "未认定生", "高一")
        E.a_grad = pupil(WORLD.school_a, "已毕业生", "已毕业")
        E.a_diff = pupil(WORLD.school_a, "困难档生", "高二")
        E.a_third = pupil(WORLD.school_a, "高三新生", "高三")
        E.b_board = pupil(WORLD.school_b, "寄宿小学生", "三年级", boarding=True)
        E.b_day = pupil(WORLD.school_b, "走读小学生", "三年级")
        E.c_third = pupil(school_c, "中职三年级生", "中职三年级")
        E.c_second = pupil(school_c, "中职二年级生", "中职二年级")
        add(_ident(E.a_grad, "2026-2027"), _ident(E.a_diff, "2026-2027", "difficult"),
            _ident(E.a_third, "2026-2027", "general", "cat_subsistence"),
            _ident(E.b_board, "2026-2027"), _ident(E.b_day, "2026-2027"),
            _ident(E.b_board, "2019-2020"), _ident(E.b_day, "2019-2020"),
            _ident(E.c_third, "2026-2027"), _ident(E.c_second, "2026-2027", "special"))
        E.senior, E.compulsory, E.vocational, E.waiver, E.fresh = (
            senior.id, compulsory.id, vocational.id, waiver.id, fresh.id)
        E.old, E.spring, E.school_c = old.id, spring.id, school_c.id
        for name in ("a_none", "a_grad", "a_diff", "a_third", "b_board", "b_day", "c_third", "c_second"):
            s = getattr(E, name)
            setattr(E, name, (s.id, s.id_number))
        db.session.remove()
    yield E
    with app.app_context():
        from app.models.budgets import BatchLine, PaymentBatch

        programs = [E.senior, E.compulsory, E.vocational, E.waiver, E.fresh]
        awards = db.session.scalars(select(Award).where(Award.program_id.in_(programs))).all()
        lines = db.session.scalars(select(BatchLine).where(BatchLine.award_id.in_([a.id for a in awards]))).all()
        batches = db.session.scalars(select(PaymentBatch).where(PaymentBatch.program_id.in_(programs))).all()
        purge(*lines, *batches, *awards)
        for model, pk in reversed(made):
            purge(model(id=pk))
        db.session.commit()
        db.session.remove()


# --- the three ways in -------------------------------------------------------------------------

def _card(kind):
    return cards.make("6217" if kind == "aid_card" else "6228", 19, 8800)


def by_form(client, number, program, amount, semester=None, reason="", kind="aid_card", holder=""):
    r = client.post("/awardview/add", data={
        "student": number, "program": program, "semester": semester or WORLD.semester, "amount": str(amount),
        "over_standard_reason": reason, "card_kind": kind, "card_number": _card(kind), "card_holder": holder})
    return r.status_code == 302, visible_text(r)


def by_api(api, username, student_id, program, amount, semester=None, reason="", kind="aid_card"):
    body = {"student": student_id, "program": program, "semester": semester or WORLD.semester, "amount": str(amount),
            "card_kind": kind, "card_number": _card(kind)}
    if reason:
        body["over_standard_reason"] = reason
    r = api(username).post("/api/v1/award/", json=body)
    return r.status_code == 201, r.get_data(as_text=True)


def by_import(client, number, program_name, amount, year="2026-2027", term="第一学期", reason="", kind="aid_card",
              holder=""):
    from app.operations.imports import AWARD_COLUMNS

    wb = Workbook()
    ws = wb.active
    ws.append([title for _, title, _, _ in AWARD_COLUMNS])
    values = {"id_number": number, "name": "", "program": program_name, "school_year": year, "term": term,
              "amount": amount, "card_kind": "学生资助卡" if kind == "aid_card" else "银行卡", "card_number": _card(kind),
              "over_standard_reason": reason or None, "card_holder": holder or None}
    ws.append([values[key] for key, *_ in AWARD_COLUMNS])
    out = BytesIO()
    wb.save(out)
    r = client.post("/import/awards/", data={"file": (BytesIO(out.getvalue()), "名单.xlsx")},
                    content_type="multipart/form-data")
    text = visible_text(r)
    return "未导入任何数据" not in text and "错误" not in text, text


def _awards(app, student_id, program):
    with app.app_context():
        return db.session.scalars(select(Award).where(Award.student_id == student_id, Award.program_id == program,
                                                      Award.status != "void")).all()


def _drop(app, student_id, program):
    with app.app_context():
        purge(*db.session.scalars(select(Award).where(Award.student_id == student_id, Award.program_id == program)))
        db.session.commit()
        db.session.remove()


# --- eligibility -------------------------------------------------------------------------------

def test_a_need_based_grant_needs_an_identification_for_the_school_year(app, elig, officer_a, center, api):
    """财科教〔2019〕19号: 国家助学金 aids 家庭经济困难学生 as identified for the school year. The issue's case:
    ¥1,500 of 普高国家助学金 for a pupil with no identification was accepted and approved."""
    sid, number = E.a_none
    ok, text = by_form(officer_a, number, E.senior, 1500, reason="特殊情况")
    assert not ok and "没有2026-2027学年的家庭经济困难认定" in text
    ok, text = by_api(api, "t_center", sid, E.senior, 1500, reason="特殊情况")
    assert not ok and "2026-2027" in text
    ok, text = by_import(center, number, "资格测试普高助学金", 1500, reason="特殊情况")
    assert not ok and "没有2026-2027学年的家庭经济困难认定" in text
    assert _awards(app, sid, E.senior) == []
    # identified for that year, the same pupil may be proposed
    with app.app_context():
        db.session.add(_ident(db.session.get(Student, sid), "2026-2027", "difficult"))
        db.session.commit()
    try:
        ok, text = by_form(officer_a, number, E.senior, 1000)
        assert ok, text[-400:]
        assert [a.amount for a in _awards(app, sid, E.senior)] == [Decimal("1000.00")]
    finally:
        _drop(app, sid, E.senior)
        with app.app_context():
            purge(*db.session.scalars(select(Identification).where(Identification.student_id == sid)))
            db.session.commit()


def test_categories_the_programme_names_are_required(app, elig, officer_a, api):
    """财科教〔2019〕19号: 普通高中免学费 is for 建档立卡、低保、特困供养、残疾 pupils: another category is refused."""
    sid, number = E.a_diff  # identified, category 其他
    ok, text = by_form(officer_a, number, E.waiver, 850)
    assert not ok and "只资助以下类别的学生" in text
    ok, _ = by_api(api, "t_center", sid, E.waiver, 850)
    assert not ok and _awards(app, sid, E.waiver) == []
    sid, number = E.a_third  # 低保
    ok, text = by_api(api, "t_officer_a", sid, E.waiver, 850)
    try:
        assert ok, text
    finally:
        _drop(app, sid, E.waiver)


def test_no_award_for_a_pupil_who_has_left_school(app, elig, officer_a, center, api):
    """财科教〔2019〕19号: the grants are for 在校生 (pupils with a school register in school). The issue's case:
    an award for a graduate (已毕业, as the school-year turnover records him) was accepted and approved."""
    sid, number = E.a_grad
    ok, text = by_form(officer_a, number, E.senior, 1000)
    assert not ok and "已不在校" in text
    ok, text = by_form(center, number, E.senior, 1000)
    assert not ok and "已不在校" in text
    ok, _ = by_api(api, "t_officer_a", sid, E.senior, 1000)
    assert not ok
    ok, text = by_import(officer_a, number, "资格测试普高助学金", 1000)
    assert not ok and "已不在校" in text
    assert _awards(app, sid, E.senior) == []


def test_a_proposal_is_judged_again_when_approved(app, elig, center):
    """财科教〔2019〕19号: only 在校 pupils: a proposal made before the pupil left is not approved after."""
    sid, number = E.a_diff
    ok, text = by_form(center, number, E.senior, 1000)
    assert ok, text[-300:]
    award = _awards(app, sid, E.senior)[0]
    from app.rules.pupil_status import change

    with app.app_context():
        change(db.session, db.session.get(Student, sid), "drop_out", reason="外出务工")
        db.session.commit()
    try:
        r = center.post("/awardview/action_post", data={"action": "approve", "rowid": [str(award.id)]},
                        follow_redirects=True)
        assert "已不在校" in visible_text(r)
        assert _awards(app, sid, E.senior)[0].status == "proposed"
    finally:
        with app.app_context():
            change(db.session, db.session.get(Student, sid), "return", reason="劝返复学")
            db.session.commit()
        _drop(app, sid, E.senior)


def test_secondary_vocational_grant_covered_two_years_until_spring_2025_and_three_since(app, elig, center, api):
    """财科教〔2019〕19号: 中职国家助学金 aided 全日制正式学籍一、二年级 pupils (the demo county once paid third-year
    pupils under it); 《关于调整高等教育阶段和高中阶段国家奖助学金政策的通知》(2024): from spring 2025 the third year
    is covered too, at the new standard (average 2300 a year)."""
    sid, number = E.c_third
    with app.app_context():
        db.session.add(_ident(db.session.get(Student, sid), "2019-2020"))
        db.session.commit()
    ok, text = by_form(center, number, E.vocational, 1000, semester=E.old)
    assert not ok and "只覆盖中职一年级、中职二年级" in text and "2019-2020学年第一学期" in text
    ok, _ = by_api(api, "t_center", sid, E.vocational, 1000, semester=E.old)
    assert not ok
    ok, text = by_import(center, number, "资格测试中职助学金", 1000, year="2019-2020")
    assert not ok and "只覆盖" in text
    assert _awards(app, sid, E.vocational) == []
    try:
        # today (2026-2027): the third year is covered, at the 2025 tier of 困难 (2300 a year, 1150 a semester)
        ok, text = by_form(center, number, E.vocational, 1000)
        assert not ok and "1,150.00" in text
        ok, text = by_api(api, "t_center", sid, E.vocational, 1150)
        assert ok, text
        sid2, _ = E.c_second  # 二年级, 特别困难: the top tier
        ok, text = by_api(api, "t_center", sid2, E.vocational, 1550)
        assert ok, text
        assert [a.amount for a in _awards(app, sid, E.vocational)] == [Decimal("1150.00")]
    finally:
        _drop(app, sid, E.vocational)
        _drop(app, E.c_second[0], E.vocational)
        with app.app_context():
            purge(*db.session.scalars(select(Identification).where(Identification.student_id == sid,
                                                                   Identification.school_year == "2019-2020")))
            db.session.commit()


def test_a_standard_row_names_only_grades_its_programme_covers(app, elig, center):
    """The centre keeps the standards: a row's grades are grades of the programme, stored as the list spells them."""
    with app.app_context():
        r = center.post("/programstandardview/add", data={
            "program": E.fresh, "since_year": "2027-2028", "since_term": "1", "grades": ["中职一年级"],
            "amount": "800", "variant": "省内"})
        assert r.status_code == 200 and "只覆盖高三" in visible_text(r)
        assert db.session.scalar(select(func.count(ProgramStandard.id)).where(
            ProgramStandard.program_id == E.fresh, ProgramStandard.since_year == "2027-2028")) == 0


# --- standards ---------------------------------------------------------------------------------

def test_living_allowance_follows_stage_boarding_and_the_school_year(app, elig, center, api, as_role):
    """财科教〔2019〕19号: 义务教育家庭经济困难寄宿生生活补助 小学每生每年1000元 (500 a semester), non-boarders 50%;
    from spring 2024 小学1250元 (625 a semester), non-boarders 50% (312.50). The issue's case: 625 a semester to
    primary pupils with no reason asked under the 2019 standard."""
    officer_b = as_role("t_officer_b")
    board_id, board_no = E.b_board
    day_id, day_no = E.b_day
    kind = "bank_card"
    # 2019-2020: 625 a semester to a primary boarder is above the 500 standard: a reason is asked
    ok, text = by_form(officer_b, board_no, E.compulsory, 625, semester=E.old, kind=kind)
    assert not ok and "适用标准" in text and "500.00" in text
    ok, _ = by_api(api, "t_officer_b", board_id, E.compulsory, 625, semester=E.old, kind=kind)
    assert not ok
    ok, text = by_import(center, board_no, "资格测试义教生活补助", 625, year="2019-2020", kind=kind)
    assert not ok and "500.00" in text
    assert _awards(app, board_id, E.compulsory) == []
    try:
        ok, text = by_form(officer_b, board_no, E.compulsory, 500, semester=E.old, kind=kind)
        assert ok, text[-300:]
        # today's standard: 625 for a boarder, 312.50 for a day pupil (half)
        ok, text = by_api(api, "t_officer_b", board_id, E.compulsory, 625, kind=kind)
        assert ok, text
        ok, text = by_import(officer_b, day_no, "资格测试义教生活补助", 625, kind=kind)
        assert not ok and "312.50" in text
        ok, text = by_form(center, day_no, E.compulsory, "312.50", kind=kind)
        assert ok, text[-300:]
        assert sorted(a.amount for a in _awards(app, board_id, E.compulsory)) == [Decimal("500.00"), Decimal("625.00")]
        assert [a.amount for a in _awards(app, day_id, E.compulsory)] == [Decimal("312.50")]
    finally:
        _drop(app, board_id, E.compulsory)
        _drop(app, day_id, E.compulsory)


def test_high_school_grant_tier_follows_the_identification_level(app, elig, officer_a, center, api):
    """财科教〔2019〕19号: 普通高中国家助学金 平均每生每年2000元, in tiers within 1000–3000; the tier follows the
    pupil's difficulty level (困难: 2000 a year, 1000 a semester) unless the school writes why."""
    sid, number = E.a_diff
    ok, text = by_form(officer_a, number, E.senior, 1500)
    assert not ok and "困难" in text and "1,000.00" in text
    ok, _ = by_api(api, "t_center", sid, E.senior, 500)
    assert not ok
    ok, text = by_import(officer_a, number, "资格测试普高助学金", 1500)
    assert not ok and "1,000.00" in text
    assert _awards(app, sid, E.senior) == []
    try:
        ok, text = by_import(center, number, "资格测试普高助学金", 1500, reason="家庭突发重大变故，经学校评议提高一档")
        assert ok, text
        assert [a.amount for a in _awards(app, sid, E.senior)] == [Decimal("1500.00")]
    finally:
        _drop(app, sid, E.senior)


def test_fee_waiver_is_never_in_a_payment_batch_but_is_in_the_notice(app, elig, center, api):
    """财科教〔2019〕19号: 免学费 is credited to the school (学校免收学费, 财政补助学校), not paid to a pupil's card;
    it still counts in the figures and is posted in the 公示."""
    from app.models.budgets import BatchLine, PaymentBatch
    from app.rules import RuleError
    from app.rules.budgets import build_batch

    sid, number = E.a_third
    ok, text = by_api(api, "t_center", sid, E.waiver, 850)  # a card typed anyway is not kept
    assert ok, text
    award = _awards(app, sid, E.waiver)[0]
    assert (award.card_kind, award.card_number, award.card_holder) == (None, None, None)
    award_id = award.id
    center.post("/awardview/action_post", data={"action": "approve", "rowid": [str(award_id)]})
    try:
        r = center.post("/paymentbatchview/build/", data={"semester": WORLD.semester, "program": E.waiver},
                        follow_redirects=True)
        assert "免学费" in visible_text(r)
        with app.app_context():
            assert db.session.scalar(select(func.count(PaymentBatch.id)).where(PaymentBatch.program_id == E.waiver)) == 0
            # below the screens: a batch, or a line of a waiver award, is refused whoever writes it
            with pytest.raises(RuleError):
                build_batch(db.session, db.session.get(Semester, WORLD.semester), db.session.get(AidProgram, E.waiver))
            db.session.rollback()
            batch = PaymentBatch(semester_id=WORLD.semester, program_id=E.waiver)
            db.session.add(batch)
            with pytest.raises(RuleError):
                db.session.flush()
            db.session.rollback()
            batch = PaymentBatch(semester_id=WORLD.semester, program_id=WORLD.program_senior)
            award = db.session.get(Award, award_id)
            db.session.add(BatchLine(batch=batch, award=award, school_id=award.school_id, name="x",
                                     card_number=award.card_number, amount=award.amount, open_award_id=award.id))
            with pytest.raises(RuleError):
                db.session.flush()
            db.session.rollback()
        notice = visible_text(center.get(f"/publicnotice/?program={E.waiver}&semester={WORLD.semester}"))
        assert "高三新生" in notice and "850" in notice
    finally:
        _drop(app, sid, E.waiver)


def test_a_waiver_names_no_card_and_every_other_award_does(app, elig, officer_a, api):
    """财科教〔2019〕19号: 免学费 is credited to the school, so the school proposes it without a card; money paid to a
    family names the card it goes to, on every path."""
    sid, number = E.a_third
    r = officer_a.post("/awardview/add", data={"student": number, "program": E.waiver, "semester": WORLD.semester,
                                               "amount": "850", "card_kind": "", "card_number": ""})
    try:
        assert r.status_code == 302, visible_text(r)[-300:]
        assert [(a.amount, a.card_number) for a in _awards(app, sid, E.waiver)] == [(Decimal("850.00"), None)]
    finally:
        _drop(app, sid, E.waiver)
    from app.operations.imports import AWARD_COLUMNS

    wb = Workbook()
    ws = wb.active
    ws.append([title for key, title, _, _ in AWARD_COLUMNS if key not in ("card_kind", "card_number", "card_holder")])
    ws.append([number, "", "资格测试普高免学费", "2026-2027", "第一学期", 850, None])
    out = BytesIO()
    wb.save(out)
    r = officer_a.post("/import/awards/", data={"file": (BytesIO(out.getvalue()), "免学费.xlsx")},
                       content_type="multipart/form-data")
    try:
        assert "错误" not in visible_text(r), visible_text(r)[-400:]
        assert [a.card_number for a in _awards(app, sid, E.waiver)] == [None]
    finally:
        _drop(app, sid, E.waiver)
    # the grant paid to the family: no card, no award, by form, API or import
    sid, number = E.a_diff
    r = officer_a.post("/awardview/add", data={"student": number, "program": E.senior, "semester": WORLD.semester,
                                               "amount": "1000", "card_kind": "", "card_number": ""})
    assert r.status_code == 200 and "必填" in visible_text(r)
    r = api("t_officer_a").post("/api/v1/award/", json={"student": sid, "program": E.senior, "semester": WORLD.semester,
                                                       "amount": "1000", "card_kind": "aid_card"})
    assert r.status_code == 422 and "card_number" in r.get_json()["message"]
    ws = Workbook().active
    ws.append([title for key, title, _, _ in AWARD_COLUMNS if key != "card_number"])
    ws.append([number, "", "资格测试普高助学金", "2026-2027", "第一学期", 1000, "学生资助卡", None, None])
    out = BytesIO()
    ws.parent.save(out)
    r = officer_a.post("/import/awards/", data={"file": (BytesIO(out.getvalue()), "名单.xlsx")},
                       content_type="multipart/form-data")
    assert "卡号" in visible_text(r) and "必填" in visible_text(r)
    assert _awards(app, sid, E.senior) == []


def test_university_entrance_grant_is_one_off_and_reaches_the_graduate(app, elig, officer_a, center, api):
    """中国教育发展基金会大学新生入学资助项目: a one-off grant, 省内500元、省外1000元, to new students who have just
    left high school (the programme's grades include 已毕业)."""
    sid, number = E.a_third
    ok, text = by_form(officer_a, number, E.fresh, 1000)
    assert ok, text[-300:]
    try:
        # once in a pupil's life, not every year or semester
        ok, text = by_form(center, number, E.fresh, 500, semester=E.spring)
        assert not ok and "一次性" in text
        ok, _ = by_api(api, "t_officer_a", sid, E.fresh, 500, semester=E.spring)
        assert not ok
        ok, text = by_import(center, number, "资格测试新生入学资助", 500, term="第二学期")
        assert not ok and "一次性" in text
        assert len(_awards(app, sid, E.fresh)) == 1
        # an amount that is neither 500 nor 1000 needs a reason
        _drop(app, sid, E.fresh)
        ok, text = by_form(officer_a, number, E.fresh, 800)
        assert not ok and "500.00、1,000.00" in text
    finally:
        _drop(app, sid, E.fresh)


def test_the_bank_list_carries_the_card_holder(app, elig, center, as_role):
    """财科教〔2019〕19号: aid is paid to the pupil's 资助卡 or the family's bank card; a family card may be in a
    parent's name, and the bank pays only to the name on the card."""
    officer_b = as_role("t_officer_b")
    board_id, board_no = E.b_board
    day_id, day_no = E.b_day
    ok, text = by_form(officer_b, board_no, E.compulsory, 625, kind="bank_card", holder="寄宿生家长")
    assert ok, text[-300:]
    ok, text = by_form(center, day_no, E.compulsory, "312.50", kind="bank_card")
    assert ok, text[-300:]
    try:
        ids = [_awards(app, board_id, E.compulsory)[0].id, _awards(app, day_id, E.compulsory)[0].id]
        center.post("/awardview/action_post", data={"action": "approve", "rowid": [str(i) for i in ids]})
        r = center.post("/paymentbatchview/build/", data={"semester": WORLD.semester, "program": E.compulsory})
        assert r.status_code == 302
        with app.app_context():
            from app.models.budgets import BatchLine

            names = {line.award_id: line.name for line in db.session.scalars(
                select(BatchLine).where(BatchLine.award_id.in_(ids)))}
            assert names == {ids[0]: "寄宿生家长", ids[1]: "走读小学生"}  # the pupil's own name by default
            assert db.session.get(Award, ids[1]).card_holder == "走读小学生"
    finally:
        with app.app_context():
            from app.models.budgets import BatchLine, PaymentBatch

            lines = db.session.scalars(select(BatchLine).join(Award).where(Award.program_id == E.compulsory)).all()
            batches = {line.batch_id for line in lines}
            purge(*lines, *[PaymentBatch(id=b) for b in batches])
            db.session.commit()
        _drop(app, board_id, E.compulsory)
        _drop(app, day_id, E.compulsory)


def test_only_the_centre_keeps_the_standards(app, elig, center, officer_a):
    """Standards change by school year (财科教〔2019〕19号, then spring 2024): the centre records each one."""
    data = {"program": E.compulsory, "since_year": "2030-2031", "since_term": "1", "stage": "primary",
            "boarding": "1", "level": "", "variant": "", "amount": "1400", "policy": "测试新标准"}
    r = officer_a.post("/programstandardview/add", data=data)
    with app.app_context():
        assert db.session.scalar(select(func.count(ProgramStandard.id)).where(ProgramStandard.policy == "测试新标准")) == 0
    r = center.post("/programstandardview/add", data=dict(data, since_year="2030"))
    assert "2021-2022" in visible_text(r)
    r = center.post("/programstandardview/add", data=data)
    assert r.status_code == 302, visible_text(r)[-300:]
    with app.app_context():
        row = db.session.scalars(select(ProgramStandard).where(ProgramStandard.policy == "测试新标准")).one()
        assert (row.boarding, row.stage, row.amount) == (True, "primary", Decimal("1400.00"))
        purge(row)
        db.session.commit()


def test_boarding_is_recorded_by_form_api_and_import(app, elig, officer_a, api):
    """财科教〔2019〕19号: the living allowance is a boarder's standard, half for others: the pupil's record says which."""
    from tests.test_imports import _row, _upload, _xlsx

    sid, number = E.a_none
    url = f"/studentview/edit/{sid}"
    with app.app_context():
        s = db.session.get(Student, sid)
        form = {"school": s.school_id, "name": s.name, "id_number": s.id_number, "gender": s.gender,
                "grade": s.grade, "class_name": s.class_name, "enrolment_year": s.enrolment_year, "boarding": "y"}
    r = post_edit(officer_a, url, form)
    assert r.status_code == 302, visible_text(r)[-300:]
    with app.app_context():
        assert db.session.get(Student, sid).boarding is True
    r = api("t_officer_a").put_current(f"/api/v1/student/{sid}", json={"boarding": False})
    assert r.status_code == 200, r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Student, sid).boarding is False
    r = _upload(officer_a, _xlsx([_row("寄宿导入", 909, ident=False, boarding="是")]))
    assert r.status_code in (200, 302)
    with app.app_context():
        made = db.session.scalars(select(Student).where(Student.name == "寄宿导入")).one()
        assert made.boarding is True
        purge(made)
        db.session.commit()


# --- the letter to parents ---------------------------------------------------------------------

def _letter(app, student_id, boarding=None):
    from app.reports.documents import LetterWording, letter_item

    with app.test_request_context():
        student = db.session.get(Student, student_id)
        if boarding is not None:
            student.boarding = boarding
        item = letter_item(student, LetterWording())
        db.session.rollback()
        return {p["title"]: p["amount"] for s in item["sections"] for p in s["policies"]}


def test_the_letter_states_this_pupils_standard_and_the_centres_wording(app, elig):
    """财科教〔2019〕19号 and the spring-2024 standard: a primary family is told the primary standard for a boarder
    or a day pupil (not 1,250 for everyone); a high-school family the tiers' range (not a flat 3,000); and what
    the centre wrote is what prints."""
    from app.models import LetterPolicy

    with app.app_context():
        primary = db.session.scalars(select(LetterPolicy).where(LetterPolicy.stage == "primary",
                                                                LetterPolicy.title == "义务教育家庭经济困难学生生活补助")).one()
        senior = db.session.scalars(select(LetterPolicy).where(LetterPolicy.stage == "senior",
                                                               LetterPolicy.title == "普通高中国家助学金")).one()
        saved = [(p.id, p.program_id, p.amount_text) for p in (primary, senior)]
        assert primary.amount_text == "{标准}"  # the wording first installed now states the pupil's standard
        primary.program_id, senior.program_id = E.compulsory, E.senior
        db.session.commit()
        ids = (primary.id, senior.id)
        db.session.remove()
    try:
        board = _letter(app, E.b_board[0])["义务教育家庭经济困难学生生活补助"]
        day = _letter(app, E.b_day[0])["义务教育家庭经济困难学生生活补助"]
        assert board == "每生每年1,250元（小学寄宿生）。"
        assert day == "每生每年625元（小学非寄宿生）。"
        high = _letter(app, E.a_diff[0])["普通高中国家助学金"]
        assert high.startswith("每生每年1,000—3,000元") and "困难2,000元" in high and "3,000元" in high
        # the centre edits the wording: its text prints, not the programme's number
        with app.app_context():
            db.session.get(LetterPolicy, ids[1]).amount_text = "本县按困难程度分三档发放，详询学校。"
            db.session.commit()
        assert _letter(app, E.a_diff[0])["普通高中国家助学金"] == "本县按困难程度分三档发放，详询学校。"
    finally:
        with app.app_context():
            for pid, program_id, text in saved:
                policy = db.session.get(LetterPolicy, pid)
                policy.program_id, policy.amount_text = program_id, text
            db.session.commit()
            db.session.remove()
