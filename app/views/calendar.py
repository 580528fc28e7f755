"""公示期 and the working-day calendar: figures the centre keeps for the notices (app/rules/workdays.py)."""
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import NoticeRule, WorkCalendarEntry
from app.rules.workdays import check_calendar_entry, check_notice_rule
from app.views.base import AidInterface, AidModelView


class NoticeRuleView(AidModelView):
    """公示期: the fewest working days a notice stays up, from a school year on (the county sets it)."""

    datamodel = AidInterface(NoticeRule)
    list_title = _l("Notice periods")
    show_title = add_title = edit_title = _l("Notice period")
    label_columns = {"since_year": _l("From school year"), "working_days": _l("Working days at least"),
                     "basis": _l("Policy"), "notes": _l("Notes")}
    list_columns = ["since_year", "working_days", "basis"]
    show_columns = add_columns = edit_columns = ["since_year", "working_days", "basis", "notes"]
    search_columns = ["since_year"]
    base_order = ("since_year", "desc")
    rule_check = staticmethod(check_notice_rule)
    description_columns = {
        "since_year": _l("The figure applies from this school year on, until a later one replaces it."),
        "working_days": _l("The day of posting is not counted; commonly 5 (教财〔2018〕16号)."),
    }


class WorkCalendarView(AidModelView):
    """工作日历: public holidays and adjusted working days (调休) by year, as the State Council's notice sets them."""

    datamodel = AidInterface(WorkCalendarEntry)
    list_title = _l("Working-day calendar")
    show_title = add_title = edit_title = _l("Holiday or adjusted working day")
    label_columns = {"year": _l("Year"), "kind": _l("Kind"), "name": _l("Name"), "starts_on": _l("First day"),
                     "ends_on": _l("Last day"), "basis": _l("Policy"), "notes": _l("Notes")}
    list_columns = ["year", "name", "kind", "starts_on", "ends_on", "basis"]
    show_columns = add_columns = edit_columns = ["year", "name", "kind", "starts_on", "ends_on", "basis", "notes"]
    search_columns = ["year", "kind", "name"]
    base_order = ("starts_on", "desc")
    rule_check = staticmethod(lambda probe: check_calendar_entry(probe, db.session))
    description_columns = {
        "year": _l("The year of the State Council's notice (国务院办公厅关于部分节假日安排的通知)."),
        "kind": _l("A holiday: days off, weekdays included. An adjusted working day: a Saturday or Sunday worked."),
        "ends_on": _l("The same day as the first for a single day."),
    }
