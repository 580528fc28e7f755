"""User accounts made outside the screens: by ``flask users create`` (app/cli.py) and by the demo county.

A refusal is a ``click.BadParameter`` naming the option it is about, as the command shows it."""
import click
from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.security.roles import FAB_ROLES, SCHOOL_OFFICER


def create_user(username, role, password, school_code=None, first_name=None, last_name=None, email=None):
    """Create a user with one role; a SchoolOfficer becomes its school's information officer."""
    from app.models import InfoOfficer, School
    from app.security.passwords import password_complexity

    sm = current_app.appbuilder.sm
    if role not in FAB_ROLES:
        raise click.BadParameter(f"unknown role {role!r}; one of: {', '.join(FAB_ROLES)}", param_hint="--role")
    if sm.find_user(username=username):
        raise click.BadParameter(f"user {username!r} already exists", param_hint="--username")
    school = None
    if role == SCHOOL_OFFICER:
        if not school_code:
            raise click.BadParameter("a SchoolOfficer needs --school CODE", param_hint="--school")
        school = db.session.scalar(select(School).where(School.code == school_code))
        if school is None:
            raise click.BadParameter(f"no school with code {school_code!r}", param_hint="--school")
        if db.session.scalar(select(InfoOfficer).where(InfoOfficer.school_id == school.id)):
            raise click.BadParameter(
                f"{school.name} already has an information officer", param_hint="--school"
            )
    elif school_code:
        raise click.BadParameter("only a SchoolOfficer belongs to a school", param_hint="--school")
    try:
        password_complexity(password)
    except Exception as exc:  # PasswordComplexityValidationError
        raise click.BadParameter(str(exc), param_hint="--password")
    sm.sync_roles()
    user = sm.add_user(
        username=username,
        first_name=first_name or username,
        last_name=last_name or "",
        email=email or f"{username}@aid.invalid",
        role=sm.find_role(role),
        password=password,
    )
    if not user:
        raise click.ClickException("the user could not be created (is the e-mail address taken?)")
    if school is not None:
        db.session.add(InfoOfficer(user_id=user.id, school_id=school.id))
        db.session.commit()
    return user
