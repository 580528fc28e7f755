"""The printed documents: a registry of (template, context function).

One more document is one template in app/reports/templates plus one small
function here that turns the records it prints into plain values::

    @document("complaint", "complaint.html", "投诉处理单")
    def complaint_context(complaint, *, confidential=True):
        return {"c": {...}}

and ``print_document("complaint", complaint)`` returns the PDF bytes.  The
context functions receive records already loaded by the view, so the school
scope of the logged-in user has applied to them; they return dicts, strings
and numbers only (no ORM objects reach a template).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Callable

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models.choices import GRADUATED
from app.rules.grades import all_grades, canonical
from app.reports.render import render_pdf, render_pdf_stamped, yuan
from app.models.people import person_name as _person


@dataclass
class Document:
    name: str
    template: str
    title: str
    context: Callable


DOCUMENTS: dict[str, Document] = {}


def document(name, template, title):
    def register(func):
        DOCUMENTS[name] = Document(name, template, title, func)
        return func

    return register


def print_document(name, *args, **kwargs) -> bytes:
    doc = DOCUMENTS[name]
    return render_pdf(doc.template, doc.context(*args, **kwargs))


def _config(key):
    return current_app.config[key]


CN_NUMBERS = "一二三四五六七八九十"
STAGE_CN = {
    "kindergarten": "学前教育", "primary": "义务教育", "junior": "义务教育", "senior": "普通高中",
    "vocational": "中等职业教育", "university": "高等教育",
}
# 关口前移: the families read the policies of the next stage one stage early.
NEXT_STAGES = {
    "kindergarten": ["primary"], "primary": ["junior"], "junior": ["senior", "vocational"],
    "senior": ["university"], "vocational": ["university"],
}
GRADE_ORDER = list(all_grades())  # 小班 … 高三, 中职 (app/domain/grades.py)
LEFT_SCHOOL = GRADUATED  # former pupils kept as loan borrowers: no letter


def grade_key(grade):
    grade = canonical(grade)
    return (GRADE_ORDER.index(grade), "") if grade in GRADE_ORDER else (len(GRADE_ORDER), grade)


def class_key(class_name):
    """Natural order: 2班 before 10班."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", class_name or "")]


def student_order(student):
    return (grade_key(student.grade), class_key(student.class_name), student.id)


# --- 致学生家长的一封信 ---------------------------------------------------------------

STANDARD_MARK = "{标准}"  # in a policy's amount wording: the standard for this pupil, from the programme
NO_STANDARD = "按规定标准"


class LetterWording:
    """The letter's editable wording and policies, loaded once for a whole batch.

    The centre's wording is what prints. Where it carries ``{标准}``, the standard in force for
    the pupil's stage, boarding status and (tiered) the range is put in, from the linked
    programme (or the programme of the policy's name) and its standards (app/rules/eligibility.py).
    """

    def __init__(self, session=None):
        from app.models import AidProgram, LetterPart, LetterPolicy, Semester

        session = session or db.session
        self.session = session
        self.parts = {p.key: p.body for p in session.scalars(select(LetterPart))}
        self.policies = {}
        for policy in session.scalars(
            select(LetterPolicy).where(LetterPolicy.active.is_(True)).order_by(LetterPolicy.sort_order, LetterPolicy.id)
        ):
            self.policies.setdefault(policy.stage, []).append(policy)
        self.programs = {p.name: p for p in session.scalars(select(AidProgram).where(AidProgram.active.is_(True)))}
        semester = session.scalars(select(Semester).order_by(Semester.is_current.desc(), Semester.starts_on.desc())
                                   .limit(1)).first()
        from app.rules.identification import school_year_of

        self.school_year, self.term = (semester.school_year, semester.term) if semester else (
            school_year_of(date.today()), "1")
        self._rows = {}

    def part(self, key):
        return self.parts.get(key) or ""

    def amount(self, policy, stage=None, boarding=None):
        """The centre's wording, with ``{标准}`` replaced by the pupil's standard."""
        from app.rules.eligibility import letter_standard

        text = policy.amount_text or ""
        if STANDARD_MARK not in text:
            return text
        program = policy.program if policy.program_id else self.programs.get(policy.title)
        standard = None
        if program is not None:
            standard = letter_standard(self.session, program, stage or policy.stage, boarding, self.school_year,
                                       self.term)
            if standard is None and program.standard_amount is not None:
                per = {"semester": "每生每学期", "once": "一次性"}.get(program.period, "每生每年")
                standard = f"{per}{yuan(program.standard_amount)}元。"
        return text.replace(STANDARD_MARK, standard or NO_STANDARD)

    def rows(self, stage, boarding=None):
        key = (stage, boarding)
        if key not in self._rows:
            self._rows[key] = [
                {"title": p.title, "who": p.who, "amount": self.amount(p, stage, boarding),
                 "application": p.application or ""}
                for p in self.policies.get(stage, [])
            ]
        return self._rows[key]

    def sections(self, stage, boarding=None):
        """The pupil's stage (its standard for the pupil's boarding status), then the next stages."""
        own = self.rows(stage, boarding)
        sections = [{"heading": f"您孩子所在{STAGE_CN.get(stage, '')}阶段的资助政策", "hint": "", "policies": own}]
        seen = {p["title"] for p in own}
        for following in NEXT_STAGES.get(stage, []):
            rows = [p for p in self.rows(following) if p["title"] not in seen]
            seen.update(p["title"] for p in rows)
            if rows:
                sections.append({"heading": f"{STAGE_CN[following]}阶段的资助政策", "hint": "提前了解，升学后可申请",
                                 "policies": rows})
        sections = [s for s in sections if s["policies"]]
        for i, section in enumerate(sections):
            section["number"] = CN_NUMBERS[i]
        return sections


