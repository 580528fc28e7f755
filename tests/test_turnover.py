"""学年升级: the preview equals what is applied, graduates are kept, identifications are carried
for re-confirmation, the new semesters open, and a year cannot be turned over twice."""
from __future__ import annotations

import tempfile
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from app.rules import idcard
from app.operations import turnover
from app.extensions import db
from app.models import Identification, School, Semester, Student
from app.models.choices import GRADUATED
from app.models.schoolyear import SchoolYearTurnover
from app.rules import RuleError
from tests.conftest import PASSWORD, WORLD, visible_text


def test_next_grade_of_every_stage():
    assert turnover.next_grade("senior", "高二") == "高三"
    assert turnover.next_grade("senior", "高三") == GRADUATED
    assert turnover.next_grade("complete", "九年级") == "高一"
    assert turnover.next_grade("junior", "九年级") == GRADUATED
    assert turnover.next_grade("kindergarten", "大班") == GRADUATED
    assert turnover.next_grade("vocational", "中职二年级") == "中职三年级"
    assert turnover.next_grade("primary", "高一") is None
    assert turnover.next_year("2026-2027") == "2027-2028"


def test_the_preview_is_what_is_applied_once(app):
    """Applied in the test's own transaction and rolled back: the shared test data stays as it was."""
    with app.test_request_context():
        extra = [Student(school_id=WORLD.school_a, name="升级高三生", id_number=idcard.make("341124", date(2008, 2, 2), 801),
                         grade="高三", class_name="1班", enrolment_year=2024),
                 Student(school_id=WORLD.school_b, name="年级不明生", id_number=idcard.make("341124", date(2015, 2, 2), 802),
                         grade="五年级", class_name="1班", enrolment_year=2021)]
        db.session.add_all(extra)
        db.session.flush()
        # a record from before grades were a list (the rules refuse 特教班 today): written below them
        db.session.connection().execute(text("UPDATE student SET grade = '特教班' WHERE id = :i"), {"i": extra[1].id})
        db.session.expire(extra[1])
        try:
            plan = turnover.plan(db.session, "2026-2027")
            moves = {m.student_id: m.to_grade for m in plan.moves}
            assert moves[WORLD.student_a] == "高三" and moves[WORLD.student_b] == "六年级"
            assert moves[extra[0].id] == GRADUATED
            assert [m.student_id for m in plan.unknown] == [extra[1].id]
            # the identifications of pupils who stay are carried; a graduate's is not
            assert set(plan.carried) >= {WORLD.ident_a, WORLD.ident_b}
            assert [s[0] for s in plan.semesters] == ["1", "2"]
            before = dict(db.session.execute(select(Student.id, Student.grade)).all())

            record = turnover.apply(db.session, plan, early=True)  # the year has not ended (see below)

            after = dict(db.session.execute(select(Student.id, Student.grade)).all())
            changed = {sid: grade for sid, grade in after.items() if before[sid] != grade}
            assert changed == moves  # exactly the preview, nothing else
            assert after[extra[1].id] == "特教班"
            assert db.session.get(Student, extra[0].id) is not None  # a graduate is kept
            carried = db.session.scalars(select(Identification).where(Identification.school_year == "2027-2028")).all()
            assert len(carried) == len(plan.carried) and all(i.needs_review for i in carried)
            assert {i.student_id for i in carried} >= {WORLD.student_a, WORLD.student_b}
            new_terms = db.session.scalars(select(Semester).where(Semester.school_year == "2027-2028")
                                           .order_by(Semester.term)).all()
            assert [(s.term, s.is_current) for s in new_terms] == [("1", True), ("2", False)]
            assert db.session.scalar(select(func.count(Semester.id)).where(Semester.is_current.is_(True))) == 1
            assert (record.promoted, record.graduated, record.identifications) == (
                len(plan.promoted), len(plan.graduated), len(plan.carried))
            # a second time is refused, whether from the same plan or a new one
            with pytest.raises(RuleError):
                turnover.apply(db.session, turnover.plan(db.session, "2026-2027"), early=True)
        finally:
            db.session.rollback()
        assert db.session.get(Student, WORLD.student_a).grade == "高二"
        assert db.session.scalar(select(func.count(SchoolYearTurnover.id))) == 0


