"""Form fields shared by the screens: the pupil picker.

A school has thousands of pupils and the county a hundred thousand: a dropdown of all of them is
unusable and heavy, and a typed ID number means revealing it or working from paper. The picker is
a select box searched as one types (app/static/js/behaviours.js, with the select2 that
Flask-AppBuilder ships): the name, the class or grade, or the ID number (the whole number or the
last four characters the lists show) finds the pupil. The search is posted (``StudentView.pick``),
so no ID number enters an address or a log; it runs through the school scope, so an officer only
ever finds its own school's pupils; each option shows the pupil's name, grade, class and the ID
number masked, and carries the record's id (``#123``), never the number.
"""
import re

from flask_appbuilder.fields import QuerySelectMultipleField
from flask import url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import and_, false, or_, select, true
from wtforms import Field
from wtforms.validators import ValidationError

from app.errors import MAX_ID
from app.rules import idcard
from app.rules import studentno
from app.extensions import db

RESULTS = 20
_WHOLE = re.compile(r"\d{17}[\dX]")
_TAIL = re.compile(r"\d{3}[\dX]")  # the last four characters: what a masked number shows
_DIGITS = re.compile(r"\d+X?")

PICKER_TEXTS = {
    "placeholder": _l("Name, class or ID number of the pupil"),
    "too-short": _l("Type a name, a class or the ID number (whole, or its last 4 characters)."),
    "searching": _l("Searching…"),
    "no-results": _l("No pupil of yours matches."),
    "error": _l("The search did not answer: try again."),
}


def pupil_label(student, with_school=False):
    """What an option shows: name, (school,) grade and class, the ID number masked."""
    place = f"{student.grade} {student.class_name}".strip()
    if with_school:
        place = f"{student.school.name} {place}"
    return f"{student.name} · {place} · {idcard.mask(student.id_number)}"


def find_pupils(text, limit=RESULTS):
    """The pupils (within the user's scope, as every query) that each word of ``text`` matches, and
    a hint when a number was typed that is neither whole nor the last four characters.

    A word matches the name, the class or the grade; an ID number only whole (its keyed hash) or by
    its last four characters, which every list shows anyway: a longer part of the number is never
    searched, or the search would tell the digits the screens hide.
    """
    from app.models import Student

    conditions, tails, hint = [], [], None
    words = (text or "").split()[:6]
    if _WHOLE.fullmatch(idcard.normalize(text)):
        words = [idcard.normalize(text)]  # a whole number typed in groups: 341124 20090506 123X
    elif studentno.looks_like(text):
        words = [studentno.normalize(text)]  # a whole 学籍号, the same way
    for word in words:
        number = idcard.normalize(word)
        if studentno.looks_like(word):
            conditions.append(Student.student_number == studentno.normalize(word))
        elif _WHOLE.fullmatch(number):
            conditions.append(Student.id_number == number)
        elif _TAIL.fullmatch(number):
            tails.append(number)
        elif _DIGITS.fullmatch(number) and len(number) > 4:
            hint = _l("Type the whole ID number or its last 4 characters.")
            conditions.append(false())
        else:
            word = word[:20]
            conditions.append(or_(Student.name.contains(word, autoescape=True),
                                  Student.class_name.contains(word, autoescape=True),
                                  Student.grade.contains(word, autoescape=True)))
    if not conditions and not tails:
        return [], hint
    where = and_(*conditions) if conditions else true()
    if tails:
        # the number is encrypted at rest: the candidates' numbers are read and compared here
        ids = [pk for pk, number in db.session.execute(select(Student.id, Student.id_number).where(where))
               if all((number or "").upper().endswith(tail) for tail in tails)]
        where = Student.id.in_(ids[:limit + 1])
    found = db.session.scalars(select(Student).where(where)
                               .order_by(Student.grade, Student.class_name, Student.name, Student.id)
                               .limit(limit + 1)).all()
    if len(found) > limit:
        hint = _l("Only the first %(n)d are shown: type more to narrow the search.", n=limit)
    return found[:limit], hint


class PupilPickerWidget:
    """A select box holding the chosen pupil only; behaviours.js turns it into the search."""

    def __call__(self, field, **kwargs):
        from app.security.scope import current_school_scope

        attrs = {
            "id": field.id, "name": field.name, "class": "form-control aid-pupil-picker",
            "data-search-url": url_for("StudentView.pick"),
            **{f"data-text-{key}": str(value) for key, value in PICKER_TEXTS.items()},
        }
        options = ['<option value=""></option>']
        if field.data is not None:
            label = pupil_label(field.data, with_school=current_school_scope() is None)
            options.append(f'<option value="#{field.data.id}" selected>{escape(label)}</option>')
        html = " ".join(f'{k}="{escape(v)}"' if v is not True else k for k, v in attrs.items())
        return Markup(f"<select {html}>{''.join(options)}</select>")


class PupilField(Field):
    """Choose a pupil with the picker. The form posts the record's id (``#123``); a whole ID number
    typed into the form (a script, the import of an older form) still finds the pupil."""

    widget = PupilPickerWidget()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.flags.required = True  # every form that chooses a pupil needs one (pre_validate)

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
        if chosen:  # "#123": the record chosen in the picker; the scope applies
            return db.session.scalar(select(Student).where(Student.id == int(chosen.group(1))))
        if studentno.looks_like(raw):
            return db.session.scalar(select(Student).where(Student.student_number == studentno.normalize(raw)))
        number = idcard.normalize(raw)
        if not number:
            return None
        return db.session.scalar(select(Student).where(Student.id_number == number))

    def pre_validate(self, form):
        if self.data is None and not self.process_errors:
            raise ValidationError(_l("This field is required."))


def pupil_field(label, **kwargs):
    """The picker with its description; ``default`` as for any field (e.g. ``student_from_link``)."""
    kwargs.setdefault("description", _l("Type the pupil's name, class or ID number (whole, or its last 4 "
                                        "characters), then choose the pupil."))
    return PupilField(label, **kwargs)


def student_from_link():
    """The pupil a link names by record id (``?student=123``, e.g. 应助尽助's 提出资助), within the
    user's scope: another school's id, or anything else, chooses nothing. Never an ID number in a URL."""
    from flask import request

    from app.models import Student

    pk = request.args.get("student", type=int)
    if pk is None or not 0 < pk <= MAX_ID:
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
