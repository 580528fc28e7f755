"""What every business view and API shares.

School isolation itself is not here: app/security/scope.py enforces it at the ORM layer
for every query and write, so a view cannot forget it.  This module gives the
views the rest of their common behaviour:

* columns listed in a model's ``__choices__`` become select boxes, equality
  filters and Chinese labels in lists and show pages;
* rule errors (app/rules) show beside the form field instead of losing the form;
* the API turns rule errors into 422, scope violations into 403 and database
  conflicts into a readable 422 instead of a 500.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import wraps
from io import BytesIO
from types import SimpleNamespace

from flask import current_app, flash, g, has_request_context, redirect, request, send_file
from markupsafe import Markup
from flask_appbuilder import expose, has_access
from flask_appbuilder.urltools import get_filter_args, get_order_args
from flask_appbuilder.actions import action
from flask_appbuilder import ModelRestApi, ModelView
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.validators import Unique
from flask_appbuilder.widgets import ListWidget
from flask_appbuilder.models.sqla.filters import FilterEqual, FilterNotEqual
from flask_babel import lazy_gettext as _l
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import Boolean, Date, DateTime, Numeric, func
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import RelationshipDirection
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import InputRequired, Optional

from app.errors import MAX_ID
from app import clock
from app.security import personal
from app.security.crypto import Encrypted
from app.operations.exports import MAX_ROWS, workbook_bytes
from app.extensions import db
from app.rules import RuleError, db_errors
from app.security.scope import ScopeViolation, current_school_scope
from app.views.filters import ShowsFilters
from app.fab.speedups import equality_only, estimated_count


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

    def get(self, id, filters=None, select_columns=None, outer_default_load=False):
        """A record, read once per page: FAB's show, the access log and each view's show-page
        hooks all ask for it. Remembered for the rest of a GET request only (a write request
        reads afresh), and a read with the view's filters is never answered by one without."""
        if select_columns or not has_request_context() or request.method not in ("GET", "HEAD"):
            return super().get(id, filters, select_columns, outer_default_load)
        memo = g.setdefault("aid_records_read", {})
        filtered = bool(filters and filters.filters)
        key = (self.obj, str(id))
        if key in memo and (memo[key][0] or not filtered):
            return memo[key][1]
        item = super().get(id, filters, select_columns, outer_default_load)
        memo[key] = (filtered, item)
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


def _none_for_blank(value):
    return value or None


def choice_field(label, choices, required=True, description="", validate_choice=True, blank_is_none=False,
                 default=None):
    """A select box of codes with their labels; "—" chooses nothing: with ``blank_is_none`` (a form that
    writes a record) nothing is stored as NULL, as the column's CHECK of its codes expects, not as ''."""
    return SelectField(
        label,
        default=default,
        choices=[("", "—")] + list(choices),
        validate_choice=validate_choice,
        validators=[InputRequired()] if required else [Optional()],
        widget=Select2Widget(),
        description=description,
        filters=(_none_for_blank,) if blank_is_none else (),
    )


def _model(cls):
    datamodel = getattr(cls, "datamodel", None)
    return getattr(datamodel, "obj", None)


def money(value):
    """Yuan with thousands separators and fen: 1,234,567.80."""
    return "" if value is None else f"{value:,.2f}"


def listed(records):
    """Several related records as a person reads them: 身份证、户口簿 (a Python list would show its repr)."""
    names = [str(record) for record in records or ()]
    return "、".join(names) if names else "—"


DATE_TIME_FORMATS = ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def date_time_field(label, description=None, required=True):
    """A date and time typed as 2021-09-01 08:30 (seconds may be given); the county's clock."""
    from flask_appbuilder.fieldwidgets import DateTimePickerWidget
    from wtforms import DateTimeField

    return DateTimeField(label, format=DATE_TIME_FORMATS, widget=DateTimePickerWidget(),
                         validators=[InputRequired() if required else Optional()],
                         description=_l("Date and time, as 2021-09-01 08:30.") if description is None else description,
                         render_kw={"placeholder": "2021-09-01 08:30", "autocomplete": "off"})


