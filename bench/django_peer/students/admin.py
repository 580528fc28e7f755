"""The change list of the students: the columns, page size, order and scope of the app's list page."""
from django.contrib import admin

from bench.django_peer import CONFIG

from .models import Student


@admin.register(Student)
class StudentAdmin(admin.ModelAdmin):
    list_display = ("name", "gender_shown", "id_number_shown", "student_number_shown", "school", "grade", "class_name",
                    "enrolment_year", "status_shown")
    list_per_page = 25
    ordering = ("-id",)
    list_select_related = ("school",)
    search_fields = ("name",)

    def get_queryset(self, request):
        """A school's officer sees its own school's pupils (the app's scope), the centre every school's."""
        qs = super().get_queryset(request)
        if not request.user.is_superuser:
            qs = qs.filter(school_id=CONFIG["officer_school_id"])
        return qs

    @admin.display(description="性别")
    def gender_shown(self, obj):
        from app.models.choices import GENDERS

        return GENDERS.label(obj.gender)

    @admin.display(description="身份证号")
    def id_number_shown(self, obj):
        from app.rules import idcard
        from app.security.crypto import decrypt

        return idcard.mask(decrypt(obj.id_number, CONFIG["encryption_key"]))

    @admin.display(description="学籍号")
    def student_number_shown(self, obj):
        from app.rules import studentno
        from app.security.crypto import decrypt

        return studentno.mask(decrypt(obj.student_number, CONFIG["encryption_key"]))

    @admin.display(description="在校状态")
    def status_shown(self, obj):
        from app.models.student import STUDENT_STATUSES

        return STUDENT_STATUSES.label(obj.status)
