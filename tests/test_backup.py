"""`flask backup create` / `flask backup restore`: a round trip that compares every table and the
uploaded files, on whichever database the suite runs (SQLite, or PostgreSQL with DATABASE_URL);
files that are not a backup of this app are refused and leave everything as it was."""
from __future__ import annotations

import io
import json
import sqlite3
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from tests.conftest import WORLD
from tests.test_storage import moto_s3  # noqa: F401 (a fixture)


def _run(app, *args):
    return app.test_cli_runner().invoke(args=[str(a) for a in args])


def _tables(app):
    """Every table of the database: all rows, all columns (rows sorted, so the order the database returns is no matter)."""
    with app.app_context():
        db.session.remove()
        with db.engine.connect() as conn:
            meta = sa.MetaData()
            meta.reflect(conn)
            return {name: sorted((tuple(row) for row in conn.execute(sa.select(table))), key=repr)
                    for name, table in meta.tables.items()}


def _uploads(app):
    from app.operations import backup

    with app.app_context():
        store = backup.upload_store()
        return {name: store.get(name) for name, _ in backup._upload_files(store)}


def _leftovers(app):
    """Temporary files a restore must never leave behind."""
    from app.operations import backup

    with app.app_context():
        places = [backup.backup_dir()]
        folder = getattr(backup.upload_store(), "folder", None)
        if folder is not None and folder.is_dir():
            places.append(folder)
        if db.engine.dialect.name == "sqlite":
            places.append(backup._sqlite_path().parent)
    return sorted(str(p) for folder in places for p in folder.iterdir()
                  if p.name.startswith((".restore-", ".backup-")) or p.name.endswith(".partial"))


@pytest.fixture()
def state(app):
    """The state before the test; the test must end with exactly this state."""
    before = _tables(app), _uploads(app)
    yield before
    after = _tables(app), _uploads(app)
    diff = [n for n in set(after[0]) | set(before[0]) if after[0].get(n) != before[0].get(n)]
    assert after == before, f"the database or the uploads were left changed: {diff} {after[1].keys() ^ before[1].keys()}"
    assert _leftovers(app) == []


def _mutate(app):
    """Change, delete and add rows in several tables, and change, delete and add uploaded files."""
    from flask_appbuilder.security.sqla.models import User

    from app.files import storage
    from app.models import Pairing, School, Student, Submission
    from app.models.outreach import PublicityPhoto, Recognition, TrainingAttendance

    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(sa.update(School.__table__).where(School.__table__.c.id == WORLD.school_a).values(name="恢复测试改名"))
            conn.execute(sa.update(Student.__table__).where(Student.__table__.c.id == WORLD.student_b).values(address="恢复测试新地址"))
            conn.execute(sa.update(User.__table__).where(User.__table__.c.username == "t_leader").values(first_name="恢复测试"))
            conn.execute(sa.delete(Recognition.__table__).where(Recognition.__table__.c.id == WORLD.recognition_b))
            conn.execute(sa.delete(TrainingAttendance.__table__).where(TrainingAttendance.__table__.c.id == WORLD.attendance_b))
            conn.execute(sa.delete(Pairing.__table__).where(Pairing.__table__.c.id == WORLD.pairing_b))
            conn.execute(sa.insert(School.__table__).values(code="BK001", name="备份测试新学校", stage="primary", town="武岗镇"))
            attachment = conn.execute(sa.select(Submission.__table__.c.file_path).where(Submission.__table__.c.id == WORLD.submission_b)).scalar_one()
            photo = conn.execute(sa.select(PublicityPhoto.__table__.c.path).where(PublicityPhoto.__table__.c.id == WORLD.photo_b)).scalar_one()
        storage.uploads().put(attachment, "改过的附件".encode())
        storage.uploads().delete(photo)
        storage.save(b"after the backup", "new.pdf")


