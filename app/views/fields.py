"""Form fields shared by the screens."""
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
        return self.data.id_number if self.data is not None else ""

    def process_data(self, value):
        # a default may name the student by ID number (?student=... on a link)
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

        number = idcard.normalize(raw)
        if not number:
            return None
        return db.session.scalar(select(Student).where(Student.id_number == number))

    def pre_validate(self, form):
        if self.data is None and not self.process_errors:
            raise ValidationError(_l("This field is required."))
