"""Bulk writes go through the same rules, school scope and audit trail as a form save.

A statement such as ``session.execute(insert(Student), rows)``, ``update(Student).where(...)``
``.values(...)``, ``query(...).update(...)`` or ``delete(Award).where(...)`` would reach the
database without the unit of work: no ``before_flush`` (school scope, app/rules/), no
``after_flush`` (audit trail).  Instead of trusting every bulk path to remember that, one
``do_orm_execute`` hook catches every INSERT, UPDATE and DELETE on a business table that goes
through the session (ORM and Core ``Table`` statements alike) and carries it out as ORM
writes, flushed at once:

* INSERT: one new object per row, added and flushed (``RETURNING`` columns are answered from
  the flushed objects, in the order of the rows);
* UPDATE: the rows the statement's criteria select *through the session* (so an officer's
  school scope narrows them as it narrows a list) are loaded and given the new values;
  an UPDATE by primary key (``execute(update(Model), [{"id": ..., ...}])``) loads each row;
* DELETE: the rows selected the same way are deleted one by one.

So every rule of the flush judges each row as it will be stored (frozen fields see the old
and the new value), the scope refuses a row outside an officer's school, and the audit trail
gets one create, update or delete entry per record with the changed fields, masked as usual.

What cannot be turned into ORM writes is refused with ``BulkWriteRefused`` rather than let
through: values computed in SQL (``count = count + 1``), ``INSERT ... SELECT``, upserts and
SQL text that writes (``text("UPDATE ...")``).  Tables that are logs or bookkeeping of their
own (app/security/audit.py ``SKIPPED``) are left alone.  Writes on a bare ``Connection`` are below the
session and not seen here: tests/test_bulk_writes.py lists the few that may exist.
"""
from __future__ import annotations

import re

from sqlalchemy import event, select
from sqlalchemy.orm import RelationshipDirection
from sqlalchemy.engine.result import IteratorResult, SimpleResultMetaData
from sqlalchemy.sql.elements import BindParameter, Null, TextClause

# the table an SQL text writes to: INSERT INTO t, UPDATE t, DELETE FROM t, REPLACE INTO t, MERGE INTO t
_WRITING_SQL = re.compile(r"\b(?:insert\s+(?:or\s+\w+\s+)?into|update|delete\s+from|replace\s+into|merge\s+into|truncate"
                          r"(?:\s+table)?)\s+(?:only\s+)?(?:\w+\.)?[\"`]?(\w+)", re.IGNORECASE)


class BulkWriteRefused(RuntimeError):
    """A bulk statement the rules and the audit trail could not follow: write it another way."""


class _Written(IteratorResult):
    """What a bulk statement answers: its RETURNING rows (if any) and how many rows it wrote."""

    def __init__(self, keys, rows, rowcount):
        super().__init__(SimpleResultMetaData(keys), iter(rows))
        self.rowcount = rowcount


_MAPPERS = None


def _mapper_of(name):
    """The business model mapped to this table name, or None (logs, association tables)."""
    global _MAPPERS
    if _MAPPERS is None:
        from app.security.audit import SKIPPED
        from app.extensions import db

        _MAPPERS = {m.local_table.name: m for m in db.Model.registry.mappers
                    if m.local_table.name not in SKIPPED and not m.inherits}
    return _MAPPERS.get((name or "").lower())


def _attr_key(mapper, key):
    """The attribute name for a column, a column name or an attribute name."""
    if not isinstance(key, str):
        key = key.key if key.table is mapper.local_table or key.table.name == mapper.local_table.name else None
        if key is None:
            raise BulkWriteRefused("a value for another table's column")
    if key in mapper.column_attrs:
        return key
    column = mapper.local_table.c.get(key)
    if column is None:
        raise BulkWriteRefused(f"{mapper.class_.__name__} has no column {key}")
    return mapper.get_property_by_column(column).key


def _literal(value):
    if isinstance(value, Null):
        return None
    if isinstance(value, BindParameter) and value.callable is None:
        return value.effective_value
    if isinstance(value, BindParameter):
        return value.callable()
    raise BulkWriteRefused("a value computed in SQL; set it on the records instead")


def _statement_values(mapper, stmt):
    if getattr(stmt, "_multi_values", None):
        raise BulkWriteRefused("multi-row VALUES; pass the rows as parameters")
    if getattr(stmt, "_ordered_values", None):
        pairs = stmt._ordered_values
    else:
        pairs = (stmt._values or {}).items()
    return {_attr_key(mapper, k): _literal(v) for k, v in pairs}


def _rows(mapper, state):
    params = state.parameters
    if params is None:
        return []
    if isinstance(params, dict) or hasattr(params, "keys"):
        params = [params]
    return [{_attr_key(mapper, k): v for k, v in row.items()} for row in params]


def _refuse_extras(stmt):
    for name in ("_post_values_clause", "_inline", "select"):
        if getattr(stmt, name, None) not in (None, False):
            raise BulkWriteRefused("INSERT ... SELECT, upserts and dialect extras")
    if getattr(stmt, "_hints", None) or getattr(stmt, "_extra_froms", None):
        raise BulkWriteRefused("UPDATE or DELETE with other tables in FROM")


