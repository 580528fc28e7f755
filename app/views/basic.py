"""基础数据: schools, information officers, students, difficulty identifications."""
from flask import jsonify, request
from flask_appbuilder import expose, has_access
from flask_babel import lazy_gettext as _l
from flask_appbuilder.fieldwidgets import DatePickerWidget, Select2Widget
from datetime import date

from wtforms import DateField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from app.extensions import db
from app.models import Identification, InfoOfficer, School, Student
from app.models.identification import CATEGORIES
from app.models.student import STUDENT_STATUSES
from app.rules.identification import check_identification, school_year_of
from app.rules import grades
from app.rules.officers import check_officer
from app.rules.schools import check_school
from app.security.scope import current_school_scope
from app.rules.students import check_student
from app.views.base import AidInterface, AidModelApi, AidModelView
from app.views.fields import find_pupils, pupil_field, pupil_label
from app.views.filters import FilterStudentNameOrIdNumber
from app.views.procedure import IdentificationEndMixin
from app.views.records import grouped


def grade_choices(graduated=True):
    """The grades a select offers: an officer's school's own (its stage's list), every grade for the centre."""
    scope = current_school_scope()
    school = db.session.get(School, scope) if scope is not None else None
    offered = grades.grades_for_stage(school.stage) if school is not None else grades.all_grades()
    return [("", "—")] + [(g, g) for g in offered] + ([(grades.GRADUATED, grades.GRADUATED)] if graduated else [])


def grade_field(label, description, graduated=True):
    """A select of grades (app/domain/grades.py), not free text: the rules and the turnover rely on them."""
    return SelectField(label, choices=lambda: grade_choices(graduated), validators=[InputRequired()],
                       widget=Select2Widget(), description=description)


SCHOOL_LABELS = {
    "code": _l("School code"),
    "name": _l("School name"),
    "stage": _l("Stage"),
    "town": _l("Town"),
    "address": _l("Address"),
    "principal": _l("Principal"),
    "phone": _l("Phone"),
    "complaint_hotline": _l("Complaint hotline"),
    "active": _l("Active"),
    "officer": _l("Information officer"),
}

STUDENT_LABELS = {
    "identifications": _l("Difficulty identifications"),
    "status": _l("Status (学籍)"),
    "school": _l("School"),
    "name": _l("Name"),
    "gender": _l("Gender"),
    "id_number": _l("ID number"),
    "student_number": _l("National student number"),
    "birth_date": _l("Birth date"),
    "grade": _l("Grade"),
    "class_name": _l("Class"),
    "enrolment_year": _l("Enrolment year"),
    "guardian": _l("Guardian"),
    "guardian_phone": _l("Guardian phone"),
    "address": _l("Home address"),
    "boarding": _l("Boarder"),
    "created_at": _l("Created at"),
    "updated_at": _l("Updated at"),
}

IDENTIFICATION_LABELS = {
    "student": _l("Student"),
    "student.name": _l("Student"),
    "student.student_number": _l("National student number"),
    "school": _l("School"),
    "school_year": _l("School year"),
    "level": _l("Difficulty level"),
    "is_priority": _l("Priority (困中之困)"),
    "categories_label": _l("Categories"),
    "evidence_source": _l("Evidence source"),
    "identified_on": _l("Identified on"),
    "notes": _l("Notes"),
    **{name: label for name, label, _ in CATEGORIES},
    "effective": _l("In force"),
    "application": _l("Application"),
    "ended_on": _l("Left the list on"),
    "end_reason": _l("Why the pupil left the list"),
}


class SchoolView(AidModelView):
    datamodel = AidInterface(School)
    list_title = _l("Schools")
    show_title = _l("School")
    add_title = _l("Add school")
    edit_title = _l("Edit school")
    label_columns = SCHOOL_LABELS
    list_columns = ["code", "name", "stage", "town", "principal", "phone", "complaint_hotline", "active"]
    show_columns = ["code", "name", "stage", "town", "address", "principal", "phone", "complaint_hotline", "active", "officer"]
    add_columns = edit_columns = ["code", "name", "stage", "town", "address", "principal", "phone", "complaint_hotline", "active"]
    search_columns = ["code", "name", "stage", "town", "active"]
    order_columns = ["code", "name", "stage", "town"]
    base_order = ("code", "asc")
    validators_columns = {"code": [Length(max=20)]}  # phones: the rule (app/rules/phones.py), beside the field
    description_columns = {
        "code": _l("The school's code in the national student aid system, unique in the county."),
        "complaint_hotline": _l("Printed on parent letters and complaint forms."),
    }
    rule_check = staticmethod(check_school)


