"""The demo county: schools of every stage, synthetic students and identifications, one user per role.

Everything is synthetic: names are drawn from common characters and ID numbers
are built with the county's division code and a valid check character; none is
a real person's.  The rows come from the demo's row builders (app/demo/rows.py), written through the
session so that the record rules judge each one.  ``seed_demo`` is idempotent: it does nothing once
schools exist, and the same seed on the same day makes the same county.

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

from app import clock
from app.demo import rows
from app.demo.guard import demo_only, mark as mark_demo_accounts
from app.demo.programmes import (  # noqa: F401  (the programmes' data, also read as county.DEMO_*)
    DEMO_ELIGIBILITY, DEMO_PROGRAMS, DEMO_ROW_GRADES, DEMO_STANDARDS, MAIN_GRANT, PRIORITY,
)
from app.demo.rows import GRADES, demo_student_number, person_name  # noqa: F401  (tests read them here)
from app.extensions import db
from app.models import Identification, School, Student
from app.models.choices import DEMO_TOWNS
from app.models.identification import CATEGORIES
from app.security.roles import ADMIN, AID_CENTER, AUDITOR, LEADER, ROLE_LABELS, SCHOOL_OFFICER, SUPERVISOR
from app.rules.identification import school_year_of


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


@demo_only
def _seed_aid(rng, schools, year_start, today):
    """Programmes, the current and the previous semester, and awards for identified pupils.

    Most are paid; some of this semester's are still proposed or approved, and a
    few priority pupils have no award yet, as in a real county mid-semester.
    """
    from decimal import Decimal

    from app.models import AidProgram, Award, ProgramStandard, Semester

    no_rule = (False, None, None, None, False)
    _insert(AidProgram, [
        dict(name=n, kind=k, stages=st, standard_amount=Decimal(a), period=p, funding_source=f, notes=note, active=True,
             **dict(zip(("needs_identification", "levels", "categories", "grades", "waiver"),
                        DEMO_ELIGIBILITY.get(n, no_rule))))
        for n, k, st, a, p, f, note in DEMO_PROGRAMS
    ])
    programs = dict(db.session.execute(select(AidProgram.name, AidProgram.id)).all())
    _insert(ProgramStandard, [
        dict(program_id=programs[name], since_year=y, since_term=t, stage=st, boarding=b, level=lv, variant=v,
             grades=DEMO_ROW_GRADES.get((name, y, t)), amount=Decimal(a), policy=p)
        for name, standards in DEMO_STANDARDS.items() for y, t, st, b, lv, v, a, p in standards
    ])
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
    # 认定 is yearly: last school year's identifications of the same pupils, on which last semester's awards rest.
    # (Read in a stated order, here and wherever random draws follow: an unordered read comes back in the order
    # of whatever index the database walks, keyed hashes included, so the same seed would make another county.)
    this_year = current.school_year
    last = db.session.scalars(select(Identification).where(Identification.school_year == this_year)
                              .order_by(Identification.id)).all()
    _insert(Identification, [
        dict(student_id=i.student_id, school_id=i.school_id, school_year=previous.school_year, level=i.level,
             is_priority=i.is_priority, evidence_source=i.evidence_source,
             identified_on=rows.identification_day(rng, year_start - 1, today), notes=None,
             **{name: getattr(i, name) for name, _, _ in CATEGORIES})
        for i in last
    ])
    identified = db.session.execute(
        select(Identification.student_id, Identification.school_id, Identification.level, Identification.is_priority,
               Student.grade, Student.boarding)
        .join(Student, Student.id == Identification.student_id).where(Identification.school_year == this_year)
        .order_by(Identification.id)
    ).all()
    awards = []
    for n, (student_id, school_id, level, priority, grade, boarding) in enumerate(identified):
        stage = rows.pupil_stage(stage_of[school_id], grade)
        if rng.random() < (0.04 if priority else 0.15):
            continue  # not aided yet: the coverage page lists the priority ones
        aid_card = stage in ("senior", "vocational")
        card = rows.card_number(aid_card, n)
        holder = names[student_id] if aid_card or rng.random() < 0.6 else guardians[student_id]  # family card: a parent's
        for program in rows.grants(rng, stage, priority):
            for semester, status in ((previous, rows.award_status(rng, False)), (current, rows.award_status(rng, True))):
                amount = rows.award_amount(program, stage, boarding, level, (semester.school_year, semester.term), grade)
                if amount is None:
                    continue  # a grade the semester's standard does not cover
                waiver = rows.is_waiver(program)
                awards.append(rows.award_row(
                    student_id, school_id, programs[program], semester.id, semester.starts_on, amount, status,
                    card=None if waiver else card, holder=holder, aid_card=aid_card,
                    paid_on=rows.paid_day(rng, semester.starts_on, today) if status == "paid" else None))
    for start in range(0, len(awards), 5000):
        _insert(Award, awards[start:start + 5000])
    db.session.commit()
    _seed_funds_and_social(rng, schools, year_start, identified)
    _seed_loans(rng, schools, year_start, today, count=max(30, min(1000, len(identified) * 2 // 3 + 120)))
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
    answers = []
    for task in tasks[:2]:
        asked = [sid for sid, stage in stage_of.items() if stage in task.stages.split(",")]
        for sid in asked:
            if rng.random() < 0.1:
                continue  # not submitted
            answers.append(rows.submission_row(rng, task.id, sid, task.deadline))
    _insert(Submission, answers)
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
    from app.rules.loans import ceiling, pre_application_year

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
        status = rows.loan_status(rng, year_start - entry)
        if status == "pre_applied":
            # a 高三 pupil of this school year, for the autumn it goes to university (app/rules/loans.py)
            entry = int(pre_application_year(today)[:4])
        student = rows.record(Student, rows.former_pupil_row(rng, school["id"], entry, used, division,
                                                             grade="高三" if status == "pre_applied" else "已毕业"))
        db.session.add(student)
        db.session.flush()
        university, major = rng.choice(UNIVERSITIES)
        most = ceiling(db.session, "undergraduate", f"{entry}-{entry + 1}") or Decimal(8000)  # the year's ceiling
        amount = Decimal(rng.choice([a for a in (6000, 8000, 10000, 12000, 16000, 20000) if a <= most])) \
            if status != "pre_applied" else None
        loan = rows.loan_row(rng, student.id, school["id"], entry, status, amount, student.guardian,
                             student.guardian_phone, university, major, f"QJ{entry}{n:04d}")
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
            due_rows += rows.due_rows(result, loan, rates[loan["academic_year"]], today)
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
            # the school's officer types it in as the county is seeded: in its first state since then
            db.session.add(Complaint(**rows.complaint_row(
                rng, student.school_id, "consult", datetime.combine(min(on + timedelta(days=7), today), time(10, 30)),
                f"{student.name}家长咨询返校后的资助", origin="school", anonymous=False, channel="phone",
                complainant=(f"{student.name[0]}先生", "13955012468"), stage_since=clock.now(),
                content=f"{student.name}的父亲来电：孩子下学期返校，原来的生活补助能否继续享受？")))
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

    from app.models import Pairing, SchoolFund, SocialProject

    _insert(SchoolFund, [rows.fund_row(rng, school, year) for school in schools if school["stage"] in rows.FUND_STAGES
                         for year in (year_start - 1, year_start)])
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
    _insert(Pairing, pairings)
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


def _insert(model, values, ids=False):
    """Rows written through the session (app/operations/bulkwrites.py: one record each, the record rules
    run); with ``ids``, their ids in order. Nothing for no rows (an INSERT of none would be a record of nothing)."""
    if not values:
        return []
    if ids:
        return db.session.execute(insert(model).returning(model.id), values).scalars().all()
    db.session.execute(insert(model), values)
    return []


def _demo_user(username, role, password, school_id, first_name):
    """A demo login with one role; a school officer becomes its school's information officer."""
    from app.models import InfoOfficer
    from app.security.passwords import password_complexity

    password_complexity(password)  # a DEMO_PASSWORD too weak for a real account is refused as one would be
    sm = current_app.appbuilder.sm
    user = sm.add_user(username=username, first_name=first_name, last_name="", email=f"{username}@aid.invalid",
                       role=sm.find_role(role), password=password)
    if not user:
        raise RuntimeError(f"the demo user {username} could not be created")
    if school_id is not None:
        db.session.add(InfoOfficer(user_id=user.id, school_id=school_id))
        db.session.commit()
    return user


