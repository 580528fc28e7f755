"""公示期 and the working-day calendar the centre keeps: how many working days a notice stays up, by
school year, and the public holidays and adjusted working days (调休) of each year."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Date, Integer, String, Text

from app.extensions import db
from app.models.base import Timestamps
from app.models.choices import Choices

DAY_KINDS = Choices(
    ("holiday", _l("Public holiday (no work)")),
    ("workday", _l("Adjusted working day (调休上班)")),
)


class WorkCalendarEntry(Timestamps, db.Model):
    """A public holiday (a run of days off, weekdays included) or an adjusted working day (a Saturday
    or Sunday worked, 调休), as the State Council's notice of ``year`` sets them."""

    __tablename__ = "work_calendar"
    __table_args__ = (DAY_KINDS.check("kind"),)
    __choices__ = {"kind": DAY_KINDS}

    id = Column(Integer, primary_key=True)
    year = Column(Integer, nullable=False, index=True)
    kind = Column(String(8), nullable=False)
    name = Column(String(30), nullable=False)
    starts_on = Column(Date, nullable=False)
    ends_on = Column(Date, nullable=False)
    basis = Column(String(200))
    notes = Column(Text)

    def __str__(self):
        return f"{self.year} {self.name}"

    @property
    def kind_label(self):
        return DAY_KINDS.label(self.kind)


class NoticeRule(Timestamps, db.Model):
    """公示期: the fewest working days a posted list stays up, from a school year on (the county sets it)."""

    __tablename__ = "notice_rule"

    id = Column(Integer, primary_key=True)
    since_year = Column(String(9), nullable=False, unique=True)
    working_days = Column(Integer, nullable=False)
    basis = Column(String(200), nullable=False)
    notes = Column(Text)

    def __str__(self):
        return f"{self.since_year} {self.working_days}"
