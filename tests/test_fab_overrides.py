"""The Flask-AppBuilder internals the app overrides, patches or replaces are fenced (app/fab): at
another FAB version, or when a fingerprinted function changed, this fails and names what to read
again, with the app's code that depends on it."""
from __future__ import annotations

import json
from pathlib import Path

import flask_appbuilder

from app import fab

CHECKED_FILE = Path(fab.__file__).with_name("checked.json")


def test_the_installed_flask_appbuilder_is_the_one_the_overrides_were_read_against(app):
    assert flask_appbuilder.__version__ == fab.CHECKED, (
        f"Flask-AppBuilder {flask_appbuilder.__version__} is installed; the overrides listed in app/fab/__init__.py "
        f"were read against {fab.CHECKED}. Read each again (this file's other test lists those whose source "
        f"changed), then set CHECKED and refresh app/fab/checked.json (python -m app.fab.refresh).")


def test_no_fenced_flask_appbuilder_function_changed(app):
    checked = json.loads(CHECKED_FILE.read_text(encoding="utf-8"))
    now = fab.current_fingerprints()
    users = fab.overridden()
    changed = sorted(key for key in now if key in checked and checked[key] != now[key])
    new = sorted(set(now) - set(checked))
    gone = sorted(set(checked) - set(now))
    assert not changed, "FAB changed what the app overrides; read again: " + "; ".join(
        f"{key} (overridden in {', '.join(users.get(key, ['app/fab']))})" for key in changed)
    assert not new, f"overridden or patched but not fenced (add to app/fab/checked.json after reading it): {new}"
    assert not gone, f"fenced but no longer overridden (remove from app/fab/checked.json): {gone}"


def test_the_fence_sees_the_app_overrides(app):
    keys = fab.overridden()
    assert "flask_appbuilder.baseviews.BaseCRUDView._show" in keys
    assert "app.views.base.model_view.AidModelView" in keys["flask_appbuilder.baseviews.BaseCRUDView._show"]
    assert "flask_appbuilder.api.ModelRestApi.put_headless" in keys
    assert not any(key.endswith((".pre_add", ".render_template")) for key in keys)  # hooks are not fenced
