"""sessions end when they should: the login epoch of each user; the login lock per address

``user_session_epoch`` keeps each user's login epoch (a random value): the session cookie and
every JWT carry the one of their login, and are refused once a password change, deactivation,
logout or lock has given the user a new one (app/security/sessions.py).

``login_lock`` now locks a login name at one client address (``address``, part of the key),
with ``level`` counting the locks of a series (each twice as long as the one before). Its rows
are short-lived counters: the table is made anew (locks in force end with the upgrade).

Revision ID: 5194d98e4fce
Revises: a7c3e91f5b20
Create Date: 2026-12-05 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5194d98e4fce"
down_revision = "a7c3e91f5b20"
branch_labels = None
depends_on = None


def _login_lock(per_address):
    columns = [sa.Column("username", sa.String(length=320), nullable=False)]
    if per_address:
        columns.append(sa.Column("address", sa.String(length=64), nullable=False))
    columns += [
        sa.Column("failures", sa.Integer(), nullable=False),
    ]
    if per_address:
        columns.append(sa.Column("level", sa.Integer(), nullable=False, server_default="0"))
    columns += [
        sa.Column("last_failure_at", sa.DateTime(), nullable=True),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint(*(("username", "address") if per_address else ("username",))),
    ]
    op.create_table("login_lock", *columns)
    with op.batch_alter_table("login_lock", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_lock_last_failure_at"), ["last_failure_at"], unique=False)


def _drop_login_lock():
    with op.batch_alter_table("login_lock", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_lock_last_failure_at"))
    op.drop_table("login_lock")


def upgrade():
    op.create_table(
        "user_session_epoch",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("epoch", sa.String(length=32), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["ab_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    _drop_login_lock()
    _login_lock(per_address=True)


def downgrade():
    _drop_login_lock()
    _login_lock(per_address=False)
    op.drop_table("user_session_epoch")
