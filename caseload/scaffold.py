"""``caseload plugins new CODE --path DIR``: a county plugin package whose tests pass as generated.

The package has a pyproject with the ``caseload.plugins`` entry point, a rules module with one
cited rule, the source document it quotes (package data, checked verbatim by the kit) and tests on
:mod:`caseload.testing`. The county's developer replaces the example rule and notice with theirs.
"""

from __future__ import annotations

import re
from pathlib import Path

from core.errors import ValidationFailed

_PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "caseload-{code}"
version = "0.1.0"
description = "caseload policy plugin for {code}"
requires-python = ">=3.11"
dependencies = ["caseload[testing]"]

[project.entry-points."caseload.plugins"]
{code} = "caseload_{code}"

[tool.setuptools.packages.find]
include = ["caseload_{code}*"]

[tool.setuptools.package-data]
"caseload_{code}" = ["sources/*.txt"]

[tool.pytest.ini_options]
caseload_plugin = "{code}"
caseload_plugin_module = "caseload_{code}"
asyncio_mode = "auto"
asyncio_default_fixture_loop_scope = "function"
"""

_RULES = '''\
"""Policy plugin for {code}: the rules of the county's notice, each citing its clause verbatim."""

from __future__ import annotations

from pathlib import Path

from core.calendar.rules import working_days
from core.policy import hookimpl
from core.policy.types import (
    Citation,
    SourceDocument,
    DeadlineRule,
    EventKind,
    EventMatch,
    JurisdictionProfile,
    Owner,
)

SOURCES = Path(__file__).parent / "sources"
"""The source documents the citations quote (shipped as package data)."""

NOTICE = "notice.txt"
# What readers see instead of the file name: 《title》（文号）. Give the real 文号, or none.
NOTICE_DOCUMENT = SourceDocument(
    key=NOTICE, title="示例县行政机关负责人出庭应诉工作意见（示例）", issuer="示例县人民政府办公室"
)


@hookimpl
def caseload_jurisdiction_profile() -> JurisdictionProfile:
    return JurisdictionProfile(code="{code}", name="示例县", name_en="Example County", level="county")


@hookimpl
def caseload_deadline_rules() -> list[DeadlineRule]:
    return [
        DeadlineRule(
            id="{code}.name_head",
            trigger=EventMatch(EventKind.HEARING_SCHEDULED),
            title_zh="收到开庭通知后2个工作日内确定出庭负责人",
            title_en="name the appearing head within 2 working days",
            due=working_days(2),
            owner=Owner.UNIT,
            citation=Citation(
                source=NOTICE,
                section="二",
                clause="被诉单位应当在2个工作日内确定出庭负责人",
                document=NOTICE_DOCUMENT,
            ),
            met_by=(EventMatch(EventKind.HEARING_HEAD_DESIGNATED),),
            escalation="default",
        )
    ]
'''

_NOTICE = """\
示例县行政机关负责人出庭应诉工作意见（示例）

一、法院应当在开庭3个工作日前通知县政府办公室。
二、被诉单位应当在2个工作日内确定出庭负责人，并报县司法局备案。
"""

_TESTS = '''\
"""The plugin passes the conformance kit, and its rule creates the obligation it promises."""

from __future__ import annotations

import datetime as dt

from caseload_{code} import SOURCES
from core.policy.conformance import make_event
from core.policy.types import EventKind


def test_conformant(caseload_conformance) -> None:
    caseload_conformance(sources_dir=SOURCES)


async def test_hearing_scheduled_asks_for_the_head(caseload_drive, caseload_obligations) -> None:
    event = make_event(
        EventKind.HEARING_SCHEDULED, 0, dt.date(2024, 11, 20), "hearing", 1,
        hearing_date=dt.date(2024, 12, 2), head_required=True,
    )
    created = await caseload_drive(event)
    assert [o.rule_id for o in created] == ["{code}.name_head"]
    (obligation,) = await caseload_obligations("hearing", 1, "{code}.name_head")
    assert obligation.due_date == dt.date(2024, 11, 22)  # 2 working days after Wednesday 20 November
'''


def scaffold(code: str, path: Path) -> list[Path]:
    """Write the package for plugin ``code`` under ``path``; return the files written."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", code):
        raise ValidationFailed(
            "code",
            "插件代码只能由小写字母、数字和下划线组成",
            "use a-z, 0-9 and _",
        )
    if path.exists() and any(path.iterdir()):
        raise ValidationFailed("path", f"目录“{path}”不为空", f"{path} is not empty")
    files = {
        path / "pyproject.toml": _PYPROJECT,
        path / f"caseload_{code}" / "__init__.py": _RULES,
        path / f"caseload_{code}" / "sources" / "notice.txt": _NOTICE,
        path / "tests" / f"test_{code}.py": _TESTS,
    }
    for file, template in files.items():
        file.parent.mkdir(parents=True, exist_ok=True)
        text = template if template is _NOTICE else template.replace("{code}", code)
        file.write_text(text, encoding="utf-8")
    return list(files)
