"""The base of the CRUD screens: masked personal data and the record of each look at it, rule-
and version-checked forms, lists sorted and searched only by what they show, the export, and
workflow steps applied to the selected rows."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import wraps
from io import BytesIO
from types import SimpleNamespace

from flask import flash, redirect, request, send_file
from markupsafe import Markup
from flask_appbuilder import expose, has_access
from flask_appbuilder.urltools import get_filter_args, get_order_args
from flask_appbuilder.actions import action
from flask_appbuilder import ModelView
from flask_appbuilder.validators import Unique
from flask_appbuilder.widgets import ListWidget
from flask_appbuilder.models.sqla.filters import FilterEqual, FilterNotEqual
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import RelationshipDirection
from wtforms import HiddenField

from app.security import personal
from app.security.crypto import Encrypted
from app.operations.exports import MAX_ROWS, workbook_bytes
from app.extensions import db
from app.rules import RuleError, db_errors
from app.security.scope import current_school_scope
from app.views.base.access import REVEALED, _hashed_filters, _only_readable_search
from app.views.base.columns import _column_setup
from app.views.base.forms import _dash_for_blank
from app.views.base.request_filters import FiltersPerRequest
from app.views.base.versions import stale_message, version_of
from app.views.filters import ShowsFilters


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


class AidModelView(FiltersPerRequest, ShowsFilters, ModelView):
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
        if item is not None:  # the header, headings and wide fields of the page (app/views/records.py)
            from app.views import records

            widgets["record_head"] = records.record_head(self, item)
            args = widgets["show"].template_args
            args["sections"], args["wide_columns"] = records.sections(self), records.wide_columns(self)
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
