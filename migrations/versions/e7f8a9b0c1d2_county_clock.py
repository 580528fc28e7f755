"""business times in the county's wall-clock time

Until now the times the system stamped on business records (a submission's arrival, an
award's approval, a complaint's steps, an inspection's rectification, a print job's life) were
UTC, while the times people typed (a report task's deadline, when a complaint came in) were the
county's wall-clock time, and the rules compared the two: a report sent at 00:30 on the day after
its deadline counted as on time. From now on the process runs in the county's time zone
(app/clock.py, ``TIMEZONE``) and every business record stores its wall-clock time; this moves
the UTC times already stored by the zone's offset. The audit trail and the login lock stay in
UTC (security logs; screens show them in local time). Typed times are not touched.

Downgrade moves them back.

Revision ID: e7f8a9b0c1d2
Revises: d3e4f5a6b7c8
Create Date: 2026-12-04 18:00:00

"""
import os
from datetime import timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op
from flask import current_app

# revision identifiers, used by Alembic.
revision = "e7f8a9b0c1d2"
down_revision = "d3e4f5a6b7c8"
branch_labels = None
depends_on = None

STAMPED = {
    "award": ("approved_at", "voided_at"),
    "payment_batch": ("exported_at", "reconciled_at"),
    "card_export": ("at",),
    "complaint": ("stage_since", "closed_at"),
    "complaint_step": ("at",),
    "complaint_identity_read": ("at",),
    "loan_event": ("at",),
    "submission": ("submitted_at", "reviewed_at"),
    "school_year_turnover": ("applied_at",),
    "inspection": ("rectified_at", "checked_at"),
    "print_job": ("created_at", "updated_at", "started_at", "heartbeat_at", "finished_at", "expires_at"),
}


def _zone():
    try:
        name = current_app.config.get("BABEL_DEFAULT_TIMEZONE")
    except RuntimeError:
        name = None
    return ZoneInfo(name or os.environ.get("TIMEZONE") or "Asia/Shanghai")


def _move(to_local):
    bind = op.get_bind()
    zone = _zone()
    present = sa.inspect(bind)
    for table, columns in STAMPED.items():
        if not present.has_table(table):
            continue
        existing = {c["name"] for c in present.get_columns(table)}
        t = sa.table(table, sa.column("id", sa.Integer), *(sa.column(c, sa.DateTime) for c in columns if c in existing))
        for column in (c for c in columns if c in existing):
            col = t.c[column]
            rows = bind.execute(sa.select(t.c.id, col).where(col.isnot(None))).all()
            moved = []
            for row_id, value in rows:
                if to_local:
                    new = value.replace(tzinfo=timezone.utc).astimezone(zone).replace(tzinfo=None)
                else:
                    new = value.replace(tzinfo=zone).astimezone(timezone.utc).replace(tzinfo=None)
                moved.append({"row_id": row_id, "value": new})
            if moved:
                bind.execute(sa.update(t).where(t.c.id == sa.bindparam("row_id")).values({column: sa.bindparam("value")}),
                             moved)


def upgrade():
    _move(to_local=True)


def downgrade():
    _move(to_local=False)
