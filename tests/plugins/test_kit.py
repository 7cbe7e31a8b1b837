"""``caseload plugins new`` and ``caseload.testing``: a generated package's tests pass as generated,
run as an outside package would (its own directory, the pytest11 kit, no caseload conftest)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from api.cli import main


def _pytest(package: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(package)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(package / "tests")],
        cwd=package,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_generated_package_passes_its_tests_and_fails_a_broken_quote(tmp_path: Path) -> None:
    package = tmp_path / "caseload-henan_xx"
    assert main(["plugins", "new", "henan_xx", "--path", str(package)]) == 0
    assert (package / "caseload_henan_xx" / "sources" / "notice.txt").is_file()
    assert 'henan_xx = "caseload_henan_xx"' in (package / "pyproject.toml").read_text(encoding="utf-8")
    passed = _pytest(package)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "2 passed" in passed.stdout
    # The kit really checks: a notice that no longer says what the rule quotes fails the tests.
    notice = package / "caseload_henan_xx" / "sources" / "notice.txt"
    notice.write_text(notice.read_text(encoding="utf-8").replace("2个工作日内", "3日内"), encoding="utf-8")
    failed = _pytest(package)
    assert failed.returncode == 1
    assert "clause not found verbatim in notice.txt" in failed.stdout


def test_new_refuses_a_bad_code_and_a_non_empty_directory(tmp_path: Path) -> None:
    assert main(["plugins", "new", "Henan-XX", "--path", str(tmp_path / "a")]) == 2
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "keep.txt").write_text("x")
    assert main(["plugins", "new", "henan_xx", "--path", str(tmp_path / "b")]) == 2
    assert not (tmp_path / "a").exists()
