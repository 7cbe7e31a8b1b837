"""Extensibility proof: a county outside this repository writes a plugin package, installs it under
the ``caseload.plugins`` entry point, and its rules apply with no change to ``core/`` or ``api/``.

"Installing" writes the package and a ``*.dist-info`` directory (what pip leaves behind) into a
temporary directory put on ``sys.path``, so ``importlib.metadata`` discovers the entry point exactly
as it would for a wheel installed into site-packages. Everything is removed afterwards.
"""

from __future__ import annotations

import datetime as dt
import importlib
import sys
import tomllib
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.cases.service import file_litigation_case, record_response_notice, report_response
from core.clock import CHINA, fixed_clock
from core.context import ServiceContext
from core.disputes.service import DisputeInput, record_dispute
from core.enums import ActionType, DisputeField, DisputeSource, ObligationStatus, UnitKind
from core.indicators.periods import quarter
from core.indicators.service import dashboard
from core.org.service import create_jurisdiction_from_plugin, create_unit
from core.policy import hookimpl
from core.policy.conformance import assert_conformant, obligations_on
from core.policy.manager import ENTRY_POINT_GROUP, PluginError, build_registry, validate_plugin
from core.policy.types import Citation, DeadlineRule, JurisdictionProfile, TargetSpec
from core.principal import SYSTEM

PLUGIN_SOURCE = '''\
"""Fifth county (第五县): a county outside the caseload repository."""

from decimal import Decimal

from core.calendar.rules import working_days
from core.policy import hookimpl
from core.policy.types import (
    Citation, Comparator, CountedRecords, CustomIndicator, DeadlineRule, EventKind, EventMatch,
    IndicatorKind, JurisdictionProfile, Owner, RecordFilter, SourceDocument, TargetSpec,
)

SOURCE = "fifth_county_notice.txt"
DOC = SourceDocument(key=SOURCE, title="第五县行政应诉工作通知", issuer="第五县人民政府办公室")


@hookimpl
def caseload_jurisdiction_profile():
    return JurisdictionProfile(
        code="fifth_county", name="第五县", name_en="Fifth County", population=210000,
        parent_name="某市", province_name="某省",
    )


@hookimpl
def caseload_deadline_rules():
    return [
        DeadlineRule(
            id="fifth_county.response_report",
            trigger=EventMatch(EventKind.RESPONSE_NOTICE_RECEIVED),
            title_zh="收到应诉通知书后2个工作日内报告县司法局",
            title_en="Report the response notice to the justice bureau within 2 working days",
            due=working_days(2),
            owner=Owner.UNIT,
            met_by=(EventMatch(EventKind.RESPONSE_REPORTED),),
            citation=Citation(SOURCE, "被诉单位收到应诉通知书后2个工作日内报告县司法局", "一", DOC),
        )
    ]


@hookimpl
def caseload_indicators():
    return [
        CustomIndicator(
            code="fifth_county.natural_resources_disputes",
            label_zh="自然资源类行政争议数",
            description_zh="统计期内收到的自然资源领域行政争议数",
            description_en="natural-resources disputes received",
            kind=IndicatorKind.COUNT,
            records=CountedRecords.DISPUTES_RECEIVED,
            numerator=RecordFilter(fields=frozenset({"natural_resources"})),
            citation=Citation(SOURCE, "按季度统计自然资源类行政争议数", "三", DOC),
        )
    ]


@hookimpl
def caseload_targets(year):
    return [
        TargetSpec(
            id="fifth_county.loss_rate_cap",
            indicator="loss_rate",
            title_zh="败诉率不高于10%",
            title_en="Loss rate at most 10%",
            comparator=Comparator.AT_MOST,
            value=Decimal("10"),
            citation=Citation(SOURCE, "行政诉讼败诉率控制在10%以内", "二", DOC),
        )
    ]
'''

PYPROJECT = """\
[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "caseload-fifth-county"
version = "0.1.0"
dependencies = ["caseload"]

[project.entry-points."caseload.plugins"]
fifth_county = "caseload_fifth_county"
"""

NOTICE = (
    "一、被诉单位收到应诉通知书后2个工作日内报告县司法局。\n二、行政诉讼败诉率控制在10%以内。\n"
    "三、按季度统计自然资源类行政争议数。\n"
)


def install(site: Path, dist: str, module: str, entry_name: str, source: str) -> None:
    """Lay out a package and its dist-info in ``site`` as ``pip install`` would."""
    package = site / module
    package.mkdir()
    (package / "__init__.py").write_text(source, encoding="utf-8")
    info = site / f"{dist}-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\n{entry_name} = {module}\n", encoding="utf-8"
    )


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Path]:
    """A temporary site directory on sys.path, removed with every module imported from it."""
    root = tmp_path / "site"
    root.mkdir()
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    before = set(sys.modules)
    try:
        yield root
    finally:
        sys.path.remove(str(root))
        for name in set(sys.modules) - before:
            if name.startswith("caseload_"):
                del sys.modules[name]
        importlib.invalidate_caches()


