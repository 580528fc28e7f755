"""Demo 认定程序 (called by app/demo/county.py): this school year's procedure in every state across schools.

One school has filed (its list accepted by the centre, an objection answered on the way), one has
filed and waits for the centre, one is in its 公示期 with an objection still to answer, one was
returned by the centre, one is still assessing (a mid-year application, a verified 低保 pupil
reviewed without the panel, a rejected one); the others have not started.  One pupil of the filed
school has left the list (动态调整).  Everything goes through app/rules/procedure.py, as the
school and the centre would do it.

Like app/demo/county.py, it refuses outside development (app/demo/guard.py).
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from app.demo.guard import demo_only
from app.extensions import db
from app.models import FamilyMember, Identification, IdentificationApplication, School, Student
from app.rules import procedure

SITUATIONS = [
    ("factor_sudden", "父亲{y}年因病住院，医疗费用较高，家庭负债"),
    ("factor_economy", "父母务农，家庭年收入低，另有一子女在读"),
    ("factor_economy", "单亲家庭，母亲打零工，收入不稳定"),
    ("factor_sudden", "{y}年夏季洪涝，房屋和农作物受损"),
    ("factor_region", "居住在偏远山区，交通不便，务工机会少"),
]
PLAN = ("filed", "submitted", "published", "returned", "assessing", "filed")


@demo_only
def seed_procedure(rng, schools, year_start, today, name):
    """``schools``: app/demo/county.py's dicts; ``name``: its name maker.  Returns the number of applications."""
    school_year = f"{year_start}-{year_start + 1}"
    picked = [s for s in schools if s["stage"] in ("senior", "junior", "primary", "complete", "vocational")][:len(PLAN)]
    made = 0
    for school, state in zip(picked, PLAN):
        pupils = _unidentified(school["id"], school_year, 5)
        if len(pupils) < 3:
            continue
        made += _school(rng, db.session.get(School, school["id"]), pupils, state, school_year, today, name)
    db.session.commit()
    return made


def _has_late_notice():
    from app.models import IdentificationNotice

    return db.session.scalar(select(IdentificationNotice.id).where(IdentificationNotice.title.like("%（补充）"))) is not None


def _unidentified(school_id, school_year, count):
    identified = select(Identification.student_id).where(Identification.school_year == school_year)
    return db.session.scalars(select(Student).where(
        Student.school_id == school_id, Student.status == "in_school", Student.grade != "已毕业",
        Student.id.not_in(identified)).order_by(Student.id).limit(count)).all()


def _application(rng, pupil, school_year, applied_on, name, **extra):
    field, text = rng.choice(SITUATIONS)
    application = IdentificationApplication(
        student_id=pupil.id, school_year=school_year, applied_on=applied_on,
        level_requested=rng.choice(("general", "difficult", "difficult", "special")),
        statement=f"本人{pupil.name}，{text.format(y=applied_on.year)}，特申请家庭经济困难认定。", **{field: text.format(y=applied_on.year)},
        **extra)
    db.session.add(application)
    db.session.flush()
    surname = pupil.name[0]
    for relation, age, work, income in (("父亲", 44, "务农", 9000), ("母亲", 41, "在家照顾老人", 3000),
                                        ("祖母", 72, "无", 0)):
        db.session.add(FamilyMember(application_id=application.id, school_id=application.school_id, relation=relation,
                                    name=surname + name(rng)[1:] if relation != "母亲" else name(rng),
                                    age=age + rng.randrange(-3, 4), occupation=work,
                                    yearly_income=Decimal(income + rng.randrange(0, 5) * 500) if income else Decimal(0)))
    return application


def _assess_and_review(rng, application, on, reject=False):
    procedure.assess(db.session, application, {"panel_members": "班主任、学生代表2名、家长代表1名", "assessed_on": on,
                                                "proposed_level": application.level_requested,
                                                "assessment_notes": "经评议，情况属实"})
    if reject:
        procedure.review(db.session, application, {"review_decision": "reject",
                                                   "review_reason": "家访核实家庭经营收入较高，不符合认定条件"})
    else:
        procedure.review(db.session, application, {"review_decision": "accept"})


def _school(rng, school, pupils, state, school_year, today, name):
    start = today - timedelta(days=25 if state != "published" else 1)
    applied_on = start - timedelta(days=10)
    apps = [_application(rng, p, school_year, applied_on, name) for p in pupils[:4]]
    if state == "assessing":
        _assess_and_review(rng, apps[0], applied_on + timedelta(days=3))
        _assess_and_review(rng, apps[1], applied_on + timedelta(days=3), reject=True)
        procedure.assess(db.session, apps[2], {"panel_members": "班主任、学生代表2名", "assessed_on": applied_on + timedelta(days=4),
                                               "proposed_level": "general"})
        if len(pupils) > 4:  # a mid-year hardship (动态调整), just entered
            _application(rng, pupils[4], school_year, today, name, mid_year=True)
        verified = db.session.scalars(select(Identification).where(
            Identification.school_id == school.id, Identification.school_year == school_year,
            Identification.evidence_source.in_(procedure.DEPARTMENT_SOURCES), Identification.is_priority.is_(True))
            .order_by(Identification.id).limit(1)).first()
        if verified is not None:  # 困中之困 verified by the departments: reviewed without the class panel
            application = _application(rng, verified.student, school_year, applied_on, name,
                                       **{c: getattr(verified, c) for c in procedure.PRIORITY_CATEGORIES})
            procedure.review(db.session, application, {"review_decision": "accept"})
        return len(pupils) + (verified is not None)
    for application in apps:
        _assess_and_review(rng, application, applied_on + timedelta(days=3))
    notice = procedure.publish(db.session, school, school_year, start)
    procedure.record_objection(db.session, notice, {"content": "有村民反映该生家中新购小汽车", "received_on": start,
                                                    "application_id": apps[0].id})
    if state == "published":
        return len(apps)
    procedure.answer_objection(db.session, notice.objections[0], "经班主任家访核实，车辆为亲属所有，已向反映人说明")
    db.session.flush()
    procedure.submit_filing(db.session, notice)
    if state == "returned":
        procedure.return_filing(db.session, notice, "评议小组成员名单缺少家长代表，请补充后重新公示")
    elif state == "filed":
        procedure.accept_filing(db.session, notice)
        db.session.flush()
        ident = db.session.scalars(select(Identification).where(Identification.application_id == apps[-1].id)).first()
        if ident is not None:
            procedure.end_identification(db.session, ident, ident.identified_on, "父母外出务工，家庭收入稳定，经本人申请退出")
        if len(pupils) > 4 and not _has_late_notice():  # one school: a late application on a second notice whose
            # period is over, which the school may now file (报送中心备案)
            late = _application(rng, pupils[4], school_year, applied_on + timedelta(days=5), name)
            _assess_and_review(rng, late, applied_on + timedelta(days=7))
            procedure.publish(db.session, school, school_year, start + timedelta(days=8),
                              title=f"{school.name}{school_year}学年家庭经济困难学生认定结果公示（补充）")
            return len(apps) + 1
    return len(apps)
