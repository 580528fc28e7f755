"""信息报送: report tasks the centre issues and the schools' submissions."""
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import relationship

from app.extensions import db
from app import clock
from app.models.base import SchoolOwned, Timestamps
from app.models.choices import Choices
from flask_babel import lazy_gettext as _l

SUBMISSION_STATUSES = Choices(
    ("submitted", _l("Submitted")),
    ("accepted", _l("Accurate")),
    ("returned", _l("Returned for correction")),
)

report_task_school = Table(
    "report_task_school",
    db.Model.metadata,
    Column("task_id", Integer, ForeignKey("report_task.id", ondelete="CASCADE"), primary_key=True),
    Column("school_id", Integer, ForeignKey("school.id"), primary_key=True),
)


class ReportTask(Timestamps, db.Model):
    """A report the centre asks schools for, by a deadline."""

    __tablename__ = "report_task"

    id = Column(Integer, primary_key=True)
    title = Column(String(200), nullable=False)
    description = Column(Text)
    deadline = Column(DateTime, nullable=False, index=True)
    # target: the schools listed, plus every school of the stages named (comma-separated codes)
    stages = Column(String(100))
    template_path = Column(String(300))
    template_name = Column(String(200))
    issued_by_id = Column(Integer, ForeignKey("ab_user.id"))
    active = Column(Boolean, nullable=False, default=True)

    schools = relationship("School", secondary=report_task_school)
    submissions = relationship("Submission", back_populates="task")

    def __str__(self):
        return self.title


class Submission(Timestamps, SchoolOwned, db.Model):
    """One school's answer to a task; a resubmission is a new row pointing at the one it replaces."""

    __tablename__ = "submission"
    __table_args__ = (SUBMISSION_STATUSES.check("status"),)
    __choices__ = {"status": SUBMISSION_STATUSES}

    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False, index=True)
    task_id = Column(Integer, ForeignKey("report_task.id"), nullable=False, index=True)
    previous_id = Column(Integer, ForeignKey("submission.id"))
    content = Column(Text)
    file_path = Column(String(300))
    file_name = Column(String(200))
    submitted_at = Column(DateTime, nullable=False, default=clock.now)
    submitted_by_id = Column(Integer, ForeignKey("ab_user.id"))
    late = Column(Boolean, nullable=False, default=False)
    status = Column(String(16), nullable=False, default="submitted", index=True)
    review_comment = Column(Text)
    reviewed_at = Column(DateTime)
    reviewed_by_id = Column(Integer, ForeignKey("ab_user.id"))

    task = relationship("ReportTask", back_populates="submissions", lazy="joined", innerjoin=True)
    school = relationship("School", lazy="joined", innerjoin=True)
    previous = relationship("Submission", remote_side=[id])

    def __str__(self):
        return f"{self.school} · {self.task}"

    @property
    def status_label(self):
        return SUBMISSION_STATUSES.label(self.status)

    @property
    def attachment(self):
        """The attachment's name, linking to the file (lists and the record page show this)."""
        from flask import url_for
        from markupsafe import Markup, escape

        if not self.file_path:
            return ""
        return Markup(f'<a href="{url_for("SubmissionView.file", pk=self.id)}"><i class="fa fa-paperclip"></i> '
                      f'{escape(self.file_name or "")}</a>')