@demo_only
def seed_demo(students=3000, seed=2021, today=None, batch=5000) -> SeedResult:
    if db.session.scalar(select(func.count(School.id))):
        return SeedResult(created=False, users=_existing_demo_users())
    rng = random.Random(seed)
    today = today or date.today()
    school_year = school_year_of(today)
    year_start = int(school_year[:4])
    division = current_app.config["COUNTY_CODE"]

    county = current_app.config["COUNTY_NAME"]
    schools = [rows.school_row(rng, s["code"], s["name"], s["stage"], s["town"], county) for s in demo_schools()]
    ids = _insert(School, schools, ids=True)
    for s, school_id in zip(schools, ids):
        s["id"] = school_id

    used_ids: set[str] = set()
    made = 0
    identified = 0
    pending: list[dict] = []

    def flush_students(pupils):
        # through the session: each pupil and identification is judged by the record rules as it is stored
        nonlocal identified
        if not pupils:
            return
        idents = []
        for r, student_id in zip(pupils, _insert(Student, pupils, ids=True)):
            if rng.random() < 0.09:
                on = rows.identification_day(rng, year_start, today)
                idents.append(rows.identification_row(rng, student_id, r["school_id"], school_year, on))
        _insert(Identification, idents)
        identified += len(idents)

    for school, share in rows.school_shares(schools, students):
        made += share
        pending += [rows.pupil_row(rng, school, year_start, used_ids, division) for _ in range(share)]
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
        school_id = schools[school_index]["id"] if school_index is not None else None
        accounts.append(_demo_user(username, role, password, school_id, name))
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

    seed_procedure(rng, schools, year_start, today, person_name)
    return SeedResult(created=True, schools=len(schools), students=made, identifications=identified,
                      awards=awards, complaints=complaints, outreach=outreach, users=users)
