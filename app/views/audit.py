"""审计日志 screens: search the whole trail, and one record's history.  Read-only for everyone:
there is no add, edit or delete, and the trail refuses changes below the screens too."""
import json

from flask import current_app
from flask_appbuilder import expose, has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models.audit import AuditEntry
from app.views.base import AidInterface, AidModelView


def entity_label(table):
    """The name users know a table by: the title of its list screen."""
    labels = getattr(current_app, "_aid_entity_labels", None)
    if labels is None:
        labels = {"ab_user": str(_l("User accounts")), "publicity_photo": str(_l("Photos")),
                  "complaint_step": str(_l("Handling timeline")), "loan_event": str(_l("History")),
                  "school_year_turnover": str(_l("School-year turnover")), "letter_part": str(_l("Paragraph")),
                  "letter_policy": str(_l("Policy in the letter to parents"))}
        for view in current_app.appbuilder.baseviews:
            model = getattr(getattr(view, "datamodel", None), "obj", None)
            if model is not None and getattr(view, "list_title", None) and hasattr(model, "__tablename__"):
                labels.setdefault(model.__tablename__, str(view.list_title))
        current_app._aid_entity_labels = labels
    return labels.get(table, table)


def changes_text(value):
    if not value:
        return ""
    data = json.loads(value)
    parts = []
    for key, change in data.items():
        if isinstance(change, list) and len(change) == 2:
            parts.append(f"{key}: {change[0]} → {change[1]}")
        else:
            parts.append(f"{key}: {change}")
    return "；".join(parts)


class AuditView(AidModelView):
    datamodel = AidInterface(AuditEntry)
    list_title = _l("Audit trail")
    show_title = _l("Audit entry")
    label_columns = {"at": _l("When (UTC)"), "username": _l("Done by"), "ip": _l("From address"), "action": _l("Action"),
                     "entity": _l("Record kind"), "record_id": _l("Record"), "school_id": _l("School"),
                     "summary": _l("Record"), "changes": _l("Fields: old → new"), "prev_hash": _l("Previous hash"),
                     "hash": _l("Hash")}
    list_columns = ["at", "username", "ip", "action", "entity", "record_id", "summary"]
    show_columns = ["at", "username", "ip", "action", "entity", "record_id", "summary", "changes", "prev_hash", "hash"]
    search_columns = ["at", "username", "ip", "action", "entity", "record_id", "summary"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_export", "can_history"]
    formatters_columns = {"entity": entity_label, "changes": changes_text}
    show_template = "appbuilder/general/model/show.html"

    @expose("/history/<entity>/<int:record_id>")
    @has_access
    def history(self, entity, record_id):
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == entity,
                                                              AuditEntry.record_id == record_id)
                                     .order_by(AuditEntry.id.desc()).limit(500)).all()
        return self.render_template("aid/audit_history.html", title=_l("History of this record"), entries=entries,
                                    entity=entity_label(entity), record_id=record_id, changes_text=changes_text)
