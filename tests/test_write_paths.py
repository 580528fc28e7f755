"""No way around the rules: a related field takes an id of an existing, visible record and nothing
else, on every API resource; a school's user never writes a county-level table, whatever path
reaches it; rules judge a relationship write as it will be stored."""
from __future__ import annotations

from datetime import date

import pytest
from flask import g
from sqlalchemy import func, select

from app.extensions import db
from app.models import AidProgram, Award, School, Semester, Student
from app.security.scope import ScopeViolation
from app.views.base import AidModelApi
from app.views.related import RelatedId
from tests.conftest import WORLD, purge

# each test's writes, through the screens too, are rolled back when it ends (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("rollback")

ROLES = ["t_officer_a", "t_center", "t_admin"]


def _resources(app):
    """Every API resource and its related fields, found from the app itself (a new one is in the sweep)."""
    found = []
    for view in app.appbuilder.baseviews:
        if not isinstance(view, AidModelApi):
            continue
        related = sorted({name for schema in (view.add_model_schema, view.edit_model_schema)
                          for name, field in schema.fields.items()
                          if isinstance(field, RelatedId) or isinstance(getattr(field, "inner", None), RelatedId)})
        found.append((view.resource_name, view.datamodel.obj, related))
    return found


def _counts(app):
    with app.app_context():
        return {m.class_.__tablename__: db.session.scalar(select(func.count()).select_from(m.class_))
                for m in db.Model.registry.mappers
                if m.class_.__tablename__ not in ("audit_entry", "audit_head")}  # reads are recorded there


def test_every_resource_with_a_relation_is_in_the_sweep(app):
    names = {name for name, _, related in _resources(app) if related}
    assert {"award", "student", "identification", "loan", "complaint"} <= names


NESTED = [
    {"name": "凭空新建", "standard_amount": 50000, "stages": "senior", "kind": "national", "period": "year",
     "active": True, "code": "X9999", "stage": "senior", "school_year": "2030-2031", "term": "1"},
    {"id": 999999},
    999999,
    -1,
    2 ** 63,
    "abc",
    True,
    [1],
    1.5,
]


@pytest.mark.parametrize("username", ROLES)
def test_a_related_field_never_creates_a_record_nor_takes_anything_but_an_id(app, api, username):
    client = api(username)
    for resource, model, related in _resources(app):
        listing = client.get(f"/api/v1/{resource}/?q=(page_size:1)")
        ids = (listing.get_json(silent=True) or {}).get("ids") or []
        for field in related:
            for value in NESTED:
                before = _counts(app)
                r = client.post(f"/api/v1/{resource}/", json={field: value})
                assert r.status_code in (400, 401, 403, 422), (resource, field, value, r.status_code)
                if ids:
                    r = client.put_current(f"/api/v1/{resource}/{ids[0]}", json={field: value})
                    assert r.status_code in (400, 401, 403, 404, 405, 422), (resource, field, value, r.status_code)
                assert _counts(app) == before, (resource, field, value)
                if r.status_code == 422 and isinstance(r.get_json().get("message"), dict) and field in r.get_json()["message"]:
                    text = str(r.get_json()["message"][field])
                    assert "记录" in text or "超出范围" in text, text  # an id past int64 is refused as out of range


def _school_b_record(model):
    """The id of a record of school B of this model, if it is a school's record."""
    from app.models.base import SchoolOwned
    from app.security.scope import unscoped

    if model is School:
        return WORLD.school_b
    if not issubclass(model, SchoolOwned):
        return None
    return db.session.scalar(select(model.id).where(model.school_id == WORLD.school_b).limit(1)
                             .execution_options(**unscoped()))


def test_an_officer_names_no_record_of_another_school_in_any_related_field(app, api):
    from sqlalchemy import inspect

    client = api("t_officer_a")
    tried = 0
    for resource, model, related in _resources(app):
        listing = client.get(f"/api/v1/{resource}/?q=(page_size:1)")
        ids = (listing.get_json(silent=True) or {}).get("ids") or []
        for field in related:
            with app.app_context():
                target = inspect(model).relationships[field].mapper.class_
                other = _school_b_record(target)
            if other is None:
                continue
            tried += 1
            before = _counts(app)
            r = client.post(f"/api/v1/{resource}/", json={field: other})
            assert r.status_code in (403, 422), (resource, field, r.status_code)
            if ids:
                r = client.put_current(f"/api/v1/{resource}/{ids[0]}", json={field: other})
                assert r.status_code in (403, 422), (resource, field, r.status_code)
            assert _counts(app) == before, (resource, field)
    assert tried >= 5


def test_the_reported_attack_a_new_programme_inside_an_award(app, api):
    from app.rules import cards

    body = {"student": WORLD.student_a, "semester": WORLD.semester, "amount": "50000", "over_standard_reason": "x",
            "card_kind": "aid_card", "card_number": cards.make("6217", 19, 9901),
            "program": {"name": "攻击项目", "kind": "national", "stages": "senior", "standard_amount": 50000,
                        "period": "year", "active": True}}
    for username in ("t_officer_a", "t_center"):
        r = api(username).post("/api/v1/award/", json=body)
        assert r.status_code == 422
        assert "program" in r.get_json()["message"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(AidProgram.name == "攻击项目")) == 0
        assert db.session.scalar(select(func.count()).select_from(Award).where(Award.amount == 50000)) == 0


