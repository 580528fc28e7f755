"""Record pages (app/templates/aid/show.html and the show widget
app/templates/appbuilder/general/widgets/show.html): a header with the record's name, its state as a
tag and the actions the user may take on it as buttons; the fields in two columns under headings; the
related records and the page's own sections below; the history last.

Every generated record page gets this look without work of its own. A view may name its headings
with Flask-AppBuilder's ``show_fieldsets``; without them the fields fall under 基本信息, and the
record's own bookkeeping (created, changed) under 记录信息 at the end. A view whose edit is decided
by its workflow says so with ``record_controls(item)`` (the complaints' ``may_edit``); otherwise the
header offers 编辑 and 删除 exactly where the list's 操作 column does (permissions, ``row_controls``,
the state rules of app/rules that freeze a record).
"""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from app.views import lists, tags

BASIC = _l("Basic information")
BOOKKEEPING = _l("Record keeping")
# The record's own bookkeeping, shown last under 记录信息 when the view names no headings.
BOOKKEEPING_COLUMNS = ("created_at", "updated_at", "created_by", "changed_by", "created_on", "changed_on")
# Records named by their number (in the breadcrumbs and the record page's header).
NUMBERED = {"AuditEntry"}


def grouped(show_columns, *groups):
    """Flask-AppBuilder's ``show_fieldsets`` of a record page from its show columns: each group a heading
    and its columns; a show column no group names falls under the first heading, so that the page
    shows exactly the show columns (a group naming another column is a mistake, refused here)."""
    named = [c for _, columns in groups for c in columns]
    unknown = [c for c in named if c not in show_columns]
    if unknown:
        raise ValueError(f"grouped columns not shown: {unknown}")
    rest = [c for c in show_columns if c not in named]
    found = [(heading, {"fields": list(columns) + (rest if i == 0 else [])}) for i, (heading, columns) in enumerate(groups)]
    return [(heading, spec) for heading, spec in found if spec["fields"]]


def sections(view):
    """[(heading, {"fields": [...]})] of the view's record page, worked out once per view."""
    cached = getattr(view, "_aid_sections", None)
    if cached is not None and cached[0] == tuple(view.show_columns):
        return cached[1]
    if view.show_fieldsets:
        found = [(label, {"fields": list(spec.get("fields") or [])}) for label, spec in view.show_fieldsets]
    else:
        main = [c for c in view.show_columns if c not in BOOKKEEPING_COLUMNS]
        kept = [c for c in view.show_columns if c in BOOKKEEPING_COLUMNS]
        found = [(BASIC, {"fields": main})] + ([(BOOKKEEPING, {"fields": kept})] if kept else [])
        found = [(label, spec) for label, spec in found if spec["fields"]]
    view._aid_sections = (tuple(view.show_columns), found)
    return found


def wide_columns(view):
    """The show columns that are long texts by their type (notes, reasons, contents)."""
    cached = getattr(view, "_aid_wide", None)
    if cached is not None:
        return cached
    table = view.datamodel.obj.__table__.c
    wide = {c for c in view.show_columns if c in table and type(table[c].type).__name__ in ("Text", "UnicodeText")}
    view._aid_wide = wide
    return wide


def record_label(record):
    """A record as people name it (its ``str()``); an entry of the audit trail, whose ``str()`` names
    its table for the trail's own use, and a record without a name of its own by their number."""
    if getattr(record, "username", None):  # an account (Flask-AppBuilder's User names itself only in repr)
        return record.username
    if type(record).__name__ in NUMBERED or type(record).__str__ is object.__str__:
        return f"#{record.id}"
    return str(record)


def _status_column(view):
    """The state the header shows as a tag: the view's ``record_status``, else the first state column
    its record page shows."""
    named = getattr(view, "record_status", None)
    if named is not None:
        return named or None
    states = tags.status_columns(view.datamodel.obj)
    return next((c for c in view.show_columns if c in states), None)


def _allowed(view, item, pk):
    """The controls the header offers on this record: None where the permissions alone decide."""
    own = getattr(view, "record_controls", None)
    if own is not None:
        return own(item)
    if view.row_controls is not None:
        found = view.row_controls([pk])
        return found.get(pk, found.get(str(pk), frozenset()))
    return None


def record_head(view, item):
    """The header of a record page: name, state tag and the allowed actions' addresses."""
    pk = view.datamodel.get_pk_value(item)
    column = _status_column(view)
    allowed = _allowed(view, item, pk)
    edit = delete = void = None
    if lists.may(view, "can_edit", "edit") and (allowed is None or "edit" in allowed):
        if not lists.frozen_record(view, item):
            edit = url_for(f"{view.endpoint}.edit", pk=pk)
    if lists.may(view, "can_delete", "delete") and (allowed is None or "delete" in allowed):
        delete = url_for(f"{view.endpoint}.delete", pk=pk)
    if allowed is not None and "void" in allowed:
        void = url_for(f"{view.endpoint}.void", pk=pk)
    list_url = url_for(f"{view.endpoint}.list") if lists.may(view, "can_list", "list") else None
    return {
        "title": record_label(item),
        "tag": tags.status_tag(item, column=column) if column else "",
        "edit_url": edit,
        "delete_url": delete,
        "void_url": void,
        "void_label": getattr(view, "void_label", None) or _l("Void"),
        "list_url": list_url,
    }
