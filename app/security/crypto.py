"""Personal data encrypted at rest: ID numbers, bank and aid-card numbers, phone numbers.

* Keys: two 32-byte keys are derived from ENCRYPTION_KEY (never from SECRET_KEY) with
  HKDF-SHA256, one for AES-256-GCM (authenticated encryption), one for HMAC-SHA256 (the
  keyed hash that finds a pupil by exact ID number).
* Stored form: ``pd1:<key id>:<base64url(nonce 12 bytes + ciphertext + tag)>``.  The key id
  (8 hex characters of an HMAC of a constant) names the key without revealing it, so a value
  written with another key is recognised and answered with a clear error.  A value without
  the prefix is a plaintext one from before the migration and reads back as it is; ``None``,
  ``""`` and blanks carry nothing personal and are stored as they are.
* ``Encrypted(n)`` is the column type: the ORM, Core inserts (``insert(Student)``) and the
  results encrypt and decrypt on their own.  Equality on an encrypted column is meaningless
  (every encryption differs); ``Student.id_number == x`` and ``.in_()`` are therefore turned
  into comparisons of ``Student.id_number_hash`` (see ``HashedComparator``), any other
  comparison is refused.
* ``rotate(new_key)`` re-encrypts every value and recomputes every hash in one transaction
  (``flask crypto rotate``).
"""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import os

from flask import current_app
from sqlalchemy import String, Text, TypeDecorator, bindparam, select, update
from sqlalchemy.orm import ColumnProperty
from sqlalchemy.sql import operators

PREFIX = "pd1:"
_NONCE = 12


class EncryptionKeyError(RuntimeError):
    """ENCRYPTION_KEY is missing, or is not the key the stored personal data were encrypted with."""


class EncryptedComparison(TypeError):
    """A comparison on an encrypted column that can only be done through its keyed hash."""


class _Keys:
    def __init__(self, secret: str):
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        def derive(purpose):
            return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"student-aid personal data",
                        info=purpose).derive(secret.encode())

        self.aead = AESGCM(derive(b"aes-256-gcm v1"))
        self.mac = derive(b"hmac-sha256 lookup v1")
        self.id = hmac.new(derive(b"key id v1"), b"key id", hashlib.sha256).hexdigest()[:8]


@functools.lru_cache(maxsize=8)
def keys(secret: str | None = None) -> _Keys:
    if secret is None:
        secret = current_app.config.get("ENCRYPTION_KEY")
    if not secret:
        raise EncryptionKeyError("ENCRYPTION_KEY is not set: personal data cannot be read or written. "
                                 "Set the environment variable ENCRYPTION_KEY.")
    return _Keys(secret)


def _current(secret=None) -> _Keys:
    return keys(secret or current_app.config.get("ENCRYPTION_KEY"))


def _blank(value) -> bool:
    return value is None or not str(value).strip()


def is_encrypted(value) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def key_id(secret=None) -> str:
    """The short public name of a key, as written into every stored value."""
    return _current(secret).id


def encrypt(value, secret=None):
    if _blank(value) or is_encrypted(value):
        return value
    k = _current(secret)
    nonce = os.urandom(_NONCE)
    sealed = k.aead.encrypt(nonce, str(value).encode(), None)
    return f"{PREFIX}{k.id}:{base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}"


def decrypt(value, secret=None):
    if not is_encrypted(value):
        return value  # None, blank, or plaintext written before the migration
    from cryptography.exceptions import InvalidTag

    k = _current(secret)
    try:
        kid, body = value[len(PREFIX):].split(":", 1)
    except ValueError:
        raise EncryptionKeyError("A stored personal-data value is damaged (no key id).")
    if kid != k.id:
        raise EncryptionKeyError(
            f"Personal data were encrypted with another ENCRYPTION_KEY (key id {kid}; the configured key is "
            f"{k.id}). Set ENCRYPTION_KEY to the key the data were encrypted with (after `flask crypto rotate`, "
            f"the new key).")
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    try:
        return k.aead.decrypt(raw[:_NONCE], raw[_NONCE:], None).decode()
    except InvalidTag:
        raise EncryptionKeyError(f"A stored personal-data value (key id {kid}) does not decrypt: it was damaged "
                                 f"or ENCRYPTION_KEY is not the key it was written with.")


_TOKEN = re.compile(r"h:[0-9a-f]{64}")


