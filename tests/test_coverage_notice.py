"""应助尽助 figures and the 公示 notice."""
import re
from datetime import date
from decimal import Decimal
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from app.rules import idcard
from app.extensions import db
from app.models import Award, Identification, School, Semester, Student
from app.security.roles import AID_CENTER
from app.rules import cards
from app.rules.awards import transition
from tests.conftest import WORLD, purge, visible_text
import pytest

# each test's writes, through the screens too, are rolled back when it ends (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("rollback")


def _county(app):
    """A small county of its own: one school, four identified pupils (two priority), awards for some."""
    with app.app_context():
        school = School(code="CV001", name="覆盖率测试中学", stage="senior", town="石沛镇")
        db.session.add(school)
        db.session.flush()
        sem = db.session.get(Semester, WORLD.semester)
        pupils = []
        for i, (priority, aided, void) in enumerate([(True, True, False), (True, False, False),
                                                     (False, True, False), (False, False, True)]):
            s = Student(school_id=school.id, name=f"覆盖{i}", id_number=idcard.make("341124", date(2009, 1, 10 + i), 700 + i),
                        grade="高一", class_name="1班", enrolment_year=2026, address="不应公示的地址")
            db.session.add(s)
            db.session.flush()
            db.session.add(Identification(student_id=s.id, school_year=sem.school_year, level="difficult",
                                          cat_registered_poor=priority, cat_other=not priority,
                                          evidence_source="school", identified_on=date(2026, 9, 5)))
            if aided or void:
                a = Award(student_id=s.id, program_id=WORLD.program_senior, semester_id=sem.id, amount=Decimal("999.50"),
                          card_kind="aid_card", card_number=cards.make("6217", 19, 9100 + i))
                db.session.add(a)
                if void:
                    db.session.flush()
                    transition(a, "void", [AID_CENTER], reason="测试撤销")
            pupils.append(s)
        db.session.commit()
        return school.id, [p.id for p in pupils]


def test_coverage_figures_are_exact(app):
    from app.kpi.coverage import coverage

    school_id, pupils = _county(app)
    with app.test_request_context():
        sem = db.session.get(Semester, WORLD.semester)
        figures = coverage(sem)
        row = next(r for r in figures.by_school if r.school_id == school_id)
        assert (row.identified, row.aided, row.priority, row.priority_aided) == (4, 2, 2, 1)
        assert row.coverage == 0.5 and row.priority_coverage == 0.5
        assert row.amount == Decimal("1999.00")  # the voided award does not count
        unaided = {student.id for student, _ in figures.unaided_priority}
        assert pupils[1] in unaided and pupils[0] not in unaided
        assert figures.total.identified == sum(r.identified for r in figures.by_school)


def _figures(app, username):
    """The coverage as ``username`` sees it: (identified, aided, priority, priority aided) by school, the
    unaided priority pupils listed, and their count."""
    from app.kpi.coverage import coverage
    from tests.test_home_queries import acting_as

    with acting_as(app, username):
        figures = coverage(db.session.get(Semester, WORLD.semester))
        rows = {r.school_id: (r.identified, r.aided, r.priority, r.priority_aided) for r in figures.by_school}
        return rows, {student.id for student, _ in figures.unaided_priority}, figures.unaided_priority_count


