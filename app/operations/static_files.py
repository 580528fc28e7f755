"""The app's static files (CSS, scripts, fonts, ECharts): kept by browsers for a year, under
addresses that change when a file does.

Every address of a static file the app builds (``url_for("static", ...)``, and Flask-AppBuilder's
``url_for("appbuilder.static", ...)`` in its templates) carries ``?v=`` and a digest of the file's
content. An answer to an address whose ``v`` is the file's digest now may be kept for a year
without asking again (``Cache-Control: public, max-age=31536000, immutable``): a page then loads
its ~25 files from the browser's cache instead of asking the server for each again (what Flask
does by default: ``no-cache`` and a 304). A file changed by a new release gets a new digest, so a
browser never keeps an old stylesheet or script after an upgrade. Any other address of a static file
(no ``v``, a ``v`` of another content, the fonts a stylesheet names itself) is answered as Flask
answers it (``no-cache``, revalidated).

The digest is of the content, not of the file's time: several web machines holding the same release
give the same addresses. It is worked out once per file and process (a release restarts the
processes); in debug mode again whenever the file's time or size changes (an edit in development).
Static files hold no personal data; pages, API answers and downloads are never cached
(app/security/hardening.py). deploy/nginx/aid.conf serves the same files with the same rule.
"""
from __future__ import annotations

import hashlib
import os

from flask import request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.security import safe_join

ONE_YEAR = 365 * 24 * 3600
def is_static(endpoint):
    """Whether an endpoint serves static files: the app's own (``static``) or a blueprint's
    (``appbuilder.static``): the one test of it for the digests, the cache and the session hooks."""
    return endpoint is not None and (endpoint == "static" or endpoint.endswith(".static"))


def _folder(app, endpoint):
    if endpoint == "static":
        return app.static_folder
    blueprint = app.blueprints.get(endpoint.rsplit(".", 1)[0])
    return blueprint.static_folder if blueprint is not None else None


class SessionsNotOnStaticFiles(SecureCookieSessionInterface):
    """Flask's cookie sessions, left alone by a static file's answer: it neither needs nor changes the
    session, and a ``Vary: Cookie`` on it (Flask adds one whenever a hook looked at the session) would
    make a browser ask again each time the session cookie changes, that is on every page."""

    def save_session(self, app, session, response):
        if is_static(request.endpoint):
            return
        super().save_session(app, session, response)


def install(app):
    app.session_interface = SessionsNotOnStaticFiles()
    digests: dict[tuple[str, str], tuple[int, int, str]] = {}

    def version(endpoint, filename):
        """The digest of a static file's content, or None for a file that is not there."""
        known = digests.get((endpoint, filename))
        if known is not None and not app.debug:  # a release's files change only with a restart
            return known[2]
        folder = _folder(app, endpoint)
        path = safe_join(folder, filename) if folder and filename else None
        try:
            stat = os.stat(path) if path else None
        except OSError:
            stat = None
        if stat is None:
            return None
        if known is not None and known[:2] == (stat.st_mtime_ns, stat.st_size):
            return known[2]
        with open(path, "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()[:12]
        digests[(endpoint, filename)] = (stat.st_mtime_ns, stat.st_size, digest)
        return digest

    @app.url_defaults
    def versioned(endpoint, values):
        if is_static(endpoint) and "v" not in values and values.get("filename"):
            digest = version(endpoint, values["filename"])
            if digest:
                values["v"] = digest

    @app.after_request
    def cached(response):
        if is_static(request.endpoint) and response.status_code == 200:
            wanted = request.args.get("v")
            if wanted and wanted == version(request.endpoint, (request.view_args or {}).get("filename")):
                response.cache_control.no_cache = None
                response.cache_control.public = True
                response.cache_control.max_age = ONE_YEAR
                response.cache_control.immutable = True
        return response
