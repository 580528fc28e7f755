"""审计日志 screens: search the whole trail, one record's history, and the verification of the
chain (the auditor's 核验 button).  Read-only for everyone: there is no add, edit or delete, and
the trail refuses changes below the screens too; the verification only appends an anchor to the
anchor file (app/security/audit.py), so it is a POST with a permission of its own."""
import json
import re

from flask import current_app, request
from flask_appbuilder import expose, has_access
from flask_babel import lazy_gettext as _l
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.orm import RelationshipDirection

from app import clock
from app.security import audit
from app.extensions import db
from app.models.audit import AUDIT_ACTIONS, AuditEntry
from app.models.choices import STAGES
from app.models.people import person_and_login, person_name
from app.rules.db_errors import entity_label, entity_view as _entity_view
from app.views.base import AidInterface, AidModelView


ISO_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2}(\.\d+)?)?$")


# Fields the trail records that no screen labels (kept by the rules, or of tables without a screen)
FIELD_LABELS = {"needs_review": _l("To be reviewed"), "shared_with_school": _l("Shared with the school")}
TABLE_FIELD_LABELS = {
    "loan_event": {"from_status": _l("Status before"), "to_status": _l("Status after"), "user_id": _l("By"),
                   "at": _l("When"), "comment": _l("Comment")},
    "complaint_step": {"action": _l("Step"), "from_status": _l("Status before"), "to_status": _l("Status after"),
                       "user_id": _l("By"), "at": _l("When"), "comment": _l("Comment")},
    "verification_run": {"kind": _l("List"), "school_year": _l("School year"), "scope": _l("Scope of the list"),
                         "covered": _l("Towns or schools listed"), "listed": _l("Pupils on the list"),
                         "gained": _l("Gained"), "lost": _l("Lost"), "created": _l("Identifications created"),
                         "applied_at": _l("Applied at"), "applied_by_id": _l("Applied by"),
                         "undone_at": _l("Undone at"), "undone_by_id": _l("Undone by")},
    "school_year_turnover": {"from_year": _l("From school year"), "to_year": _l("To school year"),
                             "applied_at": _l("Applied at"), "applied_by_id": _l("Applied by"),
                             "promoted": _l("Pupils moved up a grade"), "graduated": _l("Pupils graduated"),
                             "identifications": _l("Identifications carried forward"),
                             "semesters": _l("Semesters created")},
    "report_task": {"template_name": _l("Template"), "issued_by_id": _l("Issued by")},
    "submission": {"submitted_by_id": _l("Submitted by"), "reviewed_by_id": _l("Reviewed by")},
    "publicity_photo": {"name": _l("File name")},
    "demo_account": {"user_id": _l("Demo account")},
    # 认定程序: the rows of an application's page and of a notice's page (no list screen of their own)
    "identification_family_member": {"relation": _l("Relation"), "name": _l("Name"), "age": _l("Age"),
                                     "occupation": _l("Work or school"), "yearly_income": _l("Yearly income (yuan)")},
    "identification_evidence": {"name": _l("File name"), "description": _l("What it shows"),
                                "uploaded_at": _l("Uploaded at")},
    "identification_objection": {"received_on": _l("Received on"), "content": _l("Objection"), "answer": _l("Answer"),
                                 "answered_on": _l("Answered on")},
}
# Fields the trail shows no line for: the record's own number (the entry names it), keyed hashes
# (a search key of an encrypted number, meaningless to a person), where a file is stored (its name
# is shown), a batch line's copies of its award's id (kept unique so that an award is in one open
# batch and paid once), and the undo data of an applied verification list
NOT_SHOWN = re.compile(r"^id$|_hash$|^path$|_path$|^(open|paid)_award_id$")
TABLE_NOT_SHOWN = {"verification_run": {"changes"}}


def _model_of(table):
    """The mapped class of a table (for a table without a screen of its own)."""
    for mapper in db.Model.registry.mappers:
        if mapper.local_table is not None and mapper.local_table.name == table:
            return mapper.class_
    return None


