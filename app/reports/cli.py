"""`flask build-fonts` and `flask print-worker`."""
import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("build-fonts")
@with_appcontext
def build_fonts_command():
    """Cut the Chinese faces the printed documents embed (once; kept in INSTANCE_DIR/fonts)."""
    from app.reports.render import fontset, default_font_dir

    for path in fontset(default_font_dir()).prepare():
        click.echo(f"{path}" if path else "no Chinese font found: apt-get install fonts-noto-cjk")


@click.command("print-worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def print_worker_command(burst):
    """Run print jobs from the Redis queue (REDIS_URL must be set)."""
    from app.reports import jobs

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: without it the web process prints in the background itself.")
    jobs.run_worker(burst=burst)


def register(app):
    app.cli.add_command(build_fonts_command)
    app.cli.add_command(print_worker_command)