def test_an_id_of_another_school_is_no_record_for_an_officer(app, api):
    r = api("t_officer_a").post("/api/v1/award/", json={
        "student": WORLD.student_b, "program": WORLD.program_primary, "semester": WORLD.semester, "amount": "100",
        "card_kind": "bank_card", "card_number": WORLD.card_b})
    assert r.status_code == 422 and "student" in r.get_json()["message"]
    r = api("t_officer_a").put_current(f"/api/v1/student/{WORLD.student_a}", json={"school": WORLD.school_b})
    assert r.status_code == 422 and "school" in r.get_json()["message"]
    with app.app_context():
        assert db.session.get(Student, WORLD.student_a).school_id == WORLD.school_a


def _as_officer(app, username="t_officer_a"):
    """A request context of a school's user, as the screens and the API have it."""
    ctx = app.test_request_context("/")
    ctx.push()
    g.user = db.session.scalars(select(app.appbuilder.sm.user_model).filter_by(username=username)).one()
    return ctx


def _county_records():
    return [
        AidProgram(name="县级项目试写", kind="local", stages="primary", standard_amount=1, period="year", active=True),
        Semester(school_year="2031-2032", term="1", starts_on=date(2031, 9, 1), ends_on=date(2032, 1, 20)),
        School(code="T9999", name="凭空学校", stage="primary", town="襄河镇"),
    ]


@pytest.mark.parametrize("index", range(3))
def test_the_scope_refuses_a_school_user_writing_county_tables_on_any_path(app, index):
    """Below every screen: creating, changing or deleting a programme, a semester or a school."""
    ctx = _as_officer(app)
    try:
        db.session.add(_county_records()[index])
        with pytest.raises(ScopeViolation):
            db.session.flush()
        db.session.rollback()
        program = db.session.get(AidProgram, WORLD.program_senior)
        program.standard_amount = 99999
        with pytest.raises(ScopeViolation):
            db.session.flush()
        db.session.rollback()
        semester = db.session.get(Semester, WORLD.semester)
        db.session.delete(semester)
        with pytest.raises(ScopeViolation):
            db.session.flush()
        db.session.rollback()
    finally:
        db.session.rollback()
        ctx.pop()
    with app.app_context():
        assert db.session.get(AidProgram, WORLD.program_senior).standard_amount == 2000
        assert db.session.get(Semester, WORLD.semester) is not None
        assert db.session.scalar(select(func.count()).where(School.code == "T9999")) == 0


def test_a_school_user_changes_its_own_login_row_but_never_its_roles(app):
    ctx = _as_officer(app)
    try:
        user = g.user
        user.login_count = (user.login_count or 0) + 1
        db.session.flush()  # its own row: allowed
        user.roles = list(user.roles) + [app.appbuilder.sm.find_role("AidCenter")]
        with pytest.raises(ScopeViolation):
            db.session.flush()
        db.session.rollback()
        other = db.session.scalars(select(app.appbuilder.sm.user_model).filter_by(username="t_officer_b")).one()
        other.first_name = "改别人"
        with pytest.raises(ScopeViolation):
            db.session.flush()
    finally:
        db.session.rollback()
        ctx.pop()


def test_the_centre_still_keeps_the_county_tables(app):
    with app.app_context():
        ctx = _as_officer(app, "t_center")
        try:
            record = _county_records()[0]
            db.session.add(record)
            db.session.flush()
            assert record.id is not None
        finally:
            db.session.rollback()
            ctx.pop()


def _proposal(app, name, born, seq):
    """A senior pupil of school A of this test's own with a proposed senior grant: (award id, pupil id)."""
    from app.rules import idcard
    from app.rules import cards

    with app.app_context():
        pupil = Student(school_id=WORLD.school_a, name=name, id_number=idcard.make("341124", born, seq),
                        grade="高一", class_name="1班", enrolment_year=2026)
        db.session.add(pupil)
        db.session.commit()
        award = Award(student_id=pupil.id, program_id=WORLD.program_senior, semester_id=WORLD.semester,
                      amount=1000, card_kind="aid_card", card_number=cards.make("6217", 19, 7000 + seq))
        db.session.add(award)
        db.session.commit()
        return award.id, pupil.id


def test_a_relationship_write_is_judged_as_it_will_be_stored(app, api):
    """PUT with the relationship's name: the rules see the new pupil (a primary pupil cannot get the
    senior grant), nothing is stored; the same change by column name is judged the same."""
    award_id, pupil_id = _proposal(app, "关系判断", date(2009, 5, 5), 733)
    try:
        centre = api("t_center")
        r = centre.put_current(f"/api/v1/award/{award_id}", json={"student": WORLD.student_b})
        assert r.status_code == 422, r.get_data(as_text=True)
        assert "program" in r.get_json()["message"]  # the senior grant does not aid a primary pupil
        with app.app_context():
            assert db.session.get(Award, award_id).student_id == pupil_id
    finally:
        with app.app_context():
            purge(db.session.get(Award, award_id), db.session.get(Student, pupil_id))
            db.session.commit()


