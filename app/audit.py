"""The audit trail: every create, change, status change and deletion of a business record,
and every look at or export of pupils' personal data, appended to a hash chain.

* ``install(session)`` adds an ``after_flush`` hook: whatever screen, API, import or command
  changes an ORM record, the entry is written in the same transaction (so a rolled-back change
  leaves no entry, and a committed one always has its entry).  Bulk statements through the
  session (``execute(insert(Student), rows)``, ``update(...)``, ``delete(...)``) are carried
  out as ORM writes by app/bulkwrites.py, installed with this hook: they get the same
  entries, one per record, as a form save.
* Personal data is masked in the trail (ID, card and phone numbers, addresses, guardians,
  complainants); passwords never appear.
* ``verify()`` walks the chain and returns the first broken entry (``flask audit verify``).
* Entries are never changed: the ORM refuses it here, and triggers in the database refuse
  UPDATE and DELETE on ``audit_entry`` (migration of the audit trail).
"""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal

from flask import g, has_request_context, request
from sqlalchemy import event, insert, inspect, select, update

from app import clock

GENESIS = "0" * 64
# records that are logs themselves, or change every second
SKIPPED = {"audit_entry", "audit_head", "print_job", "complaint_identity_read", "card_export", "login_lock",
           "user_session_epoch",
           "ab_permission", "ab_view_menu", "ab_permission_view", "ab_permission_view_role", "ab_register_user"}
NEVER = {"password": "***"}


def _mask_middle(text, keep_start, keep_end):
    text = str(text)
    if len(text) <= keep_start + keep_end:
        return "*" * len(text)
    return text[:keep_start] + "*" * (len(text) - keep_start - keep_end) + text[len(text) - keep_end:]


MASKS = {
    "id_number": lambda v: _mask_middle(v, 6, 4),
    "card_number": lambda v: _mask_middle(v, 4, 4),
    "phone": lambda v: _mask_middle(v, 3, 2),
    "guardian_phone": lambda v: _mask_middle(v, 3, 2),
    "co_borrower_phone": lambda v: _mask_middle(v, 3, 2),
    "complainant_contact": lambda v: _mask_middle(v, 3, 2),
    "complainant_name": lambda v: _mask_middle(v, 1, 0),
    "guardian": lambda v: _mask_middle(v, 1, 0),
    "co_borrower": lambda v: _mask_middle(v, 1, 0),
    "address": lambda v: _mask_middle(v, 3, 0),
}


def masked(field, value):
    if value is None:
        return None
    if field in NEVER:
        return NEVER[field]
    if field in MASKS:
        return MASKS[field](value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (int, float, bool, str)):
        return value
    return str(value)


def _who():
    if not has_request_context():
        return None, "（命令行）", None
    user = g.get("user")
    # The address the WSGI server saw: never a header the client can write (X-Real-IP,
    # X-Forwarded-For). Behind a proxy, ProxyFix (PROXY_FIX, app/hardening.py) rewrites
    # remote_addr from the proxy's header, and only then.
    ip = request.remote_addr
    try:
        if user is not None and user.is_authenticated:
            return user.id, user.username, ip
    except AttributeError:
        pass
    return None, None, ip


def _digest(entry):
    body = [entry["at"].isoformat(), entry["user_id"], entry["username"], entry["ip"], entry["action"],
            entry["entity"], entry["record_id"], entry["school_id"], entry["summary"], entry["changes"],
            entry["prev_hash"]]
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def _entry(action, entity, record_id, school_id=None, summary=None, changes=None, at=None, who=None):
    user_id, username, ip = who or _who()
    return {"at": at or clock.utcnow(), "user_id": user_id, "username": username, "ip": ip, "action": action,
            "entity": entity, "record_id": record_id, "school_id": school_id, "summary": (summary or "")[:300],
            "changes": json.dumps(changes, ensure_ascii=False, sort_keys=True) if changes else None}


def append(connection, entries):
    """Chain and write the entries on this connection (inside the caller's transaction)."""
    from app.models.audit import AuditEntry, AuditHead

    if not entries:
        return
    # taking the head row first makes concurrent writers wait for each other: the chain never forks
    connection.execute(update(AuditHead.__table__).where(AuditHead.__table__.c.id == 1)
                       .values(entries=AuditHead.__table__.c.entries + len(entries)))
    table = AuditEntry.__table__
    prev = connection.execute(select(table.c.hash).order_by(table.c.id.desc()).limit(1)).scalar() or GENESIS
    for entry in entries:
        entry["prev_hash"] = prev
        entry["hash"] = prev = _digest(entry)
    connection.execute(insert(table), entries)