def _column_setup(cls):
    """Give the view class select fields and labels for the model's coded columns,
    and dates in 2021-09-01 form."""
    model = _model(cls)
    if model is None:
        return
    formatters = dict(getattr(cls, "formatters_columns", None) or {})
    for column in model.__table__.columns:
        if column.key in personal.MASKS:
            # ID, card and phone numbers, and the birth date beside the ID number: masked unless this
            # request may show them in full (app/security/personal.py)
            formatters[column.key] = personal.formatter(column.key)
        elif isinstance(column.type, DateTime):
            formatters.setdefault(column.key, lambda v: v.strftime("%Y-%m-%d %H:%M") if v else "")
        elif isinstance(column.type, Date):
            formatters.setdefault(column.key, lambda v: v.isoformat() if v else "")
        elif isinstance(column.type, Boolean):
            formatters.setdefault(column.key, lambda v: str(_l("Yes")) if v else str(_l("No")))
        elif isinstance(column.type, Numeric):
            formatters.setdefault(column.key, money)
        else:
            formatters.setdefault(column.key, lambda v: "" if v is None else v)
    for rel in sa_inspect(model).relationships:
        if rel.direction is RelationshipDirection.MANYTOONE or not rel.uselist:
            formatters.setdefault(rel.key, lambda v: "" if v is None else v)
        else:
            formatters.setdefault(rel.key, listed)
    cls.formatters_columns = formatters
    labels = dict(getattr(cls, "label_columns", None) or {})
    labels.setdefault("created_at", _l("Created at"))
    labels.setdefault("updated_at", _l("Updated at"))
    cls.label_columns = labels
    descriptions = dict(getattr(cls, "description_columns", None) or {})
    for attr in ("add_form_extra_fields", "edit_form_extra_fields"):
        fields = dict(getattr(cls, attr, None) or {})
        for column in model.__table__.columns:
            # Flask-AppBuilder makes a NOT NULL boolean "required": an unticked box would fail.
            if isinstance(column.type, Boolean) and column.key not in fields:
                default = column.default.arg if column.default is not None and not callable(column.default.arg) else False
                # a box whose column defaults to true starts ticked (a new report task is active)
                fields[column.key] = BooleanField(
                    labels.get(column.key, column.key), description=descriptions.get(column.key, ""),
                    default=bool(default),
                )
            elif isinstance(column.type, DateTime) and column.key not in fields:
                fields[column.key] = date_time_field(labels.get(column.key, column.key),
                                                     descriptions.get(column.key), required=not column.nullable)
        setattr(cls, attr, fields)
    search_fields = dict(getattr(cls, "search_form_extra_fields", None) or {})
    for column in getattr(cls, "text_search_relations", {}):
        search_fields.setdefault(column, StringField(labels.get(column, column)))
    cls.search_form_extra_fields = search_fields
    choices = getattr(model, "__choices__", {})
    if not choices:
        return
    optional = set(getattr(cls, "optional_columns", ()))
    for attr in ("add_form_extra_fields", "edit_form_extra_fields", "search_form_extra_fields"):
        fields = dict(getattr(cls, attr, None) or {})
        for column, choice in choices.items():
            required = (
                not model.__table__.c[column].nullable
                and column not in optional
                and attr != "search_form_extra_fields"
            )
            fields.setdefault(column, choice_field(labels.get(column, column), choice, required,
                                                   blank_is_none=attr != "search_form_extra_fields"))
        setattr(cls, attr, fields)
    for column, choice in choices.items():
        if formatters.get(column) is None or getattr(formatters[column], "__name__", "") == "<lambda>":
            formatters[column] = choice.label


def _dash_for_blank(form_cls):
    """An optional relation offers "—" for none (Flask-AppBuilder shows its internal "__None")."""
    from flask_appbuilder.fields import QuerySelectField

    for name in dir(form_cls):
        unbound = getattr(form_cls, name, None)
        if getattr(unbound, "field_class", None) is QuerySelectField and unbound.kwargs.get("allow_blank"):
            unbound.kwargs.setdefault("blank_text", "—")
            if not unbound.kwargs["blank_text"]:
                unbound.kwargs["blank_text"] = "—"


def version_of(item):
    """The version of a record, as forms and the API's ETag carry it: its updated_at, or for a
    record without one (an instalment, a score) a digest of everything it holds."""
    if "updated_at" in sa_inspect(type(item)).columns:
        value = getattr(item, "updated_at", None)
        return value.isoformat() if value is not None else ""
    import hashlib

    values = repr([(c.key, getattr(item, c.key)) for c in sa_inspect(type(item)).column_attrs])
    return "d" + hashlib.sha256(values.encode()).hexdigest()[:32]


