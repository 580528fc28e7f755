"""Status tags: every workflow state shown as a coloured tag, in one colour scheme.

Five tones, the same across the product (lists, record pages, home pages):

* ``wait``  waiting for someone (proposed, submitted, awaiting approval) — orange;
* ``busy``  in progress (approved, under investigation, being rectified) — blue;
* ``done``  done (paid, accurate, filed, closed, settled) — green;
* ``off``   refused or voided (voided, rejected, returned, failed, withdrawn) — grey;
* ``late``  overdue — red, with the days overdue where the record knows its deadline.

``TONES`` maps each state vocabulary (a ``Choices`` of app/models) to the tone of each code; every
model column that uses one of them is a status column and is shown as a tag, without any view
naming it (``install_formatters``, called for each list and record page's view). ``status_tag``
is the same tag for any template (``{{ status_tag(record) }}``, ``{{ 'paid' | status_tag(award) }}``).
"""
from __future__ import annotations

import re
from datetime import datetime

from flask_babel import gettext
from markupsafe import Markup, escape

from app import clock

from app.models.budgets import BATCH_STATUSES, LINE_RESULTS
from app.models.choices import AWARD_STATUSES
from app.models.complaints import COMPLAINT_STATUSES
from app.models.funds import COMPLIANCE
from app.models.loans import LOAN_STATUSES
from app.models.printing import JOB_STATUSES
from app.models.procedure import APPLICATION_STATUSES, NOTICE_STATUSES
from app.models.reporting import SUBMISSION_STATUSES
from app.models.student import HANDOVER_STATUSES, STUDENT_STATUSES, TRANSFER_STATUSES
from app.models.supervision import INSPECTION_STATUSES, RECTIFICATION_STATUSES, RESULTS

WAIT, BUSY, DONE, OFF, LATE = "wait", "busy", "done", "off", "late"

TONES = {
    AWARD_STATUSES: {"proposed": WAIT, "approved": BUSY, "paid": DONE, "void": OFF},
    LOAN_STATUSES: {"pre_applied": WAIT, "accepted": WAIT, "approved": BUSY, "rejected": OFF, "contracted": BUSY,
                    "disbursed": BUSY, "graduated": BUSY, "repaying": BUSY, "settled": DONE, "overdue": LATE},
    COMPLAINT_STATUSES: {"registered": WAIT, "awaiting_approval": WAIT, "returned": OFF, "approved": BUSY,
                         "investigating": BUSY, "investigated": BUSY, "rectifying": BUSY, "rectified": BUSY,
                         "closed": DONE},
    SUBMISSION_STATUSES: {"submitted": WAIT, "accepted": DONE, "returned": OFF},
    INSPECTION_STATUSES: {"planned": WAIT, "done": DONE},
    RESULTS: {"good": DONE, "pass": BUSY, "fail": LATE},
    RECTIFICATION_STATUSES: {"none": OFF, "required": WAIT, "submitted": BUSY, "accepted": DONE, "reopened": WAIT},
    BATCH_STATUSES: {"open": WAIT, "exported": BUSY, "reconciled": DONE},
    LINE_RESULTS: {"pending": WAIT, "paid": DONE, "failed": OFF},
    APPLICATION_STATUSES: {"applied": WAIT, "assessed": BUSY, "reviewed": BUSY, "rejected": OFF, "published": BUSY,
                           "filed": DONE, "returned": OFF},
    NOTICE_STATUSES: {"published": BUSY, "submitted": WAIT, "filed": DONE, "returned": OFF},
    TRANSFER_STATUSES: {"pending": WAIT, "done": DONE, "returned": OFF},
    HANDOVER_STATUSES: {"pending": WAIT, "accepted": DONE, "declined": OFF, "withdrawn": OFF},
    JOB_STATUSES: {"queued": WAIT, "running": BUSY, "done": DONE, "failed": OFF, "expired": OFF},
    STUDENT_STATUSES: {"in_school": DONE, "suspended": WAIT, "dropped_out": LATE, "transferred_out": OFF,
                       "graduated": OFF},
    COMPLIANCE: {"below": LATE, "within": DONE, "above": WAIT, "unset": OFF},
}

# Records that know their deadline: {model name: (status column, deadline column, codes still open)}.
# Past the deadline in an open state, the tag turns red and says by how many days.
DEADLINES = {
    "Complaint": ("status", "due_on", None),  # due_on is None once closed
    "Inspection": ("rectification_status", "rectification_deadline", frozenset({"required", "reopened"})),
}

# Columns that are not a state vocabulary but read as one: a non-empty value is a red tag (已超期).
LATE_FLAGS = ("overdue_label",)


def tag(label, tone) -> Markup:
    return Markup('<span class="aid-tag aid-tag-%s">%s</span>') % (tone, label)