class InfoOfficerView(AidModelView):
    datamodel = AidInterface(InfoOfficer)
    list_title = _l("Information officers")
    show_title = _l("Information officer")
    add_title = _l("Designate an information officer")
    edit_title = _l("Edit information officer")
    label_columns = {"school": _l("School"), "user": _l("User"), "phone": _l("Phone"), "note": _l("Notes")}
    list_columns = ["school", "user", "phone", "note"]
    show_columns = add_columns = edit_columns = ["school", "user", "phone", "note"]
    search_columns = ["school", "phone"]
    description_columns = {"user": _l("A user with the role 学校信息员; each school has exactly one.")}
    rule_check = staticmethod(lambda probe: check_officer(probe, db.session))


class IdentificationView(IdentificationEndMixin, AidModelView):
    personal_data = True
    show_template = "aid/identification_show.html"  # 动态调整 (the pupil leaves the list) and the procedure
    datamodel = AidInterface(Identification)
    list_title = _l("Difficulty identifications")
    show_title = _l("Difficulty identification")
    add_title = _l("Record a difficulty identification")
    edit_title = _l("Edit difficulty identification")
    label_columns = IDENTIFICATION_LABELS
    list_columns = ["student", "school", "school_year", "level", "categories_label", "is_priority", "evidence_source", "identified_on",
                    "effective"]
    # the list filed with the county: each pupil with the 学籍号 (masked but for the centre)
    export_columns = ["student", "student.student_number", *list_columns[1:]]
    show_columns = ["student", "school", "school_year", "level", "categories_label", "is_priority", "evidence_source", "identified_on", "notes",
                    "effective", "application", "ended_on", "end_reason"]
    add_columns = edit_columns = ["student", "school_year", "level", *[c for c, _, _ in CATEGORIES], "evidence_source", "identified_on", "notes"]
    search_columns = ["school", "student", "school_year", "level", "is_priority", *[c for c, _, _ in CATEGORIES], "evidence_source", "identified_on",
                      "effective"]
    order_columns = ["school_year", "level", "identified_on", "is_priority"]
    search_bar_columns = ["school", "student", "school_year", "level", "evidence_source"]  # the list's search bar
    empty_title = _l("No family's economic difficulty has been identified yet.")
    empty_hint = _l("Identifications come from the procedure (application, class panel, school review, publication, "
                    "filing) or are recorded here from the verified lists.")
    base_order = ("identified_on", "desc")
    description_columns = {
        "school_year": _l("For example 2021-2022."),
        "cat_registered_poor": _l("建档立卡, 低保, 特困救助供养 and 残疾 make the student a priority (困中之困): every one must be aided."),
    }
    formatters_columns = {"is_priority": lambda v: "✔" if v else ""}
    rule_check = staticmethod(check_identification)
    text_search_relations = {"student": FilterStudentNameOrIdNumber}
    add_form_extra_fields = edit_form_extra_fields = {
        "student": pupil_field(IDENTIFICATION_LABELS["student"]),
        "school_year": StringField(
            IDENTIFICATION_LABELS["school_year"], validators=[InputRequired()],
            default=lambda: school_year_of(date.today()), description=_l("For example 2021-2022."),
        ),
        "identified_on": DateField(
            IDENTIFICATION_LABELS["identified_on"], validators=[InputRequired()], widget=DatePickerWidget(),
            default=date.today,
        ),
    }


