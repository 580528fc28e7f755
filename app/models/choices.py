"""Short English codes stored in the database, with the labels users read.

A ``Choices`` lists (code, label) pairs in display order.  Labels are lazy
gettext strings so they follow the user's language at render time.  Views turn
every column named in a model's ``__choices__`` into a select box, a select
filter and a label in lists (see app/views/base/columns.py).
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint

from app.domain.grades import GRADUATED, STAGE_LEVELS, grades_for_stage  # noqa: F401 (GRADUATED: re-exported)


class Choices:
    def __init__(self, *pairs):
        self.pairs = tuple(pairs)
        self.codes = tuple(code for code, _ in pairs)
        self._labels = dict(pairs)

    def label(self, code):
        if code is None:
            return ""
        label = self._labels.get(code)
        return str(label) if label is not None else str(code)

    def __contains__(self, code):
        return code in self._labels

    def __iter__(self):
        return iter(self.pairs)

    def check(self, column):
        """A CHECK constraint that keeps the column inside the codes."""
        codes = ", ".join(f"'{c}'" for c in self.codes)
        return CheckConstraint(f"{column} IN ({codes})", name=f"ck_{column}_code")


STAGES = Choices(
    ("kindergarten", _l("Kindergarten")),
    ("primary", _l("Primary school")),
    ("junior", _l("Junior high school")),
    ("senior", _l("Senior high school")),
    ("complete", _l("Complete secondary school")),
    ("vocational", _l("Secondary vocational school")),
)

GENDERS = Choices(("M", _l("Male")), ("F", _l("Female")))

DIFFICULTY_LEVELS = Choices(
    ("special", _l("Especially difficult")),
    ("difficult", _l("Difficult")),
    ("general", _l("Generally difficult")),
)

EVIDENCE_SOURCES = Choices(
    ("poverty_office", _l("Poverty alleviation office")),
    ("civil_affairs", _l("Civil affairs bureau")),
    ("disabled_fed", _l("Disabled persons' federation")),
    ("school", _l("School identification")),
)

PROGRAM_KINDS = Choices(
    ("national", _l("National")),
    ("local", _l("Local")),
    ("school", _l("School's own")),
    ("social", _l("Social")),
)

PERIODS = Choices(("semester", _l("Per semester")), ("year", _l("Per year")), ("once", _l("Once")))

TERMS = Choices(("1", _l("First semester")), ("2", _l("Second semester")))

AWARD_STATUSES = Choices(
    ("proposed", _l("Proposed")),
    ("approved", _l("Approved")),
    ("paid", _l("Paid")),
    ("void", _l("Voided")),
)

CARD_KINDS = Choices(
    ("aid_card", _l("Student aid card issued by the school")),
    ("bank_card", _l("Bank card of the family")),
)

# The towns of the county; configurable per deployment through the School form,
# these are the demo county's (全椒县).
DEMO_TOWNS = (
    "襄河镇", "古河镇", "大墅镇", "二郎口镇", "武岗镇",
    "马厂镇", "石沛镇", "十字镇", "西王镇", "六镇镇",
)

# The grades of each stage, in order (a 完全中学 has both 初中 and 高中); the last one of a stage
# leaves the school at the school-year turnover (app/operations/turnover.py). One table: app/domain/grades.py.
GRADES_BY_STAGE = {stage: list(grades_for_stage(stage)) for stage in STAGE_LEVELS}
