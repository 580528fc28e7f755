"""`flask backup create` and `flask backup restore FILE`: the database and the uploaded files.

A backup is one ``.tar.gz`` in BACKUP_DIR (default INSTANCE_DIR/backups), readable by its owner only:

- ``manifest.json`` first: format, database kind, alembic revision, the code's migration head,
  created at, the row count of every table, the database file's SHA-256, the uploaded files;
- ``database.sqlite3`` (SQLite: an online copy made with sqlite3's backup API, consistent while
  the app runs and writes) or ``database.pgdump`` (PostgreSQL: ``pg_dump --format=custom``,
  only the schema of the search_path when the engine sets one);
- ``uploads/...``: the uploaded files (report attachments, rectification evidence, photos), read
  from the store they are kept in (app/files/storage.py: the folder, or the S3 bucket), copied after
  the database so that every file a record of the copy names is there.  Print jobs' PDFs are not
  kept: they expire and can be printed again.

Restore checks everything before it touches anything: the archive, the manifest, the database
copy (a SQLite database with an ``alembic_version`` table, or a dump pg_restore can list with
that table), the checksum and the migration revision (a backup of a newer schema is refused).
Then it keeps a safety backup of the current state, replaces the database (SQLite: a temporary
file moved over the database file in one step; PostgreSQL: ``pg_restore --clean --if-exists
--no-owner --single-transaction``, all or nothing), puts the uploaded files back and counts
every table against the manifest.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

FORMAT = "aid-backup/1"
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
UPLOADS = "uploads"
STAGING_PREFIX = ".restore-"  # staging folders in BACKUP_DIR while a restore runs
PG_LIB = Path("/usr/lib/postgresql")  # Debian: one bin/ per installed major version
PG_HINT = "Debian 软件包 postgresql-client（apt-get install postgresql-client）"
STOP_APP = ("恢复期间请停止网站进程（gunicorn / run.py）和打印进程（flask print-worker），"
            "恢复完成后再启动它们。")


class BackupError(click.ClickException):
    """Refused or failed: the message says why; the exit code is 1."""


# --- small helpers ------------------------------------------------------------------------------

def backup_dir() -> Path:
    folder = Path(current_app.config.get("BACKUP_DIR") or Path(current_app.config["INSTANCE_DIR"]) / "backups")
    if not folder.exists():
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o700)  # the backups hold ID numbers and bank cards
    return folder


def upload_store():
    from app.files import storage

    return storage.uploads()


def human_size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"  # pragma: no cover


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _like(path: Path, model: Path) -> None:
    """Give a restored file the mode and owner of what it replaces (restore often runs as root, the app not)."""
    try:
        st = model.stat()
    except OSError:
        return
    os.chmod(path, st.st_mode & 0o7777)
    if hasattr(os, "chown") and os.geteuid() == 0:
        os.chown(path, st.st_uid, st.st_gid)


def key_fingerprint() -> str | None:
    """A short one-way fingerprint of ENCRYPTION_KEY: a backup's personal data reads back only with its key."""
    key = current_app.config.get("ENCRYPTION_KEY")
    return hashlib.sha256(("aid-backup:" + key).encode()).hexdigest()[:16] if key else None


def _engine():
    from app.extensions import db

    return db.engine


def _release_connections() -> None:
    """Close this process's pooled connections (they would keep the old database open)."""
    from app.extensions import db

    db.session.remove()
    db.engine.dispose()


def db_kind() -> str:
    name = _engine().dialect.name
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"不支持的数据库类型 {name}：只支持 SQLite 和 PostgreSQL。")
    return name


# --- migrations -------------------------------------------------------------------------------

def _script():
    from alembic.script import ScriptDirectory

    return ScriptDirectory(current_app.extensions["migrate"].directory)


def code_heads() -> list[str]:
    return sorted(_script().get_heads())


def revision_relation(revision: str | None) -> str:
    """'current' (the code's head), 'older' (a revision the code can upgrade) or 'unknown' (newer, or not ours)."""
    if not revision:
        return "unknown"
    script = _script()
    if revision in script.get_heads():
        return "current"
    try:
        known = script.get_revision(revision)
    except Exception:  # alembic raises several kinds for an unknown or ambiguous id
        known = None
    return "older" if known is not None else "unknown"