def _days_late(deadline, today=None):
    if deadline is None:
        return 0
    if isinstance(deadline, datetime):
        deadline = deadline.date()
    return ((today or clock.today()) - deadline).days


def late_tag(label, days) -> Markup:
    return Markup('<span class="aid-tag aid-tag-late">%s · %s</span>') % (
        label, gettext("%(days)d days overdue", days=days))


def formatter(choices, tones):
    """The list and record page's formatter of a status column: the code's label in its tone."""

    def format_status(code):
        if code is None or code == "":
            return ""
        if isinstance(code, Markup):  # already a tag (an overdue row, see overdue_rows)
            return code
        return tag(choices.label(code), tones.get(code, OFF))

    format_status.aid_tag = True
    return format_status


def _late_flag(value):
    return tag(value, LATE) if value else ""


def status_columns(model) -> dict:
    """{column: (choices, tones)} of a model's status columns."""
    found = {}
    for column, choices in (getattr(model, "__choices__", None) or {}).items():
        tones = TONES.get(choices)
        if tones is not None:
            found[column] = (choices, tones)
    return found


def install_formatters(view):
    """Give a view's status columns (and its 已超期 flags) the tag formatter, unless the view formats
    them its own way (a formatter of its own class, not the label of the code base.py gave it)."""
    model = view.datamodel.obj
    formatters = dict(view.formatters_columns or {})
    for column, (choices, tones) in status_columns(model).items():
        current = formatters.get(column)
        if current is None or getattr(current, "__self__", None) is choices:
            formatters[column] = formatter(choices, tones)
    for column in LATE_FLAGS:
        if column not in formatters or getattr(formatters[column], "__name__", "") == "<lambda>":
            formatters[column] = _late_flag
    view.formatters_columns = formatters


# Columns that show a state as a link (the loan's, to its history): {column: the state column it shows}.
LINKED = {"status_link": "status"}
_LINK = re.compile(r"^(<a [^>]*>)(.*)(</a>)$", re.S)


def linked_rows(model, rows):
    """A state shown as a link (the loan list's 状态, to its history) becomes the link inside its tag."""
    if not rows:
        return
    states = status_columns(model)
    for column, state in LINKED.items():
        if column not in rows[0] or state not in states:
            continue
        choices, tones = states[state]
        tone_of_label = {choices.label(code): tone for code, tone in tones.items()}
        for row in rows:
            match = _LINK.match(str(row.get(column) or ""))
            if match:
                tone = tone_of_label.get(Markup(match.group(2)).unescape(), OFF)
                row[column] = Markup('<span class="aid-tag aid-tag-%s">%s</span>') % (tone, Markup(match.group(0)))


def overdue_rows(model, rows, today=None):
    """Turn the status of each listed row past its deadline into the red 逾期 N 天 tag (rows: the list
    widget's dicts of raw values; only when the list shows both the status and the deadline)."""
    rule = DEADLINES.get(model.__name__)
    if rule is None or not rows:
        return
    column, deadline_column, open_codes = rule
    if column not in rows[0] or deadline_column not in rows[0]:
        return
    choices = (getattr(model, "__choices__", None) or {}).get(column)
    for row in rows:
        code, deadline = row.get(column), row.get(deadline_column)
        if deadline is None or (open_codes is not None and code not in open_codes):
            continue
        days = _days_late(deadline, today)
        if days > 0:
            row[column] = late_tag(choices.label(code) if choices is not None else code, days)


def status_tag(record_or_code, record=None, column="status"):
    """The tag of a record's state, for any template: ``status_tag(award)``, ``status_tag(inspection,
    column="rectification_status")``, or ``"paid" | status_tag(award)`` (a code, with a record of its model).
    Red with the days overdue when the record is past its deadline."""
    if record is None and not isinstance(record_or_code, str):
        record, code = record_or_code, getattr(record_or_code, column, None)
    else:
        code = record_or_code
    if record is None or code in (None, ""):
        return "" if code in (None, "") else escape(code)
    model = type(record)
    found = status_columns(model).get(column)
    if found is None:
        return escape(code)
    choices, tones = found
    rule = DEADLINES.get(model.__name__)
    if rule is not None and rule[0] == column and (rule[2] is None or code in rule[2]):
        days = _days_late(getattr(record, rule[1], None))
        if days > 0:
            return late_tag(choices.label(code), days)
    return tag(choices.label(code), tones.get(code, OFF))


def tone_of(record, column="status"):
    """The tone of a record's state (for a card or a chart's colour)."""
    found = status_columns(type(record)).get(column)
    return found[1].get(getattr(record, column, None), OFF) if found else OFF


def install(app):
    app.add_template_global(status_tag, "status_tag")
    app.add_template_filter(status_tag, "status_tag")
