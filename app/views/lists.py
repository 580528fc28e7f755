"""What every list page shows around Flask-AppBuilder's table, worked out once per page in Python
(the templates only print it): the search bar of the fields people search by, the filters in force as
removable chips, the rows past their deadline, the rows whose state freezes them, the empty state.

A view may name its search bar's fields (``search_bar_columns``) and what its empty list says
(``empty_title`` and ``empty_hint``, with ``empty_action``: the label of the add button it offers);
without them the bar takes up to four of its ``search_columns`` (a name, a pupil, a programme, a
state ... before dates and figures) and the empty list says that no record matches or none exists yet.
"""
from __future__ import annotations

import re
from functools import lru_cache

from flask import request, url_for
from markupsafe import Markup, escape
from flask_babel import gettext, lazy_gettext as _l

from app.views import tags

BAR_SIZE = 4  # chosen from search_columns
BAR_MAX = 5  # named by the view
# The columns people search by first, when a view does not name its own.
PREFERRED = ("name", "student", "title", "subject", "number", "id_number", "student_number", "program",
             "semester", "school_year", "academic_year", "task", "status", "kind", "level", "result",
             "rectification_status", "school", "year", "grade", "class_name")
_FLT = re.compile(r"^_flt_(\d)_(.+)$")


def _flt_args():
    """[(key, column, filter index, value)] of the request's filters, in the address's order."""
    out = []
    for key, values in request.args.lists():
        match = _FLT.match(key)
        if match:
            for value in values:
                out.append((key, match.group(2), int(match.group(1)), value))
    return out


def _url(view, drop=()):
    """The list's address with its arguments but those of ``drop`` ((key, value) pairs or keys) and the page."""
    page_arg = f"page_{type(view).__name__}"
    kept = {}
    for key, values in request.args.lists():
        if key == page_arg or key in drop:
            continue
        left = [v for v in values if (key, v) not in drop]
        if left:
            kept[key] = left
    return url_for(f"{view.endpoint}.list", **kept)


# --- the search bar ---------------------------------------------------------------------------------

def _bar_filter(view, column):
    """(filter index, kind) of the search bar's field for a column: text typed or a choice; None when
    the column is not one the bar can offer (a date, a yes/no: the 高级搜索 panel has them)."""
    from flask_appbuilder.models.sqla.filters import FilterContains, FilterEqual, FilterRelation

    from app.views.filters import FilterExactHashed

    filters = view._filters.get_search_filters().get(column) or []
    if not filters:
        return None
    model = view.datamodel.obj
    datamodel = view.datamodel
    if column in (getattr(view, "text_search_relations", None) or {}) or isinstance(filters[0], FilterExactHashed):
        return 0, "text"
    if column in (getattr(model, "__choices__", None) or {}):
        return 0, "select"
    if isinstance(filters[0], FilterRelation):
        return 0, "select"
    if datamodel.is_boolean(column) or datamodel.is_date(column) or datamodel.is_datetime(column):
        return None
    if datamodel.is_integer(column):
        index = next((i for i, f in enumerate(filters) if type(f) is FilterEqual), None)
        return (index, "text") if index is not None else None
    if datamodel.is_string(column) or datamodel.is_text(column):
        index = next((i for i, f in enumerate(filters) if isinstance(f, FilterContains)), 0)
        return index, "text"
    return None


def bar_columns(view):
    """The search bar's columns: the view's ``search_bar_columns``, else up to four of its search columns."""
    from app.security.scope import current_school_scope

    searchable = list(view.search_columns or ())
    own_school = current_school_scope() is not None  # an officer's lists hold their own school only
    named = getattr(view, "search_bar_columns", None)
    if named is not None:
        ranked = [c for c in named if c in searchable]
    else:
        ranked = sorted(searchable, key=lambda c: PREFERRED.index(c) if c in PREFERRED else len(PREFERRED))
    chosen = []
    for column in ranked:
        if own_school and column == "school":
            continue
        if _bar_filter(view, column) is not None:
            chosen.append(column)
        if len(chosen) == (BAR_MAX if named is not None else BAR_SIZE):
            break
    return chosen


