"""indexes for the dashboards and the year-end evaluation at city scale

The centre's home page and the evaluation of all schools read a semester's awards, a
school year's identifications, the paid awards and the pupils' required fields of the whole
county (bench/dashboard.py: 300 schools, 300,000 pupils, 1,000,000 awards).  These indexes
let them do it from the indexes alone:

* award (semester_id, student_id, status): is a pupil aided this semester (coverage);
* award (semester_id, school_id, program_id, status, amount): a semester's amounts by
  school and programme (coverage);
* award (status, school_id): paid awards per school (completeness);
* award (status, school_id) where paid_on is null: paid awards without the day paid;
* identification (school_year, is_priority, school_id, student_id): a year's identified
  and priority pupils by school (coverage);
* student (school_id) where an optional required field is empty (completeness).

Revision ID: b8c9d0e1f2a3
Revises: c1d2e3f4a5b6
Create Date: 2026-11-28 06:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b8c9d0e1f2a3"
down_revision = "c1d2e3f4a5b6"
branch_labels = None
depends_on = None

GAPS = ("guardian IS NULL OR trim(guardian) = '' OR guardian_phone IS NULL OR trim(guardian_phone) = '' "
        "OR address IS NULL OR trim(address) = ''")


def upgrade():
    op.create_index("ix_award_semester_student", "award", ["semester_id", "student_id", "status"])
    op.create_index("ix_award_semester_totals", "award", ["semester_id", "school_id", "program_id", "status", "amount"])
    op.create_index("ix_award_status_school", "award", ["status", "school_id"])
    op.create_index("ix_award_paid_undated", "award", ["status", "school_id"],
                    postgresql_where=sa.text("paid_on IS NULL"), sqlite_where=sa.text("paid_on IS NULL"))
    op.create_index("ix_identification_year_priority", "identification",
                    ["school_year", "is_priority", "school_id", "student_id"])
    op.create_index("ix_student_gaps", "student", ["school_id"],
                    postgresql_where=sa.text(GAPS), sqlite_where=sa.text(GAPS))


def downgrade():
    op.drop_index("ix_student_gaps", table_name="student")
    op.drop_index("ix_identification_year_priority", table_name="identification")
    op.drop_index("ix_award_paid_undated", table_name="award")
    op.drop_index("ix_award_status_school", table_name="award")
    op.drop_index("ix_award_semester_totals", table_name="award")
    op.drop_index("ix_award_semester_student", table_name="award")
