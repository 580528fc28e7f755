"""What may change in each state of a workflow, judged on the record as it will be stored.

Each workflow declares, in its own rules module, one ``StateRules`` table: for each state the
fields that may change and the roles that may change them; every other field is frozen.  The
state itself, and the fields only its steps write (who approved, when it was paid, the
reviewer's comment ...), change only inside the workflow's own transition functions, which
mark the record with ``step(record)`` before they write.  ``check`` runs on every flush (from
the rule of each workflow) and on a form's stand-in before it is saved, and refuses with
``RuleError({field: message})`` naming the field in Chinese.

What changes is ``changes(record)``: a column whose history changed, or a many-to-one
relationship (``award.student = other``, as Flask-AppBuilder's forms and REST API write) whose
new target's id differs from the stored foreign key, counted under the foreign key's column
(``student_id``); a relationship set to a record with the same id is no change.  Many-to-many
collections (a loan's materials, an inspection's inspectors) count under their own name.

Who is acting: the logged-in user's roles; code without a logged-in user (commands, the demo
seed, the test set-up) acts as the system, which may do what the centre may, and may also
create records in any state (the seed loads a county as it stands).
"""
from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from typing import Callable

from flask import g, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect, select
from sqlalchemy.orm import RelationshipDirection, object_session
from sqlalchemy.orm.base import NO_VALUE

from app.security.roles import ADMIN, AID_CENTER, LEADER, ROLE_LABELS, SCHOOL_OFFICER, SUPERVISOR
from app.rules import RuleError

ALL = "*"  # in a state's table: every field not named otherwise
SYSTEM = "system"  # the acting "role" of code without a logged-in user
_UNKNOWN = object()
_STEP = "_state_step"


def acting_roles() -> frozenset:
    """The roles of the logged-in user, or the system's (the centre's, plus SYSTEM) without one."""
    if has_request_context():
        from app.security.scope import request_user

        user = request_user()
        try:
            if user is not None and user.is_authenticated:
                roles = tuple(user.roles)
                # asked for every record a write judges (an import judges thousands): the names are kept
                # for the request while the user holds the same roles
                known = g.get("_aid_acting_roles")
                if known is not None and known[0] is user and known[1] == roles:
                    return known[2]
                names = frozenset(role.name for role in roles)
                g._aid_acting_roles = (user, roles, names)
                return names
        except AttributeError:
            pass
    return frozenset({SYSTEM, AID_CENTER})


def step(record, *fields):
    """Mark a record as moved by its workflow's own transition (until the transaction ends).

    The state and the step-only fields may then change; ``fields`` names further fields the
    step writes (a card corrected after a failed payment).
    """
    session = object_session(record)
    token = session.get_transaction() if session is not None else None
    marked = getattr(record, _STEP, None)
    if marked is not None and marked[0] is token:
        fields = tuple(fields) + tuple(marked[1])
    setattr(record, _STEP, (token, frozenset(fields)))


def _step_of(record, session):
    """The fields a transition of this transaction allows, or None when no transition marked it."""
    marked = getattr(record, _STEP, None)
    if marked is None:
        return None
    token, fields = marked
    if token is not None and session is not None and token is not session.get_transaction():
        return None  # a step of a transaction that has ended
    return fields


def _blank(value):
    return value is None or value == ""


def _same(a, b):
    return a == b or (_blank(a) and _blank(b))


