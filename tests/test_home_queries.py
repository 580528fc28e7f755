"""The home page reads its figures in a fixed number of queries (≤ 15 for a school's officer), whatever the
size of the county, and shows the same figures as the KPI modules count them one by one."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

import pytest
from flask import g
from sqlalchemy import event, select

from app.extensions import db
from tests.conftest import WORLD, login, purge

OFFICER_MAX_QUERIES = 15


@contextmanager
def counting():
    """The SQL statements sent while inside (SELECT 1 of the pool's pre-ping excluded)."""
    sent = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        if statement.strip().upper() != "SELECT 1":
            sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", on_execute)


def home_queries(app, username):
    client = login(app, username)
    assert client.get("/").status_code == 200  # warm: what a first request loads once
    with app.app_context(), counting() as sent:
        assert client.get("/").status_code == 200
    return len(sent)


@contextmanager
def acting_as(app, username):
    from flask_appbuilder.security.sqla.models import User

    from flask_login import login_user

    with app.test_request_context("/"):
        g.user = db.session.scalar(select(User).where(User.username == username))
        login_user(g.user)  # the figures' links are those the user may open
        try:
            yield
        finally:
            db.session.rollback()


def _key(label):
    args = getattr(label, "_args", None)
    return args[0] if args else "recovery"  # the 本息回收率 label is built with its year


def shown(board):
    return {_key(f.label): (f.value, f.detail) for group in board["groups"] for f in group.figures}


def expected_figures(today, school):
    """The home page's figures counted the long way: the KPI modules' per-school functions and plain lists of
    the records the user sees (the session's scope applies to both)."""
    from app.kpi.completeness import completeness
    from app.kpi.dashboard import current_semester, school_year_start
    from app.kpi.funds import DEFAULT_BANDS
    from app.kpi.loans import loan_figures, recovery, reminder_lists
    from app.kpi.reporting import report_todo, reporting_figures
    from app.models import (AidProgram, Award, Identification, Inspection, School, SchoolFund, Student)
    from app.models.outreach import HomeVisit, PublicityActivity
    from app.rules.identification import school_year_of
    from app.rules.pupil_status import dropout_counts

    s = db.session
    year = today.year
    semester = current_semester(today)
    out = {}
    idents = s.scalars(select(Identification).where(Identification.school_year == semester.school_year,
                                                   Identification.effective.is_(True))).all()
    awards = s.scalars(select(Award).where(Award.semester_id == semester.id, Award.status != "void")).all()
    aided = {a.student_id for a in awards}
    priority = [i for i in idents if i.is_priority]
    out["Identified pupils aided"] = f"{sum(i.student_id in aided for i in idents)}/{len(idents)}"
    out["Priority pupils aided"] = f"{sum(i.student_id in aided for i in priority)}/{len(priority)}"
    left, unvisited = dropout_counts(s, school_year_of(today))
    out["Identified pupils who left school this school year"] = left
    out["_unvisited"] = unvisited
    schools = s.scalars(select(School).where(School.active.is_(True))).all()
    with_pupils = set(s.scalars(select(Student.school_id))) & {x.id for x in schools}
    programs = s.scalars(select(AidProgram).where(AidProgram.active.is_(True))).all()
    out["Schools"] = f"{len(with_pupils)}/{len(schools)}"
    out["Programmes"] = f"{len({a.program_id for a in awards} & {p.id for p in programs})}/{len(programs)}"
    rows = completeness(list_limit=0)
    out["Required fields"] = f"{sum(r.filled for r in rows)}/{sum(r.cells for r in rows)}"
    reporting = reporting_figures(year)
    out["Timeliness"] = f"{sum(r.on_time for r in reporting)}/{sum(r.required for r in reporting)}"
    out["Accuracy"] = f"{sum(r.accurate_first for r in reporting)}/{sum(r.reviewed for r in reporting)}"
    loans, _ = loan_figures(school_year_start(semester, today), today)
    out["Approval rate"] = f"{loans.approvals}/{loans.approvals + loans.rejections}"
    r = recovery(today)
    out["recovery"] = (r.rate, f"{r.recovered:,.0f}/{r.due:,.0f}")
    bands = list(DEFAULT_BANDS)
    must = [x for x in schools if x.stage in bands]
    within = [f for f in s.scalars(select(SchoolFund).where(SchoolFund.year == year)).all()
              if f.compliance == "within" and f.school_id in {x.id for x in must}]
    out["Extraction within the band"] = f"{len(within)}/{len(must)}"
    inspections = s.scalars(select(Inspection)).all()
    in_year = [i for i in inspections if i.inspected_on and date(year, 1, 1) <= i.inspected_on <= date(year, 12, 31)]
    out["Inspections planned"] = sum(i.status == "planned" for i in in_year)
    out["Inspections done"] = sum(i.status == "done" for i in in_year)
    out["Rectifications overdue"] = sum(i.rectification_status in ("required", "reopened") and i.rectification_deadline is not None
                                        and i.rectification_deadline < today for i in inspections)
    out["Home visits this year"] = sum(v.visited_on.year == year for v in s.scalars(select(HomeVisit)))
    out["Publicity activities this year"] = sum(a.held_on.year == year for a in s.scalars(select(PublicityActivity)))
    graduates, dues = reminder_lists(year)
    out["_todo"] = {"graduates_count": len(graduates), "dues_count": len(dues),
                    "graduates": [x.id for x in graduates[:10]], "dues": [x.id for x in dues[:10]]}
    if school is not None:
        out["_reports"] = [(t.id, sub.id if sub else None) for t, sub in report_todo(school.id)
                           if sub is None or sub.status == "returned"]
    return out


def check_home_figures(app, username):
    from app.kpi import dashboard
    from app.models import School
    from app.security.scope import current_school_scope

    today = date.today()
    with acting_as(app, username):
        scope = current_school_scope()
        school = db.session.get(School, scope) if scope else None
        want = expected_figures(today, school)
        board = dashboard.overview(today, school=school, todo=school is not None)
        got = shown(board)
        for key, value in want.items():
            if key.startswith("_"):
                continue
            if key not in got:  # a figure the user does not see (the county's, loans at a primary school)
                continue
            if key == "recovery":
                assert got[key] == value, key
            elif isinstance(value, str):
                assert got[key][1] == value, key
            else:
                assert got[key][0] == value, key
        assert len(got) >= 10, got  # a role that sees figures sees at least these
        assert str(want["_unvisited"]) in got["Identified pupils who left school this school year"][1]
        assert got["Identified pupils aided"][0] == board["coverage"].total.coverage
        if school is not None:
            todo = dashboard.officer_todo(board["coverage"], today, school=school, counts=board["todo_counts"],
                                          reports=board["todo_reports"])
            from app.rules.loans import stage_has_loans

            if stage_has_loans(school.stage):
                for k, v in want["_todo"].items():
                    found = todo[k] if k.endswith("count") else [x.id for x in todo[k]]
                    assert found == v, k
            assert [(t.id, sub.id if sub else None) for t, sub in todo["reports"]] == want["_reports"]
        return got


@pytest.mark.parametrize("username", ["t_officer_a", "t_officer_b", "t_center", "t_supervisor", "t_leader"])
def test_the_home_figures_are_those_counted_one_by_one(app, username):
    got = check_home_figures(app, username)
    if username == "t_officer_a":
        assert "Schools" not in got  # the county's own 录入 is the centre's figure
        assert got["Required fields"][1]  # school A's own pupils and awards


def _grow_county(schools):
    """``schools`` more schools, each with pupils, identifications (some priority), awards, a fund, an
    inspection, a complaint, visits and publicity, a loan with an instalment due and a report; school A gets
    more of its own too. Returns what to remove afterwards."""
    from app.models import (Award, Complaint, Identification, Inspection, Loan, ReportTask, RepaymentDue,
                                        School, SchoolFund, Semester, Student, Submission)
    from app.models.outreach import HomeVisit, PublicityActivity
    from app.rules import cards, idcard

    year = date.today().year
    made = []

    def add(obj):
        db.session.add(obj)
        db.session.flush()
        made.append((type(obj), obj.id))
        return obj

    school_year = db.session.get(Semester, WORLD.semester).school_year

    task = add(ReportTask(title="规模测试报送任务", deadline=datetime(year, 3, 31, 17, 0), stages="senior"))
    for n in range(schools + 1):
        if n < schools:
            school = add(School(code=f"G{n:04d}", name=f"规模测试{n:03d}中学", stage="senior", town="襄河镇",
                                complaint_hotline="0550-1234567"))
        else:
            school = db.session.get(School, WORLD.school_a)
        pupils = [add(Student(school_id=school.id, name=f"规模学生{n}-{k}",
                              id_number=idcard.make("341124", date(2008, 1 + k, 1 + n % 27), 300 + n * 5 + k),
                              grade="高二", class_name="1班", enrolment_year=2024, guardian=None if k == 0 else "家长"))
                  for k in range(3)]
        for k, pupil in enumerate(pupils):
            add(Identification(student_id=pupil.id, school_year=school_year, level="special" if k == 0 else "difficult",
                               cat_subsistence=True, evidence_source="civil_affairs", identified_on=date(2026, 9, 10),
                               is_priority=k == 0))
            if k:
                add(Award(student_id=pupil.id, program_id=WORLD.program_senior, semester_id=WORLD.semester,
                          amount=Decimal("1000"), card_kind="aid_card", card_number=cards.make("6217", 19, 5000 + n * 5 + k)))
            add(HomeVisit(student_id=pupil.id, visit_type="receiving_aid", visited_on=date(year, 1 + k, 5),
                          visitors="x", findings="x", resolved=True))
        if n < schools:
            add(SchoolFund(school_id=school.id, year=year, operating_income=Decimal("1000000"),
                           extracted=Decimal("40000")))
        add(PublicityActivity(school_id=school.id, activity_type="class_meeting", held_on=date(year, 2, 3),
                              title="规模宣传", audience=10, target_stage="all"))
        add(Inspection(school_id=school.id, kind="patrol", status="done", inspected_on=date(year, 1, 8),
                       result="pass", rectification_demand="整改", rectification_deadline=date(year, 1, 30)))
        add(Complaint(school_id=school.id, origin="school", shared_with_school=True, channel="phone", kind="complaint",
                      received_at=datetime(year, 1, 9, 10, 0), complainant_name="x", complainant_contact="13900009999",
                      subject="规模投诉", content="x"))
        loan = add(Loan(school_id=school.id, student_id=pupils[1].id, co_borrower="x", academic_year="2026-2027",
                        amount=Decimal("8000"), university="x", status="repaying"))
        add(RepaymentDue(loan_id=loan.id, due_on=date(year, 1, 20), principal=Decimal("0"), interest=Decimal("100")))
        add(Submission(task_id=task.id, school_id=school.id, content="x", submitted_at=datetime(year, 3, 30, 9, 0)))
    db.session.commit()
    return made


def test_the_home_page_reads_as_many_queries_for_any_county_size(app, world):
    small = {u: home_queries(app, u) for u in ("t_officer_a", "t_center")}
    with app.app_context():
        made = _grow_county(12)
    try:
        large = {u: home_queries(app, u) for u in ("t_officer_a", "t_center")}
        for username in ("t_officer_a", "t_officer_b", "t_center"):
            check_home_figures(app, username)  # the figures still those counted one by one, on more data
    finally:
        with app.app_context():
            for model, pk in reversed(made):
                purge(db.session.get(model, pk))
            db.session.commit()
    assert small["t_officer_a"] <= OFFICER_MAX_QUERIES, small
    assert large == small, (small, large)
