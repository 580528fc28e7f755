"""Flask-AppBuilder behaviours corrected in place (fenced: app/fab/__init__.py PATCHED).

* ``Filters.add_filter_index``: a list's address names a filter as ``_flt_<n>_<column>``, ``n`` the
  position of the filter among the column's filters. FAB looks the position up without checking it,
  so ``/studentview/list/?_flt_9_status=x`` was a server error (IndexError) on every list. A position
  the column does not have is ignored, as FAB ignores a column that cannot be searched.
"""
from __future__ import annotations


def _checked_filter_index(original):
    def add_filter_index(self, column_name, filter_instance_index, value):
        filters = self._all_filters.get(column_name)
        if filters is not None and 0 <= filter_instance_index < len(filters):
            self._add_filter(filters[filter_instance_index], value)

    add_filter_index.aid_fixed = True
    add_filter_index.__wrapped__ = original  # the FAB function fenced in app/fab (tests/test_fab_overrides.py)
    return add_filter_index


def install():
    from flask_appbuilder.models.filters import Filters

    if not getattr(Filters.add_filter_index, "aid_fixed", False):
        Filters.add_filter_index = _checked_filter_index(Filters.add_filter_index)
