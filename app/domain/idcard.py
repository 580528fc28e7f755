"""Resident ID numbers (公民身份号码, GB 11643-1999).

An 18-character number: 6-digit administrative division code, 8-digit birth
date (YYYYMMDD), 3-digit sequence (odd for men, even for women) and a check
character computed with ISO 7064 MOD 11-2 (0-9 or X).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# First two digits: the province-level divisions of GB/T 2260.
PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36",
    "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62",
    "63", "64", "65", "71", "81", "82", "83",
}
_SHAPE = re.compile(r"^\d{17}[\dX]$")
# Full-width digits and X that some input methods produce.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９ＸｘＸ", "0123456789XXX")


class IdNumberError(ValueError):
    """A resident ID number that cannot be right; str() is the user-facing message."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return str(self.message)


@dataclass(frozen=True)
class IdInfo:
    number: str
    birth_date: date
    gender: str  # "M" or "F"
    division: str


def check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS))
    return CHECK_CHARS[total % 11]


def normalize(raw: str | None) -> str:
    """Trim spaces, turn full-width digits into ASCII and a lower-case x into X."""
    return (raw or "").translate(_FULL_WIDTH).replace(" ", "").strip().upper()


def parse(raw: str | None, today: date | None = None) -> IdInfo:
    """Validate an ID number and return what it encodes; raise IdNumberError if wrong."""
    number = normalize(raw)
    if len(number) != 18:
        raise IdNumberError(
            _l("The ID number must have 18 characters; this one has %(n)d.", n=len(number))
        )
    if not _SHAPE.match(number):
        raise IdNumberError(_l("The first 17 characters must be digits and the last a digit or X."))
    if number[:2] not in PROVINCES:
        raise IdNumberError(_l("The ID number does not start with a valid region code."))
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdNumberError(_l("The birth date in the ID number (%(d)s) does not exist.", d=number[6:14]))
    today = today or date.today()
    if born > today or born.year < 1900:
        raise IdNumberError(_l("The birth date in the ID number (%(d)s) is not possible.", d=number[6:14]))
    expected = check_char(number[:17])
    if number[17] != expected:
        raise IdNumberError(
            _l("The check character of the ID number is wrong; please check every digit.")
        )
    gender = "M" if int(number[16]) % 2 else "F"
    return IdInfo(number=number, birth_date=born, gender=gender, division=number[:6])


def make(division: str, born: date, sequence: int) -> str:
    """Build a valid number (for synthetic demo data and tests only)."""
    first17 = f"{division}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


def mask(number: str | None) -> str:
    """Show the first 6 and last 4 characters: 341124********123X."""
    if not number:
        return ""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]
