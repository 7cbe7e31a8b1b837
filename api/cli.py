"""The ``caseload`` command: migrate, serve, load demo data, import ledgers, check plugins, back up and
restore."""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import os
import sys
from collections.abc import Sequence

from core.config import Settings, env_int
from core.errors import ConfigurationError, DomainError

DEV_BANNER = """
************************************************************************
*  caseload: DEVELOPMENT MODE (--dev)                                  *
*  Anyone who can reach this port acts as a system administrator:      *
*  X-Caseload-* identity headers are trusted, GraphiQL is on.          *
*  For trying caseload out only. Never expose this to a network.      *
*  开发模式：任何能访问本端口的人都具有系统管理员权限，切勿用于生产。  *
************************************************************************
"""


def _settings() -> Settings:
    return Settings.from_env()


async def _migrate(settings: Settings) -> None:
    from core.db import make_engine
    from core.migrate import current_revisions, upgrade_database

    engine = make_engine(settings)
    try:
        await upgrade_database(engine)
        revisions = ", ".join(sorted(await current_revisions(engine)))
        print(f"database at revision {revisions} ({engine.url.render_as_string()})")
    finally:
        await engine.dispose()


async def _demo(settings: Settings, reset: bool) -> None:
    from core.db import make_engine, make_session_factory
    from core.demo import load_demo, stderr_demo_progress
    from core.migrate import ensure_migrated
    from core.policy.manager import build_registry

    engine = make_engine(settings)
    try:
        await ensure_migrated(engine)
        summary = await load_demo(
            make_session_factory(engine), build_registry(), reset=reset, progress=stderr_demo_progress()
        )
        print(summary)
    finally:
        await engine.dispose()


async def _worker(
    settings: Settings,
    *,
    once: bool,
    interval: float,
    dry_run: bool,
    now: str | None,
    metrics_port: int | None = None,
    metrics_host: str = "127.0.0.1",
) -> None:
    import datetime as dt

    from api.app import validate_registry
    from core.clock import fixed_clock, system_clock
    from core.db import make_engine, make_session_factory
    from core.indicators.cache import build_cache, invalidation_hook
    from core.migrate import ensure_migrated
    from core.notify.bus import make_bus, publish_changes
    from core.policy.manager import build_registry
    from core.worker import Worker, make_redis, wait_for_database

    # As the server does: a broken plugin is isolated, and the worker skips its jurisdictions.
    registry = build_registry(isolate=True)
    validate_registry(registry)
    engine = make_engine(settings)
    redis = await make_redis(settings)
    bus = make_bus(settings)
    if metrics_port is not None:
        # The worker's own /metrics (dependency errors, Redis breaker): prometheus_client's server.
        from prometheus_client import start_http_server

        from core.resilience import REGISTRY

        start_http_server(metrics_port, addr=metrics_host, registry=REGISTRY)
    try:
        if once:
            await ensure_migrated(engine)
        else:
            # A worker started while the database restarts waits for it (a wrong schema still stops it).
            await wait_for_database(lambda: ensure_migrated(engine))
        clock = fixed_clock(dt.datetime.fromisoformat(now)) if now else system_clock
        worker = Worker(
            settings=settings,
            session_factory=make_session_factory(engine),
            registry=registry,
            clock=clock,
            dry_run=dry_run,
            redis=redis,
        )
        worker.after_commit.append(functools.partial(publish_changes, bus))
        if settings.redis_url:
            # API processes share their dashboard cache through Redis: what the worker changes
            # (obligations met on time, overdue) must invalidate it too.
            cache = build_cache(settings.redis_url, settings.redis_timeout)
            worker.after_commit.append(invalidation_hook(cache))
        if once:
            for report in await worker.tick():
                print(report.summary())
        else:
            await worker.run_forever(interval)
    finally:
        await bus.close()
        if redis is not None:
            await redis.aclose()  # type: ignore[attr-defined]
        await engine.dispose()


async def _create_admin(settings: Settings, username: str, password: str) -> None:
    from core.auth.service import bootstrap_admin
    from core.db import make_engine, make_session_factory
    from core.migrate import ensure_migrated

    engine = make_engine(settings)
    try:
        await ensure_migrated(engine)
        async with make_session_factory(engine)() as session, session.begin():
            user = await bootstrap_admin(session, username=username, password=password)
        print(f"created system administrator {user.username!r} (id {user.id})")
    finally:
        await engine.dispose()


