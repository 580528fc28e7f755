"""Mixins shared by the business models."""
from sqlalchemy import Column, DateTime, ForeignKey, Integer
from sqlalchemy.orm import declared_attr

from app import clock


class Computed:
    """A value shown with a record (its list, its page, its export, the home page) that a rule or a
    figure computes: the model names it, the screen that shows it says how it is computed
    (``Complaint.due_on.computed_by(due_date)`` in app/views/complaints.py), so the models import
    nothing from the layers above them (README, Architecture). Read before that, it says so."""

    def __init__(self):
        self.compute = None
        self.name = ""

    def __set_name__(self, owner, name):
        self.name = f"{owner.__name__}.{name}"

    def computed_by(self, compute):
        self.compute = compute
        return compute

    def __get__(self, record, owner=None):
        if record is None:
            return self
        if self.compute is None:
            raise LookupError(f"{self.name} is computed by a screen's module that was not imported")
        return self.compute(record)


def _next_version(previous):
    return clock.now()


class Timestamps:
    """When a record was made and last changed. ``updated_at`` is also the record's version: every
    ORM UPDATE says ``WHERE updated_at = <the version it was read at>`` (SQLAlchemy's
    ``version_id_col``), so of two saves of one version the second changes nothing and fails,
    atomically in the database, whatever the screens checked before (see "Two people, one record").
    A model written by background statements as well (the print queue) sets ``__versioned__ = False``."""

    __versioned__ = True
    created_at = Column(DateTime, default=clock.now, nullable=False)
    updated_at = Column(DateTime, default=clock.now, onupdate=clock.now, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls):
        if not cls.__versioned__:
            return {}
        return {"version_id_col": cls.__table__.c.updated_at, "version_id_generator": _next_version}


class SchoolOwned:
    """A record that belongs to one school: the unit of row-level isolation.

    ``school_id`` is what app/security/scope.py filters and checks.  A model whose school
    follows from another record names that relationship in ``__school_from__``
    (an identification belongs to its student's school); the scope keeps the two
    in step on every flush, so the column can never disagree with its source.

    A record between two schools (a pupil's transfer from one school of the county to another)
    names in ``__shared_with__`` the column of the second school: that school sees the record as
    well and may take the steps its rules give it, but never creates one in the owner's name nor
    deletes one (app/security/scope.py).
    """

    __school_from__ = None
    __shared_with__ = None

    @declared_attr
    def school_id(cls):
        return Column(Integer, ForeignKey("school.id"), nullable=False, index=True)
