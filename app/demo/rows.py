"""Row builders of the demo data: one recipe for a school, a pupil, an identification, an award, a loan…

Every seeder builds its rows here: the demo county (app/demo/county.py, app/demo/work.py), the
benchmarks' bulk seeders (bench/fastseed.py, bench/city.py, bench/loadtest.py) and the tests'
factories (tests/factories.py).  A builder is a plain function that returns the row as a dict of
column values, so that

* an ORM seeder makes a record of it (``Student(**row)``, or ``record(Student, row)``) and the
  record rules judge it as it is stored (app/rules/registry.py, app/operations/bulkwrites.py);
* a bulk seeder writes the dicts as they are (``executemany`` on SQLite, ``COPY`` on PostgreSQL),
  encrypting the personal data itself (app/security/crypto.py ``stored``).

The rows are plausible by the same rules that judge a typed-in record: valid GB 11643 ID numbers
under the county's division code, unique in the county (the caller keeps the set of numbers
given); a grade of the school's stage and an age that fits it on 1 September; a 学籍号 of the
kinds app/rules/studentno.py reads; valid card numbers (Luhn, app/rules/cards.py); award amounts
from the demo programmes' standards by school year (app/demo/programmes.py), read by the rules'
own functions.  The random draws of each builder are part of the recipe: the demo county stays
the same county for the same seed.

Names are drawn from common characters and every number is synthetic: none is a real person's.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from app.demo.programmes import DEMO_ELIGIBILITY, DEMO_PROGRAMS, MAIN_GRANT, semester_amount
from app.models.choices import GRADES_BY_STAGE
from app.models.identification import CATEGORIES
from app.rules import cards, idcard

GRADES = GRADES_BY_STAGE
# Age on 1 September of the school year, for the first grade of each list.
FIRST_AGE = {"kindergarten": 3, "primary": 6, "junior": 12, "senior": 15, "complete": 12, "vocational": 15}
# The share of boarders (寄宿生) at schools of each kind.
BOARDERS = {"kindergarten": 0, "primary": 0.3, "junior": 0.5, "senior": 0.6, "complete": 0.5, "vocational": 0.6}
# How many pupils a school of each kind has, relative to the others.
WEIGHT = {"kindergarten": 2, "primary": 5, "junior": 5, "senior": 9, "complete": 7, "vocational": 6}
STREETS = ["人民路", "建设路", "学府路", "文昌路"]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "子梓浩宇轩然睿涵欣怡泽辰雨晨博文佳琪思源一诺嘉俊杰鑫磊婷静雅芳明华建国志强秀英丽娟敏军伟涛勇超玉兰红梅晓东海燕春雪云飞天乐安宁"

# The programmes' period and flat standard, by name (app/demo/programmes.py).
_PERIOD = {name: (period, Decimal(amount)) for name, _, _, amount, period, _, _ in DEMO_PROGRAMS}
_NO_RULE = (False, None, None, None, False)


def _get(record, key):
    """A field of a school or pupil given as a dict (bulk seeders) or as a record (ORM seeders, tests)."""
    return record[key] if isinstance(record, dict) else getattr(record, key)


def record(model, row):
    """The ORM record of a built row (the rules judge it when it is flushed)."""
    return model(**row)


# --- people and numbers -----------------------------------------------------------------------

def person_name(rng):
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.8 else "")
    return rng.choice(SURNAMES) + given


def staff_name(rng):
    """A short name of a member of staff (two characters)."""
    return rng.choice("王李张刘陈杨黄赵吴周徐孙马朱胡") + rng.choice(["敏", "伟", "芳", "军", "静", "磊", "霞", "涛", "燕", "超"])


def mobile(rng):
    return f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}"


def landline(rng, exchange="5"):
    """A landline of the county (area code 0550)."""
    return f"0550-{exchange}{rng.randrange(100000, 999999)}"


def unique_id_number(rng, division, born, used):
    """A valid ID number (GB 11643) for someone of the county born on ``born``, not in ``used`` (then added)."""
    while True:
        number = idcard.make(division, born, rng.randrange(0, 1000))
        if number not in used:
            used.add(number)
            return number


def gender_of(number):
    return "M" if int(number[16]) % 2 else "F"


def demo_student_number(number):
    """A demo pupil's 学籍号, read from its (synthetic) ID number so the random draws of the rest stay as
    they were: G + the ID number for most, a temporary L or a J number for a few, none yet for some."""
    born, seq = date(int(number[6:10]), int(number[10:12]), int(number[12:14])), int(number[14:17])
    other = (seq * 7 + 3) % 1000  # a bijection: no two pupils of one birth date share it
    kind = seq % 100
    if kind < 84:
        return "G" + number
    if kind < 88:
        return f"L{number[:6]}{born:%Y%m%d}8{other:03d}"
    if kind < 90:
        return "J" + idcard.make(number[:6], born, other)
    return None


def card_number(aid_card, n):
    """A valid card number: a school-issued 学生资助卡 (6217…) or a family's bank card (6228…)."""
    return cards.make("6217" if aid_card else "6228", 19, 10_000_000 + n)


