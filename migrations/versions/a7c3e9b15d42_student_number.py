"""全国学籍号 on the pupil: encrypted like the ID number, with its keyed hash unique in the county

Both columns are empty for the pupils already recorded: the schools fill the 学籍号 in (form, API,
student import); none is derived here.

Revision ID: a7c3e9b15d42
Revises: b2d4f6a8c0e1
"""
from alembic import op
import sqlalchemy as sa

from app.security import crypto

revision = "a7c3e9b15d42"
down_revision = "b2d4f6a8c0e1"
branch_labels = None
depends_on = None


def _stored_width(chars):
    """app.security.crypto.Encrypted(chars) as the database holds it (SQLite keeps the typed width; see crypto)."""
    return chars if op.get_bind().dialect.name == "sqlite" else crypto.stored_length(chars)


def upgrade():
    with op.batch_alter_table("student", schema=None) as batch_op:
        batch_op.add_column(sa.Column("student_number", sa.String(length=_stored_width(19)), nullable=True))
        batch_op.add_column(sa.Column("student_number_hash", sa.String(length=64), nullable=True))
        batch_op.create_index("uq_student_student_number_hash", ["student_number_hash"], unique=True)


def downgrade():
    with op.batch_alter_table("student", schema=None) as batch_op:
        batch_op.drop_index("uq_student_student_number_hash")
        batch_op.drop_column("student_number_hash")
        batch_op.drop_column("student_number")
