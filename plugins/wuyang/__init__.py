"""Wuyang county (舞阳县, Henan): enforcement supervision for the "double decline", 舞法办〔2023〕3号
(source 003). The rules are data in :mod:`plugins.wuyang.rules`."""

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
from plugins.wuyang import rules


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
    # The plan (2023) sets standing targets, not a year's.
    return list(rules.TARGETS)


@hookimpl
def caseload_penalty_rules() -> list[PenaltyRule]:
    return list(rules.PENALTY_RULES)


@hookimpl
def caseload_indicator_definition(indicator: str) -> IndicatorDefinition | None:
    return rules.INDICATOR_DEFINITIONS.get(indicator)
