"""Who may get a programme, and how much: eligibility and standards, read from the programme's data.

Everything here is data the centre edits (资助管理 → 资助项目, 资助标准), never a constant:

* ``needs_identification``: a need-based programme aids only a pupil identified as in difficulty
  for the award's school year, by an identification in force (``effective``: filed through the
  procedure or verified, app/rules/procedure.py) that has not ended before the semester (学生资助资金管理办法 财科教〔2019〕19号: the grants go to 家庭经济困难学生
  as the school identifies them), of the programme's levels and, when set, categories.
* the programme's grades (中职国家助学金: 一、二年级 only; 学前: the kindergarten years).
* the pupil is in school: not 已毕业 (app/operations/turnover.py writes that grade when a pupil leaves) nor
  of a status in ``LEFT_STATUSES`` (休学/退学/转出县外/毕业, app/rules/pupil_status.py).
* the standard (``ProgramStandard``) in force in the award's semester for the pupil's stage,
  boarding status and, where tiered, the level of the identification; an amount other than
  the standard needs a written reason (``over_standard_reason``).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.models.choices import DIFFICULTY_LEVELS, GRADUATED, STAGES, TERMS
from app.rules.grades import all_grades, canonical
from app.security.scope import unscoped

# The pupil's status (app/rules/pupil_status.py): a pupil of one of these is not in school.
LEFT_STATUSES = {"suspended", "transferred_out", "dropped_out", "graduated"}
grade_key = canonical  # 初一 and 七年级 are one grade (app/domain/grades.py ALIASES)


def same_grade(a, b) -> bool:
    return grade_key(a) == grade_key(b)


def in_grades(grade, grades) -> bool:
    return any(same_grade(grade, g) for g in grades)


def not_in_school(student) -> bool:
    """已毕业, 休学, 退学 or 转出县外."""
    if same_grade(student.grade, GRADUATED):
        return True
    return getattr(student, "status", None) in LEFT_STATUSES


def identification_for(session, student, school_year):
    """The pupil's identification for that school year, or None (any school: it follows the pupil)."""
    from app.models import Identification

    if getattr(student, "id", None) is None:
        return None
    return session.scalar(select(Identification).where(
        Identification.student_id == student.id, Identification.school_year == school_year,
    ).execution_options(**unscoped()))


# --- standards ---------------------------------------------------------------------------------

def _since_key(school_year, term):
    return (school_year or "", term or "1")


def standards_in_force(session, program, school_year, term):
    """The standard rows of the programme in force in that semester (the latest set not after it)."""
    from app.models import ProgramStandard

    if getattr(program, "id", None) is None:
        return []
    rows = session.scalars(select(ProgramStandard).where(ProgramStandard.program_id == program.id)
                           .execution_options(**unscoped())).all()
    key = _since_key(school_year, term)
    started = [r for r in rows if _since_key(r.since_year, r.since_term) <= key]
    if not started:
        return []
    latest = max(_since_key(r.since_year, r.since_term) for r in started)
    return [r for r in started if _since_key(r.since_year, r.since_term) == latest]


def row_grades(row):
    value = getattr(row, "grades", None) or ""
    text = ",".join(value) if isinstance(value, (list, tuple)) else value.replace("，", ",").replace("、", ",")
    return [g.strip() for g in text.split(",") if g.strip()]


def for_pupil(rows, stage, boarding, grade=None):
    """The rows for a stage, boarding status and grade (a row without one applies to every one).

    ``grade`` None: rows of every grade (the letter, which quotes the standard of a stage).
    """
    return [r for r in rows if (r.stage in (None, "") or r.stage == stage)
            and (r.boarding is None or bool(r.boarding) == bool(boarding))
            and (grade is None or not row_grades(r) or in_grades(grade, row_grades(r)))]


def uncovered_grade(rows, grade):
    """The grades the semester's standards cover when none covers this grade (else None).

    中职国家助学金: 财科教〔2019〕19号 covered 一、二年级; from spring 2025 (财政部 教育部 人力资源社会保障部
    《关于调整高等教育阶段和高中阶段国家奖助学金政策的通知》, 2024) every year.
    """
    named = [row_grades(r) for r in rows]
    if not rows or not all(named):
        return None
    covered = [g for grades in named for g in grades]
    if in_grades(grade, covered):
        return None
    return list(dict.fromkeys(covered))


def is_tiered(rows) -> bool:
    return any(r.level for r in rows)


def for_level(rows, level):
    """The tier of the level (untiered rows apply whatever the level); every tier without a level."""
    if not is_tiered(rows) or level is None:
        return list(rows)
    return [r for r in rows if not r.level or r.level == level]


def per_semester(amount, period) -> Decimal:
    """A yearly standard is paid in two halves; a semester's or a one-off standard as it is."""
    amount = Decimal(amount)
    return (amount / 2).quantize(Decimal("0.01")) if period == "year" else amount.quantize(Decimal("0.01"))


