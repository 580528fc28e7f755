"""The pupil picker: a pupil is chosen by name, class or ID number through a posted search that
stays within the user's school and shows ID numbers masked; and the award form's defaults
(the current semester, the programmes of the school's stages, what a link names)."""
import re
from datetime import date

import pytest
from sqlalchemy import select

from app.rules import idcard
from app.extensions import db
from app.models import Award, Semester, Student
from app.rules import cards
from tests.conftest import WORLD, login, purge

# each test's writes, through the screens too, are rolled back when it ends (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("rollback")


def _number(student_id):
    with WORLD.app.app_context():
        return db.session.get(Student, student_id).id_number


def _pick(client, q):
    response = client.post("/studentview/pick", data={"q": q})
    assert response.status_code == 200, response.status_code
    return response


def _names(response):
    return [r["text"].split(" · ")[0] for r in response.get_json()["results"] if r["id"]]


def test_an_officer_finds_its_own_pupil_by_name_class_grade_or_id_number_with_the_number_masked(officer_a):
    number = _number(WORLD.student_a)
    for typed in ("甲校", "甲校学生", "高二 1班", "1班 甲", number, number[-4:], " ".join((number[:6], number[6:14], number[14:]))):
        response = _pick(officer_a, typed)
        results = response.get_json()["results"]
        ids = [r["id"] for r in results]
        if typed == "高二 1班":  # a class: other tests' pupils of school A may share it
            assert f"#{WORLD.student_a}" in ids, (typed, results)
        else:
            assert ids == [f"#{WORLD.student_a}"], (typed, results)
        mine = next(r for r in results if r["id"] == f"#{WORLD.student_a}")
        assert mine["text"] == f"甲校学生 · 高二 1班 · {idcard.mask(number)}", results
        body = response.get_data(as_text=True)
        assert number not in body and number[6:14] not in body, "the ID number (or its hidden digits) in the answer"
        assert response.headers["Cache-Control"] == "no-store"


def test_an_officer_never_finds_another_schools_pupil(officer_a):
    number_b = WORLD.student_b_number
    for typed in ("乙校学生", "乙校", "五年级", "乙 2班", number_b, number_b[-4:], number_b.lower()):
        response = _pick(officer_a, typed)
        assert f"#{WORLD.student_b}" not in [r["id"] for r in response.get_json()["results"]], typed
        body = response.get_data(as_text=True)
        assert "乙校" not in body and idcard.mask(number_b) not in body and number_b not in body, (typed, body)
    assert _names(_pick(officer_a, "乙校学生")) == [] and _names(_pick(officer_a, number_b)) == []
    # an officer whose account names no school finds nobody at all
    assert _names(_pick(login(WORLD.app, "t_officer_nolink"), "学生")) == []


def test_the_centre_finds_pupils_of_every_school_with_their_school_named(center):
    response = _pick(center, "校学生")
    texts = {r["text"] for r in response.get_json()["results"]}
    assert f"乙校学生 · 测试乙小学 五年级 2班 · {idcard.mask(WORLD.student_b_number)}" in texts, texts
    assert any(t.startswith("甲校学生 · 测试甲中学") for t in texts), texts
    assert WORLD.student_b_number not in response.get_data(as_text=True)


def test_a_part_of_the_number_longer_than_the_masked_tail_finds_nobody(officer_a):
    """The lists show the last 4 characters; searching by 5 to 17 would tell the hidden digits."""
    number = _number(WORLD.student_a)
    for typed in (number[-5:], number[-8:], number[:6], number[:17]):
        results = _pick(officer_a, typed).get_json()["results"]
        assert [r for r in results if r["id"]] == [], (typed, results)
        assert results and results[-1]["disabled"] and "后4位" in results[-1]["text"], results
    # a wrong check character is another number: nobody
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    assert _names(_pick(officer_a, wrong)) == []


def test_the_search_is_posted_and_never_reads_an_address(officer_a):
    number = _number(WORLD.student_a)
    # a GET does not search (and an address with a number is answered with tokens, never the number)
    response = officer_a.get(f"/studentview/pick?q={number}")
    assert response.status_code in (303, 405), response.status_code
    assert number not in response.headers.get("Location", "") and number not in response.get_data(as_text=True)
    # words in the address of a POST are ignored: only the posted form is read
    assert _names(officer_a.post("/studentview/pick?q=甲校学生", data={})) == []
    # nothing typed, nothing found
    assert _names(_pick(officer_a, "   ")) == []


def test_those_who_do_not_read_pupils_cannot_search_them(app):
    auditor = login(app, "t_auditor")
    response = auditor.post("/studentview/pick", data={"q": "学生"})
    assert response.status_code in (302, 403) and "甲校学生" not in response.get_data(as_text=True)
    anonymous = app.test_client().post("/studentview/pick", data={"q": "学生"})
    assert anonymous.status_code in (302, 401, 403) and "甲校学生" not in anonymous.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/awardview/add", "/identificationview/add", "/pairingview/add", "/homevisitview/add",
                                 "/loanview/add", "/recognitionview/add"])
def test_every_form_choosing_a_pupil_offers_the_picker(officer_a, url):
    html = officer_a.get(url).get_data(as_text=True)
    picker = re.search(r'<select [^>]*id="student"[^>]*>', html)
    assert picker and "aid-pupil-picker" in picker.group(0) and 'data-search-url="/studentview/pick"' in picker.group(0), url
    assert not re.search(r'<input [^>]*name="student"', html), "a text box for the ID number is left"


