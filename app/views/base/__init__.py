"""What every business view and API shares.

School isolation itself is not here: app/security/scope.py enforces it at the ORM layer
for every query and write, so a view cannot forget it.  This package gives the
views the rest of their common behaviour:

* columns listed in a model's ``__choices__`` become select boxes, equality
  filters and Chinese labels in lists and show pages;
* rule errors (app/rules) show beside the form field instead of losing the form;
* the API turns rule errors into 422, scope violations into 403 and database
  conflicts into a readable 422 instead of a 500.

By concern:

* ``interface.py``: ``AidInterface``, the data interface (the row count, a record read once per
  page, database errors as rule errors);
* ``forms.py``: shared form fields (``choice_field``, ``date_time_field``);
* ``columns.py``: how a model's columns are shown and entered (formatters, labels, ``money``);
* ``versions.py``: a record's version (``version_of``) and the message of a stale save;
* ``access.py``: the user's roles and searches limited to the columns the role reads;
* ``model_view.py``: ``AidModelView``, the base of the CRUD screens;
* ``api.py``: ``AidModelApi``, the base of the REST resources.

Everything is imported from here (``from app.views.base import AidModelView``).
"""
from app.views.base.access import REVEALED, _hashed_filters, _only_readable_search, current_roles
from app.views.base.api import AidModelApi
from app.views.base.columns import _column_setup, _model, listed, money
from app.views.base.forms import DATE_TIME_FORMATS, _dash_for_blank, _none_for_blank, choice_field, date_time_field
from app.views.base.interface import AidInterface
from app.views.base.model_view import AidListWidget, AidModelView, _readable_hook
from app.views.base.versions import stale_message, version_of

__all__ = [
    "AidInterface", "AidListWidget", "AidModelApi", "AidModelView", "DATE_TIME_FORMATS", "REVEALED",
    "choice_field", "current_roles", "date_time_field", "listed", "money", "stale_message", "version_of",
    "_column_setup", "_dash_for_blank", "_hashed_filters", "_model", "_none_for_blank", "_only_readable_search",
    "_readable_hook",
]