def test_sync_foreign_keys_sees_both_ways_of_writing(app):
    from app.rules.stored import sync_foreign_keys

    with app.app_context():
        award = db.session.get(Award, WORLD.award_a)
        other = db.session.get(Student, WORLD.student_b)
        with db.session.no_autoflush:
            award.student = other
            sync_foreign_keys(db.session, award)
            assert award.student_id == WORLD.student_b
        db.session.rollback()
        award = db.session.get(Award, WORLD.award_a)
        with db.session.no_autoflush:
            award.student_id = WORLD.student_b
            sync_foreign_keys(db.session, award)
            assert award.student.id == WORLD.student_b
        db.session.rollback()


def test_the_api_answers_a_badly_shaped_body_in_chinese(app, api):
    """marshmallow's own messages (unknown field, required, not a number) reach the user in Chinese."""
    import re

    centre = api("t_center")
    r = centre.post("/api/v1/award/", json={"status": "paid", "amount": "abc", "student": WORLD.student_a})
    assert r.status_code == 422
    text = str(r.get_json()["message"])
    assert "不属于这类记录" in text and "请填写整数" not in text, text
    assert not re.search(r"[A-Za-z]{4,}", re.sub(r"'[a-z_]+'", "", text)), text  # field names aside, no English
    r = centre.put_current(f"/api/v1/student/{WORLD.student_b}", json={"enrolment_year": "明年", "name": "x" * 500})
    assert r.status_code == 422
    text = str(r.get_json()["message"])
    assert "整数" in text and "最多" in text, text


def test_a_step_without_a_json_object_is_a_bad_request_and_an_empty_one_a_refusal(app, api):
    """Every step endpoint of the API (an award's void, a complaint's, a transfer's, an application's
    step), found from the app itself: no JSON body, or a form's, is 400 as for Flask-AppBuilder's own
    POST and PUT; ``{}`` reaches the step's rules, which say what is missing (422); nothing changes."""
    from app.security.scope import unscoped

    resources = {view.resource_name: view for view in app.appbuilder.baseviews if isinstance(view, AidModelApi)}
    steps = sorted(rule.rule for rule in app.url_map.iter_rules()
                   if rule.rule.startswith("/api/v1/") and "POST" in rule.methods
                   and rule.rule.endswith(("/<int:pk>/step", "/<int:pk>/void")))
    assert len(steps) >= 4, steps
    clients, before = [api("t_center"), api("t_officer_b")], _counts(app)
    for rule in steps:
        model = resources[rule.split("/")[3]].datamodel.obj
        with app.app_context():  # a record of school B, which both the centre and its officer see
            record = db.session.scalars(select(model).where(model.school_id == WORLD.school_b).order_by(model.id)
                                        .execution_options(**unscoped())).first()
            assert record is not None, rule
            pk, status = record.id, record.status
        url = rule.replace("<int:pk>", str(pk))
        client = next(c for c in clients if c.post(url).status_code != 403)  # the role that takes the step
        for kwargs in ({}, {"data": {"action": "withdraw", "void_reason": "x"}}, {"data": "[", "content_type": "application/json"}):
            r = client.post(url, **kwargs)
            assert r.status_code == 400 and "结构" in r.get_json()["message"], (url, kwargs, r.status_code)
        assert client.post(url, json={}).status_code == 422, url
        with app.app_context():
            assert db.session.get(model, pk).status == status, url
    assert _counts(app) == before


def test_a_key_written_directly_is_judged_with_the_record_it_names(app):
    """A bulk statement (or any code) that writes award.student_id while the award's pupil is loaded:
    the rules see the pupil the key names, not the one loaded before (the senior grant does not aid a
    primary pupil, so moving a proposal to one is refused)."""
    from sqlalchemy import update

    from app.rules import RuleError

    award_id, pupil_id = _proposal(app, "键值判断", date(2009, 6, 6), 744)
    with app.app_context():
        try:
            award = db.session.get(Award, award_id)
            assert award.status == "proposed" and award.student.id == pupil_id  # loaded with the award
            with pytest.raises(RuleError) as refused:
                db.session.execute(update(Award).where(Award.id == award_id).values(student_id=WORLD.student_b))
            assert "program" in refused.value.errors
            db.session.rollback()
            award = db.session.get(Award, award_id)
            with db.session.no_autoflush:
                award.student_id = WORLD.student_b
            with pytest.raises(RuleError):
                db.session.flush()
            db.session.rollback()
            assert db.session.get(Award, award_id).student_id == pupil_id
        finally:
            db.session.rollback()
            purge(db.session.get(Award, award_id), db.session.get(Student, pupil_id))
            db.session.commit()
