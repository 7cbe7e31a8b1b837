"""Qiannan prefecture (黔南州, Guizhou): "两降一升" — hearing reminders 两提两核一直达, 一清两包 and
time limits for major disputes (source 004). The rules are data in :mod:`plugins.qiannan.rules`."""

from __future__ import annotations

from core.policy import hookimpl
from core.policy.types import (
    CustomIndicator,
    DeadlineRule,
    EscalationChain,
    IndicatorDefinition,
    JurisdictionProfile,
    PenaltyRule,
    ReminderRule,
    TargetSpec,
)
from plugins.qiannan import rules


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
    # The report (2021) states standing goals, not a year's.
    return list(rules.TARGETS)


@hookimpl
def caseload_penalty_rules() -> list[PenaltyRule]:
    return list(rules.PENALTY_RULES)


@hookimpl
def caseload_indicator_definition(indicator: str) -> IndicatorDefinition | None:
    return rules.INDICATOR_DEFINITIONS.get(indicator)


@hookimpl
def caseload_indicators() -> list[CustomIndicator]:
    return list(rules.INDICATORS)
