"""demo account: the accounts the demo seeder created, refused at login outside development

A row per user the demo county's seeder (app/demo/county.py) created; it goes when the user is deleted
or given a new password (app/demo/guard.py). Outside development such an account cannot log in.

Revision ID: b7c8d9e0f1a2
Revises: 6e1e55748744
Create Date: 2026-12-06 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b7c8d9e0f1a2"
down_revision = "6e1e55748744"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "demo_account",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["ab_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade():
    op.drop_table("demo_account")