def lookup(value, secret=None):
    """The keyed hash (HMAC-SHA256, hex) of a normalised ID number, None for none."""
    from app.domain import idcard

    if isinstance(value, str) and _TOKEN.fullmatch(value.strip()):
        return value.strip()[2:]  # a search token (app/security/personal.py search_token) is the hash itself
    number = idcard.normalize(value) if value is not None else ""
    if not number:
        return None
    return hmac.new(_current(secret).mac, number.encode(), hashlib.sha256).hexdigest()


def stored_length(chars: int) -> int:
    """Room for the stored form of ``chars`` characters (UTF-8: up to 3 bytes each)."""
    body = -(-(_NONCE + 3 * chars + 16) * 4 // 3)
    return len(PREFIX) + 9 + body


class Encrypted(TypeDecorator):
    """A string column stored encrypted; reads and writes plaintext."""

    impl = String
    cache_ok = True

    def __init__(self, chars: int):
        self.chars = chars
        super().__init__(stored_length(chars))

    def load_dialect_impl(self, dialect):
        # SQLite ignores VARCHAR lengths: there the column keeps the width it was created with
        # (widening it would rebuild tables that foreign keys point at); see the migration.
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(self.chars))
        return dialect.type_descriptor(String(stored_length(self.chars)))

    def process_bind_param(self, value, dialect):
        return encrypt(value)

    def process_result_value(self, value, dialect):
        return decrypt(value)

    class comparator_factory(String.Comparator):
        _ALLOWED = {operators.is_, operators.is_not, operators.asc_op, operators.desc_op,
                    operators.nulls_first_op, operators.nulls_last_op}

        def operate(self, op, *other, **kwargs):
            # a value compared with ciphertext never matches: refuse it rather than find nothing
            # (column against column, as SQLAlchemy itself does internally, stays allowed)
            if op not in self._ALLOWED and not all(_column_like(o) for o in other):
                raise EncryptedComparison(f"{self.expr} is stored encrypted: it cannot be compared ({op.__name__}).")
            return super().operate(op, *other, **kwargs)

        def reverse_operate(self, op, other, **kwargs):
            if not _column_like(other):
                raise EncryptedComparison(f"{self.expr} is stored encrypted: it cannot be compared.")
            return super().reverse_operate(op, other, **kwargs)


class EncryptedText(Encrypted):
    """A text of any length stored encrypted (a staged upload's rows): rotated and checked like the others."""

    impl = Text
    cache_ok = True

    def __init__(self):
        TypeDecorator.__init__(self)
        self.chars = None

    def load_dialect_impl(self, dialect):
        return Text()  # (type_descriptor would adapt it to the dialect's VARCHAR on PostgreSQL)


def _column_like(value) -> bool:
    from sqlalchemy.sql.elements import BindParameter, ColumnElement

    return isinstance(value, ColumnElement) and not isinstance(value, BindParameter)


class HashedComparator(ColumnProperty.Comparator):
    """``Student.id_number == x`` / ``.in_(xs)`` / ``!=``: through the keyed hash column."""

    def _hash(self):
        return getattr(self._parententity.entity, self.prop.columns[0].info["hashed_by"])

    def __eq__(self, other):
        if other is None:
            return self.__clause_element__().is_(None)
        return self._hash() == lookup(other)

    def __ne__(self, other):
        if other is None:
            return self.__clause_element__().is_not(None)
        return self._hash() != lookup(other)

    def in_(self, other):
        return self._hash().in_([lookup(v) for v in other])

    def not_in(self, other):
        return self._hash().not_in([lookup(v) for v in other])


def hash_default(of):
    """A column default computing the keyed hash of another column of the same row (inserts,
    the ORM's and bulk ``insert(Model)`` alike)."""

    def default(context):
        return lookup(context.get_current_parameters().get(of))

    return default


# --- what is encrypted ---------------------------------------------------------------------------

def encrypted_columns():
    """[(table, [encrypted column names], {hash column: its source column})] of every mapped table."""
    from app.extensions import db

    out = []
    for table in db.Model.metadata.sorted_tables:
        enc = [c.name for c in table.c if isinstance(c.type, Encrypted)]
        hashed = {c.name: c.info["lookup_of"] for c in table.c if "lookup_of" in c.info}
        if enc or hashed:
            out.append((table, enc, hashed))
    return out


