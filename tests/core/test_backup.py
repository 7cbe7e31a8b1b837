"""Backups a county can restore: the SQLite online backup taken while the service writes, restores
that keep the replaced database aside and refuse what this code cannot run, and the restore drill's
check (every table's row count and checksum) on SQLite always and on PostgreSQL in CI's second pass."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sqlite3
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.cli import main
from core import backup as backup_module
from core.audit.models import AuditEntry
from core.backup import (
    BackupError,
    backup_postgresql,
    backup_sqlite,
    check_sqlite_file,
    find_pg_tool,
    fingerprints_path,
    read_fingerprints,
    restore_postgresql,
    restore_sqlite,
    table_fingerprints,
)
from core.config import Settings
from core.db import make_engine, make_session_factory
from core.demo import load_demo
from core.migrate import alembic_config, head_revisions, upgrade_database
from core.policy.manager import PolicyRegistry, build_registry

TODAY = dt.date(2024, 11, 20)
SMALL = 12


def sqlite_settings(path: Path) -> Settings:
    return Settings(database_url=f"sqlite+aiosqlite:///{path}", environment="development")


async def fingerprints_of(path: Path) -> dict[str, tuple[int, str]]:
    engine = make_engine(sqlite_settings(path))
    try:
        return await table_fingerprints(engine)
    finally:
        await engine.dispose()


def sqlite_checks(path: Path) -> tuple[list[str], list[tuple], set[str]]:
    """What any copy must show: integrity, no dangling reference (a torn copy would have some) and
    its schema revision."""
    conn = sqlite3.connect(path)
    try:
        integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        dangling = list(conn.execute("PRAGMA foreign_key_check"))
        revisions = {row[0] for row in conn.execute("SELECT version_num FROM alembic_version")}
    finally:
        conn.close()
    return integrity, dangling, revisions


@pytest.fixture(scope="module")
async def demo_db(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Path]:
    """A SQLite database at the code's schema with the (small) demo loaded, built once."""
    path = tmp_path_factory.mktemp("backup") / "demo.db"
    engine = make_engine(sqlite_settings(path))
    try:
        await upgrade_database(engine)
        await load_demo(
            make_session_factory(engine), build_registry(), today=TODAY, disputes_per_jurisdiction=SMALL
        )
    finally:
        await engine.dispose()
    yield path


async def test_demo_backup_restored_elsewhere_has_every_row(demo_db: Path, tmp_path: Path):
    copy = tmp_path / "backup.db"
    info = backup_sqlite(demo_db, copy)
    assert info.revisions == head_revisions()
    assert not Path(f"{copy}-wal").exists(), "a backup is one self-contained file"

    restored = tmp_path / "restored" / "caseload.db"
    restored.parent.mkdir()
    result = restore_sqlite(copy, restored)
    assert result.kept_aside is None and not result.needs_migration

    original, back = await fingerprints_of(demo_db), await fingerprints_of(restored)
    assert back == original
    # The comparison covers the real data, not empty tables.
    assert original["disputes"][0] == 4 * SMALL
    assert original["obligations"][0] > 0 and original["audit_entries"][0] > 0
    assert original["alembic_version"][0] == 1
    assert read_fingerprints(fingerprints_path(copy)) == original, "the backup's own fingerprints agree"


