"""Where uploaded and generated files are kept: one interface, two kinds of store.

Two areas, each a flat set of files named by the app (random names; the original file name is in
the database only):

* ``uploads()``: report attachments and templates, identification and rectification evidence,
  publicity photos; served only by views that first load the record they belong to (and so the
  school scope);
* ``print_jobs()``: the PDFs of the print jobs (app/reports/jobs.py), written by whichever process
  ran the job and served by any web process.

The store is chosen by STORAGE_BACKEND:

* ``local`` (the default): a folder, STORAGE_DIR/uploads and STORAGE_DIR/print_jobs, STORAGE_DIR
  being INSTANCE_DIR unless set (UPLOAD_DIR / PRINT_JOB_DIR still name one area's folder), so an
  installation keeps the files it has.  Several web machines mount one shared folder there (NFS,
  SMB): a file is written under a temporary name and renamed, so no process reads half of it.
* ``s3``: a bucket of any S3-compatible object store (S3_BUCKET, S3_ENDPOINT_URL, S3_REGION,
  S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_PREFIX), through boto3, the AWS SDK, imported only
  when this backend is configured.  Files are streamed through the app (which checks the scope
  first), never handed out as public or signed URLs.

Flask-AppBuilder keeps files only through its own upload folder (``UPLOAD_FOLDER``, a local folder
served by its ``download`` routes, which app/errors.py turns off), and Flask-Uploads-style
extensions are local folders too: neither stores in an object store, hence this small module.
fsspec with s3fs would give one interface over both, but s3fs brings aiobotocore and aiohttp and
pins botocore narrowly, for the six operations below that are a few lines each on boto3.

A file is stored only once app/files/uploads.py has checked it, and it lives only if the record
that names it does: a file saved during a transaction that is rolled back, or that a request
leaves uncommitted, is removed again (``install``), on either store.
"""
from __future__ import annotations

import io
import os
import re
import secrets
from pathlib import Path
from typing import BinaryIO, Iterator, Protocol

from flask import abort, current_app, send_file
from sqlalchemy import event

PENDING = "uploads_pending"  # session.info key: files saved since the last commit
BACKENDS = ("local", "s3")
_EXT = re.compile(r"\.[a-z0-9]{1,9}$")


class Store(Protocol):
    """One area's files: flat names (``checked_name``), whole files written once."""

    where: str  # for messages: the folder, or s3://bucket/prefix

    def put(self, name: str, data: bytes | BinaryIO) -> None: ...

    def get(self, name: str) -> bytes: ...

    def open(self, name: str) -> BinaryIO: ...  # FileNotFoundError when there is none

    def delete(self, name: str) -> None: ...  # no error when there is none

    def exists(self, name: str) -> bool: ...

    def names(self) -> Iterator[tuple[str, int]]: ...  # every file: name and size in bytes

    def check(self) -> None: ...  # raises when the store cannot be used now (/healthz)


def checked_name(name: str) -> str:
    """The path-traversal guard: a stored name is one plain file name, never a path or a hidden file."""
    if not isinstance(name, str) or not name or name.startswith(".") or any(c in name for c in "/\\\0") \
            or len(name) > 200:
        raise FileNotFoundError(name)
    return name


# --- a folder (shared by the web machines when there are several) ---------------------------