def _options(field):
    from flask_appbuilder.fields import QuerySelectField

    if isinstance(field, QuerySelectField):
        return [(pk, str(obj)) for pk, obj in field._get_object_list()]  # the search panel reuses the list read
    return [(str(value), str(label)) for value, label in (getattr(field, "choices", None) or []) if value != ""]


def search_bar(view, form):
    """The fields, values and hidden arguments of the list's search bar."""
    columns = bar_columns(view)
    if not columns:
        return None
    args = {key: value for key, _, _, value in _flt_args()}
    fields, names = [], set()
    for column in columns:
        index, kind = _bar_filter(view, column)
        name = f"_flt_{index}_{column}"
        names.add(name)
        label = str(view.label_columns.get(column) or column)
        value = args.get(name, "")
        hint = label
        if kind == "text" and index == 0 and not view.datamodel.is_string(column):
            hint = str(view._filters.get_search_filters()[column][0].name)  # 姓名或身份证号, 等于 ...
        field = {"name": name, "label": label, "kind": kind, "value": value, "column": column, "hint": hint}
        if kind == "select":
            field["options"] = _options(form[column]) if form is not None and column in form else []
        fields.append(field)
    page_arg = f"page_{type(view).__name__}"
    searchable = view._filters.get_search_filters()

    def kept(key):
        # a filter the list does not offer this user (a complainant's name to a school) is not carried on
        match = _FLT.match(key)
        return not match or int(match.group(1)) < len(searchable.get(match.group(2)) or ())

    hidden = [(key, value) for key, values in request.args.lists() for value in values
              if key not in names and key != page_arg and kept(key)]
    return {"fields": fields, "hidden": hidden, "action": url_for(f"{view.endpoint}.list"),
            "reset_url": _url(view, drop={key for key, _, _, _ in _flt_args()})}


# --- the filters in force, as chips -------------------------------------------------------------------

def filter_chips(view):
    """[(label, operation, value, address without it)] of the filters the list was opened with."""
    from flask_appbuilder.models.sqla.filters import FilterRelation

    from app.views.filters import _human_value

    chips = []
    all_filters = view._filters.get_search_filters()
    for key, column, index, value in _flt_args():
        filters = all_filters.get(column) or []
        if index >= len(filters) or value == "":
            continue
        flt = filters[index]
        name = flt.name
        if isinstance(flt, FilterRelation):  # "关联" says nothing: a relation is equal or not
            name = _l("Not Equal to") if flt.arg_name.startswith("n") else _l("Equal to")
        label = view.label_columns.get(column) or column
        chips.append((str(label), str(name), _human_value(view, column, flt, value), _url(view, drop={(key, value)})))
    return chips


# --- rows whose state freezes them --------------------------------------------------------------------

@lru_cache(maxsize=None)
def _state_tables():
    """{model name: StateRules} of the workflows whose state is a column (app/rules/*.py)."""
    import importlib
    import pkgutil

    import app.rules as rules
    from app.rules.states import StateRules

    found = {}
    for info in pkgutil.iter_modules(rules.__path__):
        module = importlib.import_module(f"app.rules.{info.name}")
        for value in vars(module).values():
            if isinstance(value, StateRules) and value.state_of is None:
                found.setdefault(value.model, value)
    return found


def frozen_rows(view, pks, rows):
    """The rows (pks, as text) whose state lets the user change nothing: their 编辑 is not offered."""
    table = _state_tables().get(view.datamodel.obj.__name__)
    if table is None or not rows or table.status not in rows[0]:
        return set()
    from app.rules.states import acting_roles

    roles = acting_roles()
    editable = {state for state, fields in table.states.items() if any(roles & set(who) for who in fields.values())}
    return {str(pk) for pk, row in zip(pks, rows) if row.get(table.status) not in editable}