# --- schools and pupils -----------------------------------------------------------------------

def school_row(rng, code, name, stage, town, county, street=None, number=None, exchange="5", **over):
    """A school: its address in its town, a principal, a phone and a complaint hotline."""
    address = f"{county}{town}{street or rng.choice(STREETS)}{number or rng.randrange(1, 200)}号"
    row = dict(code=code, name=name, stage=stage, town=town, address=address, principal=person_name(rng),
               phone=landline(rng, exchange), complaint_hotline=landline(rng, exchange), active=True)
    row.update(over)
    return row


def school_shares(schools, total):
    """(school, pupils) for ``total`` pupils spread over the schools by the weight of their stage."""
    weight = sum(WEIGHT[_get(s, "stage")] for s in schools)
    made = 0
    for i, school in enumerate(schools):
        share = total - made if i == len(schools) - 1 else round(total * WEIGHT[_get(school, "stage")] / weight)
        share = max(0, min(share, total - made))
        made += share
        yield school, share


def pupil_row(rng, school, year_start, used, division, grades=None, **over):
    """A pupil in school in the school year starting in ``year_start``: a grade of the school's stage (one of
    ``grades`` if given), born so that the age fits it, a valid unique ID number, a 学籍号, a class, the
    enrolment year of the grade, a guardian with a mobile, boarding as often as at such schools, an address
    in the school's town."""
    stage = _get(school, "stage")
    all_grades = GRADES[stage]
    if grades:
        g = all_grades.index(grades[rng.randrange(len(grades))])
    else:
        g = rng.randrange(len(all_grades))
    born = date(year_start - FIRST_AGE[stage] - g, 9, 1) - timedelta(days=rng.randrange(0, 365))
    number = unique_id_number(rng, division, born, used)
    guardian = person_name(rng)
    row = dict(
        school_id=_get(school, "id"), name=person_name(rng), gender=gender_of(number), id_number=number,
        student_number=demo_student_number(number), birth_date=born, grade=all_grades[g],
        class_name=f"{rng.randrange(1, 9)}班", enrolment_year=year_start - g, guardian=guardian,
        guardian_phone=mobile(rng), boarding=rng.random() < BOARDERS[stage],
        address=f"{_get(school, 'town')}{rng.choice('东南西北')}{rng.randrange(1, 30)}组{rng.randrange(1, 80)}号",
    )
    row.update(over)
    return row


def former_pupil_row(rng, school_id, entry, used, division, grade="已毕业", **over):
    """A pupil who goes (高三) or went (已毕业) to university in the autumn of ``entry``: a borrower."""
    born = date(entry - 18, rng.randrange(1, 13), rng.randrange(1, 28))
    number = unique_id_number(rng, division, born, used)
    row = dict(school_id=school_id, name=person_name(rng), gender=gender_of(number), id_number=number,
               student_number=demo_student_number(number), birth_date=born, grade=grade,
               class_name=f"{rng.randrange(1, 9)}班", enrolment_year=entry - 3, guardian=person_name(rng),
               guardian_phone=mobile(rng))
    row.update(over)
    return row


