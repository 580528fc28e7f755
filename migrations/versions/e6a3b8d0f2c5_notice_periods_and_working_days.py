"""notice periods by school year and the working-day calendar, kept by the centre

``notice_rule``: the fewest working days a 公示 stays up, from a school year on (the county sets
it; 5 as the 2018 national guidance on identification, 教财〔2018〕16号, is commonly applied:
seeded from 2018-2019, the year that guidance took effect).  ``work_calendar``: the public
holidays (days off, weekdays included) and adjusted working days (调休上班) of each year, as the
State Council's notice sets them, entered by the centre (资助管理 › 工作日历); the 公示期's end
is counted by them.

Revision ID: e6a3b8d0f2c5
Revises: d5f2a7c9e1b4
Create Date: 2026-12-05 08:30:00

"""
from datetime import datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e6a3b8d0f2c5"
down_revision = "d5f2a7c9e1b4"
branch_labels = None
depends_on = None

# (copied here so that the migration does not change when the code does)
GUIDANCE_2018 = "教育部等六部门《关于做好家庭经济困难学生认定工作的指导意见》（教财〔2018〕16号）"


def upgrade():
    op.create_table(
        "notice_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("since_year", sa.String(length=9), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("basis", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("since_year"),
    )
    op.create_table(
        "work_calendar",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("basis", sa.String(length=200), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('holiday', 'workday')", name="ck_kind_code"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("work_calendar", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_calendar_year"), ["year"], unique=False)
    rule = sa.table("notice_rule", sa.column("since_year", sa.String), sa.column("working_days", sa.Integer),
                    sa.column("basis", sa.String), sa.column("notes", sa.Text),
                    sa.column("created_at", sa.DateTime), sa.column("updated_at", sa.DateTime))
    now = datetime.now()
    op.bulk_insert(rule, [dict(since_year="2018-2019", working_days=5, basis=GUIDANCE_2018,
                               notes="认定结果公示期通常不少于5个工作日；以本县规定为准", created_at=now, updated_at=now)])


def downgrade():
    with op.batch_alter_table("work_calendar", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_calendar_year"))
    op.drop_table("work_calendar")
    op.drop_table("notice_rule")
