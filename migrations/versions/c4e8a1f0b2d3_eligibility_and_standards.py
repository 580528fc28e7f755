"""eligibility and standards: who a programme aids, its standards by school year, boarders, card holders

* ``aid_program``: ``needs_identification``, ``levels``, ``categories``, ``grades``, ``waiver``; a
  period may be ``once`` (大学新生入学资助).
* ``program_standard``: a programme's standard from a semester on, by stage, boarding and tier.
* ``student.boarding`` (寄宿生), ``award.card_holder`` (持卡人).
* Data: the programmes of the usual names get their eligibility and the 2019 and current
  standards; the letter's policies of those names are linked to them and, where the wording is
  still the one first installed, state the pupil's standard through ``{标准}``.

Revision ID: c4e8a1f0b2d3
Revises: 1fcf506376a5
Create Date: 2026-12-05 12:00:00

"""
from datetime import datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4e8a1f0b2d3"
down_revision = "1fcf506376a5"
branch_labels = None
depends_on = None

PRIORITY = "cat_registered_poor,cat_subsistence,cat_extreme_poverty,cat_disability"
# name: (needs_identification, levels, categories, grades, waiver, period or None to keep)
ELIGIBILITY = {
    "学前教育资助": (True, None, None, "小班,中班,大班", False, None),
    "义务教育家庭经济困难学生生活补助": (True, None, None, None, False, None),
    "普通高中国家助学金": (True, None, None, None, False, None),
    "普通高中免学费": (True, None, PRIORITY, None, True, None),
    "中职国家助学金": (True, None, None, "中职一年级,中职二年级", False, None),
    "中职免学费": (False, None, None, None, True, None),
    "大学新生入学资助": (True, None, None, "高三,已毕业", False, "once"),
}
P2019 = "财科教〔2019〕19号《学生资助资金管理办法》"
P2024 = "2024年春季学期起提高家庭经济困难寄宿生生活补助国家基础标准（非寄宿生按50%核定）"
# name: [(since_year, since_term, stage, boarding, level, variant, amount, policy)]
STANDARDS = {
    "义务教育家庭经济困难学生生活补助": [
        ("2019-2020", "1", "primary", True, None, None, 1000, P2019),
        ("2019-2020", "1", "primary", False, None, None, 500, P2019),
        ("2019-2020", "1", "junior", True, None, None, 1250, P2019),
        ("2019-2020", "1", "junior", False, None, None, 625, P2019),
        ("2023-2024", "2", "primary", True, None, None, 1250, P2024),
        ("2023-2024", "2", "primary", False, None, None, 625, P2024),
        ("2023-2024", "2", "junior", True, None, None, 1500, P2024),
        ("2023-2024", "2", "junior", False, None, None, 750, P2024),
    ],
    "普通高中国家助学金": [
        ("2019-2020", "1", None, None, "general", None, 1000, P2019 + "：平均2000元，分三档"),
        ("2019-2020", "1", None, None, "difficult", None, 2000, P2019 + "：平均2000元，分三档"),
        ("2019-2020", "1", None, None, "special", None, 3000, P2019 + "：平均2000元，分三档"),
    ],
    "中职国家助学金": [
        ("2019-2020", "1", None, None, "general", None, 1000, P2019 + "：平均2000元，分三档"),
        ("2019-2020", "1", None, None, "difficult", None, 2000, P2019 + "：平均2000元，分三档"),
        ("2019-2020", "1", None, None, "special", None, 3000, P2019 + "：平均2000元，分三档"),
    ],
    "大学新生入学资助": [
        ("2019-2020", "1", None, None, None, "省内", 500, "中国教育发展基金会大学新生入学资助项目：一次性"),
        ("2019-2020", "1", None, None, None, "省外", 1000, "中国教育发展基金会大学新生入学资助项目：一次性"),
    ],
}
# The letter's amounts as first installed (e1a2b3c4d5e6) and what they become: the pupil's standard.
LETTER_AMOUNTS = {
    "小学每生每年1000元，初中每生每年1250元（寄宿生标准，非寄宿生减半）。": "{标准}",
    "平均每生每年2000元，按困难程度分档资助。": "{标准}",
    "每生每年2000元。": "{标准}",
    "一次性资助路费和入学短期生活费。": "{标准}用于路费和入学短期生活费。",
}
PERIODS_OLD = "period IN ('semester', 'year')"
PERIODS_NEW = "period IN ('semester', 'year', 'once')"


