"""学生转入申请: a school asks the county centre to move to it a pupil registered at another school

The ID number is encrypted at rest like the pupil's (app/security/crypto.py), with its keyed hash beside it.

Revision ID: 6e1e55748744
Revises: e7f8a9b0c1d2
Create Date: 2026-12-05 12:12:56.088937

"""
from alembic import op
import sqlalchemy as sa

from app.security import crypto


# revision identifiers, used by Alembic.
revision = '6e1e55748744'
down_revision = 'e7f8a9b0c1d2'
branch_labels = None
depends_on = None


def _stored_width(chars):
    """app.security.crypto.Encrypted(chars) as the database holds it (SQLite keeps the typed width; see crypto)."""
    return chars if op.get_bind().dialect.name == "sqlite" else crypto.stored_length(chars)


def upgrade():
    op.create_table('transfer_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('id_number', sa.String(length=_stored_width(18)), nullable=False),
    sa.Column('id_number_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('grade', sa.String(length=20), nullable=False),
    sa.Column('class_name', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('student_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'done', 'returned')", name='ck_status_code'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], ),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('transfer_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transfer_request_id_number_hash'), ['id_number_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfer_request_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfer_request_status'), ['status'], unique=False)



def downgrade():
    with op.batch_alter_table('transfer_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transfer_request_status'))
        batch_op.drop_index(batch_op.f('ix_transfer_request_school_id'))
        batch_op.drop_index(batch_op.f('ix_transfer_request_id_number_hash'))

    op.drop_table('transfer_request')
