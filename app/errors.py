"""Error pages: a refused record is a 403 page, never a stack trace."""
from flask import abort, g, render_template, request, session
from flask_babel import gettext

from app.extensions import db
from app.rules import RuleError
from app.scope import ScopeViolation


def _page(app, code, message):
    return render_template(
        "error.html", code=code, message=message,
        appbuilder=app.appbuilder, base_template=app.appbuilder.base_template,
    )


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

    @app.after_request
    def refused_write(response):
        """A screen that swallowed a ScopeViolation still answers 403."""
        if g.get("_scope_violation") and response.status_code < 400:
            session.pop("_flashes", None)
            return app.make_response(forbidden(ScopeViolation()))
        return response

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
