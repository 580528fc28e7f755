"""学年升级: the record of each school-year turnover (applied once per year)."""
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String

from app.extensions import db
from app import clock


class SchoolYearTurnover(db.Model):
    __tablename__ = "school_year_turnover"

    id = Column(Integer, primary_key=True)
    from_year = Column(String(9), nullable=False, unique=True)
    to_year = Column(String(9), nullable=False)
    applied_at = Column(DateTime, nullable=False, default=clock.now)
    applied_by_id = Column(Integer, ForeignKey("ab_user.id"))
    promoted = Column(Integer, nullable=False, default=0)
    graduated = Column(Integer, nullable=False, default=0)
    identifications = Column(Integer, nullable=False, default=0)
    semesters = Column(Integer, nullable=False, default=0)

    applied_by = db.relationship("User")
