"""The school scope for every shape of query an officer's request can run.

Each test runs as school A's officer against school B's rows (tests/conftest.py): B's award,
student, identification and fund must count for nothing, however the statement is written.
Each fails if app/security/scope.py stops adding its criteria to that shape of statement.
"""
from __future__ import annotations

import pytest
from flask import g
from sqlalchemy import exists, func, literal_column, select, table, column, text, union_all

from app.extensions import db
from app.models import Award, AidProgram, Identification, School, SchoolFund, Student
from tests.conftest import WORLD


@pytest.fixture()
def as_officer_a(app):
    """A request of school A's officer (the scope reads g.user), and the counts it must never see."""
    from flask_appbuilder.security.sqla.models import User

    with app.test_request_context():
        user = db.session.scalar(select(User).where(User.username == "t_officer_a"))
        g.user = user
        yield
        db.session.rollback()


def _b_awards():
    return select(func.count()).select_from(Award).where(Award.school_id == WORLD.school_b)


def test_plain_selects_of_every_scoped_entity(as_officer_a):
    assert db.session.get(Award, WORLD.award_b) is None
    assert db.session.scalar(select(Student).where(Student.id == WORLD.student_b)) is None
    assert db.session.scalar(select(School.id).where(School.id == WORLD.school_b)) is None


def test_aggregates(as_officer_a):
    assert db.session.scalar(_b_awards()) == 0
    assert db.session.scalar(select(func.count(Award.id)).where(Award.school_id == WORLD.school_b)) == 0
    assert db.session.scalar(select(func.sum(Award.amount)).where(Award.student_id == WORLD.student_b)) is None
    per_school = dict(db.session.execute(select(Award.school_id, func.count()).group_by(Award.school_id)).all())
    assert WORLD.school_b not in per_school


def test_an_unscoped_entity_first_and_a_scoped_one_joined(as_officer_a):
    # the statement's first entity is county-wide (a programme): the award joined to it is still scoped
    rows = db.session.execute(select(AidProgram.id, func.count(Award.id)).join(Award, Award.program_id == AidProgram.id)
                              .where(AidProgram.id == WORLD.program_primary).group_by(AidProgram.id)).all()
    assert rows == []
    rows = db.session.execute(select(AidProgram, func.count()).join(Award).where(Award.school_id == WORLD.school_b)
                              .group_by(AidProgram.id)).all()
    assert rows == []


def test_a_column_of_a_school_with_a_count_of_its_awards(as_officer_a):
    rows = dict(db.session.execute(select(School.name, func.count(Award.id)).join(Award, Award.school_id == School.id)
                                   .group_by(School.name)).all())
    assert "测试乙小学" not in rows
    # an outer join from the officer's school to another school's records finds none of them
    rows = db.session.execute(select(School.id, func.count(Student.id)).outerjoin(Student, Student.school_id == WORLD.school_b)
                              .group_by(School.id)).all()
    assert rows and all(n == 0 for _, n in rows)


def test_joins_to_a_second_scoped_entity(as_officer_a):
    assert db.session.scalar(select(func.count()).select_from(Identification).join(Student)
                             .where(Student.id == WORLD.student_b)) == 0
    assert db.session.scalar(select(func.count(Student.id)).join(Award, Award.student_id == Student.id)
                             .where(Award.id == WORLD.award_b)) == 0


def test_subqueries_scalar_subqueries_exists_and_in(as_officer_a):
    sub = select(Award.student_id).where(Award.school_id == WORLD.school_b).subquery()
    assert db.session.scalar(select(func.count()).select_from(sub)) == 0
    scalar = select(func.count(Award.id)).where(Award.school_id == WORLD.school_b).scalar_subquery()
    assert db.session.scalar(select(scalar)) == 0
    assert db.session.scalar(select(AidProgram.id, scalar).limit(1)) is not None
    assert db.session.execute(select(AidProgram.id, scalar.label("n"))).all()[0].n == 0
    assert db.session.scalar(select(exists().where(Award.id == WORLD.award_b))) is False
    assert db.session.scalar(select(func.count()).select_from(AidProgram).where(
        AidProgram.id.in_(select(Award.program_id).where(Award.id == WORLD.award_b)))) == 0


def test_ctes_and_unions(as_officer_a):
    cte = select(Award.id, Award.amount).where(Award.school_id == WORLD.school_b).cte("b_awards")
    assert db.session.scalar(select(func.count()).select_from(cte)) == 0
    both = union_all(select(Award.id).where(Award.id == WORLD.award_b), select(Student.id).where(Student.id == WORLD.student_b))
    assert db.session.execute(both).all() == []
    assert db.session.scalar(select(func.count()).select_from(both.subquery())) == 0


