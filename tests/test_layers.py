"""The layers point one way (README, Architecture): the contract in .importlinter, checked as
`lint-imports` checks it, and what the models leave to the screens."""
import configparser
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".importlinter"

# Beside the layers, each for a reason: Flask-AppBuilder's overrides and their check (read the whole
# app), and app.security, whose parts sit in different layers (the manager at the top, the encryption
# under the models, the roles at the bottom; the scope, the audit trail and the masking run with the rules).
BESIDE = {"app.fab", "app.security"}


def test_each_layer_imports_only_the_layers_below_it():
    # lint-imports in a process of its own: in this one it rewires the output and logging the app's
    # logs (tests/test_logs.py) write through
    done = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--config", str(CONFIG), "--no-cache"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def _layered():
    config = configparser.ConfigParser()
    config.read(CONFIG)
    names = set()
    for line in config["importlinter:contract:layers"]["layers"].split("\n"):
        names.update(part.strip() for part in line.replace(":", "|").split("|") if part.strip())
    return names


def test_every_part_of_the_app_has_its_place():
    """A new package or module under app/ is placed in a layer (or said to stand beside them)."""
    parts = {f"app.{p.stem}" for p in (ROOT / "app").iterdir()
             if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()}
    layered = _layered()
    assert parts - layered - BESIDE == set()
    assert {name for name in layered if name.count(".") == 1} <= parts  # no layer names a part that is gone


def test_what_the_models_show_is_computed_by_the_screens(app):
    """The figures a model shows (app/models/base.py Computed) are computed by a screen's module, each
    of them, once the app is built: none is read as an error on a list, a page or an export."""
    from app.extensions import db
    from app.models.base import Computed

    computed = {f"{model.__name__}.{name}": value for model in db.Model.registry._class_registry.values()
                if isinstance(model, type) for name, value in vars(model).items() if isinstance(value, Computed)}
    assert {"Complaint.due_on", "Complaint.overdue_label", "Inspection.overdue_label", "SchoolFund.ratio_label",
            "SocialProject.paired_count"} <= set(computed)
    assert [name for name, value in computed.items() if value.compute is None] == []
