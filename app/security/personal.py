"""Who sees pupils' ID, card and phone numbers in full, and how everyone else sees them.

* ``PersonalData.can_reveal`` (the centre and the system administrator): full values on a
  record's page, in exports and in the API, each of which is written to the audit trail
  (a look at a page, an export, an API read), and in the loan call lists.
* ``can_reveal`` on a screen (StudentView, AwardView, LoanView: also the school officer, for its
  own school's records only, as the scope allows): the record's page shows full values after
  an explicit 显示完整信息, written to the audit trail as ``reveal``.
* Lists on screen are masked for everyone; everything else is masked for everyone else:
  341124********123X, 6217 **** **** 1234, 139****5678.
* The birth date is the ID number's characters 7 to 14: wherever the number is masked the birth
  date shows its year only (2009-**-**), or the two together would give the number back.
* Every API answer (a record, a list, the answer to a PUT or a POST, ``_info``) passes through
  ``mask_payload`` (app/views/base/api.py ``AidModelApi.response``).
"""
from __future__ import annotations

import functools
import re

from flask import current_app, g, has_request_context
from flask_babel import lazy_gettext as _l

from app.rules import idcard
from app.rules import studentno
from app.rules import cards

REVEAL_VIEW = "PersonalData"
REVEAL = "can_reveal"


def mask_phone(value) -> str:
    """First 3 and last 4 characters: 139****5678."""
    text = "".join(str(value).split())
    if len(text) < 8:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


def mask_birth(value) -> str:
    """The year only: 2009-**-** (the rest of the date is the middle of the ID number)."""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text[:4] + "-**-**" if len(text) >= 4 else "*" * len(text)


MASKS = {
    "id_number": idcard.mask,
    "student_number": studentno.mask,  # 全国学籍号: G + the ID number for most pupils
    "birth_date": mask_birth,
    "card_number": cards.mask,
    "guardian_phone": mask_phone,
    "co_borrower_phone": mask_phone,
    "complainant_contact": mask_phone,
}


def may_see_all() -> bool:
    """Whether the current user sees personal data in full wherever its reads are logged."""
    if not has_request_context():
        return True  # commands and jobs: no screen, nothing to mask
    try:
        return bool(current_app.appbuilder.sm.has_access(REVEAL, REVEAL_VIEW))
    except Exception:
        return False


def show_in_full(on=True):
    """The values rendered in this request are shown in full (a logged page, export or reveal)."""
    g._pd_full = on


def in_full() -> bool:
    return bool(has_request_context() and g.get("_pd_full"))


def shown(field, value):
    if value is None or value == "":
        return ""
    if in_full():
        return value
    return MASKS[field](value)


def formatter(field):
    def format_value(value):
        return shown(field, value)

    format_value.__name__ = f"masked_{field}"
    return format_value


def mask_json(data, full=None):
    """Mask the personal fields of an API answer's records (a dict or a list of dicts, nested at
    any depth), in place."""
    full = may_see_all() if full is None else full
    if full:
        return data
    if isinstance(data, list):
        for item in data:
            mask_json(item, full=False)
    elif isinstance(data, dict):
        for key, value in data.items():
            if key in MASKS and isinstance(value, str) and value:
                data[key] = MASKS[key](value)
            elif isinstance(value, (dict, list)):
                mask_json(value, full=False)
    return data


def carries_personal(data) -> bool:
    """Whether an answer holds a non-empty personal field (so showing it in full is a read to record)."""
    if isinstance(data, list):
        return any(carries_personal(item) for item in data)
    if isinstance(data, dict):
        return any((key in MASKS and isinstance(value, str) and value) or carries_personal(value)
                   for key, value in data.items())
    return False


# What an answer says about its fields (labels, descriptions, a refusal's messages) rather than values.
TEXT_KEYS = {"message", "label_columns", "description_columns"}


def mask_payload(payload, full=None):
    """Every API answer: its personal fields masked unless ``full``; the messages (a rule's refusal
    names a field, e.g. ``{"id_number": ["..."]}``) are text, not values, and are left alone."""
    full = may_see_all() if full is None else full
    if not full:
        for key, value in payload.items():
            if key in TEXT_KEYS:
                continue
            if key in MASKS and isinstance(value, str) and value:
                payload[key] = MASKS[key](value)
            else:
                mask_json(value, full=False)
    return payload


def masked(value, field):
    """``{{ s.guardian_phone | masked("guardian_phone") }}``: masked for everyone (lists on screen)."""
    if value is None or value == "":
        return ""
    return MASKS[field](value)


def template_filter(value, field):
    """``{{ loan.co_borrower_phone | pd("co_borrower_phone") }}``: full only for those who may see all."""
    if value is None or value == "":
        return ""
    return value if may_see_all() else MASKS[field](value)


STAR_MESSAGE = _l("A number with “*” is how the screens hide it, not the number: type the whole number.")


@functools.cache
def _masked_fields(mapper):
    """The masked fields a model has (``InstanceState.attrs`` builds every attribute's state anew on each
    call: 0.15 ms a record, most of an import's checks)."""
    return tuple(f for f in MASKS if f in mapper.attrs)


def keep_masked_echo(obj):
    """A masked value written back (an API client saving a record as it read it, 139****5678) keeps
    the number stored; any other value with "*" is refused. Called by the flush hook (app/security/scope.py)
    for every record written, whatever the path."""
    from sqlalchemy import inspect as sa_inspect

    from app.rules import RuleError

    state = sa_inspect(obj)
    fields = _masked_fields(state.mapper)
    if state.key is None and not any("*" in str(getattr(obj, f, "") or "") for f in fields):
        return
    errors = {}
    for field in fields:
        mask = MASKS[field]
        value = getattr(obj, field, None)
        if not isinstance(value, str) or "*" not in value:
            continue
        history = state.attrs[field].history
        old = history.deleted[0] if history.deleted else None
        if isinstance(old, str) and old and mask(old) == value.strip():
            setattr(obj, field, old)  # the echo of the mask: nothing changes
        else:
            errors[field] = STAR_MESSAGE
    if errors:
        raise RuleError(errors)


# --- no number in an address ---------------------------------------------------------------------
# A list searched by ID number (学生 › 搜索 › 身份证号) would put the number into the page's address,
# and so into the browser's history, a proxy's and the server's logs, and every pagination link.
# The search form is posted instead (app/views/search.py): each ID number typed becomes the search
# token ``h:<keyed hash>`` (app/security/crypto.py ``lookup``), which finds the same pupil and reveals nothing
# without ENCRYPTION_KEY; a GET that still carries a number is redirected to the same page with tokens.
# A 学籍号 (G + the ID number for most pupils) is the same number: it is tokenised the same way.
_ID_LIKE = re.compile(r"\d{17}[\dX]")


def search_token(value):
    """An ID number or a 学籍号 as the search token that finds it; any other value unchanged."""
    from app.security.crypto import lookup

    number = idcard.normalize(value) if isinstance(value, str) else ""
    if _ID_LIKE.fullmatch(number):
        return "h:" + lookup(number)
    if isinstance(value, str) and studentno.looks_like(value):
        return "h:" + lookup(studentno.normalize(value))
    return value


def carries_a_number(args) -> bool:
    return any(_ID_LIKE.fullmatch(idcard.normalize(v)) or studentno.looks_like(v)
               for v in args.values() if isinstance(v, str))


def tokenised(pairs):
    """(key, value) pairs of a query with every ID number turned into its search token."""
    return [(key, search_token(value)) for key, value in pairs]