class LocalFolder:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.where = str(self.folder)

    def path(self, name: str) -> Path:
        return self.folder / checked_name(name)

    def put(self, name, data):
        target = self.path(name)
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f".put-{secrets.token_hex(8)}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            with os.fdopen(fd, "wb") as out:
                if isinstance(data, (bytes, bytearray, memoryview)):
                    out.write(data)
                else:
                    while chunk := data.read(1 << 20):
                        out.write(chunk)
            if os.geteuid() == 0:  # written by a command run as root (a restore): the app's, like its folder
                st = self.folder.stat()
                os.chown(temporary, st.st_uid, st.st_gid)
            os.replace(temporary, target)  # readers see the whole file or none (also on NFS)
        finally:
            temporary.unlink(missing_ok=True)

    def get(self, name):
        return self.path(name).read_bytes()

    def open(self, name):
        return open(self.path(name), "rb")

    def delete(self, name):
        self.path(name).unlink(missing_ok=True)

    def exists(self, name):
        return self.path(name).is_file()

    def check(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        if not os.access(self.folder, os.W_OK | os.X_OK):
            raise PermissionError(f"the folder {self.folder.name}/ cannot be written")

    def names(self):
        if not self.folder.is_dir():
            return
        for entry in sorted(os.scandir(self.folder), key=lambda e: e.name):
            if not entry.name.startswith(".") and entry.is_file(follow_symlinks=False):
                yield entry.name, entry.stat().st_size


# --- an S3-compatible object store -------------------------------------------------------------

class _Body(io.RawIOBase):
    """An object's body, read as it comes (never all in memory)."""

    def __init__(self, body):
        self._body = body

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self._body.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def close(self):
        if not self.closed:
            self._body.close()
        super().close()


class _Reader(io.BufferedReader):
    """Reads whole parts (tarfile wants exactly what it asks for) and knows its length, for Content-Length."""

    content_length = None


class S3:
    def __init__(self, client, bucket: str, prefix: str):
        self.client, self.bucket, self.prefix = client, bucket, prefix
        self.where = f"s3://{bucket}/{prefix}"

    def key(self, name: str) -> str:
        return self.prefix + checked_name(name)

    def _missing(self, exc) -> bool:
        error = getattr(exc, "response", {}).get("Error", {})
        return str(error.get("Code")) in {"404", "NoSuchKey", "NotFound"}

    def put(self, name, data):
        body = bytes(data) if isinstance(data, (bytes, bytearray, memoryview)) else data
        if isinstance(body, bytes):
            self.client.put_object(Bucket=self.bucket, Key=self.key(name), Body=body)
        else:
            self.client.upload_fileobj(body, self.bucket, self.key(name))

    def open(self, name):
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key(name))
        except ClientError as exc:
            if self._missing(exc):
                raise FileNotFoundError(name) from exc
            raise
        reader = _Reader(_Body(answer["Body"]), buffer_size=1 << 16)
        reader.content_length = answer.get("ContentLength")
        return reader

    def get(self, name):
        with self.open(name) as body:
            return body.read()

    def delete(self, name):
        self.client.delete_object(Bucket=self.bucket, Key=self.key(name))  # S3 answers 204 for a missing key too

    def exists(self, name):
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(name))
            return True
        except ClientError as exc:
            if self._missing(exc):
                return False
            raise

    def check(self):
        self.client.head_bucket(Bucket=self.bucket)

    def names(self):
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", []):
                name = item["Key"][len(self.prefix):]
                if name and "/" not in name and not name.startswith("."):
                    yield name, int(item["Size"])


def s3_client(config):
    """A boto3 client for S3_ENDPOINT_URL (any S3-compatible store), or AWS itself when it is not set."""
    try:
        import boto3
        from botocore.config import Config as BotoConfig
    except ImportError as exc:  # pragma: no cover - boto3 is in requirements.txt
        raise RuntimeError("STORAGE_BACKEND=s3 needs boto3 (pip install -r requirements.txt)") from exc
    endpoint = config.get("S3_ENDPOINT_URL") or None
    style = config.get("S3_ADDRESSING_STYLE") or ("path" if endpoint else "auto")  # MinIO & co. want path style
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint, region_name=config.get("S3_REGION") or None,
        aws_access_key_id=config.get("S3_ACCESS_KEY_ID") or None,
        aws_secret_access_key=config.get("S3_SECRET_ACCESS_KEY") or None,
        config=BotoConfig(s3={"addressing_style": style}, retries={"max_attempts": 3, "mode": "standard"},
                          connect_timeout=5, read_timeout=60))