def test_round_trip_restores_every_table_and_the_uploads(app, state, tmp_path):
    tables, uploads = state
    assert sum(len(rows) for rows in tables.values()) > 50 and len(uploads) >= 2
    r = _run(app, "backup", "create", "--to", tmp_path)
    assert r.exit_code == 0, r.output
    archive, = tmp_path.glob("aid-backup-*.tar.gz")
    assert str(archive) in r.output and "上传文件" in r.output
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert names[0] == "manifest.json"
    with app.app_context():
        kind = db.engine.dialect.name
        from app.operations import backup

        assert manifest["alembic_revision"] in backup.code_heads()
    assert manifest["database"] == kind
    assert ("database.sqlite3" if kind == "sqlite" else "database.pgdump") in names
    assert {f"uploads/{name}" for name in uploads} <= set(names)
    assert manifest["tables"] == {name: len(rows) for name, rows in tables.items()}

    _mutate(app)
    assert _tables(app) != tables and _uploads(app) != uploads

    r = _run(app, "backup", "restore", archive)  # asks first; no answer, nothing done
    assert r.exit_code != 0 and _uploads(app) != uploads
    r = _run(app, "backup", "restore", "--yes", archive)
    assert r.exit_code == 0, r.output
    assert "核对无误" in r.output and "pre-restore-" in r.output
    assert _tables(app) == tables
    assert _uploads(app) == uploads
    # the restored database takes new rows with fresh ids (PostgreSQL: the sequences came back too); rolled back
    from app.models import School

    with app.app_context():
        with db.engine.connect() as conn:
            with conn.begin() as transaction:
                table = School.__table__
                new_id = conn.execute(sa.insert(table).values(code="BK002", name="恢复后新学校", stage="junior", town="马厂镇")
                                      .returning(table.c.id)).scalar_one()
                assert new_id > max(row[0] for row in tables["school"])
                transaction.rollback()


def test_the_uploads_in_an_s3_bucket_are_backed_up_and_put_back(app, request, tmp_path, monkeypatch):
    """STORAGE_BACKEND=s3: the backup reads the uploads from the bucket and the restore puts them back there."""
    from app.files import storage

    s3 = request.getfixturevalue("moto_s3")

    with app.app_context():
        local = storage.uploads()
        files = {name: local.get(name) for name, _ in local.names()}
    for key, value in s3.items():
        monkeypatch.setitem(app.config, key, value)
    with app.app_context():
        bucket = storage.uploads()
        for name, data in files.items():
            bucket.put(name, data)
    before = _tables(app), _uploads(app)
    assert before[1] == files and len(files) >= 2
    r = _run(app, "backup", "create", "--to", tmp_path)
    assert r.exit_code == 0 and f"s3://{s3['S3_BUCKET']}/county/uploads/" in r.output, r.output
    archive, = tmp_path.glob("aid-backup-*.tar.gz")
    with app.app_context():
        changed, dropped = sorted(files)[:2]
        bucket.put(changed, "改过的附件".encode())
        bucket.delete(dropped)
        bucket.put("after.pdf", b"after the backup")
    assert _uploads(app) != before[1]
    r = _run(app, "backup", "restore", "--yes", "--no-safety-backup", archive)
    assert r.exit_code == 0 and "核对无误" in r.output and "删除了备份之后新增的 1 个" in r.output, r.output
    assert (_tables(app), _uploads(app)) == before
    assert _leftovers(app) == []


def test_the_manifest_and_the_revision_checks(app):
    from app.operations import backup

    with app.app_context():
        script = backup._script()
        head, = backup.code_heads()
        base, = script.get_bases()
        assert backup.revision_relation(head) == "current"
        assert backup.revision_relation("ffffffffffff") == "unknown"
        assert backup.revision_relation(None) == "unknown"
        if base != head:
            assert backup.revision_relation(base) == "older"


def _forge(source: Path, target: Path, manifest=None, replace=None, extra=None):
    """A copy of a real backup with the manifest edited, members replaced or added."""
    replace, extra = replace or {}, extra or {}
    with tarfile.open(source) as tar, tarfile.open(target, "w:gz") as out:
        for member in tar.getmembers():
            data = tar.extractfile(member).read()
            if member.name == "manifest.json":
                data = json.loads(data)
                for key, value in replace.items():
                    if key == data["database_file"]:
                        import hashlib

                        data["database_sha256"] = hashlib.sha256(value).hexdigest()
                        data["database_bytes"] = len(value)
                (manifest or (lambda m: None))(data)
                data = json.dumps(data).encode()
            data = replace.get(member.name, data)
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
        for name, data in extra.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))


def _safety_backups(app):
    from app.operations import backup

    with app.app_context():
        return sorted(backup.backup_dir().glob("pre-restore-*"))