class Stored:
    """A record as it will be stored next to the same record as it is stored now.

    ``record`` is a mapped object in a session (the flush path) or a detached stand-in holding
    the form's values (``SimpleNamespace`` with ``id``, as the screens and imports check them).
    """

    def __init__(self, record, model, session):
        self.record, self.model, self.session = record, model, session
        self.mapper = inspect(model)
        self.state = inspect(record, raiseerr=False)
        self._stored = self._row = _UNKNOWN

    @property
    def is_new(self):
        if self.state is not None:
            return self.state.transient or self.state.pending
        return getattr(self.record, "id", None) is None or self._stored_object() is None

    def _stored_object(self):
        """The stored record a stand-in stands for (through the user's scope, as the screen read it)."""
        if self._stored is _UNKNOWN:
            self._stored = self.session.get(self.model, self.record.id)
        return self._stored

    def _db_row(self):
        """The stored row, read past the session (when the history lacks an old value)."""
        if self._row is _UNKNOWN:
            from app.security.scope import unscoped

            table = self.mapper.local_table
            pk = self.mapper.primary_key[0]
            with self.session.no_autoflush:
                row = self.session.execute(select(*table.c).where(pk == self.state.identity[0])
                                           .execution_options(**unscoped())).mappings().first()
            self._row = dict(row) if row is not None else {}
        return self._row

    def before(self, key):
        """The value of a column as stored."""
        if self.state is None:
            stored = self._stored_object()
            return getattr(stored, key, None) if stored is not None else None
        committed = self.state.committed_state.get(key, _UNKNOWN)
        if committed is not _UNKNOWN and committed is not NO_VALUE:
            return committed
        if committed is _UNKNOWN and key in self.state.dict:
            return self.state.dict[key]  # not changed in this session
        return self._db_row().get(key)

    def changes(self):
        """The column keys (foreign keys for many-to-one relationships) and collections that change."""
        if self.is_new:
            return set()
        if self.state is None:
            return self._probe_changes()
        changed = set()
        attrs = self.state.attrs
        for column in self.mapper.column_attrs:
            history = attrs[column.key].history
            if history.has_changes() and not _same(history.added[0] if history.added else None,
                                                   self.before(column.key)):
                changed.add(column.key)
        for rel in self.mapper.relationships:
            if rel.viewonly:
                continue
            history = attrs[rel.key].history
            if rel.direction is RelationshipDirection.MANYTOONE:
                if not history.added:
                    continue
                fk = next(iter(rel.local_columns)).key
                target = history.added[0]
                new_id = _target_id(target, rel)
                if fk not in changed and ((target is not None and new_id is None) or new_id != self.before(fk)):
                    changed.add(fk)  # another record, or one not stored yet
            elif rel.secondary is not None and (history.added or history.deleted):
                changed.add(rel.key)
        return changed

    def _probe_changes(self):
        stored = self._stored_object()
        changed = set()
        for column in self.mapper.column_attrs:
            value = getattr(self.record, column.key, _UNKNOWN)
            if value is not _UNKNOWN and not _same(value, getattr(stored, column.key)):
                changed.add(column.key)
        for rel in self.mapper.relationships:
            if rel.direction is not RelationshipDirection.MANYTOONE or rel.viewonly:
                continue
            target = getattr(self.record, rel.key, _UNKNOWN)
            fk = next(iter(rel.local_columns)).key
            if target is not _UNKNOWN and target is not None and _target_id(target, rel) != getattr(stored, fk):
                changed.add(fk)
        return changed


def _target_id(target, rel):
    """The id a many-to-one relationship's new target gives the foreign key (None: none yet)."""
    if target is None:
        return None
    state = inspect(target, raiseerr=False)
    if state is not None and state.identity is not None:
        return state.identity[0]
    return getattr(target, rel.mapper.primary_key[0].key, None)


def changes(record, session=None, model=None) -> set:
    """Which fields of a record change as stored (see the module's docstring)."""
    from app.extensions import db

    return Stored(record, model or type(record), session or db.session).changes()


