"""An information officer is a user with the SchoolOfficer role, one per school."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.rules import RuleError
from app.rules.phones import check_phones
from app.security.scope import OFFICER_ROLE, unscoped


def check_officer(officer, session):
    from flask_appbuilder.security.sqla.models import User

    from app.models import InfoOfficer

    errors = {}
    if officer.user_id is not None:
        user = session.get(User, officer.user_id)
        if user is not None and not any(r.name == OFFICER_ROLE for r in user.roles):
            errors["user"] = _l("Give this user the role 学校信息员 (SchoolOfficer) first.")
        other = session.execute(
            select(InfoOfficer.id).where(InfoOfficer.user_id == officer.user_id, InfoOfficer.id != (officer.id or 0))
            .execution_options(**unscoped())
        ).first()
        if other:
            errors["user"] = _l("This user is already the information officer of another school.")
    if officer.school_id is not None:
        other = session.execute(
            select(InfoOfficer.id).where(InfoOfficer.school_id == officer.school_id, InfoOfficer.id != (officer.id or 0))
            .execution_options(**unscoped())
        ).first()
        if other:
            errors["school"] = _l("This school already has an information officer; edit or remove that one first.")
    check_phones(officer, ("phone",), errors)
    if errors:
        raise RuleError(errors)
