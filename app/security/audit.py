"""The audit trail: every create, change, status change and deletion of a business record,
and every look at or export of pupils' personal data, appended to a hash chain.

* ``install(session)`` adds an ``after_flush`` hook: whatever screen, API, import or command
  changes an ORM record, the entry is written in the same transaction (so a rolled-back change
  leaves no entry, and a committed one always has its entry).  Bulk statements through the
  session (``execute(insert(Student), rows)``, ``update(...)``, ``delete(...)``) are carried
  out as ORM writes by app/operations/bulkwrites.py, installed with this hook: they get the same
  entries, one per record, as a form save.
* Personal data is masked in the trail (ID, card and phone numbers, addresses, guardians,
  complainants); passwords never appear.
* Each entry is sealed with an HMAC-SHA256, under ``AUDIT_KEY`` (a key kept outside the
  database, config.py), of its content and of the previous entry's seal: someone who can write
  the table but lacks the key can neither change an entry nor recompute the later ones.
  Entries written before the trail was keyed keep their plain SHA-256 (``key_version`` 0,
  migration a7c3e91f5b20); the first keyed entry's HMAC covers the last of them, and no plain
  entry may follow a keyed one.
* Anchors: a signed head of the chain (last id, its hash, the number of entries, the time, the
  first keyed entry, an HMAC) is appended to ``AUDIT_ANCHOR_FILE`` (default
  INSTANCE_DIR/audit_anchor.log) and logged (logger ``app.security.audit``): after every
  ``AUDIT_ANCHOR_EVERY`` entries, at the first entry after ``AUDIT_ANCHOR_MINUTES``, by
  ``flask audit anchor`` and after each verification that finds the trail intact.  A trail cut
  short, or rewritten from an anchored entry on, no longer matches its anchors.
* ``verify()`` walks the chain in batches (never the whole trail in memory), checks every seal
  and every anchor, and returns a ``Verdict``: the first broken entry, and whether the trail is
  shorter than, or differs from, what was anchored (``flask audit verify``, and the audit
  trail's 核验 button for the auditor).
* Entries are never changed: the ORM refuses it here, and triggers in the database refuse
  UPDATE and DELETE on ``audit_entry`` (migration of the audit trail).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import threading
import time
import weakref
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from flask import current_app, g, has_request_context, request
from sqlalchemy import event, func, insert, inspect, select, update

from app import clock

log = logging.getLogger(__name__)

GENESIS = "0" * 64
KEY_VERSION = 1  # new entries: HMAC-SHA256 under AUDIT_KEY (0: the plain SHA-256 of the entries before it)
BATCH = 2000  # entries read per query by verify()
# records that are logs themselves, change every second, or are transient (a list waiting for its confirmation)
SKIPPED = {"audit_entry", "audit_head", "print_job", "complaint_identity_read", "card_export", "login_lock",
           "user_session_epoch", "verification_preview",
           "ab_permission", "ab_view_menu", "ab_permission_view", "ab_permission_view_role", "ab_register_user"}
NEVER = {"password": "***"}


def _mask_middle(text, keep_start, keep_end):
    text = str(text)
    if len(text) <= keep_start + keep_end:
        return "*" * len(text)
    return text[:keep_start] + "*" * (len(text) - keep_start - keep_end) + text[len(text) - keep_end:]


MASKS = {
    "id_number": lambda v: _mask_middle(v, 6, 4),
    "student_number": lambda v: _mask_middle(v, 7, 4),  # 全国学籍号: G + the ID number
    # the ID number's middle: beside its masked number, the full date would give the number back
    "birth_date": lambda v: (v.isoformat() if hasattr(v, "isoformat") else str(v))[:4] + "-**-**",
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
    # X-Forwarded-For). Behind a proxy, ProxyFix (PROXY_FIX, app/security/hardening.py) rewrites
    # remote_addr from the proxy's header, and only then.
    ip = request.remote_addr
    try:
        if user is not None and user.is_authenticated:
            return user.id, user.username, ip
    except AttributeError:
        pass
    return None, None, ip


class AuditKeyMissing(RuntimeError):
    """No AUDIT_KEY: the trail can be neither sealed nor verified."""


def _key():
    key = current_app.config.get("AUDIT_KEY")
    if not key:
        raise AuditKeyMissing("AUDIT_KEY is not set: the audit trail can be neither sealed nor verified.")
    return key.encode()


def _digest(entry, key=None):
    """The entry's seal: HMAC-SHA256 under AUDIT_KEY (key_version 1) or the plain SHA-256 of the
    entries written before the trail was keyed (0); None for a version this program does not know."""
    body = [entry["at"].isoformat(), entry["user_id"], entry["username"], entry["ip"], entry["action"],
            entry["entity"], entry["record_id"], entry["school_id"], entry["summary"], entry["changes"],
            entry["prev_hash"]]
    version = entry.get("key_version") or 0
    if version == 0:
        return hashlib.sha256(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()
    if version != KEY_VERSION:
        return None
    message = json.dumps(["aid-audit-entry", version] + body, ensure_ascii=False, separators=(",", ":")).encode()
    return hmac.new(key or _key(), message, hashlib.sha256).hexdigest()


def _entry(action, entity, record_id, school_id=None, summary=None, changes=None, at=None, who=None):
    user_id, username, ip = who or _who()
    return {"at": at or clock.utcnow(), "user_id": user_id, "username": username, "ip": ip, "action": action,
            "entity": entity, "record_id": record_id, "school_id": school_id, "summary": (summary or "")[:300],
            "changes": json.dumps(changes, ensure_ascii=False, sort_keys=True) if changes else None}


def append(connection, entries):
    """Chain, seal and write the entries on this connection (inside the caller's transaction);
    the number of entries of the trail afterwards."""
    from app.models.audit import AuditEntry, AuditHead

    if not entries:
        return None
    key = _key()
    head = AuditHead.__table__
    # taking the head row first makes concurrent writers wait for each other: the chain never forks
    total = connection.execute(update(head).where(head.c.id == 1).values(entries=head.c.entries + len(entries))
                               .returning(head.c.entries)).scalar()
    table = AuditEntry.__table__
    prev = connection.execute(select(table.c.hash).order_by(table.c.id.desc()).limit(1)).scalar() or GENESIS
    for entry in entries:
        entry["prev_hash"] = prev
        entry["key_version"] = KEY_VERSION
        entry["hash"] = prev = _digest(entry, key)
    connection.execute(insert(table), entries)
    return total


def _appended(session, total, added):
    """Mark the session's transaction for an anchor once it is committed, when one is due."""
    if total is None:
        return
    every = int(current_app.config.get("AUDIT_ANCHOR_EVERY", 0) or 0)
    minutes = float(current_app.config.get("AUDIT_ANCHOR_MINUTES", 0) or 0)
    if (every > 0 and total // every != (total - added) // every) or (
            minutes > 0 and time.monotonic() - _anchored["at"] >= minutes * 60):
        session.info["audit_anchor_due"] = "count" if every > 0 and total // every != (total - added) // every else "time"


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
        _appended(session, append(session.connection(), entries), len(entries))


def _before_flush(session, flush_context, instances):
    from app.models.audit import AuditEntry
    from app.rules import RuleError

    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry):
            raise RuleError({"audit": "审计日志只能追加，不能修改或删除。"})


