"""The pupil's status (在校/休学/退学/转出/毕业) and its history (学籍变动).

Pupils already recorded as 已毕业 are graduated; every other pupil is in school. The history
starts now: earlier changes were not recorded.

Revision ID: 7b9d1f3a5c6e
Revises: 5e7a9c1b3d4f
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "7b9d1f3a5c6e"
down_revision = "5e7a9c1b3d4f"
branch_labels = None
depends_on = None

STATUSES = "status IN ('in_school', 'suspended', 'dropped_out', 'transferred_out', 'graduated')"
KINDS = ("kind IN ('enrol', 'transfer_in', 'transfer_out', 'suspend', 'resume', 'drop_out', 'return', "
         "'graduate')")


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        # ADD COLUMN with its CHECK: no copy of the student table (its rows are referenced everywhere)
        op.execute("ALTER TABLE student ADD COLUMN status VARCHAR(16) DEFAULT 'in_school' NOT NULL "
                   f"CONSTRAINT ck_status_code CHECK ({STATUSES})")
    else:
        op.add_column("student", sa.Column("status", sa.String(length=16), nullable=False, server_default="in_school"))
        op.create_check_constraint("ck_status_code", "student", STATUSES)
    op.create_index("ix_student_status", "student", ["status"], unique=False)
    student = sa.table("student", sa.column("grade"), sa.column("status"))
    op.get_bind().execute(student.update().where(student.c.grade == "已毕业").values(status="graduated"))
    op.create_table(
        "student_status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("other_school_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(KINDS, name="ck_kind_code"),
        sa.ForeignKeyConstraint(["other_school_id"], ["school.id"]),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.ForeignKeyConstraint(["student_id"], ["student.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("student_status_change", schema=None) as batch_op:
        batch_op.create_index("ix_student_status_change_school_id", ["school_id"], unique=False)
        batch_op.create_index("ix_student_status_change_student", ["student_id", "changed_on"], unique=False)


def downgrade():
    with op.batch_alter_table("student_status_change", schema=None) as batch_op:
        batch_op.drop_index("ix_student_status_change_student")
        batch_op.drop_index("ix_student_status_change_school_id")
    op.drop_table("student_status_change")
    op.drop_index("ix_student_status", table_name="student")
    with op.batch_alter_table("student", schema=None) as batch_op:
        batch_op.drop_constraint("ck_status_code", type_="check")
        batch_op.drop_column("status")