# --- the two areas ------------------------------------------------------------------------------

AREAS = {"uploads": "UPLOAD_DIR", "print_jobs": "PRINT_JOB_DIR"}


def backend(config) -> str:
    name = (config.get("STORAGE_BACKEND") or "local").strip().lower()
    if name not in BACKENDS:
        raise RuntimeError(f"STORAGE_BACKEND={name!r}: use local or s3")
    if name == "s3" and not config.get("S3_BUCKET"):
        raise RuntimeError("STORAGE_BACKEND=s3 needs S3_BUCKET")
    return name


def store(area: str, app=None) -> Store:
    app = app or current_app._get_current_object()
    config = app.config
    if backend(config) == "local":
        folder = config.get(AREAS[area]) or Path(config.get("STORAGE_DIR") or config["INSTANCE_DIR"]) / area
        return LocalFolder(Path(folder))
    # One client per process and settings (boto3's clients are thread-safe, but are not to cross a fork: the
    # print worker forks its work horses)
    key = (os.getpid(), *(config.get(k) for k in ("S3_ENDPOINT_URL", "S3_REGION", "S3_ACCESS_KEY_ID", "S3_ADDRESSING_STYLE")))
    clients = app.extensions.setdefault("aid_s3_clients", {})
    if key not in clients:
        clients.clear()
        clients[key] = s3_client(config)
    prefix = (config.get("S3_PREFIX") or "").strip("/")
    return S3(clients[key], config["S3_BUCKET"], f"{prefix}/{area}/" if prefix else f"{area}/")


def uploads() -> Store:
    return store("uploads")


def print_jobs() -> Store:
    return store("print_jobs")


# --- uploads and the transaction that records them --------------------------------------------

def save(data: bytes, original_name: str, session=None) -> str:
    """Store the bytes; return the stored name (random, keeps only a plain extension).

    With a session, the file is removed again if that session rolls back before it commits.
    """
    ext = os.path.splitext(original_name or "")[1].lower()
    name = secrets.token_hex(16) + (ext if _EXT.match(ext) else "")
    target = uploads()
    target.put(name, data)
    if session is not None:
        session = session() if hasattr(session, "registry") else session  # the scoped session's current one
        if not session.in_transaction():
            session.begin()  # so that a rollback before any query still tells the file to go
        session.info.setdefault(PENDING, []).append((target, name))
    return name


def send(stored: Store, name: str | None, download_name: str, **options):
    """Answer with a stored file, streamed (404 when there is none); the view has loaded its record first."""
    try:
        fh = stored.open(name) if name else None
    except FileNotFoundError:
        fh = None
    if fh is None:
        abort(404)
    size = getattr(fh, "content_length", None)
    if size is None:
        try:
            size = os.fstat(fh.fileno()).st_size
        except (OSError, ValueError):
            size = None
    response = send_file(fh, download_name=download_name, **options)
    if size is not None:
        response.content_length = size
    return response


def send_upload(name: str | None, download_name: str, as_attachment=True):
    return send(uploads(), name, download_name, as_attachment=as_attachment)


def save_upload(upload, allowed=None):
    """Check an uploaded file (type, size and content: app/files/uploads.py) and store it.

    Returns (stored name, original name), or None when no file was sent;
    raises RuleError with the user's message for a refused file, before anything is written.
    """
    from app.files import uploads as checks
    from app.extensions import db
    from app.rules.reporting import ALLOWED_TYPES

    if not upload or not getattr(upload, "filename", ""):
        return None
    data = checks.read(upload, allowed or ALLOWED_TYPES)
    return save(data, upload.filename, session=db.session), upload.filename


def discard_pending(session):
    """Remove the files saved since the session's last commit (their records were not kept)."""
    for stored, name in session.info.pop(PENDING, []):
        stored.delete(name)


def install(app, session):
    """Check the storage settings, and tie stored files to the transaction that records them."""
    backend(app.config)
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
