"""A home visit may be a 劝返 visit: persuading a pupil who left school to come back (控辍保学).

Revision ID: b2d4f6a8c0e1
Revises: b7d4e2a9c6f1
"""
from alembic import op

revision = "b2d4f6a8c0e1"
down_revision = "b7d4e2a9c6f1"
branch_labels = None
depends_on = None

OLD = "visit_type IN ('entering_senior', 'receiving_aid', 'needing_loan')"
NEW = "visit_type IN ('entering_senior', 'receiving_aid', 'needing_loan', 'persuade_back')"


def upgrade():
    with op.batch_alter_table("home_visit", schema=None) as batch_op:
        batch_op.drop_constraint("ck_visit_type_code", type_="check")
        batch_op.create_check_constraint("ck_visit_type_code", NEW)


def downgrade():
    # a 劝返 visit becomes a visit to a family receiving aid, the nearest of the older kinds
    op.execute("UPDATE home_visit SET visit_type = 'receiving_aid' WHERE visit_type = 'persuade_back'")
    with op.batch_alter_table("home_visit", schema=None) as batch_op:
        batch_op.drop_constraint("ck_visit_type_code", type_="check")
        batch_op.create_check_constraint("ck_visit_type_code", OLD)
