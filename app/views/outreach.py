"""宣传与走访 screens: home visits, publicity activities with photos, aid staff, training,
资助育人 recognitions, and the figures page."""
from datetime import date

from flask import abort, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.forms import DynamicForm
from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from sqlalchemy import select
from wtforms import DecimalField, IntegerField
from wtforms.validators import InputRequired, NumberRange, Optional

from app.files import storage
from app.files import uploads
from app.extensions import db
from app.kpi.outreach import publicity_figures, staffing, training_hours, visit_figures
from app.models.outreach import (
    ACTIVITY_TYPES, TARGET_STAGES, VISIT_TYPES, AidStaff, HomeVisit, PublicityActivity, PublicityPhoto, Recognition,
    TrainingAttendance, TrainingSession,
)
from app.rules import RuleError
from app.rules.outreach import (
    check_activity, check_attendance, check_recognition, check_staff, check_training, check_visit,
)
from app.views.base import AidInterface, AidModelView, choice_field
from app.views.steps import record_or_404, run_and_return
from app.views.fields import pupil_field, student_from_link
from app.views.filters import FilterStudentNameOrIdNumber

PHOTO_TYPES = {".jpg", ".jpeg", ".png"}

VISIT_LABELS = {
    "student": _l("Student"), "school": _l("School"), "visit_type": _l("Visit type"), "visited_on": _l("Visited on"),
    "visitors": _l("Visitors"), "family_met": _l("Family members met"), "findings": _l("What was found"),
    "opinions": _l("The family's opinions and suggestions"), "solved": _l("Problems solved"),
    "open_problems": _l("Problems still open"), "follow_up": _l("Follow-up"), "resolved": _l("All resolved"),
}


def visit_type_from_link():
    """The kind of visit a link names (``?visit_type=persuade_back``); anything else chooses none."""
    kind = request.args.get("visit_type")
    return kind if kind in VISIT_TYPES else None


class HomeVisitView(AidModelView):
    datamodel = AidInterface(HomeVisit)
    list_title = _l("Home visits")
    show_title = _l("Home visit record")
    add_title = _l("Record a home visit")
    edit_title = _l("Edit home visit")
    label_columns = VISIT_LABELS
    list_columns = ["visited_on", "school", "student", "visit_type", "visitors", "resolved"]
    show_columns = ["school", "student", "visit_type", "visited_on", "visitors", "family_met", "findings", "opinions",
                    "solved", "open_problems", "follow_up", "resolved"]
    add_columns = edit_columns = ["student", "visit_type", "visited_on", "visitors", "family_met", "findings",
                                  "opinions", "solved", "open_problems", "follow_up", "resolved"]
    search_columns = ["school", "student", "visit_type", "visited_on", "resolved"]
    order_columns = ["visited_on"]
    base_order = ("visited_on", "desc")
    text_search_relations = {"student": FilterStudentNameOrIdNumber}
    rule_check = staticmethod(check_visit)
    description_columns = {
        "visitors": _l("Names of the teachers or staff who went, separated by 、"),
        "open_problems": _l("What the family still needs; say below who follows it up and when."),
    }
    edit_form_extra_fields = {"student": pupil_field(VISIT_LABELS["student"], default=student_from_link)}
    # 控辍保学's 登记劝返家访 opens the form with the pupil and the kind chosen (?student=…&visit_type=…)
    add_form_extra_fields = {
        "student": pupil_field(VISIT_LABELS["student"], default=student_from_link),
        "visit_type": choice_field(VISIT_LABELS["visit_type"], VISIT_TYPES, default=visit_type_from_link),
    }


ACTIVITY_LABELS = {
    "school": _l("School"), "activity_type": _l("Activity"), "held_on": _l("Held on"), "title": _l("Title"),
    "audience": _l("People reached"), "target_stage": _l("Whom it was for"), "notes": _l("Notes"),
    "photos": _l("Photos"),
}


