"""Waiver awards carry no card; standard rows by grade; the 2025 high-school grant standards; grades as listed.

* ``award.card_kind`` / ``card_number`` may be empty: 免学费 is credited to the school (财科教〔2019〕19号),
  so a waiver award names no card; the card numbers already typed on waiver awards are removed.
* ``program_standard.grades``: the grades a standard row covers (blank: every grade of the programme).
* Data, for the programmes of the usual names: 财政部 教育部 人力资源社会保障部《关于调整高等教育阶段和高中阶段
  国家奖助学金政策的通知》(2024): from spring 2025 普通高中 and 中职国家助学金 average 2,300 yuan a year (each
  county sets 2–3 tiers within 1,200–3,500) and 中职国家助学金 covers the third year too; the 2019 rows of
  中职国家助学金 keep covering 一、二年级 only.
* Grades typed before grades were a list (初一, 高1 …) are rewritten as the list spells them.

Revision ID: 3d5f7a9c1e2b
Revises: e6a3b8d0f2c5
"""
from datetime import datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "3d5f7a9c1e2b"
down_revision = "e6a3b8d0f2c5"
branch_labels = None
depends_on = None

P2025 = "财政部 教育部 人力资源社会保障部《关于调整高等教育阶段和高中阶段国家奖助学金政策的通知》：2025年春季学期起平均2300元，分三档"
TIERS_2025 = (("general", 1500), ("difficult", 2300), ("special", 3100))
NEW_GRANTS = ("普通高中国家助学金", "中职国家助学金")
FIRST_TWO = "中职一年级,中职二年级"
ALIASES = {
    "初一": "七年级", "初二": "八年级", "初三": "九年级", "高1": "高一", "高2": "高二", "高3": "高三",
    "中职1年级": "中职一年级", "中职2年级": "中职二年级", "中职3年级": "中职三年级",
    "小一": "一年级", "小二": "二年级", "小三": "三年级", "小四": "四年级", "小五": "五年级", "小六": "六年级",
}
AWARD_INDEXES = (
    ("uq_award_student_program_semester", ["student_id", "program_id", "semester_id"], True, "status <> 'void'"),
    ("ix_award_paid_undated", ["status", "school_id"], False, "paid_on IS NULL"),
)


def _partial_indexes(create):
    """SQLite's table copy may lose a partial index's WHERE: make them again as the models say."""
    for name, columns, unique, where in AWARD_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
        if create:
            op.create_index(name, "award", columns, unique=unique, sqlite_where=sa.text(where))


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table("award", schema=None) as batch_op:
        batch_op.alter_column("card_kind", existing_type=sa.String(length=16), nullable=True)
        batch_op.alter_column("card_number", existing_type=sa.String(), nullable=True)
    if bind.dialect.name == "sqlite":
        _partial_indexes(create=True)
    with op.batch_alter_table("program_standard", schema=None) as batch_op:
        batch_op.add_column(sa.Column("grades", sa.String(length=300), nullable=True))

    programs = sa.table("aid_program", sa.column("id"), sa.column("name"), sa.column("grades"),
                        sa.column("waiver", sa.Boolean))
    award = sa.table("award", sa.column("program_id"), sa.column("card_kind"), sa.column("card_number"),
                     sa.column("card_holder"))
    waivers = sa.select(programs.c.id).where(programs.c.waiver.is_(True))
    bind.execute(award.update().where(award.c.program_id.in_(waivers))
                 .values(card_kind=None, card_number=None, card_holder=None))

    ids = dict(bind.execute(sa.select(programs.c.name, programs.c.id)).all())
    standards = sa.table("program_standard", sa.column("program_id"), sa.column("since_year"),
                         sa.column("since_term"), sa.column("stage"), sa.column("boarding", sa.Boolean),
                         sa.column("level"), sa.column("variant"), sa.column("grades"), sa.column("amount"),
                         sa.column("policy"), sa.column("created_at"), sa.column("updated_at"))
    vocational = ids.get("中职国家助学金")
    if vocational is not None and bind.execute(sa.select(programs.c.grades).where(
            programs.c.id == vocational)).scalar() == FIRST_TWO:
        bind.execute(programs.update().where(programs.c.id == vocational).values(grades=None))
        bind.execute(standards.update().where(standards.c.program_id == vocational).values(grades=FIRST_TWO))
    now = datetime.utcnow()
    rows = []
    for name in NEW_GRANTS:
        pid = ids.get(name)
        if pid is None or bind.execute(sa.select(sa.func.count()).select_from(standards).where(
                standards.c.program_id == pid, standards.c.since_year == "2024-2025",
                standards.c.since_term == "2")).scalar():
            continue
        rows += [dict(program_id=pid, since_year="2024-2025", since_term="2", stage=None, boarding=None, level=lv,
                      variant=None, grades=None, amount=a, policy=P2025, created_at=now, updated_at=now)
                 for lv, a in TIERS_2025]
    if rows:
        op.bulk_insert(standards, rows)

    for table in ("student", "transfer_request"):
        t = sa.table(table, sa.column("grade"))
        for old, new in ALIASES.items():
            bind.execute(t.update().where(t.c.grade == old).values(grade=new))


def downgrade():
    bind = op.get_bind()
    programs = sa.table("aid_program", sa.column("id"), sa.column("name"), sa.column("grades"))
    standards = sa.table("program_standard", sa.column("program_id"), sa.column("since_year"),
                         sa.column("since_term"), sa.column("policy"))
    bind.execute(standards.delete().where(standards.c.policy == P2025))
    vocational = bind.execute(sa.select(programs.c.id).where(programs.c.name == "中职国家助学金")).scalar()
    if vocational is not None:
        bind.execute(programs.update().where(programs.c.id == vocational, programs.c.grades.is_(None))
                     .values(grades=FIRST_TWO))
    with op.batch_alter_table("program_standard", schema=None) as batch_op:
        batch_op.drop_column("grades")
    # Waiver awards keep no card: the columns stay nullable (a NOT NULL would refuse them).