class StudentView(AidModelView):
    personal_data = True
    datamodel = AidInterface(Student)
    list_title = _l("Students")
    show_title = _l("Student")
    show_template = "aid/student_show.html"  # with the print button of the letter to parents
    add_title = _l("Add student")
    edit_title = _l("Edit student")
    label_columns = STUDENT_LABELS
    list_columns = ["name", "gender", "id_number", "student_number", "school", "grade", "class_name", "enrolment_year", "status"]
    show_columns = ["name", "gender", "id_number", "student_number", "birth_date", "school", "grade", "class_name", "enrolment_year", "status", "boarding", "guardian", "guardian_phone", "address", "created_at", "updated_at"]
    show_fieldsets = grouped(show_columns, (_l("The pupil's identity"), ["name", "gender", "id_number", "student_number", "birth_date"]),
                             (_l("School registration"), ["school", "grade", "class_name", "enrolment_year", "status", "boarding"]),
                             (_l("Family and contact"), ["guardian", "guardian_phone", "address"]),
                             (_l("Record keeping"), ["created_at", "updated_at"]))
    add_columns = edit_columns = ["school", "name", "id_number", "student_number", "gender", "birth_date", "grade", "class_name", "enrolment_year", "boarding", "guardian", "guardian_phone", "address"]
    search_columns = ["school", "name", "id_number", "student_number", "gender", "grade", "class_name", "enrolment_year", "status"]
    search_bar_columns = ["school", "name", "id_number", "grade", "class_name", "status"]  # the list's search bar
    order_columns = ["name", "grade", "class_name", "enrolment_year"]
    base_order = ("id", "desc")
    related_views = [IdentificationView]
    # the pupil picker's search (app/views/fields.py): a permission of its own, a POST that stores nothing
    method_permission_name = {**AidModelView.method_permission_name, "pick": "pick"}
    formatters_columns = {"status": lambda v: STUDENT_STATUSES.label(v)}
    # The menu opens the pupils in school (学生 › 在校); 清除筛选 shows those who left too.
    IN_SCHOOL_HREF = "/studentview/list/?_flt_0_status=in_school"
    description_columns = {
        "id_number": _l("18 characters: 17 digits and a final digit or X. Birth date and gender are read from it."),
        "student_number": _l("全国学籍号, 19 characters: G and the pupil's ID number for most pupils; J or L and 18 "
                             "digits for a pupil without one (L: temporary). Leave empty if not known yet."),
        "birth_date": _l("Leave empty to take it from the ID number."),
        "gender": _l("Leave empty to take it from the ID number."),
        "grade": _l("Only the grades of the school's stage are accepted (a 完全中学 has 七年级 to 高三)."),
    }
    rule_check = staticmethod(lambda probe: check_student(probe, db.session))
    optional_columns = ("gender",)
    unique_by_rules = ("id_number", "student_number")

    def render_template(self, template_name, **kwargs):
        if template_name == self.show_template and "pk" in kwargs:
            from app.rules.pupil_status import allowed, history
            from app.views.pupil_status import school_names

            student = self.datamodel.get(kwargs["pk"])
            kwargs.update(history=history(db.session, student.id) if student else [],
                may_change=bool(student and allowed(student)) and self.appbuilder.sm.has_access(
                    "can_change", "PupilStatusView"),
                may_transfer=bool(student and "transfer_out" in allowed(student)) and self.appbuilder.sm.has_access(
                    "can_start", "TransferHandoverView"),
                school_names=school_names())
        return super().render_template(template_name, **kwargs)
    add_form_extra_fields = edit_form_extra_fields = {
        "grade": grade_field(STUDENT_LABELS["grade"], _l(
            "Only the grades of the school's stage are accepted (a 完全中学 has 七年级 to 高三).")),
        "birth_date": DateField(
            STUDENT_LABELS["birth_date"], validators=[Optional()], widget=DatePickerWidget(),
            description=_l("Leave empty to take it from the ID number."),
        )
    }


    @expose("/pick", methods=["POST"])
    @has_access
    def pick(self):
        """The pupil picker's search: posted (no ID number in an address or a log), within the scope,
        each pupil with the ID number masked and the record's id to choose it by."""
        students, hint = find_pupils(request.form.get("q", "")[:100])
        with_school = current_school_scope() is None
        results = [{"id": f"#{s.id}", "text": pupil_label(s, with_school)} for s in students]
        if hint:
            results.append({"id": "", "text": str(hint), "disabled": True})
        response = jsonify(results=results)
        response.headers["Cache-Control"] = "no-store"
        return response


# ---- REST API ---------------------------------------------------------------


class SchoolApi(AidModelApi):
    resource_name = "school"
    datamodel = AidInterface(School)
    list_columns = ["id", "code", "name", "stage", "town", "phone", "complaint_hotline", "active"]
    show_columns = ["id", "code", "name", "stage", "town", "address", "principal", "phone", "complaint_hotline", "active"]
    add_columns = edit_columns = ["code", "name", "stage", "town", "address", "principal", "phone", "complaint_hotline", "active"]
    search_columns = ["code", "name", "stage", "town", "active"]
    order_columns = ["code", "name"]
    base_order = ("code", "asc")


class StudentApi(AidModelApi):
    personal_data = True
    resource_name = "student"
    datamodel = AidInterface(Student)
    list_columns = ["id", "name", "gender", "id_number", "student_number", "school.id", "school.name", "grade", "class_name", "enrolment_year"]
    show_columns = ["id", "name", "gender", "id_number", "student_number", "birth_date", "school.id", "school.name", "grade", "class_name", "enrolment_year", "boarding", "guardian", "guardian_phone", "address"]
    add_columns = edit_columns = ["school", "name", "gender", "id_number", "student_number", "birth_date", "grade", "class_name", "enrolment_year", "boarding", "guardian", "guardian_phone", "address"]
    search_columns = ["school", "name", "id_number", "student_number", "grade", "class_name", "enrolment_year"]
    order_columns = ["id", "name", "grade", "class_name"]
    base_order = ("id", "desc")
    optional_columns = ("school", "birth_date", "gender", "boarding", "student_number")


class IdentificationApi(AidModelApi):
    personal_data = True
    resource_name = "identification"
    datamodel = AidInterface(Identification)
    _columns = ["school_year", "level", *[c for c, _, _ in CATEGORIES], "evidence_source", "identified_on", "notes"]
    list_columns = ["id", "student.id", "student.name", "school.id", "school.name", "is_priority", *_columns, "effective",
                    "ended_on", "end_reason"]
    show_columns = list_columns
    add_columns = edit_columns = ["student", *_columns]
    search_columns = ["school", "student", "school_year", "level", "is_priority"]
    order_columns = ["id", "school_year", "identified_on"]
    base_order = ("identified_on", "desc")