def _after_commit(session):
    reason = session.info.pop("audit_anchor_due", None)
    if reason is None:
        return
    try:
        # on a connection of its own: the anchor names what is committed, never more
        with session.get_bind().connect() as connection:
            anchor(connection, by=reason)
    except Exception:  # the save is committed: a missing anchor must not turn it into an error page
        log.exception("audit trail: the anchor could not be written")


def _after_rollback(session):
    session.info.pop("audit_anchor_due", None)


def install(session):
    if getattr(session, "_audit_installed", False):
        return
    event.listen(session, "before_flush", _before_flush)
    event.listen(session, "after_flush", _after_flush)
    event.listen(session, "after_commit", _after_commit)
    event.listen(session, "after_rollback", _after_rollback)
    from app.operations import bulkwrites

    bulkwrites.install(session)  # bulk statements become ORM writes, so this hook sees them
    session._audit_installed = True


# --- explicit entries --------------------------------------------------------------------------

def record_access(action, entity, record_ids, summary, school_id=None, commit=True):
    """Someone looked at (view) or exported (export) personal data: write it down at once."""
    from app.extensions import db

    ids = list(record_ids)
    changes = {"records": ids[:200], "count": len(ids)} if len(ids) != 1 else None
    total = append(db.session.connection(), [_entry(action, entity, ids[0] if len(ids) == 1 else None, school_id,
                                                    summary, changes)])
    _appended(db.session, total, 1)
    if commit:
        # A page that only reads keeps what it has loaded: committing its access entry need not
        # expire the record it shows (reloading it, and every relation, one query each).
        session = db.session()
        reading = has_request_context() and request.method in ("GET", "HEAD")
        keep, session.expire_on_commit = session.expire_on_commit, session.expire_on_commit and not reading
        try:
            session.commit()
        finally:
            session.expire_on_commit = keep