def _rows_and_revision(conn, schema=None) -> tuple[dict[str, int], str | None]:
    """Row count of every table, and the alembic revision, read on one connection (one snapshot)."""
    counts = {}
    for name in sorted(sa.inspect(conn).get_table_names(schema=schema)):
        table = sa.table(name, schema=schema)
        counts[name] = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    revision = None
    if "alembic_version" in counts:
        version = sa.table("alembic_version", sa.column("version_num"), schema=schema)
        revision = ",".join(sorted(conn.execute(sa.select(version.c.version_num)).scalars())) or None
    return counts, revision


# --- PostgreSQL: connection, schema, client tools -------------------------------------------------

_LIBPQ_ENV = {
    "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT", "target_session_attrs": "PGTARGETSESSIONATTRS",
    "host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD", "dbname": "PGDATABASE",
}


def _pg_options() -> str:
    """The libpq ``options`` the app connects with (engine connect_args, or the URL's query)."""
    opts = (current_app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}).get("connect_args", {}).get("options")
    if not opts:
        opts = _engine().url.query.get("options")
    if isinstance(opts, (list, tuple)):
        opts = " ".join(opts)
    return opts or ""


def pg_schema() -> str | None:
    """The first schema of a ``-csearch_path=...`` option, or None (the whole database)."""
    match = re.search(r"(?:-c\s*|--)search_path\s*=\s*(\S+)", _pg_options())
    if not match:
        return None
    for part in match.group(1).split(","):
        part = part.strip().strip("'\"")
        if part and part != "$user":
            return part
    return None


def pg_env() -> dict[str, str]:
    """Environment for pg_dump/pg_restore: the connection in PG* variables (no password in argv)."""
    url = _engine().url
    env = dict(os.environ)
    for key in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGOPTIONS", "PGSERVICE"):
        env.pop(key, None)
    for key, value in url.query.items():
        if key in _LIBPQ_ENV and isinstance(value, str):
            env[_LIBPQ_ENV[key]] = value
    if url.host:
        env["PGHOST"] = url.host
    if url.port:
        env["PGPORT"] = str(url.port)
    if url.username:
        env["PGUSER"] = url.username
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    if url.database:
        env["PGDATABASE"] = url.database
    if _pg_options():
        env["PGOPTIONS"] = _pg_options()
    env["PGAPPNAME"] = "aid-backup"
    return env


def _tool_major(path: str) -> int:
    out = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else 0


def pg_tool(name: str, server_major: int) -> str:
    """pg_dump or pg_restore whose major version is not older than the server's, or a clear refusal."""
    found = shutil.which(name)
    candidates = [found] if found else []
    # Debian keeps each installed major version under /usr/lib/postgresql/<N>/bin
    for folder in sorted(PG_LIB.glob("*/bin"), reverse=True):
        if (folder / name).is_file():
            candidates.append(str(folder / name))
    if not candidates:
        raise BackupError(f"找不到 {name}：请安装 {PG_HINT}，其主版本不能低于数据库服务器的 {server_major}。")
    best = max(candidates, key=_tool_major)
    major = _tool_major(best)
    if major < server_major:
        raise BackupError(f"{best} 的版本是 {major}，比数据库服务器的 {server_major} 旧：请安装 {server_major} 或更新版本的 "
                          f"{PG_HINT}（例如 apt-get install postgresql-client-{server_major}）。")
    return best


def _server_major(conn) -> int:
    return int(conn.exec_driver_sql("SHOW server_version_num").scalar_one()) // 10000


def _run_pg(args: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        hint = ""
        if "server version mismatch" in detail or "unsupported version" in detail:
            hint = f"\n客户端工具版本不能比数据库服务器或备份旧：请安装更新的 {PG_HINT}。"
        elif "deadlock" in detail:
            hint = "\n数据库表被其他连接锁住：" + STOP_APP
        raise BackupError(f"{what}失败（{Path(args[0]).name} 退出码 {result.returncode}）：\n{detail}{hint}")


# --- create -------------------------------------------------------------------------------------

def _sqlite_path() -> Path:
    database = _engine().url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"SQLite 数据库 {database!r} 不是一个普通文件，无法备份。")
    return Path(database).resolve()


