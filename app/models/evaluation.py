"""年终考核: the parts of the year-end evaluation of schools and their weights (edited by the centre).

The scores themselves are never stored: app/kpi/evaluation.py computes them from the
current weights and the year's records, so a changed weight shows at once.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, Integer, Numeric, String

from app.extensions import db
from app.models.base import Timestamps
from app.models.choices import Choices

PARTS = Choices(
    ("timeliness", _l("Report timeliness")),
    ("accuracy", _l("Report accuracy")),
    ("inspection", _l("Inspection scores")),
    ("rectification", _l("Rectification on time")),
    ("funds", _l("Fund-extraction compliance")),
    ("completeness", _l("Completeness of the records")),
    ("complaints", _l("Substantiated complaints (deduction)")),
)

# How a part is scored for a school that should have data in it and has none (缺数据): never
# left out, which would rank a school never inspected above one inspected and found wanting.
MISSING = Choices(
    ("zero", _l("Scored zero")),
    ("average", _l("County average")),
)


class EvaluationPart(Timestamps, db.Model):
    """One part of the score: its weight (points), or for the deduction the points per case and the cap."""

    __tablename__ = "evaluation_part"
    __table_args__ = (PARTS.check("code"), MISSING.check("missing"))
    __choices__ = {"code": PARTS, "missing": MISSING}

    id = Column(Integer, primary_key=True)
    code = Column(String(16), nullable=False, unique=True)
    weight = Column(Numeric(6, 2), nullable=False)
    cap = Column(Numeric(6, 2))  # the deduction's ceiling
    active = Column(Boolean, nullable=False, default=True)
    missing = Column(String(8), nullable=False, default="zero", server_default="zero")  # MISSING
    note = Column(String(200))

    def __str__(self):
        return PARTS.label(self.code)

    @property
    def label(self):
        return PARTS.label(self.code)

    @property
    def missing_label(self):
        return MISSING.label(self.missing or "zero")
