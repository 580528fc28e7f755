"""The list search, posted: an ID number typed into a list's search never enters an address.

The search form of every list (Flask-AppBuilder's, a GET) is sent here by app/static/js/behaviours.js
as a POST; each ID number becomes its search token (app/security/personal.py ``search_token``) and the browser
is sent on to the list with the filters in its address, tokens in place of numbers. A GET of any
page that still carries a number (a typed address, a bookmark) is answered with the same page
under tokens before anything is shown (``redirect_numbers``), so no link on it repeats the number.
"""
from urllib.parse import urlencode

from flask import abort, current_app, redirect, request
from flask_appbuilder import BaseView, expose, has_access

from app.security import personal

SKIPPED = {"csrf_token", "next"}


def _local(path):
    return isinstance(path, str) and path.startswith("/") and not path.startswith("//") and "\\" not in path


class SearchRelayView(BaseView):
    route_base = "/search"
    default_view = "relay"
    base_permissions = ["can_relay", "can_panel"]

    @expose("/", methods=["POST"])
    @has_access
    def relay(self):
        target = request.args.get("next", "")
        if not _local(target):
            abort(400)
        pairs = [(k, v) for k, v in request.form.items(multi=True) if k not in SKIPPED]
        query = urlencode(personal.tokenised(pairs))
        return redirect(f"{target}?{query}" if query else target, code=303)

    @expose("/panel")
    @has_access
    def panel(self):
        """高级搜索 of the list ``view`` (its screen's name), drawn when a person opens it rather than on
        every list page: its filters' fields are the costliest part of a list to draw. Answered only for a
        list the user may open; the fields' choices come through the school scope like the list's, and
        the filters in force are read from the list's own arguments, which the request carries."""
        from flask_appbuilder.urltools import get_filter_args

        from app.views.base import AidModelView
        from app.views.lists import may

        view = current_app.appbuilder_views.get(request.args.get("view", ""))
        if not isinstance(view, AidModelView) or not view.search_columns or not may(view, "can_list", "list"):
            abort(404)
        get_filter_args(view._filters)
        widget = view._get_search_widget(form=view.search_form.refresh())["search"]
        widget.template = "aid/search_panel.html"
        return widget()


def redirect_numbers():
    """before_request: a page asked for with an ID number in its address, asked again with tokens."""
    if request.method != "GET" or not request.args or request.path.startswith(("/api/", "/static/")):
        return None
    if not personal.carries_a_number(request.args):
        return None
    query = urlencode(personal.tokenised(request.args.items(multi=True)))
    return redirect(f"{request.path}?{query}", code=303)
