"""Uploaded files, kept outside the web root under INSTANCE_DIR/uploads with random names.

The original file name is stored in the database only; files are served by
views that first load the record they belong to (and so the school scope).

A file is stored only once app/files/uploads.py has checked it, and it lives only if the
record that names it does: a file saved during a transaction that is rolled back, or
that a request leaves uncommitted, is removed again (``install``).
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import current_app
from sqlalchemy import event

PENDING = "uploads_pending"  # session.info key: files saved since the last commit


def upload_dir() -> Path:
    folder = Path(current_app.config.get("UPLOAD_DIR") or Path(current_app.config["INSTANCE_DIR"]) / "uploads")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save(data: bytes, original_name: str, session=None) -> str:
    """Store the bytes; return the stored name (random, keeps only the extension).

    With a session, the file is removed again if that session rolls back before it commits.
    """
    ext = os.path.splitext(original_name or "")[1].lower()[:10]
    name = secrets.token_hex(16) + ext
    path = upload_dir() / name
    path.write_bytes(data)
    if session is not None:
        session = session() if hasattr(session, "registry") else session  # the scoped session's current one
        if not session.in_transaction():
            session.begin()  # so that a rollback before any query still tells the file to go
        session.info.setdefault(PENDING, []).append(path)
    return name


def path_of(stored_name: str) -> Path:
    path = (upload_dir() / stored_name).resolve()
    if path.parent != upload_dir().resolve():
        raise FileNotFoundError(stored_name)
    return path


def save_upload(upload, allowed=None):
    """Check an uploaded file (type, size and content: app/files/uploads.py) and store it.

    Returns (stored name, original name), or None when no file was sent;
    raises RuleError with the user's message for a refused file, before anything is written.
    """
    from app.files import uploads
    from app.extensions import db
    from app.rules.reporting import ALLOWED_TYPES

    if not upload or not getattr(upload, "filename", ""):
        return None
    data = uploads.read(upload, allowed or ALLOWED_TYPES)
    return save(data, upload.filename, session=db.session), upload.filename


def discard_pending(session):
    """Remove the files saved since the session's last commit (their records were not kept)."""
    for path in session.info.pop(PENDING, []):
        path.unlink(missing_ok=True)


def install(app, session):
    """Tie stored files to the transaction that records them."""
    if not getattr(session, "_uploads_installed", False):
        event.listen(session, "after_commit", _kept)
        event.listen(session, "after_soft_rollback", _rolled_back)
        session._uploads_installed = True

    @app.teardown_request
    def _left_uncommitted(exc):
        discard_pending(session())


def _kept(session):
    session.info.pop(PENDING, None)


def _rolled_back(session, previous_transaction):
    if not previous_transaction.nested:
        discard_pending(session)
