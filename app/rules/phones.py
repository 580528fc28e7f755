"""Phone numbers: one check for every phone the product stores.

A phone is either a mainland mobile, 11 digits starting 13–19 (13912345678), or a landline with
its area code: 0, two or three more digits, a hyphen, the 7- or 8-digit local number, and an
optional extension after another hyphen (0550-5123456, 010-12345678-801).  Spaces count as the
hyphen, a landline without one is split after its area code (010 and 02x have three digits, the
others four), a mobile written in groups (139 1234 5678) is stored as its 11 digits, and ``转``
before an extension is stored as ``-``.  A short number (12345, a hotline's service code) is not a number a family or
a school can be called back on: refused.

Used by the rules of pupils (guardian_phone), loans (co_borrower_phone), schools (phone,
complaint_hotline) and information officers (phone).  A stored record is judged on a phone only
when the phone is written (``written``), so an old number does not block an unrelated change.
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from app.rules.stored import written

MOBILE = re.compile(r"1[3-9]\d{9}")
LANDLINE = re.compile(r"(0\d{2,3})-(\d{7,8})(?:-(\d{1,6}))?")
MESSAGE = _l("Write an 11-digit mobile number (13912345678) or a landline with its area code (0550-5123456).")


class PhoneError(ValueError):
    pass


def normalise(value):
    """The number as stored ("" and None give None); PhoneError when it is no phone number."""
    if value is None:
        return None
    text = str(value).strip().replace("－", "-").replace("—", "-").replace("转", "-")
    text = re.sub(r"[\s-]+", "-", text)  # spaces between the parts count as the hyphen
    if not text:
        return None
    if text.startswith("+86"):
        text = text[3:].lstrip("-")
    digits = text.replace("-", "")
    if MOBILE.fullmatch(digits):
        return digits
    if digits.isdigit() and "-" not in text and text.startswith("0"):
        # a landline written without its hyphen: 010 and 02x are three-digit area codes, the others four
        area = 3 if text[1] in "12" else 4
        text = f"{text[:area]}-{text[area:]}"
    if LANDLINE.fullmatch(text):
        return text
    raise PhoneError(str(MESSAGE))


def is_phone(value) -> bool:
    try:
        return normalise(value) is not None
    except PhoneError:
        return False


def check_phones(obj, fields, errors):
    """Normalise each phone field being written; a message per field that is no phone number."""
    for field in fields:
        if not written(obj, field):
            continue
        try:
            value = normalise(getattr(obj, field, None))
        except PhoneError:
            errors[field] = MESSAGE
            continue
        if getattr(obj, field, None) != value:
            setattr(obj, field, value)