def frozen_record(view, item):
    """Whether a record's state lets the user change nothing (the record page's 编辑 is not offered)."""
    table = _state_tables().get(type(item).__name__)
    if table is None:
        return False
    pk = view.datamodel.get_pk_value(item)
    return str(pk) in frozen_rows(view, [pk], [{table.status: getattr(item, table.status, None)}])


# --- the list with no rows ----------------------------------------------------------------------------

def may(view, permission, route):
    """Whether the user may use a view's route: the view serves it and the user holds its permission."""
    routes = view.include_route_methods
    return (routes is None or route in routes) and view.appbuilder.sm.has_access(permission,
                                                                                 view.class_permission_name)


def empty_state(view, filtered):
    """What an empty list says, and the next step it offers (the add form, when the user may add)."""
    if filtered:
        return {"title": gettext("No record matches the search."), "hint": gettext("Change or clear the filters."),
                "action": None}
    title = getattr(view, "empty_title", None)
    what = str(getattr(view, "list_title", "") or "")
    add_url = None
    if may(view, "can_add", "add"):
        try:
            add_url = url_for(f"{view.endpoint}.add")
        except Exception:  # a view without an add form
            add_url = None
    action = (str(getattr(view, "empty_action", None) or _l("Add")), add_url, "fa-plus") if add_url else None
    link = getattr(view, "empty_link", None)  # (label, "View.method"): the next step is on another page
    if action is None and link is not None:
        view_name, method = link[1].split(".")
        if view.appbuilder.sm.has_access(f"can_{method}", view_name):
            action = (str(link[0]), url_for(link[1]), "fa-arrow-right")
    return {"title": str(title) if title else gettext("%(what)s: no records yet.", what=what),
            "hint": str(getattr(view, "empty_hint", "") or ""), "action": action}


NOWRAP_SUFFIXES = ("_on", "_at", "_date", "deadline", "number", "_year", "status", "amount", "phone")
# Cells in two halves, each kept on one line from a tablet's width up (app/static/css/lists.css), the
# cell free to break between them: a semester after 学年 ("2026-2027学年" / "第一学期": on one line it
# took the width of a school's or programme's name at 1,366 px), a pupil before the masked ID number in
# brackets. On a phone the halves may break too, so that the 状态 column stays on the screen.
# {the column's last part: (the text that starts the second half, whether it stays with the first)}
HALVES = {"semester": ("学年", True), "student": ("（", False)}


def halves_cell(value, mark, mark_first):
    """A list cell's text in two halves that each stay on one line (what a view's own formatter made
    into HTML is left as it is)."""
    if isinstance(value, Markup):
        return value
    text = "" if value is None else str(value)
    first, found, second = text.partition(mark)
    if not found or not first or not second:
        return text
    first, second = (first + found, second) if mark_first else (first, found + second)
    return Markup('<span class="aid-half">%s</span><span class="aid-half">%s</span>') % (first, second)


def column_classes(view):
    """{column: its cells' classes} of a view's list, worked out once per view: dates, money, ID and
    card numbers and states kept on one line, money right-aligned."""
    cached = getattr(view, "_aid_column_classes", None)
    if cached is not None and cached[0] == tuple(view.list_columns):
        return cached[1]
    from app.security import personal

    model = view.datamodel.obj
    table = model.__table__.c
    tagged = set(tags.status_columns(model)) | set(tags.LATE_FLAGS) | set(tags.LINKED)
    out = {}
    for column in view.list_columns:
        classes = ["aid-col-" + column.replace(".", "-")]
        leaf = column.rsplit(".", 1)[-1]
        sql = table[column].type if column in table else None
        kind = type(sql).__name__ if sql is not None else ""
        if kind in ("Numeric", "Integer", "Float") and not column.endswith("_id"):
            classes += ["aid-nowrap", "aid-num"] if kind != "Integer" or leaf in ("amount", "score") else ["aid-nowrap"]
        elif kind in ("Date", "DateTime") or column in tagged or leaf in personal.MASKS or leaf.endswith(NOWRAP_SUFFIXES):
            classes.append("aid-nowrap")
        if column in tagged:
            classes.append("aid-col-tag")
        out[column] = " ".join(classes)
    view._aid_column_classes = (tuple(view.list_columns), out)
    return out