def _table(obj):
    return getattr(type(obj), "__tablename__", None)


def _summary(obj):
    try:
        text = str(obj)
    except Exception:  # a half-loaded record: its id is enough
        return ""
    # a record whose related records are not loaded yet reads "None · None": its id says enough
    return "" if text.startswith("<") or "None" in text else text


def _values(obj, state, only_changed):
    changes = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in ("created_at", "updated_at"):
            continue
        if only_changed:
            history = state.attrs[key].history
            if not history.has_changes():
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old == new:
                continue
            changes[key] = [masked(key, old), masked(key, new)]
        else:
            value = getattr(obj, key, None)
            if value is not None:
                changes[key] = masked(key, value)
    return changes


def _pk(state, obj):
    key = state.mapper.primary_key_from_instance(obj)
    return key[0] if len(key) == 1 and isinstance(key[0], int) else None


def _after_flush(session, flush_context):
    entries = []
    who = _who()  # one flush, one person (an import flushes thousands of records at once)
    for obj in session.new:
        entity = _table(obj)
        if entity is None or entity in SKIPPED:
            continue
        state = inspect(obj)
        entries.append(_entry("create", entity, _pk(state, obj),
                              getattr(obj, "school_id", None), _summary(obj), _values(obj, state, False), who=who))
    for obj in session.dirty:
        entity = _table(obj)
        if entity is None or entity in SKIPPED or not session.is_modified(obj, include_collections=False):
            continue
        state = inspect(obj)
        changes = _values(obj, state, True)
        if not changes:
            continue
        entries.append(_entry("status" if "status" in changes else "update", entity, state.identity[0],
                              getattr(obj, "school_id", None), _summary(obj), changes, who=who))
    for obj in session.deleted:
        entity = _table(obj)
        if entity is None or entity in SKIPPED:
            continue
        state = inspect(obj)
        entries.append(_entry("delete", entity, _pk(state, obj),
                              getattr(obj, "school_id", None), _summary(obj), _values(obj, state, False), who=who))
    if entries:
        append(session.connection(), entries)


def _before_flush(session, flush_context, instances):
    from app.models.audit import AuditEntry
    from app.rules import RuleError

    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry):
            raise RuleError({"audit": "审计日志只能追加，不能修改或删除。"})


def install(session):
    if getattr(session, "_audit_installed", False):
        return
    event.listen(session, "before_flush", _before_flush)
    event.listen(session, "after_flush", _after_flush)
    from app import bulkwrites

    bulkwrites.install(session)  # bulk statements become ORM writes, so this hook sees them
    session._audit_installed = True


# --- explicit entries --------------------------------------------------------------------------

def record_access(action, entity, record_ids, summary, school_id=None, commit=True):
    """Someone looked at (view) or exported (export) personal data: write it down at once."""
    from app.extensions import db

    ids = list(record_ids)
    changes = {"records": ids[:200], "count": len(ids)} if len(ids) != 1 else None
    append(db.session.connection(), [_entry(action, entity, ids[0] if len(ids) == 1 else None, school_id, summary,
                                            changes)])
    if commit:
        db.session.commit()


def verify(session):
    """(checked, first broken entry or None): recompute every hash in order."""
    from app.models.audit import AuditEntry

    prev, checked = GENESIS, 0
    for row in session.execute(select(AuditEntry.__table__).order_by(AuditEntry.id)).mappings():
        entry = dict(row)
        if entry["prev_hash"] != prev or _digest(entry) != entry["hash"]:
            return checked, entry
        prev = entry["hash"]
        checked += 1
    return checked, None


# --- command line ------------------------------------------------------------------------------

def cli_group():
    import click
    from flask.cli import with_appcontext

    @click.group("audit", help="审计日志")
    def group():
        pass

    @group.command("verify", help="逐条核对审计日志的哈希链，指出第一条被篡改的记录")
    @with_appcontext
    def verify_command():
        from app.extensions import db

        checked, broken = verify(db.session)
        if broken is None:
            click.echo(f"审计日志完整：共 {checked} 条，哈希链无断裂。")
            return
        click.echo(f"审计日志在第 {broken['id']} 条处断裂（此前 {checked} 条完好）：{broken['at']} "
                   f"{broken['username'] or ''} {broken['action']} {broken['entity']} {broken['record_id'] or ''}", err=True)
        raise SystemExit(1)

    return group