def upgrade():
    with op.batch_alter_table("aid_program", schema=None) as batch_op:
        batch_op.add_column(sa.Column("needs_identification", sa.Boolean(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("levels", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("categories", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("grades", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("waiver", sa.Boolean(), nullable=False, server_default="0"))
        batch_op.drop_constraint("ck_period_code", type_="check")
        batch_op.create_check_constraint("ck_period_code", PERIODS_NEW)
    with op.batch_alter_table("student", schema=None) as batch_op:
        batch_op.add_column(sa.Column("boarding", sa.Boolean(), nullable=False, server_default="0"))
    with op.batch_alter_table("award", schema=None) as batch_op:
        batch_op.add_column(sa.Column("card_holder", sa.String(length=50), nullable=True))
    op.create_table(
        "program_standard",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("since_year", sa.String(length=9), nullable=False),
        sa.Column("since_term", sa.String(length=1), nullable=False, server_default="1"),
        sa.Column("stage", sa.String(length=16), nullable=True),
        sa.Column("boarding", sa.Boolean(), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=True),
        sa.Column("variant", sa.String(length=30), nullable=True),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("policy", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("stage IN ('kindergarten', 'primary', 'junior', 'senior', 'complete', 'vocational')",
                           name="ck_stage_code"),
        sa.CheckConstraint("level IN ('special', 'difficult', 'general')", name="ck_level_code"),
        sa.CheckConstraint("since_term IN ('1', '2')", name="ck_since_term_code"),
        sa.ForeignKeyConstraint(["program_id"], ["aid_program.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("program_standard", schema=None) as batch_op:
        batch_op.create_index("ix_program_standard_program_since", ["program_id", "since_year", "since_term"],
                              unique=False)
    _data()


def _data():
    bind = op.get_bind()
    now = datetime.utcnow()
    programs = sa.table("aid_program", sa.column("id"), sa.column("name"), sa.column("period"),
                        sa.column("needs_identification", sa.Boolean), sa.column("levels"), sa.column("categories"),
                        sa.column("grades"), sa.column("waiver", sa.Boolean))
    ids = dict(bind.execute(sa.select(programs.c.name, programs.c.id)).all())
    for name, (needs, levels, categories, grades, waiver, period) in ELIGIBILITY.items():
        if name not in ids:
            continue
        values = dict(needs_identification=needs, levels=levels, categories=categories, grades=grades, waiver=waiver)
        if period:
            values["period"] = period
        bind.execute(programs.update().where(programs.c.id == ids[name]).values(**values))
    standards = sa.table("program_standard", sa.column("program_id"), sa.column("since_year"),
                         sa.column("since_term"), sa.column("stage"), sa.column("boarding", sa.Boolean),
                         sa.column("level"), sa.column("variant"), sa.column("amount"), sa.column("policy"),
                         sa.column("created_at"), sa.column("updated_at"))
    rows = [dict(program_id=ids[name], since_year=y, since_term=t, stage=st, boarding=b, level=lv, variant=v,
                 amount=a, policy=p, created_at=now, updated_at=now)
            for name, items in STANDARDS.items() if name in ids for y, t, st, b, lv, v, a, p in items]
    if rows:
        op.bulk_insert(standards, rows)
    policies = sa.table("letter_policy", sa.column("id"), sa.column("title"), sa.column("amount_text"),
                        sa.column("program_id"))
    for pid, title, text in bind.execute(sa.select(policies.c.id, policies.c.title, policies.c.amount_text)).all():
        values = {}
        if title in STANDARDS and title in ids:
            values["program_id"] = ids[title]
        if title in STANDARDS and text in LETTER_AMOUNTS:
            values["amount_text"] = LETTER_AMOUNTS[text]
        if values:
            bind.execute(policies.update().where(policies.c.id == pid).values(**values))


def downgrade():
    with op.batch_alter_table("program_standard", schema=None) as batch_op:
        batch_op.drop_index("ix_program_standard_program_since")
    op.drop_table("program_standard")
    with op.batch_alter_table("award", schema=None) as batch_op:
        batch_op.drop_column("card_holder")
    with op.batch_alter_table("student", schema=None) as batch_op:
        batch_op.drop_column("boarding")
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE aid_program SET period = 'year' WHERE period = 'once'"))
    with op.batch_alter_table("aid_program", schema=None) as batch_op:
        batch_op.drop_constraint("ck_period_code", type_="check")
        batch_op.create_check_constraint("ck_period_code", PERIODS_OLD)
        for column in ("waiver", "grades", "categories", "levels", "needs_identification"):
            batch_op.drop_column(column)
