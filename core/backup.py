"""Backups and restores of the database (``caseload backup`` / ``caseload restore``).

The embedded SQLite is copied with SQLite's online backup API (``sqlite3.Connection.backup``): the
copy is one consistent snapshot even while the service serves and writes (WAL readers do not block
writers), is checked (``PRAGMA integrity_check``) and is left as a single file (no ``-wal``).

For PostgreSQL ``caseload backup`` runs ``pg_dump -Fc`` itself rather than printing the command:
operators get the same one command on both databases, the password travels in ``PGPASSWORD`` (never
on a command line ``ps`` shows), and pg_dump's own snapshot makes the dump consistent while the
service runs. Restoring PostgreSQL is deliberately *not* automated: the documented procedure
(docs/operations.md) restores into a fresh database and switches ``DATABASE_URL``, which leaves the
old database untouched until the drill's comparison says the new one is good.

``table_fingerprints`` (row count and SHA-256 of the rows, by primary key, per table) is the check
of a restore drill and of the tests, on both databases: every backup leaves the fingerprints of
exactly what it holds in ``FILE.fingerprints.json``, and ``caseload fingerprints --against`` compares
a restored database with them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, Table, create_engine, select, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from core.errors import DomainError
from core.migrate import head_revisions, newer_schema_error

SQLITE_MAGIC = b"SQLite format 3\x00"
# How long a backup or restore waits for a writer's lock before giving up (milliseconds).
BUSY_TIMEOUT_MS = 10_000
# Where Debian and Ubuntu install each PostgreSQL version's client tools.
PG_LIB = Path("/usr/lib/postgresql")


class BackupError(DomainError):
    """A backup or restore that cannot be done; nothing was changed."""

    def __init__(self, message_zh: str, message_en: str, field: str = "FILE") -> None:
        super().__init__("backup_refused", message_zh, message_en, field)


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    revisions: frozenset[str]
    size: int

    def summary(self) -> str:
        revs = f", schema revision {', '.join(sorted(self.revisions))}" if self.revisions else ""
        return f"备份已写入 / backup written: {self.path} ({self.size} bytes{revs})"


@dataclass(frozen=True)
class RestoreInfo:
    database: Path
    revisions: frozenset[str]
    kept_aside: Path | None

    @property
    def needs_migration(self) -> bool:
        return set(self.revisions) != head_revisions()


# --- SQLite ---------------------------------------------------------------------------------------


def sqlite_path(database_url: str) -> Path:
    """The file of a SQLite ``DATABASE_URL``; an in-memory database has none to back up."""
    database = make_url(database_url).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        raise BackupError(
            "内存数据库无法备份：请在 DATABASE_URL 中指定数据库文件",
            "an in-memory database cannot be backed up: DATABASE_URL must name a file",
            "DATABASE_URL",
        )
    return Path(database)


def _connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}?mode={'ro' if readonly else 'rwc'}"
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return conn


def _revisions(conn: sqlite3.Connection) -> frozenset[str]:
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).fetchone()
    if not has_table:
        return frozenset()
    return frozenset(row[0] for row in conn.execute("SELECT version_num FROM alembic_version"))


def _integrity_problem(conn: sqlite3.Connection) -> str | None:
    rows = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    return None if rows == ["ok"] else "; ".join(rows[:3])


def check_sqlite_file(path: Path) -> frozenset[str]:
    """What a backup file must be before it replaces a database: a sound caseload SQLite database
    whose schema this code knows. Returns its schema revisions; raises ``BackupError`` otherwise."""
    if not path.exists():
        raise BackupError(f"备份文件不存在：{path}", f"backup file not found: {path}")
    if not path.is_file():
        raise BackupError(f"不是文件：{path}", f"not a file: {path}")
    with path.open("rb") as fh:
        magic = fh.read(len(SQLITE_MAGIC))
    if magic != SQLITE_MAGIC:
        raise BackupError(f"不是 SQLite 数据库文件：{path}", f"not a SQLite database file: {path}")
    try:
        conn = _connect(path, readonly=True)
        try:
            problem = _integrity_problem(conn)
            revisions = _revisions(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(
            f"备份文件已损坏，无法读取：{path}（{exc}）", f"backup file is damaged: {path} ({exc})"
        ) from None
    if problem is not None:
        raise BackupError(
            f"备份文件完整性检查未通过：{path}（{problem}）",
            f"backup file fails the integrity check: {path} ({problem})",
        )
    if not revisions:
        raise BackupError(
            f"该文件不是 caseload 数据库（没有结构版本）：{path}",
            f"not a caseload database (no schema revision): {path}",
        )
    newer = newer_schema_error(set(revisions))
    if newer is not None:
        raise BackupError(str(newer).split(" / ")[0], str(newer).split(" / ", 1)[-1])
    return revisions


def _check_target(target: Path, overwrite: bool) -> None:
    """A backup's target: a file name in an existing directory, not overwritten without --force."""
    if target.is_dir():
        raise BackupError(
            f"目标是目录，请给出文件名：{target}", f"target is a directory, name a file: {target}"
        )
    if not target.parent.is_dir():
        raise BackupError(
            f"目标目录不存在：{target.parent}", f"target directory does not exist: {target.parent}"
        )
    if target.exists() and not overwrite:
        raise BackupError(
            f"目标文件已存在：{target}（如需覆盖请加 --force）",
            f"target file exists: {target} (add --force to overwrite)",
        )