def _generated(key, label):
    """A label Flask-AppBuilder made up from the column's name ("School Id"): no label at all."""
    return isinstance(label, str) and label == re.sub("[._]", " ", key).title()


class _Reader:
    """Turns one table's recorded changes into what a user reads: the screen's field labels,
    coded values by their label, related records by name, times as 2021-09-01 08:30."""

    def __init__(self, entity):
        view = _entity_view(entity) if entity else None
        self.model = getattr(getattr(view, "datamodel", None), "obj", None)
        if self.model is None and entity:
            self.model = _model_of(entity)
        self.labels = {key: label for key, label in (getattr(view, "label_columns", None) or {}).items()
                       if not _generated(key, label)}
        self.labels.update(TABLE_FIELD_LABELS.get(entity, {}))
        self.hidden = TABLE_NOT_SHOWN.get(entity, set())
        self.choices = dict(getattr(self.model, "__choices__", {})) if self.model is not None else {}
        if entity == "verification_run":
            from app.models.verification import LIST_KINDS

            self.choices["kind"] = LIST_KINDS
        self.related = {}
        if self.model is not None:
            for rel in sa_inspect(self.model).relationships:
                if rel.direction is RelationshipDirection.MANYTOONE and len(rel.local_columns) == 1:
                    column = next(iter(rel.local_columns))
                    self.related[column.key] = (rel.key, rel.mapper.class_)
        self.names = {}

    def label(self, key):
        """The field's label on its screen; a related record's, or the name of the list it is on;
        the trail's own label of a field no screen shows."""
        if key in self.labels:
            return str(self.labels[key])
        if key in self.related:
            rel, model = self.related[key]
            if rel in self.labels:
                return str(self.labels[rel])
            if key not in FIELD_LABELS and hasattr(model, "__tablename__"):
                return entity_label(model.__tablename__)
        if key in FIELD_LABELS:
            return str(FIELD_LABELS[key])
        return key

    def value(self, key, value):
        if value is None or value == "":
            return "—"
        if key in self.choices:
            return self.choices[key].label(value)
        if isinstance(value, bool):
            return str(_l("Yes")) if value else str(_l("No"))
        if key in self.related and isinstance(value, int):
            cache_key = (key, value)
            if cache_key not in self.names:
                record = db.session.get(self.related[key][1], value)
                if isinstance(record, User):
                    record = person_name(record)
                self.names[cache_key] = f"{record}" if record is not None else f"#{value}"
            return self.names[cache_key]
        if key == "stages" and isinstance(value, str):
            return "、".join(STAGES.label(code) for code in value.split(",") if code)
        if isinstance(value, str):
            match = ISO_TIME.match(value)
            if match:
                return f"{match.group(1)} {match.group(2)}"
        return str(value)

    def text(self, changes):
        if not changes:
            return ""
        parts = []
        for key, change in json.loads(changes).items():
            if NOT_SHOWN.search(key) or key in self.hidden:
                continue
            if isinstance(change, list) and len(change) == 2:
                parts.append(f"{self.label(key)}：{self.value(key, change[0])} → {self.value(key, change[1])}")
            else:
                parts.append(f"{self.label(key)}：{self.value(key, change)}")
        return "；".join(parts)


def changes_text(value, entity=None):
    """``{"status": ["proposed", "approved"]}`` as 状态：拟资助 → 已审核 (labels of the table's screen)."""
    return _Reader(entity).text(value)


API_READ = re.compile(r"^API (\w+)")


def summary_text(value):
    """A read through the REST API is recorded as ``API award：3``: shown with the list's name (API 资助名单：3)."""
    match = API_READ.match(value or "")
    if match:
        for view in current_app.appbuilder.baseviews:
            if getattr(view, "resource_name", None) == match.group(1) and getattr(view, "datamodel", None):
                return f"API {entity_label(view.datamodel.obj.__tablename__)}{value[match.end():]}"
    return value


