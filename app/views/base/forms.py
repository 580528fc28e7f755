"""Form fields the screens share: a select box of codes, a date and time, "—" for no related record."""
from __future__ import annotations

from flask_appbuilder.fieldwidgets import Select2Widget
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import InputRequired, Optional


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



DATE_TIME_FORMATS = ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def date_time_field(label, description=None, required=True):
    """A date and time typed as 2021-09-01 08:30 (seconds may be given); the county's clock."""
    from flask_appbuilder.fieldwidgets import DateTimePickerWidget
    from wtforms import DateTimeField

    return DateTimeField(label, format=DATE_TIME_FORMATS, widget=DateTimePickerWidget(),
                         validators=[InputRequired() if required else Optional()],
                         description=_l("Date and time, as 2021-09-01 08:30.") if description is None else description,
                         render_kw={"placeholder": "2021-09-01 08:30", "autocomplete": "off"})


def _dash_for_blank(form_cls):
    """An optional relation offers "—" for none (Flask-AppBuilder shows its internal "__None")."""
    from flask_appbuilder.fields import QuerySelectField

    for name in dir(form_cls):
        unbound = getattr(form_cls, name, None)
        if getattr(unbound, "field_class", None) is QuerySelectField and unbound.kwargs.get("allow_blank"):
            unbound.kwargs.setdefault("blank_text", "—")
            if not unbound.kwargs["blank_text"]:
                unbound.kwargs["blank_text"] = "—"
