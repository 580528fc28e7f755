"""login lock: failed logins per login name and until when the name is locked

Revision ID: c1d2e3f4a5b6
Revises: a0d1e2f3a4b5
Create Date: 2026-12-01 09:00:00

(Planned on f8b422369e84; the audit trail's a0d1e2f3a4b5 took that place first, so this one
follows it and the history keeps a single head.)
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c1d2e3f4a5b6"
down_revision = "a0d1e2f3a4b5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_lock",
        sa.Column("username", sa.String(length=320), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(), nullable=True),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("username"),
    )
    with op.batch_alter_table("login_lock", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_lock_last_failure_at"), ["last_failure_at"], unique=False)


def downgrade():
    with op.batch_alter_table("login_lock", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_lock_last_failure_at"))
    op.drop_table("login_lock")