def pupil_stage(stage, grade):
    """The stage a pupil's aid follows: a complete school's pupils are senior or junior by grade."""
    if stage == "complete":
        return "senior" if grade.startswith("高") else "junior"
    return stage


# --- identifications --------------------------------------------------------------------------

_SOURCE = {"cat_registered_poor": "poverty_office", "cat_subsistence": "civil_affairs",
           "cat_extreme_poverty": "civil_affairs", "cat_disability": "disabled_fed"}


def identification_row(rng, student_id, school_id, school_year, on, level=None, categories=None, **over):
    """A family's difficulty identification: a level and categories in a county's mix (a quarter
    建档立卡, some 低保, a few 特困 or 残疾, half 其他; or the ``level`` and ``categories`` given), verified
    by the department that keeps the list of its first category."""
    if level is None:
        level = rng.choices(["special", "difficult", "general"], weights=[20, 45, 35])[0]
    flags = {name: False for name, _, _ in CATEGORIES}
    if categories:
        pick = categories[0]
        flags.update({name: True for name in categories})
    else:
        pick = rng.choices(
            ["cat_registered_poor", "cat_subsistence", "cat_extreme_poverty", "cat_disability", "cat_orphan", "cat_other"],
            weights=[25, 15, 3, 4, 1, 52],
        )[0]
        flags[pick] = True
        if pick != "cat_other" and rng.random() < 0.15:
            flags[rng.choice(["cat_subsistence", "cat_disability"])] = True
    priority = any(flags[c] for c, _, p in CATEGORIES if p)
    row = dict(student_id=student_id, school_id=school_id, school_year=school_year, level=level, is_priority=priority,
               evidence_source=_SOURCE.get(pick, "school"), identified_on=on, notes=None, **flags)
    row.update(over)
    return row


def identification_day(rng, year_start, today):
    """The day of an identification at the start of the school year (never after today)."""
    return min(date(year_start, 9, 1) + timedelta(days=rng.randrange(0, 40)), today)


# --- awards -----------------------------------------------------------------------------------

def grants(rng, stage, priority, school_aid=0.25, freshman=0.0, pairing=0.0):
    """The programmes an identified pupil of this stage is aided by in a semester: the stage's main grant,
    免学费 for priority 高中 pupils and every 中职 pupil, sometimes 校内资助, and (where asked) the
    university entrance grant and a 结对 pairing."""
    out = [MAIN_GRANT[stage]]
    if priority and stage == "senior":
        out.append("普通高中免学费")
    if stage == "vocational":
        out.append("中职免学费")
    if stage in ("kindergarten", "senior", "vocational") and rng.random() < school_aid:
        out.append("校内资助")
    if freshman and stage == "senior" and rng.random() < freshman:
        out.append("大学新生入学资助")
    if pairing and stage in ("primary", "junior", "senior") and rng.random() < pairing:
        out.append("滴水慈善基金会手拉手结对助学")
    return out


def is_waiver(program):
    """免学费: credited to the school, no card."""
    return DEMO_ELIGIBILITY.get(program, _NO_RULE)[4]


def award_amount(program, stage, boarding, level, since, grade=None):
    """The semester amount of ``program`` for this pupil in the semester ``since`` ((school year, term)) by the
    demo standards; None when they do not cover the pupil's grade that semester."""
    period, flat = _PERIOD[program]
    return semester_amount(program, period, flat, stage, boarding, level, since, grade)


def award_status(rng, current, void_share=0.0):
    """Most of the current semester's awards are paid, some approved or still proposed; older ones paid
    (a few voided, where asked)."""
    if current:
        return rng.choices(["paid", "approved", "proposed"], [6, 2, 2])[0]
    if void_share and rng.random() < void_share:
        return "void"
    return "paid"


