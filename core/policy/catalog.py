"""Every indicator the deployment knows: the national ones and those the installed plugins add.

The national indicators are the constants of :mod:`core.policy.types` (``INDICATORS``). A plugin adds
its own through the ``caseload_indicators`` hook; :class:`core.policy.manager.Policy` checks each
one with :func:`problems` and files it here with :func:`register`, so that code which only holds an
indicator's code (formatting a value, labelling a penalty) can still find its label and kind. Codes
added by plugins are prefixed with the plugin's name, so two plugins never claim the same one.

Which indicators apply to *one* jurisdiction is its policy's business
(:meth:`core.policy.manager.Policy.indicator_codes`): Qiannan's additions are not Wuyang's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from core.enums import (
    DisputeField,
    DisputeStatus,
    Instance,
    ObligationStatus,
    OutcomeKind,
    ReconsiderationDecision,
    ReconsiderationStatus,
)
from core.policy.types import INDICATORS, CountedRecords, CustomIndicator, IndicatorKind, RecordFilter

_CUSTOM: dict[str, CustomIndicator] = {}

_CODE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]{1,60}$")

# The filter fields each kind of record has, and the values each field may take (None: any string).
_VALUES: Mapping[str, frozenset[str] | None] = {
    "outcomes": frozenset(o.value for o in OutcomeKind),
    "decisions": frozenset(d.value for d in ReconsiderationDecision),
    "fields": frozenset(f.value for f in DisputeField),
    "rules": None,
}
_STATUSES: Mapping[CountedRecords, frozenset[str]] = {
    CountedRecords.RECONSIDERATIONS_RECEIVED: frozenset(s.value for s in ReconsiderationStatus),
    CountedRecords.DISPUTES_RECEIVED: frozenset(s.value for s in DisputeStatus),
    CountedRecords.OBLIGATIONS_DUE: frozenset(
        s.value
        for s in (
            ObligationStatus.OPEN,
            ObligationStatus.MET,
            ObligationStatus.MET_LATE,
            ObligationStatus.OVERDUE,
        )
    ),
}
APPLICABLE: Mapping[CountedRecords, frozenset[str]] = {
    CountedRecords.CASES_FILED: frozenset(),
    CountedRecords.CASES_CONCLUDED: frozenset({"outcomes", "agency_changed_act"}),
    CountedRecords.HEARINGS_HELD: frozenset({"head_attended"}),
    CountedRecords.CASES_HEARD: frozenset({"head_attended"}),
    CountedRecords.RECONSIDERATIONS_RECEIVED: frozenset({"statuses"}),
    CountedRecords.RECONSIDERATIONS_CONCLUDED: frozenset({"decisions"}),
    CountedRecords.DISPUTES_RECEIVED: frozenset({"statuses", "fields", "loss_risk", "major"}),
    CountedRecords.OBLIGATIONS_DUE: frozenset({"statuses", "rules"}),
}
"""The :class:`RecordFilter` fields that mean something for each kind of record."""

CASE_RECORDS = frozenset(
    {
        CountedRecords.CASES_FILED,
        CountedRecords.CASES_CONCLUDED,
        CountedRecords.HEARINGS_HELD,
        CountedRecords.CASES_HEARD,
    }
)
"""Records of litigation cases: the only ones a choice of instances applies to."""


def problems(plugin: str, item: object, rule_ids: frozenset[str] = frozenset()) -> list[str]:
    """What is wrong with an indicator plugin ``plugin`` adds (empty when it can be registered)."""
    if not isinstance(item, CustomIndicator):
        return [f"indicators: expected CustomIndicator, got {type(item).__name__}"]
    where = f"indicator {item.code!r}"
    out: list[str] = []
    if not _CODE.match(item.code) or not item.code.startswith(f"{plugin}."):
        out.append(f"{where}: the code must be '{plugin}.<name>' (lower case, digits, underscores)")
    if not item.label_zh.strip() or not item.description_zh.strip():
        out.append(f"{where}: needs a Chinese label and description")
    if not isinstance(item.kind, IndicatorKind):
        out.append(f"{where}: kind must be an IndicatorKind")
    if not isinstance(item.records, CountedRecords):
        return [*out, f"{where}: records must be a CountedRecords"]
    if not item.citation.clause.strip():
        out.append(f"{where}: citation has no clause")
    if item.kind is IndicatorKind.RATE and item.denominator is None:
        out.append(f"{where}: a rate needs a denominator filter (RecordFilter() counts every record)")
    if item.kind is not IndicatorKind.RATE and item.denominator is not None:
        out.append(f"{where}: only a rate has a denominator")
    if item.records in CASE_RECORDS:
        unknown = set(item.instances) - {i.value for i in Instance}
        if not item.instances or unknown:
            out.append(f"{where}: instances must be a non-empty set of {sorted(i.value for i in Instance)}")
    for side, flt in (("numerator", item.numerator), ("denominator", item.denominator)):
        if flt is None:
            continue
        if not isinstance(flt, RecordFilter):
            out.append(f"{where}: {side} must be a RecordFilter")
            continue
        for name, value in flt.used().items():
            if name not in APPLICABLE[item.records]:
                out.append(f"{where}: {side}.{name} does not apply to {item.records.value}")
                continue
            if isinstance(value, bool):
                continue
            if not isinstance(value, frozenset) or not value:
                out.append(f"{where}: {side}.{name} must be a non-empty frozenset")
                continue
            allowed = _STATUSES.get(item.records) if name == "statuses" else _VALUES.get(name)
            if name == "rules":
                allowed = rule_ids
            if allowed is not None and not value <= allowed:
                out.append(f"{where}: {side}.{name} has unknown values {sorted(value - allowed)}")
    return out


def register(item: CustomIndicator) -> None:
    """File a checked plugin indicator so that its code can be looked up anywhere."""
    _CUSTOM[item.code] = item


def custom(code: str) -> CustomIndicator | None:
    """The plugin-added indicator with this code, or ``None`` (a national one, or unknown)."""
    return _CUSTOM.get(code)


def is_known(code: str) -> bool:
    return code in INDICATORS or code in _CUSTOM


def label_zh(code: str) -> str:
    if code in INDICATORS:
        return INDICATORS[code][0]
    found = _CUSTOM.get(code)
    return found.label_zh if found else code


def description_en(code: str) -> str:
    if code in INDICATORS:
        return INDICATORS[code][1]
    found = _CUSTOM.get(code)
    return found.description_en if found else code


def is_percent(code: str) -> bool:
    """Whether values are percentages (shown as ``8.28%``)."""
    found = _CUSTOM.get(code)
    if found is not None:
        return found.kind is IndicatorKind.RATE
    return code in INDICATORS and code.endswith("_rate")
