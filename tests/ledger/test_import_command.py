"""``caseload import FILE --jurisdiction CODE [--dry-run]``: an administrator's import from the
command line runs the same job as importLedger, shows a progress bar and prints the report."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from api.ledger.command import bar, run_import_command
from core.audit.models import AuditEntry
from core.config import Settings
from core.context import ServiceContext
from core.disputes.models import Dispute
from core.ledger.models import LedgerImportJob
from tests.ledger.test_import_jobs_api import rows
from tests.ledger.test_ledger_import import workbook
from tests.support import make_org


async def test_an_import_from_the_command_line_checks_writes_and_reports(
    ctx: ServiceContext, session_factory: Any, settings: Settings, tmp_path: Path
) -> None:
    org = await make_org(ctx, "wuping")
    await ctx.session.commit()
    ledger = tmp_path / "台账.xlsx"
    ledger.write_bytes(workbook(rows(30)))
    out, err = io.StringIO(), io.StringIO()
    code = org.jurisdiction.code
    assert await run_import_command(settings, str(ledger), code, dry_run=True, out=out, err=err) == 0
    assert "校验" in err.getvalue() and "30/30" in err.getvalue()  # the bar reached the end
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Dispute)) == 0  # a dry run

    out, err = io.StringIO(), io.StringIO()
    assert await run_import_command(settings, str(ledger), code, out=out, err=err) == 0
    assert "已完成" in out.getvalue()
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Dispute)) == 30
        job = await session.scalar(select(LedgerImportJob).order_by(LedgerImportJob.id.desc()))
        assert job is not None and job.actor.startswith("命令行:") and job.rows_written == 30
        audited = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "ledger.import")
        )
        assert audited == 1

    # A bad row: nothing written, the problem printed by row and column, exit status 1.
    bad = rows(3, start=100)
    bad[1][2] = "县交通局"
    ledger.write_bytes(workbook(bad))
    out, err = io.StringIO(), io.StringIO()
    assert await run_import_command(settings, str(ledger), code, out=out, err=err) == 1
    assert "县交通局" in out.getvalue() and "第" in out.getvalue()
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Dispute)) == 30


async def test_an_unknown_jurisdiction_or_file_is_refused_in_both_languages(
    settings: Settings, tmp_path: Path
) -> None:
    err = io.StringIO()
    assert await run_import_command(settings, str(tmp_path / "无.xlsx"), "001", err=err) == 1
    assert "文件不存在" in err.getvalue() and "no such file" in err.getvalue()
    ledger = tmp_path / "台账.xlsx"
    ledger.write_bytes(workbook(rows(1)))
    err = io.StringIO()
    assert await run_import_command(settings, str(ledger), "no-such-code", err=err) == 1
    assert "no-such-code" in err.getvalue() and "no such jurisdiction" in err.getvalue()


def test_the_progress_bar_shows_the_phase_and_the_share() -> None:
    assert bar(0, 0, 0, 0.0, False).startswith("读取文件")
    checking = bar(500, 0, 1000, 250.0, False)
    assert checking.startswith("校验") and "500/1,000" in checking and "#" * 15 + "." * 15 in checking
    writing = bar(1000, 250, 1000, 250.0, False)
    assert writing.startswith("写入") and "250/1,000" in writing


def test_the_command_is_installed(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"}
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "import", str(tmp_path / "x.xlsx"), "--jurisdiction", "001"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parents[2],
    )
    assert done.returncode == 1 and "文件不存在" in done.stderr, done.stderr
