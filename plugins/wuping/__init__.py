"""Wuping county (武平县, Fujian): the notice on agencies' litigation response, 武政办〔2023〕47号
(source 001). The rules are data in :mod:`plugins.wuping.rules`."""

from __future__ import annotations

from core.policy import hookimpl
from core.policy.types import (
    DeadlineRule,
    EscalationChain,
    IndicatorDefinition,
    JurisdictionProfile,
    PenaltyRule,
    ReminderRule,
    SubstitutePolicy,
    TargetSpec,
)
from plugins.wuping import rules


@hookimpl
def caseload_jurisdiction_profile() -> JurisdictionProfile:
    return rules.PROFILE


@hookimpl
def caseload_deadline_rules() -> list[DeadlineRule]:
    return list(rules.DEADLINE_RULES)


@hookimpl
def caseload_hearing_reminders() -> list[ReminderRule]:
    return list(rules.REMINDER_RULES)


@hookimpl
def caseload_escalation_chains() -> list[EscalationChain]:
    return list(rules.ESCALATION_CHAINS)


@hookimpl
def caseload_targets(year: int) -> list[TargetSpec]:
    # The notice (2023) sets standing targets, not a year's.
    return list(rules.TARGETS)


@hookimpl
def caseload_penalty_rules() -> list[PenaltyRule]:
    return list(rules.PENALTY_RULES)


@hookimpl
def caseload_indicator_definition(indicator: str) -> IndicatorDefinition | None:
    return rules.INDICATOR_DEFINITIONS.get(indicator)


@hookimpl
def caseload_qualifying_head_ranks(unit_kind: str, court_requires_head: bool) -> list[str] | None:
    """When the court asks for the head: the principal head, or for the county government the
    deputy county head in charge; otherwise the national defaults (``None``)."""
    if not court_requires_head:
        return None
    ranks = rules.HEAD_RANKS_WHEN_COURT_ASKS.get(unit_kind)
    return list(ranks) if ranks is not None else None


@hookimpl
def caseload_substitute_heads(unit_kind: str, court_requires_head: bool) -> SubstitutePolicy | None:
    """When the court asks for the principal head of an agency or township, the deputy head in
    charge may appear instead with the county leader in charge's approval."""
    if court_requires_head and unit_kind in rules.SUBSTITUTE_UNIT_KINDS:
        return rules.SUBSTITUTE_WHEN_COURT_ASKS
    return None
