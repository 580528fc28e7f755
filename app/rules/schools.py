"""What makes a school record right: phones that can be called (the school's and its complaint
hotline, printed on letters to parents and on 公示) — app/rules/phones.py."""
from app.rules import RuleError
from app.rules.phones import check_phones


def check_school(school, session=None):
    errors = {}
    check_phones(school, ("phone", "complaint_hotline"), errors)
    if errors:
        raise RuleError(errors)
