"""The home page's figures for each role, gathered from the tested KPI modules.

Nothing is computed here: each figure is a value one of app/kpi/* already computes,
with its target and the list behind it.  Queries go through the ORM, so an officer's
dashboard is its own school's and the centre's is the county's.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.kpi import rate


@dataclass
class Figure:
    label: object
    value: object          # a share (0..1) when kind == "pct", else a number
    url: str = ""
    kind: str = "pct"
    target: float | None = None
    detail: str = ""
    warn: bool = False
    county: bool = False   # the county's own record-keeping (its schools, its programmes): the centre's work

    def __post_init__(self):
        if self.target is not None and self.value is not None and self.kind == "pct":
            self.warn = self.value < self.target
        elif self.kind == "alert":
            self.warn = bool(self.value)


@dataclass
class Group:
    title: object
    figures: list = field(default_factory=list)
    applies: bool = True   # False: work the user's school does not have (loans at a kindergarten)


def for_the_user(groups, charts, school=None):
    """What a user's home page shows: each figure whose list or page the user may open (a figure
    without a link is one of work the role does not do), and for a school's officer only the
    figures of its own school's work (not the county's 录入 of schools and programmes, not loans at
    a school whose pupils do not borrow, not the extraction at a school that has none).  A group
    left with no figure goes; so does a chart whose records the user may not list."""
    shown = []
    for group in groups:
        if not group.applies:
            continue
        figures = [f for f in group.figures if f.url and not (school is not None and f.county)]
        if figures:
            shown.append(Group(group.title, figures))
    return shown, [c for c in charts if c.pop("link", "")]


def _link(endpoint, query=""):
    """The list or page behind a figure, when the user may open it."""
    from flask import current_app

    view, method = endpoint.split(".")
    if not current_app.appbuilder.sm.has_access(f"can_{method}", view):
        return ""
    return url_for(endpoint) + query


def current_semester(today=None):
    from app.models import Semester

    today = today or date.today()
    semester = db.session.scalars(select(Semester).where(Semester.is_current.is_(True))).first()
    if semester is None:
        semester = db.session.scalars(select(Semester).where(Semester.starts_on <= today)
                                      .order_by(Semester.starts_on.desc())).first()
    return semester


def school_year_start(semester, today):
    if semester is not None:
        return int(semester.school_year[:4])
    return today.year if today.month >= 9 else today.year - 1


def overview(today=None, school=None, todo=False) -> dict:
    """The figures of the work plan for the user's scope and work (``school``: an officer's own
    school, see ``for_the_user``), grouped, with the data of the charts.

    The one-value figures of every family (the system's coverage, loans, school funds,
    inspections, dropouts, the months of visits and publicity; with ``todo`` the counts of the
    officer's to-do too) are read in one statement (``at_once``); the others in one grouped query
    each: the number of queries does not depend on the number of schools or records."""
    from app.kpi import at_once
    from app.kpi.complaints import complaint_figures
    from app.kpi.completeness import system_coverage_of, system_statements
    from app.kpi.coverage import coverage
    from app.kpi.funds import band_for, compliance_share, compliance_statements
    from app.kpi.inspections import inspection_counts, inspection_statements
    from app.kpi.loans import home_figures, home_statements, reminder_statements
    from app.kpi.outreach import monthly, monthly_statements
    from app.kpi.reporting import reporting_figures, school_reporting
    from app.models.complaints import COMPLAINT_KINDS
    from app.rules.identification import school_year_of
    from app.rules.loans import stage_has_loans
    from app.rules.pupil_status import dropout_statements

    today = today or date.today()
    year = today.year
    session = db.session
    semester = current_semester(today)
    has_loans = school is None or stage_has_loans(school.stage)
    has_funds = school is None or band_for(school.stage) is not None
    left_year = school_year_of(today)
    statements = {**system_statements(semester), **inspection_statements(year, today), **monthly_statements(year),
                  **dropout_statements(left_year)}
    if has_loans:
        statements.update(home_statements(school_year_start(semester, today), today))
        if todo:
            statements.update(reminder_statements(year))
    if has_funds:
        statements.update(compliance_statements(year))
    values = at_once(session, statements)
    cov = coverage(semester, list_limit=10) if semester is not None else None
    system = system_coverage_of(values)
    reports_todo = None
    if todo and school is not None:
        reporting, reports_todo = school_reporting(year, school)
    else:
        reporting = reporting_figures(year)
    required, on_time = sum(r.required for r in reporting), sum(r.on_time for r in reporting)
    reviewed, accurate = sum(r.reviewed for r in reporting), sum(r.accurate_first for r in reporting)
    loans, recovered = home_figures(values, today) if has_loans else (None, None)
    within, must = compliance_share(year, values) if has_funds else (0, 0)
    complaints = complaint_figures(session, year, today=today)
    inspections = inspection_counts(session, year, today, values)
    visits, activities = monthly(session, year, values)
    left, left_unvisited = values["dropouts"] or 0, values["dropouts_unvisited"] or 0
    groups = [
        Group(_l("Aid for every pupil in need (应助尽助)"), [
            Figure(_l("Identified pupils aided"), cov.total.coverage if cov else None, _link("CoverageView.show"),
                   target=1.0, detail=f"{cov.total.aided}/{cov.total.identified}" if cov else ""),
            Figure(_l("Priority pupils aided"), cov.total.priority_coverage if cov else None,
                   _link("CoverageView.show"), target=1.0,
                   detail=f"{cov.total.priority_aided}/{cov.total.priority}" if cov else ""),
        ]),
        Group(_l("Keeping pupils in school (控辍保学)"), [
            Figure(_l("Identified pupils who left school this school year"), left,
                   _link("PupilStatusView.dropouts", f"?school_year={left_year}"), kind="count",
                   detail=str(_l("%(n)d without a 劝返 visit", n=left_unvisited)), warn=bool(left_unvisited)),
        ]),
        Group(_l("In the system (100% 录入)"), [
            Figure(_l("Schools"), system.school_share, _link("SchoolView.list"), target=1.0,
                   detail=f"{system.schools_in}/{system.schools}", county=True),
            Figure(_l("Programmes"), system.program_share, _link("AidProgramView.list"), target=1.0,
                   detail=f"{system.programs_in}/{system.programs}", county=True),
            Figure(_l("Required fields"), system.field_share, _link("CompletenessView.show"), target=1.0,
                   detail=f"{system.filled}/{system.cells}"),
        ]),
        Group(_l("Information reporting"), [
            Figure(_l("Timeliness"), rate(on_time, required), _link("ReportingPagesView.figures"), target=1.0,
                   detail=f"{on_time}/{required}"),
            Figure(_l("Accuracy"), rate(accurate, reviewed), _link("ReportingPagesView.figures"), target=1.0,
                   detail=f"{accurate}/{reviewed}"),
        ]),
        Group(_l("Student loans"), [
            Figure(_l("Approval rate"), loans.approval_rate, _link("LoanPagesView.figures"), target=1.0,
                   detail=f"{loans.approvals}/{loans.approvals + loans.rejections}"),
            Figure(_recovery_label(recovered), recovered.rate,
                   _link("LoanPagesView.figures", f"?year={recovered.year}"), target=1.0,
                   detail=f"{recovered.recovered:,.0f}/{recovered.due:,.0f}"),
        ]) if has_loans else Group(_l("Student loans"), applies=False),
        Group(_l("School aid funds"), [
            Figure(_l("Extraction within the band"), rate(within, must), _link("SchoolFundView.list"), target=1.0,
                   detail=f"{within}/{must}"),
        ], applies=has_funds),
        Group(_l("Complaints"), [
            Figure(_l("Open"), complaints.open, _link("ComplaintView.list", "?_flt_1_status=closed"), kind="count"),
            Figure(_l("Overdue"), complaints.overdue, _link("ComplaintView.list", "?_flt_1_status=closed"),
                   kind="alert"),
            Figure(_l("Closed on time"), complaints.on_time_share, _link("ComplaintFiguresView.figures"), target=1.0,
                   detail=f"{complaints.closed_on_time}/{complaints.closed}"),
        ]),
        Group(_l("Supervision"), [
            Figure(_l("Inspections planned"), inspections["planned"], _link("InspectionView.list", "?_flt_0_status=planned"),
                   kind="count"),
            Figure(_l("Inspections done"), inspections["done"], _link("InspectionView.list", "?_flt_0_status=done"),
                   kind="count"),
            Figure(_l("Rectifications overdue"), inspections["overdue"],
                   _link("InspectionView.list", "?_flt_0_rectification_status=required"), kind="alert"),
        ]),
        Group(_l("Publicity and visits"), [
            Figure(_l("Home visits this year"), sum(visits), _link("HomeVisitView.list"), kind="count"),
            Figure(_l("Publicity activities this year"), sum(activities), _link("PublicityActivityView.list"),
                   kind="count"),
        ]),
    ]
    months = [str(_l("Month %(m)d", m=m)) for m in range(1, 13)]
    charts = []
    if cov is not None and len(cov.by_school) > 1:
        worst = sorted((r for r in cov.by_school if r.identified), key=lambda r: (r.coverage or 0, r.school_name))[:15]
        charts.append({"id": "coverage", "link": _link("CoverageView.show"), "title": str(_l("Coverage by school (lowest first)")), "type": "hbar",
                       "percent": True, "categories": [r.school_name for r in worst],
                       "series": [{"name": str(_l("Coverage")), "data": [round((r.coverage or 0) * 100, 1) for r in worst]}]})
    if cov is not None and cov.by_program:
        charts.append({"id": "programs", "link": _link("CoverageView.show"), "title": str(_l("Amount by programme this semester (yuan)")), "type": "pie",
                       "series": [{"name": str(_l("Amount")),
                                   "data": [{"name": name, "value": float(amount)} for name, _, amount in cov.by_program]}]})
    charts.append({"id": "outreach", "link": _link("HomeVisitView.list"), "title": str(_l("Home visits and publicity by month")), "type": "bar",
                   "categories": months, "series": [{"name": str(_l("Home visits")), "data": visits},
                                                     {"name": str(_l("Publicity activities")), "data": activities}]})
    charts.append({"id": "complaints", "link": _link("ComplaintView.list"), "title": str(_l("Complaints received by month")), "type": "stack",
                   "categories": months,
                   "series": [{"name": label, "data": [m[code] for m in complaints.by_month]}
                              for code, label in [(c, str(lbl)) for c, lbl in COMPLAINT_KINDS]]})
    groups, charts = for_the_user(groups, charts, school)
    return {"groups": groups, "charts": charts, "semester": semester, "year": year, "coverage": cov,
            "inspections": inspections, "todo_counts": values if todo else None,
            "todo_reports": reports_todo,
            "rectifications_link": _link("InspectionView.list", "?_flt_0_rectification_status=required")}


def _recovery_label(r):
    """本息回收率 named with its year: "（2025年度）" for a closed year, "（2026年截至今日）" for this one."""
    period = _l("%(year)d, closed year", year=r.year) if r.closed else _l("%(year)d to date", year=r.year)
    return f"{_l('Recovery rate')}（{period}）"


def officer_todo(cov, today=None, school=None, counts=None, reports=None) -> dict:
    """The officer's own to-do: pupils transferred to the school to accept, reports due, rectifications due,
    priority pupils without aid, borrowers to remind (at a school whose stage has borrowers: app/rules/loans.py LOAN_STAGES).
    ``counts``, ``reports``: the board's ``todo_counts`` and ``todo_reports`` (``overview(todo=True)``), read with
    its figures."""
    from app.kpi import at_once
    from app.kpi.loans import reminder_firsts, reminder_statements
    from app.kpi.reporting import report_todo
    from app.models import Inspection
    from app.rules.loans import stage_has_loans
    from app.rules.transfers import pending_incoming
    from app.security.scope import current_school_scope

    today = today or date.today()
    rectifications = db.session.scalars(
        select(Inspection).where(Inspection.rectification_status.in_(("required", "reopened")))
        .order_by(Inspection.rectification_deadline)).all()
    graduates, graduates_count, dues, dues_count = [], 0, [], 0
    if school is None or stage_has_loans(school.stage):
        if counts is None or "graduates_count" not in counts:
            counts = at_once(db.session, reminder_statements(today.year))
        graduates_count, dues_count = counts["graduates_count"] or 0, counts["dues_count"] or 0
        graduates, dues = reminder_firsts(today.year, limit=10)
    school_id = current_school_scope()
    if reports is None:
        reports = report_todo(school_id, school=school) if school_id not in (None, -1) else []
    return {
        "incoming": pending_incoming(db.session),  # 待接收的转入学生
        "reports": [(task, sub) for task, sub in reports if sub is None or sub.status == "returned"],
        "rectifications": rectifications,
        "unaided": cov.unaided_priority if cov is not None else [],
        "unaided_count": cov.unaided_priority_count if cov is not None else 0,
        "graduates": graduates, "graduates_count": graduates_count,
        "dues": dues, "dues_count": dues_count,
    }


def supervisor_work(user_id, today=None) -> dict:
    """A supervisor's work: inspections planned, rectifications to check, complaints assigned to it."""
    from app.models import Complaint, Inspection

    today = today or date.today()
    return {
        "planned": db.session.scalars(select(Inspection).where(Inspection.status == "planned")
                                      .order_by(Inspection.inspected_on)).all(),
        "to_check": db.session.scalars(select(Inspection).where(Inspection.rectification_status == "submitted")
                                       .order_by(Inspection.rectified_at)).all(),
        "complaints": db.session.scalars(select(Complaint).where(Complaint.status == "investigating",
                                                                 Complaint.assignee_id == user_id)).all(),
    }
