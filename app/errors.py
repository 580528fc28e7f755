"""Error pages: a refused record is a 403 page, never a stack trace.

No address makes a server error, whatever it carries: an id beyond what the database's integers
hold is a record that does not exist (404), any other number out of range (a page, a filter, a
year) is a bad request (400); the answer never shows the database's error or SQL.
"""
import re

from flask import abort, g, render_template, request, session
from flask_appbuilder.baseviews import BaseCRUDView
from flask_babel import gettext
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.exceptions import BadRequest

from app.extensions import db
from app.rules import RuleError, db_errors
from app.security.scope import ScopeViolation


def _page(app, code, message):
    return render_template(
        "error.html", code=code, message=message,
        appbuilder=app.appbuilder, base_template=app.appbuilder.base_template,
    )


INT64 = 2**63 - 1
# The largest record id: ids are INTEGER columns, 32 bits on PostgreSQL (SQLite stores 64), so a bigger
# id is not found rather than sent to the database, which refuses it ("integer out of range": a 500).
MAX_ID = 2**31 - 1
_INTEGER = re.compile(r"^[+-]?\d+$")
# The years a page may be asked about (pages build dates from them).
YEARS = range(1900, 2201)
_SCHOOL_YEAR = re.compile(r"^(\d{4})-(\d{4})$")


def _out_of_range(value):
    """An integer (or integer text) that no 64-bit database column can hold."""
    if isinstance(value, str) and _INTEGER.match(value.strip()):
        value = int(value)
    return isinstance(value, int) and abs(value) > INT64


