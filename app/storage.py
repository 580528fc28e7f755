"""Uploaded files, kept outside the web root under INSTANCE_DIR/uploads with random names.

The original file name is stored in the database only; files are served by
views that first load the record they belong to (and so the school scope).
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import current_app


def upload_dir() -> Path:
    folder = Path(current_app.config.get("UPLOAD_DIR") or Path(current_app.config["INSTANCE_DIR"]) / "uploads")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save(data: bytes, original_name: str) -> str:
    """Store the bytes; return the stored name (random, keeps only the extension)."""
    ext = os.path.splitext(original_name or "")[1].lower()[:10]
    name = secrets.token_hex(16) + ext
    (upload_dir() / name).write_bytes(data)
    return name


def path_of(stored_name: str) -> Path:
    path = (upload_dir() / stored_name).resolve()
    if path.parent != upload_dir().resolve():
        raise FileNotFoundError(stored_name)
    return path


def save_upload(upload):
    """Check an uploaded file (type and size, app/rules/reporting.py) and store it.

    Returns (stored name, original name), or None when no file was sent;
    raises RuleError with the user's message for a refused file.
    """
    from app.rules.reporting import MAX_BYTES, check_upload

    if not upload or not getattr(upload, "filename", ""):
        return None
    data = upload.read(MAX_BYTES + 1)
    check_upload(upload.filename, len(data))
    return save(data, upload.filename), upload.filename
