"""The grades a school can have: one table, by school level, with the pupils' usual age.

A school's stage (app/models/choices.py ``STAGES``) names the levels it teaches: a 完全中学
(``complete``) has 初中 and 高中, every other stage one level.  Every grade a pupil may be in is
listed here, in order; forms offer only these, the rules refuse anything else (app/rules/students.py),
and the school-year turnover moves pupils along these lists (app/operations/turnover.py).

``first_age`` is the usual age on 1 September of a pupil in the level's first grade (义务教育法 art.
11: school from the age of six; 幼儿园工作规程: kindergarten from three); a grade's usual age is that
plus its place in the list.  A pupil's age may differ from it by ``tolerance`` years at most
(early or late entry, repeated years, a pause).  ``YEARS_BEYOND_STAGE``: how many years longer
than its stage a pupil may stay, for the enrolment year.

For other rules (awards by grade, standards by level), the functions below are the API:
``grades_for_stage``, ``level_of``, ``year_of``, ``grade_index``, ``is_final_grade``, ``next_grade``,
``in_school``.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Level:
    label: str            # how the level is called (for messages and the README)
    grades: tuple         # in order, first to last
    first_age: int        # usual age on 1 September in the first grade
    tolerance: int = 3    # how many years a pupil's age may differ from the usual age


# The school levels, as the national data standards spell their grades.
LEVELS = {
    "kindergarten": Level("幼儿园", ("小班", "中班", "大班"), first_age=3),
    "primary": Level("小学", ("一年级", "二年级", "三年级", "四年级", "五年级", "六年级"), first_age=6),
    "junior": Level("初中", ("七年级", "八年级", "九年级"), first_age=12),
    "senior": Level("高中", ("高一", "高二", "高三"), first_age=15),
    "vocational": Level("中职", ("中职一年级", "中职二年级", "中职三年级"), first_age=15),
}
# The levels each stage of school teaches, in order.
STAGE_LEVELS = {
    "kindergarten": ("kindergarten",),
    "primary": ("primary",),
    "junior": ("junior",),
    "senior": ("senior",),
    "complete": ("junior", "senior"),
    "vocational": ("vocational",),
}
YEARS_BEYOND_STAGE = 3

# The grade of a pupil who has left: kept on record (loans, alumni, history), printed no letter.
GRADUATED = "已毕业"

# Other spellings of a grade seen in schools' files and in records kept before grades were a list:
# imports read them as the grade they mean, and the migration 3d5f7a9c1e2b rewrote the stored ones.
ALIASES = {
    "初一": "七年级", "初二": "八年级", "初三": "九年级",
    "高1": "高一", "高2": "高二", "高3": "高三",
    "中职1年级": "中职一年级", "中职2年级": "中职二年级", "中职3年级": "中职三年级",
    "小一": "一年级", "小二": "二年级", "小三": "三年级", "小四": "四年级", "小五": "五年级", "小六": "六年级",
}

_LEVEL_OF = {grade: (key, i) for key, level in LEVELS.items() for i, grade in enumerate(level.grades)}


def canonical(grade) -> str:
    """The grade as the list spells it (初一 → 七年级, 高1 → 高一); anything else as typed, trimmed."""
    text = str(grade or "").strip().replace(" ", "")
    return ALIASES.get(text, text)


def grades_for_stage(stage) -> tuple:
    """The grades of a school of this stage, in order; () for a stage the table does not know."""
    return tuple(g for key in STAGE_LEVELS.get(stage, ()) for g in LEVELS[key].grades)


def all_grades() -> tuple:
    """Every grade of every level, in order (小班 … 高三, then 中职)."""
    return tuple(g for level in LEVELS.values() for g in level.grades)


def level_of(grade):
    """The level a grade belongs to ("junior" for 七年级 even in a 完全中学), or None."""
    found = _LEVEL_OF.get(grade)
    return found[0] if found else None


def year_of(grade):
    """The year within its level, from 1 (高一 → 1, 中职二年级 → 2, 大班 → 3), or None."""
    found = _LEVEL_OF.get(grade)
    return found[1] + 1 if found else None


def grade_index(stage, grade):
    """The grade's place (from 0) in its school's list (高一 is 3 in a 完全中学), or None."""
    grades = grades_for_stage(stage)
    return grades.index(grade) if grade in grades else None


def is_final_grade(stage, grade) -> bool:
    """The last grade of the school: its pupils leave at the turnover."""
    grades = grades_for_stage(stage)
    return bool(grades) and grade == grades[-1]


def next_grade(stage, grade):
    """The grade after this one, GRADUATED after the last, None for a grade the stage does not have."""
    i = grade_index(stage, grade)
    if i is None:
        return None
    grades = grades_for_stage(stage)
    return grades[i + 1] if i + 1 < len(grades) else GRADUATED


def in_school(grade) -> bool:
    return bool(grade) and grade != GRADUATED


def usual_age(grade):
    """(usual age on 1 September, tolerance) of a pupil in this grade, or None."""
    found = _LEVEL_OF.get(grade)
    if not found:
        return None
    level = LEVELS[found[0]]
    return level.first_age + found[1], level.tolerance


def stage_years(stage) -> int:
    """How many years a school of this stage teaches (6 for a 完全中学)."""
    return len(grades_for_stage(stage))


def choices():
    """Grouped choices for a select: [(level label, [(grade, grade), ...]), ...] and 已毕业 last."""
    groups = [(level.label, [(g, g) for g in level.grades]) for level in LEVELS.values()]
    return groups + [("离校", [(GRADUATED, GRADUATED)])]