def _holds_out_of_range(value):
    """Whether a decoded JSON or rison value holds such an integer anywhere."""
    if isinstance(value, dict):
        return any(_holds_out_of_range(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_out_of_range(v) for v in value)
    return not isinstance(value, bool) and _out_of_range(value)


def _api_query(text):
    import prison

    try:
        return prison.loads(text)
    except Exception:  # noqa: BLE001 - not rison: Flask-AppBuilder answers it with its own 400
        return None


def _bad_year(key, value):
    if key == "year":
        return not _INTEGER.match(value.strip() or "0") or (value.strip() and int(value) not in YEARS)
    if key in ("school_year", "from_year") and value:
        match = _SCHOOL_YEAR.match(value)
        return match is None or int(match.group(1)) not in YEARS or int(match.group(2)) != int(match.group(1)) + 1
    return False


def register_error_handlers(app):
    def wants_json():
        return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"

    @app.errorhandler(ScopeViolation)
    @app.errorhandler(403)
    def forbidden(exc):
        db.session.rollback()
        if wants_json():
            return {"message": gettext("Forbidden")}, 403
        if isinstance(exc, ScopeViolation):
            message = gettext("This record belongs to another school.")
        else:
            message = gettext("You do not have permission to do this.")
        return _page(app, code=403, message=message), 403

    @app.before_request
    def unknown_action():
        """Flask-AppBuilder answers an unknown action name with a 500; make it a 404."""
        endpoint = request.endpoint or ""
        if endpoint.endswith((".action", ".action_post")):
            view = app.appbuilder_views.get(endpoint.split(".")[0])
            name = (request.view_args or {}).get("name") or request.form.get("action")
            if view is not None and name not in getattr(view, "actions", {}):
                abort(404)

    @app.before_request
    def no_change_on_get():
        """A GET changes nothing: Flask-AppBuilder's delete and record-action routes also answer GET (and act
        on it when CSRF protection is off); only their POST, sent by the pages' buttons, may change a record."""
        endpoint = request.endpoint or ""
        if not isinstance(app.appbuilder_views.get(endpoint.split(".")[0]), BaseCRUDView):
            return
        if request.method in ("GET", "HEAD") and endpoint.endswith((".delete", ".action")):
            abort(405)
        if endpoint.endswith(".download"):
            abort(404)  # no screen keeps files through Flask-AppBuilder's upload folder (app/files/storage.py does)

    @app.errorhandler(405)
    def wrong_method(exc):
        allow = {"Allow": ", ".join(getattr(exc, "valid_methods", None) or ["POST"])}
        message = gettext("This address only takes a form's button, not a link.")
        if wants_json():
            return {"message": message}, 405, allow
        return _page(app, code=405, message=message), 405, allow

    @app.after_request
    def refused_write(response):
        """A screen that swallowed a ScopeViolation still answers 403."""
        if g.get("_scope_violation") and response.status_code < 400:
            session.pop("_flashes", None)
            return app.make_response(forbidden(ScopeViolation()))
        return response

    @app.before_request
    def values_in_range():
        """Ids and numbers the database cannot hold, and years no page can be about, end here."""
        if any(_out_of_range(v) for v in (request.view_args or {}).values()):
            abort(404)
        for key, value in request.args.items(multi=True):
            if _out_of_range(value) or _bad_year(key, value):
                abort(400, description=gettext("A value in the address is out of range: %(name)s.", name=key))
        if request.path.startswith("/api/"):
            # the REST API's @safe turns any exception into a bare 500: its numbers are checked before it runs
            if _holds_out_of_range(_api_query(request.args.get("q", ""))):
                abort(400, description=gettext("A value in the address is out of range: %(name)s.", name="q"))
            body = request.get_json(silent=True) if request.is_json else None
            fields = [k for k, v in body.items() if _holds_out_of_range(v)] if isinstance(body, dict) else []
            if fields or (isinstance(body, list) and _holds_out_of_range(body)):
                message = [gettext("A value is out of range.")]
                return {"message": {field: message for field in fields or ["_body"]}}, 422

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def database_out_of_range(exc):
        """A value that still reached the database past its range (SQLite's OverflowError, PostgreSQL's
        'out of range' or 'invalid input'): rolled back, and the database's message never shown."""
        db.session.rollback()
        return bad_request(BadRequest(gettext("A value is out of range.")))

    @app.errorhandler(400)
    def bad_request(exc):
        message = exc.description if exc.description != BadRequest.description else gettext(
            "The request could not be understood: go back, reload the page and try again.")
        if wants_json():
            return {"message": message}, 400
        return _page(app, code=400, message=message), 400

    @app.errorhandler(404)
    def not_found(exc):
        if wants_json():
            return {"message": gettext("Not found")}, 404
        return _page(app, code=404, message=gettext("The record does not exist or is not yours to see.")), 404

    @app.before_request
    def body_within_limit():
        """Refuse a body over MAX_CONTENT_LENGTH before any view reads it.

        Werkzeug raises 413 when a form is parsed, but Flask-AppBuilder's API methods turn any
        exception into a 400 or 500: decide here, from the declared length, or for an API body
        sent in chunks (no length) by reading it now (the API reads it anyway), never more than the limit.
        """
        limit = app.config.get("MAX_CONTENT_LENGTH")
        if not limit or request.method in ("GET", "HEAD", "OPTIONS"):
            return
        if request.content_length is not None and request.content_length > limit:
            abort(413)
        if request.path.startswith("/api/") and len(request.get_data()) >= limit:
            abort(413)  # a body sent in chunks: Werkzeug stops reading at the limit and would hand on a cut-off body

    @app.errorhandler(413)
    def too_large(exc):
        """A body over MAX_CONTENT_LENGTH (or a form field over Werkzeug's limits), refused unread."""
        db.session.rollback()
        limit = (app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
        message = gettext("The upload is too large: at most %(n)d MB at a time. Nothing was saved.", n=limit)
        if wants_json():
            return {"message": message}, 413
        if not hasattr(g, "user"):  # refused by the CSRF check, before Flask-AppBuilder set the user for the menu
            from flask_login import current_user

            g.user = current_user
        return _page(app, code=413, message=message), 413

    @app.errorhandler(RuleError)
    def rule_error(exc):
        db.session.rollback()
        if wants_json():
            return {"message": exc.errors}, 422
        return _page(app, code=422, message=str(exc)), 422

    @app.errorhandler(IntegrityError)
    def database_refused(exc):
        """A refusal of the database that no screen turned into its own message: in Chinese, without SQL."""
        db.session.rollback()
        return rule_error(db_errors.readable(exc))