def test_a_schools_coverage_is_the_same_whoever_looks_also_after_a_pupil_moves(app):
    """应助尽助 of a school is counted the same for its officer and for the centre, and the count of unaided
    priority pupils is the list's length: "aided" is defined once (``_aided_pupils`` in app/kpi/coverage.py),
    and the school scope that narrows it to the officer's school loses none of its pupils, because a pupil's
    identification and awards are at its school, and move with it (app/security/scope.py)."""
    from app.rules.transfers import move_pupil
    from tests.test_home_queries import acting_as

    sem_id = WORLD.semester
    with app.app_context():
        year = db.session.get(Semester, sem_id).school_year
        pupils = []
        for i, aided in enumerate((True, False)):
            s = Student(school_id=WORLD.school_a, name=f"转学覆盖{i}", id_number=idcard.make("341124", date(2013, 4, 3 + i), 741 + i),
                        grade="高一", class_name="2班", enrolment_year=2026)
            db.session.add(s)
            db.session.flush()
            db.session.add(Identification(student_id=s.id, school_year=year, level="difficult", cat_registered_poor=True,
                                          evidence_source="school", identified_on=date(2026, 9, 6)))
            if aided:
                db.session.add(Award(student_id=s.id, program_id=WORLD.program_senior, semester_id=sem_id,
                                     amount=Decimal("1000.00"), card_kind="aid_card", card_number=cards.make("6217", 19, 9300 + i)))
            pupils.append(s.id)
        db.session.commit()
    moved, unaided = pupils

    def agree():
        centre_rows, centre_unaided, centre_count = _figures(app, "t_center")
        assert centre_count == len(centre_unaided)
        for username, school in (("t_officer_a", WORLD.school_a), ("t_officer_b", WORLD.school_b)):
            rows, listed, count = _figures(app, username)
            assert set(rows) <= {school}
            assert rows.get(school) == centre_rows.get(school), username
            assert count == len(listed) and listed <= centre_unaided
        return centre_rows, centre_unaided

    before_rows, before_unaided = agree()
    assert unaided in before_unaided and moved not in before_unaided
    with acting_as(app, "t_center"):
        move_pupil(db.session, db.session.get(Student, moved), WORLD.school_b, "五年级", "3班")
        db.session.commit()
    with app.app_context():
        assert {i.school_id for i in db.session.scalars(select(Identification).where(Identification.student_id == moved))} \
            == {a.school_id for a in db.session.scalars(select(Award).where(Award.student_id == moved))} == {WORLD.school_b}
    after_rows, after_unaided = agree()
    a, b = WORLD.school_a, WORLD.school_b
    assert after_rows[a] == tuple(n - 1 for n in before_rows[a])  # one identified priority pupil, aided, left A
    assert after_rows[b] == tuple(n + 1 for n in before_rows.get(b, (0, 0, 0, 0)))  # and came to B, still aided
    assert after_unaided == before_unaided


def test_officer_sees_its_own_school_only_on_the_coverage_page(app, officer_a, center):
    _county(app) if not _exists(app, "CV001") else None
    officer_page = visible_text(officer_a.get("/coverage/"))
    assert "覆盖率测试中学" not in officer_page and "乙校学生" not in officer_page
    centre_page = visible_text(center.get("/coverage/"))
    assert "覆盖率测试中学" in centre_page and "分学校" in centre_page


def _exists(app, code):
    with app.app_context():
        return db.session.query(School).filter_by(code=code).count() > 0