# --- anchors: signed heads of the chain, kept outside the database --------------------------------

ANCHOR_FIELDS = ("id", "hash", "count", "at", "first", "keyed_from", "by")
_anchored = {"at": float("-inf")}  # when this process last wrote one (time.monotonic())
_anchor_lock = threading.Lock()
_keyed_from = weakref.WeakKeyDictionary()  # engine -> id of its first keyed entry (fixed once there is one)


def anchor_path(app=None):
    config = (app or current_app).config
    return Path(config.get("AUDIT_ANCHOR_FILE") or Path(config["INSTANCE_DIR"]) / "audit_anchor.log")


def _anchor_mac(fields, key):
    message = json.dumps(["aid-audit-anchor"] + [fields.get(name) for name in ANCHOR_FIELDS],
                         ensure_ascii=False, separators=(",", ":")).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def write_anchor(head, by):
    """Append one signed head to the anchor file and to the log; the line written."""
    fields = {name: head.get(name) for name in ANCHOR_FIELDS}
    fields["at"] = fields["at"] or clock.utcnow().replace(microsecond=0).isoformat() + "Z"
    fields["by"] = by
    line = json.dumps(dict(fields, mac=_anchor_mac(fields, _key())), ensure_ascii=False, sort_keys=True)
    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _anchor_lock:
        # O_APPEND: whole lines from every process; fsync: on disk before anyone is told
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        _anchored["at"] = time.monotonic()
    log.info("audit anchor %s", line)
    return fields


def _first_keyed(connection):
    from app.models.audit import AuditEntry

    engine = connection.engine
    if engine not in _keyed_from:
        table = AuditEntry.__table__
        found = connection.execute(select(func.min(table.c.id)).where(table.c.key_version > 0)).scalar()
        if found is None:
            return None
        _keyed_from[engine] = found
    return _keyed_from[engine]


def anchor(connection, by="command"):
    """Anchor the committed head of the chain (one statement, so id, hash and count agree);
    None while the trail is empty."""
    from app.models.audit import AuditEntry, AuditHead

    table, head = AuditEntry.__table__, AuditHead.__table__
    oldest = table.alias("oldest")
    row = connection.execute(
        select(table.c.id, table.c.hash,
               select(head.c.entries).where(head.c.id == 1).scalar_subquery().label("count"),
               select(oldest.c.hash).order_by(oldest.c.id).limit(1).scalar_subquery().label("first"))
        .order_by(table.c.id.desc()).limit(1)).mappings().first()
    if row is None:
        return None
    return write_anchor(dict(row, keyed_from=_first_keyed(connection)), by)


def read_anchors(path=None):
    """(anchors whose signature holds, numbers of the lines whose signature does not)."""
    path = Path(path) if path else anchor_path()
    if not path.exists():
        return [], []
    key = _key()
    good, bad = [], []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                fields = json.loads(line)
                mac = fields.pop("mac")
                if not isinstance(fields.get("id"), int) or not isinstance(fields.get("count"), int):
                    raise ValueError
            except (ValueError, KeyError, TypeError, AttributeError):
                bad.append(number)
                continue
            if hmac.compare_digest(str(mac), _anchor_mac(fields, key)):
                good.append(dict(fields, line=number))
            else:
                bad.append(number)
    return good, bad


# --- verification -------------------------------------------------------------------------------

