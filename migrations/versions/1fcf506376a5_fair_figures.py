"""figures that judge schools fairly: a missing evaluation part is scored as set; inspection scores within the item

* ``evaluation_part.missing``: how a part is scored for a school that should have data in it
  and has none (缺数据): ``zero`` or ``average`` (the county average).  Every part starts at
  zero (missing data never helps a school); the centre may set a part to the county average.
* an inspection score lies between 0 and its checklist item's full score: a CHECK for the
  lower bound (PostgreSQL: NOT VALID, so that a report already signed keeps what it says;
  the rules and the evaluation keep within the bounds), and a trigger for both bounds, since a
  CHECK cannot read the item's full score; lowering an item's full score below a score
  already given is refused too.

Revision ID: 1fcf506376a5
Revises: 7a96c6395685
Create Date: 2026-12-05 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "1fcf506376a5"
down_revision = "7a96c6395685"
branch_labels = None
depends_on = None

SCORE_REFUSED = "inspection score outside 0 and the full score of its item"
ITEM_REFUSED = "full score of an inspection item below a score already given"


def upgrade():
    with op.batch_alter_table("evaluation_part", schema=None) as batch_op:
        batch_op.add_column(sa.Column("missing", sa.String(length=8), nullable=False, server_default="zero"))
        batch_op.create_check_constraint("ck_missing_code", "missing IN ('zero', 'average')")

    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE inspection_score ADD CONSTRAINT ck_inspection_score_range "
                   "CHECK (score IS NULL OR score >= 0) NOT VALID")
        op.execute(f"""
            CREATE FUNCTION inspection_score_within_item() RETURNS trigger AS $$
            BEGIN
              IF NEW.score IS NOT NULL AND (NEW.score < 0 OR NEW.score >
                  (SELECT max_score FROM inspection_item WHERE id = NEW.item_id)) THEN
                RAISE EXCEPTION '{SCORE_REFUSED}' USING ERRCODE = '23514', CONSTRAINT = 'ck_inspection_score_range';
              END IF;
              RETURN NEW;
            END; $$ LANGUAGE plpgsql""")
        op.execute("""CREATE TRIGGER inspection_score_within_item BEFORE INSERT OR UPDATE ON inspection_score
                      FOR EACH ROW EXECUTE FUNCTION inspection_score_within_item()""")
        op.execute(f"""
            CREATE FUNCTION inspection_item_above_scores() RETURNS trigger AS $$
            BEGIN
              IF EXISTS (SELECT 1 FROM inspection_score WHERE item_id = NEW.id AND score > NEW.max_score) THEN
                RAISE EXCEPTION '{ITEM_REFUSED}' USING ERRCODE = '23514';
              END IF;
              RETURN NEW;
            END; $$ LANGUAGE plpgsql""")
        op.execute("""CREATE TRIGGER inspection_item_above_scores BEFORE UPDATE OF max_score ON inspection_item
                      FOR EACH ROW EXECUTE FUNCTION inspection_item_above_scores()""")
    else:
        for verb in ("INSERT", "UPDATE"):
            op.execute(f"""CREATE TRIGGER inspection_score_within_item_{verb.lower()} BEFORE {verb} ON inspection_score
                           WHEN NEW.score IS NOT NULL AND (NEW.score < 0 OR NEW.score >
                                (SELECT max_score FROM inspection_item WHERE id = NEW.item_id))
                           BEGIN SELECT RAISE(ABORT, '{SCORE_REFUSED}'); END""")
        op.execute(f"""CREATE TRIGGER inspection_item_above_scores BEFORE UPDATE OF max_score ON inspection_item
                       WHEN EXISTS (SELECT 1 FROM inspection_score WHERE item_id = NEW.id AND score > NEW.max_score)
                       BEGIN SELECT RAISE(ABORT, '{ITEM_REFUSED}'); END""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS inspection_item_above_scores ON inspection_item")
        op.execute("DROP FUNCTION IF EXISTS inspection_item_above_scores()")
        op.execute("DROP TRIGGER IF EXISTS inspection_score_within_item ON inspection_score")
        op.execute("DROP FUNCTION IF EXISTS inspection_score_within_item()")
        op.execute("ALTER TABLE inspection_score DROP CONSTRAINT IF EXISTS ck_inspection_score_range")
    else:
        op.execute("DROP TRIGGER IF EXISTS inspection_item_above_scores")
        for verb in ("insert", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS inspection_score_within_item_{verb}")
    with op.batch_alter_table("evaluation_part", schema=None) as batch_op:
        batch_op.drop_constraint("ck_missing_code", type_="check")
        batch_op.drop_column("missing")