def backup_sqlite(database: Path, target: Path, *, overwrite: bool = False) -> BackupInfo:
    """Copy ``database`` to ``target`` with the online backup API, safe while the service writes.

    The copy is written beside the target under a temporary name, checked, switched out of WAL (one
    self-contained file) and only then renamed into place: a failed backup leaves no half file.
    """
    if not database.is_file():
        raise BackupError(
            f"数据库文件不存在：{database}（检查 DATABASE_URL）",
            f"database file not found: {database} (check DATABASE_URL)",
            "DATABASE_URL",
        )
    _check_target(target, overwrite)
    if target.resolve() == database.resolve():
        raise BackupError("备份不能写到数据库自身", "the backup cannot be the database itself")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    try:
        source = _connect(database)
        try:
            copy = _connect(partial)
            try:
                # pages=-1: the whole database in one step, under one read snapshot. (Copying in
                # steps would restart whenever another connection writes, possibly for ever.)
                source.backup(copy, pages=-1)
                copy.execute("PRAGMA journal_mode=DELETE")
                problem = _integrity_problem(copy)
                revisions = _revisions(copy)
            finally:
                copy.close()
        finally:
            source.close()
        if problem is not None:  # pragma: no cover - would mean the source itself is damaged
            raise BackupError(
                f"备份完整性检查未通过（{problem}），数据库可能已损坏",
                f"the copy fails the integrity check ({problem}); the database may be damaged",
            )
        fingerprints = sqlite_file_fingerprints(partial)
        os.replace(partial, target)
        write_fingerprints(fingerprints_path(target), fingerprints)
    except sqlite3.DatabaseError as exc:
        raise BackupError(
            f"无法读取数据库 {database}：{exc}", f"cannot read the database {database}: {exc}", "DATABASE_URL"
        ) from None
    finally:
        partial.unlink(missing_ok=True)
    return BackupInfo(target, revisions, target.stat().st_size)


