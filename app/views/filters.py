"""Search filters the framework does not have."""
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import lazy_gettext as _l
from sqlalchemy import false, literal, or_, select

from app.rules import idcard
from app.rules import studentno


class FilterStudentNameOrIdNumber(BaseFilter):
    """Records of the students whose name starts with, or whose ID number or 学籍号 is, the text typed.

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
        # the ID number and the 学籍号 through their keyed hashes (app/security/crypto.py): only a whole number finds a pupil
        if text.startswith("h:"):  # the search token of either (app/security/personal.py search_token)
            numbers = [Student.id_number == text, Student.student_number == text]
        else:
            numbers = [Student.id_number == idcard.normalize(text)]
            if studentno.looks_like(text):
                numbers.append(Student.student_number == studentno.normalize(text))
        students = select(Student.id).where(or_(Student.name.startswith(text), *numbers))
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


def _human_value(view, column, flt, value):
    """A filter's value as people read it: a code's label, a related record's name, 是/否; never
    the keyed hash of an ID number."""
    from flask_appbuilder.models.sqla.filters import FilterRelation

    model = view.datamodel.obj
    text = "" if value is None else str(value)
    if text.startswith("h:") or isinstance(flt, FilterExactHashed):
        if column == "student_number":
            return str(_l("the 学籍号 searched for"))
        return str(_l("the ID number searched for"))
    choices = getattr(model, "__choices__", {}).get(column)
    if choices is not None:
        return str(choices.label(text)) if text in choices.codes else text
    if isinstance(flt, FilterRelation):
        try:
            related = view.datamodel.get_related_interface(column).get(text)
        except Exception:  # a value that is not a key of the related table
            related = None
        return str(related) if related is not None else text
    if view.datamodel.is_boolean(column):
        return str(_l("Yes")) if text.lower() in ("y", "1", "true", "on") else str(_l("No"))
    return text


class ShowsFilters:
    """A list (template aid/list.html) with its search bar, the filters it was opened with as removable
    chips (a list opened from a home-page figure arrives filtered), its toolbar, its status tags and its
    empty state (app/views/lists.py, app/views/tags.py)."""

    def __init__(self, *args, **kwargs):
        from app.views import tags

        super().__init__(*args, **kwargs)
        tags.install_formatters(self)

    def _list(self, **kwargs):
        from app.views import lists

        return lists.list_page(self, super()._list(**kwargs))

    def _get_list_widget(self, *args, **kwargs):
        from app.views import lists

        return lists.list_widget(self, super()._get_list_widget(*args, **kwargs))


class FilterProgramsOfMySchool(BaseFilter):
    """The programmes that may aid the pupils of the user's school (its stages): a high school is
    offered the 普通高中 programmes, not 学前教育资助. Users who see every school see every programme."""

    name = _l("Of my school's stages")
    arg_name = "mys"

    def apply(self, query, value):
        from app.extensions import db
        from app.models import School
        from app.rules.awards import school_pupil_stages
        from app.security.scope import current_school_scope

        scope = current_school_scope()
        if scope is None:
            return query
        school = db.session.get(School, scope)
        if school is None:
            return query.filter(false())
        codes = literal(",") + getattr(self.model, self.column_name) + literal(",")
        return query.filter(or_(*(codes.contains(f",{stage},") for stage in school_pupil_stages(school.stage))))
