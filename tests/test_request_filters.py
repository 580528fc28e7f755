"""Two requests of one list served side by side (gunicorn's gthread workers) each keep their own search:
Flask-AppBuilder fills one filters object per view from each request, so the second request's search
used to replace the first's before the first had queried (app/views/base/request_filters.py)."""
from __future__ import annotations

import threading

from flask_appbuilder.urltools import get_filter_args


def _view(app, name):
    return next(v for v in app.appbuilder.baseviews if type(v).__name__ == name)


def _side_by_side(app, first, second):
    """Run ``first`` and ``second`` in two threads, each in its own request, the second's search made while
    the first holds its own and has not yet queried; returns what each read back."""
    first_set, second_done = threading.Event(), threading.Event()
    seen, errors = {}, []

    def one():
        try:
            with app.test_request_context(first[0]):
                first[1]()
                first_set.set()
                assert second_done.wait(10)
                seen["first"] = first[2]()
        except Exception as error:  # noqa: BLE001 - reported below, a thread's failure is otherwise lost
            errors.append(error)
            first_set.set()

    def two():
        try:
            assert first_set.wait(10)
            with app.test_request_context(second[0]):
                second[1]()
                seen["second"] = second[2]()
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            second_done.set()

    threads = [threading.Thread(target=one), threading.Thread(target=two)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not errors, errors
    return seen


def test_a_list_searched_in_two_requests_at_once_keeps_each_search(app):
    view = _view(app, "StudentView")

    def search():
        get_filter_args(view._filters)

    def values():
        return [list(v) for v in view._filters.values]

    seen = _side_by_side(app, ("/studentview/list/?_flt_0_name=甲", search, values),
                         ("/studentview/list/?_flt_0_name=乙", search, values))
    assert seen == {"first": [["甲"]], "second": [["乙"]]}
    # the view's own filters, shared by every request, hold no request's search
    assert view.__dict__["_aid_filters"].values == [] and view.__dict__["_aid_filters"].filters == []


def test_an_api_list_filtered_in_two_requests_at_once_keeps_each_filter(app):
    api = _view(app, "StudentApi")

    def filtered(name):
        def run():
            api._filters.clear_filters()
            api._filters.rest_add_filters([{"col": "name", "opr": "ct", "value": name}])
        return run

    def values():
        return list(api._filters.values)

    seen = _side_by_side(app, ("/api/v1/student/", filtered("甲"), values), ("/api/v1/student/", filtered("乙"), values))
    assert seen == {"first": ["甲"], "second": ["乙"]}
    assert api.__dict__["_aid_filters"].values == []