class PublicityActivityView(AidModelView):
    datamodel = AidInterface(PublicityActivity)
    list_title = _l("Publicity activities")
    show_title = _l("Publicity activity")
    add_title = _l("Record a publicity activity")
    edit_title = _l("Edit publicity activity")
    label_columns = ACTIVITY_LABELS
    list_columns = ["held_on", "school", "activity_type", "title", "audience", "target_stage"]
    show_columns = ["school", "activity_type", "held_on", "title", "audience", "target_stage", "notes"]
    add_columns = edit_columns = ["school", "activity_type", "held_on", "title", "audience", "target_stage", "notes"]
    search_columns = ["school", "activity_type", "target_stage", "held_on", "title"]
    order_columns = ["held_on", "audience"]
    base_order = ("held_on", "desc")
    show_template = "aid/publicity_show.html"
    rule_check = staticmethod(check_activity)
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_delete", "can_export", "can_photos",
                        "can_photo"]
    description_columns = {
        "target_stage": _l("关口前移: senior high and vocational aid to 初中 pupils, loans and university aid to 高中 pupils."),
        "audience": _l("Pupils and parents reached, roughly."),
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "audience": IntegerField(ACTIVITY_LABELS["audience"], default=0, validators=[InputRequired(), NumberRange(min=0)]),
    }

    def render_template(self, template, **kwargs):
        if template == self.show_template and "pk" in kwargs:
            kwargs["activity"] = self.datamodel.get(kwargs["pk"])
            kwargs["photo_form"] = PhotoForm()
        return super().render_template(template, **kwargs)

    @expose("/photos/<pk>", methods=["POST"])
    @has_access
    def photos(self, pk):
        """Add photos (jpg or png) to an activity."""
        activity = record_or_404(self, pk)
        form = PhotoForm()
        if not form.validate():
            abort(400)

        def add():
            photos = []
            for upload in form.files.data or []:  # every photo is checked before the first one is stored
                if not getattr(upload, "filename", ""):
                    continue
                if not any(upload.filename.lower().endswith(ext) for ext in PHOTO_TYPES):
                    raise RuleError({"files": _l("%(name)s is not a photo (jpg or png).", name=upload.filename)})
                photos.append((uploads.read(upload, PHOTO_TYPES), upload.filename))
            for data, name in photos:
                path = storage.save(data, name, session=db.session)
                db.session.add(PublicityPhoto(activity=activity, path=path, name=name))
            return len(photos)

        return run_and_return(add, lambda added: _l("%(n)d photos added.", n=added),
                              url_for("PublicityActivityView.show", pk=activity.id))

    @expose("/photo/<photo_id>")
    @has_access
    def photo(self, photo_id):
        photo = db.session.get(PublicityPhoto, int(photo_id)) if str(photo_id).isdigit() else None
        if photo is None:
            abort(404)
        return storage.send_upload(photo.path, photo.name, as_attachment=False)


class PhotoForm(DynamicForm):
    files = MultipleFileField(_l("Photos"), validators=[Optional()])


STAFF_LABELS = {
    "school": _l("School (empty: the county centre)"), "name": _l("Name"), "post": _l("Post"),
    "employment": _l("Full-time or part-time"), "since": _l("In post since"), "until": _l("Left on"),
}


class AidStaffView(AidModelView):
    datamodel = AidInterface(AidStaff)
    list_title = _l("Aid staff")
    show_title = _l("Aid staff member")
    add_title = _l("Add an aid staff member")
    edit_title = _l("Edit aid staff member")
    label_columns = STAFF_LABELS
    list_columns = ["school", "name", "post", "employment", "since", "until"]
    show_columns = add_columns = edit_columns = ["school", "name", "post", "employment", "since", "until"]
    search_columns = ["school", "name", "employment", "since", "until"]
    order_columns = ["name", "since"]
    base_order = ("since", "desc")
    rule_check = staticmethod(check_staff)
    description_columns = {
        "until": _l("Leave empty while the person holds the post; fill it in when someone leaves, instead of deleting."),
    }


