"""The base of the REST resources: JWT only, rule errors as 422 in Chinese, scope violations as 403,
versions by ETag and If-Match, masked personal data and the record of each look at it, and
workflow steps posted as JSON."""
from __future__ import annotations

from flask import has_request_context, request
from flask_appbuilder import ModelRestApi
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DataError, IntegrityError

from app.errors import MAX_ID
from app.security import personal
from app.extensions import db
from app.rules import RuleError
from app.security.scope import ScopeViolation
from app.views.base.access import _hashed_filters, _only_readable_search
from app.views.base.request_filters import FiltersPerRequest
from app.views.base.versions import stale_message, version_of


class AidModelApi(FiltersPerRequest, ModelRestApi):
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
        (None, None, the answer to give: 404 for a record not found, 400 for no JSON body or a body of
        another shape, as Flask-AppBuilder's own POST and PUT answer; ``{}`` is an object, and what it
        lacks the step's rules say, with 422)."""
        record = None if self._out_of_range(pk) else self.datamodel.get(pk, self._base_filters)
        if record is None:
            return None, None, self.response_404()
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return None, None, self.response_400(
                message=str(_l("The request body does not have the shape this resource takes.")))
        return record, body, None

    def take_step(self, pk, run, shown=()):
        """A workflow step posted as JSON: the record through the scope (404), the body an object (400),
        ``run(record, body)`` refused by its rules (422 with the reasons), else the record's new state
        (its id, its status and the fields named in ``shown``)."""
        record, body, refused = self._step_request(pk)
        if refused is not None:
            return refused
        try:
            run(record, body)
            db.session.commit()
        except RuleError as exc:
            db.session.rollback()
            return self.response_422(message=exc.errors)
        return self.response(200, id=record.id, status=record.status, **{name: getattr(record, name) for name in shown})

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
