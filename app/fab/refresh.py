"""Write app/fab/checked.json from the installed Flask-AppBuilder, once its changes have been read
(``python -m app.fab.refresh``; see app/fab/__init__.py)."""
from __future__ import annotations

import json
import os
from pathlib import Path


def main():
    os.environ.setdefault("AID_ENV", "development")
    from app import create_app, fab

    create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI="sqlite://")  # installs the patches
    prints = fab.current_fingerprints()
    Path(fab.__file__).with_name("checked.json").write_text(json.dumps(prints, indent=1, sort_keys=True) + "\n",
                                                            encoding="utf-8")
    print(f"{len(prints)} fingerprints written")


if __name__ == "__main__":
    main()
