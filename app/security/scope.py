"""School isolation, enforced once at the ORM layer.

A SchoolOfficer sees and changes only its own school's records.  Rather than
trusting every view to filter (Flask-AppBuilder's ``base_filters`` miss actions,
related dropdowns, search choices and posted foreign keys), two session hooks
do it for every query and every write:

* ``do_orm_execute`` adds ``with_loader_criteria`` for School and for every
  SchoolOwned model to each ORM statement: lists, counts, show/edit by id,
  relationship loads, dropdown choices, actions and API reads.
* ``before_flush`` derives the school of records that follow another record
  (an identification follows its student), gives a new record of a scoped user
  its school, then refuses any new, changed or deleted record — or any record
  it points at — outside the user's school with ``ScopeViolation`` (HTTP 403).

Code that must look across schools on purpose (a county-wide uniqueness check)
passes ``execution_options(**unscoped())``; a county figure an officer's page shows
(the year-end evaluation: county averages and ranks) reads inside ``county_wide()``.

A record between two schools (``SchoolOwned.__shared_with__``: a pupil's transfer from one
school of the county to another) is seen by both; the second school may change it (its rules
say how) but never creates one in the owner's name nor deletes one. The one step a school takes
across schools — the receiving school accepting the pupil, whose records then move to it — runs
inside ``county_step()`` once its rules have checked that the school may take it.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from flask import g, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, event, inspect, or_, select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import RelationshipDirection, with_loader_criteria
from sqlalchemy.orm.base import PASSIVE_NO_INITIALIZE
from werkzeug.exceptions import Forbidden

OFFICER_ROLE = "SchoolOfficer"
NO_SCHOOL = -1  # an officer not linked to any school sees nothing
_SKIP = "skip_school_scope"
_UNKNOWN = object()


class ScopeViolation(Forbidden):
    """Raised on a write outside the user's school.

    Flask-AppBuilder's screens catch every exception around a save and turn it
    into a flash message; the flag left in ``g`` lets app/errors.py answer such
    a request with a 403 page all the same.
    """

    description = _l("This record belongs to another school.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if has_request_context():
            g._scope_violation = True


def unscoped():
    return {_SKIP: True}


_COUNTY_WIDE = ContextVar("county_wide", default=False)
_COUNTY_STEP = ContextVar("county_step", default=False)


@contextmanager
def county_wide():
    """Reads inside the block look across every school, as with ``unscoped()``: for a county
    figure (an average, a rank) that an officer's page shows of its own school.  Records of
    other schools come back detached; writes stay scoped (only SELECTs are let through)."""
    token = _COUNTY_WIDE.set(True)
    try:
        yield
    finally:
        _COUNTY_WIDE.reset(token)


@contextmanager
def county_step(session):
    """A step of a workflow that a school's user takes across schools because the county's rules
    give it to that school (app/rules/transfers.py: the receiving school accepts a pupil, whose
    record and records then leave the sending school). The caller checks beforehand that the user
    may take the step; inside the block reads and writes are the system's, and the block flushes
    before it ends (after it, every write is judged by the user's school again). On leaving, the
    records read in the block are let go of, so that nothing later in the request finds another
    school's record in the session without the school's criteria."""
    token = _COUNTY_STEP.set(True)
    try:
        yield
        session.flush()
    finally:
        _COUNTY_STEP.reset(token)
    if current_school_scope() is not None:
        session.expunge_all()


def scoped_models():
    from app.extensions import db
    from app.models.base import SchoolOwned

    return [m.class_ for m in db.Model.registry.mappers if issubclass(m.class_, SchoolOwned)]


_HIDING = None


def _hiding_models():
    global _HIDING
    if _HIDING is None:
        # a model hiding some rows itself, or a child hidden with its parent (``__hidden_with__`` names the
        # relationship): a score of an unannounced visit stays as unseen as the visit
        _HIDING = [cls for cls in scoped_models()
                   if hasattr(cls, "__officer_criteria__") or getattr(cls, "__hidden_with__", None)]
    return _HIDING


def _hidden_with_parent(cls):
    """EXISTS the parent the row belongs to, among the parent's rows the school may see (its own
    ``__officer_criteria__``, or its parent's in turn)."""
    link = getattr(cls, cls.__hidden_with__)  # cls may be the ORM's wrapper of the class: no inspect() on it
    parent = link.property.mapper.class_
    visible = [parent.__officer_criteria__()] if hasattr(parent, "__officer_criteria__") else []
    if getattr(parent, "__hidden_with__", None):
        visible.append(_hidden_with_parent(parent))
    return link.has(and_(*visible))


def user_itself(user):
    """The user object behind Flask-Login's ``current_user`` proxy (``g.user`` is that proxy), or the user
    given: every attribute read through the proxy looks the user up again (on the officer's home page some
    140 times)."""
    resolve = getattr(user, "_get_current_object", None)
    return resolve() if resolve is not None else user


def request_user():
    """The user of this request as the object itself (``user_itself``)."""
    return user_itself(g.get("user"))


def _authenticated_user():
    user = request_user()
    try:
        if user is not None and user.is_authenticated:
            return user
    except AttributeError:
        return None
    return None


def current_school_scope():
    """None when the current user sees every school, else the one school id it may see."""
    if not has_request_context() or g.get("_scope_resolving") or _COUNTY_STEP.get():
        return None
    # Loading the user, its roles or its officer link runs queries of their own:
    # keep those out of the scope while it is being worked out.
    g._scope_resolving = True
    try:
        user = _authenticated_user()
        if user is None:
            return None
        # g.user may be flask-login's proxy rather than the mapped object itself.
        state = inspect(user, raiseerr=False)
        user_id = state.identity[0] if state is not None else user.id
        cached = g.get("_school_scope")
        if cached is not None and cached[0] == user_id:
            return cached[1]
        scope = _resolve(user)
        g._school_scope = (user_id, scope)
        return scope
    finally:
        g._scope_resolving = False


def _resolve(user):
    from app.extensions import db
    from app.models import InfoOfficer

    # The security manager's user loader reads the school with the user (one query).
    school_id = user.__dict__.get("aid_school_id", _UNKNOWN)
    if school_id is _UNKNOWN:
        school_id = db.session.execute(
            select(InfoOfficer.school_id).where(InfoOfficer.user_id == user.id).execution_options(**unscoped())
        ).scalar()
    if school_id is not None:
        return school_id
    if any(role.name == OFFICER_ROLE for role in user.roles):
        return NO_SCHOOL
    return None


@lru_cache(maxsize=1024)
def _criteria(school_id):
    """The loader criteria that narrow a statement to one school's rows: made once per school and kept (options
    are immutable, and the school id they close over is part of the statement's cache key), not rebuilt for
    every statement of every request (six options, 144 µs a statement)."""
    from app.models import School
    from app.models.base import SchoolOwned

    # A model may hide some of a school's own rows from it (an unannounced visit before it is done).
    # A child hidden with its parent (a score of that visit) goes with it: EXISTS on the parent's criteria.
    extra = [
        with_loader_criteria(cls, lambda c: c.__officer_criteria__(), track_closure_variables=False)
        for cls in _hiding_models() if hasattr(cls, "__officer_criteria__")
    ] + [
        with_loader_criteria(cls, lambda c: _hidden_with_parent(c), track_closure_variables=False)
        for cls in _hiding_models() if getattr(cls, "__hidden_with__", None)
    ]
    return tuple(extra + [
        with_loader_criteria(School, lambda cls: cls.id == school_id, track_closure_variables=True),
        # a record between two schools (__shared_with__) is seen by both of them
        with_loader_criteria(
            SchoolOwned, lambda cls: _school_clause(cls, school_id), include_aliases=True,
            track_closure_variables=True,
        ),
    ])


def _school_clause(cls, school_id):
    """The rows of a SchoolOwned class that the school sees. ``cls`` may be the ORM's stand-in for the
    class while it works out the criteria: read its attributes, never call its methods."""
    shared = cls.__shared_with__
    if shared:
        return or_(cls.school_id == school_id, getattr(cls, shared) == school_id)
    return cls.school_id == school_id


def _on_execute(state):
    if state.execution_options.get(_SKIP) or (state.is_select and _COUNTY_WIDE.get()):
        return _detach_other_schools(state)
    if has_request_context() and g.get("_school_scope") is not None and current_school_scope() is None:
        return None  # this request's user sees every school (worked out at its first statement): nothing to look for
    scoped, core = _school_tables_of(state.statement)
    # An ORM statement may hold a Core subquery of a model's own making (a column_property
    # correlated to its row): only a statement with no model at all is taken for Core.
    core = core is _TEXT or (core and not state.is_orm_statement) or _core_reads_a_school_table(state)
    if not scoped:
        # e.g. the login manager loading the user: nothing to scope, and working out
        # the scope here would load that same user a second time.
        return None
    school_id = current_school_scope()
    if school_id is None:
        return None
    if core:
        # SQL text, or a table named without its model: no criteria can be added to it
        raise ScopeViolation()
    if state.is_select or state.is_update or state.is_delete:
        state.statement = state.statement.options(*_criteria(school_id))
    return None


_SCOPED_TABLES = None
_TEXT = "text"


def _core_reads_a_school_table(state):
    """A SELECT that SQLAlchemy compiles as Core although it reads a model's table in its own FROM: only
    functions of the model's columns (``sum(cast(Student.x IS NULL AS INTEGER))``), the FROM worked out
    by SQLAlchemy. The criteria added to it would be ignored there and it would read every school, so it
    is refused like SQL text (naming the model, ``select_from(Student)``, makes it an ORM statement).
    Its subqueries are ORM statements of their own, which the criteria reach."""
    from sqlalchemy.sql.selectable import Join, TableClause

    if state.is_orm_statement or not state.is_select:
        return False
    names = _scoped_tables()
    stack = list(getattr(state.statement, "get_final_froms", lambda: [])())
    while stack:
        element = stack.pop()
        if isinstance(element, Join):
            stack.extend((element.left, element.right))
        elif isinstance(element, TableClause) and element.name in names:
            return True
    return False


def _scoped_tables():
    global _SCOPED_TABLES
    if _SCOPED_TABLES is None:
        from app.models import School

        _SCOPED_TABLES = {School.__table__.name} | {cls.__table__.name for cls in scoped_models()}
    return _SCOPED_TABLES


_TABLES_BY_SHAPE = {}  # a statement's cache key → what _school_tables_in found in it


def _school_tables_of(statement):
    """``_school_tables_in``, remembered by the statement's shape: SQLAlchemy's cache key, which names every
    table, column and ORM entity of the statement and its structure (what the walk reads), not the values
    of its parameters. The dashboards build the same statements on every request, and walking them (some
    eighty elements each) took a tenth of the officer's home page; the key costs a fraction of that, and
    SQLAlchemy keeps it on the statement. A statement without a cache key is walked every time."""
    key = statement._generate_cache_key()
    if key is None:
        return _school_tables_in(statement)
    found = _TABLES_BY_SHAPE.get(key.key)
    if found is None:
        if len(_TABLES_BY_SHAPE) >= 5000:  # shapes are few (the app's own statements); bounded all the same
            _TABLES_BY_SHAPE.clear()
        found = _TABLES_BY_SHAPE[key.key] = _school_tables_in(statement)
    return found


def _school_tables_in(statement):
    """(does the statement read or write a school's rows, does it do so where no criteria reach).

    Every element of the statement is walked (joins, subqueries, CTEs, EXISTS, scalar subqueries
    in a column, the parts of a UNION): an ORM entity or attribute carries its mapper, and the
    criteria added in ``_on_execute`` reach it wherever it is; a Core ``Table`` or a column of
    one, a hand-made ``table("award")`` and SQL text do not.
    """
    from sqlalchemy.sql.elements import ColumnClause, TextClause
    from sqlalchemy.sql.selectable import TableClause

    names = _scoped_tables()
    orm, plain = set(), set()
    stack = [statement]
    while stack:
        element = stack.pop()
        if isinstance(element, TextClause):
            return True, _TEXT  # SQL text may name any table
        if not isinstance(element, TableClause):  # a table's own columns say nothing more
            stack.extend(element.get_children())
        if isinstance(element, ColumnClause):
            table = element.table
            if not isinstance(table, TableClause):
                continue
        elif isinstance(element, TableClause):
            table = element
        else:
            continue
        if table.name in names:
            # the ORM's own loads compare the plain primary key column of an entity they select
            (orm if "parententity" in element._annotations else plain).add(table.name)
    return bool(orm or plain), bool(plain - orm)


def _detach_other_schools(state):
    """A look across schools on purpose (a county-wide uniqueness check) by an officer: its
    records of other schools are handed back detached, so that no later ``session.get`` in the
    same request finds them in the session without the criteria."""
    if not state.is_select or not any(
            isinstance(d.get("expr"), type) and _is_scoped(d["expr"])
            for d in getattr(state.statement, "column_descriptions", ())):
        return None  # no record of a school is loaded whole (a column, a count)
    school_id = current_school_scope()
    if school_id is None:
        return None
    result = state.invoke_statement()
    try:
        frozen = result.freeze()
    except InvalidRequestError:  # joined eager loads of a collection: rows must be made unique first
        frozen = result.unique().freeze()
    session = state.session
    for row in frozen.data:
        for value in row if isinstance(row, tuple) else (row,):
            if _is_scoped(type(value)) and not _seen_by(value, school_id) and value in session:
                session.expunge(value)
    return frozen()


def _is_scoped(cls):
    from app.models import School
    from app.models.base import SchoolOwned

    return cls is School or issubclass(cls, SchoolOwned)


def _school_of(obj):
    from app.models import School

    if isinstance(obj, School):
        return obj.id
    return obj.school_id


def _seen_by(obj, school_id):
    shared = getattr(type(obj), "__shared_with__", None)
    return _school_of(obj) == school_id or (shared is not None and getattr(obj, shared) == school_id)


def _second_school_step(obj, school_id, new):
    """The second school of a record between two schools changes it where it stands: neither
    school of the record changes, and the record is not a new one made in the owner's name."""
    shared = type(obj).__shared_with__
    if not shared or obj in new:
        return False
    attrs = inspect(obj).attrs
    return (getattr(obj, shared) == school_id and not attrs[shared].history.has_changes()
            and not attrs.school_id.history.has_changes())


def _sync_school_fk(obj):
    """A school set through the relationship counts before the flush copies it to school_id."""
    state = inspect(obj)
    if "school" not in state.mapper.relationships:
        return
    # the attribute's history alone (state.attrs would build every attribute's state: an import flushes
    # thousands of new records)
    added = state.get_history("school", PASSIVE_NO_INITIALIZE).added
    if added:
        obj.school_id = added[0].id if added[0] is not None else None


def _derive_school(session, obj):
    """Copy the school of the record this one follows (identification → student)."""
    source_name = type(obj).__school_from__
    if not source_name:
        return
    source = getattr(obj, source_name)
    if source is None:
        rel = inspect(type(obj)).relationships[source_name]
        fk = getattr(obj, next(iter(rel.local_columns)).key)
        if fk is not None:
            with session.no_autoflush:
                source = session.get(rel.mapper.class_, fk)
        if source is None:
            if fk is not None:
                raise ScopeViolation()
            return
    if getattr(type(source), "__school_from__", None) and source.school_id is None:
        _derive_school(session, source)  # e.g. a new loan event whose new loan follows its pupil
    obj.school_id = source.school_id
    # A stale `school` relationship would overwrite school_id again when the flush runs.
    if "school" in inspect(type(obj)).relationships and obj.school is not None and obj.school.id != source.school_id:
        obj.school = None


def _check_references(session, obj, school_id):
    """Every record this one points at must be visible to the user too. A record between two
    schools points at the second school by design, and at records of either school that the user
    did not choose: only the references it writes now are judged (all of them when it is new)."""
    shared = getattr(type(obj), "__shared_with__", None)
    state = inspect(obj)
    for rel in inspect(type(obj)).relationships:
        if rel.direction is not RelationshipDirection.MANYTOONE:
            continue
        if shared:
            column = next(iter(rel.local_columns)).key
            if column == shared or (state.key is not None and not state.attrs[column].history.has_changes()
                                    and not state.attrs[rel.key].history.added):
                continue
        target_cls = rel.mapper.class_
        if not _is_scoped(target_cls):
            continue
        target = getattr(obj, rel.key)
        if target is None:
            fk = getattr(obj, next(iter(rel.local_columns)).key)
            if fk is None:
                continue
            with session.no_autoflush:
                target = session.get(target_cls, fk)
            if target is None:
                raise ScopeViolation()
        if _school_of(target) != school_id:
            raise ScopeViolation()


def _before_flush(session, flush_context, instances):
    from app.models import School
    from app.models.base import SchoolOwned
    from app.rules.registry import run_checks, run_delete_checks
    from app.security.personal import keep_masked_echo
    from app.rules.stored import sync_foreign_keys

    school_id = current_school_scope()
    # session.new builds a new set on every access: take it once (a 10,000-row import flushes at once)
    new = session.new
    touched = list(new) + [o for o in session.dirty if session.is_modified(o)]
    for obj in touched:
        sync_foreign_keys(session, obj)
        keep_masked_echo(obj)
        if isinstance(obj, SchoolOwned):
            _sync_school_fk(obj)
            _derive_school(session, obj)
            if school_id is not None and obj.school_id is None and obj in new:
                obj.school_id = school_id
                if "school" in inspect(type(obj)).relationships:
                    # a school left empty on a form (where it is optional) would overwrite the id on flush
                    with session.no_autoflush:
                        obj.school = session.get(School, school_id)
    if school_id is not None:
        _refuse_county_writes(session, touched)
        for obj in touched:
            if isinstance(obj, School):
                # an officer never creates a school and edits none but its own
                if obj in new or obj.id != school_id:
                    raise ScopeViolation()
                continue
            if not isinstance(obj, SchoolOwned):
                continue
            # neither where the record is going nor where it was may be another school
            history = inspect(obj).attrs.school_id.history
            before = list(history.deleted) + list(history.unchanged)
            if obj.school_id != school_id or any(v not in (None, school_id) for v in before):
                if not _second_school_step(obj, school_id, new):
                    raise ScopeViolation()
            _check_references(session, obj, school_id)
        for obj in session.deleted:
            if isinstance(obj, (School, SchoolOwned)) and _school_of(obj) != school_id:
                raise ScopeViolation()
        _refuse_county_writes(session, session.deleted)
    with session.no_autoflush:
        for obj in touched:
            run_checks(session, obj)
        for obj in session.deleted:
            run_delete_checks(session, obj)
    _follow_moved_students(session, touched, new)


# Tables a school's user writes although they belong to no school: the trail of its own actions.
OWN_TRAIL = {"audit_entry", "audit_head", "login_lock"}


def _refuse_county_writes(session, objects):
    """A school's user never writes a county-level table (programmes, semesters, schools, budgets, task
    lists, checklists, other users...), whatever path reaches it: a form, an API body with a nested
    object, a cascade. Its own user row it may change (password, login times), never its roles."""
    from app.models import School
    from app.models.base import SchoolOwned

    for obj in objects:
        if isinstance(obj, (School, SchoolOwned)) or getattr(obj, "__tablename__", None) in OWN_TRAIL:
            continue
        if _is_own_user_row(session, obj):
            continue
        raise ScopeViolation()


def _is_own_user_row(session, obj):
    user = _authenticated_user()
    if user is None or getattr(obj, "__tablename__", None) != "ab_user" or obj in session.new:
        return False
    user_state = inspect(user, raiseerr=False)
    user_id = user_state.identity[0] if user_state is not None else user.id
    state = inspect(obj)
    if state.identity is None or state.identity[0] != user_id:
        return False
    return not any(state.attrs[key].history.has_changes() for key in ("roles", "active", "username") if key in state.attrs)


def _follow_moved_students(session, touched, new):
    """When the centre moves a student to another school, its records move with it."""
    from app.models import Student

    for obj in touched:
        if not isinstance(obj, Student) or obj in new:
            continue
        history = inspect(obj).attrs.school_id.history
        if not history.deleted:
            continue
        for cls in scoped_models():
            if getattr(cls, "__school_from__", None) == "student":
                for child in session.scalars(
                    select(cls).where(cls.student_id == obj.id).execution_options(**unscoped())
                ):
                    child.school_id = obj.school_id


def install(session):
    """Register the hooks on the app's (scoped) session."""
    if getattr(session, "_school_scope_installed", False):
        return
    event.listen(session, "do_orm_execute", _on_execute)
    event.listen(session, "before_flush", _before_flush)
    from app.rules.pupil_status import forget

    event.listen(session, "after_commit", forget)  # a status announced for one transaction only
    event.listen(session, "after_soft_rollback", forget)
    session._school_scope_installed = True
