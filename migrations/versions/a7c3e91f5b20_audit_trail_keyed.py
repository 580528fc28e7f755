"""audit trail keyed: entries from now on are sealed with HMAC-SHA256 under AUDIT_KEY

Until now each entry's hash was a plain SHA-256 of its content and of the previous hash:
anyone who could write the table could change an entry and recompute every later hash. From
now on app/security/audit.py seals each new entry with an HMAC under AUDIT_KEY, a key kept outside the
database, and marks it ``key_version = 1``. The entries already written keep their plain
hashes, marked ``key_version = 0`` by this column's default: no row of the trail is rewritten
(the triggers refusing UPDATE stay as they are, and the hashes someone may have noted down stay
valid). They stay protected: the first keyed entry's HMAC covers the last plain hash, so a
change to any older entry breaks the keyed chain, and the verification refuses a plain entry
after a keyed one.

Downgrade drops the marker, and refuses while keyed entries exist (the older program would
read their HMACs as broken hashes).

Revision ID: a7c3e91f5b20
Revises: b7c8d9e0f1a2
Create Date: 2026-12-05 05:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7c3e91f5b20"
down_revision = "b7c8d9e0f1a2"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN on both databases: no table rebuild (SQLite's batch mode would copy the
    # table and lose its triggers) and no UPDATE of existing rows (PostgreSQL keeps the default
    # in the catalogue), so the append-only triggers never fire and stay in place.
    op.add_column("audit_entry", sa.Column("key_version", sa.SmallInteger(), nullable=False, server_default="0"))


def downgrade():
    keyed = op.get_bind().execute(sa.text("SELECT count(*) FROM audit_entry WHERE key_version <> 0")).scalar()
    if keyed:
        raise RuntimeError(f"{keyed} audit entries are sealed with AUDIT_KEY (key_version 1): the program before "
                           "this revision cannot verify them. Refusing to downgrade.")
    op.drop_column("audit_entry", "key_version")
