"""Template filters that answer for the request, never for the template.

Jinja folds an expression whose parts are all constants when it compiles a template, and a
filter call counts as constant unless the filter asks for the template context. Flask-AppBuilder
registers its permission filters as plain functions, so ``"can_history" | is_item_visible("AuditView")``
was answered once, for whoever happened to open the first page built from that template, and
kept for the life of the process: a button missing for the centre because an officer came
first, or shown to an officer because the centre did. Every filter here depends on the user,
the request or the session, so each is re-registered as a context filter, which Jinja always
calls at render time.
"""
from __future__ import annotations

import functools

from jinja2 import pass_context

# Flask-AppBuilder's filters (flask_appbuilder/filters.py) and this app's own, all request-dependent
REQUEST_FILTERS = (
    "is_item_visible", "is_menu_visible", "get_actions_on_list", "get_actions_on_show",
    "safe_url_for", "link_order", "link_page", "link_page_size", "get_link_next", "get_link_back",
    "set_link_filters", "get_link_order", "pd",
)


def _at_render_time(function):
    @pass_context
    @functools.wraps(function)
    def filter_(_context, *args, **kwargs):
        return function(*args, **kwargs)

    filter_.answers_at_render_time = True
    return filter_


def install(app):
    """Re-register the request-dependent filters so that Jinja never folds them into a template;
    tell the page's scripts the user's language (``<meta name="aid-locale">``, app/templates/layout.html)."""

    @app.context_processor
    def ui_locale():
        from flask_babel import get_locale

        return {"ui_locale": str(get_locale() or "zh")}

    from app.views import tags

    tags.install(app)  # {{ status_tag(record) }}: a state as its coloured tag, in any template

    filters = app.jinja_env.filters
    for name in REQUEST_FILTERS:
        function = filters.get(name)
        if function is not None and not getattr(function, "answers_at_render_time", False):
            filters[name] = _at_render_time(function)