def letter_item(student, wording: LetterWording, issued_on=None):
    from app.rules.awards import student_stage

    school = student.school
    sections = wording.sections(student_stage(student), bool(getattr(student, "boarding", False)))
    n = len(sections)
    return {
        "centre_name": _config("CENTRE_NAME"),
        "centre_hotline": _config("CENTRE_HOTLINE"),
        "title": wording.part("title") or "致学生家长的一封信",
        "intro": wording.part("intro"),
        "fraud": wording.part("fraud"),
        "closing": wording.part("closing"),
        "student": {"name": student.name, "school": school.name, "grade": student.grade,
                    "class_name": student.class_name},
        "school_name": school.name,
        "school_hotline": school.complaint_hotline or school.phone or "",
        "sections": sections,
        "fraud_number": CN_NUMBERS[n],
        "phone_number": CN_NUMBERS[n + 1],
        "issued_on": (issued_on or date.today()).isoformat(),
    }


@document("letter", "letter.html", "致学生家长的一封信")
def letter_context(*students, issued_on=None):
    wording = LetterWording()
    return {"items": [letter_item(s, wording, issued_on) for s in students]}


def letter_students(school_id, grade=None, class_name=None):
    """The pupils of a school (or of one class of it) in class order; scope applies."""
    from app.models import Student

    query = select(Student).where(Student.school_id == school_id, Student.grade != LEFT_SCHOOL)
    if grade:
        query = query.where(Student.grade == grade)
    if class_name:
        query = query.where(Student.class_name == class_name)
    return sorted(db.session.scalars(query).all(), key=student_order)


def letter_classes(school_id):
    """[(grade, class_name, pupils)] of a school in class order."""
    from sqlalchemy import func

    from app.models import Student

    rows = db.session.execute(
        select(Student.grade, Student.class_name, func.count(Student.id))
        .where(Student.school_id == school_id, Student.grade != LEFT_SCHOOL)
        .group_by(Student.grade, Student.class_name)
    ).all()
    return sorted(rows, key=lambda r: (grade_key(r[0]), class_key(r[1])))


def print_letters(students, progress=None, processes=None, issued_on=None) -> bytes:
    """Many letters as one PDF, laid out on every core."""
    wording = LetterWording()
    items = [letter_item(s, wording, issued_on) for s in students]
    return render_pdf_stamped("letter.html", items, progress=progress, processes=processes,
                              group=lambda item: {k: v for k, v in item.items() if k != "student"})


# --- 督查报告 -------------------------------------------------------------------