@dataclass
class StateRules:
    """One workflow's table: what may change in each state, and by whom."""

    model: str  # the model's class name in app.models
    what: object  # the record, as a sentence names it (lazy string)
    states: dict  # state → {field or tuple of fields or ALL: roles}
    labels: dict  # field (relationship name for a foreign key) → label
    state_labels: Callable  # state code → label
    steps: tuple = ("status",)  # written only by the workflow's transitions
    status: str = "status"  # the column holding the state
    created: dict | None = None  # state a new record may start in → roles that may create it
    moves: dict = dc_field(default_factory=dict)  # (from, to) → roles that move it by a plain write
    ignored: tuple = ()  # derived by the rules or the scope (besides id and the timestamps)
    state_of: Callable | None = None  # computes the state, (record, Stored) → state, when no column holds it
    hint: object = None  # what to do instead, added to the message of a frozen field

    def model_class(self):
        import app.models as models

        return getattr(models, self.model)

    def roles_for(self, state, key):
        table = self.states.get(state, {})
        fallback = frozenset()
        for fields, roles in table.items():
            if fields == ALL:
                fallback = frozenset(roles)
            elif key == fields or (isinstance(fields, tuple) and key in fields):
                return frozenset(roles)
        return fallback

    def free_everywhere(self, key, roles):
        return all(roles & self.roles_for(state, key) for state in self.states)

    def governed(self):
        """Every field the table speaks of: the model's columns and collections, less the ignored."""
        mapper = inspect(self.model_class())
        keys = {c.key for c in mapper.column_attrs} | {r.key for r in mapper.relationships
                                                        if r.secondary is not None and not r.viewonly}
        return keys - self._ignored(mapper)

    def _ignored(self, mapper):
        skip = {"id", "created_at", "updated_at", *self.ignored}
        if getattr(mapper.class_, "__school_from__", None):
            skip.add("school_id")  # follows the record it belongs to (app/security/scope.py)
        return skip

    def public_name(self, key):
        """A foreign key is named by its relationship, as forms and the API name it."""
        for rel in inspect(self.model_class()).relationships:
            if rel.direction is RelationshipDirection.MANYTOONE and next(iter(rel.local_columns)).key == key:
                return rel.key
        return key

    def label(self, name):
        return self.labels.get(name, name)


def check(record, rules: StateRules, session=None):
    """Refuse a write the state of the record does not allow (RuleError naming each field)."""
    from app.extensions import db

    session = session or db.session
    model = rules.model_class()
    stored = Stored(record, model, session)
    roles = acting_roles()
    if stored.is_new:
        _check_created(record, rules, stored, roles)
        return
    changed = stored.changes() - rules._ignored(stored.mapper)
    if not changed:
        return
    stepped = _step_of(record, session)
    state = _UNKNOWN
    errors = {}
    for key in sorted(changed):
        name = rules.public_name(key)
        if stepped is not None and (key in rules.steps or key in stepped):
            continue
        if key == rules.status:
            if state is _UNKNOWN:
                state = _state(record, rules, stored)
            if roles & frozenset(rules.moves.get((state, getattr(record, key)), ())):
                continue
            errors[name] = _l("The state of a %(what)s changes only through its handling steps, never by editing it.",
                              what=rules.what)
        elif key in rules.steps:
            errors[name] = _l("%(field)s is written by the handling steps of the %(what)s only.",
                              field=_quoted(rules.label(name)), what=rules.what)
        elif not rules.free_everywhere(key, roles):
            if state is _UNKNOWN:
                state = _state(record, rules, stored)
            allowed = rules.roles_for(state, key)
            if roles & allowed:
                continue
            errors[name] = _message(rules, name, state, allowed)
    if errors:
        raise RuleError(errors)


def _state(record, rules, stored):
    if rules.state_of is not None:
        return rules.state_of(record, stored)
    return stored.before(rules.status)


def _quoted(text):
    return f"“{text}”"


def _role_names(roles):
    shown = [r for r in (AID_CENTER, SCHOOL_OFFICER, SUPERVISOR, LEADER, ADMIN) if r in roles]
    return "、".join(ROLE_LABELS[r] for r in shown)


def _message(rules, name, state, allowed):
    field, what, label = _quoted(rules.label(name)), rules.what, _quoted(rules.state_labels(state))
    if allowed:
        return _l("%(field)s of a %(what)s that is %(state)s can be changed only by %(roles)s.",
                  field=field, what=what, state=label, roles=_role_names(allowed))
    return str(_l("%(field)s cannot be changed: the %(what)s is %(state)s. %(hint)s", field=field, what=what,
                  state=label, hint=rules.hint or "")).strip()


def _check_created(record, rules, stored, roles):
    if rules.created is None or SYSTEM in roles:
        return
    state = rules.state_of(record, stored) if rules.state_of is not None else getattr(record, rules.status, None)
    if state is None:
        state = next(iter(rules.created))  # the column's default, given on insert
    allowed = rules.created.get(state)
    if allowed is None:
        firsts = "、".join(_quoted(rules.state_labels(s)) for s in rules.created)
        raise RuleError({rules.public_name(rules.status): _l("A new %(what)s starts as %(first)s.",
                                                               what=rules.what, first=firsts)})
    if not roles & frozenset(allowed):
        raise RuleError({rules.public_name(rules.status): _l("Your role may not create a %(what)s.", what=rules.what)})