def restore_sqlite(
    backup: Path, database: Path, *, force: bool = False, now: dt.datetime | None = None
) -> RestoreInfo:
    """Replace ``database`` with the contents of ``backup``; the replaced database is kept aside.

    The service must be stopped first. That cannot be detected reliably (the API opens a connection
    per request, so an idle server holds none), hence replacing an existing database needs
    ``force`` — the operator's word that the service is stopped. What *can* be seen is refused even
    then: a connection in the middle of a transaction (the database is locked).
    """
    revisions = check_sqlite_file(backup)
    if backup.resolve() == database.resolve():
        raise BackupError("备份文件就是当前数据库", "the backup file is the database itself")
    if database.is_dir():
        raise BackupError(
            f"DATABASE_URL 指向目录：{database}",
            f"DATABASE_URL names a directory: {database}",
            "DATABASE_URL",
        )
    if not database.parent.is_dir():
        raise BackupError(
            f"数据库目录不存在：{database.parent}（检查 DATABASE_URL）",
            f"database directory does not exist: {database.parent} (check DATABASE_URL)",
            "DATABASE_URL",
        )
    kept: Path | None = None
    if database.exists():
        if not force:
            raise BackupError(
                f"将替换现有数据库 {database}：请先停止 caseload 服务和 worker，再加 --force 执行",
                f"this replaces the database {database}: stop the caseload service and workers first, "
                "then run again with --force",
            )
        stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
        kept = database.with_name(f"{database.name}.before-restore-{stamp}")
    try:
        target = _connect(database)
        try:
            # A writer's lock, taken and let go at once: refused if another connection is in the
            # middle of writing (the one sign of a running service SQLite gives for certain).
            target.execute("PRAGMA busy_timeout=0")
            try:
                target.execute("BEGIN EXCLUSIVE")
                target.execute("COMMIT")
            except sqlite3.OperationalError:
                raise BackupError(
                    f"数据库正在使用中：{database}，请先停止 caseload 服务和 worker",
                    f"the database is in use: {database}; stop the caseload service and workers first",
                    "DATABASE_URL",
                ) from None
            target.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            if kept is not None:
                aside = _connect(kept)
                try:
                    target.backup(aside, pages=-1)
                    aside.execute("PRAGMA journal_mode=DELETE")
                finally:
                    aside.close()
            # Back up *into* the database: SQLite replaces every page under its own lock and deals
            # with the WAL; the destination must not be in WAL mode if page sizes differ.
            target.execute("PRAGMA journal_mode=DELETE")
            source = _connect(backup, readonly=True)
            try:
                source.backup(target, pages=-1)
            finally:
                source.close()
            target.execute("PRAGMA journal_mode=WAL")
            problem = _integrity_problem(target)
        finally:
            target.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(
            f"恢复失败：{exc}（原数据库{'已另存为 ' + str(kept) if kept else '未改动'}）",
            f"restore failed: {exc} "
            f"(the previous database {'is kept as ' + str(kept) if kept else 'was not changed'})",
            "DATABASE_URL",
        ) from None
    if problem is not None:  # pragma: no cover - the backup passed the same check a moment ago
        raise BackupError(
            f"恢复后的数据库完整性检查未通过：{problem}",
            f"restored database fails the integrity check: {problem}",
        )
    return RestoreInfo(database, revisions, kept)


# --- PostgreSQL -----------------------------------------------------------------------------------


def find_pg_tool(name: str) -> str:
    """``pg_dump`` / ``pg_restore``: on PATH, else the newest under /usr/lib/postgresql/*/bin (Debian
    and Ubuntu install them there). pg_dump must be at least the server's version."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        PG_LIB.glob(f"*/bin/{name}"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return str(candidates[-1])
    raise BackupError(
        f"找不到 {name}：请安装 PostgreSQL 客户端工具（如 postgresql-client），或把它所在目录加入 PATH",
        f"{name} not found: install the PostgreSQL client tools (e.g. postgresql-client) or add them to PATH",
        name,
    )


def libpq_args(database_url: str) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump / pg_restore from a SQLAlchemy URL, and the environment that
    carries the password (``PGPASSWORD``), so it never appears in a process list."""
    url = make_url(database_url)
    args: list[str] = []
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    args += ["--dbname", url.database or ""]
    return args, env