@document("inspection", "inspection.html", "督查报告")
def inspection_context(inspection):
    from app.models.supervision import INSPECTION_KINDS, RECTIFICATION_STATUSES, RESULTS

    scores = sorted(inspection.scores, key=lambda s: (s.item.sort_order, s.item.id))
    rows = [{"item": s.item.name, "max": s.item.max_score, "score": s.score, "note": s.note or ""} for s in scores]
    total = sum((Decimal(s.score or 0) for s in scores), Decimal(0))
    maximum = sum(s.item.max_score or 0 for s in scores)
    kind = INSPECTION_KINDS.label(inspection.kind)
    return {
        "centre_name": _config("CENTRE_NAME"),
        "number": f"{inspection.inspected_on.year}-{inspection.id:04d}",
        "school": inspection.school.name,
        "school_stage": _STAGE_SHORT.get(inspection.school.stage, ""),
        "kind": _KIND_CN.get(inspection.kind, kind),
        "inspected_on": inspection.inspected_on.isoformat(),
        "inspectors": "、".join(_person(u) for u in inspection.inspectors),
        "scores": rows,
        "total": total,
        "maximum": maximum,
        "result": _RESULT_CN.get(inspection.result, RESULTS.label(inspection.result)),
        "findings": inspection.findings or "",
        "demand": inspection.rectification_demand or "",
        "deadline": inspection.rectification_deadline.isoformat() if inspection.rectification_deadline else "",
        "rectification_status": _RECTIFICATION_CN.get(inspection.rectification_status,
                                                       RECTIFICATION_STATUSES.label(inspection.rectification_status)),
        "rectification_done": inspection.rectification_done or "",
        "printed_on": date.today().isoformat(),
    }


# The documents are Chinese documents whatever the language of the screen.
_KIND_CN = {"patrol": "巡查", "unannounced": "不定期暗访", "phone": "电话回访"}
_RESULT_CN = {"good": "良好", "pass": "合格", "fail": "不合格", None: "未评定"}
_RECTIFICATION_CN = {"none": "无需整改", "required": "待整改", "submitted": "已提交整改，待复查", "accepted": "整改已通过复查",
                     "reopened": "复查未通过，需继续整改"}


# --- 温馨提示 (student loans) -------------------------------------------------------------

@document("loan_notice", "loan_notice.html", "生源地信用助学贷款温馨提示")
def loan_notice_context(loan, year=None):
    from app.models import Loan, RepaymentDue

    year = year or date.today().year
    student = loan.student
    loans = db.session.scalars(select(Loan).where(Loan.student_id == student.id).order_by(Loan.academic_year)).all()
    dues = db.session.scalars(
        select(RepaymentDue).where(RepaymentDue.loan_id.in_([x.id for x in loans]),
                                   RepaymentDue.due_on >= date(year, 1, 1), RepaymentDue.due_on <= date(year, 12, 31))
        .order_by(RepaymentDue.due_on)
    ).all()
    due_rows = []
    for d in dues:
        owed = (d.principal or 0) + (d.interest or 0) - (d.paid_principal or 0) - (d.paid_interest or 0)
        due_rows.append({"due_on": d.due_on.isoformat(), "principal": d.principal, "interest": d.interest,
                         "paid": (d.paid_principal or 0) + (d.paid_interest or 0), "owed": max(owed, Decimal(0))})
    confirm = [x for x in loans if x.status == "disbursed" and x.expected_graduation
               and x.expected_graduation.year == year]
    return {
        "centre_name": _config("CENTRE_NAME"),
        "centre_hotline": _config("CENTRE_HOTLINE"),
        "year": year,
        "borrower": student.name,
        "school": loan.school.name,
        "co_borrower": loan.co_borrower,
        "loans": [{"year": x.academic_year, "university": x.university or "", "contract": x.contract_number or "",
                   "amount": x.amount, "status": _LOAN_CN.get(x.status, x.status_label)} for x in loans],
        "graduation": confirm[0].expected_graduation.isoformat() if confirm else "",
        "must_confirm": bool(confirm),
        "dues": due_rows,
        "total_owed": sum((r["owed"] for r in due_rows), Decimal(0)),
        "printed_on": date.today().isoformat(),
    }


_LOAN_CN = {"pre_applied": "预申请", "accepted": "已受理", "approved": "审核通过", "rejected": "未通过", "contracted": "已签合同",
            "disbursed": "已放款", "graduated": "已毕业确认", "repaying": "还款中", "settled": "已结清", "overdue": "逾期"}