async def test_restore_drill_compares_with_the_backups_fingerprints(
    demo_db: Path, tmp_path: Path, monkeypatch, capsys
):
    """The monthly drill of docs/operations.md: restore elsewhere, ``caseload fingerprints --against``."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{demo_db}")
    backup_file = tmp_path / "caseload-2024-11-20.db"
    assert await asyncio.to_thread(main, ["backup", str(backup_file)]) == 0
    drill = tmp_path / "drill.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{drill}")
    assert await asyncio.to_thread(main, ["restore", str(backup_file)]) == 0
    capsys.readouterr()
    saved = str(fingerprints_path(backup_file))
    assert await asyncio.to_thread(main, ["fingerprints", "--against", saved]) == 0
    assert "matches the backup" in capsys.readouterr().out

    conn = sqlite3.connect(drill)
    with conn:
        conn.execute(
            "UPDATE disputes SET summary = summary || '（改）' WHERE id = (SELECT min(id) FROM disputes)"
        )
        conn.execute("DELETE FROM audit_entries WHERE id = (SELECT max(id) FROM audit_entries)")
    conn.close()
    assert await asyncio.to_thread(main, ["fingerprints", "--against", saved]) == 1
    err = capsys.readouterr().err
    assert "disputes: 行数相同但内容不同" in err and "audit_entries: 行数" in err


async def test_restore_over_a_database_keeps_the_replaced_one_aside(demo_db: Path, tmp_path: Path):
    live = tmp_path / "live.db"
    backup_sqlite(demo_db, live)  # a working database, as the service left it
    snapshot = tmp_path / "snapshot.db"
    backup_sqlite(live, snapshot)
    before = await fingerprints_of(live)

    # Work done after the backup: it is what the restore replaces, and what is kept aside.
    engine = make_engine(sqlite_settings(live))
    try:
        async with make_session_factory(engine)() as session, session.begin():
            session.add(AuditEntry(actor="张三", role="unit", action="dispute.create", entity_type="dispute"))
    finally:
        await engine.dispose()
    changed = await fingerprints_of(live)
    assert changed != before

    with pytest.raises(BackupError, match="--force"):
        restore_sqlite(snapshot, live)
    assert await fingerprints_of(live) == changed, "a refused restore changes nothing"

    result = restore_sqlite(snapshot, live, force=True, now=dt.datetime(2024, 11, 20, 2, 30, tzinfo=dt.UTC))
    assert result.kept_aside == tmp_path / "live.db.before-restore-20241120T023000Z"
    assert await fingerprints_of(live) == before
    assert await fingerprints_of(result.kept_aside) == changed
    integrity, dangling, revisions = sqlite_checks(live)
    assert integrity == ["ok"] and dangling == [] and revisions == head_revisions()


async def test_backup_while_the_service_writes_is_consistent(tmp_path: Path):
    """Transactions of two audit rows each commit while backups run; every copy is sound, at the
    schema head, and holds whole transactions only (never one row of a pair)."""
    live = tmp_path / "busy.db"
    engine = make_engine(sqlite_settings(live))
    await upgrade_database(engine)
    factory = make_session_factory(engine)
    stop = asyncio.Event()
    written = 0

    async def writer() -> None:
        nonlocal written
        while not stop.is_set():
            async with factory() as session, session.begin():
                tag = f"pair-{written}"
                for side in ("before", "after"):
                    session.add(
                        AuditEntry(
                            actor="writer",
                            role="unit",
                            action="dispute.update",
                            entity_type=side,
                            request_id=tag,
                        )
                    )
            written += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(writer())
    seen: list[int] = []
    try:
        while len(seen) < 6:
            await asyncio.sleep(0.05)
            copy = tmp_path / f"copy-{len(seen)}.db"
            await asyncio.to_thread(backup_sqlite, live, copy)
            integrity, dangling, revisions = sqlite_checks(copy)
            assert integrity == ["ok"] and dangling == []
            assert revisions == head_revisions()
            conn = sqlite3.connect(copy)
            try:
                rows = conn.execute("SELECT count(*) FROM audit_entries").fetchone()[0]
                halves = conn.execute(
                    "SELECT count(*) FROM (SELECT request_id FROM audit_entries GROUP BY request_id "
                    "HAVING count(*) <> 2)"
                ).fetchone()[0]
            finally:
                conn.close()
            assert halves == 0, "a copy holds half a transaction"
            seen.append(rows)
    finally:
        stop.set()
        await task
        async with factory() as session:
            total = await session.scalar(select(func.count()).select_from(AuditEntry))
        await engine.dispose()
    # The backups really ran between writes: they saw different, growing states of whole pairs.
    assert len(set(seen)) > 1 and seen == sorted(seen)
    assert all(rows % 2 == 0 for rows in seen) and seen[-1] <= (total or 0)


async def test_restore_of_an_older_backup_migrates_it(tmp_path: Path, monkeypatch, capsys):
    scripts = ScriptDirectory.from_config(alembic_config())
    (head,) = head_revisions()
    previous = scripts.get_revision(head).down_revision
    assert isinstance(previous, str)
    old = tmp_path / "old.db"
    engine = make_engine(sqlite_settings(old))
    try:
        await upgrade_database(engine, previous)
    finally:
        await engine.dispose()
    backup_file = tmp_path / "old-backup.db"
    backup_sqlite(old, backup_file)

    target = tmp_path / "caseload.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{target}")
    assert await asyncio.to_thread(main, ["restore", str(backup_file)]) == 0
    assert "migrating" in capsys.readouterr().out
    assert sqlite_checks(target)[2] == head_revisions()


def test_a_newer_schema_is_refused_with_its_own_message(demo_db: Path, tmp_path: Path, monkeypatch, capsys):
    newer = tmp_path / "newer.db"
    backup_sqlite(demo_db, newer)
    conn = sqlite3.connect(newer)
    with conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    conn.close()
    with pytest.raises(BackupError, match="newer than this code") as caught:
        check_sqlite_file(newer)
    assert caught.value.message_zh.startswith("数据库结构比本程序新")

    target = tmp_path / "caseload.db"
    backup_sqlite(demo_db, target)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{target}")
    assert main(["restore", str(newer), "--force"]) == 2
    err = capsys.readouterr().err.strip()
    assert "数据库结构比本程序新" in err and "newer than this code" in err
    assert sqlite_checks(target)[2] == head_revisions(), "the database was left as it was"
    assert not list(tmp_path.glob("caseload.db.before-restore-*"))


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: d / "missing.db", "备份文件不存在"),
        (lambda d: (d / "notes.txt").write_text("不是数据库") and d / "notes.txt", "不是 SQLite 数据库文件"),
        (lambda d: d, "不是文件"),
    ],
    ids=["missing", "not-sqlite", "directory"],
)
def test_restore_refuses_a_bad_file_in_one_line(tmp_path: Path, monkeypatch, capsys, make, expected):
    source = make(tmp_path)
    target = tmp_path / "db" / "caseload.db"
    target.parent.mkdir()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{target}")
    assert main(["restore", str(source)]) == 2
    err = capsys.readouterr().err.strip()
    assert expected in err and " / " in err and len(err.splitlines()) == 1, err
    assert not target.exists(), "nothing was written"


def test_a_sqlite_file_that_is_not_caseload_is_refused(tmp_path: Path):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    with pytest.raises(BackupError) as caught:
        check_sqlite_file(other)
    assert "不是 caseload 数据库" in caught.value.message_zh


def test_backup_refuses_wrong_paths_in_one_line(demo_db: Path, tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'nowhere.db'}")
    assert main(["backup", str(tmp_path / "b.db")]) == 2
    assert "数据库文件不存在" in capsys.readouterr().err

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{demo_db}")
    assert main(["backup", str(tmp_path / "no-such-dir" / "b.db")]) == 2
    assert "目标目录不存在" in capsys.readouterr().err
    existing = tmp_path / "taken.db"
    existing.write_bytes(b"")
    assert main(["backup", str(existing)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["backup", str(existing), "--force"]) == 0
    assert check_sqlite_file(existing) == head_revisions()

    monkeypatch.setenv("DATABASE_URL", "sqlite+aiosqlite:///:memory:")
    assert main(["backup", str(tmp_path / "m.db")]) == 2
    assert "内存数据库无法备份" in capsys.readouterr().err


def test_restore_refuses_a_database_in_the_middle_of_a_write(demo_db: Path, tmp_path: Path):
    live = tmp_path / "live.db"
    backup_sqlite(demo_db, live)
    snapshot = tmp_path / "snapshot.db"
    backup_sqlite(demo_db, snapshot)
    busy = sqlite3.connect(live, isolation_level=None)
    try:
        busy.execute("BEGIN IMMEDIATE")
        busy.execute("DELETE FROM audit_entries")
        with pytest.raises(BackupError, match="in use") as caught:
            restore_sqlite(snapshot, live, force=True)
        assert "正在使用" in caught.value.message_zh
    finally:
        busy.execute("ROLLBACK")
        busy.close()
    assert not list(tmp_path.glob("live.db.before-restore-*"))


def test_missing_pg_tools_are_named(monkeypatch, tmp_path: Path):
    monkeypatch.setattr(backup_module.shutil, "which", lambda name: None)
    monkeypatch.setattr(backup_module, "PG_LIB", tmp_path)
    with pytest.raises(BackupError, match="pg_dump not found") as caught:
        find_pg_tool("pg_dump")
    assert caught.value.message_zh.startswith("找不到 pg_dump")
    (tmp_path / "15" / "bin").mkdir(parents=True)
    (tmp_path / "16" / "bin").mkdir(parents=True)
    (tmp_path / "15" / "bin" / "pg_dump").touch()
    (tmp_path / "16" / "bin" / "pg_dump").touch()
    assert find_pg_tool("pg_dump") == str(tmp_path / "16" / "bin" / "pg_dump")


def test_restore_on_postgresql_prints_the_procedure(monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", "postgresql://caseload@db.invalid/caseload")
    monkeypatch.setenv("CASELOAD_SECRET_KEY", "k" * 32)
    assert main(["restore", "/backups/caseload.dump"]) == 2
    err = capsys.readouterr().err
    assert "pg_restore" in err and "/backups/caseload.dump" in err and "caseload migrate" in err


POSTGRESQL = (os.environ.get("DATABASE_URL") or "").startswith("postgres")


@pytest.mark.skipif(not POSTGRESQL, reason="needs DATABASE_URL=postgresql://… (CI's second pass)")
async def test_postgresql_dump_restored_into_a_fresh_database_has_every_row(
    engine: AsyncEngine,
    session_factory: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
    settings: Settings,
    tmp_path: Path,
):
    await load_demo(session_factory, registry, today=TODAY, disputes_per_jurisdiction=SMALL)
    dump = tmp_path / "caseload.dump"
    info = await backup_postgresql(settings.database_url, dump)
    assert dump.read_bytes()[:5] == b"PGDMP" and info.revisions == head_revisions()
    saved = read_fingerprints(fingerprints_path(dump))

    fresh_name = f"caseload_restore_{uuid.uuid4().hex[:8]}"
    admin = make_engine(settings, isolation_level="AUTOCOMMIT")
    fresh_url = engine.url.set(database=fresh_name).render_as_string(hide_password=False)
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{fresh_name}"'))
        restore_postgresql(dump, fresh_url)
        fresh = make_engine(Settings(database_url=fresh_url, environment="development"))
        try:
            original, restored = await table_fingerprints(engine), await table_fingerprints(fresh)
        finally:
            await fresh.dispose()
        assert restored == original == saved
        assert original["disputes"][0] == 4 * SMALL and original["alembic_version"][0] == 1
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{fresh_name}" WITH (FORCE)'))
        await admin.dispose()
