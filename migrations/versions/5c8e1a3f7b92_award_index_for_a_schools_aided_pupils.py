"""One school's aided pupils of a semester from an index: ``ix_award_semester_school_student`` on
(semester_id, school_id, student_id, status), so the coverage on a school's home page (the pupils with an
award of the semester, app/kpi/coverage.py) reads the school's part of the index in pupil order instead of
the county's awards of the semester looked up one by one in the table (on SQLite at 300 schools, 98 ms of
the officer's home page).

Revision ID: 5c8e1a3f7b92
Revises: 4a7c2e9d1b3f
Create Date: 2026-12-06 02:05:00

"""
from alembic import op


revision = "5c8e1a3f7b92"
down_revision = "4a7c2e9d1b3f"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_award_semester_school_student", "award", ["semester_id", "school_id", "student_id", "status"])


def downgrade():
    op.drop_index("ix_award_semester_school_student", table_name="award")