@dataclass
class Standard:
    amounts: list            # semester amounts that need no reason
    rows: list               # the ProgramStandard rows (empty: the programme's flat standard)
    flat: bool               # no standards by year: the programme's standard_amount is a ceiling

    def describe(self):
        return "、".join(f"{a:,.2f}" for a in self.amounts)


def standard_for(session, program, student, semester, level) -> Standard:
    """What the award may be without a reason, for this pupil in this semester."""
    from app.rules.awards import student_stage

    rows = standards_in_force(session, program, semester.school_year, semester.term) if semester is not None else []
    if rows:
        mine = for_level(for_pupil(rows, student_stage(student), getattr(student, "boarding", False),
                                   getattr(student, "grade", None)), level)
        if mine:
            return Standard(sorted({per_semester(r.amount, program.period) for r in mine}), mine, False)
    return Standard([per_semester(program.standard_amount, program.period)], [], True)


def award_errors(session, award, student, program, semester) -> dict:
    """What keeps this pupil from this programme in this semester, and an amount off the standard."""
    errors = {}
    if not_in_school(student) and not in_grades(GRADUATED, program.grade_list):
        from app.models.student import STUDENT_STATUSES

        status = getattr(student, "status", None)
        errors["student"] = _l("This pupil is no longer in school (%(grade)s): no award.",
                               grade=STUDENT_STATUSES.label(status) if status in LEFT_STATUSES else student.grade)
        return errors
    grades = [g for g in program.grade_list if not same_grade(g, GRADUATED)]
    if grades and not not_in_school(student) and not in_grades(student.grade, grades):
        errors["program"] = _l("%(program)s covers only %(grades)s; this pupil is in %(grade)s.",
                               program=program.name, grades="、".join(grades), grade=student.grade)
        return errors
    if semester is not None and not not_in_school(student):
        covered = uncovered_grade(standards_in_force(session, program, semester.school_year, semester.term),
                                  student.grade)
        if covered:
            errors["program"] = _l("In %(semester)s, %(program)s covers only %(grades)s; this pupil is in %(grade)s.",
                                   semester=str(semester), program=program.name, grades="、".join(covered),
                                   grade=student.grade)
            return errors
    identification = identification_for(session, student, semester.school_year) if semester is not None else None
    if program.needs_identification and semester is not None:
        if identification is None:
            errors["student"] = _l(
                "%(program)s is for pupils identified as in financial difficulty: this pupil has no identification "
                "for %(year)s.", program=program.name, year=semester.school_year)
            return errors
        from app.rules.procedure import in_force_for

        why = in_force_for(identification, semester, award)
        if why is not None:
            errors["student"] = why
            return errors
        if program.level_codes and identification.level not in program.level_codes:
            errors["program"] = _l("%(program)s aids only pupils identified as %(levels)s.", program=program.name,
                                   levels=program.levels_label)
            return errors
        if program.category_codes and not any(getattr(identification, c, False) for c in program.category_codes):
            errors["program"] = _l("%(program)s aids only pupils of these categories: %(categories)s.",
                                   program=program.name, categories=program.categories_label)
            return errors
    if award.amount is None or semester is None:
        return errors
    standard = standard_for(session, program, student, semester, identification.level if identification else None)
    amount = Decimal(award.amount)
    reason = (award.over_standard_reason or "").strip()
    if standard.flat:
        if amount > standard.amounts[0] and not reason:
            errors["over_standard_reason"] = _l(
                "The amount is above the standard of %(std)s yuan a semester: write the reason.", std=standard.amounts[0])
    elif amount not in standard.amounts and not reason:
        errors["over_standard_reason"] = _l(
            "The standard for this pupil (%(who)s) is %(std)s yuan: write the reason for another amount.",
            who=describe_pupil(student, identification if is_tiered(standard.rows) else None),
            std=standard.describe())
    return errors


def describe_pupil(student, identification=None):
    from app.rules.awards import student_stage

    parts = [STAGES.label(student_stage(student)), str(_l("boarder") if getattr(student, "boarding", False)
                                                       else _l("non-boarder"))]
    if identification is not None:
        parts.append(DIFFICULTY_LEVELS.label(identification.level))
    return "，".join(parts)


# --- the letter to parents --------------------------------------------------------------------

def _yuan(amount):
    amount = Decimal(amount)
    return f"{amount:,.0f}" if amount == amount.to_integral() else f"{amount:,.2f}"


PER = {"year": "每生每年", "semester": "每生每学期", "once": "一次性"}