def paid_day(rng, starts_on, today):
    return min(starts_on + timedelta(days=rng.randrange(30, 80)), today)


def award_row(student_id, school_id, program_id, semester_id, starts_on, amount, status, card=None, holder=None,
              aid_card=False, paid_on=None, **over):
    """An award of a semester starting ``starts_on``: a waiver names no card (``card`` None), other money
    the card it goes to; approved at the start of the semester unless still proposed."""
    row = dict(student_id=student_id, school_id=school_id, program_id=program_id, semester_id=semester_id,
               amount=amount, card_kind=None if card is None else ("aid_card" if aid_card else "bank_card"),
               card_number=card, card_holder=holder if card is not None else None, status=status,
               approved_at=datetime.combine(starts_on, time(9)) if status != "proposed" else None, paid_on=paid_on)
    if status == "void":
        row.update(void_reason="重复申报，已撤销", voided_at=datetime.combine(starts_on, time(10)))
    row.update(over)
    return row


# --- loans ------------------------------------------------------------------------------------

UNFINISHED = ("pre_applied", "accepted", "approved", "rejected")
GRADUATED = ("graduated", "repaying", "settled", "overdue")


def loan_status(rng, years_since):
    """Where a loan stands ``years_since`` years after its borrower went to university."""
    if years_since == 0:
        return rng.choices(["pre_applied", "accepted", "approved", "rejected", "contracted", "disbursed"],
                           [3, 2, 2, 1, 2, 6])[0]
    if years_since < 4:
        return "disbursed"
    return rng.choices(["graduated", "repaying", "settled", "overdue"], [1, 6, 2, 1])[0]


def loan_row(rng, student_id, school_id, entry, status, amount, co_borrower, co_borrower_phone, university, major,
             contract_number, **over):
    """A 生源地信用助学贷款 of a borrower who went to university in the autumn of ``entry`` (four years)."""
    graduation = date(entry + 4, 7, 1)
    row = dict(student_id=student_id, school_id=school_id, co_borrower=co_borrower, co_borrower_phone=co_borrower_phone,
               university=university, major=major, degree="undergraduate", academic_year=f"{entry}-{entry + 1}",
               amount=amount, expected_graduation=graduation, grace_years=rng.choice([0, 1, 2, 3]),
               repayment_years=rng.choice([10, 12, 15]), status=status,
               contract_number=contract_number if status not in UNFINISHED else None,
               reject_reason="材料不全且逾期未补交" if status == "rejected" else None,
               graduation_confirmed_on=graduation if status in GRADUATED else None)
    row.update(over)
    return row


def due_rows(loan_id, loan, rate, today):
    """The instalments of a loan being repaid (app/rules/loans.py ``instalments``): paid up to today when it
    is repaid on time, all of them when settled, unpaid for two years when overdue."""
    from app.rules.loans import instalments

    status = loan["status"]
    out = []
    for due_on, principal, interest in instalments(loan["amount"], rate, loan["expected_graduation"],
                                                   loan["grace_years"], loan["repayment_years"]):
        paid = status == "settled" or (due_on < today and (status == "repaying" or due_on.year < today.year - 1))
        out.append(dict(loan_id=loan_id, school_id=loan["school_id"], due_on=due_on, principal=principal,
                        interest=interest, paid_principal=principal if paid else Decimal("0"),
                        paid_interest=interest if paid else Decimal("0"), paid_on=min(due_on, today) if paid else None))
    return out


# --- school funds -----------------------------------------------------------------------------

FUND_STAGES = ("kindergarten", "senior", "complete", "vocational")  # the schools that must extract (校内资助)
RATIOS = ["0.030", "0.035", "0.040", "0.045", "0.050", "0.050", "0.025"]