def _dump_sqlite(staging: Path) -> tuple[Path, dict]:
    target = staging / SQLITE_MEMBER
    source = _sqlite_path()
    if not source.exists():
        raise BackupError(f"数据库文件 {source} 不存在。")
    with closing(sqlite3.connect(str(source), timeout=60)) as src, closing(sqlite3.connect(str(target))) as dst:
        # One step under one read lock: a consistent copy even while the app writes (writers wait, then go on).
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file, whatever the source uses
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
    if check != "ok":
        raise BackupError(f"数据库副本的完整性检查未通过：{check}")
    engine = sa.create_engine(f"sqlite:///{target}", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            counts, revision = _rows_and_revision(conn)
    finally:
        engine.dispose()
    return target, {"counts": counts, "revision": revision, "sqlite_version": sqlite3.sqlite_version}


def _dump_postgresql(staging: Path) -> tuple[Path, dict]:
    target = staging / PG_MEMBER
    schema = pg_schema()
    engine = _engine()
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        with conn.begin():
            # The counts and pg_dump read the same snapshot: the manifest describes exactly the dump.
            snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
            server_major = _server_major(conn)
            counts, revision = _rows_and_revision(conn, schema)
            pg_dump = pg_tool("pg_dump", server_major)
            args = [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"]
            if schema:
                args.append(f"--schema={schema}")
            _run_pg(args, pg_env(), "pg_dump 备份")
    return target, {"counts": counts, "revision": revision, "schema": schema, "server_major": server_major,
                    "pg_dump_major": _tool_major(pg_dump)}


def _upload_files(store) -> list[tuple[str, int]]:
    """Every uploaded file: stored name and size."""
    return sorted(store.names())


def _target_path(to: str | None, stamp: str, prefix: str) -> Path:
    if to:
        target = Path(to).expanduser()
        if not (target.is_dir() or to.endswith(os.sep)):
            if target.exists():
                raise BackupError(f"{target} 已经存在：换一个文件名，或用 --to 指定一个目录。")
            target.parent.mkdir(parents=True, exist_ok=True)
            return target
        target.mkdir(parents=True, exist_ok=True)
        folder = target
    else:
        folder = backup_dir()
    target = folder / f"{prefix}-{stamp}.tar.gz"
    n = 2
    while target.exists():
        target = folder / f"{prefix}-{stamp}-{n}.tar.gz"
        n += 1
    return target


def create_backup(to: str | None = None, prefix: str = "aid-backup", echo=click.echo) -> tuple[Path, dict]:
    """Write one backup archive; return its path and manifest."""
    kind = db_kind()
    now = datetime.now(timezone.utc)
    target = _target_path(to, datetime.now().strftime("%Y%m%d-%H%M%S"), prefix)
    staging = Path(tempfile.mkdtemp(prefix=".backup-", dir=target.parent))
    partial = target.with_name(target.name + ".partial")
    try:
        dump, info = _dump_sqlite(staging) if kind == "sqlite" else _dump_postgresql(staging)
        if not info["revision"]:
            raise BackupError("数据库中没有 alembic_version：还没有执行过 flask db upgrade，或者配置的不是本系统的数据库。")
        uploads = upload_store()
        files = _upload_files(uploads)  # after the database: every file a copied record names is here
        manifest = {
            "format": FORMAT,
            "app": current_app.config.get("APP_NAME"),
            "created_at": now.isoformat(timespec="seconds"),
            "host": socket.gethostname(),
            "database": kind,
            "encryption_key_fingerprint": key_fingerprint(),
            "alembic_revision": info.pop("revision"),
            "code_heads": code_heads(),
            "tables": info.pop("counts"),
            "database_file": dump.name,
            "database_bytes": dump.stat().st_size,
            "database_sha256": _sha256(dump),
            **info,
            "uploads": [{"path": name, "bytes": size} for name, size in files],
        }
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
            info_ = tarfile.TarInfo(MANIFEST)
            info_.size, info_.mtime, info_.mode = len(data), int(now.timestamp()), 0o600
            tar.addfile(info_, io.BytesIO(data))
            tar.add(dump, arcname=dump.name, recursive=False)
            for entry in manifest["uploads"]:
                with uploads.open(entry["path"]) as fh:
                    member = tarfile.TarInfo(f"{UPLOADS}/{entry['path']}")
                    member.size = entry["bytes"]  # as listed in the manifest (uploaded files are written once)
                    member.mtime, member.mode = int(now.timestamp()), 0o600
                    tar.addfile(member, fh)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if partial.exists():
            partial.unlink()
    echo(f"已写入备份 {target}（{human_size(target.stat().st_size)}）")
    echo(f"  数据库 {kind}{'（模式 ' + manifest['schema'] + '）' if manifest.get('schema') else ''}："
         f"{len(manifest['tables'])} 张表，共 {sum(manifest['tables'].values())} 行，"
         f"{human_size(manifest['database_bytes'])}，迁移版本 {manifest['alembic_revision']}")
    echo(f"  上传文件 {len(files)} 个，{human_size(sum(e['bytes'] for e in manifest['uploads']))}（{uploads.where}）")
    return target, manifest


# --- restore: read and check the archive --------------------------------------------------------

def _safe_member_path(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"备份中有不安全的路径 {name!r}，拒绝恢复。")
    return path


def _copy_member(tar: tarfile.TarFile, member: tarfile.TarInfo, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    source = tar.extractfile(member)
    with open(dest, "wb") as out:
        shutil.copyfileobj(source, out, 1 << 20)
        out.flush()
        os.fsync(out.fileno())


class Unpacked:
    """A checked archive, unpacked into temporary places next to what it will replace."""

    def __init__(self):
        self.manifest: dict = {}
        self.database: Path | None = None
        self.uploads_staging: Path | None = None
        self.temp_dirs: list[Path] = []
        self.pg_restore: str | None = None
        self.relation = "unknown"

    def cleanup(self):
        for folder in self.temp_dirs:
            shutil.rmtree(folder, ignore_errors=True)
        if self.database is not None and self.database.exists() and self.database.name.startswith(".restore-"):
            self.database.unlink()


def _check_manifest(manifest: dict, kind: str) -> str:
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不认识的备份格式 {manifest.get('format')!r}（应为 {FORMAT}）。")
    shapes = {"created_at": str, "alembic_revision": str, "tables": dict, "database_file": str,
              "database_bytes": int, "database_sha256": str, "uploads": list}
    broken = [key for key, shape in shapes.items() if not isinstance(manifest.get(key), shape)]
    if broken:
        raise BackupError(f"备份清单缺少或写错了：{', '.join(broken)}")
    if manifest.get("database") != kind:
        raise BackupError(f"这是 {manifest.get('database')} 数据库的备份，当前配置的是 {kind}：不能跨数据库类型恢复。")
    relation = revision_relation(manifest.get("alembic_revision"))
    if relation == "unknown":
        raise BackupError(f"备份的迁移版本 {manifest.get('alembic_revision')} 不在本程序的迁移中：它来自更新版本的程序"
                          f"（本程序为 {', '.join(code_heads())}），或不是本系统的备份。请先更新程序再恢复。")
    if kind == "postgresql" and manifest.get("schema") != pg_schema():
        raise BackupError(f"备份来自模式 {manifest.get('schema') or '（整个数据库）'}，当前配置的是 "
                          f"{pg_schema() or '（整个数据库）'}：拒绝恢复到另一个模式。")
    return relation


def _check_sqlite_copy(path: Path, manifest: dict) -> None:
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            check = conn.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            revision = None
            if "alembic_version" in tables:
                revision = ",".join(sorted(r[0] for r in conn.execute("SELECT version_num FROM alembic_version"))) or None
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"备份中的数据库不是可用的 SQLite 数据库：{exc}")
    if check != "ok":
        raise BackupError(f"备份中的数据库完整性检查未通过：{check}")
    if "alembic_version" not in tables:
        raise BackupError("备份中的数据库没有 alembic_version 表：不是本系统的数据库。")
    if revision != manifest.get("alembic_revision"):
        raise BackupError(f"备份中数据库的迁移版本 {revision} 与清单中的 {manifest.get('alembic_revision')} 不一致。")
    missing = set(manifest.get("tables", {})) - tables
    if missing:
        raise BackupError(f"备份中的数据库缺少清单中的表：{', '.join(sorted(missing))}")


def _check_pg_dump(path: Path, manifest: dict) -> str:
    with _engine().connect() as conn:
        server_major = _server_major(conn)
    pg_restore = pg_tool("pg_restore", max(server_major, int(manifest.get("pg_dump_major") or 0)))
    result = subprocess.run([pg_restore, "--list", str(path)], capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"备份中的 PostgreSQL 转储无法读取：{result.stderr.strip()}")
    schema = manifest.get("schema")
    pattern = re.compile(r"\bTABLE " + (re.escape(schema) if schema else r"\S+") + r" alembic_version\b")
    if not pattern.search(result.stdout):
        raise BackupError("备份中的转储没有 alembic_version 表：不是本系统的数据库。")
    return pg_restore


def unpack(archive: Path, kind: str) -> Unpacked:
    """Read the whole archive into temporary places and check it; nothing live is touched."""
    if not archive.is_file():
        raise BackupError(f"找不到备份文件 {archive}")
    unpacked = Unpacked()
    try:
        try:
            tar = tarfile.open(archive, mode="r:gz")
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise BackupError(f"{archive} 不是本系统的备份（不是 .tar.gz 文件：{exc}）。")
        with tar:
            first = tar.next()
            if first is None or first.name != MANIFEST or not first.isfile():
                raise BackupError(f"{archive} 不是本系统的备份（开头没有 {MANIFEST}）。")
            try:
                manifest = json.load(tar.extractfile(first))
            except ValueError as exc:
                raise BackupError(f"备份清单无法读取：{exc}")
            if not isinstance(manifest, dict):
                raise BackupError("备份清单格式不对。")
            unpacked.manifest = manifest
            relation = _check_manifest(manifest, kind)
            expected_uploads = {e["path"]: e["bytes"] for e in manifest.get("uploads", [])}
            db_name = SQLITE_MEMBER if kind == "sqlite" else PG_MEMBER
            if manifest.get("database_file") != db_name:
                raise BackupError(f"备份清单中的数据库文件应为 {db_name}。")
            if kind == "sqlite":
                live = _sqlite_path()
                live.parent.mkdir(parents=True, exist_ok=True)
                fd, name = tempfile.mkstemp(prefix=".restore-", suffix=".sqlite3", dir=live.parent)
                os.close(fd)
                unpacked.database = Path(name)
            else:
                folder = Path(tempfile.mkdtemp(prefix=".restore-", dir=backup_dir()))
                unpacked.temp_dirs.append(folder)
                unpacked.database = folder / PG_MEMBER
            unpacked.uploads_staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=backup_dir()))
            unpacked.temp_dirs.append(unpacked.uploads_staging)
            seen_db, seen_uploads = False, set()
            for member in tar:
                if member is first:  # iterating a TarFile yields the members already read again
                    continue
                path = _safe_member_path(member.name)
                if member.isdir():
                    continue
                if not member.isfile():
                    raise BackupError(f"备份中的 {member.name!r} 不是普通文件，拒绝恢复。")
                if member.name == db_name and not seen_db:
                    _copy_member(tar, member, unpacked.database)
                    seen_db = True
                elif path.parts[0] == UPLOADS and len(path.parts) > 1:
                    rel = PurePosixPath(*path.parts[1:]).as_posix()
                    if not _plain_name(rel):
                        raise BackupError(f"备份中的上传文件名 {rel!r} 不是一个普通文件名，拒绝恢复。")
                    if rel not in expected_uploads or rel in seen_uploads:
                        raise BackupError(f"备份中的上传文件 {rel!r} 不在清单中，拒绝恢复。")
                    _copy_member(tar, member, unpacked.uploads_staging / rel)
                    seen_uploads.add(rel)
                else:
                    raise BackupError(f"备份中有不认识的文件 {member.name!r}，拒绝恢复。")
        if not seen_db:
            raise BackupError(f"备份中没有数据库文件 {db_name}。")
        if set(expected_uploads) - seen_uploads:
            raise BackupError(f"备份缺少上传文件：{', '.join(sorted(set(expected_uploads) - seen_uploads)[:5])} 等。")
        for rel, size in expected_uploads.items():
            if (unpacked.uploads_staging / rel).stat().st_size != size:
                raise BackupError(f"上传文件 {rel} 的大小与清单不一致。")
        if _sha256(unpacked.database) != manifest.get("database_sha256"):
            raise BackupError("备份中的数据库文件与清单的校验和（SHA-256）不一致：文件已损坏或被改动。")
        if kind == "sqlite":
            _check_sqlite_copy(unpacked.database, manifest)
        else:
            unpacked.pg_restore = _check_pg_dump(unpacked.database, manifest)
        unpacked.relation = relation
        return unpacked
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        unpacked.cleanup()
        raise BackupError(f"备份文件 {archive} 无法读取或解开（已损坏？）：{exc}")
    except BaseException:
        unpacked.cleanup()
        raise