def stale_message(item):
    from sqlalchemy import select

    from app.models.audit import AuditEntry

    last = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == item.__tablename__,
                                                       AuditEntry.record_id == item.id,
                                                       AuditEntry.action.in_(("update", "status")))
                              .order_by(AuditEntry.id.desc())).first()
    who = f"{last.username}（{clock.local(last.at).strftime('%Y-%m-%d %H:%M')}）" if last is not None else ""
    return str(_l("Someone else changed this record after you opened it%(who)s: your changes were not saved. "
                  "Open it again to see the current version.", who=f"：{who}" if who else ""))


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


def _readable_hook(hook):
    """A view's pre_add/pre_update/pre_delete whose query makes the session flush a refused change:
    Flask-AppBuilder would flash the exception's own text (its SQL and values); it reads as a rule's
    refusal in Chinese instead."""
    if getattr(hook, "readable", False):
        return hook

    @wraps(hook)
    def guarded(self, item):
        try:
            return hook(self, item)
        except SQLAlchemyError as exc:
            db.session.rollback()
            raise db_errors.readable(exc, self.datamodel.obj) from None

    guarded.readable = True
    return guarded


class AidListWidget(ListWidget):
    template = "aid/widgets/list.html"


class AidModelView(ShowsFilters, ModelView):
    """Base of the CRUD screens."""

    # shown after the reason itself (see AidInterface._readable), instead of "database error"
    database_error_message = _l("The record was not saved.")

    page_size = 25
    list_template = "aid/list.html"
    list_widget = AidListWidget
    # Bulk delete is allowed to whoever may delete one record.
    method_permission_name = {"muldelete": "delete"}
    # staticmethod(fn(record)) from app/rules, run on the form before saving.
    rule_check = None
    # Relations searched by typed text instead of a dropdown of every row: {column: filter class}.
    text_search_relations = {}
    # Unique columns whose uniqueness the rule checks county-wide, with a better message.
    unique_by_rules = ()
    # Coded columns that may be left empty on the form (the rules fill them in).
    optional_columns = ()
    # Pupils' personal data: every look at a record and every export is written to the audit trail.
    personal_data = False
    # The export's columns when they are more than the list's (a list sent upward carries the 学籍号).
    export_columns = None
    show_template = "aid/show.html"
    # fn(self, pks) -> {pk: set of "edit", "delete" and the view's own row controls}: a row shows only
    # those (the list's edit and delete buttons too); None: every row shows what the permissions allow.
    row_controls = None

    def _masked_columns(self, columns):
        model = self.datamodel.obj
        return [c for c in columns if c in personal.MASKS and c in model.__table__.c
                and isinstance(model.__table__.c[c].type, Encrypted)]

    def _may_reveal(self):
        return bool(self._masked_columns(self.show_columns)) and self.appbuilder.sm.has_access(
            personal.REVEAL, self.class_permission_name)

    def _show(self, pk):
        """A record's page: personal data in full to those who may see it all (the look is recorded),
        to those who may reveal it after an explicit 显示完整号码 (recorded as such), else masked."""
        from app.security.audit import record_access

        full = personal.may_see_all()
        revealing = not full and request.args.get("reveal") == "1" and self._may_reveal()
        widgets = super()._show(pk)
        item = self.datamodel.get(pk)
        if self.personal_data and item is not None:
            record_access("view", self.datamodel.obj.__tablename__, [item.id], str(item),
                          school_id=getattr(item, "school_id", None))
        if revealing and item is not None:
            fields = self._masked_columns(self.show_columns)
            record_access("view", self.datamodel.obj.__tablename__, [item.id],
                          f"{REVEALED}：{str(item)[:200]}：{'、'.join(str(self.label_columns.get(f, f)) for f in fields)}",
                          school_id=getattr(item, "school_id", None))
        personal.show_in_full(full or revealing)
        return widgets

    def _edit(self, pk):
        """The edit form holds the full numbers: opening it is a reveal, and recorded."""
        if request.method == "GET" and self._masked_columns(self.edit_columns):
            from app.security.audit import record_access

            item = self.datamodel.get(pk)
            if item is not None:
                record_access("view", self.datamodel.obj.__tablename__, [item.id],
                              f"{REVEALED}：{str(item)[:200]}（编辑）", school_id=getattr(item, "school_id", None))
        return super()._edit(pk)

    def _sortable(self, order_column):
        """A list is sorted only by a column it shows as sortable: sorting by one it hides (the
        complainant's name) would tell the hidden values by where the rows land."""
        return order_column in (self.order_columns or ()) and order_column in (self.list_columns or ())

    def _get_list_widget(self, filters, order_column="", order_direction="", **kwargs):
        if order_column and not self._sortable(order_column):
            order_column, order_direction = "", ""  # the list's own order
        widgets = super()._get_list_widget(filters, order_column=order_column, order_direction=order_direction,
                                           **kwargs)
        if self.row_controls is not None:
            args = widgets["list"].template_args
            args["row_controls"] = {str(pk): controls for pk, controls in self.row_controls(args["pks"]).items()}
        return widgets

    @expose("/export/")
    @has_access
    def export(self):
        """The rows matching the current search, all pages, as an .xlsx file."""
        get_filter_args(self._filters)
        order_column, order_direction = self.base_order or ("", "")
        orders = get_order_args().get(self.__class__.__name__)
        if orders and self._sortable(orders[0]):
            order_column, order_direction = orders
        _, items = self.datamodel.query(
            self._filters, order_column, order_direction, page=0, page_size=MAX_ROWS
        )
        columns = self.export_columns or self.list_columns
        headers = [self.label_columns.get(c, c) for c in columns]

        def value(item, column):
            raw = item
            for name in column.split("."):  # a related record's column ("item.max_score") as the list shows it
                raw = getattr(raw, name, None) if raw is not None else None
            if isinstance(raw, Decimal):
                return raw  # a number in the sheet, so it can be summed
            if isinstance(raw, Markup):
                return raw.striptags()  # a link on screen, its text in the sheet
            formatter = self.formatters_columns.get(column)
            leaf = column.rsplit(".", 1)[-1]
            if formatter is None and leaf in personal.MASKS:
                formatter = personal.formatter(leaf)  # a related record's number ("student.student_number")
            return formatter(raw) if formatter else raw

        # in full only for those who may see all (the export is recorded with its records)
        personal.show_in_full(personal.may_see_all())
        if self.personal_data:
            from app.security.audit import record_access

            # written in this transaction and committed once the file is built: a commit before would
            # expire every row read and load them again one by one
            record_access("export", self.datamodel.obj.__tablename__, [item.id for item in items],
                          f"{self.list_title}：{len(items)}", commit=False)
        rows = ([value(item, c) for c in columns] for item in items)
        data = workbook_bytes(self.list_title, headers, rows)
        db.session.commit()
        name = f"{self.list_title}-{date.today().isoformat()}.xlsx"
        return send_file(BytesIO(data), as_attachment=True, download_name=name,
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    def render_template(self, template, **kwargs):
        kwargs.setdefault("can_export", self.appbuilder.sm.has_access("can_export", self.class_permission_name))
        kwargs.setdefault("view_name", type(self).__name__)
        kwargs.setdefault("audit_entity", self.datamodel.obj.__tablename__)
        if template == self.show_template:
            kwargs.setdefault("pd_revealable", not personal.in_full() and self._may_reveal())
        return super().render_template(template, **kwargs)

    @_readable_hook
    def pre_delete(self, item):
        """Refuse to delete a record that others still refer to, and say which."""
        for rel in sa_inspect(type(item)).relationships:
            if rel.direction is not RelationshipDirection.ONETOMANY:
                continue
            count = len(getattr(item, rel.key))
            if count:
                label = self.label_columns.get(rel.key) or rel.mapper.class_.__name__
                raise ValueError(
                    str(_l("%(n)d %(what)s still refer to this record; it cannot be deleted.", n=count, what=label))
                )

    def apply_step(self, items, step, done_message):
        """Apply a workflow step (a rule function that may raise RuleError) to each selected record.

        Each record is committed on its own, so one refusal does not stop the
        others; every refusal is shown with the record it concerns.
        """
        items = [i for i in (items if isinstance(items, list) else [items]) if i is not None]
        done, refused = 0, []
        for item in items:
            try:
                step(item)
                db.session.commit()
                done += 1
            except RuleError as exc:
                db.session.rollback()
                refused.append(f"{item}：{exc}")
            except SQLAlchemyError as exc:  # refused by the database itself: said as the forms say it
                db.session.rollback()
                refused.append(f"{item}：{db_errors.readable(exc, type(item))}")
        if done:
            flash(done_message % {"n": done}, "success")
        for line in refused[:20]:
            flash(line, "danger")
        self.update_redirect()
        return redirect(self.get_redirect())

    @action("muldelete", _l("Delete"), _l("Delete all the selected records?"), "fa-trash", single=False)
    def muldelete(self, items):
        # a single-record action call passes the record itself (None when out of reach)
        items = [item for item in (items if isinstance(items, list) else [items]) if item is not None]
        try:
            for item in items:
                self.pre_delete(item)
        except ValueError as exc:
            flash(str(exc), "danger")
            return redirect(self.get_redirect())
        try:
            self.datamodel.delete_all(items)
            flash(_l("Deleted %(n)d records.", n=len(items)), "success")
        except RuleError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        except Exception:
            db.session.rollback()
            flash(_l("Records that others refer to cannot be deleted."), "danger")
        self.update_redirect()
        return redirect(self.get_redirect())

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _column_setup(cls)
        for name in ("pre_add", "pre_update", "pre_delete"):
            if name in cls.__dict__:
                setattr(cls, name, _readable_hook(cls.__dict__[name]))

    def _init_properties(self):
        _only_readable_search(self)
        super()._init_properties()
        replaced = {column: [cls(column, self.datamodel)] for column, cls in self.text_search_relations.items()}
        for column in getattr(self.datamodel.obj, "__choices__", {}):
            replaced[column] = [FilterEqual(column, self.datamodel), FilterNotEqual(column, self.datamodel)]
        # The search form offers _search_filters, the URL is read against _all_filters:
        # both must list the same filters in the same order.
        replaced.update(_hashed_filters(self.datamodel))
        for column, filters in replaced.items():
            for table in (self._filters._search_filters, self._filters._all_filters):
                if column in table:
                    table[column] = filters

    def prefill_form(self, form, pk):
        """The edit form carries the version of the record it shows (see _with_version)."""
        super().prefill_form(form, pk)
        if "row_version" in form:
            item = self.datamodel.get(pk)
            form.row_version.data = version_of(item)

    def _with_version(self, form_cls):
        """Two people editing one record: the second save is refused and the first change survives.

        The form holds the record's updated_at as it was when the form was opened; if the
        record changed since, the save is refused with who changed it and when.
        """
        view = self

        class VersionCheckedForm(form_cls):
            row_version = HiddenField()

            def validate(self, extra_validators=None):
                valid = super().validate(extra_validators=extra_validators)
                item = view.datamodel.get(getattr(self, "_id", None)) if getattr(self, "_id", None) is not None else None
                if item is not None and not self.row_version.data:
                    # no version, no save: a form without one could overwrite any change made since
                    flash(_l("This form does not say which version of the record it changes: open the record "
                             "again and save from there."), "danger")
                    return False
                if item is not None and self.row_version.data != version_of(item):
                    flash(stale_message(item), "danger")
                    return False
                return valid

        VersionCheckedForm.__name__ = form_cls.__name__
        return VersionCheckedForm

    def _init_forms(self):
        super()._init_forms()
        db_errors.LABELS.setdefault(self.datamodel.obj, {}).update(self.label_columns)  # the screen's names
        self.edit_form = self._with_version(self.edit_form)
        for form_cls in (self.add_form, self.edit_form, getattr(self, "search_form", None)):
            if form_cls is not None:
                _dash_for_blank(form_cls)
        if self.rule_check is not None:
            self.add_form = self._with_rules(self.add_form)
            self.edit_form = self._with_rules(self.edit_form)

    def _with_rules(self, form_cls):
        """A form class whose validate() also runs the model's rules.

        Flask-AppBuilder saves after validate() and, on a later error, redirects
        with the user's input lost; checking the rules inside validate() keeps
        the form on screen with each message beside its field.
        """
        view = self
        for name in self.unique_by_rules:
            unbound = getattr(form_cls, name, None)
            if unbound is not None:
                # Flask-AppBuilder's own Unique check sees only the user's school;
                # the rule checks the whole county and says where the duplicate is.
                unbound.kwargs["validators"] = [
                    v for v in unbound.kwargs.get("validators", []) if not isinstance(v, Unique)
                ]

        class RuleCheckedForm(form_cls):
            def validate(self, extra_validators=None):
                if not super().validate(extra_validators=extra_validators):
                    return False
                return view._rules_pass(self)

        RuleCheckedForm.__name__ = form_cls.__name__
        return RuleCheckedForm

    def _rules_pass(self, form):
        probe = self._probe(form)
        try:
            self.rule_check(probe)
        except RuleError as exc:
            for field, message in exc.errors.items():
                if field in form:
                    form[field].errors = list(form[field].errors) + [message]
                else:
                    flash(message, "danger")
            return False
        return True

    def _probe(self, form):
        """A detached stand-in for the record as it would be saved (nothing enters the session)."""
        model = self.datamodel.obj
        mapper = sa_inspect(model)
        values = {c.key: None for c in mapper.column_attrs}
        pk = getattr(form, "_id", None)
        if pk is not None:
            item = self.datamodel.get(pk)
            if item is not None:
                values.update({c.key: getattr(item, c.key) for c in mapper.column_attrs})
        for name, field in form._fields.items():
            if name in mapper.relationships:
                rel = mapper.relationships[name]
                if rel.direction is RelationshipDirection.MANYTOONE:
                    fk = next(iter(rel.local_columns)).key
                    values[fk] = field.data.id if field.data is not None else None
            elif name in values:
                values[name] = field.data
        if values.get("school_id") is None and "school_id" in values:
            values["school_id"] = current_school_scope()
        return SimpleNamespace(**values)


class AidModelApi(ModelRestApi):
    """Base of the REST resources: JWT only (no session cookie), readable errors."""

    allow_browser_login = False
    page_size = 25
    max_page_size = 100

    # Columns a client may leave out: the rules derive them (birth date and gender
    # from the ID number) or the scope fills them (an officer's own school).
    optional_columns = ()

    def _get_field_info(self, field, filter_rel_field, page=None, page_size=None):
        """Flask-AppBuilder translates a column without a description as gettext(""), which answers
        the translation catalogue's header: a column without one gets an empty text instead."""
        info = super()._get_field_info(field, filter_rel_field, page=page, page_size=page_size)
        for key, given in (("description", self.description_columns), ("label", self.label_columns)):
            if not given.get(field.name):
                info[key] = ""
        return info

    def _init_model_schemas(self):
        from app.views.related import strict_related

        super()._init_model_schemas()
        for schema in (self.add_model_schema, self.edit_model_schema):
            strict_related(schema)
            for name in self.optional_columns:
                if name in schema.fields:
                    schema.fields[name].required = False
                    schema.load_fields[name].required = False

    def response_422(self, message=None):
        from app.views.api_messages import translated

        return super().response_422(message=translated(message))

    def _guarded(self, call):
        try:
            return call()
        except RuleError as exc:
            db.session.rollback()
            return self.response_422(message=exc.errors)
        except ScopeViolation:
            db.session.rollback()
            return self.response_403()
        except IntegrityError:
            db.session.rollback()
            return self.response_422(message=str(_l("The record conflicts with an existing one.")))
        except DataError:
            # a number or text too large for its column (PostgreSQL refuses it; SQLite would not)
            db.session.rollback()
            return self.response_422(message=str(_l("A value is too large for this field.")))
        except (TypeError, ValueError, AttributeError, KeyError):
            # a body of the wrong shape (an object where an id belongs, say) is the client's mistake, not a 500
            db.session.rollback()
            return self.response_400(message=str(_l("The request body does not have the shape this resource takes.")))

    personal_data = False

    def _init_properties(self):
        _only_readable_search(self)
        super()._init_properties()
        for column, filters in _hashed_filters(self.datamodel).items():
            for table in (self._filters._search_filters, self._filters._all_filters):
                if column in table:
                    table[column] = filters

    def _handle_order_args(self, rison_args):
        """Sorted only by a column of ``order_columns`` (Flask-AppBuilder takes any when none is named)."""
        from flask_appbuilder.exceptions import InvalidOrderByColumnFABException

        column = rison_args.get("order_column", "") if isinstance(rison_args, dict) else ""
        if column and column not in (self.order_columns or ()):
            raise InvalidOrderByColumnFABException(str(_l("This list cannot be sorted by %(column)s.", column=column)))
        return super()._handle_order_args(rison_args)

    def _handle_filters_args(self, rison_args):
        """Filtered only on a column of ``search_columns``, refused in Chinese otherwise."""
        from flask_appbuilder.exceptions import InvalidColumnFilterFABException

        filters = rison_args.get("filters", []) if isinstance(rison_args, dict) else []
        for item in filters if isinstance(filters, list) else [filters]:
            column = item.get("col") if isinstance(item, dict) else None
            if column not in (self.search_columns or ()):
                raise InvalidColumnFilterFABException(str(_l("This list cannot be filtered by %(column)s.",
                                                             column=column)))
        return super()._handle_filters_args(rison_args)

    def response(self, code, **kwargs):
        """Every answer of every resource (a record, a list, the record a PUT or a POST saved, ``_info``,
        an error): ID, card and phone numbers and the birth date masked for those who may not see them
        in full (app/security/personal.py)."""
        return super().response(code, **personal.mask_payload(kwargs))

    def _record_read(self, response, pk=None):
        """The answer to a PUT or a POST shows the record saved: for those who see personal data in
        full, that is a read of it, written to the audit trail as a GET's is."""
        if response.status_code not in (200, 201) or not personal.may_see_all() or not has_request_context():
            return response
        data = response.get_json(silent=True) or {}
        pk = pk if pk is not None else data.get("id")
        if pk is not None and (self.personal_data or personal.carries_personal(data.get("result"))):
            from app.security.audit import record_access

            record_access("view", self.datamodel.obj.__tablename__, [int(pk)], f"API {self.resource_name}")
        return response

    def _step_request(self, pk):
        """A step endpoint's record (through the scope) and posted JSON object: (record, body, None), or
        (None, None, the answer to give: 404 for a record not found, 400 for a body of another shape)."""
        record = None if self._out_of_range(pk) else self.datamodel.get(pk, self._base_filters)
        if record is None:
            return None, None, self.response_404()
        body = request.get_json(silent=True) or {}
        if not isinstance(body, dict):
            return None, None, self.response_400(
                message=str(_l("The request body does not have the shape this resource takes.")))
        return record, body, None

    def take_step(self, pk, run):
        """A workflow step posted as JSON: the record through the scope (404), the body an object (400),
        ``run(record, body)`` refused by its rules (422 with the reasons), else the record's new state."""
        record, body, refused = self._step_request(pk)
        if refused is not None:
            return refused
        try:
            run(record, body)
            db.session.commit()
        except RuleError as exc:
            db.session.rollback()
            return self.response_422(message=exc.errors)
        return self.response(200, id=record.id, status=record.status)

    @staticmethod
    def _out_of_range(pk):
        """An id no row can have (past the database's integers) is simply not found, not a 500."""
        try:
            return not 0 <= int(pk) <= MAX_ID
        except (TypeError, ValueError):
            return True

    def get_headless(self, pk, **kwargs):
        if self._out_of_range(pk):
            return self.response_404()
        response = super().get_headless(pk, **kwargs)
        if response.status_code == 200 and "updated_at" in sa_inspect(self.datamodel.obj).columns:
            item = self.datamodel.get(pk, self._base_filters)
            if item is not None:
                response.headers["ETag"] = f'"{version_of(item)}"'

        if self.personal_data and response.status_code == 200:
            from app.security.audit import record_access

            record_access("view", self.datamodel.obj.__tablename__, [int(pk)], f"API {self.resource_name}")
        return response

    def get_list_headless(self, **kwargs):
        response = super().get_list_headless(**kwargs)
        if self.personal_data and response.status_code == 200:
            from app.security.audit import record_access

            ids = (response.get_json(silent=True) or {}).get("ids") or []
            if ids:
                record_access("view", self.datamodel.obj.__tablename__, ids, f"API {self.resource_name}：{len(ids)}")
        return response

    def post_headless(self):
        return self._record_read(self._guarded(super().post_headless))

    def put_headless(self, pk):
        """A change must name the version it changes (If-Match: the ETag of the GET), or it is refused."""
        from flask import request

        if self._out_of_range(pk):
            return self.response_404()
        if "updated_at" in sa_inspect(self.datamodel.obj).columns:
            item = self.datamodel.get(pk, self._base_filters)
            if item is None:
                return self.response_404()
            sent = (request.headers.get("If-Match") or "").strip().strip('"').removeprefix('W/"')
            if not sent:
                return self.response(428, message=str(_l("Send If-Match with the ETag of the record you read.")))
            if sent != version_of(item):
                return self.response(409, message=stale_message(item), etag=version_of(item))
        return self._record_read(self._guarded(lambda: super(AidModelApi, self).put_headless(pk)), pk)

    def delete_headless(self, pk):
        if self._out_of_range(pk):
            return self.response_404()
        return self._guarded(lambda: super(AidModelApi, self).delete_headless(pk))
