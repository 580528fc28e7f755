"""Reporting figures per school and year, the ones the year-end evaluation uses.

* required: tasks of the year (by deadline) that targeted the school;
* on time: of those, tasks whose first submission arrived by the deadline;
* timeliness rate = on time / required;
* submitted: tasks the school submitted at least once;
* accurate at first review: tasks whose first submission was reviewed 准确;
* accuracy rate = accurate at first review / submitted;
* missing: required tasks with no submission at all (past their deadline or not).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.kpi import rate
from app.rules.reporting import targeted_schools


@dataclass
class ReportingFigures:
    school_id: int
    school_name: str
    required: int = 0
    on_time: int = 0
    submitted: int = 0
    accurate_first: int = 0
    missing: list = field(default_factory=list)

    @property
    def timeliness(self):
        return rate(self.on_time, self.required)

    @property
    def accuracy(self):
        return rate(self.accurate_first, self.submitted)


def reporting_figures(year: int) -> list[ReportingFigures]:
    from app.models import ReportTask, Submission

    session = db.session
    tasks = session.scalars(select(ReportTask).where(
        ReportTask.deadline >= datetime(year, 1, 1), ReportTask.deadline < datetime(year + 1, 1, 1))).all()
    first = {}
    for sub in session.scalars(select(Submission).order_by(Submission.submitted_at, Submission.id)):
        first.setdefault((sub.task_id, sub.school_id), sub)
    rows = {}
    for task in tasks:
        for school in targeted_schools(task, session):
            r = rows.setdefault(school.id, ReportingFigures(school.id, school.name))
            r.required += 1
            sub = first.get((task.id, school.id))
            if sub is None:
                r.missing.append(task)
                continue
            r.submitted += 1
            r.on_time += not sub.late
            r.accurate_first += sub.status == "accepted"
    return sorted(rows.values(), key=lambda r: r.school_name)
