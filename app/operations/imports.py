"""Excel imports: students with their identification, and awards.

Every import is all-or-nothing.  The whole file is read and checked first —
each bad cell reported with its row number, column and a Chinese message — and
only a file without a single error is written, in one transaction.  Rows are
matched by ID number (and programme and semester for awards), so importing the
same file twice changes nothing the second time.
"""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from io import BytesIO
from types import SimpleNamespace

from flask_babel import gettext, lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font
from python_calamine import CalamineWorkbook
from sqlalchemy import insert, select
from sqlalchemy.exc import SQLAlchemyError

from app.rules import idcard
from app.rules import studentno
from app.files import uploads
from app.operations.exports import cell_of
from app.extensions import db
from app.models.budgets import FAIL_REASONS
from app.models.choices import DIFFICULTY_LEVELS, EVIDENCE_SOURCES
from app.models.identification import CATEGORIES
from app.rules import RuleError, db_errors, grades
from app.rules.budgets import BANK_COLUMNS, FAILED_WORDS, PAID_WORDS, Answer
from app.rules.identification import check_identification, is_priority
from app.rules.students import check_student
from app.rules.transfers import REGISTERED_ELSEWHERE, STUDENT_NUMBER_ELSEWHERE
from app.security.scope import current_school_scope
from app import clock

# column key, header (what the user sees), required, example
STUDENT_COLUMNS = [
    ("school_code", "学校代码", True, "3411240001"),
    ("name", "姓名", True, "张小明"),
    ("id_number", "身份证号", True, idcard.make("341124", date(2009, 5, 6), 123)),
    ("grade", "年级", True, "高一"),
    ("class_name", "班级", True, "3班"),
    ("enrolment_year", "入学年份", True, "2026"),
    ("guardian", "监护人", False, "张大山"),
    ("guardian_phone", "监护人电话", False, "13900000000"),
    ("address", "家庭住址", False, "襄河镇东街12号"),
    ("boarding", "是否寄宿", False, "是"),
    ("school_year", "认定学年", False, "2026-2027"),
    ("level", "困难等级", False, "困难"),
    ("categories", "困难类别", False, "建档立卡、残疾"),
    ("evidence_source", "认定依据", False, "扶贫部门"),
    ("identified_on", "认定日期", False, "2026-09-15"),
    # optional, last so that files laid out before it still read: G + the ID number for most pupils
    # (app/rules/studentno.py); an empty cell keeps the 学籍号 on record
    ("student_number", "学籍号", False, "G" + idcard.make("341124", date(2009, 5, 6), 123)),
]


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    identifications: int = 0

    @property
    def ok(self):
        return not self.errors


