"""Bank card numbers: shape, the Luhn check digit, and how they are shown."""
from flask_babel import lazy_gettext as _l

from app.rules import RuleError


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def normalize(raw) -> str:
    return "".join((raw or "").split()).replace("-", "")


def card_error(number: str):
    """The message for a card number that cannot be right, else None.

    China UnionPay debit cards, the school-issued 学生资助卡 included, have 16 to
    19 digits and end with a Luhn check digit.
    """
    if not number.isdigit():
        return _l("A card number has digits only.")
    if not 16 <= len(number) <= 19:
        return _l("A card number has 16 to 19 digits; this one has %(n)d.", n=len(number))
    if not luhn_ok(number):
        return _l("The card number's check digit is wrong; please check every digit.")
    return None


def check_card(number, field="card_number"):
    message = card_error(normalize(number))
    if message:
        raise RuleError({field: message})


def mask(number) -> str:
    """First 4 and last 4 digits: 6217 **** **** 1234."""
    number = normalize(number)
    if len(number) < 9:
        return "*" * len(number)
    return f"{number[:4]} **** **** {number[-4:]}"


def make(prefix: str, length: int, body: int) -> str:
    """A valid number (demo data and tests only)."""
    partial = f"{prefix}{body:0{length - len(prefix) - 1}d}"[: length - 1]
    for check in "0123456789":
        if luhn_ok(partial + check):
            return partial + check
    raise AssertionError("unreachable")