def _returning(mapper, stmt, objects):
    keys, getters = [], []
    for column in stmt._returning or ():
        prop_key = column._annotations.get("proxy_key") if hasattr(column, "_annotations") else None
        if prop_key is None:
            try:
                prop_key = mapper.get_property_by_column(column).key
            except Exception:
                raise BulkWriteRefused("RETURNING something other than the table's columns") from None
        keys.append(getattr(column, "key", prop_key))
        getters.append(prop_key)
    rows = [tuple(getattr(obj, key) for key in getters) for obj in objects] if keys else []
    return keys, rows


def _selected(session, state, mapper, stmt):
    """The records an UPDATE or DELETE names, read through the session (scope included)."""
    entity = mapper.class_
    where = stmt.whereclause
    query = select(entity)
    if where is not None:
        query = query.where(where)
    options = {k: v for k, v in state.local_execution_options.items() if k != "synchronize_session"}
    return list(session.scalars(query.order_by(*mapper.primary_key).execution_options(**options)))


def _referenced(session, mapper, rows, options):
    """The records the rows point at, read in one query per relationship (through the session,
    so within the user's scope) and held while the flush runs: the rules and the scope then find
    them in the session instead of reading them one row at a time."""
    held = []
    for rel in mapper.relationships:
        if rel.direction is not RelationshipDirection.MANYTOONE or len(rel.local_columns) != 1:
            continue
        key = mapper.get_property_by_column(next(iter(rel.local_columns))).key
        target = rel.mapper
        if len(target.primary_key) != 1:
            continue
        ids = sorted({row[key] for row in rows if row.get(key) is not None
                      and target.identity_key_from_primary_key([row[key]]) not in session.identity_map})
        pk = target.primary_key[0]
        for start in range(0, len(ids), 900):
            held.extend(session.scalars(select(target.class_).where(pk.in_(ids[start:start + 900]))
                                        .execution_options(**options)))
    return held


def _insert(session, state, mapper, stmt):
    _refuse_extras(stmt)
    base = _statement_values(mapper, stmt)
    rows = [base | row for row in _rows(mapper, state) or [{}]]
    options = {k: v for k, v in state.local_execution_options.items() if k != "synchronize_session"}
    held = _referenced(session, mapper, rows, options)  # noqa: F841  (kept alive until the flush is done)
    objects = [mapper.class_(**row) for row in rows]
    session.add_all(objects)
    session.flush()
    keys, out = _returning(mapper, stmt, objects)
    return _Written(keys, out, len(objects))


def _update(session, state, mapper, stmt):
    _refuse_extras(stmt)
    values = _statement_values(mapper, stmt)
    rows = _rows(mapper, state)
    if rows and values:
        raise BulkWriteRefused("UPDATE with both .values() and parameters")
    if rows:  # ORM bulk UPDATE by primary key: each row names its record
        if stmt.whereclause is not None:
            raise BulkWriteRefused("UPDATE by primary key with extra criteria")
        pk = [c.key for c in mapper.primary_key]
        pk = [_attr_key(mapper, k) for k in pk]
        changes = []
        for row in rows:
            ident = tuple(row[k] for k in pk)
            obj = session.get(mapper.class_, ident if len(ident) > 1 else ident[0],
                              execution_options=dict(state.local_execution_options))
            if obj is None:
                raise BulkWriteRefused(f"no {mapper.class_.__name__} {ident} to update")
            changes.append((obj, {k: v for k, v in row.items() if k not in pk}))
    else:
        changes = [(obj, values) for obj in _selected(session, state, mapper, stmt)]
    for obj, new in changes:
        for key, value in new.items():
            setattr(obj, key, value)
    objects = [obj for obj, _ in changes]
    session.flush()
    keys, out = _returning(mapper, stmt, objects)
    return _Written(keys, out, len(objects))


def _delete(session, state, mapper, stmt):
    _refuse_extras(stmt)
    objects = _selected(session, state, mapper, stmt)
    keys, out = _returning(mapper, stmt, objects)
    for obj in objects:
        session.delete(obj)
    session.flush()
    return _Written(keys, out, len(objects))


def _on_execute(state):
    stmt = state.statement
    if isinstance(stmt, TextClause):
        if any(_mapper_of(name) for name in _WRITING_SQL.findall(stmt.text)):
            raise BulkWriteRefused("SQL text that writes: the rules and the audit trail cannot read it")
        return None
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    table = getattr(stmt.table, "name", None)
    mapper = _mapper_of(table)
    if mapper is None:
        if state.is_delete:
            _refuse_deleting_a_log(table)
        return None
    session = state.session
    if state.is_insert:
        return _insert(session, state, mapper, stmt)
    if state.is_update:
        return _update(session, state, mapper, stmt)
    return _delete(session, state, mapper, stmt)


def _refuse_deleting_a_log(table):
    """The logs left alone above (who exported the bank's list, who read a complainant) are kept too."""
    from app.rules.deletion import KEPT, NEVER_MESSAGE
    from app.rules import RuleError

    if table in KEPT:
        raise RuleError({"id": NEVER_MESSAGE})


def install(session):
    if getattr(session, "_bulk_writes_installed", False):
        return
    event.listen(session, "do_orm_execute", _on_execute)
    session._bulk_writes_installed = True
