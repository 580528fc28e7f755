"""A loan recorded without its contract number has none (NULL), not an empty one.

The number is unique: a blank stored as '' made every later application without a contract
number clash with it. Blanks are now stored as NULL (app/models/loans.py); this clears the old ones.

Revision ID: 9c1e3a5b7d2f
Revises: 7b9d1f3a5c6e
"""
from alembic import op

revision = "9c1e3a5b7d2f"
down_revision = "7b9d1f3a5c6e"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE loan SET contract_number = NULL WHERE TRIM(contract_number) = ''")


def downgrade():
    pass
