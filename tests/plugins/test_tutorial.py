"""The tutorial of docs/plugins.md works as written: its files, copied from the page into a package
made by ``caseload plugins new``, pass their tests with the ``caseload.testing`` kit."""

from __future__ import annotations

import re
from pathlib import Path

from api.cli import main
from tests.plugins.test_kit import _pytest

DOCS = Path(__file__).parents[2] / "docs" / "plugins.md"


def tutorial_files() -> dict[str, str]:
    """Each ``<!-- tutorial: path -->`` marker of the page and the code block after it."""
    text = DOCS.read_text(encoding="utf-8")
    found = re.findall(r"<!-- tutorial: (\S+) -->\n```\w*\n(.*?)```\n", text, flags=re.S)
    return {path: body for path, body in found}


def test_the_tutorial_package_passes_its_tests(tmp_path: Path) -> None:
    files = tutorial_files()
    assert set(files) == {
        "caseload_henan_xx/sources/opinion.txt",
        "caseload_henan_xx/__init__.py",
        "tests/test_henan_xx.py",
    }
    package = tmp_path / "caseload-henan_xx"
    assert main(["plugins", "new", "henan_xx", "--path", str(package)]) == 0
    for path, body in files.items():
        (package / path).write_text(body, encoding="utf-8")
    result = _pytest(package)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