def fund_row(rng, school, year, ratios=RATIOS, reference_digits=3):
    """A school's aid-fund ledger of a year: its operating income, the share extracted (mostly within the
    band, a few below) and the compliance the rules give it."""
    from app.kpi.funds import compliance

    income = Decimal(rng.randrange(300, 6000) * 1000)
    extracted = (income * Decimal(rng.choice(ratios))).quantize(Decimal("1"))
    return dict(school_id=_get(school, "id"), year=year, operating_income=income, extracted=extracted,
                compliance=compliance(_get(school, "stage"), income, extracted),
                ledger_reference=f"资助专户-{_get(school, 'code')[-reference_digits:]}")


# --- report submissions, home visits, publicity -----------------------------------------------

def submission_row(rng, task_id, school_id, deadline, late_share=0.15, weights=(7, 2, 1), future=False, **over):
    """A school's answer to a report task: some late, most accepted, some returned for correction, some not
    yet reviewed (all of them when the deadline is still ahead, ``future``)."""
    late = not future and rng.random() < late_share
    at = deadline + (timedelta(days=rng.randrange(1, 5)) if late else -timedelta(days=rng.randrange(0, 6), hours=3))
    status = "submitted" if future else rng.choices(["accepted", "returned", "submitted"], weights)[0]
    row = dict(task_id=task_id, school_id=school_id, content="详见附件及说明。", submitted_at=at, late=late, status=status,
               review_comment="请补充分年级人数统计。" if status == "returned" else None,
               reviewed_at=at + timedelta(days=2) if status != "submitted" else None)
    row.update(over)
    return row


FAMILY_MET = ["母亲", "父亲", "祖母", "祖父"]
VISIT_FINDINGS = ["父母务工，孩子由祖辈照顾，家庭收入较低。", "家中有重病患者，医疗支出大。", "家庭为低保户，住房条件较差。"]


def visit_row(rng, school_id, student_id, visit_type, visited_on, open_problem, **over):
    """A 百千万走访 home visit: whom the visitors met, what they found, and a problem left open or not."""
    row = dict(school_id=school_id, student_id=student_id, visit_type=visit_type, visited_on=visited_on,
               visitors="班主任、资助专干", family_met=rng.choice(FAMILY_MET), findings=rng.choice(VISIT_FINDINGS),
               opinions="希望及时了解资助政策和申请时间。", solved="现场讲解了本学段资助政策。",
               open_problems="需协助申请临时救助。" if open_problem else None,
               follow_up="资助专干两周内跟进。" if open_problem else None, resolved=not open_problem)
    row.update(over)
    return row


ACTIVITIES = ["first_lesson", "parent_letter", "class_meeting", "parent_meeting", "screen", "blackboard", "two_lessons"]
ACTIVITY_TITLES = ["开学第一课资助政策宣传", "资助政策主题班会", "致家长一封信发放", "资助政策进家长会"]


def policy_stage(stage):
    """The stage whose policies a school's publicity announces one stage early: 高中 policies (and the loans)
    at secondary schools, 初中 ones at a junior school, all of them elsewhere."""
    return "senior" if stage in ("senior", "complete", "vocational") else ("junior" if stage == "junior" else "all")


def activity_row(rng, school_id, first_day, days, target_stage, **over):
    """A publicity activity on one of ``days`` days from ``first_day``, with its audience."""
    row = dict(school_id=school_id, activity_type=rng.choice(ACTIVITIES),
               held_on=first_day + timedelta(days=rng.randrange(days)), title=rng.choice(ACTIVITY_TITLES),
               audience=rng.randrange(30, 600), target_stage=target_stage, notes=None)
    row.update(over)
    return row


# --- complaints -------------------------------------------------------------------------------

