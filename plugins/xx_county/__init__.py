"""XX county (XX县, anonymised): the "double decline" action plan (source 000) and the dispute
resolution plan (source 002). The rules are data in :mod:`plugins.xx_county.rules`."""

from __future__ import annotations

from core.policy import hookimpl
from core.policy.types import (
    DeadlineRule,
    EscalationChain,
    IndicatorDefinition,
    JurisdictionProfile,
    PenaltyRule,
    ReminderRule,
    TargetSpec,
)
from plugins.xx_county import rules


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
    return rules.targets_for(year)


@hookimpl
def caseload_penalty_rules() -> list[PenaltyRule]:
    return list(rules.PENALTY_RULES)


@hookimpl
def caseload_indicator_definition(indicator: str) -> IndicatorDefinition | None:
    return rules.INDICATOR_DEFINITIONS.get(indicator)
