"""No oracles: a list sorted or filtered by a column the role cannot read tells nothing, and the
children of a record hidden from the school (an unannounced visit's scores and calls) are as hidden."""
from datetime import date
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select, update

from app.extensions import db
from app.models import Inspection, InspectionScore, PhoneCall
from tests.conftest import WORLD, purge, visible_text


def _sheet_text(response):
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.data))
    return " ".join(str(c.value) for row in book.active.iter_rows() for c in row if c.value is not None)


def _seen(officer, pk, marker):
    """Where the officer of school A could meet a score: list, search, show, export."""
    view = "inspectionscoreview"
    return {
        "list": marker in visible_text(officer.get(f"/{view}/list/")),
        "search": marker in visible_text(officer.get(f"/{view}/list/?_flt_0_inspection={WORLD.hidden_a}")),
        "show": officer.get(f"/{view}/show/{pk}").status_code == 200,
        "export": marker in _sheet_text(officer.get(f"/{view}/export/")),
    }


def _officer_sees(app, records):
    """Which of the records (every model hidden with its parent) a query of school A's officer loads:
    one at a time, in a list, and through the parent's collection."""
    from flask import g
    from flask_appbuilder.security.sqla.models import User

    from app.scope import _hiding_models

    children = [cls for cls in _hiding_models() if getattr(cls, "__hidden_with__", None)]
    assert {InspectionScore, PhoneCall} <= set(children)
    with app.test_request_context():
        db.session.expunge_all()  # nothing already loaded answers for the query
        g.user = db.session.scalar(select(User).where(User.username == "t_officer_a"))
        seen = {cls.__name__: (db.session.get(cls, pk) is not None, pk in db.session.scalars(select(cls.id)).all())
                for cls, pk in records}
        db.session.rollback()
    return seen


def test_scores_and_calls_of_an_unannounced_visit_stay_hidden_until_it_is_done(app, officer_a):
    with app.app_context():
        score = InspectionScore(inspection_id=WORLD.hidden_a, item_id=WORLD.item, score=3, note="甲校暗访扣分说明")
        call = PhoneCall(inspection_id=WORLD.hidden_a, award_id=WORLD.award_a, reached=True, note="甲校暗访回访")
        db.session.add_all([score, call])
        db.session.commit()
        score_id, call_id = score.id, call.id
    try:
        assert _seen(officer_a, score_id, "甲校暗访扣分说明") == dict.fromkeys(("list", "search", "show", "export"), False)
        # the search form's choice of inspections does not offer the visit either
        assert "甲校暗访计划" not in officer_a.get("/inspectionscoreview/list/").get_data(as_text=True)
        with app.app_context():
            records = [(InspectionScore, score_id), (PhoneCall, call_id)]
            assert _officer_sees(app, records) == {"InspectionScore": (False, False), "PhoneCall": (False, False)}
            db.session.connection().execute(update(Inspection).where(Inspection.id == WORLD.hidden_a)
                                            .values(status="done"))
            db.session.commit()
            assert _officer_sees(app, records) == {"InspectionScore": (True, True), "PhoneCall": (True, True)}
        assert _seen(officer_a, score_id, "甲校暗访扣分说明") == dict.fromkeys(("list", "search", "show", "export"), True)
    finally:
        with app.app_context():
            db.session.connection().execute(update(Inspection).where(Inspection.id == WORLD.hidden_a)
                                            .values(status="planned", inspected_on=date(2026, 12, 1)))
            purge(db.session.get(InspectionScore, score_id), db.session.get(PhoneCall, call_id))
            db.session.commit()
