"""转出到本县学校: a school sends its pupil to another school of the county, which accepts or declines

Revision ID: b7d4e2a9c6f1
Revises: 9c1e3a5b7d2f
Create Date: 2026-12-20 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d4e2a9c6f1'
down_revision = '9c1e3a5b7d2f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('school_transfer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('to_school_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('left_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('gender', sa.String(length=1), nullable=False),
    sa.Column('grade', sa.String(length=20), nullable=False),
    sa.Column('id_number_masked', sa.String(length=18), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('joined_grade', sa.String(length=20), nullable=True),
    sa.Column('joined_class', sa.String(length=20), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'accepted', 'declined', 'withdrawn')", name='ck_status_code'),
    sa.CheckConstraint("gender IN ('M', 'F')", name='ck_gender_code'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], ),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], ),
    sa.ForeignKeyConstraint(['to_school_id'], ['school.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('school_transfer', schema=None) as batch_op:
        batch_op.create_index('uq_school_transfer_pending', ['student_id'], unique=True,
                              postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))
        batch_op.create_index(batch_op.f('ix_school_transfer_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_school_transfer_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_school_transfer_to_school_id'), ['to_school_id'], unique=False)


def downgrade():
    with op.batch_alter_table('school_transfer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_transfer_to_school_id'))
        batch_op.drop_index(batch_op.f('ix_school_transfer_status'))
        batch_op.drop_index(batch_op.f('ix_school_transfer_school_id'))
        batch_op.drop_index('uq_school_transfer_pending')

    op.drop_table('school_transfer')
