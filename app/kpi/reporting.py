"""Reporting figures per school and year, the ones the year-end evaluation uses.

The work plan (全椒县2021年学生资助工作安排, 三（三）规范信息报送制度): "上报信息必须在规定时间内报送，
信息内容要准确无误。信息报送及时率、准确率将作为学校年终考核的依据之一。"  So both figures judge
a school only on what can already be judged:

* required: tasks of the year (by deadline) that targeted the school and are due by now
  (deadline passed) or were answered anyway; a task due next week and not yet answered
  is not late today: it is *pending* and left out;
* on time: of those, tasks whose first submission arrived by the deadline;
* timeliness rate = on time / required;
* submitted: tasks the school submitted at least once (that are counted);
* reviewed: of those, tasks whose first submission the centre has reviewed (准确 or 退回);
  one still awaiting review is neither accurate nor inaccurate: *awaiting review*, left out;
* accurate at first review: tasks whose first submission was reviewed 准确;
* accuracy rate = accurate at first review / reviewed;
* missing: required tasks past their deadline with no submission at all.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, or_, select

from app import clock
from app.extensions import db
from app.kpi import rate


@dataclass
class ReportingFigures:
    school_id: int
    school_name: str
    required: int = 0
    on_time: int = 0
    submitted: int = 0
    reviewed: int = 0
    accurate_first: int = 0
    pending: int = 0          # asked, not yet due, not answered: not counted yet
    awaiting_review: int = 0  # first submission not reviewed yet: not counted in the accuracy
    missing: list = field(default_factory=list)

    @property
    def timeliness(self):
        return rate(self.on_time, self.required)

    @property
    def accuracy(self):
        return rate(self.accurate_first, self.reviewed)


def reporting_figures(year: int, now: datetime | None = None) -> list[ReportingFigures]:
    """One row per school asked for something in the year, with its figures (four queries, whatever the size).

    The schools a task asks are those of ``targeted_schools`` (app/rules/reporting.py):
    the active schools listed or of the stages named.  They are matched here for every
    task at once, from one read of the schools and one of the task–school links.
    """
    from app.models import ReportTask, School, Submission

    now = now or clock.now()
    session = db.session
    start, end = datetime(year, 1, 1), datetime(year + 1, 1, 1)
    # the year's tasks with the schools each lists, in one read
    tasks, listed = _tasks_and_schools(session, (ReportTask.deadline >= start, ReportTask.deadline < end),
                                       (ReportTask.deadline, ReportTask.id))
    if not tasks:
        return []
    # the ORM query of schools is scoped: an officer's figures are its own school's
    schools = session.execute(select(School.id, School.name, School.stage).where(School.active.is_(True))
                              .order_by(School.code)).all()
    first = {}
    for task_id, school_id, late, status in session.execute(
            select(Submission.task_id, Submission.school_id, Submission.late, Submission.status)
            .join(ReportTask, ReportTask.id == Submission.task_id)
            .where(ReportTask.deadline >= start, ReportTask.deadline < end)
            .order_by(Submission.submitted_at, Submission.id)):
        first.setdefault((task_id, school_id), (late, status))
    return _figures(tasks, listed, schools, first, now)


def _figures(tasks, listed, schools, first, now):
    """The rows of ``reporting_figures`` from the tasks, the schools each lists, the schools in scope and the
    first submission of each (task, school)."""
    rows = {}
    for task in tasks:
        stages = {code for code in (task.stages or "").split(",") if code}
        ids = listed.get(task.id, set())
        if not stages and not ids:
            continue
        for school_id, name, stage in schools:
            if school_id not in ids and stage not in stages:
                continue
            r = rows.setdefault(school_id, ReportingFigures(school_id, name))
            sub = first.get((task.id, school_id))
            if sub is None and task.deadline >= now:
                r.pending += 1  # not due yet: not late today
                continue
            r.required += 1
            if sub is None:
                r.missing.append(task)
                continue
            late, status = sub
            r.submitted += 1
            r.on_time += not late
            if status == "submitted":
                r.awaiting_review += 1  # neither accurate nor inaccurate yet
                continue
            r.reviewed += 1
            r.accurate_first += status == "accepted"
    return sorted(rows.values(), key=lambda r: r.school_name)


def _tasks_and_schools(session, where, order, school_id=None):
    """([report tasks], {task id: {ids of the schools it lists}}) of the tasks ``where`` says, in one query
    (the links of ``school_id`` only, when given)."""
    from app.models import ReportTask
    from app.models.reporting import report_task_school

    link = report_task_school.c.task_id == ReportTask.id
    if school_id is not None:
        link = and_(link, report_task_school.c.school_id == school_id)
    tasks, listed = {}, {}
    for task, listed_school in session.execute(
            select(ReportTask, report_task_school.c.school_id).outerjoin(report_task_school, link)
            .where(*where).order_by(*order)):
        tasks.setdefault(task.id, task)
        if listed_school is not None:
            listed.setdefault(task.id, set()).add(listed_school)
    return list(tasks.values()), listed


def school_reporting(year: int, school, now: datetime | None = None):
    """(``reporting_figures(year)``, ``report_todo(school.id)``) of a school's officer, in two queries: the tasks
    of the year or still active with the school's links, then the school's submissions to them."""
    from app.models import ReportTask, Submission

    now = now or clock.now()
    session = db.session
    start, end = datetime(year, 1, 1), datetime(year + 1, 1, 1)
    in_year = and_(ReportTask.deadline >= start, ReportTask.deadline < end)
    tasks, listed = _tasks_and_schools(session, (or_(in_year, ReportTask.active.is_(True)),),
                                       (ReportTask.deadline, ReportTask.id), school.id)
    of_year = [t for t in tasks if start <= t.deadline < end]
    asked = [t for t in tasks if t.active and school.active and _asks(t, listed, school.id, school.stage)]
    first, latest = {}, {}
    for sub in session.scalars(
            select(Submission).where(Submission.school_id == school.id,
                                     Submission.task_id.in_({t.id for t in of_year + asked}))
            .order_by(Submission.submitted_at, Submission.id)):
        first.setdefault((sub.task_id, sub.school_id), (sub.late, sub.status))
        latest[sub.task_id] = sub
    schools = [(school.id, school.name, school.stage)] if school.active else []
    figures = _figures(of_year, listed, schools, first, now) if of_year else []
    return figures, [(task, latest.get(task.id)) for task in asked]


def _asks(task, listed, school_id, stage):
    """Does the task ask the school: listed by it, or of its stage (``targeted_schools``)."""
    return school_id in listed.get(task.id, ()) or stage in {c for c in (task.stages or "").split(",") if c}


def report_todo(school_id, school=None) -> list:
    """[(task, latest submission or None)] of the active tasks that ask the school, by deadline.

    The same list as ``todo_items`` in app/rules/reporting.py (the tasks ``targeted_schools``
    gives the school), read in four queries instead of two or three per task: the officer's
    home page shows it.
    """
    from app.models import ReportTask, School, Submission

    session = db.session
    if school is None or school.id != school_id:  # the school, when the caller has it loaded already
        school = session.execute(select(School.stage, School.active).where(School.id == school_id)).first()
    if school is None or not school.active:
        return []
    tasks, listed = _tasks_and_schools(session, (ReportTask.active.is_(True),), (ReportTask.deadline,), school_id)
    asked = [t for t in tasks if _asks(t, listed, school_id, school.stage)]
    latest = {}
    if asked:
        for sub in session.scalars(
                select(Submission).where(Submission.school_id == school_id, Submission.task_id.in_([t.id for t in asked]))
                .order_by(Submission.submitted_at.desc(), Submission.id.desc())):
            latest.setdefault(sub.task_id, sub)
    return [(task, latest.get(task.id)) for task in asked]