# --- 公示 -----------------------------------------------------------------------------

@document("public_notice", "public_notice.html", "受助学生名单公示")
def public_notice_context(notice):
    """A notice built by app/kpi/notice.py: only the columns the 2017 rule allows, and what makes it postable."""
    return {
        "title": notice.title,
        "program": notice.program,
        "semester": notice.semester,
        "rows": [{"name": r.name, "school": r.school, "grade": r.grade, "class_name": r.class_name,
                  "program": r.program, "amount": r.amount} for r in notice.rows],
        "total": notice.total,
        "start": notice.start.isoformat(),
        "end": notice.end.isoformat(),
        "issuer": notice.issuer,
        "hotlines": [{"whose": whose, "number": number} for whose, number in notice.hotlines],
        "issued_on": notice.start.isoformat(),
    }


# --- 年度考核表 ---------------------------------------------------------------------

@document("complaint", "complaint.html", "投诉处理单")
def complaint_context(complaint, *, show_identity=False):
    """One case with its timeline; the complainant only when the reader may see it (the view decides)."""
    from flask_babel import force_locale

    from app.models.complaints import ACCOUNTABILITY, CHANNELS, COMPLAINT_KINDS, COMPLAINT_STATUSES, FINDINGS, HANDLERS

    with force_locale("zh"):
        if complaint.anonymous:
            complainant, contact = "匿名", "匿名"
        elif show_identity:
            complainant, contact = complaint.complainant_name or "", complaint.complainant_contact or ""
        else:
            complainant = contact = "（保密）"
        steps = [{"at": s.at.strftime("%Y-%m-%d %H:%M"), "action": str(s.action_label), "who": _person(s.user) if s.user else "",
                  "comment": s.comment or ""} for s in complaint.steps]
        handler = HANDLERS.label(complaint.handler) if complaint.handler else ""
        if complaint.handler == "supervisor" and complaint.assignee is not None:
            handler = f"{handler}（{_person(complaint.assignee)}）"
        return {
            "centre_name": _config("CENTRE_NAME"),
            "number": complaint.number,
            "kind": COMPLAINT_KINDS.label(complaint.kind),
            "channel": CHANNELS.label(complaint.channel),
            "received_at": complaint.received_at.strftime("%Y-%m-%d %H:%M"),
            "registered_by": _person(complaint.registered_by) if complaint.registered_by else "",
            "origin": "学校热线" if complaint.origin == "school" else "县资助中心",
            "school": complaint.school.name if complaint.school else "未涉及具体学校",
            "complainant": complainant, "contact": contact,
            "subject": complaint.subject, "content": complaint.content,
            "status": COMPLAINT_STATUSES.label(complaint.status),
            "handler": handler,
            "findings": complaint.findings or "",
            "result": FINDINGS.label(complaint.result) if complaint.result else "",
            "demand": complaint.rectification_demand or "",
            "done": complaint.rectification_done or "",
            "reply": complaint.reply or "",
            "accountability": ACCOUNTABILITY.label(complaint.accountability) if complaint.accountability else "",
            "accountable_persons": complaint.accountable_persons or "",
            "closed_at": complaint.closed_at.strftime("%Y-%m-%d") if complaint.closed_at else "",
            "steps": steps,
            "printed_on": date.today().isoformat(),
        }


@document("evaluation", "evaluation.html", "学生资助工作年度考核表")
def evaluation_context(year):
    """The year-end evaluation of every school (app/kpi/evaluation.py), as the table the centre signs."""
    from app.kpi.evaluation import DEDUCTION, active_parts, evaluate

    parts = active_parts(db.session)
    weighted = [p for p in parts if p.code != DEDUCTION]
    deduction = next((p for p in parts if p.code == DEDUCTION), None)
    rows = [{
        "rank": s.rank, "name": s.name, "stage": _STAGE_SHORT.get(s.stage, s.stage),
        "cells": [{"value": s.parts[p.code].value, "missing": s.parts[p.code].missing,
                   "filled_as": s.parts[p.code].filled_as} for p in weighted],
        "missing": bool(s.missing),
        "deduction": s.deduction if deduction is not None else None,
        "score": s.score,
    } for s in evaluate(db.session, year)]
    return {"centre_name": _config("CENTRE_NAME"), "year": year, "rows": rows, "printed_on": date.today().isoformat(),
            "with_missing": sum(1 for r in rows if r["missing"]),
            "parts": [{"label": str(p.label), "weight": p.weight, "missing": p.missing or "zero"} for p in weighted],
            "deduction": None if deduction is None else {"weight": deduction.weight, "cap": deduction.cap}}