async def test_fifth_county_installs_and_applies_without_core_changes(
    site: Path, tmp_path: Path, session: AsyncSession
) -> None:
    # The package's pyproject declares the entry point; installing it records the same in dist-info.
    [(entry_name, module)] = tomllib.loads(PYPROJECT)["project"]["entry-points"][ENTRY_POINT_GROUP].items()
    assert (entry_name, module) == ("fifth_county", "caseload_fifth_county")
    install(site, "caseload_fifth_county", module, entry_name, PLUGIN_SOURCE)
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "fifth_county_notice.txt").write_text(NOTICE, encoding="utf-8")

    registry = build_registry()
    assert "fifth_county" in registry.plugin_names
    assert registry.origins["fifth_county"] == "entry point caseload_fifth_county (caseload_fifth_county)"
    assert validate_plugin(registry, "fifth_county").ok
    assert_conformant("fifth_county", registry=registry, sources_dir=sources)  # the kit works for it too
    assert [t.id for t in registry.policy("fifth_county").targets(2024)] == ["fifth_county.loss_rate_cap"]

    ctx = ServiceContext(
        session=session,
        principal=SYSTEM,
        registry=registry,
        clock=fixed_clock(dt.datetime(2024, 11, 20, 10, 0, tzinfo=CHINA)),
    )
    j = await create_jurisdiction_from_plugin(ctx, "fifth_county")
    assert (j.code, j.name, j.population) == ("fifth_county", "第五县", 210000)
    unit = await create_unit(ctx, j.id, name="第五县自然资源局", kind=UnitKind.AGENCY)
    await session.flush()
    dispute = await record_dispute(
        ctx,
        DisputeInput(
            unit_id=unit.id,
            title="不服行政处罚",
            applicant_name="某公司",
            field=DisputeField.NATURAL_RESOURCES,
            action_type=ActionType.PENALTY,
            source=DisputeSource.LITIGATION,
            received_date=dt.date(2024, 9, 20),
        ),
    )
    case = await file_litigation_case(
        ctx,
        dispute.id,
        court="第五县人民法院",
        case_number="（2024）某行初1号",
        plaintiff_name="某公司",
        filed_date=dt.date(2024, 9, 20),
    )
    await record_response_notice(ctx, case.id, received_date=dt.date(2024, 9, 27))
    [ob] = await obligations_on(ctx, "litigation_case", case.id)
    # Fri Sep 27 + 2 working days: Sun Sep 29 (make-up) and Mon Sep 30.
    assert (ob.plugin, ob.rule_id, ob.owner_role, ob.due_date) == (
        "fifth_county",
        "fifth_county.response_report",
        "unit",
        dt.date(2024, 9, 30),
    )
    await report_response(ctx, case.id, reported_date=dt.date(2024, 9, 30))
    assert ob.status == ObligationStatus.MET
    # Its own indicator is counted and shown beside the national ones.
    board = await dashboard(ctx, j.id, quarter(2024, 3))
    added = board.indicator("fifth_county.natural_resources_disputes")
    assert (added.label_zh, added.current.value, added.definition.added) == ("自然资源类行政争议数", 1, True)


def test_fifth_county_is_gone_after_cleanup() -> None:
    """The temporary site leaves nothing behind for the next test."""
    assert "caseload_fifth_county" not in sys.modules
    assert "fifth_county" not in build_registry().plugin_names


# ---------------------------------------------------------------------------------------------
# Broken plugins fail loudly, naming the plugin
# ---------------------------------------------------------------------------------------------


def test_plugin_that_fails_to_import_stops_the_registry(site: Path) -> None:
    install(
        site,
        "caseload_broken",
        "caseload_broken",
        "broken_county",
        'raise ImportError("no module named foo")\n',
    )
    with pytest.raises(PluginError) as exc:
        build_registry()
    assert exc.value.plugin == "broken_county"
    assert "failed to load: ImportError: no module named foo" in exc.value.problem


def _module(name: str, **functions: object) -> types.ModuleType:
    module = types.ModuleType(name)
    for attr, value in functions.items():
        setattr(module, attr, value)
    return module


def test_hook_without_a_specification_stops_the_registry() -> None:
    @hookimpl
    def caseload_deadlines() -> list[DeadlineRule]:  # misspelled hook name
        return []

    with pytest.raises(PluginError) as exc:
        build_registry(
            builtins=(),
            entry_points=False,
            extra={"typo_county": _module("typo", caseload_deadlines=caseload_deadlines)},
        )
    assert exc.value.plugin == "typo_county"


def test_hook_with_unknown_arguments_stops_the_registry() -> None:
    @hookimpl
    def caseload_targets(yr: int) -> list[TargetSpec]:
        return []

    with pytest.raises(PluginError) as exc:
        build_registry(
            builtins=(),
            entry_points=False,
            extra={"args_county": _module("args", caseload_targets=caseload_targets)},
        )
    assert exc.value.plugin == "args_county"


def _profile() -> JurisdictionProfile:
    return JurisdictionProfile(code="odd", name="怪县", name_en="Odd County")


def test_hook_returning_the_wrong_type_is_reported() -> None:
    @hookimpl
    def caseload_deadline_rules() -> list[object]:
        return [{"id": "odd.report", "due": "3 days"}]

    plugin = _module(
        "odd",
        caseload_jurisdiction_profile=hookimpl(_profile),
        caseload_deadline_rules=caseload_deadline_rules,
    )
    registry = build_registry(builtins=(), entry_points=False, extra={"odd": plugin})
    report = validate_plugin(registry, "odd")
    assert not report.ok
    assert "deadline rules: expected DeadlineRule, got dict" in report.problems


def test_target_with_an_unknown_indicator_is_reported() -> None:
    @hookimpl
    def caseload_targets(year: int) -> list[TargetSpec]:
        return [
            TargetSpec("odd.happiness", "happiness_index", "幸福指数", "happiness", Citation("x", "幸福"))
        ]

    plugin = _module(
        "odd2", caseload_jurisdiction_profile=hookimpl(_profile), caseload_targets=caseload_targets
    )
    registry = build_registry(builtins=(), entry_points=False, extra={"odd": plugin})
    assert (
        "target odd.happiness: unknown indicator 'happiness_index'"
        in validate_plugin(registry, "odd").problems
    )
