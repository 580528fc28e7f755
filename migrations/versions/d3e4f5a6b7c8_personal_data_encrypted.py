"""personal data encrypted at rest, ID numbers found by keyed hash

ID numbers, guardians' and co-borrowers' phones, award and payment card numbers and
complainants' contacts are encrypted with a key derived from ENCRYPTION_KEY (app/security/crypto.py:
AES-256-GCM, ``pd1:<key id>:<base64>``).  The columns are widened for the stored form, the
existing rows are encrypted here with the app's ENCRYPTION_KEY, and ``student.id_number_hash``
(HMAC-SHA256 of the normalised number) takes over exact search and the county-wide uniqueness
of the ID number (unique index ``uq_student_id_number_hash``).

PostgreSQL: the unique constraint on the number itself is dropped.  SQLite: its implicit
unique index stays (it cannot be dropped without rebuilding the table, which the foreign keys
pointing at ``student`` forbid); on ciphertexts it is harmless, as every encryption differs.

Downgrade decrypts every value with the same key and restores the columns.

Revision ID: d3e4f5a6b7c8
Revises: b8c9d0e1f2a3
Create Date: 2026-11-29 09:00:00

"""
from alembic import op
import sqlalchemy as sa
from flask import current_app

from app.security import crypto


# revision identifiers, used by Alembic.
revision = "d3e4f5a6b7c8"
down_revision = "b8c9d0e1f2a3"
branch_labels = None
depends_on = None

# table, column, characters of plaintext (the old width)
COLUMNS = [
    ("student", "id_number", 18, False),
    ("student", "guardian_phone", 30, True),
    ("award", "card_number", 19, False),
    ("batch_line", "card_number", 30, False),
    ("loan", "co_borrower_phone", 30, True),
    ("complaint", "complainant_contact", 100, True),
]


def _key():
    key = current_app.config.get("ENCRYPTION_KEY")
    if not key:
        raise RuntimeError("ENCRYPTION_KEY is not set: the migration encrypts personal data with it. "
                           "Set the environment variable ENCRYPTION_KEY.")
    return key


def _rewrite(bind, table, columns, convert, extra=None, batch=2000):
    """Read every row's columns as stored, write back convert(value) (and extra(row) columns)."""
    names = list(columns) + list(extra or {})
    light = sa.table(table, sa.column("id"), *[sa.column(n) for n in names])
    changes = []
    for row in bind.execute(sa.select(light.c.id, *[light.c[n] for n in columns])).mappings():
        values = {f"v_{n}": convert(row[n]) for n in columns}
        for name, make in (extra or {}).items():
            values[f"v_{name}"] = make(row)
        changes.append({"_id": row["id"], **values})
    for start in range(0, len(changes), batch):
        bind.execute(sa.update(light).where(light.c.id == sa.bindparam("_id"))
                     .values({n: sa.bindparam(f"v_{n}") for n in names}), changes[start:start + batch])


def _by_table():
    out = {}
    for table, column, _, _ in COLUMNS:
        out.setdefault(table, []).append(column)
    return out


def _id_number_unique(bind):
    for uc in sa.inspect(bind).get_unique_constraints("student"):
        if uc["column_names"] == ["id_number"]:
            return uc["name"]
    return None


def upgrade():
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    key = _key()
    if pg:
        for table, column, chars, nullable in COLUMNS:
            op.alter_column(table, column, type_=sa.String(crypto.stored_length(chars)),
                            existing_type=sa.String(chars), existing_nullable=nullable)
        op.add_column("student", sa.Column("id_number_hash", sa.String(64), nullable=True))
    else:
        # SQLite adds a NOT NULL column only with a default; every row gets its hash just below
        op.add_column("student", sa.Column("id_number_hash", sa.String(64), nullable=False, server_default=""))
    for table, columns in _by_table().items():
        extra = {"id_number_hash": lambda row: crypto.lookup(crypto.decrypt(row["id_number"], key), key)} \
            if table == "student" else None
        _rewrite(bind, table, columns, lambda v: crypto.encrypt(crypto.decrypt(v, key), key), extra)
    if pg:
        op.alter_column("student", "id_number_hash", nullable=False, existing_type=sa.String(64))
        name = _id_number_unique(bind)
        if name:
            op.drop_constraint(name, "student", type_="unique")
    op.create_index("uq_student_id_number_hash", "student", ["id_number_hash"], unique=True)


def downgrade():
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    key = _key()
    for table, columns in _by_table().items():
        _rewrite(bind, table, columns, lambda v: crypto.decrypt(v, key))
    op.drop_index("uq_student_id_number_hash", table_name="student")
    op.drop_column("student", "id_number_hash")
    if pg:
        op.create_unique_constraint("student_id_number_key", "student", ["id_number"])
        for table, column, chars, nullable in COLUMNS:
            op.alter_column(table, column, type_=sa.String(chars),
                            existing_type=sa.String(crypto.stored_length(chars)), existing_nullable=nullable)