def _backup(settings: Settings, file: str, *, force: bool) -> int:
    """``caseload backup FILE``: the logic is in core/backup.py (SQLite online backup, pg_dump)."""
    from pathlib import Path

    from core.backup import backup_postgresql, backup_sqlite, sqlite_path

    target = Path(file)
    if settings.is_sqlite:
        info = backup_sqlite(sqlite_path(settings.database_url), target, overwrite=force)
    else:
        info = asyncio.run(backup_postgresql(settings.database_url, target, overwrite=force))
    print(info.summary())
    return 0


async def _fingerprints(settings: Settings, against: str | None) -> int:
    """Row count and checksum of every table; with ``--against``, the restore drill's check."""
    from pathlib import Path

    from core.backup import compare_fingerprints, read_fingerprints, table_fingerprints
    from core.db import make_engine

    expected = read_fingerprints(Path(against)) if against else None
    engine = make_engine(settings)
    try:
        actual = await table_fingerprints(engine)
    finally:
        await engine.dispose()
    if expected is None:
        for name, (count, digest) in actual.items():
            print(f"{name}\t{count}\t{digest}")
        return 0
    problems = compare_fingerprints(expected, actual)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(
            f"与备份不一致：{len(problems)} 张表 / differs from the backup in {len(problems)} tables",
            file=sys.stderr,
        )
        return 1
    print(f"与备份一致：{len(actual)} 张表 / matches the backup: {len(actual)} tables")
    return 0


def _restore(settings: Settings, file: str, *, force: bool) -> int:
    """``caseload restore FILE``: SQLite is replaced (old file kept aside) and migrated to the code's
    schema; PostgreSQL gets the documented procedure (restore into a fresh database) instead."""
    from pathlib import Path

    from core.backup import POSTGRESQL_RESTORE_STEPS, restore_sqlite, sqlite_path

    if not settings.is_sqlite:
        print(POSTGRESQL_RESTORE_STEPS.format(file=file), file=sys.stderr)
        return 2
    info = restore_sqlite(Path(file), sqlite_path(settings.database_url), force=force)
    if info.kept_aside is not None:
        print(f"原数据库已另存为 / the replaced database is kept as {info.kept_aside}")
    revisions = ", ".join(sorted(info.revisions))
    print(f"已从 {file} 恢复 / restored from {file} (schema revision {revisions})")
    if info.needs_migration:
        print("备份的数据库结构较旧，正在升级 / the backup's schema is older: migrating")
        asyncio.run(_migrate(settings))
    return 0


def _plugins_check(*, strict: bool = False, sources: str | None = None) -> int:
    """Load every plugin and run the conformance kit on each: the same verdicts as in a plugin's tests.

    Every deadline rule is listed with the escalation chain it is escalated by (``>`` lines): the one
    it names, or, said explicitly, the ``default`` chain it inherits (the national one unless the
    plugin replaces it). An inherited chain is also a warning; ``--strict`` (for CI) turns warnings
    into failures. Each national rule a county
    replaces (``DeadlineRule.replaces``) is listed with the county rule taking its place.
    """
    from pathlib import Path

    from core.policy.conformance import check_plugin, collect_rules, replaced_national_rules
    from core.policy.manager import PluginError, build_registry

    try:
        registry = build_registry()
    except PluginError as exc:
        print(f"FAIL {exc.plugin}: {exc.problem}", file=sys.stderr)
        return 1
    sources_dir = Path(sources) if sources else None
    failed = False
    for name in registry.plugin_names:
        report = check_plugin(name, registry=registry, sources_dir=sources_dir)
        total = sum(report.rule_counts.values())
        counts = ", ".join(f"{k} {v}" for k, v in report.rule_counts.items() if v)
        bad = not report.ok or (strict and bool(report.warnings))
        failed = failed or bad
        status = "FAIL" if bad else "ok  "
        title = registry.policy(name).profile
        label = title.name if title is not None and hasattr(title, "name") else name
        print(f"{status} {name:<12} {label} [{registry.origins.get(name, '?')}] {total} rules ({counts})")
        if report.ok:
            replaced = replaced_national_rules(collect_rules(registry, name))
            for national, county in replaced:
                print(f"     = replaces national rule {national} with {county}")
            if not replaced:
                print("     = replaces no national rule (every statutory deadline applies)")
        for problem in report.problems:
            print(f"     - {problem}")
        for rule_id, chain in report.escalations.items():
            print(f"     > {rule_id} escalates by {chain}")
        for warning in report.warnings:
            print(f"     ~ {warning}")
    return 1 if failed else 0