def test_what_no_criteria_can_reach_is_refused(as_officer_a):
    """SQL text and Core tables carry no model for the criteria to attach to: an officer's
    request may not run them (the centre's may; a county-wide look passes unscoped())."""
    from app.security.scope import ScopeViolation

    with pytest.raises(ScopeViolation):
        db.session.execute(text("SELECT count(*) FROM award"))
    db.session.rollback()
    t, funds = Award.__table__, SchoolFund.__table__
    for statement in (select(func.count()).select_from(t).where(t.c.school_id == WORLD.school_b),  # Core tables
                      select(t.c.id).where(t.c.id == WORLD.award_b),
                      select(funds.c.notes).where(funds.c.id == WORLD.fund_b)):
        with pytest.raises(ScopeViolation):
            db.session.execute(statement)
        db.session.rollback()
    with pytest.raises(ScopeViolation):  # a table named by hand, not the mapped one
        db.session.execute(select(func.count()).select_from(table("award", column("id"))))
    db.session.rollback()
    with pytest.raises(ScopeViolation):
        db.session.execute(select(literal_column("1")).select_from(text("award")))
    db.session.rollback()


def test_a_statement_remembered_by_its_shape_is_judged_by_its_own_shape(as_officer_a):
    """The scope remembers what it found in a statement by SQLAlchemy's cache key (``_school_tables_of``):
    a statement of no school's table, one through a model and one with SQL text in it are three shapes, and
    whichever is asked first, each is judged as itself (the model's narrowed to the school, the text refused);
    parameters do not make a new shape."""
    from itertools import permutations

    from app.security import scope
    from app.security.scope import ScopeViolation

    def no_school(award):
        return select(AidProgram.id).where(AidProgram.id != award)

    def through_model(award):
        return select(Award.id).where(Award.id == award)

    def with_text(award):
        return select(Award.id).where(Award.id == award, text("1 = 1"))

    for order in permutations((no_school, through_model, with_text)):
        scope._TABLES_BY_SHAPE.clear()
        for make in order * 2:
            for award in (WORLD.award_a, WORLD.award_b):
                if make is with_text:
                    with pytest.raises(ScopeViolation):
                        db.session.execute(make(award))
                    db.session.rollback()
                elif make is through_model:  # school A's own award is found, school B's is not
                    assert db.session.scalar(make(award)) == (WORLD.award_a if award == WORLD.award_a else None)
                else:
                    assert db.session.scalars(make(award)).all()
    scope._TABLES_BY_SHAPE.clear()
    db.session.scalar(through_model(WORLD.award_a))
    db.session.scalar(through_model(WORLD.award_b))
    assert len(scope._TABLES_BY_SHAPE) == 1  # one shape, whatever the award asked


def test_an_aggregate_compiled_without_its_model_is_refused_not_read_county_wide(as_officer_a):
    # only functions of a model's columns, the FROM left to SQLAlchemy: it compiles the statement as Core, where
    # the scope's criteria do not reach; the same sum with its model named (select_from) is scoped
    from app.security.scope import ScopeViolation

    from sqlalchemy import or_

    missing = func.sum(func.cast(or_(Student.class_name.is_(None), func.trim(Student.class_name) == literal_column("''"),
                                     Student.grade.isnot(None)), db.Integer))
    with pytest.raises(ScopeViolation):
        db.session.scalar(select(missing))
    db.session.rollback()
    named = db.session.scalar(select(missing).select_from(Student))
    db.session.rollback()
    with db.session.no_autoflush:
        from app.security.scope import unscoped

        everyone = db.session.scalar(select(missing).select_from(Student).execution_options(**unscoped()))
    assert (named, everyone) == (db.session.scalar(select(func.count(Student.id))),
                                 db.session.scalar(select(func.count(Student.id)).execution_options(**unscoped())))
    assert named < everyone


def test_an_object_of_another_school_left_in_the_session_is_not_handed_out(as_officer_a):
    from app.security.scope import unscoped

    # a county-wide check (the uniqueness of an ID number) loaded B's pupil into the session ...
    other = db.session.scalar(select(Student).where(Student.id == WORLD.student_b).execution_options(**unscoped()))
    assert other is not None
    # ... a later look-up by id in the same request must not return it from the identity map
    assert db.session.get(Student, WORLD.student_b) is None


def test_the_centre_still_sees_every_school(app):
    with app.test_request_context():
        from flask_appbuilder.security.sqla.models import User

        g.user = db.session.scalar(select(User).where(User.username == "t_center"))
        assert db.session.scalar(_b_awards()) == 1
        assert db.session.execute(text("SELECT count(*) FROM award")).scalar() >= 2
        db.session.rollback()


def test_a_request_whose_user_changes_is_scoped_for_its_new_user(app):
    """The scope stops looking at a request's statements once it knows its user sees every school; if the request's
    user is then another one (a login within the request), the scope works the new user out again."""
    from flask_appbuilder.security.sqla.models import User

    with app.test_request_context():
        g.user = db.session.scalar(select(User).where(User.username == "t_center"))
        assert db.session.scalar(_b_awards()) == 1
        assert db.session.scalar(_b_awards()) == 1  # the second statement: the centre is known to see every school
        g.user = db.session.scalar(select(User).where(User.username == "t_officer_a"))
        assert db.session.scalar(_b_awards()) == 0
        assert db.session.get(Award, WORLD.award_b) is None
        db.session.rollback()
