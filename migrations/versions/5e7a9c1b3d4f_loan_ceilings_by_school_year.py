"""Loan ceilings by school year, and the 2024 rate reduction.

What one student may borrow a year is the year's policy, kept with the year's rate (loan_rate):
* 财教〔2014〕180号: 本专科 8,000, 研究生 12,000;
* 2021年国家助学贷款政策调整 (autumn 2021): 12,000 / 16,000;
* 教育部 财政部 中国人民银行 国家金融监督管理总局《关于调整完善国家助学贷款有关政策的通知》(autumn 2023):
  16,000 / 20,000, rate LPR less 60 basis points;
* 财政部 教育部 中国人民银行 国家金融监督管理总局 (November 2024, from autumn 2024): 20,000 / 25,000,
  rate LPR less 70 basis points: the rows still at the 2023 reduction from 2024-2025 on move to it.

Revision ID: 5e7a9c1b3d4f
Revises: 3d5f7a9c1e2b
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5e7a9c1b3d4f"
down_revision = "3d5f7a9c1e2b"
branch_labels = None
depends_on = None

LPR_60 = "2023年国家助学贷款政策调整（LPR减60个基点）"
LPR_70 = "2024年国家助学贷款政策调整（LPR减70个基点，额度本专科20000元、研究生25000元）"
# (first school year, undergraduate, postgraduate), latest first
CEILINGS = [("2024-2025", 20000, 25000), ("2023-2024", 16000, 20000), ("2021-2022", 12000, 16000),
            ("0000-0001", 8000, 12000)]


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table("loan_rate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ceiling_undergraduate", sa.Numeric(precision=10, scale=2), nullable=True))
        batch_op.add_column(sa.Column("ceiling_postgraduate", sa.Numeric(precision=10, scale=2), nullable=True))
    rate = sa.table("loan_rate", sa.column("school_year"), sa.column("reduction_bp"), sa.column("basis"),
                    sa.column("ceiling_undergraduate"), sa.column("ceiling_postgraduate"))
    for (year,) in bind.execute(sa.select(rate.c.school_year)).all():
        under, post = next((u, p) for since, u, p in CEILINGS if year >= since)
        bind.execute(rate.update().where(rate.c.school_year == year)
                     .values(ceiling_undergraduate=under, ceiling_postgraduate=post))
    bind.execute(rate.update().where(rate.c.school_year >= "2024-2025", rate.c.reduction_bp == 60,
                                     rate.c.basis == LPR_60).values(reduction_bp=70, basis=LPR_70))
    with op.batch_alter_table("loan_rate", schema=None) as batch_op:
        batch_op.alter_column("ceiling_undergraduate", existing_type=sa.Numeric(precision=10, scale=2), nullable=False)
        batch_op.alter_column("ceiling_postgraduate", existing_type=sa.Numeric(precision=10, scale=2), nullable=False)


def downgrade():
    rate = sa.table("loan_rate", sa.column("reduction_bp"), sa.column("basis"))
    op.get_bind().execute(rate.update().where(rate.c.basis == LPR_70).values(reduction_bp=60, basis=LPR_60))
    with op.batch_alter_table("loan_rate", schema=None) as batch_op:
        batch_op.drop_column("ceiling_postgraduate")
        batch_op.drop_column("ceiling_undergraduate")