def test_what_is_not_a_backup_of_this_app_is_refused_and_nothing_changes(app, state, tmp_path):
    safety = _safety_backups(app)
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"\x00not a backup at all\xff" * 500)
    r = _run(app, "backup", "restore", "--yes", garbage)
    assert r.exit_code != 0 and "不是本系统的备份" in r.output, r.output

    r = _run(app, "backup", "restore", "--yes", tmp_path / "missing.tar.gz")
    assert r.exit_code != 0

    plain = tmp_path / "plain.tar.gz"
    with tarfile.open(plain, "w:gz") as tar:
        info = tarfile.TarInfo("notes.txt")
        tar.addfile(info, io.BytesIO(b""))
    r = _run(app, "backup", "restore", "--yes", plain)
    assert r.exit_code != 0 and "manifest.json" in r.output, r.output

    r = _run(app, "backup", "create", "--to", tmp_path / "real.tar.gz")
    assert r.exit_code == 0, r.output
    real = tmp_path / "real.tar.gz"
    with tarfile.open(real) as tar:
        db_member = json.load(tar.extractfile("manifest.json"))["database_file"]

    def newer(m):
        m["alembic_revision"] = "ffffffffffff"

    cases = {
        "newer.tar.gz": (dict(manifest=newer), "更新版本"),
        "junk-db.tar.gz": (dict(replace={db_member: b"junk" * 1000}), "备份中的"),
        "tampered.tar.gz": (dict(manifest=lambda m: m.update(database_sha256="0" * 64)), "校验和"),
        "unsafe.tar.gz": (dict(extra={"../outside.txt": b"x"}), "不安全"),
        "unlisted.tar.gz": (dict(extra={"uploads/unlisted.txt": b"x"}), "不在清单中"),
        "nested.tar.gz": (dict(extra={"uploads/a/b.txt": b"x"}), "不是一个普通文件名"),
        "hidden.tar.gz": (dict(extra={"uploads/.profile": b"x"}), "不是一个普通文件名"),
        "other-kind.tar.gz": (dict(manifest=lambda m: m.update(database="mysql")), "不能跨数据库类型"),
        "other-key.tar.gz": (dict(manifest=lambda m: m.update(encryption_key_fingerprint="0123456789abcdef")), "ENCRYPTION_KEY"),
    }
    if db_member == "database.sqlite3":
        empty = tmp_path / "empty.sqlite3"
        with sqlite3.connect(empty) as conn:
            conn.execute("CREATE TABLE school (id INTEGER PRIMARY KEY)")
        conn.close()
        cases["no-alembic.tar.gz"] = (dict(replace={db_member: empty.read_bytes()}), "alembic_version")
    for name, (how, message) in cases.items():
        _forge(real, tmp_path / name, **how)
        r = _run(app, "backup", "restore", "--yes", tmp_path / name)
        assert r.exit_code != 0 and message in r.output, (name, r.output)
    # nothing of it reached the database or the uploads (checked by the `state` fixture), no safety backup was taken
    assert _safety_backups(app) == safety


def test_missing_or_old_postgresql_client_tools_are_named(app, monkeypatch, tmp_path):
    from app.operations import backup

    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    monkeypatch.setattr(backup, "PG_LIB", tmp_path)
    with pytest.raises(backup.BackupError) as refused:
        backup.pg_tool("pg_dump", 15)
    assert "postgresql-client" in refused.value.message and "15" in refused.value.message
    old = tmp_path / "9.6" / "bin" / "pg_dump"
    old.parent.mkdir(parents=True)
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    old.chmod(0o755)
    with pytest.raises(backup.BackupError) as refused:
        backup.pg_tool("pg_dump", 15)
    assert "9" in refused.value.message and "postgresql-client-15" in refused.value.message


def test_the_schema_is_read_from_the_search_path_option(app, monkeypatch):
    from app.operations import backup

    options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    with app.app_context():
        for given, schema in [("-csearch_path=t_abc", "t_abc"), ("-c search_path=aid,public", "aid"),
                              ('-c search_path="$user",aid', "aid"), ("", None)]:
            monkeypatch.setitem(app.config, "SQLALCHEMY_ENGINE_OPTIONS", {**options, "connect_args": {"options": given}})
            assert backup.pg_schema() == schema, given
