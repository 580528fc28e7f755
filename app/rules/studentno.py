"""The national student number (全国学籍号) of the 全国中小学生学籍信息管理系统.

19 characters: a letter and 18 characters built like a resident ID number (app/domain/idcard.py).

* ``G`` + the pupil's ID number: the formal number of a pupil who has an ID number (most pupils);
  the 18 characters are the pupil's own ID number.
* ``J`` + 18 characters built by the ID number's rule (6-digit division code of the school's place,
  8-digit birth date, 3-digit sequence, check character of ISO 7064 MOD 11-2): the formal number
  the ministry gives a pupil without a usable ID number.
* ``L`` + 18 digits (6-digit division code, 8-digit birth date, 4 random digits): the temporary
  number given at the first registration, until the national check against the population register
  gives the pupil a G number (issued each spring term).

Typed in any case, with spaces or full-width characters; stored upper-case and without spaces.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date

from flask_babel import lazy_gettext as _l

from app.rules import idcard

KINDS = ("G", "J", "L")  # G: the ID number; J: a pupil without one; L: temporary
SHAPE = re.compile(r"[GJL]\d{17}[\dX]")
_BODY = re.compile(r"\d{17}[\dX]")


class StudentNumberError(idcard.IdNumberError):
    """A 学籍号 that cannot be right; str() is the user-facing message."""


def normalize(raw) -> str:
    """Full-width letters and digits as ASCII, no spaces, upper-case."""
    text = unicodedata.normalize("NFKC", str(raw or ""))
    return "".join(text.split()).upper()


def looks_like(raw) -> bool:
    """Whether a typed text has the shape of a 学籍号 (a search relay turns it into a search token)."""
    return bool(SHAPE.fullmatch(normalize(raw)))


def _date_of(body, today):
    try:
        born = date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    except ValueError:
        raise StudentNumberError(_l("The birth date in the 学籍号 (%(d)s) does not exist.", d=body[6:14]))
    if born > today or born.year < 1900:
        raise StudentNumberError(_l("The birth date in the 学籍号 (%(d)s) is not possible.", d=body[6:14]))
    return born


def parse(raw, id_number=None, today: date | None = None) -> str:
    """The 学籍号 normalised, or StudentNumberError. ``id_number``: the pupil's own (a G number must be
    G followed by it)."""
    number = normalize(raw)
    today = today or date.today()
    if len(number) != 19:
        raise StudentNumberError(_l("The 学籍号 has 19 characters: G, J or L and 18 digits (the last may be X); "
                                    "this one has %(n)d.", n=len(number)))
    kind, body = number[0], number[1:]
    if kind not in KINDS:
        raise StudentNumberError(_l("A 学籍号 starts with G (G and the ID number), J (a pupil without an ID number) "
                                    "or L (a temporary number)."))
    if kind == "G":
        try:
            idcard.parse(body, today=today)
        except idcard.IdNumberError as exc:
            raise StudentNumberError(_l("After G comes the pupil's ID number: %(why)s", why=exc.message))
        own = idcard.normalize(id_number) if id_number else ""
        if own and body != own:
            raise StudentNumberError(_l("A 学籍号 starting with G is G followed by the pupil's own ID number; "
                                        "this one holds another number."))
        return number
    if kind == "L" and not body.isdigit():
        raise StudentNumberError(_l("A temporary 学籍号 is L and 18 digits."))
    if not _BODY.fullmatch(body):
        raise StudentNumberError(_l("After J come 17 digits and a digit or X."))
    if body[:2] not in idcard.PROVINCES:
        raise StudentNumberError(_l("The 学籍号 does not start with a valid region code after its letter."))
    _date_of(body, today)
    if kind == "J" and body[17] != idcard.check_char(body[:17]):
        raise StudentNumberError(_l("The check character of the 学籍号 is wrong; please check every digit."))
    return number


def of_id_number(id_number) -> str:
    """The G number of a pupil with this ID number."""
    return "G" + idcard.normalize(id_number)


def mask(number) -> str:
    """The letter and what the ID number's mask shows: G341124********123X."""
    if not number:
        return ""
    if len(number) < 11:
        return "*" * len(number)
    return number[:7] + "*" * (len(number) - 11) + number[-4:]
