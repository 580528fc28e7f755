"""Form fields shared by the screens."""
import re

from flask_appbuilder.fields import QuerySelectMultipleField
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import Field
from wtforms.validators import ValidationError
from wtforms.widgets import TextInput

from app import idcard
from app.extensions import db


class StudentByIdNumberField(Field):
    """Choose a student by typing its ID number.

    A school has thousands of pupils and the county a hundred thousand: a
    dropdown of all of them is unusable and heavy.  The lookup runs through the
    school scope, so an officer can only ever find its own school's pupils.
    """

    widget = TextInput()

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        # a pupil already chosen (a link's ?student=<record id>, an edit form) is named by its record,
        # not by its number: the page shows the number masked, as everywhere else
        return f"#{self.data.id} {self.data}" if self.data is not None else ""

    def process_data(self, value):
        self.data = self._lookup(value) if isinstance(value, str) else value

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        self.data = self._lookup(valuelist[0])
        if self.data is None:
            raise ValueError(_l("No student of yours has this ID number; add the student first."))

    @staticmethod
    def _lookup(raw):
        from app.models import Student

        chosen = re.match(r"\s*#(\d{1,18})(\s|$)", raw or "")
        if chosen:  # "#123 张三（341124********123X）": the record shown, sent back; the scope applies
            return db.session.scalar(select(Student).where(Student.id == int(chosen.group(1))))
        number = idcard.normalize(raw)
        if not number:
            return None
        return db.session.scalar(select(Student).where(Student.id_number == number))

    def pre_validate(self, form):
        if self.data is None and not self.process_errors:
            raise ValidationError(_l("This field is required."))


def student_from_link():
    """The pupil a link names by record id (``?student=123``, e.g. 应助尽助's 提出资助), within the
    user's scope: another school's id, or anything else, chooses nothing. Never an ID number in a URL."""
    from flask import request

    from app.models import Student

    pk = request.args.get("student", type=int)
    if pk is None or not 0 < pk < 2 ** 63:
        return None
    return db.session.scalar(select(Student).where(Student.id == pk))


class StrictQuerySelectMultipleField(QuerySelectMultipleField):
    """A multiple choice that refuses a posted id it does not offer.

    Flask-AppBuilder's QuerySelectMultipleField (checked on 5.3.0) reads its flag of unknown ids
    before it has looked the ids up, so an id outside its choices (another user than those offered)
    is dropped without a word and the rest saved.  Here the ids are looked up first.
    """

    def pre_validate(self, form):
        self.data  # noqa: B018 - looking the posted ids up sets the flag read below
        super().pre_validate(form)
