"""verification previews: a compared list kept on the server until it is confirmed

``verification_preview`` holds a department's list between its comparison and its confirmation,
so the page carries a random token instead of the pupils' ID numbers: the token's SHA-256, the
user who uploaded it, the list (category, school year, scope), the ID numbers and what the preview
showed (encrypted, ``payload``), when it lapses, and when it was applied by which run.

Revision ID: d5f2a7c9e1b4
Revises: c4e8a1f0b2d3
Create Date: 2026-12-05 08:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d5f2a7c9e1b4"
down_revision = "c4e8a1f0b2d3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "verification_preview",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("scope IN ('county', 'towns', 'schools')", name="ck_scope_code"),
        sa.ForeignKeyConstraint(["user_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["run_id"], ["verification_run.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("verification_preview", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_verification_preview_expires_at"), ["expires_at"], unique=False)


def downgrade():
    with op.batch_alter_table("verification_preview", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verification_preview_expires_at"))
    op.drop_table("verification_preview")
