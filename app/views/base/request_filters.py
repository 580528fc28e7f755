"""A view's search filters, of this request only.

Flask-AppBuilder keeps one ``Filters`` object per view (``self._filters``) and fills it from each request
(``get_filter_args`` in a list, a record page or the 高级搜索 panel; ``clear_filters`` and
``rest_add_filters`` in the API), then queries with it. A view is one object for the whole process, so
with threaded workers (gunicorn's gthread) two requests of one list could meet: the second's search
replaced the first's before the first had queried, and the first answered with the other person's
search terms (its school scope held: the scope is applied to the statement, not through these filters).
Here each request gets its own copy of the view's filters, made on its first use in the request; outside
a request (the view being built) the view's own object is used and completed.
"""
from __future__ import annotations

import copy

from flask import g, has_request_context


class FiltersPerRequest:
    """Mixin of AidModelView and AidModelApi (fenced in app/fab/__init__.py): ``_filters`` per request."""

    @property
    def _filters(self):
        shared = self.__dict__.get("_aid_filters")
        if shared is None or not has_request_context():
            return shared
        mine = g.setdefault("aid_request_filters", {})
        own = mine.get(id(self))
        if own is None:
            own = copy.copy(shared)  # its column tables are shared, read only; its chosen filters are its own
            own.filters, own.values = list(shared.filters), list(shared.values)
            mine[id(self)] = own
        return own

    @_filters.setter
    def _filters(self, value):
        self.__dict__["_aid_filters"] = value
