"""``caseload import FILE --jurisdiction CODE [--dry-run]``: an administrator's ledger import from the
command line, with a progress bar on stderr.

It queues the same job ``importLedger`` queues (same checks, same services, same audit trail, as a
system administrator named after the OS user) and runs it in this process, unless a runner elsewhere
claims it first, in which case it follows that run. Ctrl-C cancels the job while nothing is written.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import getpass
import json
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select

from core.config import Settings
from core.enums import Role
from core.errors import DomainError
from core.principal import Principal

BAR_WIDTH = 30
REDRAW_SECONDS = 0.5
PROBLEMS_SHOWN = 50
EXIT = {"succeeded": 0, "failed": 1, "cancelled": 2}


def bar(checked: int, written: int, total: int, rate: float, dry_run: bool) -> str:
    """One line: the phase, a bar over the rows of that phase, the counts and the rate."""
    if total == 0:
        return "读取文件…… reading the file"
    writing = written > 0 and not dry_run
    done = written if writing else checked
    filled = round(BAR_WIDTH * done / total)
    phase = "写入 writing " if writing else "校验 checking"
    return (
        f"{phase} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done:,}/{total:,} "
        f"({done / total:6.1%})  {rate:,.0f} 行/秒 rows/s"
    )


async def run_import_command(
    settings: Settings,
    file: str,
    jurisdiction_code: str,
    *,
    dry_run: bool = False,
    mapping_file: str | None = None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """Queue and run the import; print the report. Exit status: 0 done, 1 not imported, 2 cancelled."""
    from core.context import ServiceContext
    from core.db import make_engine, make_session_factory
    from core.indicators.cache import build_cache, invalidation_hook
    from core.ledger import jobs
    from core.ledger.models import LedgerImportJob
    from core.migrate import ensure_migrated
    from core.notify.bus import make_bus, publish_changes
    from core.org.models import Jurisdiction
    from core.policy.manager import build_registry

    path = Path(file)
    if not path.is_file():
        print(f"文件不存在：{file} (no such file)", file=err)
        return 1
    mapping: dict[str, Any] | None = None
    if mapping_file:
        try:
            mapping = json.loads(Path(mapping_file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"列映射文件无法读取：{exc} (the mapping file is not readable JSON)", file=err)
            return 1
        if not isinstance(mapping, dict):
            print("列映射应为 {表头: 字段名} 形式的对象 (mapping must be an object)", file=err)
            return 1
    engine = make_engine(settings)
    bus = make_bus(settings)
    try:
        await ensure_migrated(engine)
        factory = make_session_factory(engine)
        registry = build_registry(isolate=True)
        principal = Principal(user=f"命令行:{getpass.getuser()}", role=Role.SYSTEM_ADMIN)
        async with factory() as session, session.begin():
            jurisdiction = await session.scalar(
                select(Jurisdiction).where(Jurisdiction.code == jurisdiction_code)
            )
            if jurisdiction is None:
                print(f"没有代码为“{jurisdiction_code}”的辖区 (no such jurisdiction)", file=err)
                return 1
            ctx = ServiceContext(session=session, principal=principal, registry=registry)
            try:
                job = await jobs.enqueue_import(
                    ctx,
                    jurisdiction_id=jurisdiction.id,
                    content=path.read_bytes(),
                    file_name=path.name,
                    mapping=mapping,
                    dry_run=dry_run,
                )
            except DomainError as exc:
                print(f"{exc.message_zh} ({exc.message_en})", file=err)
                return 1
            job_id = job.id
        print(f"{jurisdiction.name}：导入任务 {job_id}（{'试导入' if dry_run else '导入'}）", file=err)
        hooks: list[Callable[[jobs.Changes], Awaitable[None]]] = [functools.partial(publish_changes, bus)]
        if settings.redis_url:  # API processes share their dashboard cache through Redis
            hooks.append(invalidation_hook(build_cache(settings.redis_url, settings.redis_timeout)))

        async def state() -> LedgerImportJob:
            async with factory() as session:
                found = await session.get(LedgerImportJob, job_id)
                assert found is not None
                return found

        runner: asyncio.Task[Any] | None = None
        if await jobs.claim(factory, job_id) == job_id:
            runner = asyncio.create_task(jobs.run_job(factory, registry, job_id, after_commit=hooks))
        else:
            print("该任务已由服务进程执行，以下为其进度 (run by a server process)", file=err)
        loop = asyncio.get_running_loop()

        def cancel() -> None:  # Ctrl-C: stop before anything is written (the job says if too late)
            live = jobs.LIVE.get(job_id)
            if live is not None:
                live.cancel = True
            print("\n正在取消…… cancelling", file=err)

        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signal.SIGINT, cancel)
        started = time.monotonic()
        while True:
            live = jobs.LIVE.get(job_id)
            if live is not None:
                total, checked, written = live.total, live.checked, live.written
            else:
                row = await state()
                if row.status in jobs.FINISHED:
                    break
                total, checked, written = row.rows_total, row.rows_checked, row.rows_written
            elapsed = time.monotonic() - started
            rate = checked / elapsed if elapsed > 0 else 0.0
            err.write("\r" + bar(checked, written, total, rate, dry_run) + "   ")
            err.flush()
            if runner is not None and runner.done():
                break
            await asyncio.sleep(REDRAW_SECONDS)
        if runner is not None:
            await runner
        with contextlib.suppress(NotImplementedError):
            loop.remove_signal_handler(signal.SIGINT)
        finished = await state()
        rate = finished.rows_checked / max(time.monotonic() - started, 1e-3)
        figures = (finished.rows_checked, finished.rows_written, finished.rows_total)
        err.write("\r" + bar(*figures, rate, dry_run))
        err.write("\n")
        print(_report_text(finished), file=out)
        return EXIT.get(finished.status.value, 1)
    finally:
        await bus.close()
        await engine.dispose()


def _report_text(job: Any) -> str:
    """The job's summary and its problems by row and column, as the console lists them."""
    from core.ledger.jobs import STATUS_LABELS

    lines = [f"{STATUS_LABELS[job.status]}：{job.summary}"]
    report = job.report or {}
    problems = report.get("problems") or job.errors or []
    for problem in problems[:PROBLEMS_SHOWN]:
        where = f"第{problem['row']}行" if problem.get("row") else "文件"
        column = f" {problem['header']}" if problem.get("header") else ""
        lines.append(f"  {where}{column}：{problem.get('text') or problem.get('message')}")
    if len(problems) > PROBLEMS_SHOWN:
        lines.append(f"  ……另有 {len(problems) - PROBLEMS_SHOWN} 处问题（控制台的导入报告中逐行列出）")
    return "\n".join(lines)
