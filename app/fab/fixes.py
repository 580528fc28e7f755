"""Flask-AppBuilder behaviours corrected in place (fenced: app/fab/__init__.py PATCHED).

* ``Filters.add_filter_index``: a list's address names a filter as ``_flt_<n>_<column>``, ``n`` the
  position of the filter among the column's filters. FAB looks the position up without checking it,
  so ``/studentview/list/?_flt_9_status=x`` was a server error (IndexError) on every list. A position
  the column does not have is ignored, as FAB ignores a column that cannot be searched.
* ``set_value_to_type`` (``flask_appbuilder.models.sqla.filters``): a yes/no column's filter value is True
  only for FAB's "y" and otherwise stays the text typed, which PostgreSQL refuses to compare with a
  boolean (``?_flt_0_waiver=1``: a server error there). Yes and no are read as such (y/1/true/on,
  n/0/false/off); any other text matches nothing.
"""
from __future__ import annotations

YES = {"y", "yes", "1", "true", "on"}
NO = {"n", "no", "0", "false", "off", ""}


def _checked_filter_index(original):
    def add_filter_index(self, column_name, filter_instance_index, value):
        filters = self._all_filters.get(column_name)
        if filters is not None and 0 <= filter_instance_index < len(filters):
            self._add_filter(filters[filter_instance_index], value)

    return add_filter_index


def _boolean_values(original):
    def set_value_to_type(datamodel, column_name, value):
        if isinstance(value, str) and datamodel.is_boolean(column_name):
            text = value.strip().lower()
            return True if text in YES else False if text in NO else None
        return original(datamodel, column_name, value)

    return set_value_to_type


def install():
    from flask_appbuilder.models.filters import Filters

    from app.fab.patching import patch
    from flask_appbuilder.models.sqla import filters as sqla_filters

    patch(sqla_filters, "set_value_to_type", _boolean_values)
    patch(Filters, "add_filter_index", _checked_filter_index)