class TrainingAttendanceView(AidModelView):
    datamodel = AidInterface(TrainingAttendance)
    list_title = _l("Attendance")
    show_title = add_title = edit_title = _l("Attendance")
    label_columns = {"session": _l("Training"), "staff": _l("Aid staff member"), "school": _l("School")}
    list_columns = ["session", "staff"]
    show_columns = add_columns = edit_columns = ["session", "staff"]
    search_columns = ["session", "staff", "school"]
    rule_check = staticmethod(lambda probe: check_attendance(_attendance(probe), db.session))


def _attendance(probe):
    """The probe of a form has ids; the rule reads the staff member and the session."""
    probe.staff = db.session.get(AidStaff, probe.staff_id) if probe.staff_id else None
    probe.session = db.session.get(TrainingSession, probe.session_id) if probe.session_id else None
    return probe


TRAINING_LABELS = {"held_on": _l("Held on"), "topic": _l("Topic"), "hours": _l("Hours"), "trainer": _l("Trainer"),
                   "place": _l("Place"), "attendances": _l("Attendance")}


class TrainingSessionView(AidModelView):
    datamodel = AidInterface(TrainingSession)
    list_title = _l("Training sessions")
    show_title = _l("Training session")
    add_title = _l("Record a training session")
    edit_title = _l("Edit training session")
    label_columns = TRAINING_LABELS
    list_columns = show_columns = add_columns = edit_columns = ["held_on", "topic", "hours", "trainer", "place"]
    search_columns = ["held_on", "topic", "trainer"]
    base_order = ("held_on", "desc")
    related_views = [TrainingAttendanceView]
    rule_check = staticmethod(check_training)
    add_form_extra_fields = edit_form_extra_fields = {
        "hours": DecimalField(TRAINING_LABELS["hours"], places=1, validators=[InputRequired(), NumberRange(min=0.5, max=80)]),
    }


RECOGNITION_LABELS = {"student": _l("Student"), "school": _l("School"), "year": _l("Year"), "kind": _l("Kind"),
                      "title": _l("Honour or activity"), "citation": _l("Citation")}


class RecognitionView(AidModelView):
    datamodel = AidInterface(Recognition)
    list_title = _l("Aid education (资助育人)")
    show_title = _l("Recognition")
    add_title = _l("Record a recognition")
    edit_title = _l("Edit recognition")
    label_columns = RECOGNITION_LABELS
    list_columns = ["year", "school", "student", "kind", "title"]
    show_columns = ["year", "school", "student", "kind", "title", "citation"]
    add_columns = edit_columns = ["student", "year", "kind", "title", "citation"]
    search_columns = ["school", "student", "year", "kind", "title"]
    base_order = ("year", "desc")
    text_search_relations = {"student": FilterStudentNameOrIdNumber}
    rule_check = staticmethod(check_recognition)
    add_form_extra_fields = edit_form_extra_fields = {
        "student": pupil_field(RECOGNITION_LABELS["student"], default=student_from_link),
        "year": IntegerField(RECOGNITION_LABELS["year"], default=lambda: date.today().year,
                             validators=[InputRequired(), NumberRange(min=2000, max=2100)]),
    }


class OutreachFiguresView(BaseView):
    route_base = "/outreach"
    default_view = "figures"

    @expose("/figures/")
    @has_access
    def figures(self):
        today = date.today()
        year = request.args.get("year", type=int) or today.year
        visits, visit_totals = visit_figures(db.session, year)
        publicity, publicity_totals, stages = publicity_figures(db.session, year)
        staff = staffing(db.session, year, today=today)
        return self.render_template(
            "aid/outreach_figures.html", title=_l("Outreach and staff figures"), year=year,
            visits=visits, visit_totals=visit_totals, visit_types=list(VISIT_TYPES),
            publicity=publicity, publicity_totals=publicity_totals, activity_types=list(ACTIVITY_TYPES),
            stages=stages, target_stages=list(TARGET_STAGES), staff=staff,
            lacking=[s for s in staff if s.lacks_full_time], hours=training_hours(db.session, year),
            sessions=db.session.scalars(select(TrainingSession).where(
                TrainingSession.held_on.between(date(year, 1, 1), date(year, 12, 31)))).all(),
        )
