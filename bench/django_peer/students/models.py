"""The app's ``school`` and ``student`` tables as they are (unmanaged: Django never changes them)."""
from django.db import models


class School(models.Model):
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=100)

    class Meta:
        managed = False
        db_table = "school"

    def __str__(self):
        return self.name


class Student(models.Model):
    school = models.ForeignKey(School, on_delete=models.DO_NOTHING, db_column="school_id")
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1)
    id_number = models.CharField("身份证号", max_length=200)
    student_number = models.CharField("学籍号", max_length=200, null=True)
    grade = models.CharField("年级", max_length=20)
    class_name = models.CharField("班级", max_length=20)
    enrolment_year = models.IntegerField("入学年份")
    status = models.CharField("在校状态", max_length=16)

    class Meta:
        managed = False
        db_table = "student"
        verbose_name = verbose_name_plural = "学生"