def letter_standard(session, program, stage, boarding, school_year, term="1"):
    """The standard as the letter states it for a pupil of this stage and boarding status.

    ``boarding`` None (a later stage's policy): boarders' and others' standards both. Tiered: the
    range and each tier; alternatives (省内/省外): each one. None when the programme has none.
    """
    rows = standards_in_force(session, program, school_year, term)
    rows = [r for r in rows if r.stage in (None, "") or r.stage == stage]
    if not rows:
        return None
    per = PER.get(program.period, "")
    by_boarding = any(r.boarding is not None for r in rows)
    if by_boarding and boarding is None:
        parts = []
        for flag, word in ((True, "寄宿生"), (False, "非寄宿生")):
            mine = for_pupil(rows, stage, flag)
            if mine:
                parts.append(f"{word}{_describe(mine, '')}")
        stage_part = STAGE_CN.get(stage, "") if any(r.stage for r in rows) else ""
        return f"{stage_part}{per}" + "，".join(parts) + "。"
    mine = for_pupil(rows, stage, boarding)
    if not mine:
        return None
    stage_part = STAGE_CN.get(stage, "") if any(r.stage for r in mine) else ""
    board_part = ("寄宿生" if boarding else "非寄宿生") if by_boarding else ""
    who = f"（{stage_part}{board_part}）" if stage_part or board_part else ""
    return f"{per}{_describe(mine, who)}。"


def _describe(rows, who):
    if is_tiered(rows):
        order = [code for code, _ in DIFFICULTY_LEVELS][::-1]
        tiers = sorted((r for r in rows if r.level), key=lambda r: order.index(r.level))
        low, high = min(r.amount for r in tiers), max(r.amount for r in tiers)
        detail = "、".join(f"{LEVEL_CN.get(r.level, r.level)}{_yuan(r.amount)}元" for r in tiers)
        return f"{_yuan(low)}—{_yuan(high)}元{who}，按困难程度分档：{detail}"
    if len(rows) > 1:
        detail = "、".join(f"{r.variant or ''}{_yuan(r.amount)}元" for r in sorted(rows, key=lambda r: r.amount))
        return f"{detail}{who}"
    return f"{_yuan(rows[0].amount)}元{who}"


STAGE_CN = {"kindergarten": "幼儿园", "primary": "小学", "junior": "初中", "senior": "普通高中", "vocational": "中职",
            "complete": "完全中学"}
LEVEL_CN = {"general": "一般困难", "difficult": "困难", "special": "特别困难"}


def check_standard(standard, session):
    """A standard row: a school year, a valid stage/level of the programme, an amount above zero."""
    from app.models import AidProgram
    from app.rules import RuleError
    from app.rules.identification import SCHOOL_YEAR

    errors = {}
    for name in ("stage", "level", "variant"):  # a blank choice is "any"
        if not (getattr(standard, name, None) or "").strip():
            setattr(standard, name, None)
    if getattr(standard, "boarding", None) == "":
        standard.boarding = None
    match = SCHOOL_YEAR.match(standard.since_year or "")
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        errors["since_year"] = _l("Write the school year as 2021-2022.")
    if (standard.since_term or "1") not in TERMS:
        errors["since_term"] = _l("Not a valid choice")
    if standard.amount is None or Decimal(standard.amount) <= 0:
        errors["amount"] = _l("The amount must be more than zero.")
    program = getattr(standard, "program", None) or (
        session.get(AidProgram, standard.program_id) if standard.program_id else None)
    if program is None:
        errors["program"] = _l("This field is required.")
    elif standard.stage and standard.stage not in program.stage_codes and not (
            standard.stage in ("junior", "senior") and "complete" in program.stage_codes):
        errors["stage"] = _l("%(program)s does not aid pupils of %(stage)s.", program=program.name,
                             stage=STAGES.label(standard.stage))
    if standard.level and standard.level not in DIFFICULTY_LEVELS:
        errors["level"] = _l("Not a valid choice")
    if standard.stage and standard.stage not in STAGES:
        errors["stage"] = _l("Not a valid choice")
    grades = row_grades(standard)
    allowed = [g for g in (program.grade_list if program is not None else []) if not same_grade(g, GRADUATED)]
    known = allowed or list(all_grades())
    bad = [g for g in grades if not in_grades(g, known)]
    if bad:
        errors["grades"] = _l("Unknown: %(v)s.", v="、".join(bad)) if not allowed else _l(
            "%(program)s covers only %(grades)s.", program=program.name, grades="、".join(allowed))
    standard.grades = ",".join(grade_key(g) for g in grades) or None
    if errors:
        raise RuleError(errors)


def check_program(program, session=None):
    """The programme's eligibility settings name real levels, categories and grades."""
    from app.models.choices import GRADES_BY_STAGE, PERIODS
    from app.models.identification import CATEGORIES
    from app.rules import RuleError

    errors = {}
    if program.period not in PERIODS:
        errors["period"] = _l("Not a valid choice")
    bad = [c for c in program.level_codes if c not in DIFFICULTY_LEVELS]
    if bad:
        errors["levels"] = _l("Unknown: %(v)s.", v="、".join(bad))
    bad = [c for c in program.category_codes if c not in {name for name, _, _ in CATEGORIES}]
    if bad:
        errors["categories"] = _l("Unknown: %(v)s.", v="、".join(bad))
    known = [g for grades in GRADES_BY_STAGE.values() for g in grades] + [GRADUATED]
    bad = [g for g in program.grade_list if not in_grades(g, known)]
    if bad:
        errors["grades"] = _l("Unknown: %(v)s.", v="、".join(bad))
    if errors:
        raise RuleError(errors)
