"""Command-line tools: ``flask users create``, ``flask users set-password``, ``flask users unlock``,
``flask sync-roles``, ``flask seed-demo`` (development only)."""
import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app.extensions import db
from app.security.accounts import create_user
from app.security.roles import FAB_ROLES


def _sm():
    return current_app.appbuilder.sm


@click.command("sync-roles")
@with_appcontext
def sync_roles_command():
    """Create the roles defined in app/security/roles.py that are missing (idempotent)."""
    names = _sm().sync_roles()
    click.echo("roles: " + ", ".join(names))


users = click.Group("users", help="Manage user accounts.")


@users.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(list(FAB_ROLES)))
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Asked for when left out (then it stays out of the shell's history).")
@click.option("--school", "school_code", default=None, help="School code (SchoolOfficer only).")
@click.option("--first-name", default=None)
@click.option("--last-name", default=None)
@click.option("--email", default=None)
@with_appcontext
def users_create(username, role, password, school_code, first_name, last_name, email):
    """Create a user: flask users create --username U --role ROLE [--school CODE] [--password P]"""
    user = create_user(username, role, password, school_code, first_name, last_name, email)
    click.echo(f"created {user.username} ({role})" + (f" for school {school_code}" if school_code else ""))


@users.command("set-password")
@click.argument("name")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Asked for when left out (then it stays out of the shell's history).")
@with_appcontext
def users_set_password(name, password):
    """Give a user a new password (a kept demo account becomes an ordinary one): flask users set-password NAME"""
    from app.security.passwords import password_complexity

    sm = _sm()
    user = sm.find_user(username=name)
    if user is None:
        raise click.BadParameter(f"no user {name!r}", param_hint="NAME")
    try:
        password_complexity(password)
    except Exception as exc:  # PasswordComplexityValidationError
        raise click.BadParameter(str(exc), param_hint="--password")
    sm.reset_password(user.id, password)  # commits; app/demo/guard.py drops the demo mark
    click.echo(f"new password set for {user.username}")


@users.command("list")
@with_appcontext
def users_list():
    """List users with their roles and schools; demo accounts are marked."""
    from flask_appbuilder.security.sqla.models import User

    from app.demo.guard import DemoAccount
    from app.models import InfoOfficer

    officers = {o.user_id: o.school for o in db.session.scalars(select(InfoOfficer))}
    demo = set(db.session.scalars(select(DemoAccount.user_id)))
    for user in db.session.scalars(select(User).order_by(User.username)):
        school = officers.get(user.id)
        note = "\tdemo account: no login outside development until a new password is set" if user.id in demo else ""
        click.echo(f"{user.username}\t{','.join(r.name for r in user.roles)}\t{school.code + ' ' + school.name if school else ''}{note}")


@users.command("unlock")
@click.argument("name")
@with_appcontext
def users_unlock(name):
    """Lift the temporary lock that failed logins put on a user: flask users unlock NAME"""
    from app.security import hardening

    sm = _sm()
    user = sm.find_user(username=name) or sm.find_user(email=name)
    if user is not None:
        was_locked = hardening.unlock([user.username, user.email, name])
        user.fail_login_count = 0
    else:  # a name that is no account can be locked too (so that the lock tells nothing)
        was_locked = hardening.unlock([name])
    db.session.commit()
    label = user.username if user is not None else f"{name} (no such user)"
    click.echo(f"unlocked {label}" if was_locked else f"{label} was not locked; failed logins cleared")


@click.command("seed-demo")
@click.option("--students", default=3000, show_default=True, help="How many students to create.")
@click.option("--seed", default=2021, show_default=True, help="Random seed (same seed, same data).")
@with_appcontext
def seed_demo_command(students, seed):
    """Load the demo county (development only; idempotent: does nothing if schools exist)."""
    from app.demo.county import seed_demo
    from app.demo.guard import DemoRefused

    try:
        result = seed_demo(students=students, seed=seed)
    except DemoRefused as refused:
        raise click.ClickException(str(refused))
    click.echo(result.summary())


def register_cli(app):
    app.cli.add_command(sync_roles_command)
    app.cli.add_command(users)
    app.cli.add_command(seed_demo_command)
    from app.security.audit import cli_group as audit_group

    app.cli.add_command(audit_group())
    from app.security.crypto import cli_group as crypto_group

    app.cli.add_command(crypto_group())
    from app.operations.backup import backup as backup_group

    app.cli.add_command(backup_group)
    from app.reports.cli import register as register_print_commands

    register_print_commands(app)
