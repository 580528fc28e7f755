"""The file store (app/files/storage.py) on both backends: a folder and an S3 bucket (moto's S3 server).

The same behaviour on each: whole files written and read back, streamed, listed, deleted; names that
are paths refused; a file saved in a transaction that rolls back goes away; a photo uploaded through its
screen is kept in the bucket and served, through the record's scope, only to the school it belongs to.
"""
from __future__ import annotations

import io
import socket
import uuid
from datetime import date

import pytest

from app.extensions import db
from tests.conftest import WORLD, login, purge


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def moto_s3():
    """An S3-compatible server (moto) on a free port of 127.0.0.1, with an empty bucket: its settings."""
    pytest.importorskip("boto3")
    server_module = pytest.importorskip("moto.server")
    port = _free_port()
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    settings = dict(STORAGE_BACKEND="s3", S3_BUCKET="aid-" + uuid.uuid4().hex[:8], S3_ENDPOINT_URL=f"http://127.0.0.1:{port}",
                    S3_REGION="us-east-1", S3_ACCESS_KEY_ID="testing", S3_SECRET_ACCESS_KEY="testing", S3_PREFIX="county")
    from app.files import storage

    storage.s3_client(settings).create_bucket(Bucket=settings["S3_BUCKET"])
    yield settings
    server.stop()


@pytest.fixture(params=["folder", "s3"])
def configured(request, app, tmp_path, monkeypatch):
    """The suite's app with its files in a fresh folder, or in a fresh bucket."""
    settings = request.getfixturevalue("moto_s3") if request.param == "s3" else dict(
        STORAGE_BACKEND="local", STORAGE_DIR=str(tmp_path / "shared"), UPLOAD_DIR=None, PRINT_JOB_DIR=None)
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    return settings


def test_the_store_keeps_reads_lists_and_deletes_whole_files(app, configured):
    from app.files import storage

    with app.app_context():
        store, other = storage.uploads(), storage.print_jobs()
        assert list(store.names()) == []
        store.put("a.pdf", b"%PDF-1.4 one")
        store.put("b.xlsx", io.BytesIO(b"x" * 3_000_000))  # a file object, read in parts
        assert store.get("a.pdf") == b"%PDF-1.4 one" and store.exists("a.pdf")
        with store.open("b.xlsx") as fh:
            assert fh.read(10) == b"x" * 10 and len(fh.read()) == 3_000_000 - 10
        assert list(store.names()) == [("a.pdf", 12), ("b.xlsx", 3_000_000)]
        assert not other.exists("a.pdf") and list(other.names()) == []  # the areas are apart
        store.put("a.pdf", b"replaced")
        assert store.get("a.pdf") == b"replaced"
        store.delete("a.pdf")
        store.delete("a.pdf")  # gone already: no error
        assert not store.exists("a.pdf") and [n for n, _ in store.names()] == ["b.xlsx"]
        with pytest.raises(FileNotFoundError):
            store.open("a.pdf")
        # names that are paths or hidden files never reach the folder or the bucket
        for bad in ("../secret_key", "x/../../y", "/etc/passwd", "a\\b", ".hidden", "", "a\0b"):
            for call in (store.get, store.open, store.delete, store.exists, lambda n: store.put(n, b"x")):
                with pytest.raises(FileNotFoundError):
                    call(bad)
        store.delete("b.xlsx")


def test_a_file_saved_in_a_rolled_back_transaction_goes_away(app, configured):
    from app.files import storage

    with app.app_context():
        dropped = storage.save(b"%PDF-1.4", "a.PDF", session=db.session)
        assert dropped.endswith(".pdf") and storage.uploads().exists(dropped)
        db.session.rollback()
        assert not storage.uploads().exists(dropped)
        kept = storage.save(b"%PDF-1.4", "../../b.pdf", session=db.session)
        db.session.commit()
        db.session.rollback()
        assert storage.uploads().get(kept) == b"%PDF-1.4"
        storage.uploads().delete(kept)
        assert storage.save(b"x", "名单.xl sx/").count(".") == 0  # no odd extension is kept
    with app.test_request_context():
        left = storage.save(b"%PDF-1.4", "c.pdf", session=db.session)
    with app.app_context():
        assert not storage.uploads().exists(left)  # the request ended without a commit
        for name, _ in storage.uploads().names():
            storage.uploads().delete(name)


def test_a_photo_goes_through_its_screen_into_the_store_and_back_only_to_its_school(app, configured):
    from sqlalchemy import select

    from app.files import storage
    from app.models import PublicityActivity, PublicityPhoto

    with app.app_context():
        activity = PublicityActivity(school_id=WORLD.school_a, activity_type="class_meeting", held_on=date(2026, 9, 4),
                                     title="存储检查宣传", audience=10, target_stage="all")
        db.session.add(activity)
        db.session.commit()
        activity_id = activity.id
    png = b"\x89PNG\r\n\x1a\n" + uuid.uuid4().bytes * 100
    officer_a = login(app, "t_officer_a")
    r = officer_a.post(f"/publicityactivityview/photos/{activity_id}", content_type="multipart/form-data",
                       data={"files": [(io.BytesIO(png), "活动照片.png")]})
    assert r.status_code == 302
    with app.app_context():
        photo = db.session.scalars(select(PublicityPhoto).where(PublicityPhoto.activity_id == activity_id)).one()
        photo_id, stored = photo.id, photo.path
        assert storage.uploads().get(stored) == png  # in the bucket (or the folder), nowhere else
    served = officer_a.get(f"/publicityactivityview/photo/{photo_id}")
    assert served.status_code == 200 and served.data == png and served.content_length == len(png)
    assert login(app, "t_officer_b").get(f"/publicityactivityview/photo/{photo_id}").status_code == 404
    with app.app_context():
        purge(db.session.get(PublicityPhoto, photo_id), db.session.get(PublicityActivity, activity_id))
        db.session.commit()
        storage.uploads().delete(stored)


def test_healthz_says_whether_the_store_can_be_used(app, configured, monkeypatch):
    client = app.test_client()
    answer = client.get("/healthz").get_json()["checks"]["storage"]
    assert answer["ok"] is True and answer["backend"] == configured["STORAGE_BACKEND"]
    if configured["STORAGE_BACKEND"] == "s3":
        monkeypatch.setitem(app.config, "S3_BUCKET", "no-such-bucket")
    else:
        monkeypatch.setitem(app.config, "UPLOAD_DIR", "/proc/no-such-folder")
    r = client.get("/healthz")
    assert r.status_code == 503 and r.get_json()["checks"]["storage"]["ok"] is False
