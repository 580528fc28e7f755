"""Who is asking and what they may read: the user's roles, and searches only on the columns the
role reads (never a masked number)."""
from __future__ import annotations

from flask import g

from app.security import personal


def current_roles():
    return [role.name for role in g.user.roles]


# The summary of the audit entry ("view") of a look at full ID, card or phone numbers.
REVEALED = "显示完整号码"


def _hashed_filters(datamodel):
    """An encrypted column with a keyed hash (the ID number) is searched by exact value only."""
    from app.views.filters import FilterExactHashed

    return {c.key: [FilterExactHashed(c.key, datamodel)] for c in datamodel.obj.__table__.columns
            if "hashed_by" in c.info}


def _only_readable_search(view):
    """Filters only on columns the role reads: run before Flask-AppBuilder builds its filters.

    A view that names no ``search_columns`` gets the ones its list or record page shows (not
    every column of the table); a masked number (a phone, a card) is never a filter, since a
    match would tell the number the screen hides. The ID number's exact keyed-hash search stays.
    """
    model = view.datamodel.obj
    columns = model.__table__.c

    def masked(name):
        return name in personal.MASKS and name in columns and "hashed_by" not in columns[name].info

    if view.search_columns:
        view.search_columns = [c for c in view.search_columns if not masked(c)]
        return
    shown = None
    if view.list_columns is not None and view.show_columns is not None:
        shown = {c.split(".")[0] for c in list(view.list_columns) + list(view.show_columns)}
    view.search_exclude_columns = list(view.search_exclude_columns or []) + [
        c for c in view.datamodel.get_search_columns_list() if masked(c) or (shown is not None and c not in shown)]