def _plugins_new(code: str | None, path: str | None) -> int:
    from pathlib import Path

    from caseload.scaffold import scaffold

    if not code:
        print("caseload plugins new CODE --path DIR: give the plugin's code", file=sys.stderr)
        return 2
    target = Path(path or f"caseload-{code}")
    try:
        written = scaffold(code, target)
    except DomainError as exc:
        print(f"{exc.field}: {exc.message_en}", file=sys.stderr)
        return 2
    for file in written:
        print(f"created {file}")
    print(f"next: cd {target} && pip install -e . && pytest")
    return 0


def _operations_register(files: list[str], manifest: str | None) -> int:
    """Append documents to the trusted-documents manifest (api/persisted.py)."""
    from pathlib import Path

    from api.persisted import register

    target = manifest or os.environ.get("CASELOAD_TRUSTED_DOCUMENTS")
    if not target:
        print("caseload: name the manifest with --manifest or CASELOAD_TRUSTED_DOCUMENTS", file=sys.stderr)
        return 2
    try:
        added = register([Path(name) for name in files], Path(target))
    except (OSError, ValueError) as exc:
        print(f"caseload: {exc}", file=sys.stderr)
        return 1
    for key, names in added:
        print(f"registered {key} {names}")
    print(f"{len(added)} operation(s) added to {target}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="caseload", description="caseload: administrative dispute management"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="create or upgrade the database schema")
    serve = sub.add_parser("serve", help="run the GraphQL API (uvicorn)")
    serve.add_argument("--host", help="address to listen on (CASELOAD_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (CASELOAD_PORT, default 8000)")
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--demo", action="store_true", help="migrate and load demo data first (if empty)")
    serve.add_argument(
        "--dev",
        action="store_true",
        help="development mode: identity headers, anonymous administrator, GraphiQL (never in production)",
    )
    demo = sub.add_parser("demo", help="load demo data for the four jurisdictions")
    demo.add_argument("--reset", action="store_true", help="delete all data first")
    gen = sub.add_parser("generate", help="write a large realistic data set in bulk (benchmarks)")
    gen.add_argument("--jurisdictions", type=int, default=4, help="built-in four, then synthetic counties")
    gen.add_argument("--cases", type=int, default=10_000, help="disputes to generate, with their history")
    gen.add_argument("--seed", type=int, default=2024)
    gen.add_argument("--today", help="ISO date the data runs up to (default: today in China)")
    gen.add_argument("--reset", action="store_true", help="delete all data first")
    worker = sub.add_parser(
        "worker", help="scan deadlines: reminders, warnings, escalation (run one or many)"
    )
    worker.add_argument("--once", action="store_true", help="scan every jurisdiction once and exit")
    worker.add_argument("--interval", type=float, default=60.0, help="seconds between scans (default 60)")
    worker.add_argument("--dry-run", action="store_true", help="log what would be sent; write nothing")
    worker.add_argument("--now", help="pretend the time is this ISO date-time (replays, tests)")
    worker.add_argument(
        "--metrics-port",
        type=int,
        help="serve this worker's Prometheus metrics on this port (off by default)",
    )
    worker.add_argument(
        "--metrics-host", default="127.0.0.1", help="address for --metrics-port (default loopback)"
    )
    admin = sub.add_parser("create-admin", help="create a system administrator account")
    admin.add_argument("--username", default="admin")
    admin.add_argument(
        "--password-env",
        default="CASELOAD_ADMIN_PASSWORD",
        help="environment variable holding the password (else you are prompted)",
    )
    backup = sub.add_parser("backup", help="back up the database to FILE (SQLite online backup; pg_dump -Fc)")
    backup.add_argument("file", metavar="FILE")
    backup.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    restore = sub.add_parser("restore", help="replace the SQLite database with a backup (service stopped)")
    restore.add_argument("file", metavar="FILE")
    restore.add_argument(
        "--force",
        action="store_true",
        help="replace the existing database (stop the service and workers first)",
    )
    prints = sub.add_parser("fingerprints", help="row count and checksum of every table (restore drill)")
    prints.add_argument(
        "--against", metavar="FILE.fingerprints.json", help="compare with a backup's fingerprints"
    )
    plugins = sub.add_parser("plugins", help="policy plugins")
    plugins.add_argument("action", choices=["check", "list", "new"])
    plugins.add_argument("code", nargs="?", help="for new: the plugin's code (lower-case, e.g. henan_xx)")
    plugins.add_argument("--path", help="for new: the directory to create the package in")
    plugins.add_argument(
        "--strict", action="store_true", help="fail on warnings too (e.g. an inherited escalation chain)"
    )
    plugins.add_argument(
        "--sources", metavar="DIR", help="directory of the source documents: check quotes verbatim"
    )
    ledger = sub.add_parser("import", help="import an Excel ledger (as importLedger does), with progress")
    ledger.add_argument("file", metavar="FILE", help="the .xlsx ledger")
    ledger.add_argument("--jurisdiction", required=True, metavar="CODE", help="the jurisdiction's code")
    ledger.add_argument("--dry-run", action="store_true", help="check every row; write nothing")
    ledger.add_argument("--mapping", metavar="FILE.json", help="column mapping {header: field}")
    sub.add_parser("schema", help="print the GraphQL schema (SDL), as committed in schema.graphql")
    operations = sub.add_parser("operations", help="trusted documents (CASELOAD_TRUSTED_DOCUMENTS)")
    operations.add_argument("action", choices=["register"])
    operations.add_argument("files", nargs="+", metavar="FILE", help=".graphql documents or JSON manifests")
    operations.add_argument(
        "--manifest", help="the manifest to append to (default: CASELOAD_TRUSTED_DOCUMENTS)"
    )
    args = parser.parse_args(argv)
    if args.command == "schema":
        from api.schema import schema

        print(schema.as_str())
        return 0
    if args.command == "operations":
        return _operations_register(args.files, args.manifest)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        if args.command == "serve" and args.dev:
            os.environ["CASELOAD_ENV"] = "development"  # the served processes read it too
        settings = _settings()
        if args.command == "migrate":
            asyncio.run(_migrate(settings))
        elif args.command == "demo":
            asyncio.run(_demo(settings, args.reset))
        elif args.command == "generate":
            import datetime as dt

            from core.generate import GenerateOptions, run, stderr_progress

            options = GenerateOptions(
                jurisdictions=args.jurisdictions,
                cases=args.cases,
                seed=args.seed,
                today=dt.date.fromisoformat(args.today) if args.today else None,
                reset=args.reset,
            )
            print(asyncio.run(run(settings, options, progress=stderr_progress())).summary())
        elif args.command == "worker":
            asyncio.run(
                _worker(
                    settings,
                    once=args.once,
                    interval=args.interval,
                    dry_run=args.dry_run,
                    now=args.now,
                    metrics_port=args.metrics_port,
                    metrics_host=args.metrics_host,
                )
            )
        elif args.command == "create-admin":
            password = os.environ.get(args.password_env)
            if not password:
                import getpass

                password = getpass.getpass("password: ")
            asyncio.run(_create_admin(settings, args.username, password))
        elif args.command == "import":
            from api.ledger.command import run_import_command

            return asyncio.run(
                run_import_command(
                    settings, args.file, args.jurisdiction, dry_run=args.dry_run, mapping_file=args.mapping
                )
            )
        elif args.command == "backup":
            return _backup(settings, args.file, force=args.force)
        elif args.command == "fingerprints":
            return asyncio.run(_fingerprints(settings, args.against))
        elif args.command == "restore":
            return _restore(settings, args.file, force=args.force)
        elif args.command == "plugins":
            if args.action == "new":
                return _plugins_new(args.code, args.path)
            return _plugins_check(strict=args.strict, sources=args.sources)
        elif args.command == "serve":
            if args.demo:
                asyncio.run(_migrate(settings))
                asyncio.run(_demo(settings, reset=False))
            import uvicorn

            if settings.is_sqlite and not settings.redis_url and args.workers == 1:
                # The embedded default is one process: its deadline worker runs inside it.
                os.environ.setdefault("CASELOAD_INPROCESS_WORKER", "1")

            host = args.host or os.environ.get("CASELOAD_HOST") or "127.0.0.1"
            port = args.port if args.port is not None else env_int(dict(os.environ), "CASELOAD_PORT", 8000, 1)
            if settings.production:
                print(f"caseload: serving http://{host}:{port}/ (production)", file=sys.stderr)
            else:
                print(DEV_BANNER, file=sys.stderr)
                print(f"caseload: console http://{host}:{port}/ · GraphiQL http://{host}:{port}/graphql")
            uvicorn.run(
                "api.asgi:app",
                host=host,
                port=port,
                workers=args.workers,
                log_level="info",
                proxy_headers=True,
                log_config=None,
            )
    except ConfigurationError as exc:
        print(f"caseload: {exc}", file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"caseload: {exc.message_zh} / {exc.message_en}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