def test_public_notice_shows_only_what_may_be_posted(app, center, officer_a):
    if not _exists(app, "CV001"):
        _county(app)
    with app.app_context():
        for award in db.session.query(Award).filter(Award.program_id == WORLD.program_senior, Award.status == "proposed"):
            transition(award, "approve", [AID_CENTER])
        db.session.commit()
        students = db.session.query(Student).filter(Student.name.like("覆盖%")).all()
        numbers = [s.id_number for s in students]
        card_numbers = [a.card_number for a in db.session.query(Award)]
    url = f"/publicnotice/?program={WORLD.program_senior}&semester={WORLD.semester}"
    html = center.get(url).get_data(as_text=True)
    assert "覆盖0" in html and "覆盖2" in html
    assert "覆盖3" not in html  # voided
    for secret in numbers + card_numbers + ["不应公示的地址", "2009-01-10"]:
        assert secret not in html
    xlsx = center.get(url.replace("/?", "/export/?"))
    rows = list(load_workbook(BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    assert rows[0] == ("姓名", "学校", "年级", "班级", "资助项目", "金额（元）")
    assert all(len(r) == 6 for r in rows)
    assert all(isinstance(r[5], (int, float)) for r in rows[1:])  # amounts are numbers the sheet can sum
    flat = " ".join(str(v) for r in rows for v in r)
    for secret in numbers + card_numbers + ["不应公示的地址"]:
        assert secret not in flat
    # an officer's notice holds its own school only
    officer_html = officer_a.get(url).get_data(as_text=True)
    assert "覆盖0" not in officer_html
    primary = officer_a.get(f"/publicnotice/?program={WORLD.program_primary}&semester={WORLD.semester}")
    assert "乙校学生" not in primary.get_data(as_text=True)


def test_the_unaided_list_links_to_a_prefilled_proposal(app, officer_a, center):
    """The link names the pupil by record id, never by ID number; the form shows the number masked."""
    with app.app_context():
        number = db.session.get(Student, WORLD.student_a).id_number
    html = officer_a.get(f"/awardview/add?student={WORLD.student_a}").get_data(as_text=True)
    assert f'value="#{WORLD.student_a}" selected' in html and idcard.mask(number) in html and number not in html
    # the link of the coverage page is the record's, whatever the list holds
    coverage = center.get("/coverage/").get_data(as_text=True)
    assert "/awardview/add?student=" not in coverage or not re.search(r"student=\d{17}[\dX]", coverage)
    # an ID number in the address chooses nothing, and another school's record id neither
    for link in (f"student={number}", f"student={WORLD.student_b}", "student=99999999999999999999"):
        html = officer_a.get(f"/awardview/add?{link}").get_data(as_text=True)
        assert 'value="#' not in html and WORLD.student_b_number not in html and number not in html
    # the form sent back as shown saves the proposal for the pupil shown
    with app.app_context():
        pupil = Student(school_id=WORLD.school_a, name="链接学生", id_number=idcard.make("341124", date(2012, 3, 3), 861),
                        grade="高一", class_name="1班", enrolment_year=2026)
        db.session.add(pupil)
        db.session.commit()
        pid, pnumber = pupil.id, pupil.id_number
    shown = officer_a.get(f"/awardview/add?student={pid}").get_data(as_text=True)
    value = re.search(r'value="(#%d)" selected>([^<]*)<' % pid, shown)
    assert pnumber not in shown and idcard.mask(pnumber) in value.group(2)
    value = value.group(1)
    card = cards.make("6217", 19, 8802)
    r = officer_a.post("/awardview/add", data={"student": value, "program": WORLD.program_senior,
                                                "semester": WORLD.semester, "amount": "500", "over_standard_reason": "",
                                                "card_kind": "aid_card", "card_number": card})
    assert r.status_code == 302, visible_text(r)
    with app.app_context():
        award = db.session.scalars(select(Award).where(Award.student_id == pid)).one()
        purge(award, db.session.get(Student, pid))
        db.session.commit()
    # another school's record id typed into the field finds nothing
    r = officer_a.post("/awardview/add", data={"student": f"#{WORLD.student_b}", "program": WORLD.program_senior,
                                                "semester": WORLD.semester, "amount": "1", "card_kind": "aid_card",
                                                "card_number": card})
    assert r.status_code == 200


def test_duplicate_aid_check_finds_awards_that_got_past_the_rules(app, center, as_role):
    from sqlalchemy import insert

    page = visible_text(center.get("/overlaps/"))
    assert "未发现同一学生同一学期重复享受同一资助项目" in page
    with app.app_context():
        # data restored from elsewhere: written around the rules and the unique index (a voided twin is allowed by it)
        a = db.session.get(Award, WORLD.award_a)
        db.session.connection().execute(insert(Award), [dict(student_id=a.student_id, school_id=a.school_id, program_id=a.program_id,
                                                semester_id=a.semester_id, amount=a.amount, card_kind=a.card_kind,
                                                card_number=a.card_number, status="void", void_reason="测试",
                                                created_at=a.created_at, updated_at=a.updated_at)])
        twin_id = db.session.query(Award).filter_by(student_id=a.student_id, status="void", void_reason="测试").one().id
        db.session.commit()
        # flip it to active behind everything's back (the raw UPDATE bypasses the ORM rules)
        db.session.execute(db.text("DROP INDEX IF EXISTS uq_award_student_program_semester"))
        db.session.connection().execute(db.text("UPDATE award SET status = 'paid' WHERE id = :i"), {"i": twin_id})
        db.session.commit()
    try:
        page = visible_text(center.get("/overlaps/"))
        assert "发现 1 组重复资助" in page and "甲校学生" in page
        assert as_role("t_officer_a").get("/overlaps/").status_code in (302, 403)
    finally:
        with app.app_context():
            db.session.connection().execute(db.text("DELETE FROM award WHERE id = :i"), {"i": twin_id})
            db.session.execute(db.text(
                "CREATE UNIQUE INDEX uq_award_student_program_semester ON award (student_id, program_id, semester_id) "
                "WHERE status <> 'void'"))
            db.session.commit()