def _run(cmd: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        last = detail[-1] if detail else f"exit status {result.returncode}"
        raise BackupError(
            f"{what}失败：{last}", f"{cmd[0].rsplit('/', 1)[-1]} failed: {last}", "DATABASE_URL"
        )


async def backup_postgresql(database_url: str, target: Path, *, overwrite: bool = False) -> BackupInfo:
    """``pg_dump -Fc`` of the database to ``target`` (a custom-format archive for pg_restore), and
    the fingerprints of exactly what it holds beside it.

    A REPEATABLE READ transaction exports its snapshot and pg_dump dumps that same snapshot
    (``--snapshot``) while the fingerprints are read in it: the two agree however busy the service is.
    """
    _check_target(target, overwrite)
    pg_dump = find_pg_tool("pg_dump")
    args, env = libpq_args(database_url)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="REPEATABLE READ")
            async with conn.begin():
                snapshot = (await conn.execute(text("SELECT pg_export_snapshot()"))).scalar_one()
                fingerprints = await conn.run_sync(_fingerprints)
                revisions = frozenset(
                    (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars()
                )
                cmd = [pg_dump, "-Fc", "--no-owner", f"--snapshot={snapshot}", "--file", str(partial), *args]
                await asyncio.to_thread(_run, cmd, env, "pg_dump 备份")
        os.replace(partial, target)
        write_fingerprints(fingerprints_path(target), fingerprints)
    finally:
        partial.unlink(missing_ok=True)
        await engine.dispose()
    return BackupInfo(target, revisions, target.stat().st_size)


def restore_postgresql(dump: Path, database_url: str) -> None:
    """``pg_restore`` of a ``pg_dump -Fc`` archive into an *empty* database (the drill's fresh one)."""
    if not dump.is_file():
        raise BackupError(f"备份文件不存在：{dump}", f"backup file not found: {dump}")
    with dump.open("rb") as fh:
        if fh.read(5) != b"PGDMP":
            raise BackupError(
                f"不是 pg_dump -Fc 备份文件：{dump}", f"not a pg_dump custom-format archive: {dump}"
            )
    args, env = libpq_args(database_url)
    _run(
        [
            find_pg_tool("pg_restore"),
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            *args,
            str(dump),
        ],
        env,
        "pg_restore 恢复",
    )


POSTGRESQL_RESTORE_STEPS = """\
PostgreSQL 的恢复不自动替换正在使用的数据库 / restoring PostgreSQL does not overwrite the live database:
  1. createdb caseload_restored                      # 新建空库 / a fresh, empty database
  2. pg_restore --no-owner --exit-on-error --single-transaction -d caseload_restored {file}
  3. 停止服务，把 DATABASE_URL 指向 caseload_restored，运行 caseload migrate，再启动
     stop the service, point DATABASE_URL at caseload_restored, run caseload migrate, start it
  (docs/operations.md, "备份与恢复 / Backup and restore")"""


# --- the check of a restore -----------------------------------------------------------------------


def _canonical(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


def _fingerprints(conn: Connection) -> dict[str, tuple[int, str]]:
    metadata = MetaData()
    metadata.reflect(conn)
    result: dict[str, tuple[int, str]] = {}
    for name in sorted(metadata.tables):
        table: Table = metadata.tables[name]
        order = list(table.primary_key.columns) or list(table.columns)
        digest = hashlib.sha256()
        count = 0
        for row in conn.execute(select(table).order_by(*order)):
            digest.update(json.dumps([_canonical(v) for v in row], ensure_ascii=False).encode())
            digest.update(b"\n")
            count += 1
        result[name] = (count, digest.hexdigest())
    return result


def sqlite_file_fingerprints(path: Path) -> dict[str, tuple[int, str]]:
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return _fingerprints(conn)
    finally:
        engine.dispose()


def fingerprints_path(backup: Path) -> Path:
    """Where ``caseload backup`` leaves the fingerprints of what ``backup`` holds."""
    return backup.with_name(f"{backup.name}.fingerprints.json")


def write_fingerprints(path: Path, fingerprints: dict[str, tuple[int, str]]) -> None:
    body = {name: {"rows": count, "sha256": digest} for name, (count, digest) in fingerprints.items()}
    path.write_text(json.dumps(body, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def read_fingerprints(path: Path) -> dict[str, tuple[int, str]]:
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        return {name: (int(v["rows"]), str(v["sha256"])) for name, v in body.items()}
    except FileNotFoundError:
        raise BackupError(f"指纹文件不存在：{path}", f"fingerprint file not found: {path}") from None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BackupError(
            f"不是 caseload 指纹文件：{path}", f"not a caseload fingerprint file: {path}"
        ) from None


def compare_fingerprints(
    expected: dict[str, tuple[int, str]], actual: dict[str, tuple[int, str]]
) -> list[str]:
    """One line per table that differs (missing, extra, other count or other rows); empty when equal."""
    problems = []
    for name in sorted(set(expected) | set(actual)):
        if name not in actual:
            problems.append(f"{name}: 缺少此表 / table missing")
        elif name not in expected:
            problems.append(f"{name}: 多出此表 / unexpected table")
        elif expected[name][0] != actual[name][0]:
            problems.append(f"{name}: 行数 {actual[name][0]}，应为 {expected[name][0]} / rows differ")
        elif expected[name][1] != actual[name][1]:
            problems.append(f"{name}: 行数相同但内容不同 / same row count, different rows")
    return problems


async def table_fingerprints(engine: AsyncEngine) -> dict[str, tuple[int, str]]:
    """Every table of the database (as it is, reflected; ``alembic_version`` included): its row
    count and the SHA-256 of its rows in primary-key order. Two databases with equal fingerprints
    hold the same data; compare within one kind of database (values are rendered as its driver
    returns them)."""
    async with engine.connect() as conn:
        return await conn.run_sync(_fingerprints)