def test_the_centre_previews_and_applies_the_turnover_on_screen(app):
    from flask_migrate import upgrade

    from app import create_app
    from app.demo.county import seed_demo

    folder = tempfile.mkdtemp(prefix="aid-turnover-")
    county = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/county.db",
                        AUDIT_ANCHOR_FILE=f"{folder}/anchors.log")
    with county.app_context():
        upgrade()
        seed_demo(students=300, today=date(2026, 11, 28))
        from app.cli import create_user

        create_user("t_turnover", "AidCenter", PASSWORD)
        school_code = db.session.scalars(select(School.code).order_by(School.code.desc())).first()
        create_user("t_turnover_officer", "SchoolOfficer", PASSWORD, school_code=school_code)
        pupils = db.session.scalar(select(func.count(Student.id)).where(Student.grade != GRADUATED))
        year = db.session.scalars(select(Semester.school_year).where(Semester.is_current.is_(True))).one()
    client = county.test_client()
    assert client.post("/login/", data={"username": "t_turnover", "password": PASSWORD}).status_code == 302
    page = visible_text(client.get("/turnover/"))
    assert "升入上一年级" in page and "毕业离校" in page and "执行学年升级" in page
    # the year is still running (it ends in July): the page says so, with what the turnover does
    with county.app_context():
        ends = turnover.year_end(db.session, year)
    assert date.today() <= ends
    assert f"{year}学年尚未结束" in page and ends.isoformat() in page and "学年升级将会" in page, page
    assert "名最高年级学生标记为已毕业" in page and "我知道" in page
    # without the confirmation nothing happens
    r = client.post("/turnover/apply", data={"from_year": year}, follow_redirects=True)
    assert "请勾选确认" in visible_text(r)
    # the one checkbox is not enough for a year in progress: refused, nobody moved
    r = client.post("/turnover/apply", data={"from_year": year, "confirm": "y"}, follow_redirects=True)
    assert "学年尚未结束" in visible_text(r) and "学年升级完成" not in visible_text(r)
    with county.app_context():
        assert db.session.scalar(select(func.count(SchoolYearTurnover.id))) == 0
    r = client.post("/turnover/apply", data={"from_year": year, "confirm": "y", "early": "y"}, follow_redirects=True)
    assert "学年升级完成" in visible_text(r)
    with county.app_context():
        record = db.session.scalars(select(SchoolYearTurnover)).one()
        assert record.promoted + record.graduated <= pupils and record.from_year == year
    r = client.post("/turnover/apply", data={"from_year": year, "confirm": "y", "early": "y"}, follow_redirects=True)
    assert "已经升级过了" in visible_text(r)
    with county.app_context():
        assert db.session.scalar(select(func.count(SchoolYearTurnover.id))) == 1
    officer = county.test_client()
    assert officer.post("/login/", data={"username": "t_turnover_officer", "password": PASSWORD}).status_code == 302
    assert officer.get("/turnover/").status_code in (302, 403)


def test_only_the_current_school_year_is_turned_over(app):
    """A well-formed but wrong year (a later one, or one long past) would promote every pupil again."""
    with app.test_request_context():
        try:
            for year in ("2031-2032", "2019-2020"):
                with pytest.raises(RuleError) as refused:
                    turnover.apply(db.session, turnover.plan(db.session, year))
                assert "2026-2027" in str(refused.value)
        finally:
            db.session.rollback()
        assert db.session.get(Student, WORLD.student_a).grade == "高二"
        assert db.session.scalar(select(func.count(SchoolYearTurnover.id))) == 0


def test_a_school_year_ends_with_its_second_semester(app):
    """The year's end is the end of its 第二学期 as the centre recorded it, else 15 July."""
    with app.test_request_context():
        try:
            assert turnover.year_end(db.session, "2026-2027") == date(2027, 7, 15)  # only its first semester is recorded
            db.session.add(Semester(school_year="2026-2027", term="2", starts_on=date(2027, 2, 20),
                                    ends_on=date(2027, 7, 2), payment_deadline=date(2027, 6, 30)))
            db.session.flush()
            assert turnover.year_end(db.session, "2026-2027") == date(2027, 7, 2)
            assert turnover.in_progress(db.session, "2026-2027", today=date(2027, 7, 2))
            assert not turnover.in_progress(db.session, "2026-2027", today=date(2027, 7, 3))
            plan = turnover.plan(db.session, "2026-2027", today=date(2027, 3, 1))
            assert plan.in_progress and plan.ends_on == date(2027, 7, 2)
        finally:
            db.session.rollback()


def test_a_year_in_progress_is_turned_over_only_with_the_second_confirmation(app):
    """Below the screen: the rule refuses a turnover before the year's end unless told it is meant."""
    with app.test_request_context():
        try:
            plan = turnover.plan(db.session, "2026-2027", today=date(2027, 3, 1))
            with pytest.raises(RuleError) as refused:
                turnover.apply(db.session, plan, today=date(2027, 3, 1))
            assert "2027-07-15" in str(refused.value)
            assert db.session.get(Student, WORLD.student_a).grade == "高二"
            assert db.session.scalar(select(func.count(SchoolYearTurnover.id))) == 0
            # once the year has ended (here a county whose second semester ended yesterday), the one
            # confirmation of the screen is enough
            yesterday = date.today() - timedelta(days=1)
            db.session.add(Semester(school_year="2026-2027", term="2", starts_on=yesterday - timedelta(days=20),
                                    ends_on=yesterday, payment_deadline=yesterday))
            db.session.flush()
            record = turnover.apply(db.session, turnover.plan(db.session, "2026-2027"))
            assert record.promoted >= 2 and db.session.get(Student, WORLD.student_a).grade == "高三"
        finally:
            db.session.rollback()
        assert db.session.get(Student, WORLD.student_a).grade == "高二"
