"""Mixins shared by the business models."""
from sqlalchemy import Column, DateTime, ForeignKey, Integer
from sqlalchemy.orm import declared_attr

from app import clock


class Timestamps:
    created_at = Column(DateTime, default=clock.now, nullable=False)
    updated_at = Column(DateTime, default=clock.now, onupdate=clock.now, nullable=False)


class SchoolOwned:
    """A record that belongs to one school: the unit of row-level isolation.

    ``school_id`` is what app/scope.py filters and checks.  A model whose school
    follows from another record names that relationship in ``__school_from__``
    (an identification belongs to its student's school); the scope keeps the two
    in step on every flush, so the column can never disagree with its source.
    """

    __school_from__ = None

    @declared_attr
    def school_id(cls):
        return Column(Integer, ForeignKey("school.id"), nullable=False, index=True)