def test_a_link_naming_a_pupil_chooses_it_masked_and_another_schools_pupil_is_not_chosen(officer_a):
    number = _number(WORLD.student_a)
    html = officer_a.get(f"/awardview/add?student={WORLD.student_a}").get_data(as_text=True)
    assert f'<option value="#{WORLD.student_a}" selected>甲校学生 · 高二 1班 · {idcard.mask(number)}</option>' in html
    assert number not in html
    html = officer_a.get(f"/awardview/add?student={WORLD.student_b}").get_data(as_text=True)
    assert f'value="#{WORLD.student_b}"' not in html and "乙校学生" not in html


def _chosen(html, field):
    block = re.search(rf'<select [^>]*id="{field}"[^>]*>(.*?)</select>', html, re.S).group(1)
    chosen = re.search(r'<option[^>]*selected[^>]*>([^<]*)</option>', block)
    return chosen.group(1).strip() if chosen else None


def _offered(html, field):
    block = re.search(rf'<select [^>]*id="{field}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [label.strip() for label in re.findall(r"<option[^>]*>([^<]*)</option>", block)]


@pytest.fixture()
def earlier_semester(app):
    with app.app_context():
        earlier = Semester(school_year="2025-2026", term="2", starts_on=date(2026, 2, 20), ends_on=date(2026, 7, 10),
                           payment_deadline=date(2026, 6, 30), is_current=False)
        db.session.add(earlier)
        db.session.commit()
        WORLD_earlier = earlier.id
    yield WORLD_earlier
    with app.app_context():
        purge(db.session.get(Semester, WORLD_earlier))
        db.session.commit()


def test_the_award_form_starts_at_the_current_semester_with_the_programmes_of_the_schools_stages(
        officer_a, center, earlier_semester):
    with WORLD.app.app_context():
        current = str(db.session.get(Semester, WORLD.semester))
        earlier = str(db.session.get(Semester, earlier_semester))
    html = officer_a.get("/awardview/add").get_data(as_text=True)
    # a high school: its 普通高中 programme, not the primary schools' one
    offered = _offered(html, "program")  # (other test files add active high-school programmes too)
    assert "测试高中助学金" in offered and "测试义务教育补助" not in offered, offered
    assert earlier in _offered(html, "semester") and _chosen(html, "semester") == current
    # the centre, for every school, is offered every active programme
    assert {"测试高中助学金", "测试义务教育补助"} <= set(_offered(center.get("/awardview/add").get_data(as_text=True), "program"))
    # a link naming a semester and a programme (the coverage page) chooses them
    html = officer_a.get(f"/awardview/add?semester={earlier_semester}&program={WORLD.program_senior}").get_data(as_text=True)
    assert _chosen(html, "semester") == earlier and _chosen(html, "program") == "测试高中助学金"
    # a programme of other stages named by a link is still not offered
    html = officer_a.get(f"/awardview/add?program={WORLD.program_primary}").get_data(as_text=True)
    assert "测试义务教育补助" not in _offered(html, "program") and _chosen(html, "semester") == current


def test_an_award_proposed_with_the_picker_is_stored_for_the_pupil_chosen(officer_a, earlier_semester):
    response = officer_a.post("/awardview/add", data={
        "student": f"#{WORLD.student_a}", "program": WORLD.program_senior, "semester": earlier_semester,
        "amount": "1000", "card_kind": "aid_card", "card_number": cards.make("6217", 19, 9090)})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with WORLD.app.app_context():
        award = db.session.scalar(select(Award).where(Award.semester_id == earlier_semester))
        assert (award.student_id, award.program_id, award.status) == (WORLD.student_a, WORLD.program_senior, "proposed")
        purge(award)
        db.session.commit()


def test_the_coverage_page_proposes_for_its_semester_and_programme_to_those_who_propose(app, officer_a):
    from app.models import Identification

    with app.app_context():
        pupil = Student(school_id=WORLD.school_a, name="覆盖链接生", id_number=idcard.make("341124", date(2010, 2, 2), 863),
                        grade="高一", class_name="5班", enrolment_year=2026)
        db.session.add(pupil)
        db.session.flush()
        ident = Identification(student_id=pupil.id, school_year="2026-2027", level="special", cat_subsistence=True,
                               evidence_source="civil_affairs", identified_on=date(2026, 9, 12))
        db.session.add(ident)
        db.session.commit()
        pid, iid = pupil.id, ident.id
    try:
        html = officer_a.get(f"/coverage/?semester={WORLD.semester}").get_data(as_text=True).replace("&amp;", "&")
        # the unaided priority pupil: the pupil and the page's semester
        link = f"/awardview/add?student={pid}&semester={WORLD.semester}"
        assert link in html
        shown = officer_a.get(link).get_data(as_text=True)
        assert f'<option value="#{pid}" selected>覆盖链接生 · 高一 5班 · ' in shown
        # a programme of the semester: the programme and the semester
        link = f"/awardview/add?semester={WORLD.semester}&program={WORLD.program_senior}"
        assert link in html
        shown = officer_a.get(link).get_data(as_text=True)
        assert _chosen(shown, "program") == "测试高中助学金" and _chosen(shown, "semester").startswith("2026-2027")
        # the leader reads the page but proposes nothing: no button leads to a refused form
        leader = login(app, "t_leader").get(f"/coverage/?semester={WORLD.semester}").get_data(as_text=True)
        assert "覆盖链接生" in leader and "/awardview/add" not in leader
    finally:
        with app.app_context():
            purge(db.session.get(Identification, iid), db.session.get(Student, pid))
            db.session.commit()
