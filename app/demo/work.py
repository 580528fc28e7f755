"""Demo complaints, inspections, home visits, publicity, aid staff, training and 励志之星 (called by app/demo/county.py).

Like app/demo/county.py, every seeder here refuses outside development (app/demo/guard.py).

Cases are spread over the last months in every state of the workflow, each with the steps
that led there, so the timeline, the deadlines and the figures have something to show.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import insert, select

from app import clock
from app.demo.guard import demo_only
from app.demo import rows
from app.demo.rows import staff_name
from app.extensions import db
from app.models import Identification
from app.models.complaints import Complaint, ComplaintStep
from app.models.outreach import (
    AidStaff, HomeVisit, PublicityActivity, Recognition, TrainingAttendance, TrainingSession,
)
from app.rules.states import step as workflow_step
from app.rules.complaints import is_overdue

# how far along the workflow each demo case is
PATHS = {
    "registered": [],
    "awaiting_approval": ["submit"],
    "returned": ["submit", "return"],
    "approved": ["submit", "approve"],
    "investigating": ["submit", "approve", "assign"],
    "rectifying": ["submit", "approve", "assign", "find"],
    "rectified": ["submit", "approve", "assign", "find", "rectify"],
    "closed": ["submit", "approve", "assign", "find", "rectify", "close"],
}
TARGET = {"submit": "awaiting_approval", "return": "returned", "approve": "approved", "assign": "investigating",
          "find": "rectifying", "rectify": "rectified", "close": "closed", "answer": "closed"}
COMMENTS = {"submit": "拟按程序调查处理，请领导审阅。", "return": "诉求事实不清，请补充来电记录后再报。",
            "approve": "同意，请抓紧核实处理。", "assign": "", "find": "", "rectify": "", "close": "已电话答复投诉人。",
            "answer": ""}


def _users():
    return dict(db.session.execute(select(User.username, User.id)).all())


@demo_only
def seed_complaints(rng, schools, today):
    users = _users()
    center, leader, supervisor = users.get("center"), users.get("leader"), users.get("supervisor")
    states = list(PATHS)
    made = 0
    for n in range(36):
        kind, subject = rows.COMPLAINT_SUBJECTS[n % len(rows.COMPLAINT_SUBJECTS)]
        school = rng.choice(schools) if kind != "consult" or rng.random() < 0.3 else None
        received = datetime.combine(today - timedelta(days=rng.randrange(1, 200)), datetime.min.time()) + timedelta(
            hours=rng.randrange(8, 18), minutes=rng.randrange(60))
        age = (today - received.date()).days
        if n < len(states):  # one recent case in each state of the workflow
            kind, subject = [x for x in rows.COMPLAINT_SUBJECTS if x[0] != "consult"][n]
            school = school or rng.choice(schools)
            received = received.replace(year=today.year, month=today.month, day=today.day) - timedelta(days=3 * n + 1)
            status = states[n]
        elif kind == "consult":
            status = "closed" if age > 3 or rng.random() < 0.5 else "registered"
        elif age > 60:
            status = "closed" if rng.random() < 0.9 else rng.choice(["rectifying", "approved"])  # a few left behind
        else:
            status = rng.choice(states + ["closed"])
        c = Complaint(**rows.complaint_row(rng, school["id"] if school else None, kind, received, subject,
                                           registered_by_id=center))
        db.session.add(c)
        db.session.flush()
        at = received
        path = ["answer"] if kind == "consult" and status == "closed" else PATHS[status]
        if school is None and "assign" in path:
            path = []  # a demo case without a school stays at the centre
        for action in path:
            day = min((at + timedelta(days=rng.randrange(1, 9))).date(), today)
            at = max(at, datetime.combine(day, datetime.min.time()) + timedelta(hours=rng.randrange(8, 18),
                                                                                minutes=rng.randrange(60)))
            at = min(at, clock.now())
            who = {"approve": leader, "return": leader, "find": supervisor}.get(action, center)
            workflow_step(c)  # the workflow's steps, replayed with the demo's own days and people
            if action == "assign":
                c.handler, c.assignee_id = "supervisor", supervisor
            if action == "find":
                c.findings = "经调取发放记录并电话回访，情况基本属实。"
                c.result = rng.choice(["substantiated", "partly", "unfounded"])
                c.rectification_demand = "限期整改，补发资金并在校内公示整改结果。"
                c.shared_with_school = True
            if action == "rectify":
                c.rectification_done = "已补发并向家长说明情况，整改材料已报县资助中心。"
            if action in ("close", "answer"):
                c.reply = "已电话答复，来电人表示满意。"
                if action == "close":
                    c.accountability = rng.choice(["none", "none", "criticism", "notice"])
                    c.accountable_persons = None if c.accountability == "none" else "该校资助专干"
                c.closed_at = at
            db.session.add(ComplaintStep(complaint_id=c.id, school_id=c.school_id, action=action,
                                         from_status=c.status, to_status=TARGET[action], user_id=who, at=at,
                                         comment=COMMENTS[action] or None))
            c.status, c.stage_since = TARGET[action], at
        made += 1
    db.session.commit()
    overdue = sum(is_overdue(c, today) for c in db.session.scalars(select(Complaint)))
    return made, overdue


@demo_only
def seed_outreach(rng, schools, year_start, today):
    by_school = {}
    for student_id, school_id in db.session.execute(
            select(Identification.student_id, Identification.school_id).order_by(Identification.id)):
        by_school.setdefault(school_id, []).append(student_id)
    visits, activities, staff, stars = [], [], [], []
    start = date(year_start, 9, 1)
    span = max(1, (today - start).days)
    for school in schools:
        pupils = by_school.get(school["id"], [])
        for student_id in pupils[: rng.randrange(2, 6)]:
            open_problem = rng.random() < 0.3
            visit_type = "needing_loan" if school["stage"] in ("senior", "complete") and rng.random() < 0.4 \
                else rng.choice(["entering_senior", "receiving_aid"])
            visited_on = start + timedelta(days=rng.randrange(span))
            visits.append(rows.visit_row(rng, school["id"], student_id, visit_type, visited_on, open_problem,
                                         created_at=clock.now(), updated_at=clock.now()))
        for _ in range(rng.randrange(1, 5)):
            activities.append(rows.activity_row(rng, school["id"], start, span, rows.policy_stage(school["stage"]),
                                                created_at=clock.now(), updated_at=clock.now()))
        full_time = rng.random() < 0.75
        staff.append(dict(school_id=school["id"], name=staff_name(rng), post="资助专干",
                          employment="full_time" if full_time else "part_time",
                          since=date(year_start - rng.randrange(0, 6), 9, 1), until=None,
                          created_at=clock.now(), updated_at=clock.now()))
        if rng.random() < 0.2:
            staff.append(dict(school_id=school["id"], name=staff_name(rng), post="资助专干", employment="part_time",
                              since=date(year_start - 4, 9, 1), until=date(year_start, 8, 31),
                              created_at=clock.now(), updated_at=clock.now()))
        if pupils and school["stage"] in ("junior", "senior", "complete", "vocational"):
            stars.append(dict(school_id=school["id"], student_id=pupils[-1], year=today.year, kind="star",
                              title="县级励志之星", citation="家境困难但自强不息，品学兼优，热心帮助同学。",
                              created_at=clock.now(), updated_at=clock.now()))
    for name, post in [("陈静", "资助中心主任"), ("吴强", "资助中心科员"), ("何丽", "资助中心科员")]:
        staff.append(dict(school_id=None, name=name, post=post, employment="full_time", since=date(2016, 3, 1),
                          until=None, created_at=clock.now(), updated_at=clock.now()))
    for table, records in ((HomeVisit, visits), (PublicityActivity, activities), (AidStaff, staff), (Recognition, stars)):
        if records:
            db.session.execute(insert(table), records)
    sessions = [TrainingSession(held_on=d, topic=t, hours=Decimal(h), trainer="县学生资助管理中心", place="县教育局会议室")
                for d, t, h in [(date(year_start, 9, 20), "学生资助政策及困难认定培训", "4"),
                                (date(year_start, 11, 8), "资助管理信息系统操作培训", "3"),
                                (date(year_start - 1, 4, 12), "资助资金管理与档案规范培训", "2.5")]
                if d <= today]
    db.session.add_all(sessions)
    db.session.flush()
    present = db.session.scalars(select(AidStaff).where(AidStaff.until.is_(None)).order_by(AidStaff.id)).all()
    for s in sessions:
        for person in present:
            if person.since <= s.held_on and rng.random() < 0.8:
                db.session.add(TrainingAttendance(session_id=s.id, staff_id=person.id, school_id=person.school_id))
    db.session.commit()
    return dict(visits=len(visits), activities=len(activities), staff=len(staff), trainings=len(sessions),
                stars=len(stars))


CHECKLIST = [("资金专款专用", 20), ("单独立账、账目清晰", 15), ("资助名单公示规范", 15), ("困难认定程序规范", 15),
             ("资助档案完整", 15), ("资助政策宣传到位", 10), ("信息报送及时准确", 10)]


@demo_only
def seed_inspections(rng, schools, today):
    """The checklist, and this year's patrols, unannounced visits and rectifications in every state."""
    from app.models import Inspection, InspectionItem, InspectionScore

    items = [InspectionItem(name=name, max_score=score, sort_order=i) for i, (name, score) in enumerate(CHECKLIST, 1)]
    db.session.add_all(items)
    db.session.flush()
    supervisor = _users().get("supervisor")
    inspector = db.session.get(User, supervisor) if supervisor else None
    made = 0
    for school in rng.sample(schools, k=min(len(schools), 18)):
        day = today - timedelta(days=rng.randrange(5, 150))
        insp = Inspection(**rows.inspection_row(rng, school["id"], day, today))
        if inspector is not None:
            insp.inspectors = [inspector]
        db.session.add(insp)
        db.session.flush()
        for item in items:
            db.session.add(InspectionScore(inspection_id=insp.id, item_id=item.id, school_id=school["id"],
                                           score=rows.item_score(rng, item.max_score)))
        made += 1
    for school in rng.sample(schools, k=min(len(schools), 5)):
        db.session.add(Inspection(**rows.planned_inspection_row(rng, school["id"], today)))
        made += 1
    db.session.commit()
    return made