COMPLAINT_SUBJECTS = [
    ("complaint", "家长反映本学期国家助学金未到账"), ("complaint", "学生资助卡被班主任代为保管"),
    ("report", "举报学校虚报困难学生名单"), ("report", "举报资助资金发放名单中有教师子女"),
    ("complaint", "困难认定结果未公示即上报"), ("complaint", "免学费后仍被收取学费"),
    ("consult", "咨询普通高中国家助学金申请条件"), ("consult", "咨询生源地信用助学贷款办理时间"),
    ("consult", "咨询学前教育资助标准"), ("consult", "咨询中职免学费政策"), ("complaint", "公示名单泄露学生身份证号"),
    ("report", "举报冒领助学金"),
]
COMPLAINT_CHANNELS = ["phone", "phone", "letter", "visit", "online"]  # most come by phone
COMPLAINANTS = ["王女士", "李先生", "张女士", "刘先生", "陈女士"]


def complaint_subject(rng, kind):
    """A subject of a complaint, report (举报) or question (咨询) of ``kind``."""
    return rng.choice([subject for k, subject in COMPLAINT_SUBJECTS if k == kind])


def complaint_row(rng, school_id, kind, received, subject, content=None, anonymous=None, channel=None,
                  complainant=None, status="registered", stage_since=None, **over):
    """A complaint, report or question registered by the centre (``school_id`` None: about policy, no school):
    half the reports anonymous, come in at ``received`` by phone mostly, from a complainant with a mobile, in
    ``status`` since it came in. Whatever is given (``anonymous``, ``channel``, ``complainant`` as (name,
    contact)) is not drawn."""
    if anonymous is None:
        anonymous = kind == "report" and rng.random() < 0.5
    channel = channel or rng.choice(COMPLAINT_CHANNELS)
    name, contact = (None, None) if anonymous else complainant or (
        rng.choice(COMPLAINANTS), f"13{rng.randrange(100000000, 999999999)}")
    row = dict(school_id=school_id, origin="centre", channel=channel, kind=kind, received_at=received,
               anonymous=anonymous, complainant_name=name, complainant_contact=contact, subject=subject,
               content=content or f"{subject}。来电人称情况属实，请求尽快核实处理。", status=status,
               stage_since=stage_since or received)
    row.update(over)
    return row


# --- inspections ------------------------------------------------------------------------------

INSPECTION_FINDINGS = ["资助档案基本完整，公示照片缺少日期。", "个别学生资助卡由班主任代管。", "资金台账清晰，宣传到位。"]
RECTIFICATION_STATES = ["required", "submitted", "accepted", "accepted"]


def inspection_row(rng, school_id, day, today, kinds=("patrol", "patrol", "unannounced"), results=None,
                   rectify_share=0.6, states=RECTIFICATION_STATES, **over):
    """A done inspection (巡查, 暗访…) of ``day`` with its findings and, for some, a rectification in one of
    ``states`` (carried out within weeks, never after today); the result drawn from ``results`` or a pass."""
    kind = rng.choice(kinds)
    result = rng.choice(results) if results else "pass"
    row = dict(school_id=school_id, kind=kind, status="done", inspected_on=day, result=result,
               findings=rng.choice(INSPECTION_FINDINGS), rectification_status="none")
    if rng.random() < rectify_share:
        state = rng.choice(states)
        row.update(rectification_demand="补齐公示材料，规范资助卡管理。", rectification_deadline=day + timedelta(days=30),
                   rectification_status=state)
        if state != "required":
            done = min(day + timedelta(days=rng.randrange(10, 40)), today)
            row.update(rectification_done="已补齐材料，资助卡已全部发还学生本人。", rectified_at=datetime.combine(done, time(0)))
    row.update(over)
    return row


def planned_inspection_row(rng, school_id, today):
    """A patrol or an unannounced visit planned in the coming weeks."""
    return dict(school_id=school_id, kind=rng.choice(["patrol", "unannounced"]), status="planned",
                inspected_on=today + timedelta(days=rng.randrange(3, 40)), rectification_status="none")


def item_score(rng, full):
    """The score of a checklist item: mostly full marks, a few points off."""
    return full - rng.choice([0, 0, 1, 2, 3, 5])
