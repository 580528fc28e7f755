"""家庭经济困难学生认定程序: applications with family members and evidence, the class panel's assessment,
the school's review, the 公示 with its objections, the filing; an identification is effective (in force
for the award rules) once filed, and ends with a date and a reason (动态调整).

Every identification already kept stays in force: ``effective`` is added with the server default true.

Revision ID: 4a7c2e9d1b3f
Revises: a7c3e9b15d42
Create Date: 2026-12-05 19:00:36.477678

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4a7c2e9d1b3f'
down_revision = 'a7c3e9b15d42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('identification_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('school_year', sa.String(length=9), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('working_days', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('return_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('published', 'submitted', 'filed', 'returned')", name='ck_status_code'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('identification_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identification_notice_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_identification_notice_school_year'), ['school_year'], unique=False)
        batch_op.create_index(batch_op.f('ix_identification_notice_status'), ['status'], unique=False)

    op.create_table('identification_application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('school_year', sa.String(length=9), nullable=False),
    sa.Column('applied_on', sa.Date(), nullable=False),
    sa.Column('mid_year', sa.Boolean(), nullable=False),
    sa.Column('cat_registered_poor', sa.Boolean(), nullable=False),
    sa.Column('cat_subsistence', sa.Boolean(), nullable=False),
    sa.Column('cat_extreme_poverty', sa.Boolean(), nullable=False),
    sa.Column('cat_disability', sa.Boolean(), nullable=False),
    sa.Column('cat_orphan', sa.Boolean(), nullable=False),
    sa.Column('cat_other', sa.Boolean(), nullable=False),
    sa.Column('factor_economy', sa.Text(), nullable=True),
    sa.Column('factor_region', sa.Text(), nullable=True),
    sa.Column('factor_sudden', sa.Text(), nullable=True),
    sa.Column('factor_spending', sa.Text(), nullable=True),
    sa.Column('factor_other', sa.Text(), nullable=True),
    sa.Column('level_requested', sa.String(length=16), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('panel_members', sa.Text(), nullable=True),
    sa.Column('assessed_on', sa.Date(), nullable=True),
    sa.Column('proposed_level', sa.String(length=16), nullable=True),
    sa.Column('assessment_notes', sa.Text(), nullable=True),
    sa.Column('review_decision', sa.String(length=8), nullable=True),
    sa.Column('final_level', sa.String(length=16), nullable=True),
    sa.Column('review_reason', sa.Text(), nullable=True),
    sa.Column('reviewed_on', sa.Date(), nullable=True),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('return_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("level_requested IN ('special', 'difficult', 'general')", name='ck_level_requested_code'),
    sa.CheckConstraint("status IN ('applied', 'assessed', 'reviewed', 'rejected', 'published', 'filed', 'returned')", name='ck_status_code'),
    sa.ForeignKeyConstraint(['notice_id'], ['identification_notice.id'], ),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], ),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('identification_application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identification_application_notice_id'), ['notice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_identification_application_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_identification_application_school_year'), ['school_year'], unique=False)
        batch_op.create_index('ix_identification_application_school_year_status', ['school_id', 'school_year', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_identification_application_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_identification_application_student_id'), ['student_id'], unique=False)

    op.create_table('identification_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['identification_application.id'], ),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('identification_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identification_evidence_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_identification_evidence_school_id'), ['school_id'], unique=False)

    op.create_table('identification_family_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('relation', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('age', sa.Integer(), nullable=True),
    sa.Column('occupation', sa.String(length=100), nullable=True),
    sa.Column('yearly_income', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['identification_application.id'], ),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('identification_family_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identification_family_member_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_identification_family_member_school_id'), ['school_id'], unique=False)

    op.create_table('identification_objection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['identification_application.id'], ),
    sa.ForeignKeyConstraint(['notice_id'], ['identification_notice.id'], ),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('identification_objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identification_objection_notice_id'), ['notice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_identification_objection_school_id'), ['school_id'], unique=False)

    with op.batch_alter_table('identification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('effective', sa.Boolean(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('application_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('ended_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('end_reason', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_identification_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_identification_effective'), ['effective'], unique=False)
        batch_op.create_foreign_key('fk_identification_application_id', 'identification_application', ['application_id'], ['id'])



def downgrade():
    with op.batch_alter_table('identification', schema=None) as batch_op:
        batch_op.drop_constraint('fk_identification_application_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_identification_effective'))
        batch_op.drop_index(batch_op.f('ix_identification_application_id'))
        batch_op.drop_column('end_reason')
        batch_op.drop_column('ended_on')
        batch_op.drop_column('application_id')
        batch_op.drop_column('effective')

    with op.batch_alter_table('identification_objection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identification_objection_school_id'))
        batch_op.drop_index(batch_op.f('ix_identification_objection_notice_id'))

    op.drop_table('identification_objection')
    with op.batch_alter_table('identification_family_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identification_family_member_school_id'))
        batch_op.drop_index(batch_op.f('ix_identification_family_member_application_id'))

    op.drop_table('identification_family_member')
    with op.batch_alter_table('identification_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identification_evidence_school_id'))
        batch_op.drop_index(batch_op.f('ix_identification_evidence_application_id'))

    op.drop_table('identification_evidence')
    with op.batch_alter_table('identification_application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identification_application_student_id'))
        batch_op.drop_index(batch_op.f('ix_identification_application_status'))
        batch_op.drop_index('ix_identification_application_school_year_status')
        batch_op.drop_index(batch_op.f('ix_identification_application_school_year'))
        batch_op.drop_index(batch_op.f('ix_identification_application_school_id'))
        batch_op.drop_index(batch_op.f('ix_identification_application_notice_id'))

    op.drop_table('identification_application')
    with op.batch_alter_table('identification_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identification_notice_status'))
        batch_op.drop_index(batch_op.f('ix_identification_notice_school_year'))
        batch_op.drop_index(batch_op.f('ix_identification_notice_school_id'))

    op.drop_table('identification_notice')