def halves_formatters(view, formatters):
    """{column: formatter} of the list's columns shown in two halves (HALVES): the view's formatter,
    then the halves."""
    out = {}
    for column in view.list_columns:
        split = HALVES.get(column.rsplit(".", 1)[-1])
        if split is not None:
            own = formatters.get(column)
            out[column] = lambda v, own=own, split=split: halves_cell(own(v) if own else v, *split)
    return out


_MISSING = object()


def row_cells(columns, rows, formatters, classes):
    """Each row's value cells as one piece of HTML, made here instead of cell by cell in the list
    template (about 650 template lookups on a page of 25 rows, most of its rendering time). Printed as
    the template printed them: a view's formatter applied, the value escaped unless it is already
    HTML, None as "None", a column the row lacks as an empty cell."""
    cells = []
    for column in columns:
        opening = str(Markup('<td class="%s">') % (classes[column] if column in classes else "aid-col-" + column))
        cells.append((column, opening, formatters.get(column)))
    out = []
    for row in rows:
        parts = []
        for column, opening, formatter in cells:
            value = row.get(column, _MISSING)
            parts.append(opening)
            if value is not _MISSING:
                parts.append(escape(formatter(value) if formatter else value))
            parts.append("</td>\n")  # cells apart in the text as the template wrote them (a row's text reads 小学 寄宿生)
        out.append(Markup("".join(parts)))
    return out


def list_widget(view, widgets):
    """Any list of the view (its own page, or a related list on a record page): column classes, rows
    past their deadline, rows frozen by their state."""
    args = widgets["list"].template_args
    rows = args["value_columns"] = list(args.get("value_columns") or [])
    args["column_classes"] = column_classes(view)
    formatters = args.get("formatters_columns") or {}
    halves = halves_formatters(view, formatters)
    if halves:  # the list's cells only: the export and the record page keep the plain text
        args["formatters_columns"] = {**formatters, **halves}
    args["frozen_rows"] = frozen_rows(view, args.get("pks") or [], rows)
    tags.overdue_rows(view.datamodel.obj, rows)
    tags.linked_rows(view.datamodel.obj, rows)
    args["row_cells"] = row_cells(args.get("include_columns") or view.list_columns, rows,
                                  args.get("formatters_columns") or {}, args["column_classes"])
    return widgets


def search_panel_url(view):
    """The address of the list's 高级搜索, drawn when opened (app/views/search.py ``SearchRelayView.panel``), with
    the filters in force that the list recognises (as its chips: a searchable column, a filter it has) and
    nothing else of the page's address."""
    all_filters = view._filters.get_search_filters()
    kept = {}
    for key, column, index, value in _flt_args():
        if value != "" and index < len(all_filters.get(column) or []):
            kept.setdefault(key, []).append(value)
    return url_for("SearchRelayView.panel", view=type(view).__name__, **kept)


def list_page(view, widgets):
    """The list page's search bar, filter chips and empty state (called once per list page)."""
    args = widgets["list"].template_args
    search = widgets.get("search")
    widgets["search_bar"] = search_bar(view, search.template_args.get("form") if search is not None else None)
    if view.search_columns:
        widgets["search_panel_url"] = search_panel_url(view)
    chips = filter_chips(view)
    if chips:
        widgets["active_filters"] = {"filters": chips, "clear_url": _url(
            view, drop={key for key, _, _, _ in _flt_args()})}
    if not args.get("count"):
        args["empty_state"] = empty_state(view, bool(chips))
    return widgets
