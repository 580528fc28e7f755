"""The data interface every screen and resource reads and writes through: a cheaper row count,
a record read once per page, and database errors said as the rules say them."""
from __future__ import annotations

from flask import current_app, flash, g, has_request_context, request
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import func
from sqlalchemy.exc import SQLAlchemyError

from app.fab.speedups import equality_only, estimated_count
from app.rules import RuleError, db_errors
from app.security.scope import current_school_scope


def _may_estimate(datamodel, filters):
    """The rows of a list page (not the API: its count stays exact; not the choices of its search form) of a
    user who sees every school, filtered by nothing or by "equal to" filters only."""
    if not has_request_context():
        return False
    view, _, method = (request.endpoint or "").rpartition(".")
    if method != "list" or current_school_scope() is not None or not equality_only(filters):
        return False
    return any(type(v).__name__ == view and getattr(v, "datamodel", None) is datamodel
               for v in current_app.appbuilder.baseviews)


_READ = "aid_records_read"  # flask.g: {(model, str(pk)): (read with the view's filters, record)} of this GET


def remember_read(model, pk, item, filtered=True):
    """Keep a record a page read (``AidInterface.get``, or a view that reads through FAB's own interface)."""
    g.setdefault(_READ, {})[(model, str(pk))] = (filtered, item)


def read_on_this_page(model, pk):
    """The record of ``model`` with ``pk`` this GET read (through its filters and the school scope), or None."""
    found = (g.get(_READ) or {}).get((model, str(pk)))
    return found[1] if found else None


class AidInterface(SQLAInterface):
    """Flask-AppBuilder's data interface with a cheaper row count.

    The stock count wraps the whole list query (every column, the joins for the
    related columns shown) in a subquery.  Counting rows of the same filtered
    query without the display joins (all many-to-one, so they never change the
    count) lets the database answer from its smallest index.
    """

    def query_count(self, query, filters=None, select_columns=None):
        if _may_estimate(self, filters):  # a long list of the whole county: 约 N 条 (app/fab/speedups.py)
            estimate = estimated_count(self.session, self._apply_inner_all(
                self.session.query(self.obj.id), filters, aliases_mapping={}))
            if estimate is not None:
                return estimate
        counting = self.session.query(func.count()).select_from(self.obj)
        return self._apply_inner_all(counting, filters, aliases_mapping={}).scalar()

    def query(self, filters=None, order_column="", order_direction="", page=None, page_size=None,
              select_columns=None, outer_default_load=False):
        """FAB's query, but every row asked for (a form's or a search bar's choices: FAB's related-field
        query) is not counted first: the rows read are the count (one statement instead of two)."""
        if page is not None or page_size is not None:
            return super().query(filters, order_column, order_direction, page, page_size, select_columns,
                                 outer_default_load)
        rows = self.apply_all(self.session.query(self.obj), filters, order_column, order_direction, None, None,
                              select_columns, outer_default_load).all()
        name = self.obj.__name__
        result = [getattr(row, name) for row in rows] if rows and hasattr(rows[0], name) else rows
        return len(result), result

    def get(self, id, filters=None, select_columns=None, outer_default_load=False):
        """A record, read once per page: FAB's show, the access log and each view's show-page
        hooks all ask for it. Remembered for the rest of a GET request only (a write request
        reads afresh), and a read with the view's filters is never answered by one without."""
        if select_columns or not has_request_context() or request.method not in ("GET", "HEAD"):
            return super().get(id, filters, select_columns, outer_default_load)
        filtered = bool(filters and filters.filters)
        kept = (g.get(_READ) or {}).get((self.obj, str(id)))
        if kept and (kept[0] or not filtered):
            return kept[1]
        item = super().get(id, filters, select_columns, outer_default_load)
        remember_read(self.obj, id, item, filtered)
        return item

    # Flask-AppBuilder shows a database error's own text (its SQL and values) in a form's flash
    # and the API's 422 ("Database exception occurred: ..."); here it becomes a rule error in Chinese.
    def add(self, item, commit=True):
        return self._readable(lambda: super(AidInterface, self).add(item, commit))

    def edit(self, item, commit=True):
        return self._readable(lambda: super(AidInterface, self).edit(item, commit), show_rule=True)

    def delete(self, item, commit=True):
        return self._readable(lambda: super(AidInterface, self).delete(item, commit))

    def _readable(self, call, show_rule=False):
        from flask_appbuilder.exceptions import DatabaseException

        try:
            return call()
        except RuleError as exc:
            # a rule refusing at the save itself: on an edit screen the user reads why (Flask-AppBuilder
            # would only say that the database failed; it shows an add's or a delete's own message);
            # the API turns the same error into its 422
            self.session.rollback()
            self._flash_on_edit_screen(exc, show_rule)
            raise
        except (DatabaseException, SQLAlchemyError) as exc:
            self.session.rollback()
            cause = exc.__cause__ if isinstance(exc, DatabaseException) and exc.__cause__ is not None else exc
            error = db_errors.readable(cause, self.obj)
            self._flash_on_edit_screen(error, show_rule)  # a score changed to an item already scored
            raise error from None

    @staticmethod
    def _flash_on_edit_screen(error, show_rule):
        if show_rule and has_request_context() and not request.path.startswith("/api/"):
            flash(str(error), "danger")
