"""The API's validation messages in Chinese.

Flask-AppBuilder answers a body that does not fit a resource's schema with marshmallow's own
messages ("Unknown field.", "Missing data for required field.", "Not a valid integer."), which
no catalogue translates. ``translated`` rewrites them, wherever they stand in the answer's
message, into the user's language; anything else (the rules' messages) passes unchanged.
(Checked against marshmallow 4.4.0.)
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

EXACT = {
    "Unknown field.": _l("This field is not part of this record, or may not be written here."),
    "Missing data for required field.": _l("This field is required."),
    "Field may not be null.": _l("This field is required."),
    "Invalid input type.": _l("The request body does not have the shape this resource takes."),
    "Invalid type.": _l("The value has the wrong type."),
    "Invalid value.": _l("The value is not valid."),
    "Not a valid integer.": _l("Give a whole number."),
    "Not a valid number.": _l("Give a number."),
    "Number too large.": _l("A value is too large for this field."),
    "Special numeric values (nan or infinity) are not permitted.": _l("Give a number."),
    "Not a valid string.": _l("Write this as text."),
    "Not a valid utf-8 string.": _l("Write this as text."),
    "Not a valid boolean.": _l("Give true or false."),
    "Not a valid list.": _l("Give a list."),
    "Not a valid mapping type.": _l("The request body does not have the shape this resource takes."),
}
PATTERNS = [
    (re.compile(r"^Not a valid (date|datetime)\.$|cannot be formatted as a (date|datetime)\.$"),
     _l("Give a date as 2021-09-01 (with a time: 2021-09-01 08:30).")),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), _l("At most %(n)s characters.")),
    (re.compile(r"^Must be one of: .*\.$"), _l("Choose one of the values offered.")),
    (re.compile(r"^Not a valid .*\.$"), _l("The value is not valid.")),
]


def translated(message):
    if isinstance(message, dict):
        return {key: translated(value) for key, value in message.items()}
    if isinstance(message, list):
        return [translated(value) for value in message]
    if not isinstance(message, str):
        return message
    if message in EXACT:
        return str(EXACT[message])
    for pattern, text in PATTERNS:
        found = pattern.search(message)
        if found:
            n = next((g for g in found.groups() if g and g.isdigit()), None)
            return str(text % {"n": n}) if n else str(text)
    return message