def template(columns, title) -> bytes:
    """The file to fill in: Chinese headers, one example row, required columns in bold."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append([cell_of(ws, header) for _, header, _, _ in columns])
    ws.append([cell_of(ws, example) for _, _, _, example in columns])
    for cell, (_, _, required, _) in zip(ws[1], columns):
        cell.font = Font(bold=required)
    for i, (_, header, _, example) in enumerate(columns, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = max(10, len(str(example)) + 4, len(header) * 2 + 2)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _rows(data: bytes, columns, result):
    """Yield (row number, {key: text}) for each filled row; header problems go to result.errors.

    The file is checked before the reader sees it (app/files/uploads.py): its type, and the room
    the reader would take for it (rows, cells, unpacked size); a refused file is one error.
    """
    try:
        uploads.check_spreadsheet(data)
    except RuleError as exc:
        result.errors.append(RowError(0, "", str(exc)))
        return
    try:
        sheet = CalamineWorkbook.from_filelike(BytesIO(data)).get_sheet_by_index(0)
        rows = iter(sheet.to_python(skip_empty_area=False))
    except Exception:
        result.errors.append(RowError(0, "", str(uploads.NOT_EXCEL)))
        return
    header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
    index = {}
    for key, title, required, _ in columns:
        if title in header:
            index[key] = header.index(title)
        elif required:
            result.errors.append(RowError(1, title, gettext("The column is missing; use the template.")))
    if result.errors:
        return
    for number, values in enumerate(rows, start=2):
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        cells = {key: _text(values[i]) if i < len(values) else "" for key, i in index.items()}
        for key, title, required, _ in columns:
            if required and not cells.get(key):
                result.errors.append(RowError(number, title, gettext("This field is required.")))
        yield number, cells


def _text(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _label_map(choices):
    return {str(label): code for code, label in choices} | {code: code for code, _ in choices}


def _date(text):
    return datetime.strptime(text, "%Y-%m-%d").date()


# While a file is imported Python looks for garbage cycles after every 100,000 new objects instead of 700, and
# through the whole heap almost never (see ``fewer_cycle_collections``).
IMPORT_GC_THRESHOLD = (100_000, 50, 1000)
_pauses = {"count": 0, "threshold": None}
_pauses_lock = threading.Lock()


@contextmanager
def fewer_cycle_collections():
    """The garbage collector's cycle search made rare while a file is imported.

    An import makes and drops millions of objects (a pupil's row, its ORM record, its audit entry), and
    every 700 allocations Python looked for cycles among them, now and then through the whole heap: a
    quarter of the time of 10,000 pupils (bench/imports.py: 6.7 → 4.9 s). Reference counting still frees
    most of it, and the young objects are still searched now and then, so the cycles an import leaves do not
    pile up as they would with the collector off (at the 50,000 rows a file may have: 32 → 23 s, peak memory
    220 → 303 MB; off, 359 MB). Imports in other threads at the same time share the setting: the usual
    thresholds come back when the last one ends.
    """
    with _pauses_lock:
        if _pauses["count"] == 0:
            _pauses["threshold"] = gc.get_threshold()
            gc.set_threshold(*IMPORT_GC_THRESHOLD)
        _pauses["count"] += 1
    try:
        yield
    finally:
        with _pauses_lock:
            _pauses["count"] -= 1
            if _pauses["count"] == 0 and gc.get_threshold() == IMPORT_GC_THRESHOLD:  # not if set since by another
                gc.set_threshold(*_pauses["threshold"])


def import_students(data: bytes, today=None) -> ImportResult:
    """Students, and their identification when the row has one, from the student template."""
    with fewer_cycle_collections():
        return _import_students(data, today)


def _import_students(data, today):
    from app.models import Identification, School, Student

    today = today or date.today()
    result = ImportResult()
    titles = {key: title for key, title, _, _ in STUDENT_COLUMNS}
    scope = current_school_scope()
    schools = {s.code: s for s in db.session.scalars(select(School))}  # within the user's scope
    levels = _label_map(DIFFICULTY_LEVELS)
    sources = _label_map(EVIDENCE_SOURCES)
    categories = {str(label): name for name, label, _ in CATEGORIES}
    parsed = []
    seen = {}
    seen_numbers = {}  # 学籍号 → row

    def err(row, key, message):
        result.errors.append(RowError(row, titles[key], str(message)))

    for row, v in _rows(data, STUDENT_COLUMNS, result):
        school = schools.get(v["school_code"])
        if v["school_code"] and school is None:
            err(row, "school_code", gettext("No school of yours has this code.") if scope is not None
                else gettext("No school has this code."))
        info = None
        if v["id_number"]:
            try:
                info = idcard.parse(v["id_number"], today=today)
            except idcard.IdNumberError as exc:
                err(row, "id_number", exc.message)
        if info is not None:
            if info.number in seen:
                err(row, "id_number", gettext("The same ID number is already on row %(r)d.", r=seen[info.number]))
            seen[info.number] = row
        v["student_number"] = _student_number(v.get("student_number"), info, row, today, seen_numbers, err)
        year = None
        if v["enrolment_year"]:
            try:  # which years are plausible for the school is the rule's (app/rules/students.py)
                year = int(v["enrolment_year"])
            except ValueError:
                err(row, "enrolment_year", gettext("Write the enrolment year as a year, such as 2021."))
        boarding = None  # a file without the column keeps what is on record
        if "boarding" in v:
            boarding = _BOARDING.get(v["boarding"].strip().upper())
            if boarding is None:
                err(row, "boarding", gettext("Use one of: %(v)s.", v="是、否"))
        ident = None
        if any(v.get(k) for k in ("school_year", "level", "categories", "evidence_source", "identified_on")):
            ident = {}
            for key in ("school_year", "level", "categories", "evidence_source", "identified_on"):
                if not v.get(key):
                    err(row, key, gettext("An identification needs this field too."))
            if v.get("level"):
                ident["level"] = levels.get(v["level"])
                if ident["level"] is None:
                    err(row, "level", gettext("Use one of: %(v)s.", v="、".join(str(lbl) for _, lbl in DIFFICULTY_LEVELS)))
            if v.get("evidence_source"):
                ident["evidence_source"] = sources.get(v["evidence_source"])
                if ident["evidence_source"] is None:
                    err(row, "evidence_source", gettext("Use one of: %(v)s.", v="、".join(str(lbl) for _, lbl in EVIDENCE_SOURCES)))
            flags = {name: False for name, _, _ in CATEGORIES}
            for part in filter(None, (p.strip() for p in v.get("categories", "").replace(",", "、").replace("，", "、").split("、"))):
                if part not in categories:
                    err(row, "categories", gettext("Unknown category %(c)s; use: %(v)s.", c=part,
                                                    v="、".join(str(lbl) for _, lbl, _ in CATEGORIES)))
                else:
                    flags[categories[part]] = True
            ident.update(flags)
            ident["school_year"] = v.get("school_year")
            if v.get("identified_on"):
                try:
                    ident["identified_on"] = _date(v["identified_on"])
                except ValueError:
                    err(row, "identified_on", gettext("Write dates as 2021-09-01."))
        v["boarding"] = boarding
        parsed.append((row, v, school, info, year, ident))

    _check_student_numbers(parsed, err)  # every problem of the file at once, these too
    if result.errors:
        result.errors.sort(key=lambda e: e.row)  # in the file's order
        return result
    numbers = [info.number for _, _, _, info, _, _ in parsed]
    existing = {}
    for start in range(0, len(numbers), 900):
        from app.security.scope import unscoped

        for student in db.session.scalars(
            select(Student).where(Student.id_number.in_(numbers[start:start + 900])).execution_options(**unscoped())
        ):
            existing[student.id_number] = student
    idents = {}
    ids = [s.id for s in existing.values()]
    for start in range(0, len(ids), 900):
        for found in db.session.scalars(select(Identification).where(Identification.student_id.in_(ids[start:start + 900]))):
            idents[(found.student_id, found.school_year)] = found
    # The numbers were just checked county-wide above: the per-record rule need not ask again.
    db.session.info["aid_checked_numbers"] = set(numbers)
    db.session.info["aid_checked_student_numbers"] = set(seen_numbers)
    new_students, new_idents = [], []
    try:
        for row, v, school, info, year, ident in parsed:
            student = existing.get(info.number)
            if student is not None and scope is not None and student.school_id != scope:
                err(row, "id_number", str(REGISTERED_ELSEWHERE))
                continue
            # (the centre's file may name another school: the pupil then moves there)
            values = dict(school_id=school.id, name=v["name"], gender=info.gender, birth_date=info.birth_date,
                          grade=grades.canonical(v["grade"]), class_name=v["class_name"], enrolment_year=year,
                          guardian=v.get("guardian") or None, guardian_phone=v.get("guardian_phone") or None,
                          address=v.get("address") or None)
            if v["boarding"] is not None:
                values["boarding"] = v["boarding"]
            if v["student_number"] or student is None:  # an empty cell keeps the 学籍号 on record
                values["student_number"] = v["student_number"]
            probe = SimpleNamespace(id=student.id if student else None, id_number=info.number, **values)
            try:  # the same rules as every other way in (app/rules/students.py)
                check_student(probe, db.session, today=today)
            except RuleError as exc:
                for field_name, message in exc.errors.items():
                    err(row, field_name if field_name in titles else "id_number", message)
                continue
            values = {k: getattr(probe, k) for k in values}  # as the rule normalised them (trimmed, phone digits)
            checked = _checked_identification(ident, row, err) if ident is not None else None
            if student is None:
                new_students.append((values | {"id_number": info.number}, checked))
                result.created += 1
            else:
                changed = {k: val for k, val in values.items() if getattr(student, k) != val}
                for k, val in changed.items():
                    setattr(student, k, val)
                result.updated += bool(changed)
                result.unchanged += not changed
                if checked is not None:
                    found = idents.get((student.id, checked["school_year"]))
                    if found is None:
                        new_idents.append(dict(checked, student_id=student.id, school_id=school.id))
                    else:
                        for key, value in checked.items():
                            setattr(found, key, value)
            result.identifications += checked is not None
        if result.errors:
            raise RuleError({"rows": gettext("Nothing was imported.")})
        db.session.flush()  # updates of pupils already on record go through the flush rules
        _insert_new(new_students, new_idents)
        db.session.commit()
    except (RuleError, SQLAlchemyError) as exc:
        db.session.rollback()
        if not result.errors:
            result.errors.append(RowError(0, "", str(db_errors.readable(exc, Student))))
        result.created = result.updated = result.unchanged = result.identifications = 0
    finally:
        db.session.info.pop("aid_checked_numbers", None)
        db.session.info.pop("aid_checked_student_numbers", None)
    return result


def _student_number(raw, info, row, today, seen_numbers, err):
    """A row's 学籍号, normalised (None when the cell is empty or the column absent); a bad one is the row's error."""
    if not raw:
        return None
    try:
        number = studentno.parse(raw, id_number=info.number if info is not None else None, today=today)
    except studentno.StudentNumberError as exc:
        err(row, "student_number", exc.message)
        return None
    if number in seen_numbers:
        err(row, "student_number", gettext("The same 学籍号 is already on row %(r)d.", r=seen_numbers[number]))
    else:
        seen_numbers[number] = row
    return number


def _check_student_numbers(parsed, err):
    """The file's 学籍号 against the whole county at once (by keyed hash): a number held by another pupil
    (one with another ID number) is the row's error, said as the rule says it (registered, never where)."""
    from app.models import Student
    from app.security.scope import unscoped

    wanted = {v["student_number"]: (row, info.number if info else None, school) for row, v, school, info, _, _ in parsed
              if v["student_number"]}
    numbers = list(wanted)
    for start in range(0, len(numbers), 900):
        holders = db.session.execute(
            select(Student.student_number, Student.id_number, Student.school_id, Student.name, Student.grade,
                   Student.class_name).where(Student.student_number.in_(numbers[start:start + 900]))
            .execution_options(**unscoped()))
        for holder in holders:
            row, id_number, school = wanted[holder.student_number]
            if holder.id_number == id_number:
                continue  # the row's own pupil
            if school is not None and holder.school_id == school.id:
                err(row, "student_number", gettext(
                    "This 学籍号 is already registered for %(name)s (%(grade)s %(cls)s) at this school.",
                    name=holder.name, grade=holder.grade, cls=holder.class_name))
            else:
                err(row, "student_number", str(STUDENT_NUMBER_ELSEWHERE))


def _insert_new(new_students, new_idents, batch=2000):
    """Write new pupils and identifications in batches of rows.

    Each batch goes through app/operations/bulkwrites.py: the flush's school scope and rules judge every
    row again as it is stored, and the audit trail gets a create entry per record.
    """
    from app.models import Identification, Student

    now = clock.now()
    created = {}
    for start in range(0, len(new_students), batch):
        chunk = [dict(values, created_at=now, updated_at=now) for values, _ in new_students[start:start + batch]]
        created.update(db.session.execute(insert(Student).returning(Student.id_number, Student.id), chunk).all())
    for values, checked in new_students:
        if checked is not None:
            new_idents.append(dict(checked, student_id=created[values["id_number"]], school_id=values["school_id"]))
    for start in range(0, len(new_idents), batch):
        db.session.execute(insert(Identification), [dict(i, created_at=now, updated_at=now)
                                                    for i in new_idents[start:start + batch]])


def _checked_identification(ident, row, err):
    """The identification's columns once the rules pass, or None (its errors reported on the row)."""
    probe = SimpleNamespace(**ident)
    try:
        check_identification(probe)
    except RuleError as exc:
        for field_name, message in exc.errors.items():
            key = "categories" if field_name.startswith("cat_") else field_name
            err(row, key if key in {k for k, *_ in STUDENT_COLUMNS} else "school_year", message)
        return None
    return dict(ident, is_priority=is_priority(probe))


AWARD_COLUMNS = [
    ("id_number", "身份证号", True, idcard.make("341124", date(2009, 5, 6), 123)),
    ("name", "姓名", False, "张小明"),
    ("program", "资助项目", True, "普通高中国家助学金"),
    ("school_year", "学年", True, "2026-2027"),
    ("term", "学期", True, "第一学期"),
    ("amount", "金额", True, "1000"),
    ("card_kind", "卡类型", False, "学生资助卡"),  # none for 免学费: credited to the school
    ("card_number", "卡号", False, "6217000000000000017"),
    ("over_standard_reason", "超标准原因", False, ""),
    ("card_holder", "持卡人", False, "张大山"),
]
# 是否寄宿: empty is a day pupil (走读)
_BOARDING = {"": False, "是": True, "否": False, "寄宿": True, "走读": False, "Y": True, "N": False, "1": True, "0": False}
_TERMS = {"第一学期": "1", "第二学期": "2", "1": "1", "2": "2", "上学期": "1", "下学期": "2"}
_CARD_KINDS = {"学生资助卡": "aid_card", "资助卡": "aid_card", "银行卡": "bank_card", "家庭银行卡": "bank_card",
               "aid_card": "aid_card", "bank_card": "bank_card"}


def import_awards(data: bytes) -> ImportResult:
    """Award proposals: matched by pupil, programme and semester, so a second import changes nothing."""
    with fewer_cycle_collections():
        return _import_awards(data)


def _import_awards(data):
    from app.models import AidProgram, Award, Semester, Student
    from app.rules.awards import check_award

    result = ImportResult()
    titles = {key: title for key, title, _, _ in AWARD_COLUMNS}
    programs = {p.name: p for p in db.session.scalars(select(AidProgram))}
    semesters = {(s.school_year, s.term): s for s in db.session.scalars(select(Semester))}
    seen = {}
    rows = []

    def err(row, key, message):
        result.errors.append(RowError(row, titles[key], str(message)))

    for row, v in _rows(data, AWARD_COLUMNS, result):
        student = None
        if v["id_number"]:
            number = idcard.normalize(v["id_number"])
            student = db.session.scalar(select(Student).where(Student.id_number == number))  # within scope
            if student is None:
                err(row, "id_number", gettext("No student of yours has this ID number; add the student first."))
        program = programs.get(v["program"])
        if v["program"] and program is None:
            err(row, "program", gettext("No programme has this name."))
        term = _TERMS.get(v["term"])
        semester = semesters.get((v["school_year"], term))
        if v["school_year"] and v["term"] and semester is None:
            err(row, "term", gettext("No such semester; the centre sets semesters up first."))
        amount = None
        try:
            amount = Decimal(v["amount"]).quantize(Decimal("0.01")) if v["amount"] else None
        except InvalidOperation:
            err(row, "amount", gettext("Write the amount as a number, e.g. 1000 or 1000.50."))
        card_kind = _CARD_KINDS.get(v.get("card_kind", ""))
        if v.get("card_kind") and card_kind is None:
            err(row, "card_kind", gettext("Use one of: %(v)s.", v="学生资助卡、银行卡"))
            continue
        if student is None or program is None or semester is None or amount is None:
            continue
        key = (student.id, program.id, semester.id)
        if key in seen:
            err(row, "id_number", gettext("The same pupil, programme and semester are already on row %(r)d.", r=seen[key]))
            continue
        seen[key] = row
        existing = db.session.scalar(select(Award).where(
            Award.student_id == student.id, Award.program_id == program.id, Award.semester_id == semester.id,
            Award.status != "void"))
        probe = SimpleNamespace(id=existing.id if existing else None, student=student, program=program, semester=semester,
                                student_id=student.id, program_id=program.id, semester_id=semester.id, amount=amount,
                                card_kind=card_kind, card_number=v.get("card_number") or None, status=existing.status if existing else "proposed",
                                over_standard_reason=v.get("over_standard_reason") or None, void_reason=None,
                                card_holder=v.get("card_holder") or (existing.card_holder if existing else None))
        try:
            check_award(probe, db.session)
        except RuleError as exc:
            for field_name, message in exc.errors.items():
                err(row, {"student": "id_number", "semester": "term"}.get(field_name, field_name)
                    if field_name in titles or field_name in ("student", "semester") else "amount", message)
            continue
        rows.append((existing, probe))
    if result.errors:
        return result
    for existing, probe in rows:
        fields = dict(amount=probe.amount, card_kind=probe.card_kind, card_number=probe.card_number,
                      over_standard_reason=probe.over_standard_reason, card_holder=probe.card_holder)
        if existing is None:
            db.session.add(Award(student_id=probe.student_id, program_id=probe.program_id,
                                 semester_id=probe.semester_id, status="proposed", **fields))
            result.created += 1
        elif any(getattr(existing, k) != val for k, val in fields.items()):
            for k, val in fields.items():
                setattr(existing, k, val)
            result.updated += 1
        else:
            result.unchanged += 1
    try:
        db.session.commit()
    except (RuleError, SQLAlchemyError) as exc:  # the database's refusal said as the forms say it
        db.session.rollback()
        result.errors.append(RowError(0, "", str(db_errors.readable(exc, Award))))
        result.created = result.updated = result.unchanged = 0
    return result


# --- the bank's answer to a payment batch (代发回盘, app/rules/budgets.py apply_answers) -----------------

def read_answers(data: bytes):
    """The bank's answer file → [Answer], or RuleError naming every bad row."""
    result = ImportResult()
    reasons = {str(label): code for code, label in FAIL_REASONS} | {code: code for code in FAIL_REASONS.codes}
    answers = []
    for number, cells in _rows(data, BANK_COLUMNS, result):
        problems = []
        try:
            line_id = int(cells["line"])
        except (TypeError, ValueError):
            problems.append(gettext("the 流水号 is not a number"))
            line_id = 0
        try:
            amount = Decimal(cells["amount"].replace(",", ""))
        except (InvalidOperation, AttributeError):
            problems.append(gettext("the amount is not a number"))
            amount = Decimal(0)
        word = cells.get("result", "")
        if word not in PAID_WORDS | FAILED_WORDS:
            problems.append(gettext("the result must be 成功 or 失败"))
        reason = reasons.get(cells.get("fail_reason", ""), "other" if cells.get("fail_reason") else None)
        paid_on = None
        if cells.get("paid_on"):
            try:
                paid_on = date.fromisoformat(cells["paid_on"][:10])
            except ValueError:
                problems.append(gettext("the day paid is not a date (2021-09-01)"))
        if problems:
            result.errors.append(f"{gettext('Row %(n)d', n=number)}：{'，'.join(problems)}")
            continue
        answers.append(Answer(line_id, word in PAID_WORDS, amount, reason,
                              cells.get("fail_reason") if reason == "other" else None, paid_on, number))
    if result.errors:
        messages = [e if isinstance(e, str) else f"{gettext('Row %(n)d', n=e.row)} {e.column}：{e.message}" if e.row
                    else e.message for e in result.errors]
        raise RuleError({"file": "；".join(messages[:30])})
    if not answers:
        raise RuleError({"file": _l("The file has no line.")})
    return answers
