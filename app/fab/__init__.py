"""Where this app leans on Flask-AppBuilder's insides, fenced.

Flask-AppBuilder's public hooks (``pre_add``, ``post_add``, ``pre_update``, ``pre_delete``,
``render_template``, widgets, filters' ``apply``, the security manager's view classes) are
meant to be overridden and stay out of this list. Everything else the app replaces, wraps or
copies is an internal that a new Flask-AppBuilder may change under it:

* ``app/fab/speedups.py``: work FAB repeats on every request done once (the API's jsonschema
  meta-validation, ``Filters._get_filters``, Flask-Babel's catalogue lookup and its per-request state
  reached without the ``g`` proxy, ``MenuItem.get_url``,
  the YAML of the API's docstrings);
* ``app/fab/fixes.py``: ``Filters.add_filter_index`` ignores a filter position its column does not have (a
  server error on any list before); ``set_value_to_type`` reads a yes/no filter's value as a boolean
  (PostgreSQL refused the text);
* ``app/fab/templating.py``: FAB's permission filters re-registered as context filters, so that
  Jinja never folds one user's answer into a template;
* ``app/views/base/``: ``AidInterface`` in ``interface.py`` (the count without display joins, none for a read of every row,
  database errors as rules, a record read once per page), ``AidModelView`` in ``model_view.py``
  (``_show``/``_edit`` write the look at personal data, ``_get_list_widget``,
  ``_init_forms``/``_init_properties``: the rule-checked and version-checked forms) and
  ``AidModelApi`` in ``api.py`` (the ``*_headless`` methods: scope, rules, the look at personal
  data, 422 in Chinese; ``_handle_*_args``: refused sort and filter columns); both keep ``_filters``
  per request (``request_filters.py``: FAB fills one filters object per view from each request, which
  threaded workers would share between two requests of one list);
* ``app/security/manager.py``: login with lock-out and rate limit, sessions ended on logout and on a
  password change, JWT bound to the session epoch, the roles' menus;
* ``app/templates/appbuilder/general/``: FAB's alert and confirm dialogs in the product's look;
  its list widgets (``widgets/base_list.html``, ``widgets/list.html``: toolbar, 操作 column last, pages
  at the bottom, empty state), form widget (``widgets/form.html``: two columns, errors summarised) and
  show widget (``widgets/show.html``: fields under headings in two columns; the record page's header in
  ``app/templates/aid/show.html``, which replaces the content of FAB's ``model/show.html``);
* ``app/templates/layout.html`` and ``app/fab/navigation.py``: the body of FAB's ``baselayout.html``
  replaced by a side bar, top bar and breadcrumbs built from FAB's menu registry (``appbuilder.menu``,
  filtered by ``menu_access`` as FAB's ``navbar_menu.html`` does);
* ``app/static/js/ab.js``: FAB's ``ab.js`` served in its place, tooltips only on links with a title
  (FAB gives one to every link, a tenth of a second of script per list page);
* ``app/views/search.py`` (``SearchRelayView.panel``) and ``app/templates/aid/search_panel.html``: 高级搜索 drawn
  when opened, by FAB's ``SearchWidget`` (``_get_search_widget``, ``search_form``, ``_filters`` read as its
  ``_list`` reads them) with its template's form and, for its inline script, its data as JSON for ``AdminFilters``;
* ``app/static/js/behaviours.js``: FAB's ``ab_keep_tab.js`` reopens the tab last shown on any page;
  the remembered tab is kept for the page that showed it only.

``CHECKED`` below is the Flask-AppBuilder version all of this was read against, and
``app/fab/checked.json`` the fingerprint of the source of every FAB function it overrides
or patches at that version. ``tests/test_fab_overrides.py`` recomputes them: after an upgrade
it fails and lists exactly which of FAB's functions changed, with the app's code that overrides
each, so that each is read again before the new version is taken.
"""
from __future__ import annotations

import hashlib
import inspect

CHECKED = "5.3.0"

# FAB's extension points: overriding them is what they are for (their bodies are not copied).
HOOKS = frozenset({
    "pre_add", "post_add", "pre_update", "post_update", "pre_delete", "post_delete", "pre_get", "pre_get_list",
    "render_template", "list_widget", "show_widget", "apply", "process_form", "prefill_form",
    "post_add_redirect", "index", "response", "response_422",
    # the security manager's view classes and role lookups are configuration points
    "authdbview", "userdbmodelview", "rolemodelview", "resetmypasswordview", "security_api",
    "get_public_role", "get_user_roles", "register_views",
})