@dataclass
class Verdict:
    """What ``verify()`` found."""

    total: int = 0  # entries read
    checked: int = 0  # entries found intact before the first broken one
    broken: dict | None = None  # the first broken entry (its row)
    reason: str | None = None  # "link" (its predecessor is not the one it was chained to), "seal", "plain"
    first: str | None = None  # the hash of the first entry (anchors name it: which trail they belong to)
    first_keyed: int | None = None
    last: dict | None = None  # the last entry read (id, hash, at)
    anchors: int = 0  # anchors whose signature holds
    last_anchor: dict | None = None  # the one naming the highest entry
    bad_anchor_lines: list = field(default_factory=list)
    truncated: bool = False  # shorter than an anchor, or no longer what it anchored
    anchor_problem: dict | None = None  # {"anchor": ..., "kind": "beyond"|"missing"|"hash"|"count"|"first", ...}
    anchor_written: dict | None = None
    anchor_error: str | None = None  # the anchor file could not be written

    @property
    def intact(self):
        return self.broken is None and not self.truncated and not self.bad_anchor_lines


def _rows(session):
    """Every entry in order, BATCH at a time (keyset pages: the trail is never all in memory)."""
    from app.models.audit import AuditEntry

    table = AuditEntry.__table__
    last = None
    while True:
        stmt = select(table).order_by(table.c.id).limit(BATCH)
        if last is not None:
            stmt = stmt.where(table.c.id > last)
        rows = session.execute(stmt).mappings().all()
        if not rows:
            return
        yield from rows
        last = rows[-1]["id"]


def verify(session, anchor_file=None):
    """Walk the chain in order: recompute every seal, and hold the trail against every anchor."""
    key = _key()
    verdict = Verdict()
    anchors, verdict.bad_anchor_lines = read_anchors(anchor_file)
    anchors.sort(key=lambda a: (a["id"], a["line"]))
    verdict.anchors = len(anchors)
    verdict.last_anchor = max(anchors, key=lambda a: (a["id"], a["line"])) if anchors else None
    # the anchors say from which entry on every entry is keyed: a plain entry there was made plain
    keyed_from = min((a["keyed_from"] for a in anchors if isinstance(a.get("keyed_from"), int)), default=None)

    def anchor_problem(kind, anchored, **more):
        verdict.truncated = True
        if verdict.anchor_problem is None:
            verdict.anchor_problem = dict(more, kind=kind, anchor=anchored)

    prev, pending = GENESIS, 0
    for row in _rows(session):
        entry = dict(row)
        verdict.total += 1
        if verdict.first is None:
            verdict.first = entry["hash"]
        while pending < len(anchors) and anchors[pending]["id"] <= entry["id"]:
            anchored = anchors[pending]
            if anchored["id"] < entry["id"]:
                anchor_problem("missing", anchored, found=entry)
            elif anchored["hash"] != entry["hash"]:
                anchor_problem("hash", anchored, found=entry)
            elif anchored["count"] != verdict.total:
                anchor_problem("count", anchored, found=entry, counted=verdict.total)
            elif anchored.get("first") not in (None, verdict.first):
                anchor_problem("first", anchored, found=entry)
            pending += 1
        version = entry.get("key_version") or 0
        if verdict.broken is None:
            reason = None
            if entry["prev_hash"] != prev:
                reason = "link"
            elif version == 0 and (verdict.first_keyed is not None or (keyed_from is not None
                                                                          and entry["id"] >= keyed_from)):
                reason = "plain"
            elif _digest(entry, key) != entry["hash"]:
                reason = "seal"
            if reason:
                verdict.broken, verdict.reason = entry, reason
            else:
                verdict.checked += 1
        if version and verdict.first_keyed is None:
            verdict.first_keyed = entry["id"]
        prev = entry["hash"]
        verdict.last = {"id": entry["id"], "hash": entry["hash"], "at": entry["at"]}
    if pending < len(anchors):
        anchor_problem("beyond", anchors[-1], last=verdict.last, counted=verdict.total)
    return verdict


def verify_and_anchor(session, anchor_file=None):
    """Verify; when the trail is intact, anchor the head that was verified."""
    verdict = verify(session, anchor_file)
    if verdict.intact and verdict.last is not None:
        try:
            verdict.anchor_written = write_anchor(
                {"id": verdict.last["id"], "hash": verdict.last["hash"], "count": verdict.total,
                 "first": verdict.first, "keyed_from": verdict.first_keyed},
                "verify")
        except OSError as exc:  # the verdict stands; the missing anchor is said, and logged
            verdict.anchor_error = str(exc)
            log.error("audit trail: the anchor could not be written to %s: %s", anchor_path(), exc)
    elif not verdict.intact:
        log.warning("audit trail verification failed: %s", describe(verdict))
    return verdict


