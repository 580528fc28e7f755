"""No oracles: a list sorted or filtered by a column the role cannot read tells nothing, and the
children of a record hidden from the school (an unannounced visit's scores and calls) are as hidden."""
from datetime import date
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select, update

from app.extensions import db
from app.models import Inspection, InspectionScore, PhoneCall
from tests.conftest import WORLD, purge, visible_text
import pytest

# each test's writes, through the screens too, are rolled back when it ends (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("rollback")


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

    from app.security.scope import _hiding_models

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


# ---- sorting and filtering only by what the role reads --------------------------------------------

NO_MATCH = "无此值-zz"


def _views(app, base):
    return [v for v in app.appbuilder.baseviews if isinstance(v, base)]


def _columns(view):
    from sqlalchemy import inspect as sa_inspect

    return [a.key for a in sa_inspect(view.datamodel.obj).attrs]


def _readable(view):
    return {c.split(".")[0] for c in list(view.list_columns) + list(view.show_columns)}


def test_search_columns_are_columns_the_role_reads_and_never_a_masked_number(app):
    from app.security import personal
    from app.views.base import AidModelApi, AidModelView

    for view in _views(app, AidModelView) + _views(app, AidModelApi):
        table = view.datamodel.obj.__table__.c
        declared = type(view).__dict__.get("search_columns") or ()
        for column in view.search_columns:
            assert column in _readable(view) or column in declared, (type(view).__name__, column)
            if column in personal.MASKS and column in table:
                assert "hashed_by" in table[column].info, (type(view).__name__, column)


def _rows(client, url):
    """The list's rows as the user reads them (the table's text, in order)."""
    response = client.get(url)
    assert response.status_code == 200, url
    return visible_text(response)


def test_html_lists_ignore_sorting_and_filtering_by_any_other_column(app, officer_a):
    from app.views.base import AidModelView

    checked = 0
    for view in _views(app, AidModelView):
        name, base = type(view).__name__, view.route_base
        if officer_a.get(f"{base}/list/").status_code != 200:
            continue
        default = _rows(officer_a, f"{base}/list/")
        unsearched = []
        for column in _columns(view):
            if not view._sortable(column):
                for direction in ("asc", "desc"):
                    assert _rows(officer_a, f"{base}/list/?_oc_{name}={column}&_od_{name}={direction}") == default, \
                        (name, "sort", column)
            if column not in view.search_columns:
                unsearched.append(column)
            checked += 1
        # every column it may not be searched by, each with a value no row has, in one request: one filter
        # taken would leave no row (FAB applies each filter it accepts; ask them one by one to find which)
        if unsearched:
            query = "&".join(f"_flt_0_{column}={NO_MATCH}" for column in unsearched)
            assert _rows(officer_a, f"{base}/list/?{query}") == default, (name, "filter", unsearched)
    assert checked > 50


def test_sorting_the_complaint_list_by_the_hidden_complainant_tells_nothing(app, officer_a):
    from datetime import datetime

    from app.models import Complaint

    with app.app_context():
        # the earlier one has the name that sorts first: sorting by name would swap the two
        made = [Complaint(school_id=WORLD.school_a, origin="school", channel="phone", kind="complaint",
                          received_at=datetime(2026, 10, day, 9, 0), complainant_name=who, complainant_contact="",
                          subject=subject, content="排序测试")
                for day, who, subject in ((3, "阿甲", "排序测试一"), (4, "周乙", "排序测试二"))]
        db.session.add_all(made)
        db.session.commit()
        ids = [c.id for c in made]
    try:
        def order(query=""):
            text = visible_text(officer_a.get(f"/complaintview/list/{query}"))
            assert "排序测试一" in text and "排序测试二" in text
            return text.index("排序测试一") < text.index("排序测试二")

        default = order()
        for direction in ("asc", "desc"):
            assert order(f"?_oc_ComplaintView=complainant_name&_od_ComplaintView={direction}") == default
        sheet = _sheet_text(officer_a.get("/complaintview/export/?_oc_ComplaintView=complainant_name&_od_ComplaintView=asc"))
        assert (sheet.index("排序测试一") < sheet.index("排序测试二")) == default
    finally:
        with app.app_context():
            purge(*(db.session.get(Complaint, pk) for pk in ids))
            db.session.commit()


def test_api_lists_refuse_sorting_and_filtering_by_any_other_column(app, api):
    import prison

    from app.views.base import AidModelApi

    client = api("t_officer_a")
    checked = 0
    for view in _views(app, AidModelApi):
        url = f"/api/v1/{view.resource_name}/"
        if client.get(url).status_code != 200:
            continue
        for column in _columns(view):
            if column not in view.order_columns:
                r = client.get(url, query_string={"q": prison.dumps({"order_column": column, "order_direction": "asc"})})
                assert r.status_code == 400 and "排序" in r.get_json()["message"], (view.resource_name, column)
            if column not in view.search_columns:
                q = prison.dumps({"filters": [{"col": column, "opr": "eq", "value": NO_MATCH}]})
                r = client.get(url, query_string={"q": q})
                assert r.status_code == 400 and "筛选" in r.get_json()["message"], (view.resource_name, column)
            checked += 1
    assert checked > 20
