"""A county developer's path, as the issue's done-when states it: a package made by ``caseload
plugins new`` passes its tests in a fresh virtualenv with caseload installed from the repository —
no file of caseload's own tests, no hand-installed pytest-asyncio, only what the packages declare
(caseload's ``testing`` extra and its ``pytest11`` entry point, the plugin's own entry point)."""

from __future__ import annotations

import subprocess
import venv
from pathlib import Path

from api.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run(*command: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )


def test_a_new_plugin_passes_its_tests_in_a_fresh_virtualenv(tmp_path: Path) -> None:
    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(environment)
    python = environment / "bin" / "python"
    package = tmp_path / "caseload-henan_xx"
    assert main(["plugins", "new", "henan_xx", "--path", str(package)]) == 0
    installed = run(python, "-m", "pip", "install", "-q", f"{ROOT}[testing]", package)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    # The plugin is found by its entry point, as the server finds it.
    names = "from core.policy.manager import build_registry; print(build_registry().plugin_names)"
    found = run(python, "-c", names)
    assert found.returncode == 0 and "henan_xx" in found.stdout, found.stdout + found.stderr
    tested = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests", cwd=package)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "2 passed" in tested.stdout
