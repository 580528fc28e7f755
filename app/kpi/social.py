"""社会资助: pupils paired and money pledged per social project."""
from decimal import Decimal

from flask import g, has_request_context
from sqlalchemy import func, select

from app.extensions import db


def _totals():
    from app.models import Pairing

    rows = db.session.execute(
        select(Pairing.project_id, func.count(func.distinct(Pairing.student_id)), func.sum(Pairing.amount))
        .group_by(Pairing.project_id)
    ).all()
    return {pid: (int(n), Decimal(total or 0).quantize(Decimal("0.01"))) for pid, n, total in rows}


def project_totals() -> dict:
    """{project_id: (pupils paired, amount)} within the user's scope, once per request."""
    if not has_request_context():
        return _totals()
    if "_aid_social_totals" not in g:
        g._aid_social_totals = _totals()
    return g._aid_social_totals
