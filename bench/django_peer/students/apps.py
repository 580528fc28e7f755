from django.apps import AppConfig


class StudentsConfig(AppConfig):
    name = "bench.django_peer.students"
    label = "students"
    verbose_name = "学生资助"
