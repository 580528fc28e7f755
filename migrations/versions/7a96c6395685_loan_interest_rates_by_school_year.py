"""loan interest rates by school year, kept by the centre

``loan_rate`` holds the yearly rate of each school year's 生源地信用助学贷款 (the contract's year):
the reference rate the policy names (the 5-year LPR from 2020, the benchmark rate before) and the
basis points it takes off (30 from 2021: 2021年生源地信用助学贷款政策调整（LPR减30个基点）; 60 from
2023). The repayment schedule reads it instead of the one ``LOAN_INTEREST_RATE`` of the
configuration. The years below are seeded; the centre checks them against the bank's contracts,
corrects them and adds each new year on the screen (助学贷款 › 贷款利率).

Revision ID: 7a96c6395685
Revises: b3d1f0a9c7e2
Create Date: 2026-12-05 13:00:00

"""
from datetime import datetime
from decimal import Decimal

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "7a96c6395685"
down_revision = "b3d1f0a9c7e2"
branch_labels = None
depends_on = None

# (copied here so that the migration does not change when the code does)
BENCHMARK = "国家助学贷款利率按同期同档次贷款基准利率执行（5年期以上4.90%）"
LPR = "国家助学贷款利率按同期同档次贷款市场报价利率（5年期以上LPR）执行"
LPR_30 = "2021年生源地信用助学贷款政策调整（LPR减30个基点）"
LPR_60 = "2023年国家助学贷款政策调整（LPR减60个基点）"
RATES = [
    ("2016-2017", "4.90", 0, BENCHMARK),
    ("2017-2018", "4.90", 0, BENCHMARK),
    ("2018-2019", "4.90", 0, BENCHMARK),
    ("2019-2020", "4.90", 0, BENCHMARK),
    ("2020-2021", "4.65", 0, LPR),
    ("2021-2022", "4.65", 30, LPR_30),
    ("2022-2023", "4.30", 30, LPR_30),
    ("2023-2024", "4.20", 60, LPR_60),
    ("2024-2025", "3.85", 60, LPR_60),
    ("2025-2026", "3.50", 60, LPR_60),
    ("2026-2027", "3.50", 60, LPR_60),
]
# the year running when this was written: its LPR is taken as the last one known, to be checked
NOTES = {"2026-2027": "预置值：按2025年9月的5年期以上LPR（3.50%），请按本学年贷款合同核对"}


def upgrade():
    op.create_table(
        "loan_rate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("reference_rate", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("reduction_bp", sa.Integer(), nullable=False),
        sa.Column("basis", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("school_year"),
    )
    rate = sa.table("loan_rate", sa.column("school_year", sa.String), sa.column("reference_rate", sa.Numeric),
                    sa.column("reduction_bp", sa.Integer), sa.column("basis", sa.String), sa.column("notes", sa.Text),
                    sa.column("created_at", sa.DateTime), sa.column("updated_at", sa.DateTime))
    now = datetime.now()
    op.bulk_insert(rate, [dict(school_year=year, reference_rate=Decimal(reference), reduction_bp=bp, basis=basis,
                               notes=NOTES.get(year), created_at=now, updated_at=now) for year, reference, bp, basis in RATES])


def downgrade():
    op.drop_table("loan_rate")