# Patched in place by app/fab/speedups.py (not overridden in a subclass).
PATCHED = (
    ("flask_appbuilder.models.filters", "Filters._get_filters"),
    ("flask_babel", "Domain.get_translations"),
    ("flask_babel", "_get_current_context"),  # the same state on g, through Flask's context variable
    ("flask_appbuilder.menu", "MenuItem.get_url"),  # kept per entry and script root
    ("flask_appbuilder.api", "rison"),  # validates with the module's ``jsonschema``, which speedups replaces
    ("flask_appbuilder.api", "BaseApi.operation_helper"),  # parses with the module's ``yaml`` and ``yaml_utils``
    ("flask_appbuilder.models.filters", "Filters.add_filter_index"),  # app/fab/fixes.py: an unknown position ignored
    ("flask_appbuilder.models.sqla.filters", "set_value_to_type"),  # app/fab/fixes.py: yes/no values as booleans
)

# Templates of FAB's that the app replaces (path under FAB's templates folder), and its static files
# whose behaviour the app corrects (under FAB's static folder).
TEMPLATES = ("appbuilder/general/alert.html", "appbuilder/general/confirm.html",
             "appbuilder/general/widgets/base_list.html", "appbuilder/general/widgets/list.html",
             "appbuilder/general/widgets/form.html",
             # the record page: its fields under headings (widgets/show.html) and app/templates/aid/show.html
             # replacing the content of model/show.html (header with actions, related records as tabs)
             "appbuilder/general/widgets/show.html", "appbuilder/general/model/show.html",
             # app/templates/layout.html replaces its body (the navbar, the fixed container) and
             # app/fab/navigation.py reads the menu registry FAB's navbar_menu.html reads
             "appbuilder/baselayout.html", "appbuilder/navbar_menu.html",
             # app/templates/layout.html's tail_js: FAB's tail scripts with ab.js replaced by app/static/js/ab.js
             "appbuilder/init.html",
             # app/templates/aid/search_panel.html: its form, drawn when 高级搜索 is opened, its script's data as JSON
             "appbuilder/general/widgets/search.html")
# ab_filters.js: app/static/js/lists.js starts its AdminFilters on the panel drawn when opened
STATIC = ("appbuilder/js/ab_keep_tab.js", "appbuilder/js/ab.js", "appbuilder/js/ab_filters.js")


def fingerprint(obj) -> str:
    """A short digest of a function's (or a file's) source."""
    source = obj if isinstance(obj, str) else inspect.getsource(obj)
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def overridden():
    """{"module.Class.method": [app classes overriding it]} of every FAB internal (not a hook) the
    app's classes override, found by walking the app's modules."""
    import importlib
    import pkgutil

    import app as package

    found: dict[str, set] = {}
    for info in pkgutil.walk_packages(package.__path__, "app."):
        module = importlib.import_module(info.name)
        for name, cls in vars(module).items():
            if not inspect.isclass(cls) or cls.__module__ != module.__name__:
                continue
            for base in cls.__mro__[1:]:
                if not base.__module__.startswith("flask_appbuilder"):
                    continue
                for attr in vars(cls):
                    if attr.startswith("__") or attr in HOOKS or attr not in vars(base):
                        continue
                    if inspect.isfunction(vars(base)[attr]) or isinstance(vars(base)[attr], (staticmethod, classmethod)):
                        found.setdefault(f"{base.__module__}.{base.__qualname__}.{attr}", set()).add(
                            f"{module.__name__}.{name}")
    return {key: sorted(users) for key, users in found.items()}


def resolve(dotted: str):
    """The FAB function a key of ``overridden()`` or ``PATCHED`` names."""
    import importlib

    module_name, _, rest = dotted.rpartition(".")
    parts = []
    while module_name:
        try:
            obj = importlib.import_module(module_name)
            break
        except ModuleNotFoundError:
            module_name, _, part = module_name.rpartition(".")
            parts.insert(0, part)
    for part in parts + [rest]:
        obj = getattr(obj, part)
    return getattr(obj, "__wrapped__", obj)


def current_fingerprints():
    """{key: fingerprint} of every fenced FAB function and template, as installed now."""
    from pathlib import Path

    import flask_appbuilder

    prints = {key: fingerprint(resolve(key)) for key in overridden()}
    for module, qualname in PATCHED:
        prints[f"{module}.{qualname}"] = fingerprint(resolve(f"{module}.{qualname}"))
    folder = Path(flask_appbuilder.__file__).parent / "templates"
    for template in TEMPLATES:
        prints[f"template:{template}"] = fingerprint((folder / template).read_text(encoding="utf-8"))
    for static in STATIC:
        prints[f"static:{static}"] = fingerprint((folder.parent / "static" / static).read_text(encoding="utf-8"))
    return prints