def stored(table, row: dict) -> dict:
    """A row of plaintext values as the database stores it: for writers that bypass the column
    types (COPY, raw executemany): encrypted values, and the keyed hashes filled in."""
    out = dict(row)
    for column in table.c:
        if isinstance(column.type, Encrypted) and column.name in row:
            out[column.name] = encrypt(row[column.name])
        source = column.info.get("lookup_of")
        if source and source in row:
            out[column.name] = lookup(decrypt(row[source]))
    return out


def rotate(connection, old_key: str, new_key: str, batch: int = 2000) -> dict:
    """Re-encrypt every encrypted value and recompute every keyed hash with ``new_key``, on the
    caller's connection (the caller commits or rolls back: one transaction).  Returns counts."""
    from sqlalchemy import column, table as light_table

    if not new_key or len(new_key) < 32:
        raise EncryptionKeyError("The new key must have 32 characters or more.")
    if new_key == old_key:
        raise EncryptionKeyError("The new key is the current key.")
    counts = {}
    for table, enc, hashed in encrypted_columns():
        names = list(dict.fromkeys(enc + list(hashed.values())))
        # untyped columns: the stored text, read and written as it is
        raw = light_table(table.name, column("id"), *[column(n) for n in set(names) | set(hashed)])
        changes = []
        for row in connection.execute(select(raw.c.id, *[raw.c[n] for n in names])).mappings():
            plain = {n: decrypt(row[n], old_key) for n in names}
            values = {f"v_{n}": encrypt(plain[n], new_key) for n in enc}
            values.update({f"v_{h}": lookup(plain[src], new_key) for h, src in hashed.items()})
            changes.append({"_id": row["id"], **values})
        targets = enc + list(hashed)
        for start in range(0, len(changes), batch):
            connection.execute(
                update(raw).where(raw.c.id == bindparam("_id")).values({n: bindparam(f"v_{n}") for n in targets}),
                changes[start:start + batch],
            )
        counts[table.name] = len(changes)
    return counts


# --- command line ------------------------------------------------------------------------------

def cli_group():
    import click
    from flask.cli import with_appcontext

    @click.group("crypto", help="个人信息加密：密钥轮换与检查")
    def group():
        pass

    @group.command("rotate", help="用新密钥重新加密全部个人信息并重算身份证号检索哈希（一个事务）")
    @click.option("--new-key-env", default="NEW_ENCRYPTION_KEY", show_default=True,
                  help="存放新密钥的环境变量名")
    @with_appcontext
    def rotate_command(new_key_env):
        from app.extensions import db

        new_key = os.environ.get(new_key_env)
        if not new_key:
            raise click.ClickException(f"环境变量 {new_key_env} 未设置：请先设置新密钥"
                                       "（python3 -c 'import secrets;print(secrets.token_urlsafe(32))'）。")
        old_key = current_app.config.get("ENCRYPTION_KEY")
        try:
            with db.engine.begin() as connection:
                counts = rotate(connection, old_key, new_key)
        except EncryptionKeyError as exc:
            raise click.ClickException(f"密钥轮换未进行，数据未改动：{exc}")
        total = sum(counts.values())
        click.echo(f"已用新密钥（密钥标识 {key_id(new_key)}）重新加密 {total} 行："
                   + "，".join(f"{t} {n}" for t, n in counts.items()))
        click.echo(f"现在请把 ENCRYPTION_KEY 设为 {new_key_env} 的值并重启应用与打印进程；"
                   "旧密钥不再能读取数据（旧的备份仍需旧密钥）。")

    @group.command("check", help="检查 ENCRYPTION_KEY 能否读取库中的个人信息")
    @with_appcontext
    def check_command():
        from app.extensions import db

        bad = 0
        for table, enc, _ in encrypted_columns():
            for name in enc:
                value = db.session.execute(
                    select(table.c.id).where(table.c[name].is_not(None)).limit(1)).scalar()
                if value is None:
                    continue
                try:
                    db.session.execute(select(table.c[name]).where(table.c.id == value)).scalar()
                except EncryptionKeyError as exc:
                    bad += 1
                    click.echo(f"{table.name}.{name}: {exc}", err=True)
        if bad:
            raise SystemExit(1)
        click.echo(f"ENCRYPTION_KEY（密钥标识 {key_id()}）能读取全部加密字段。")

    return group
