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

from sqlalchemy import select

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
    from app.models.reporting import report_task_school

    now = now or clock.now()
    session = db.session
    start, end = datetime(year, 1, 1), datetime(year + 1, 1, 1)
    tasks = session.scalars(select(ReportTask).where(ReportTask.deadline >= start, ReportTask.deadline < end)
                            .order_by(ReportTask.deadline, ReportTask.id)).all()
    if not tasks:
        return []
    # the ORM query of schools is scoped: an officer's figures are its own school's
    schools = session.execute(select(School.id, School.name, School.stage).where(School.active.is_(True))
                              .order_by(School.code)).all()
    listed = {}
    for task_id, school_id in session.execute(
            select(report_task_school.c.task_id, report_task_school.c.school_id)
            .join(ReportTask, ReportTask.id == report_task_school.c.task_id)
            .where(ReportTask.deadline >= start, ReportTask.deadline < end)):
        listed.setdefault(task_id, set()).add(school_id)
    first = {}
    for task_id, school_id, late, status in session.execute(
            select(Submission.task_id, Submission.school_id, Submission.late, Submission.status)
            .join(ReportTask, ReportTask.id == Submission.task_id)
            .where(ReportTask.deadline >= start, ReportTask.deadline < end)
            .order_by(Submission.submitted_at, Submission.id)):
        first.setdefault((task_id, school_id), (late, status))
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


def report_todo(school_id) -> list:
    """[(task, latest submission or None)] of the active tasks that ask the school, by deadline.

    The same list as ``todo_items`` in app/rules/reporting.py (the tasks ``targeted_schools``
    gives the school), read in four queries instead of two or three per task: the officer's
    home page shows it.
    """
    from app.models import ReportTask, School, Submission
    from app.models.reporting import report_task_school

    session = db.session
    school = session.execute(select(School.stage).where(School.id == school_id, School.active.is_(True))).first()
    if school is None:
        return []
    tasks = session.scalars(select(ReportTask).where(ReportTask.active.is_(True)).order_by(ReportTask.deadline)).all()
    listed = set(session.scalars(select(report_task_school.c.task_id).where(report_task_school.c.school_id == school_id)))
    asked = [t for t in tasks if t.id in listed or school.stage in {c for c in (t.stages or "").split(",") if c}]
    latest = {}
    if asked:
        for sub in session.scalars(
                select(Submission).where(Submission.school_id == school_id, Submission.task_id.in_([t.id for t in asked]))
                .order_by(Submission.submitted_at.desc(), Submission.id.desc())):
            latest.setdefault(sub.task_id, sub)
    return [(task, latest.get(task.id)) for task in asked]