class AuditView(AidModelView):
    datamodel = AidInterface(AuditEntry)
    list_title = _l("Audit trail")
    show_title = _l("Audit entry")
    label_columns = {"at": _l("When"), "done_by": _l("Done by"), "username": _l("Login name"), "ip": _l("From address"),
                     "action": _l("Kind of operation"), "entity": _l("Record kind"), "record_id": _l("Record number"),
                     "school_id": _l("School"),
                     "summary": _l("Record"), "changes": _l("Fields: old → new"), "prev_hash": _l("Previous hash"),
                     "hash": _l("Hash")}
    list_columns = ["at", "done_by", "ip", "action", "entity", "record_id", "summary"]
    show_columns = ["at", "done_by", "ip", "action", "entity", "record_id", "summary", "changes", "prev_hash", "hash"]
    search_columns = ["at", "username", "ip", "action", "entity", "record_id", "summary"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_export", "can_history", "can_verify"]
    list_template = "aid/audit_list.html"
    formatters_columns = {"entity": entity_label, "changes": changes_text, "summary": summary_text,
                          "at": lambda v: clock.local(v).strftime("%Y-%m-%d %H:%M:%S") if v else ""}
    show_template = "appbuilder/general/model/show.html"

    def _get_show_widget(self, pk, item, widgets=None, actions=None, show_fieldsets=None):
        """The entry's page: its changes read with the labels of the table it concerns."""
        widgets = widgets or {}
        formatters = dict(self.formatters_columns, changes=lambda value: changes_text(value, item.entity))
        widgets["show"] = self.show_widget(
            pk=pk, label_columns=self.label_columns, include_columns=self.show_columns,
            value_columns=self.datamodel.get_values_item(item, self.show_columns), formatters_columns=formatters,
            actions=actions or self.actions, fieldsets=show_fieldsets or self.show_fieldsets,
            modelview_name=self.__class__.__name__)
        return widgets

    @expose("/history/<entity>/<int:record_id>")
    @has_access
    def history(self, entity, record_id):
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == entity,
                                                              AuditEntry.record_id == record_id)
                                     .order_by(AuditEntry.id.desc()).limit(500)).all()
        reader = _Reader(entity)
        ids = {e.user_id for e in entries if e.user_id}
        users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
        rows = [dict(at=clock.local(e.at), who=person_and_login(users.get(e.user_id), e.username), ip=e.ip or "",
                     action=e.action_label, changes=reader.text(e.changes)) for e in entries]
        return self.render_template("aid/audit_history.html", title=_l("History of this record"), rows=rows,
                                    entity=entity_label(entity), record_id=record_id)

    @expose("/verify", methods=["GET", "POST"])
    @has_access
    def verify(self):
        """GET: the button and the last anchor (reads nothing of the trail, writes nothing).
        POST (the form's CSRF token): walk the chain, hold it against the anchors, and anchor
        the verified head when it is intact."""
        verdict = broken = None
        if request.method == "POST":
            verdict = audit.verify_and_anchor(db.session)
            db.session.rollback()  # the walk only read
            if verdict.broken is not None:
                b = verdict.broken
                user = db.session.get(User, b["user_id"]) if b["user_id"] else None
                broken = dict(id=b["id"], at=clock.local(b["at"]), who=person_and_login(user, b["username"]), ip=b["ip"] or "",
                              action=AUDIT_ACTIONS.label(b["action"]), entity=entity_label(b["entity"]),
                              record_id=b["record_id"], summary=summary_text(b["summary"]))
            last_anchor = verdict.last_anchor
        else:
            anchors, _ = audit.read_anchors()
            last_anchor = max(anchors, key=lambda a: (a["id"], a["line"])) if anchors else None
        return self.render_template("aid/audit_verify.html", title=_l("Verification of the audit trail"),
                                    verdict=verdict, broken=broken, last_anchor=last_anchor,
                                    when=audit._when)
