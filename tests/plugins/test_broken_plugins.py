"""Deliberately broken plugins, one mistake each (issue 22's list): ``caseload plugins check`` and the
conformance kit fail them with a message naming the rule, the hook and its file and line."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from api.cli import main
from core.calendar.rules import working_days
from core.enums import NotificationKind
from core.policy import hookimpl
from core.policy.conformance import check_plugin
from core.policy.manager import build_registry
from core.policy.types import (
    Citation,
    ConditionKind,
    DeadlineRule,
    EscalationChain,
    EscalationStep,
    EventKind,
    EventMatch,
    JurisdictionProfile,
    Owner,
    PenaltyCondition,
    PenaltyKind,
    PenaltyRule,
    Recipient,
    SourceDocument,
)

SOURCE = "henan.txt"
QUOTE = "开庭3个工作日前通知县政府办公室"
DOC = SourceDocument(key=SOURCE, title="坏县行政机关负责人出庭应诉工作意见", issuer="坏县人民政府办公室")
CITE = Citation(source=SOURCE, section="一", clause=QUOTE, document=DOC)


def _rule(**changes: Any) -> DeadlineRule:
    fields: dict[str, Any] = {
        "id": "broken.urge_letter",
        "trigger": EventMatch(EventKind.HEARING_SCHEDULED),
        "title_zh": "发出督促函",
        "title_en": "send the urging letter",
        "due": working_days(2),
        "owner": Owner.UNIT,
        "citation": CITE,
        "escalation": None,
    }
    fields.update(changes)
    return DeadlineRule(**fields)


def _plugin(
    deadlines: Callable[[], list[Any]] | None = None, penalties: Callable[[], list[Any]] | None = None
) -> Any:
    """A one-county plugin whose deadline and penalty hooks answer what the test gives."""

    class Broken:
        @hookimpl
        def caseload_jurisdiction_profile(self) -> JurisdictionProfile:
            return JurisdictionProfile(code="broken", name="坏县", name_en="Broken County")

        @hookimpl
        def caseload_deadline_rules(self) -> list[Any]:
            return deadlines() if deadlines else []

        @hookimpl
        def caseload_penalty_rules(self) -> list[Any]:
            return penalties() if penalties else []

    return Broken()


def _raise() -> list[Any]:
    raise ValueError("bad table")


MISTAKES: dict[str, tuple[Any, str, str]] = {
    # name: (plugin, hook, fragment of the problem)
    "citation not verbatim": (
        _plugin(lambda: [_rule(citation=Citation(source=SOURCE, clause="开庭前一日通知", document=DOC))]),
        "caseload_deadline_rules",
        "broken.urge_letter: clause not found verbatim in henan.txt",
    ),
    "unknown attribute in when": (
        _plugin(lambda: [_rule(trigger=EventMatch(EventKind.HEARING_SCHEDULED, {"court": "x"}))]),
        "caseload_deadline_rules",
        "rule broken.urge_letter trigger: hearing_scheduled has no attribute 'court'",
    ),
    "unknown attribute in met_by": (
        _plugin(lambda: [_rule(met_by=(EventMatch(EventKind.HEARING_HELD, {"letter_sent": True}),))]),
        "caseload_deadline_rules",
        "rule broken.urge_letter met_by: hearing_held has no attribute 'letter_sent'",
    ),
    "event kind as a string": (
        _plugin(lambda: [_rule(trigger=EventMatch("hearing_scheduled"))]),  # type: ignore[arg-type]
        "caseload_deadline_rules",
        "event kind given as the string 'hearing_scheduled': use EventKind.HEARING_SCHEDULED",
    ),
    "misspelt event kind": (
        _plugin(lambda: [_rule(met_by=(EventMatch("hearing_hled"),))]),  # type: ignore[arg-type]
        "caseload_deadline_rules",
        "met_by: event kind 'hearing_hled' is not an EventKind",
    ),
    "rule id without the prefix": (
        _plugin(lambda: [_rule(id="urge_letter")]),
        "caseload_deadline_rules",
        "rule id 'urge_letter' must start with 'broken.'",
    ),
    "non-date anchor": (
        _plugin(lambda: [_rule(anchor="head_required")]),
        "caseload_deadline_rules",
        "rule broken.urge_letter: anchor 'head_required' is not a date attribute",
    ),
    "penalty with no value": (
        _plugin(
            penalties=lambda: [
                PenaltyRule(
                    "broken.criticised_twice",
                    PenaltyCondition(ConditionKind.ABOVE_VALUE, indicator="loss_rate"),
                    PenaltyKind.INTERVIEW,
                    "两次以上约谈",
                    "interview",
                    CITE,
                )
            ]
        ),
        "caseload_penalty_rules",
        "penalty broken.criticised_twice: condition above_value needs value",
    ),
    "两次以上 written as a strict above_value": (
        _plugin(
            penalties=lambda: [
                PenaltyRule(
                    "broken.criticised_twice",
                    PenaltyCondition(
                        ConditionKind.ABOVE_VALUE, indicator="loss_count", value=Decimal(1), word_zh="以上"
                    ),
                    PenaltyKind.INTERVIEW,
                    "两次以上约谈",
                    "interview",
                    CITE,
                )
            ]
        ),
        "caseload_penalty_rules",
        "penalty broken.criticised_twice: word '以上' includes the number",
    ),
    "hook raises": (
        _plugin(_raise),
        "caseload_deadline_rules",
        "raised ValueError: bad table",
    ),
    "answer is not a list of rules": (
        _plugin(lambda: ["broken.urge_letter"]),
        "caseload_deadline_rules",
        "expected DeadlineRule, got str",
    ),
}


def _where(plugin: Any, hook: str) -> str:
    function = getattr(type(plugin), hook)
    return f"{hook} at {inspect.getsourcefile(function)}:{inspect.getsourcelines(function)[1]}"


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    (tmp_path / SOURCE).write_text(f"一、{QUOTE}，由其发出督促函。\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_kit_names_the_rule_the_hook_and_its_place(mistake: str, sources: Path) -> None:
    plugin, hook, fragment = MISTAKES[mistake]
    registry = build_registry(builtins=(), entry_points=False, extra={"broken": plugin})
    report = check_plugin("broken", registry=registry, sources_dir=sources)
    matching = [p for p in report.problems if fragment in p]
    assert matching, report.problems
    assert _where(plugin, hook) in matching[0]


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_plugins_check_fails_with_the_same_verdict(
    mistake: str, sources: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    plugin, hook, fragment = MISTAKES[mistake]
    registry = build_registry(builtins=(), entry_points=False, extra={"broken": plugin})
    monkeypatch.setattr("core.policy.manager.build_registry", lambda: registry)
    assert main(["plugins", "check", "--sources", str(sources)]) == 1
    out = capsys.readouterr().out
    assert "FAIL broken" in out
    assert fragment in out
    assert _where(plugin, hook) in out


def test_a_correct_plugin_passes_and_strict_fails_on_an_inherited_chain(
    sources: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    plugin = _plugin(lambda: [_rule(met_by=(EventMatch(EventKind.HEARING_HEAD_DESIGNATED),))])
    registry = build_registry(builtins=(), entry_points=False, extra={"broken": plugin})
    monkeypatch.setattr("core.policy.manager.build_registry", lambda: registry)
    assert main(["plugins", "check", "--sources", str(sources)]) == 0
    out = capsys.readouterr().out
    assert "ok   broken" in out
    assert "rule broken.urge_letter: names no escalation chain, inherits the national 'default' chain" in out
    assert main(["plugins", "check", "--strict", "--sources", str(sources)]) == 1
    assert "FAIL broken" in capsys.readouterr().out


def test_plugins_check_lists_the_chain_of_every_rule(
    sources: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 22, point 6: the inherited national chain is said explicitly, rule by rule."""

    class Office:
        @hookimpl
        def caseload_jurisdiction_profile(self) -> JurisdictionProfile:
            return JurisdictionProfile(code="broken", name="坏县", name_en="Broken County")

        @hookimpl
        def caseload_deadline_rules(self) -> list[DeadlineRule]:
            met = (EventMatch(EventKind.HEARING_HEAD_DESIGNATED),)
            return [
                _rule(met_by=met),
                _rule(
                    id="broken.office_letter",
                    met_by=met,
                    escalation="broken.office",
                    owner=Owner.JUSTICE_BUREAU,
                ),
            ]

        @hookimpl
        def caseload_escalation_chains(self) -> list[EscalationChain]:
            step = EscalationStep(working_days(1), Recipient.JUSTICE_BUREAU, NotificationKind.REMINDER)
            return [EscalationChain("broken.office", (step,), CITE, "督促县政府办公室")]

    registry = build_registry(builtins=(), entry_points=False, extra={"broken": Office()})
    report = check_plugin("broken", registry=registry, sources_dir=sources)
    assert report.ok, report.problems
    assert report.escalations["broken.urge_letter"].startswith(
        "names no chain: inherits the national 'default' chain (逐级督办：提醒→司法局→分管县领导→县主要领导约谈): unit:"
    )
    assert report.escalations["broken.office_letter"] == (
        "chain 'broken.office' (督促县政府办公室), named by the rule: justice_bureau:reminder"
    )
    monkeypatch.setattr("core.policy.manager.build_registry", lambda: registry)
    assert main(["plugins", "check", "--sources", str(sources)]) == 0
    out = capsys.readouterr().out
    assert "> broken.urge_letter escalates by names no chain: inherits the national 'default' chain" in out
    assert (
        "> broken.office_letter escalates by chain 'broken.office' (督促县政府办公室), named by the rule"
        in out
    )