_STAGE_SHORT = {"kindergarten": "幼儿园", "primary": "小学", "junior": "初中", "senior": "普通高中", "complete": "完全中学",
                "vocational": "中职"}


# --- 家庭经济困难学生认定 (app/rules/procedure.py) ------------------------------------------

_LEVEL_CN = {"special": "特别困难", "difficult": "困难", "general": "一般困难"}
_DECISION_CN = {"accept": "同意评议小组意见", "change": "调整认定档次", "reject": "不予认定"}


@document("identification_application", "identification_application.html", "家庭经济困难学生认定申请表")
def identification_application_context(application):
    """The national form's layout (教财〔2018〕16号 附件): the pupil, the family, the factors, the statement
    and the promise the family signs; then the class panel's and the school's opinions."""
    from app.rules import idcard
    from app.models.identification import CATEGORIES
    from app.models.procedure import FACTORS

    student = application.student
    members = [{"name": m.name, "age": "" if m.age is None else m.age, "relation": m.relation,
                "occupation": m.occupation or "", "income": m.yearly_income} for m in application.members]
    return {
        "centre_name": _config("CENTRE_NAME"),
        "school": application.school.name,
        "school_year": application.school_year,
        "name": student.name,
        "gender": {"M": "男", "F": "女"}.get(student.gender or "", ""),
        "birth": student.birth_date.strftime("%Y年%m月") if student.birth_date else "",
        "id_number": idcard.mask(student.id_number) if student.id_number else "",
        "grade": student.grade, "class_name": student.class_name,
        "address": student.address or "", "guardian": student.guardian or "",
        "household": len(members) + 1,
        "members": members,
        "income": sum((m.yearly_income or Decimal(0) for m in application.members), Decimal(0)),
        "categories": [{"label": str(label), "ticked": bool(getattr(application, name))} for name, label, _ in CATEGORIES],
        "factors": [{"label": str(label), "text": getattr(application, name) or ""} for name, label in FACTORS],
        "level_requested": _LEVEL_CN.get(application.level_requested, ""),
        "statement": application.statement,
        "applied_on": application.applied_on.isoformat(),
        "panel_members": application.panel_members or "",
        "assessed_on": application.assessed_on.isoformat() if application.assessed_on else "",
        "proposed_level": _LEVEL_CN.get(application.proposed_level or "", ""),
        "assessment_notes": application.assessment_notes or "",
        "decision": _DECISION_CN.get(application.review_decision or "", ""),
        "final_level": _LEVEL_CN.get(application.final_level or "", ""),
        "review_reason": application.review_reason or "",
        "reviewed_on": application.reviewed_on.isoformat() if application.reviewed_on else "",
        "printed_on": date.today().isoformat(),
    }


@document("identification_notice", "identification_notice.html", "家庭经济困难学生认定结果公示")
def identification_notice_context(notice):
    """The list to post: name, grade, class and level only (no ID number, no family details: the 2017 rule)."""
    rows = sorted(notice.applications, key=lambda a: (grade_key(a.student.grade), class_key(a.student.class_name),
                                                      a.student.name))
    school = notice.school
    hotlines = []
    if school.complaint_hotline or school.phone:
        hotlines.append({"whose": school.name, "number": school.complaint_hotline or school.phone})
    hotlines.append({"whose": _config("CENTRE_NAME"), "number": _config("CENTRE_HOTLINE")})
    return {
        "title": notice.title, "school": school.name, "school_year": notice.school_year,
        "rows": [{"name": a.student.name, "grade": a.student.grade, "class_name": a.student.class_name,
                  "level": _LEVEL_CN.get(a.final_level or "", "")} for a in rows],
        "start": notice.starts_on.isoformat(), "end": notice.ends_on.isoformat(), "days": notice.working_days,
        "hotlines": hotlines,
    }
