"""verification runs: each application of a department's verification list, to be undone as one step

``verification_run`` keeps who applied which list (category, school year, scope: the whole
county, or only the towns or schools it covers), when, the counts, and the exact changes
(identification, values before, version after), so that an undo restores each identification and
refuses one changed since; ``undone_at``/``undone_by_id`` say who undid it.

Revision ID: b3d1f0a9c7e2
Revises: 5194d98e4fce
Create Date: 2026-12-06 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b3d1f0a9c7e2"
down_revision = "5194d98e4fce"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "verification_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("covered", sa.Text(), nullable=True),
        sa.Column("listed", sa.Integer(), nullable=False),
        sa.Column("gained", sa.Integer(), nullable=False),
        sa.Column("lost", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
        sa.Column("applied_by_id", sa.Integer(), nullable=True),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.Column("undone_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("scope IN ('county', 'towns', 'schools')", name="ck_scope_code"),
        sa.ForeignKeyConstraint(["applied_by_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["undone_by_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("verification_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_verification_run_applied_at"), ["applied_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_verification_run_school_year"), ["school_year"], unique=False)


def downgrade():
    with op.batch_alter_table("verification_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verification_run_school_year"))
        batch_op.drop_index(batch_op.f("ix_verification_run_applied_at"))
    op.drop_table("verification_run")