@demo_only
def seed_budgets(rng, today):
    """This year's budget of each programme with the allocations arrived so far, and a batch sent to the bank."""
    from app.models import AidProgram, Award, Semester
    from app.models.budgets import Allocation, ProgramBudget
    from app.rules.budgets import build_batch, mark_exported

    from sqlalchemy import func

    year = today.year
    paid = dict(db.session.execute(
        select(Award.program_id, func.sum(Award.amount))
        .where(Award.status.in_(("approved", "paid")), Award.paid_on.is_(None) | (Award.paid_on >= date(year, 1, 1)))
        .group_by(Award.program_id)).all())
    for program in db.session.scalars(select(AidProgram).where(AidProgram.active.is_(True)).order_by(AidProgram.id)):
        shares = (60, 32, 0, 8) if program.kind == "national" else (0, 0, 0, 100) if program.kind == "school" else (0, 50, 0, 50)
        # the plan: what the programme pays this year, give or take
        planned = (Decimal(paid.get(program.id) or program.standard_amount * 20) * Decimal(rng.choice(["1.05", "1.1", "1.2"]))
                   ).quantize(Decimal("100"))
        budget = ProgramBudget(program_id=program.id, year=year, planned_recipients=rng.randrange(80, 400),
                               planned_amount=planned, central_share=shares[0], provincial_share=shares[1],
                               city_share=shares[2], county_share=shares[3], county_due_on=date(year, 6, 30))
        db.session.add(budget)
        db.session.flush()
        for i, (level, share) in enumerate(zip(("central", "provincial", "city", "county"), shares)):
            if not share:
                continue
            arrived = min([date(year, 3, 10), date(year, 5, 10), date(year, 6, 10),
                           date(year, rng.choice([6, 6, 6, 8]), 20)][i], today)
            part = (planned * share / 100 * Decimal(rng.choice(["1", "1", "0.8"]))).quantize(Decimal("0.01"))
            db.session.add(Allocation(budget_id=budget.id, level=level, arrived_on=arrived, amount=part,
                                      document_number=f"{['财教', '皖财教', '滁财教', '全财教'][i]}〔{year}〕{rng.randrange(1, 99)}号"))
    db.session.commit()
    semester = db.session.scalars(select(Semester).where(Semester.is_current.is_(True))).first()
    if semester is None:
        return
    # (免学费 is credited to the school: never in a bank batch)
    waiting = db.session.execute(select(Award.program_id).join(AidProgram, AidProgram.id == Award.program_id)
                                 .where(Award.semester_id == semester.id, Award.status == "approved",
                                        AidProgram.waiver.is_(False)).order_by(Award.id).limit(1)).scalar()
    if waiting:
        batch = build_batch(db.session, semester, db.session.get(AidProgram, waiting))
        mark_exported(batch)
        db.session.commit()
