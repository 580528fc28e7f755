"""Search filters the framework does not have."""
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import lazy_gettext as _l
from sqlalchemy import false, literal, or_, select

from app import idcard


class FilterStudentNameOrIdNumber(BaseFilter):
    """Records of the students whose name starts with, or whose ID number is, the text typed.

    Replaces the framework's dropdown of every student, which would put a
    hundred thousand options into each list page.
    """

    name = _l("Name or ID number")
    arg_name = "stu"

    def apply(self, query, value):
        from app.models import Student

        text = (value or "").strip()
        if not text:
            return query
        students = select(Student.id).where(
            # the ID number through its keyed hash (app/crypto.py): only the whole number finds a pupil
            or_(Student.name.startswith(text), Student.id_number == (text if text.startswith("h:") else idcard.normalize(text)))
        )
        return query.filter(getattr(self.model, "student_id").in_(students))


class FilterExactHashed(BaseFilter):
    """An encrypted column found by its keyed hash: the whole value, exactly (the ID number)."""

    name = _l("Equal to")
    arg_name = "eqh"

    def apply(self, query, value):
        text = (value or "").strip()
        if not text:
            return query
        return query.filter(getattr(self.model, self.column_name) == text)


class FilterProgramsOfMySchool(BaseFilter):
    """The programmes that may aid the pupils of the user's school (its stages): a high school is
    offered the 普通高中 programmes, not 学前教育资助. Users who see every school see every programme."""

    name = _l("Of my school's stages")
    arg_name = "mys"

    def apply(self, query, value):
        from app.extensions import db
        from app.models import School
        from app.rules.awards import school_pupil_stages
        from app.scope import current_school_scope

        scope = current_school_scope()
        if scope is None:
            return query
        school = db.session.get(School, scope)
        if school is None:
            return query.filter(false())
        codes = literal(",") + getattr(self.model, self.column_name) + literal(",")
        return query.filter(or_(*(codes.contains(f",{stage},") for stage in school_pupil_stages(school.stage))))
