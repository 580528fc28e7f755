"""The demo county: schools of every stage, synthetic students and identifications, one user per role.

Everything is synthetic: names are drawn from common characters and ID numbers
are built with the county's division code and a valid check character; none is
a real person's.  ``seed_demo`` is idempotent: it does nothing once schools exist.

Only for trying the product: every seeder here refuses outside development (``demo_only``,
app/demo/guard.py), and the demo users are recorded as demo accounts, which cannot log in
outside development.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, insert, select

from app.rules import idcard
from app.demo.guard import demo_only, mark as mark_demo_accounts
from app.extensions import db
from app.models import Identification, School, Student
from app.models.choices import DEMO_TOWNS, GRADES_BY_STAGE
from app.models.identification import CATEGORIES
from app.security.roles import ADMIN, AID_CENTER, AUDITOR, LEADER, ROLE_LABELS, SCHOOL_OFFICER, SUPERVISOR
from app.rules.identification import school_year_of

GRADES = GRADES_BY_STAGE
# Age on 1 September of the school year, for the first grade of each list.
FIRST_AGE = {"kindergarten": 3, "primary": 6, "junior": 12, "senior": 15, "complete": 12, "vocational": 15}
# The share of boarders (寄宿生) at schools of each kind.
BOARDERS = {"kindergarten": 0, "primary": 0.3, "junior": 0.5, "senior": 0.6, "complete": 0.5, "vocational": 0.6}
# How many pupils a school of each kind has, relative to the others.
WEIGHT = {"kindergarten": 2, "primary": 5, "junior": 5, "senior": 9, "complete": 7, "vocational": 6}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "子梓浩宇轩然睿涵欣怡泽辰雨晨博文佳琪思源一诺嘉俊杰鑫磊婷静雅芳明华建国志强秀英丽娟敏军伟涛勇超玉兰红梅晓东海燕春雪云飞天乐安宁"


@dataclass
class SeedResult:
    created: bool
    schools: int = 0
    students: int = 0
    identifications: int = 0
    awards: int = 0
    complaints: int = 0
    outreach: dict = field(default_factory=dict)
    users: list = field(default_factory=list)

    def summary(self):
        if self.created:
            lines = [
                f"demo county loaded: {self.schools} schools, {self.students} students, "
                f"{self.identifications} identifications, {self.awards} awards, and student loans "
                f"of former pupils",
                f"{self.complaints} complaints and consultations; {self.outreach.get('visits', 0)} home visits, "
                f"{self.outreach.get('activities', 0)} publicity activities, {self.outreach.get('staff', 0)} aid staff, "
                f"{self.outreach.get('trainings', 0)} trainings",
            ]
        else:
            lines = ["demo data already present: nothing changed"]
            if not self.users:
                return lines[0]
        lines.append("demo logins (password: " + current_app.config["DEMO_PASSWORD"] + "):")
        lines += [f"  {u:<12} {r}" for u, r in self.users]
        lines.append("(the demo users are for trying the product: remove them before real use)")
        return "\n".join(lines)


def demo_schools():
    """(code, name, stage, town) for the demo county, modelled on 全椒县."""
    county = current_app.config["COUNTY_NAME"]
    rows = [
        ("中学", "senior", "襄河镇"),
        ("第二中学", "senior", "襄河镇"),
        ("第三中学", "complete", "襄河镇"),
        ("职业教育中心", "vocational", "襄河镇"),
        ("实验初级中学", "junior", "襄河镇"),
        ("实验小学", "primary", "襄河镇"),
        ("机关幼儿园", "kindergarten", "襄河镇"),
        ("古河中学", "complete", "古河镇"),
    ]
    schools = [(f"{county}{suffix}", stage, town) for suffix, stage, town in rows]
    for town in DEMO_TOWNS:
        schools.append((f"{county}{town}中心学校", "primary" if town != "襄河镇" else "junior", town))
        schools.append((f"{county}{town}中心幼儿园", "kindergarten", town))
    out = []
    for n, (name, stage, town) in enumerate(schools, start=1):
        out.append(dict(code=f"3411240{n:03d}", name=name, stage=stage, town=town))
    return out


def _phone(rng):
    return f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}"


def _name(rng):
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.8 else "")
    return rng.choice(SURNAMES) + given


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


def _students_for(rng, school, count, year_start, used_ids, division):
    stage = school["stage"]
    grades = GRADES[stage]
    rows = []
    for _ in range(count):
        g = rng.randrange(len(grades))
        age = FIRST_AGE[stage] + g
        born = date(year_start - age, 9, 1) - timedelta(days=rng.randrange(0, 365))
        while True:
            number = idcard.make(division, born, rng.randrange(0, 1000))
            if number not in used_ids:
                used_ids.add(number)
                break
        gender = "M" if int(number[16]) % 2 else "F"
        surname_guardian = _name(rng)
        rows.append(
            dict(
                school_id=school["id"], name=_name(rng), gender=gender, id_number=number,
                student_number=demo_student_number(number),
                birth_date=born, grade=grades[g], class_name=f"{rng.randrange(1, 9)}班",
                enrolment_year=year_start - g, guardian=surname_guardian, guardian_phone=_phone(rng),
                boarding=rng.random() < BOARDERS[stage],
                address=f"{school['town']}{rng.choice('东南西北')}{rng.randrange(1, 30)}组{rng.randrange(1, 80)}号",
            )
        )
    return rows


def _identification(rng, student_id, school_id, school_year, on):
    level = rng.choices(["special", "difficult", "general"], weights=[20, 45, 35])[0]
    flags = {name: False for name, _, _ in CATEGORIES}
    pick = rng.choices(
        ["cat_registered_poor", "cat_subsistence", "cat_extreme_poverty", "cat_disability", "cat_orphan", "cat_other"],
        weights=[25, 15, 3, 4, 1, 52],
    )[0]
    flags[pick] = True
    if pick != "cat_other" and rng.random() < 0.15:
        flags[rng.choice(["cat_subsistence", "cat_disability"])] = True
    source = {
        "cat_registered_poor": "poverty_office", "cat_subsistence": "civil_affairs",
        "cat_extreme_poverty": "civil_affairs", "cat_disability": "disabled_fed",
    }.get(pick, "school")
    priority = any(flags[c] for c, _, p in CATEGORIES if p)
    return dict(
        student_id=student_id, school_id=school_id, school_year=school_year, level=level,
        is_priority=priority, evidence_source=source, identified_on=on, notes=None, **flags,
    )


# username, role, school (index into demo_schools()), display name
DEMO_USERS = [
    ("admin", ADMIN, None, "系统管理员"),
    ("center", AID_CENTER, None, "陈静"),
    ("officer", SCHOOL_OFFICER, 0, "刘洋"),     # the county high school
    ("officer2", SCHOOL_OFFICER, 6, "周敏"),    # the government kindergarten
    ("officer3", SCHOOL_OFFICER, 1, "吴磊"),    # the second high school (a transfer between two high schools)
    ("supervisor", SUPERVISOR, None, "孙立新"),
    ("leader", LEADER, None, "赵建国"),
    ("auditor", AUDITOR, None, "钱审计"),
]


# The programmes of the time (Anhui, around 2021); amounts are the standard per `period`.
DEMO_PROGRAMS = [
    ("学前教育资助", "national", "kindergarten", "1000", "year", "中央和地方财政", "保教费减免或生活补助，每生每年1000元"),
    ("义务教育家庭经济困难学生生活补助", "national", "primary,junior", "1250", "year", "中央和地方财政",
     "小学每生每年1000元、初中1250元"),
    ("普通高中国家助学金", "national", "senior,complete", "2000", "year", "中央和地方财政",
     "分档资助：一般困难1000元、困难2000元、特别困难3000元/年"),
    ("普通高中免学费", "national", "senior,complete", "1700", "year", "中央和地方财政", "建档立卡等困中之困学生免除学费"),
    ("中职国家助学金", "national", "vocational", "2000", "year", "中央和地方财政", "一、二年级家庭经济困难学生"),
    ("中职免学费", "national", "vocational", "2000", "year", "中央和地方财政", "按核定学费标准免除"),
    ("校内资助", "school", "kindergarten,senior,complete,vocational", "500", "semester", "学校事业收入提取",
     "从事业收入中提取3%-5%"),
    ("大学新生入学资助", "social", "senior,complete", "1000", "once", "中国教育发展基金会",
     "考入大学的家庭经济困难新生路费和短期生活费，一次性：省内500元、省外1000元"),
    ("滴水慈善基金会手拉手结对助学", "social", "primary,junior,senior,complete", "1000", "year", "浙江滴水慈善基金会",
     "一对一结对资助"),
]
PRIORITY = "cat_registered_poor,cat_subsistence,cat_extreme_poverty,cat_disability"
# Who each programme aids (app/rules/eligibility.py): needs an identification, levels, categories, grades, waiver.
DEMO_ELIGIBILITY = {
    "学前教育资助": (True, None, None, "小班,中班,大班", False),
    "义务教育家庭经济困难学生生活补助": (True, None, None, None, False),
    "普通高中国家助学金": (True, None, None, None, False),
    "普通高中免学费": (True, None, PRIORITY, None, True),
    "中职国家助学金": (True, None, None, None, False),  # 一、二年级 until spring 2025: see its standards
    "中职免学费": (False, None, None, None, True),
    "校内资助": (True, None, None, None, False),
    "大学新生入学资助": (True, None, None, "高三,已毕业", False),
}
_P2019 = "财科教〔2019〕19号《学生资助资金管理办法》"
_P2024 = "2024年春季学期起提高家庭经济困难寄宿生生活补助国家基础标准（非寄宿生按50%核定）"
_P2025 = ("财政部 教育部 人力资源社会保障部《关于调整高等教育阶段和高中阶段国家奖助学金政策的通知》：2025年春季学期起平均2300元，"
          "分三档")
_TIERS_2025 = (("general", 1500), ("difficult", 2300), ("special", 3100))
# Standards by school year (the same as the migration c4e8a1f0b2d3 installs for these names):
# programme: [(since_year, since_term, stage, boarding, level, variant, amount per the programme's period, policy)]
DEMO_STANDARDS = {
    "学前教育资助": [("2019-2020", "1", None, None, None, None, 1000, "本县学前教育资助标准")],
    "义务教育家庭经济困难学生生活补助": [
        ("2019-2020", "1", "primary", True, None, None, 1000, _P2019),
        ("2019-2020", "1", "primary", False, None, None, 500, _P2019),
        ("2019-2020", "1", "junior", True, None, None, 1250, _P2019),
        ("2019-2020", "1", "junior", False, None, None, 625, _P2019),
        ("2023-2024", "2", "primary", True, None, None, 1250, _P2024),
        ("2023-2024", "2", "primary", False, None, None, 625, _P2024),
        ("2023-2024", "2", "junior", True, None, None, 1500, _P2024),
        ("2023-2024", "2", "junior", False, None, None, 750, _P2024),
    ],
    "普通高中国家助学金": [("2019-2020", "1", None, None, lv, None, a, _P2019 + "：平均2000元，分三档")
                         for lv, a in (("general", 1000), ("difficult", 2000), ("special", 3000))]
                        + [("2024-2025", "2", None, None, lv, None, a, _P2025) for lv, a in _TIERS_2025],
    "中职国家助学金": [("2019-2020", "1", None, None, lv, None, a, _P2019 + "：平均2000元，分三档，一、二年级")
                   for lv, a in (("general", 1000), ("difficult", 2000), ("special", 3000))]
                  + [("2024-2025", "2", None, None, lv, None, a, _P2025) for lv, a in _TIERS_2025],
    "大学新生入学资助": [("2019-2020", "1", None, None, None, "省内", 500, "中国教育发展基金会大学新生入学资助项目：一次性"),
                  ("2019-2020", "1", None, None, None, "省外", 1000, "中国教育发展基金会大学新生入学资助项目：一次性")],
}
# The grades a standard row covers, where fewer than the programme's: (programme, since_year, since_term).
DEMO_ROW_GRADES = {("中职国家助学金", "2019-2020", "1"): "中职一年级,中职二年级"}
_MAIN_GRANT = {"kindergarten": "学前教育资助", "primary": "义务教育家庭经济困难学生生活补助",
               "junior": "义务教育家庭经济困难学生生活补助", "senior": "普通高中国家助学金",
               "vocational": "中职国家助学金"}


def _demo_amount(name, period, flat, stage, boarding, level, semester, grade=None):
    """The semester amount of the standard for this pupil (the rules' own reading of the standards);
    None when the semester's standards do not cover the pupil's grade."""
    from types import SimpleNamespace

    from app.rules.eligibility import for_level, for_pupil, per_semester, uncovered_grade

    rows = [SimpleNamespace(since=(y, t), stage=st, boarding=b, level=lv, amount=a,
                            grades=DEMO_ROW_GRADES.get((name, y, t)))
            for y, t, st, b, lv, _, a, _ in DEMO_STANDARDS.get(name, [])]
    started = [r for r in rows if r.since <= (semester.school_year, semester.term)]
    if started:
        latest = max(r.since for r in started)
        latest_rows = [r for r in started if r.since == latest]
        if grade is not None and uncovered_grade(latest_rows, grade):
            return None
        mine = for_level(for_pupil(latest_rows, stage, boarding, grade), level)
        if mine:
            return per_semester(mine[0].amount, period)
    return per_semester(flat, period)


@demo_only
def _seed_aid(rng, schools, year_start, today):
    """Programmes, the current and the previous semester, and awards for identified pupils.

    Most are paid; some of this semester's are still proposed or approved, and a
    few priority pupils have no award yet, as in a real county mid-semester.
    """
    from decimal import Decimal

    from app.models import AidProgram, Award, ProgramStandard, Semester
    from app.rules import cards

    no_rule = (False, None, None, None, False)
    db.session.execute(insert(AidProgram), [
        dict(name=n, kind=k, stages=st, standard_amount=Decimal(a), period=p, funding_source=f, notes=note, active=True,
             **dict(zip(("needs_identification", "levels", "categories", "grades", "waiver"),
                        DEMO_ELIGIBILITY.get(n, no_rule))))
        for n, k, st, a, p, f, note in DEMO_PROGRAMS
    ])
    programs = dict(db.session.execute(select(AidProgram.name, AidProgram.id)).all())
    db.session.execute(insert(ProgramStandard), [
        dict(program_id=programs[name], since_year=y, since_term=t, stage=st, boarding=b, level=lv, variant=v,
             grades=DEMO_ROW_GRADES.get((name, y, t)), amount=Decimal(a), policy=p)
        for name, rows in DEMO_STANDARDS.items() for y, t, st, b, lv, v, a, p in rows
    ])
    period_of = {n: (p, Decimal(a)) for n, _, _, a, p, _, _ in DEMO_PROGRAMS}
    from app.models import LetterPolicy

    # the letter states each pupil's standard from these programmes (its wording carries {标准})
    for policy in db.session.scalars(select(LetterPolicy).where(LetterPolicy.title.in_(list(DEMO_STANDARDS)))):
        policy.program_id = programs[policy.title]
    previous = Semester(school_year=f"{year_start - 1}-{year_start}", term="2", starts_on=date(year_start, 2, 20),
                        ends_on=date(year_start, 7, 10), payment_deadline=date(year_start, 6, 30), is_current=False)
    current = Semester(school_year=f"{year_start}-{year_start + 1}", term="1", starts_on=date(year_start, 9, 1),
                       ends_on=date(year_start + 1, 1, 20), payment_deadline=date(year_start, 12, 31), is_current=True)
    db.session.add_all([previous, current])
    db.session.commit()
    stage_of = {s["id"]: s["stage"] for s in schools}
    names = dict(db.session.execute(select(Student.id, Student.name)).all())
    guardians = {sid: g or names[sid] for sid, g in db.session.execute(select(Student.id, Student.guardian)).all()}
    # 认定 is yearly: last school year's identifications of the same pupils, on which last semester's awards rest
    this_year = current.school_year
    last = db.session.scalars(select(Identification).where(Identification.school_year == this_year)).all()
    db.session.execute(insert(Identification), [
        dict(student_id=i.student_id, school_id=i.school_id, school_year=previous.school_year, level=i.level,
             is_priority=i.is_priority, evidence_source=i.evidence_source,
             identified_on=date(year_start - 1, 9, 1) + timedelta(days=rng.randrange(0, 40)), notes=None,
             **{name: getattr(i, name) for name, _, _ in CATEGORIES})
        for i in last
    ])
    rows = db.session.execute(
        select(Identification.student_id, Identification.school_id, Identification.level, Identification.is_priority,
               Student.grade, Student.boarding)
        .join(Student, Student.id == Identification.student_id).where(Identification.school_year == this_year)
    ).all()
    awards = []
    for n, (student_id, school_id, level, priority, grade, boarding) in enumerate(rows):
        stage = stage_of[school_id]
        if stage == "complete":
            stage = "senior" if grade.startswith("高") else "junior"
        if rng.random() < (0.04 if priority else 0.15):
            continue  # not aided yet: the coverage page lists the priority ones
        aid_card = stage in ("senior", "vocational")
        card = cards.make("6217" if aid_card else "6228", 19, 10_000_000 + n)
        holder = names[student_id] if aid_card or rng.random() < 0.6 else guardians[student_id]  # family card: a parent's
        grants = [_MAIN_GRANT[stage]]
        if priority and stage == "senior":
            grants.append("普通高中免学费")
        if stage == "vocational":
            grants.append("中职免学费")
        if stage in ("kindergarten", "senior", "vocational") and rng.random() < 0.25:
            grants.append("校内资助")
        for program in grants:
            period, flat = period_of[program]
            for semester, status in ((previous, "paid"), (current, rng.choices(["paid", "approved", "proposed"], [6, 2, 2])[0])):
                amount = _demo_amount(program, period, flat, stage, boarding, level, semester, grade)
                if amount is None:
                    continue  # a grade the semester's standard does not cover
                waiver = DEMO_ELIGIBILITY.get(program, no_rule)[4]  # 免学费: credited to the school, no card
                awards.append(dict(
                    student_id=student_id, school_id=school_id, program_id=programs[program], semester_id=semester.id,
                    amount=amount, card_kind=None if waiver else ("aid_card" if aid_card else "bank_card"),
                    card_number=None if waiver else card, card_holder=None if waiver else holder,
                    status=status, approved_at=datetime.combine(semester.starts_on, time(9)) if status != "proposed" else None,
                    paid_on=min(semester.starts_on + timedelta(days=rng.randrange(30, 80)), today) if status == "paid" else None,
                ))
    for start in range(0, len(awards), 5000):
        db.session.execute(insert(Award), awards[start:start + 5000])
    db.session.commit()
    _seed_funds_and_social(rng, schools, year_start, rows)
    _seed_loans(rng, schools, year_start, today, count=max(30, min(1000, len(rows) * 2 // 3 + 120)))
    _seed_reporting(rng, schools, today)
    return len(awards)


@demo_only
def _seed_reporting(rng, schools, today):
    """Report tasks of the last months and one due soon, answered by most schools (some late, some returned)."""
    from app.models import ReportTask, Submission

    now = datetime.combine(today, time(9))
    tasks = [
        ReportTask(title="秋季学期家庭经济困难学生认定情况报送", deadline=now - timedelta(days=60),
                   description="报送本校本学期困难学生认定名单及认定依据。", stages="kindergarten,primary,junior,senior,complete,vocational"),
        ReportTask(title="国家助学金发放情况月报", deadline=now - timedelta(days=14),
                   description="报送本月国家助学金发放人数、金额及资助卡发放情况。", stages="senior,complete,vocational"),
        ReportTask(title="校内资助资金提取与使用情况", deadline=now + timedelta(days=5),
                   description="报送本年度事业收入、提取比例及校内资助支出明细。", stages="kindergarten,senior,complete,vocational"),
    ]
    db.session.add_all(tasks)
    db.session.flush()
    stage_of = {s["id"]: s["stage"] for s in schools}
    rows = []
    for task in tasks[:2]:
        asked = [sid for sid, stage in stage_of.items() if stage in task.stages.split(",")]
        for sid in asked:
            if rng.random() < 0.1:
                continue  # not submitted
            late = rng.random() < 0.15
            at = task.deadline + (timedelta(days=rng.randrange(1, 5)) if late else -timedelta(days=rng.randrange(0, 6), hours=3))
            status = rng.choices(["accepted", "returned", "submitted"], [7, 2, 1])[0]
            rows.append(dict(task_id=task.id, school_id=sid, content="详见附件及说明。", submitted_at=at, late=late,
                             status=status, review_comment="请补充分年级人数统计。" if status == "returned" else None,
                             reviewed_at=at + timedelta(days=2) if status != "submitted" else None))
    db.session.execute(insert(Submission), rows)
    db.session.commit()


UNIVERSITIES = [("安徽大学", "汉语言文学"), ("合肥工业大学", "机械工程"), ("安徽师范大学", "数学与应用数学"),
                ("安徽医科大学", "临床医学"), ("滁州学院", "计算机科学与技术"), ("安徽农业大学", "农学"),
                ("南京师范大学", "教育学"), ("安徽财经大学", "会计学")]


@demo_only
def _seed_loans(rng, schools, year_start, today, count):
    """The checklist, and loans in every state over several years: this year's applications of 高三
    grant holders, and former pupils who have graduated, repay, have settled or are overdue."""
    from decimal import Decimal

    from app.models import Loan, LoanEvent, LoanMaterial, RepaymentDue, loans
    from app.rules.loans import ceiling, instalments, pre_application_year

    db.session.add_all([LoanMaterial(name=n, required=r, sort_order=i) for i, (n, r) in enumerate(
        [("身份证", True), ("户口簿", True), ("录取通知书", True), ("家庭经济困难证明", True), ("学生证", False)])])
    db.session.flush()
    materials = db.session.scalars(select(LoanMaterial)).all()
    senior = [s for s in schools if s["stage"] in ("senior", "complete")]
    rates = _loan_rates(year_start)
    division = current_app.config["COUNTY_CODE"]
    used = set(db.session.scalars(select(Student.id_number)).all())
    loan_rows, due_rows, event_rows, material_rows = [], [], [], []
    for n in range(count):
        school = rng.choice(senior)
        entry = year_start - rng.randrange(0, 9)          # the autumn the borrower went to university
        years_since = year_start - entry
        if years_since == 0:
            status = rng.choices(["pre_applied", "accepted", "approved", "rejected", "contracted", "disbursed"],
                                 [3, 2, 2, 1, 2, 6])[0]
        elif years_since < 4:
            status = "disbursed"
        else:
            status = rng.choices(["graduated", "repaying", "settled", "overdue"], [1, 6, 2, 1])[0]
        if status == "pre_applied":
            # a 高三 pupil of this school year, for the autumn it goes to university (app/rules/loans.py)
            entry = int(pre_application_year(today)[:4])
        born = date(entry - 18, rng.randrange(1, 13), rng.randrange(1, 28))
        while True:
            number = idcard.make(division, born, rng.randrange(0, 1000))
            if number not in used:
                used.add(number)
                break
        student = Student(school_id=school["id"], name=_name(rng), gender="M" if int(number[16]) % 2 else "F",
                          id_number=number, student_number=demo_student_number(number), birth_date=born,
                          grade="高三" if status == "pre_applied" else "已毕业",
                          class_name=f"{rng.randrange(1, 9)}班", enrolment_year=entry - 3, guardian=_name(rng),
                          guardian_phone=_phone(rng))
        db.session.add(student)
        db.session.flush()
        university, major = rng.choice(UNIVERSITIES)
        most = ceiling(db.session, "undergraduate", f"{entry}-{entry + 1}") or Decimal(8000)  # the year's ceiling
        amount = Decimal(rng.choice([a for a in (6000, 8000, 10000, 12000, 16000, 20000) if a <= most])) \
            if status != "pre_applied" else None
        graduation = date(entry + 4, 7, 1)
        loan = dict(student_id=student.id, school_id=school["id"], co_borrower=student.guardian,
                    co_borrower_phone=student.guardian_phone, university=university, major=major, degree="undergraduate",
                    academic_year=f"{entry}-{entry + 1}", amount=amount, expected_graduation=graduation,
                    grace_years=rng.choice([0, 1, 2, 3]), repayment_years=rng.choice([10, 12, 15]), status=status,
                    contract_number=f"QJ{entry}{n:04d}" if status not in ("pre_applied", "accepted", "approved", "rejected") else None,
                    reject_reason="材料不全且逾期未补交" if status == "rejected" else None,
                    graduation_confirmed_on=graduation if status in ("graduated", "repaying", "settled", "overdue") else None)
        loan_rows.append((loan, student))
    db.session.commit()
    steps = [s for s, _ in loans.LOAN_STATUSES]
    for loan, student in loan_rows:
        result = db.session.execute(insert(Loan).returning(Loan.id), [loan]).scalar_one()
        if loan["status"] != "pre_applied":
            material_rows += [dict(loan_id=result, material_id=m.id) for m in materials if m.required]
            path = ["pre_applied", "accepted", "rejected"] if loan["status"] == "rejected" else \
                steps[:steps.index(loan["status"]) + 1] if loan["status"] != "overdue" else steps[:steps.index("repaying") + 1] + ["overdue"]
            path = [p for p in path if p != "rejected" or loan["status"] == "rejected"]
            for before, after in zip(path, path[1:]):
                event_rows.append(dict(loan_id=result, school_id=loan["school_id"], from_status=before, to_status=after,
                                       at=datetime(int(loan["academic_year"][:4]), 8, 1, 9)))
        if loan["status"] in ("repaying", "settled", "overdue"):
            for due_on, principal, interest in instalments(loan["amount"], rates[loan["academic_year"]], loan["expected_graduation"],
                                                           loan["grace_years"], loan["repayment_years"]):
                paid = loan["status"] == "settled" or (due_on < today and (loan["status"] == "repaying" or due_on.year < today.year - 1))
                due_rows.append(dict(loan_id=result, school_id=loan["school_id"], due_on=due_on, principal=principal,
                                     interest=interest, paid_principal=principal if paid else Decimal("0"),
                                     paid_interest=interest if paid else Decimal("0"),
                                     paid_on=min(due_on, today) if paid else None))
    from app.models.loans import loan_material_check

    if material_rows:
        db.session.execute(insert(loan_material_check), material_rows)
    if event_rows:
        db.session.execute(insert(LoanEvent), event_rows)
    if due_rows:
        db.session.execute(insert(RepaymentDue), due_rows)
    db.session.commit()


@demo_only
def _seed_status_changes(rng, year_start, today):
    """学籍变动 of this school year, for 控辍保学: identified pupils without an award who were suspended,
    dropped out (one visited since to persuade the pupil back, 劝返, whose family then asked the school's
    hotline about aid after returning; one not yet) or left the county. Through the rule, as a school
    would record them. Returns the consultations made."""
    from app.models import Award, Complaint, HomeVisit, Identification, Student
    from app.rules.pupil_status import change

    school_year = f"{year_start}-{year_start + 1}"
    aided = select(Award.student_id)
    candidates = db.session.scalars(
        select(Student).join(Identification, Identification.student_id == Student.id)
        .where(Identification.school_year == school_year, Student.status == "in_school", Student.grade != "已毕业",
               Student.id.not_in(aided)).order_by(Student.id).limit(40)).all()
    picked = rng.sample(candidates, min(5, len(candidates)))
    start = date(year_start, 9, 1)
    plan = [("drop_out", "家庭经济困难，随父母外出务工"), ("drop_out", "厌学，经多次劝返未返校"),
            ("suspend", "因病休学，附县医院诊断证明"), ("suspend", "意外受伤住院治疗"),
            ("transfer_out", "随父母迁往江苏省南京市，转入当地学校")]
    consultations = 0
    for student, (kind, reason) in zip(picked, plan):
        on = min(start + timedelta(days=rng.randrange(20, 80)), today)
        change(db.session, student, kind, on=on, reason=reason)
        if kind == "drop_out" and reason.startswith("家庭"):
            db.session.add(HomeVisit(student_id=student.id, visit_type="persuade_back", visitors="班主任、资助专干",
                                     visited_on=min(on + timedelta(days=5), today), family_met="父亲",
                                     findings="家长外出务工，学生随行；宣讲资助政策，劝返", opinions="争取下学期返校"))
            # the family's question on the school's hotline: in the pupil's 资助档案 (it names the pupil)
            db.session.add(Complaint(
                school_id=student.school_id, origin="school", channel="phone", kind="consult",
                received_at=datetime.combine(min(on + timedelta(days=7), today), time(10, 30)),
                complainant_name=f"{student.name[0]}先生", complainant_contact="13955012468",
                subject=f"{student.name}家长咨询返校后的资助",
                content=f"{student.name}的父亲来电：孩子下学期返校，原来的生活补助能否继续享受？"))
            consultations += 1
    db.session.commit()
    return consultations


@demo_only
def _seed_transfer(schools, today):
    """转出到本县学校: one pupil of 第二中学 on its way to 县中学, awaiting the receiving school (the demo
    officer's to-do: 待接收的转入学生). Filed through the rule, as the sending school files it."""
    from app.models import School, Student
    from app.rules.transfers import file_handover

    sending, receiving = (db.session.scalar(select(School.id).where(School.code == schools[i]["code"])) for i in (1, 0))
    pupil = db.session.scalars(select(Student).where(Student.school_id == sending, Student.status == "in_school",
                                                     Student.grade == "高一").order_by(Student.id).limit(1)).first()
    if pupil is not None:
        file_handover(db.session, pupil, receiving, today, "家庭迁至县城襄河镇居住，家长申请转入县中学就读")
        db.session.commit()


@demo_only
def _loan_rates(year_start):
    """{school year: rate} of the demo's loans (the migration seeds the policy's years): a school year of
    the last ten with none recorded takes the nearest recorded one's rate, recorded as demo data."""
    from app.models import LoanRate

    recorded = {r.school_year: r for r in db.session.scalars(select(LoanRate))}
    for start in range(year_start - 9, year_start + 1):
        year = f"{start}-{start + 1}"
        if year in recorded or not recorded:
            continue
        nearest = min(recorded.values(), key=lambda r: (abs(int(r.school_year[:4]) - start), -int(r.school_year[:4])))
        recorded[year] = LoanRate(school_year=year, reference_rate=nearest.reference_rate, reduction_bp=nearest.reduction_bp,
                                  ceiling_undergraduate=nearest.ceiling_undergraduate,
                                  ceiling_postgraduate=nearest.ceiling_postgraduate, basis=nearest.basis, notes=f"演示数据：沿用{nearest.school_year}学年的利率")
        db.session.add(recorded[year])
    db.session.flush()
    return {year: r.rate for year, r in recorded.items()}


@demo_only
def _seed_funds_and_social(rng, schools, year_start, identified):
    """Aid-fund ledgers of the schools that must extract, and two social projects with pairings."""
    from decimal import Decimal

    from app.kpi.funds import compliance
    from app.models import Pairing, SchoolFund, SocialProject

    funds = []
    for school in schools:
        if school["stage"] not in ("kindergarten", "senior", "complete", "vocational"):
            continue
        for year in (year_start - 1, year_start):
            income = Decimal(rng.randrange(300, 6000) * 1000)
            ratio = Decimal(rng.choice(["0.030", "0.035", "0.040", "0.045", "0.050", "0.050", "0.025"]))
            extracted = (income * ratio).quantize(Decimal("1"))
            funds.append(dict(school_id=school["id"], year=year, operating_income=income, extracted=extracted,
                              compliance=compliance(school["stage"], income, extracted),
                              ledger_reference=f"资助专户-{school['code'][-3:]}"))
    db.session.execute(insert(SchoolFund), funds)
    dishui = SocialProject(name="滴水慈善基金会手拉手结对助学", donor="浙江滴水慈善基金会", kind="pairing",
                           budget=Decimal("200000"), starts_on=date(year_start, 9, 1), contact="项目联络员")
    freshman = SocialProject(name="大学新生入学资助项目", donor="中国教育发展基金会", kind="freshman",
                             budget=Decimal("100000"), starts_on=date(year_start, 7, 1))
    db.session.add_all([dishui, freshman])
    db.session.flush()
    pairings = []
    stage_of = {s["id"]: s["stage"] for s in schools}
    donors = ["杭州爱心人士", "宁波某企业职工", "温州志愿者", "绍兴退休教师", "嘉兴某公司"]
    for student_id, school_id, *_ in identified:
        if stage_of[school_id] in ("primary", "junior") and rng.random() < 0.25:
            pairings.append(dict(project_id=dishui.id, student_id=student_id, school_id=school_id,
                                 donor_name=rng.choice(donors), amount=Decimal("1000"),
                                 starts_on=date(year_start, 9, 1), ends_on=date(year_start + 1, 7, 31)))
    if pairings:
        db.session.execute(insert(Pairing), pairings)
    db.session.commit()


def _user_label(role, school_name=None):
    return f"{ROLE_LABELS[role]} {role}" + (f" · {school_name}" if school_name else "")


def _existing_demo_users():
    """The demo users still present, to remind who can log in."""
    from flask_appbuilder.security.sqla.models import User

    from app.models import InfoOfficer

    found = []
    for username, role, _, _ in DEMO_USERS:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            continue
        link = db.session.scalar(select(InfoOfficer).where(InfoOfficer.user_id == user.id))
        found.append((username, _user_label(role, link.school.name if link else None)))
    return found


HOLIDAYS_2026_NOTICE = "国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）"
# (name, kind, first day, last day) as that notice sets them
HOLIDAYS_2026 = [
    ("元旦", "holiday", date(2026, 1, 1), date(2026, 1, 3)), ("元旦调休", "workday", date(2026, 1, 4), date(2026, 1, 4)),
    ("春节", "holiday", date(2026, 2, 15), date(2026, 2, 23)),
    ("春节调休", "workday", date(2026, 2, 14), date(2026, 2, 14)),
    ("春节调休", "workday", date(2026, 2, 28), date(2026, 2, 28)),
    ("清明节", "holiday", date(2026, 4, 4), date(2026, 4, 6)),
    ("劳动节", "holiday", date(2026, 5, 1), date(2026, 5, 5)),
    ("劳动节调休", "workday", date(2026, 5, 9), date(2026, 5, 9)),
    ("端午节", "holiday", date(2026, 6, 19), date(2026, 6, 21)),
    ("中秋节", "holiday", date(2026, 9, 25), date(2026, 9, 27)),
    ("国庆节", "holiday", date(2026, 10, 1), date(2026, 10, 7)),
    ("国庆节调休", "workday", date(2026, 9, 20), date(2026, 9, 20)),
    ("国庆节调休", "workday", date(2026, 10, 10), date(2026, 10, 10)),
]


def _seed_calendar():
    """The working-day calendar of 2026, from the State Council's notice (the centre adds each year's)."""
    from app.models import WorkCalendarEntry

    if db.session.scalar(select(func.count(WorkCalendarEntry.id)).where(WorkCalendarEntry.year == 2026)):
        return
    db.session.add_all([WorkCalendarEntry(year=2026, name=name, kind=kind, starts_on=first, ends_on=last,
                                          basis=HOLIDAYS_2026_NOTICE) for name, kind, first, last in HOLIDAYS_2026])
    db.session.commit()


@demo_only
def seed_demo(students=3000, seed=2021, today=None, batch=5000) -> SeedResult:
    from app.cli import create_user

    if db.session.scalar(select(func.count(School.id))):
        return SeedResult(created=False, users=_existing_demo_users())
    rng = random.Random(seed)
    today = today or date.today()
    school_year = school_year_of(today)
    year_start = int(school_year[:4])
    division = current_app.config["COUNTY_CODE"]

    schools = demo_schools()
    for s in schools:
        s.update(
            address=f"{current_app.config['COUNTY_NAME']}{s['town']}{rng.choice(['人民路', '建设路', '学府路', '文昌路'])}{rng.randrange(1, 200)}号",
            principal=_name(rng), phone=f"0550-5{rng.randrange(100000, 999999)}",
            complaint_hotline=f"0550-5{rng.randrange(100000, 999999)}", active=True,
        )
    db.session.execute(insert(School), schools)
    ids = dict(db.session.execute(select(School.code, School.id)).all())
    for s in schools:
        s["id"] = ids[s["code"]]

    total_weight = sum(WEIGHT[s["stage"]] for s in schools)
    used_ids: set[str] = set()
    made = 0
    identified = 0
    pending: list[dict] = []

    def flush_students(rows):
        nonlocal identified
        if not rows:
            return
        db.session.execute(insert(Student), rows)
        numbers = [r["id_number"] for r in rows]
        idmap = {}
        for chunk in range(0, len(numbers), 900):
            idmap.update(db.session.execute(
                select(Student.id_number, Student.id).where(Student.id_number.in_(numbers[chunk:chunk + 900]))
            ).all())
        idents = []
        for r in rows:
            if rng.random() < 0.09:
                on = date(year_start, 9, 1) + timedelta(days=rng.randrange(0, 40))
                on = min(on, today)
                idents.append(_identification(rng, idmap[r["id_number"]], r["school_id"], school_year, on))
        if idents:
            db.session.execute(insert(Identification), idents)
            identified += len(idents)

    for i, school in enumerate(schools):
        share = students - made if i == len(schools) - 1 else round(students * WEIGHT[school["stage"]] / total_weight)
        share = max(0, min(share, students - made))
        made += share
        pending += _students_for(rng, school, share, year_start, used_ids, division)
        while len(pending) >= batch:
            flush_students(pending[:batch])
            pending = pending[batch:]
    flush_students(pending)
    db.session.commit()
    awards = _seed_aid(rng, schools, year_start, today)
    _seed_calendar()

    current_app.appbuilder.sm.sync_roles()
    password = current_app.config["DEMO_PASSWORD"]
    users, accounts = [], []
    for username, role, school_index, name in DEMO_USERS:
        code = schools[school_index]["code"] if school_index is not None else None
        accounts.append(create_user(username, role, password, school_code=code, first_name=name))
        users.append((username, _user_label(role, schools[school_index]["name"] if school_index is not None else None)))
    # known as demo accounts from now on: outside development they cannot log in (app/demo/guard.py)
    mark_demo_accounts(db.session, accounts)
    db.session.commit()
    from app.demo.work import seed_budgets, seed_complaints, seed_inspections, seed_outreach

    seed_inspections(rng, schools, today)
    seed_budgets(rng, today)
    outreach = seed_outreach(rng, schools, year_start, today)
    complaints, _ = seed_complaints(rng, schools, today)
    complaints += _seed_status_changes(rng, year_start, today)
    _seed_transfer(schools, today)
    from app.demo.procedure import seed_procedure

    seed_procedure(rng, schools, year_start, today, _name)
    return SeedResult(created=True, schools=len(schools), students=made, identifications=identified,
                      awards=awards, complaints=complaints, outreach=outreach, users=users)
