"""The side bar, the top bar and the breadcrumbs of every page (app/templates/layout.html).

Built from Flask-AppBuilder's own menu registry (``appbuilder.menu``: the categories and entries
registered in app/views/__init__.py and app/views/reports.py) and filtered by the same permission
check as FAB's navbar (``menu_access`` on each category and entry, answered per request by the
security manager), so a role sees exactly the entries it may open. The current page is found by
its endpoint: an entry's view (``add_view``) owns every route of that view, a link (``add_link``)
its own endpoint, and the other routes of a link's view fall to that view's first link.

Per request and without a query: the menu, the permissions and the roles are in memory; the record
of a record page is the one the page itself read on a GET, through its filters and the school scope
(never read again, never one the user was refused); the current semester and the officer's school come with the user (the security
manager's user loader, app/security/manager.py). Everything is worked out once and kept on ``g``.
"""
from __future__ import annotations

from flask import current_app, g, request, url_for
from flask_babel import gettext, lazy_gettext as _l
from markupsafe import Markup

# Pages of the user's own account: not under 系统管理 › 用户 (whose view serves them) for anyone.
ACCOUNT_PAGES = {"userinfo": _l("Profile"), "userinfoedit": _l("Profile")}
ACCOUNT_VIEWS = {"ResetMyPasswordView": _l("Reset my password"), "UserInfoEditView": _l("Edit User")}
# The route's name shown after the record (the record page itself shows the record alone).
ACTION_CRUMBS = {"add": _l("Add"), "edit": _l("Edit")}


def _index(appbuilder):
    """endpoint or view name → (category, entry), built once per process from the menu registry."""
    cached = getattr(appbuilder, "_aid_nav_index", None)
    if cached is not None:
        return cached
    exact, views, link_views = {}, {}, {}
    for category in appbuilder.menu.get_list():
        for entry in category.childs or [category]:
            if entry.name == "-":
                continue
            pair = (category if category.childs else None, entry)
            if entry.baseview is not None:
                views.setdefault(entry.baseview.endpoint, pair)
            href = entry.href if isinstance(entry.href, str) else ""
            if "." in href and not href.startswith("/"):
                exact.setdefault(href, pair)
                link_views.setdefault(href.split(".", 1)[0], pair)
    index = (exact, {**link_views, **views})
    appbuilder._aid_nav_index = index
    return index


def _visible(sm, item):
    return item.should_render() and sm.has_access("menu_access", item.name)


def _record(view):
    """The record a record page shows, as the page's own read found it (app/views/base/interface.py keeps the
    records a GET reads, through the view's filters and the school scope): no query of its own, and
    never a record the user was refused (a refused read found nothing)."""
    from app.views.base.interface import read_on_this_page

    pk = (request.view_args or {}).get("pk")
    datamodel = getattr(view, "datamodel", None)
    if pk is None or datamodel is None:
        return None
    return read_on_this_page(datamodel.obj, pk)


def _menu(appbuilder, sm):
    """The side bar's groups and entries this user may open (and each entry's group). Which entries a user sees depends only
    on its roles (code, app/security/roles.py: the answer never changes while the app runs), the work
    its school does not have (no 助学贷款 for a 幼儿园) and the language, so it is worked out once per
    such combination and kept for the life of the process: a page then costs no permission check and
    no ``url_for`` for its menu."""
    from flask_babel import get_locale

    from app.security.manager import _menus_without_work

    key = (frozenset(r.name for r in sm.get_user_roles(g.user)), _menus_without_work(), str(get_locale()))
    cache = appbuilder.__dict__.setdefault("_aid_nav_menus", {})
    menu = cache.get(key)
    if menu is None:
        groups = []
        for category in appbuilder.menu.get_list():
            if not _visible(sm, category):
                continue
            entries = tuple(
                {"name": entry.name, "label": _label(entry), "icon": entry.icon, "url": entry.get_url()}
                for entry in (category.childs or [category]) if entry.name != "-" and _visible(sm, entry))
            if entries:
                groups.append({"name": category.name, "label": _label(category), "icon": category.icon,
                               "entries": entries})
        names = {entry["name"]: group["name"] for group in groups for entry in group["entries"]}
        cache[key] = menu = (tuple(groups), names, {})
    return menu