# --- restore: replace -------------------------------------------------------------------------

def _processes_using(paths: list[Path]) -> list[str]:
    """Other processes (Linux /proc) that hold one of these files open: their writes would be lost."""
    targets = {str(p) for p in paths}
    found = []
    proc = Path("/proc")
    if not proc.is_dir():
        return found
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                try:
                    if os.readlink(fd) in targets:
                        cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
                        found.append(f"pid {entry.name}: {cmd[:120]}")
                        break
                except OSError:
                    continue
        except OSError:
            continue
    return found


def _replace_sqlite(unpacked: Unpacked) -> None:
    live = _sqlite_path()
    siblings = [live.with_name(live.name + suffix) for suffix in ("-wal", "-shm", "-journal")]
    users = _processes_using([live, *siblings])
    if users:
        raise BackupError("数据库文件正被其他进程使用，现在替换会丢失它们的写入：\n  " + "\n  ".join(users) + "\n" + STOP_APP)
    _release_connections()
    if live.exists():
        # Fold a write-ahead log into the old file first, so nothing of it is left to apply to the new one.
        with closing(sqlite3.connect(str(live), timeout=60)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    _like(unpacked.database, live if live.exists() else live.parent)
    if not live.exists():
        os.chmod(unpacked.database, 0o600)
    _fsync(unpacked.database)
    os.replace(unpacked.database, live)  # one step: the database is the old one or the new one, never half
    for sibling in siblings:
        sibling.unlink(missing_ok=True)
    _fsync(live.parent)
    _release_connections()


def _pg_lock_holders(schema: str | None) -> list[str]:
    """Other sessions holding locks on our tables (an open transaction of the app): pg_restore would wait for them.

    pg_restore sets lock_timeout to 0 itself, so this is asked before, not left to a timeout.
    """
    where = "n.nspname = :schema" if schema else "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"
    query = sa.text(f"""
        SELECT DISTINCT a.pid, a.application_name, a.client_addr, a.state
        FROM pg_locks l
        JOIN pg_class c ON c.oid = l.relation
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.pid <> pg_backend_pid() AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND {where}
        ORDER BY a.pid""")
    with _engine().connect() as conn:
        rows = conn.execute(query, {"schema": schema} if schema else {}).all()
    return [f"pid {r.pid} {r.application_name or ''} {r.client_addr or 'local'} ({r.state})" for r in rows]


def _replace_postgresql(unpacked: Unpacked) -> list[str]:
    schema = unpacked.manifest.get("schema")
    if schema:
        with _engine().begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    holders = _pg_lock_holders(schema)
    if holders:
        raise BackupError("其他数据库连接正在使用这些表，恢复会一直等它们：\n  " + "\n  ".join(holders) + "\n" + STOP_APP)
    _release_connections()
    env = pg_env()
    # --dbname is what makes pg_restore write to a database (without it, it prints SQL); the rest is in env
    args = [unpacked.pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction",
            f"--dbname={env.get('PGDATABASE') or env.get('PGUSER') or 'postgres'}"]
    if schema:
        args.append(f"--schema={schema}")
    args.append(str(unpacked.database))
    _run_pg(args, env, "pg_restore 恢复（单个事务，数据库未改动）")
    _release_connections()
    with _engine().connect() as conn:
        tables = set(sa.inspect(conn).get_table_names(schema=schema))
    return sorted(tables - set(unpacked.manifest.get("tables", {})))


def _plain_name(name: str) -> bool:
    from app.files import storage

    try:
        return storage.checked_name(name) == name
    except FileNotFoundError:
        return False


def _restore_uploads(unpacked: Unpacked) -> tuple[int, int, int]:
    store = upload_store()
    staging = unpacked.uploads_staging
    wanted = {e["path"] for e in unpacked.manifest.get("uploads", [])}
    restored = 0
    for rel in sorted(wanted):
        with open(staging / rel, "rb") as fh:
            store.put(rel, fh)
        restored += 1
    removed = 0
    for name, _ in _upload_files(store):
        if name not in wanted:
            store.delete(name)
            removed += 1
    return restored, removed, sum(e["bytes"] for e in unpacked.manifest.get("uploads", []))


def restore_backup(archive: Path, safety_backup: bool = True, other_key: bool = False, echo=click.echo) -> dict:
    kind = db_kind()
    unpacked = unpack(archive, kind)
    try:
        manifest = unpacked.manifest
        theirs, ours = manifest.get("encryption_key_fingerprint"), key_fingerprint()
        if theirs and ours and theirs != ours and not other_key:
            raise BackupError(f"这份备份是用另一个 ENCRYPTION_KEY 加密的（指纹 {theirs}，当前 {ours}），恢复后身份证号等个人信息将无法解密。"
                              "请把 ENCRYPTION_KEY 设为备份时的密钥再恢复；确实要这样恢复时加 --other-key。")
        echo(f"备份 {archive}（{human_size(archive.stat().st_size)}）已核对：{manifest['created_at']} 创建于 {manifest.get('host')}，"
             f"{len(manifest['tables'])} 张表共 {sum(manifest['tables'].values())} 行，迁移版本 {manifest['alembic_revision']}，"
             f"上传文件 {len(manifest.get('uploads', []))} 个。")
        if safety_backup:
            try:
                path, _ = create_backup(prefix="pre-restore", echo=lambda m: None)
            except click.ClickException as exc:
                raise BackupError(f"恢复前无法备份当前数据（{exc.message}）；确认不需要当前数据时可加 --no-safety-backup。")
            echo(f"恢复前的当前数据已备份到 {path}（{human_size(path.stat().st_size)}）")
        extra = []
        if kind == "sqlite":
            _replace_sqlite(unpacked)
        else:
            extra = _replace_postgresql(unpacked)
        echo(f"已恢复数据库（{kind}{'，模式 ' + manifest['schema'] if manifest.get('schema') else ''}，"
             f"{human_size(manifest['database_bytes'])}）")
        restored, removed, size = _restore_uploads(unpacked)
        echo(f"已恢复上传文件 {restored} 个（{human_size(size)}）到 {upload_store().where}"
             + (f"，删除了备份之后新增的 {removed} 个" if removed else ""))
    finally:
        unpacked.cleanup()
    with _engine().connect() as conn:
        counts, revision = _rows_and_revision(conn, manifest.get("schema") if kind == "postgresql" else None)
    expected = manifest["tables"]
    wrong = [f"{t}: 应为 {n} 行，实为 {counts.get(t)}" for t, n in expected.items() if counts.get(t) != n]
    if wrong or revision != manifest["alembic_revision"]:
        raise BackupError("恢复后的核对不一致：\n  " + "\n  ".join(wrong or [f"迁移版本 {revision}"]))
    echo(f"核对无误：{len(expected)} 张表、{sum(expected.values())} 行与备份清单一致。")
    if extra:
        echo(f"注意：数据库中还有备份里没有的表 {', '.join(extra)}（来自更新的迁移），执行 flask db upgrade 前请先删除它们。")
    if unpacked.relation == "older":
        echo(f"这份备份的迁移版本 {manifest['alembic_revision']} 比程序的 {', '.join(code_heads())} 旧："
             "请现在执行 flask db upgrade，再启动网站。")
    echo("完成。如果网站或打印进程在恢复时仍在运行，请现在重启它们。")
    return manifest


# --- the commands -------------------------------------------------------------------------------

backup = click.Group("backup", help="备份与恢复：数据库和上传文件（flask backup create / flask backup restore FILE）。")


@backup.command("create")
@click.option("--to", "to", default=None, metavar="PATH",
              help="写到这个文件，或这个目录下的带时间的文件名（默认 BACKUP_DIR，即 INSTANCE_DIR/backups）。")
@with_appcontext
def backup_create(to):
    """备份数据库和上传文件到一个 .tar.gz（网站运行时也可以做）。"""
    create_backup(to)


@backup.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", "-y", is_flag=True, help="不再询问确认。")
@click.option("--no-safety-backup", is_flag=True, help="恢复前不备份当前数据。")
@click.option("--other-key", is_flag=True, help="备份的加密密钥与当前 ENCRYPTION_KEY 不同时仍然恢复。")
@with_appcontext
def backup_restore(file, yes, no_safety_backup, other_key):
    """用备份 FILE 替换当前的数据库和上传文件（先核对，核对不过什么都不改）。"""
    if not yes:
        click.confirm(f"将用 {file} 替换当前数据库和上传文件。{STOP_APP}\n继续吗？", abort=True)
    restore_backup(file, safety_backup=not no_safety_backup, other_key=other_key)