REASONS = {"link": "它记下的前一条哈希与前一条记录不符（前面的记录被删除或改动过）",
           "seal": "内容与它的签名不符（被改动过，或 AUDIT_KEY 不对）",
           "plain": "签名被换成了未加密钥的哈希（签名后的记录被改动过）"}


def _when(at):
    """A time of the trail (naive UTC) or of an anchor (ISO, UTC) in the county's clock."""
    if isinstance(at, str):
        try:
            at = datetime.fromisoformat(at.rstrip("Z"))
        except ValueError:
            return at
    return clock.local(at).strftime("%Y-%m-%d %H:%M:%S") if at else ""


def describe(verdict):
    """The verdict in Chinese, one sentence a line (the command and the log)."""
    lines = []
    if verdict.broken is not None:
        b = verdict.broken
        lines.append(f"审计日志在第 {b['id']} 条处断裂（此前 {verdict.checked} 条完好）：{_when(b['at'])} "
                     f"{b['username'] or ''} {b['action']} {b['entity']} {b['record_id'] or ''}；"
                     f"{REASONS.get(verdict.reason, '')}。")
    problem = verdict.anchor_problem
    if problem is not None:
        a = problem["anchor"]
        said = f"锚点（{_when(a['at'])}）记下到第 {a['id']} 条为止共 {a['count']} 条"
        if problem["kind"] == "beyond":
            last = problem.get("last")
            now = f"现在只到第 {last['id']} 条、共 {problem['counted']} 条" if last else "现在一条也没有"
            lines.append(f"审计日志被截短：{said}，{now}。")
        elif problem["kind"] == "missing":
            lines.append(f"审计日志被截短或删改：{said}，第 {a['id']} 条已不存在。")
        elif problem["kind"] == "count":
            lines.append(f"审计日志被删改：{said}，现在到第 {a['id']} 条只有 {problem['counted']} 条。")
        elif problem["kind"] == "first":
            lines.append(f"审计日志与锚点文件不是同一条链：{said}，起点却不同（数据库被替换或重建过）。")
        else:
            lines.append(f"审计日志被改写：{said}，第 {a['id']} 条的哈希已与锚点不符。")
    if verdict.bad_anchor_lines:
        numbers = "、".join(str(n) for n in verdict.bad_anchor_lines[:10])
        lines.append(f"锚点文件第 {numbers} 行签名不符（文件被改过，或 AUDIT_KEY 不对）。")
    if not lines:
        lines.append(f"审计日志完整：共 {verdict.total} 条，哈希链无断裂。")
        if verdict.last_anchor is not None:
            a = verdict.last_anchor
            lines.append(f"与 {verdict.anchors} 个锚点相符（最近的锚点：第 {a['id']} 条，共 {a['count']} 条，{_when(a['at'])}）。")
        else:
            lines.append("锚点文件中还没有锚点，无法判断是否被截短。")
    if verdict.anchor_written is not None:
        w = verdict.anchor_written
        lines.append(f"已记下新的锚点：第 {w['id']} 条，共 {w['count']} 条（{anchor_path()}）。")
    if verdict.anchor_error is not None:
        lines.append(f"锚点写不进 {anchor_path()}：{verdict.anchor_error}")
    return "\n".join(lines)


# --- command line ------------------------------------------------------------------------------

def cli_group():
    import click
    from flask.cli import with_appcontext

    @click.group("audit", help="审计日志")
    def group():
        pass

    @group.command("verify", help="逐条核对审计日志的签名链和锚点，指出第一条被篡改的记录或被截短；完整时记下新的锚点")
    @with_appcontext
    def verify_command():
        from app.extensions import db

        verdict = verify_and_anchor(db.session)
        click.echo(describe(verdict), err=not verdict.intact)
        if not verdict.intact:
            raise SystemExit(1)

    @group.command("anchor", help="把审计日志当前的链头（签名）追加到锚点文件（AUDIT_ANCHOR_FILE），供定时任务使用")
    @with_appcontext
    def anchor_command():
        from app.extensions import db

        with db.engine.connect() as connection:
            written = anchor(connection, by="command")
        if written is None:
            click.echo("审计日志还是空的：没有可记的锚点。")
            return
        click.echo(f"已记下锚点：第 {written['id']} 条，共 {written['count']} 条（{anchor_path()}）。")

    return group