def _sidebar(menu, current_name):
    """The side bar's groups and entries as HTML, with the current entry marked and its group open: made
    once per menu and current entry and kept with the menu (drawing some 80 entries in the layout's
    template took 0.4–0.7 ms of every page). Spaced as the template spaced it: a group's text reads 资助管理 资助项目 ...,
    not 资助管理资助项目."""
    groups, names, drawn = menu
    html = drawn.get(current_name)
    if html is not None:
        return html
    open_name = names.get(current_name)
    parts = []
    for group in groups:
        is_open = group["name"] == open_name
        parts.append(Markup(
            '<li class="aid-nav-group%s"><a class="aid-nav-title%s" href="#aid-nav-%s" data-toggle="collapse" '
            'aria-expanded="%s" aria-controls="aid-nav-%s"><i class="fa fa-fw %s"></i> %s'
            '<i class="fa fa-angle-down aid-caret"></i></a>\n<ul id="aid-nav-%s" class="aid-nav-entries collapse%s">')
            % (" aid-open" if is_open else "", "" if is_open else " collapsed", group["name"],
               "true" if is_open else "false", group["name"], group["icon"], group["label"], group["name"],
               " in" if is_open else ""))
        for entry in group["entries"]:
            if entry["name"] == current_name:
                parts.append(Markup('<li class="active"><a href="%s" aria-current="page">%s</a></li>')
                             % (entry["url"], entry["label"]))
            else:
                parts.append(Markup('<li><a href="%s">%s</a></li>') % (entry["url"], entry["label"]))
        parts.append(Markup("</ul>\n</li>"))
    drawn[current_name] = html = Markup("\n").join(parts)
    return html


def navigation():
    """The side bar (its HTML, the current entry marked and its group open), whether this is the home page,
    and the breadcrumbs of this request, worked out once."""
    cached = g.get("_aid_navigation")
    if cached is not None:
        return cached
    appbuilder = current_app.appbuilder
    sm = appbuilder.sm
    endpoint = request.endpoint or ""
    view_name, _, method = endpoint.partition(".")
    exact, views = _index(appbuilder)
    current = None if method in ACCOUNT_PAGES else exact.get(endpoint) or views.get(view_name)
    menu = _menu(appbuilder, sm)
    names = menu[1]
    current_name = current[1].name if current is not None and current[1].name in names else None
    crumbs = []
    index = appbuilder._indexview
    home = index is not None and endpoint == f"{index.endpoint}.{index.default_view}"
    if not home:
        if method in ACCOUNT_PAGES:
            crumbs.append({"label": str(ACCOUNT_PAGES[method])})
        elif view_name in ACCOUNT_VIEWS:
            crumbs.append({"label": str(ACCOUNT_PAGES["userinfo"]), "url": appbuilder.get_url_for_userinfo})
            crumbs.append({"label": str(ACCOUNT_VIEWS[view_name])})
        elif current is not None:
            category, entry = current
            if category is not None:
                crumbs.append({"label": _label(category)})
            crumbs.append({"label": _label(entry), "url": entry.get_url()})
            view = getattr(current_app, "appbuilder_views", {}).get(view_name)
            record = _record(view) if view is not None else None
            if record is not None:
                from app.views.records import record_label

                crumbs.append({"label": record_label(record), "url": _show_url(view, request.view_args["pk"])})
            if method in ACTION_CRUMBS:
                crumbs.append({"label": ACTION_CRUMBS[method]})
    if crumbs:
        crumbs[-1].pop("url", None)  # the page itself is not a link
    result = {"sidebar": _sidebar(menu, current_name), "crumbs": crumbs, "home": home}
    g._aid_navigation = result
    return result


def _label(item):
    """As Flask-AppBuilder's navbar reads a menu label (a lazy string or a msgid)."""
    return gettext(str(item.label))


def _show_url(view, pk):
    try:
        return url_for(f"{view.endpoint}.show", pk=pk)
    except Exception:  # a view without a record page
        return None


def who():
    """The top bar's user line: the name, the roles in Chinese, the officer's school and the current
    semester, as the user loader read them (one query for the user, none more)."""
    cached = g.get("_aid_who")
    if cached is not None:
        return cached
    from app.security.roles import ROLE_LABELS

    user = g.user
    roles = current_app.appbuilder.sm.get_user_roles(user)
    result = {
        "name": (user.get_full_name() or "").strip() or user.username,
        "roles": "、".join(ROLE_LABELS.get(r.name, r.name) for r in roles),
        "school": getattr(user, "aid_school_name", None),
        "semester": _semester_label(user),
    }
    g._aid_who = result
    return result


def _semester_label(user):
    label = getattr(user, "aid_semester", _MISSING)
    if label is not _MISSING:
        return label
    from app.extensions import db
    from app.rules.semesters import current_semester

    semester = current_semester(db.session)
    return str(semester) if semester is not None else None


_MISSING = object()


def install(app):
    """``aid_nav()`` and ``aid_who()`` for the layout."""
    app.jinja_env.globals.update(aid_nav=navigation, aid_who=who)
