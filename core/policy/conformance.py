"""The conformance kit every jurisdiction plugin runs (from pytest or ``caseload plugins check``).

Usage in a plugin's tests::

    from core.policy.conformance import assert_conformant

    def test_conformance() -> None:
        assert_conformant("my_county", sources_dir=Path("sources"))

Each ``check_*`` function returns a list of problems (empty when the plugin passes); they can be
run one by one. :func:`check_plugin` runs them all, :func:`assert_conformant` fails a test with
every problem listed. :func:`drive` and :func:`make_event` help a plugin's own tests push an event
through the core obligation engine.

``caseload plugins check`` runs this same kit, so the verdicts agree. No check crashes on a
malformed answer: a hook that raises or answers the wrong types is a problem like any other, and a
problem about a rule ends with ``[<hook> at <file>:<line>]`` of the hook implementation.

The file is long (past 600 lines) on purpose: the event contract, every check and the runner live
together so ``plugins check``, start-up and a plugin's tests cannot drift apart.

What the kit checks:

- the plugin is registered and :func:`core.policy.manager.validate_plugin` finds no problem;
- the profile is complete (code, level, known reference indicators and levels);
- every rule id is unique and starts with ``"<code>."``; so do escalation chain ids (except a
  chain named ``"default"``, which replaces the national one);
- every rule cites a source file and quotes a Chinese clause, and, given the directory of the
  source documents, the quote appears verbatim in the cited file (whitespace ignored);
- every trigger and ``met_by`` names attributes the core puts on that event, with legal values;
  an anchor names a date attribute of the trigger; a periodic trigger says its ``scope``;
- every due rule (and recurrence, extension and escalation step) computes a date on a sample day;
- escalation chains referenced exist and have steps;
- targets and penalties name known indicators and carry the parameters their kind needs; a quoted
  comparator word (``word_zh``) reads as its comparator does (民法典第一千二百五十九条);
- declared events (``caseload_events``) have prefixed codes, titles, a subject and typed
  attributes, and rules use only declared ones, on declared attributes with legal values;
- an ``anchor_obligation`` names another deadline rule of the plugin and its met or due date;
- an interview step's interviewer is someone else; offices named by owners and steps exist;
- hearing reminders use a known action; qualifying head ranks are official ranks.

The report also lists, for every deadline rule, the escalation chain it is escalated by (named or
inherited), which ``plugins check`` prints.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.calendar.rules import DueRule
from core.calendar.workdays import WorkdayCalendar
from core.enums import (
    BatchKind,
    DisputeField,
    DisputeSource,
    DutyKind,
    Instance,
    JurisdictionLevel,
    NotificationKind,
    OfficialRank,
    OutcomeKind,
    ReconsiderationDecision,
    ResolutionResult,
    ResolutionStage,
    UnitKind,
)
from core.policy.manager import Policy, PolicyRegistry, build_registry, validate_plugin
from core.policy.types import (
    COMPARATOR_WORDS,
    CONDITION_COMPARATORS,
    INDICATORS,
    AttributeType,
    Citation,
    Comparator,
    ConditionKind,
    CustomIndicator,
    DeadlineRule,
    DeclaredKind,
    EscalationChain,
    Event,
    EventAttribute,
    EventKind,
    EventMatch,
    EventSubject,
    IndicatorDefinition,
    JurisdictionProfile,
    ObligationAnchor,
    Office,
    Owner,
    PenaltyKind,
    PenaltyRule,
    PolicyEvent,
    Recipient,
    ReminderRule,
    SubstitutePolicy,
    TargetSpec,
)

if TYPE_CHECKING:
    from core.context import ServiceContext
    from core.obligations.models import Obligation

SAMPLE_DATE = dt.date(2024, 9, 27)
"""The default day due rules are computed from: the Friday before the 2024 National Day holiday."""

SAMPLE_YEARS = (2022, 2023, 2024)
"""Years whose targets are checked (a plugin's targets may depend on the year)."""

REMINDER_ACTIONS = frozenset({"designate", "phone", "identity_check", "attendance_check"})
REFERENCE_LEVELS = frozenset({"city", "province"})

# ---------------------------------------------------------------------------------------------
# The event contract: which attributes the core puts on each event, and their legal values
# ---------------------------------------------------------------------------------------------

_DISPUTE = frozenset({"source", "batch_kind", "is_major", "loss_risk", "field", "origin_date"})
_EFFORT = frozenset({"stage", "by_court_letter", "is_major"})
_RECON = frozenset({"decision", "is_correction"})
_CASE = frozenset({"instance", "against_county_government"})
_PERIODIC = frozenset({"scope", "period", "unit_kind"})  # unit_kind only on the per-unit events

EVENT_ATTRIBUTES: dict[EventKind, frozenset[str]] = {
    EventKind.DISPUTE_RECORDED: _DISPUTE,
    EventKind.DISPUTE_UPDATED: _DISPUTE
    | {"period", "loss_risk_raised", "major_raised", "batch_kind_changed"},
    EventKind.LEADER_ASSIGNED: _DISPUTE,
    EventKind.DISPUTE_RESOLVED: _DISPUTE | {"stage"},
    EventKind.RESOLUTION_ASSIGNED: _EFFORT,
    EventKind.RESOLUTION_ACCEPTED: _EFFORT,
    EventKind.RESOLUTION_PROGRESS_REPORTED: _EFFORT,
    EventKind.RESOLUTION_EXTENDED: _EFFORT | {"new_due_date"},
    EventKind.RESOLUTION_HEARING_HELD: _EFFORT,
    EventKind.RESOLUTION_SUCCEEDED: _EFFORT | {"result", "agreement_effective_date"},
    EventKind.RESOLUTION_FAILED: _EFFORT | {"result"},
    EventKind.JUDICIAL_CONFIRMATION_REQUESTED: _EFFORT,
    EventKind.RECONSIDERATION_RECEIVED: _RECON,
    EventKind.RECONSIDERATION_ACCEPTED: _RECON,
    EventKind.RECONSIDERATION_REJECTED: _RECON,
    EventKind.RECONSIDERATION_CONCLUDED: _RECON,
    EventKind.APPLICATION_COPY_SENT: _RECON | {"copy_received_date"},
    EventKind.WRITTEN_REPLY_SUBMITTED: _RECON,
    EventKind.RECONSIDERATION_EXTENDED: _RECON | {"new_due_date"},
    EventKind.CASE_FILED: _CASE,
    EventKind.RESPONSE_NOTICE_RECEIVED: _CASE,
    EventKind.RESPONSE_REPORTED: _CASE,
    EventKind.COMPLAINT_COPY_RECEIVED: _CASE,
    EventKind.DEFENCE_SUBMITTED: _CASE,
    EventKind.HEARING_SCHEDULED: frozenset({"hearing_date", "head_required"}),
    EventKind.HEARING_HEAD_DESIGNATED: frozenset({"hearing_date", "head_required"}),
    EventKind.HEARING_IDENTITY_CHECKED: frozenset({"hearing_date", "head_required", "verified"}),
    EventKind.HEARING_HELD: frozenset({"hearing_date", "head_required", "head_attended"}),
    EventKind.HEARING_RESCHEDULED: frozenset({"hearing_date", "head_required"}),
    EventKind.HEARING_CANCELLED: frozenset({"hearing_date", "head_required"}),
    EventKind.JUDGMENT_RECEIVED: frozenset({"outcome", "is_loss", "instance"}),
    EventKind.JUDGMENT_EFFECTIVE: frozenset({"outcome", "is_loss", "instance", "automatic"}),
    EventKind.JUDGMENT_SERVED: frozenset({"outcome", "is_loss", "instance", "ruling"}),
    EventKind.APPEAL_FILED: frozenset({"instance", "appeal_case_id"}),
    EventKind.DUTY_SUBMITTED: frozenset({"duty_kind"}),
    EventKind.DUTY_REVIEWED: frozenset({"duty_kind"}),
    EventKind.CASE_CLOSED: frozenset(),
    EventKind.DOCUMENT_ISSUED: frozenset({"document", "version"}),
    EventKind.REPORT_SUBMITTED: frozenset({"report", "period"}),
    EventKind.MONTH_START: _PERIODIC,
    EventKind.QUARTER_START: _PERIODIC,
    EventKind.HALF_YEAR_START: _PERIODIC,
    EventKind.YEAR_START: _PERIODIC,
    EventKind.QUARTER_END: _PERIODIC,
    EventKind.HALF_YEAR_END: _PERIODIC,
    EventKind.YEAR_END: _PERIODIC,
    EventKind.WEEK_START: _PERIODIC,
}
"""Attributes a rule may narrow on or count from, per event kind (see docs/plugins.md)."""

DATE_ATTRIBUTES = frozenset(
    {"origin_date", "new_due_date", "agreement_effective_date", "hearing_date", "copy_received_date"}
)
"""Attributes holding a date, usable as a rule's ``anchor``."""

PERIODIC_EVENTS = frozenset(
    {
        EventKind.MONTH_START,
        EventKind.QUARTER_START,
        EventKind.HALF_YEAR_START,
        EventKind.YEAR_START,
        EventKind.QUARTER_END,
        EventKind.HALF_YEAR_END,
        EventKind.YEAR_END,
        EventKind.WEEK_START,
    }
)

_BOOL = (True, False)
ATTRIBUTE_VALUES: dict[str, Iterable[Any]] = {
    "source": [m.value for m in DisputeSource],
    "batch_kind": [m.value for m in BatchKind],
    "field": [m.value for m in DisputeField],
    "stage": [m.value for m in ResolutionStage],
    "result": [m.value for m in ResolutionResult],
    "decision": [m.value for m in ReconsiderationDecision],
    "instance": [m.value for m in Instance],
    "outcome": [m.value for m in OutcomeKind],
    "duty_kind": [m.value for m in DutyKind],
    "scope": ["jurisdiction", "unit"],
    "unit_kind": [m.value for m in UnitKind],
    "is_major": _BOOL,
    "loss_risk": _BOOL,
    "by_court_letter": _BOOL,
    "is_correction": _BOOL,
    "against_county_government": _BOOL,
    "head_required": _BOOL,
    "verified": _BOOL,
    "head_attended": _BOOL,
    "is_loss": _BOOL,
    "ruling": _BOOL,
    "automatic": _BOOL,
}
"""Legal values of the enumerated attributes (others, like ``report``, are free strings)."""


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConformanceReport:
    """The result of :func:`check_plugin`: the plugin's code, rule counts and every problem found."""

    plugin: str
    code: str
    rule_counts: Mapping[str, int]
    problems: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    """Not failures unless asked (``plugins check --strict``): e.g. an inherited escalation chain."""
    escalations: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """Deadline rule id -> the chain that escalates it and whether it was named or inherited."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        head = f"plugin {self.plugin!r} ({self.code}): {dict(self.rule_counts)}"
        if self.ok:
            return f"{head}: conformant"
        return head + "\n" + "\n".join(f"  - {p}" for p in self.problems)


@dataclass(frozen=True)
class PluginRules:
    """Everything one plugin itself contributes (not the defaults'), collected once."""

    name: str
    code: str
    deadlines: tuple[DeadlineRule, ...]
    reminders: tuple[ReminderRule, ...]
    chains: tuple[EscalationChain, ...]
    penalties: tuple[PenaltyRule, ...]
    targets: Mapping[int, tuple[TargetSpec, ...]]
    indicators: tuple[CustomIndicator, ...] = ()
    known_indicators: frozenset[str] = frozenset(INDICATORS)
    events: tuple[PolicyEvent, ...] = ()
    """The events the plugin declares (``caseload_events``)."""
    offices: tuple[Office, ...] = ()
    """The offices the plugin names (``caseload_offices``)."""
    problems: tuple[str, ...] = ()
    """Hooks that raised or answered outside the specification, each with its file and line."""
    origins: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """Rule id (or indicator code) -> the hook and ``file:line`` that answered it."""

    @property
    def all_targets(self) -> tuple[TargetSpec, ...]:
        seen: dict[str, TargetSpec] = {}
        for specs in self.targets.values():
            for spec in specs:
                seen.setdefault(spec.id, spec)
        return tuple(seen.values())

    def rule_ids(self) -> list[str]:
        ids = [r.id for r in self.deadlines] + [r.id for r in self.reminders]
        ids += [i.code for i in self.indicators] + [e.code for e in self.events]
        ids += [o.code for o in self.offices]
        return ids + [t.id for t in self.all_targets] + [p.id for p in self.penalties]


def hook_location(registry: PolicyRegistry, name: str, hook_name: str) -> str:
    """``file:line`` of plugin ``name``'s implementation of ``hook_name`` (``"?"`` when it has none)."""
    plugin = registry.pm.get_plugin(name)
    for impl in getattr(registry.pm.hook, hook_name).get_hookimpls():
        if impl.plugin is plugin:
            function = inspect.unwrap(impl.function)
            try:
                path = inspect.getsourcefile(function) or "?"
                line = inspect.getsourcelines(function)[1]
            except (OSError, TypeError):
                return f"{hook_name} (source not found)"
            return f"{hook_name} at {path}:{line}"
    return hook_name


_HOOK_TYPES: dict[str, type] = {
    "caseload_deadline_rules": DeadlineRule,
    "caseload_hearing_reminders": ReminderRule,
    "caseload_escalation_chains": EscalationChain,
    "caseload_penalty_rules": PenaltyRule,
    "caseload_targets": TargetSpec,
    "caseload_indicators": CustomIndicator,
    "caseload_events": PolicyEvent,
    "caseload_offices": Office,
}


def collect_rules(registry: PolicyRegistry, name: str, years: Iterable[int] = SAMPLE_YEARS) -> PluginRules:
    """Call plugin ``name``'s own hook implementations and gather their answers.

    A hook that raises, answers something other than a list, or lists an item of the wrong type is
    recorded in :attr:`PluginRules.problems` (with the hook and its file and line) instead of
    crashing the kit; the well-typed items are kept so the other checks still run.
    """
    plugin = registry.pm.get_plugin(name)
    problems: list[str] = []
    origins: dict[str, str] = {}
    try:
        profile = registry.policy(name).profile
        code = profile.code if isinstance(profile, JurisdictionProfile) else name
    except Exception as exc:
        where = hook_location(registry, name, "caseload_jurisdiction_profile")
        problems.append(f"{where}: raised {type(exc).__name__}: {exc}")
        code = name

    def own(hook_name: str, **kwargs: Any) -> list[Any]:
        where = hook_location(registry, name, hook_name)
        for impl in getattr(registry.pm.hook, hook_name).get_hookimpls():
            if impl.plugin is not plugin:
                continue
            try:
                result = impl.function(**{k: v for k, v in kwargs.items() if k in impl.argnames})
            except Exception as exc:
                problems.append(f"{where}: raised {type(exc).__name__}: {exc}")
                return []
            if result is None:
                return []
            if not isinstance(result, (list, tuple)):
                problems.append(f"{where}: expected a list, got {type(result).__name__}")
                return []
            kind = _HOOK_TYPES[hook_name]
            good = []
            for item in result:
                if not isinstance(item, kind):
                    problems.append(f"{where}: expected {kind.__name__}, got {type(item).__name__}")
                    continue
                good.append(item)
                origins.setdefault(str(getattr(item, "code", None) or getattr(item, "id", "")), where)
            return good
        return []

    targets = {year: tuple(own("caseload_targets", year=year)) for year in years}
    try:
        known = frozenset(registry.policy(name).indicator_codes)
    except Exception:  # the indicators hook's own failure is reported by own() below
        known = frozenset(INDICATORS)
    return PluginRules(
        name=name,
        code=code,
        deadlines=tuple(own("caseload_deadline_rules")),
        reminders=tuple(own("caseload_hearing_reminders")),
        chains=tuple(own("caseload_escalation_chains")),
        penalties=tuple(own("caseload_penalty_rules")),
        targets=targets,
        indicators=tuple(own("caseload_indicators")),
        known_indicators=known,
        events=tuple(own("caseload_events")),
        offices=tuple(own("caseload_offices")),
        problems=tuple(dict.fromkeys(problems)),
        origins=origins,
    )


# ---------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------


def check_registered(registry: PolicyRegistry, name: str) -> list[str]:
    """The plugin is installed under ``name`` and answers with a profile."""
    if not registry.has(name):
        return [f"plugin {name!r} is not registered (installed: {', '.join(registry.plugin_names)})"]
    if registry.policy(name).profile is None:
        return ["caseload_jurisdiction_profile returns nothing"]
    return []


def check_validation(registry: PolicyRegistry, name: str) -> list[str]:
    """The core's own validation (:func:`validate_plugin`) reports no problem."""
    return [f"validate_plugin: {p}" for p in validate_plugin(registry, name).problems]


def check_profile(policy: Policy, name: str) -> list[str]:
    """Code, names and level are set; reference averages name known indicators and levels."""
    problems: list[str] = []
    profile = policy.profile
    if profile is None:
        return ["no profile"]
    if not re.fullmatch(r"[a-z][a-z0-9_]*", profile.code):
        problems.append(f"profile code {profile.code!r} must be lower-case letters, digits and underscores")
    if not profile.name or not _has_cjk(profile.name):
        problems.append("profile name must be the Chinese name of the jurisdiction")
    if not profile.name_en:
        problems.append("profile has no English name")
    if profile.level not in {lvl.value for lvl in JurisdictionLevel}:
        problems.append(
            f"profile level {profile.level!r} is not one of {[lvl.value for lvl in JurisdictionLevel]}"
        )
    if profile.population is not None and profile.population <= 0:
        problems.append("profile population must be positive")
    for ref in profile.references:
        if not policy.has_indicator(ref.indicator):
            problems.append(f"reference average: unknown indicator {ref.indicator!r}")
        if ref.level not in REFERENCE_LEVELS:
            problems.append(f"reference average {ref.indicator}: level {ref.level!r} not city/province")
        if ref.citation is None:
            problems.append(f"reference average {ref.indicator}: no citation")
    return problems


def check_ids(rules: PluginRules) -> list[str]:
    """Rule and chain ids are unique and start with ``"<code>."``."""
    problems: list[str] = []
    ids = rules.rule_ids()
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        problems.append(f"duplicate rule ids: {', '.join(dupes)}")
    prefix = f"{rules.code}."
    for rule_id in ids:
        if not rule_id.startswith(prefix) or not re.fullmatch(r"[a-z0-9_.]+", rule_id):
            problems.append(f"rule id {rule_id!r} must start with {prefix!r} and use [a-z0-9_.]")
    chain_ids = [c.id for c in rules.chains]
    for chain_id in chain_ids:
        if chain_id != "default" and not chain_id.startswith(prefix):
            problems.append(f"escalation chain id {chain_id!r} must start with {prefix!r}")
    if len(set(chain_ids)) != len(chain_ids):
        problems.append("duplicate escalation chain ids")
    return problems


def normalise(text: str) -> str:
    """Drop all whitespace, so a quote matches across line breaks and indentation."""
    return re.sub(r"\s+", "", text)


def citations_of(rules: PluginRules, policy: Policy) -> list[tuple[str, Citation | None]]:
    """Every citation a plugin's rules carry, each named by where it sits (rule and place)."""
    cited: list[tuple[str, Citation | None]] = [
        *((f"deadline {r.id}", r.citation) for r in rules.deadlines),
        *((f"deadline {r.id} extension", r.extension.citation) for r in rules.deadlines if r.extension),
        *((f"reminder {r.id}", r.citation) for r in rules.reminders),
        *((f"target {t.id}", t.citation) for t in rules.all_targets),
        *((f"penalty {p.id}", p.citation) for p in rules.penalties),
        *((f"penalty {p.id} exemption {e.fact}", e.citation) for p in rules.penalties for e in p.exemptions),
        *((f"chain {c.id}", c.citation) for c in rules.chains),
        *((f"indicator {i.code}", i.citation) for i in rules.indicators),
        *((f"event {e.code}", e.citation) for e in rules.events),
    ]
    profile = policy.profile
    if profile is not None:
        cited.extend((f"reference {ref.indicator}", ref.citation) for ref in profile.references)
    for kind in UnitKind:
        for required in (True, False):
            substitute = policy.substitute_heads(kind.value, required)
            if isinstance(substitute, SubstitutePolicy):
                cited.append((f"substitute heads for {kind.value}", substitute.citation))
    for indicator in INDICATORS:
        definition = policy.indicator_definition(indicator)
        if isinstance(definition, IndicatorDefinition):
            cited.append((f"indicator definition {indicator}", definition.citation))
    return cited


def check_citations(rules: PluginRules, policy: Policy, sources_dir: Path | None = None) -> list[str]:
    """Every rule quotes a Chinese clause; with ``sources_dir``, the quote is verbatim in the file."""
    problems: list[str] = []
    cited = citations_of(rules, policy)
    texts: dict[str, str | None] = {}
    for what, citation in cited:
        if citation is None:
            problems.append(f"{what}: no citation")
            continue
        if not citation.source:
            problems.append(f"{what}: citation names no source")
        if not citation.clause.strip() or not _has_cjk(citation.clause):
            problems.append(f"{what}: citation must quote the Chinese clause")
            continue
        if sources_dir is None:
            continue
        # A quote checked against a file must also tell the reader which document that file is.
        if citation.document is None:
            problems.append(
                f"{what}: citation of {citation.source} declares no source document"
                " (《标题》、文号 for readers)"
            )
        elif citation.document.key != citation.source:
            problems.append(
                f"{what}: citation's document {citation.document.key} is not its source {citation.source}"
            )
        if citation.source not in texts:
            path = sources_dir / citation.source
            texts[citation.source] = normalise(path.read_text(encoding="utf-8")) if path.is_file() else None
        text = texts[citation.source]
        if text is None:
            problems.append(f"{what}: source file {citation.source!r} not found in {sources_dir}")
        elif normalise(citation.clause) not in text:
            problems.append(
                f"{what}: clause not found verbatim in {citation.source}: {citation.clause[:40]}…"
            )
    return problems


def check_replaces(rules: PluginRules, national: frozenset[str]) -> list[str]:
    """A county rule may take the place of a national rule only by naming one that exists, once."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    for rule in rules.deadlines:
        if rule.replaces is None:
            continue
        if rule.replaces not in national:
            problems.append(f"rule {rule.id}: replaces {rule.replaces!r}, which is not a national rule")
        elif rule.replaces in seen:
            problems.append(f"rule {rule.id}: {rule.replaces!r} is already replaced by {seen[rule.replaces]}")
        else:
            seen[rule.replaces] = rule.id
    return problems


def replaced_national_rules(rules: PluginRules) -> list[tuple[str, str]]:
    """(national rule id, the county rule that replaces it), for ``caseload plugins check``."""
    return [(r.replaces, r.id) for r in rules.deadlines if r.replaces is not None]


def check_triggers(rules: PluginRules) -> list[str]:
    """Triggers, ``met_by``, ``cancelled_by`` and ``reopened_by`` use attributes the core emits (or
    the plugin declared), with legal values; an anchor names a date attribute of the trigger."""
    problems: list[str] = []
    declared = {e.code: e for e in rules.events if isinstance(e, PolicyEvent)}
    for rule in rules.deadlines:
        matches = [("trigger", rule.trigger), *(("met_by", m) for m in rule.met_by)]
        matches.extend(("cancelled_by", m) for m in rule.cancelled_by)
        matches.extend(("reopened_by", m) for m in rule.reopened_by)
        for role, match in matches:
            problems.extend(f"rule {rule.id} {role}: {p}" for p in _match_problems(match, declared))
        if not rule.title_zh or not _has_cjk(rule.title_zh) or not rule.title_en:
            problems.append(f"rule {rule.id}: needs a Chinese and an English title")
        problems.extend(_anchor_obligation_problems(rule, rules))
        trigger = rule.trigger
        if not isinstance(trigger, EventMatch):
            continue
        if isinstance(trigger.kind, PolicyEvent):
            if rule.anchor is not None:
                attribute = trigger.kind.attribute(rule.anchor) if isinstance(rule.anchor, str) else None
                if attribute is None or attribute.type is not AttributeType.DATE:
                    problems.append(
                        f"rule {rule.id}: anchor {rule.anchor!r} is not a date attribute"
                        f" of {trigger.kind.code}"
                    )
                elif not attribute.required:
                    problems.append(
                        f"rule {rule.id}: anchor {rule.anchor!r} of {trigger.kind.code} must be required"
                    )
            continue
        if not isinstance(trigger.kind, EventKind):
            continue  # reported above; the anchor and scope checks need a real event kind
        if trigger.kind in PERIODIC_EVENTS and "scope" not in trigger.when:
            problems.append(
                f"rule {rule.id}: a periodic trigger must say its scope ('unit' or 'jurisdiction'), "
                "or it fires for the jurisdiction and for every unit"
            )
        if rule.anchor is not None:
            if not isinstance(rule.anchor, str):
                problems.append(f"rule {rule.id}: anchor must name a date attribute, got {rule.anchor!r}")
            elif rule.anchor not in DATE_ATTRIBUTES:
                problems.append(f"rule {rule.id}: anchor {rule.anchor!r} is not a date attribute")
            elif rule.anchor not in EVENT_ATTRIBUTES.get(trigger.kind, frozenset()):
                problems.append(f"rule {rule.id}: {trigger.kind.value} carries no {rule.anchor!r}")
    return problems


def _anchor_obligation_problems(rule: DeadlineRule, rules: PluginRules) -> list[str]:
    """An obligation anchor names another of the plugin's deadline rules and its met or due date."""
    anchor = rule.anchor_obligation
    if anchor is None:
        return []
    if not isinstance(anchor, ObligationAnchor):
        return [f"rule {rule.id}: anchor_obligation must be an ObligationAnchor, got {type(anchor).__name__}"]
    problems: list[str] = []
    ids = {r.id for r in rules.deadlines}
    if anchor.rule == rule.id:
        problems.append(f"rule {rule.id}: anchor_obligation names the rule itself")
    elif anchor.rule not in ids:
        problems.append(
            f"rule {rule.id}: anchor_obligation names no deadline rule of the plugin: {anchor.rule!r}"
        )
    if anchor.date not in ("met", "due"):
        problems.append(f"rule {rule.id}: anchor_obligation date must be 'met' or 'due', got {anchor.date!r}")
    if rule.anchor is not None:
        problems.append(f"rule {rule.id}: give either anchor (an event date) or anchor_obligation, not both")
    return problems


def _match_problems(match: EventMatch, declared: Mapping[str, PolicyEvent] | None = None) -> list[str]:
    problems: list[str] = []
    if not isinstance(match, EventMatch):
        return [f"expected an EventMatch, got {type(match).__name__}"]
    if isinstance(match.kind, PolicyEvent):
        return _declared_match_problems(match, match.kind, declared or {})
    if not isinstance(match.kind, EventKind):
        known = {k.value: k.name for k in EventKind}
        if isinstance(match.kind, str) and match.kind in known:
            return [f"event kind given as the string {match.kind!r}: use EventKind.{known[match.kind]}"]
        if isinstance(match.kind, str) and declared and match.kind in declared:
            return [f"event kind given as the string {match.kind!r}: use its PolicyEvent declaration"]
        return [f"event kind {match.kind!r} is not an EventKind (a misspelt kind never fires)"]
    allowed = EVENT_ATTRIBUTES.get(match.kind)
    if allowed is None:
        return [f"event {match.kind.value!r} is not emitted by the core"]
    for key, value in match.when.items():
        if key not in allowed:
            problems.append(
                f"{match.kind.value} has no attribute {key!r} (has: {', '.join(sorted(allowed))})"
            )
            continue
        legal = ATTRIBUTE_VALUES.get(key)
        if legal is not None and value not in list(legal):
            problems.append(f"{match.kind.value}.{key} = {value!r} is not a legal value")
        if key == "report" and (not isinstance(value, str) or not value):
            problems.append(f"{match.kind.value}.report must be a non-empty string")
    return problems


def _declared_match_problems(
    match: EventMatch, event: PolicyEvent, declared: Mapping[str, PolicyEvent]
) -> list[str]:
    """A plugin's own event: declared by its ``caseload_events``, narrowed on declared attributes."""
    if declared.get(event.code) != event:
        return [f"event {event.code!r} is not declared by caseload_events (it could never be recorded)"]
    problems: list[str] = []
    for key, value in match.when.items():
        attribute = event.attribute(key)
        if attribute is None:
            names = ", ".join(a.name for a in event.attributes) or "none"
            problems.append(f"{event.code} has no attribute {key!r} (has: {names})")
            continue
        options = value if isinstance(value, frozenset) else frozenset({value})
        for option in options:
            if not _legal(attribute, option):
                problems.append(f"{event.code}.{key} = {option!r} is not a legal {attribute.type.value}")
    return problems


def _legal(attribute: EventAttribute, value: Any) -> bool:
    """Whether ``value`` is a legal value of the declared attribute (as recorded and stored)."""
    if attribute.type is AttributeType.CHOICE:
        return value in attribute.choices
    if attribute.type is AttributeType.BOOLEAN:
        return isinstance(value, bool)
    if attribute.type is AttributeType.INTEGER:
        return isinstance(value, int) and not isinstance(value, bool)
    if attribute.type is AttributeType.DATE:
        return isinstance(value, dt.date)
    return isinstance(value, str) and bool(value)


def check_events(rules: PluginRules) -> list[str]:
    """Each declared event has a prefixed code that fits, titles, a subject and typed attributes."""
    problems: list[str] = []
    for event in rules.events:
        code = event.code
        if not isinstance(code, str) or len(code) > 60:
            problems.append(f"event {code!r}: code must be a string of at most 60 characters")
        if not event.title_zh or not _has_cjk(event.title_zh) or not event.title_en:
            problems.append(f"event {code}: needs a Chinese and an English title")
        if not isinstance(event.subject, EventSubject):
            subjects = ", ".join(s.value for s in EventSubject)
            problems.append(f"event {code}: subject {event.subject!r} is not an EventSubject ({subjects})")
        names = [a.name for a in event.attributes if isinstance(a, EventAttribute)]
        if len(names) != len(set(names)):
            problems.append(f"event {code}: duplicate attribute names")
        for attribute in event.attributes:
            if not isinstance(attribute, EventAttribute):
                problems.append(f"event {code}: expected EventAttribute, got {type(attribute).__name__}")
                continue
            where = f"event {code} attribute {attribute.name!r}"
            if not re.fullmatch(r"[a-z][a-z0-9_]*", attribute.name or ""):
                problems.append(f"{where}: name must be lower-case letters, digits and underscores")
            if not isinstance(attribute.type, AttributeType):
                types = ", ".join(t.value for t in AttributeType)
                problems.append(f"{where}: type {attribute.type!r} is not an AttributeType ({types})")
            elif (attribute.type is AttributeType.CHOICE) != bool(attribute.choices):
                problems.append(f"{where}: choices are given exactly when the type is choice")
            if not attribute.label_zh or not _has_cjk(attribute.label_zh):
                problems.append(f"{where}: needs a Chinese label (users read it in errors)")
    return problems


def check_due_rules(
    rules: PluginRules, sample_date: dt.date = SAMPLE_DATE, calendar: WorkdayCalendar | None = None
) -> list[str]:
    """Every due rule, recurrence, extension limit and escalation step computes a date."""
    calendar = calendar or WorkdayCalendar()
    problems: list[str] = []

    def compute(what: str, rule: DueRule) -> None:
        try:
            result = calendar.due_date(rule, sample_date)
        except Exception as exc:  # any failure is a problem to report, not a crash of the kit
            problems.append(f"{what}: cannot compute from {sample_date}: {type(exc).__name__}: {exc}")
            return
        if not isinstance(result, dt.date):
            problems.append(f"{what}: computed {result!r}, not a date")

    for rule in rules.deadlines:
        compute(f"rule {rule.id} due", rule.due)
        if rule.recurring is not None:
            compute(f"rule {rule.id} recurrence", rule.recurring)
        if rule.extension is not None:
            if rule.extension.max_extension is not None:
                compute(f"rule {rule.id} extension", rule.extension.max_extension)
            if rule.extension.max_extensions is not None and rule.extension.max_extensions < 1:
                problems.append(f"rule {rule.id}: an extension policy must allow at least one extension")
    for chain in rules.chains:
        for i, step in enumerate(chain.steps):
            compute(f"chain {chain.id} step {i + 1}", step.after)
    return problems


def check_escalations(rules: PluginRules, policy: Policy) -> list[str]:
    """Chains named by rules exist; every chain has steps."""
    problems: list[str] = []
    known = policy.escalation_chains
    for rule in rules.deadlines:
        if rule.escalation is not None and rule.escalation not in known:
            problems.append(f"rule {rule.id}: unknown escalation chain {rule.escalation!r}")
        if rule.owner == Owner.OFFICE and rule.owner_office not in policy.offices:
            problems.append(
                f"rule {rule.id}: Owner.OFFICE needs owner_office, one of {', '.join(policy.offices)};"
                f" got {rule.owner_office!r}"
            )
        elif rule.owner_office is not None and rule.owner != Owner.OFFICE:
            problems.append(f"rule {rule.id}: owner_office is only for Owner.OFFICE")
    for chain in rules.chains:
        if not chain.steps:
            problems.append(f"chain {chain.id}: has no steps")
        for i, step in enumerate(chain.steps, start=1):
            if step.recipient == Recipient.OFFICE and step.office not in policy.offices:
                problems.append(
                    f"chain {chain.id} step {i}: Recipient.OFFICE needs an office of"
                    f" {', '.join(policy.offices)}, got {step.office!r}"
                )
            elif step.office is not None and step.recipient != Recipient.OFFICE:
                problems.append(f"chain {chain.id} step {i}: office is only for Recipient.OFFICE")
            if step.interviewer is None:
                continue
            if step.action is not NotificationKind.INTERVIEW:
                problems.append(f"chain {chain.id} step {i}: an interviewer needs action INTERVIEW (约谈)")
            if not isinstance(step.interviewer, Recipient):
                problems.append(
                    f"chain {chain.id} step {i}: interviewer {step.interviewer!r} is not a Recipient"
                )
            elif step.interviewer == step.recipient:
                problems.append(f"chain {chain.id} step {i}: the interviewer is also the interviewee")
    return problems


def check_targets(rules: PluginRules) -> list[str]:
    """Targets name a known indicator, set at least one bound and a legal reference level."""
    problems: list[str] = []
    for spec in rules.all_targets:
        if spec.indicator not in rules.known_indicators:
            problems.append(f"target {spec.id}: unknown indicator {spec.indicator!r}")
        if spec.value is None and spec.reference_level is None and spec.yoy_change is None:
            problems.append(f"target {spec.id}: sets no bound (value, reference_level or yoy_change)")
        if spec.reference_level is not None and spec.reference_level not in REFERENCE_LEVELS:
            problems.append(f"target {spec.id}: reference level {spec.reference_level!r} not city/province")
        if spec.applies_to not in ("jurisdiction", "unit"):
            problems.append(f"target {spec.id}: applies_to must be 'jurisdiction' or 'unit'")
        if spec.word_zh is not None:
            if spec.comparator is None:
                problems.append(f"target {spec.id}: quotes {spec.word_zh!r} but names no comparator")
            else:
                problems.extend(
                    f"target {spec.id}: {w}"
                    for w in _word_problems(spec.word_zh, spec.comparator, spec.comparator.name.lower())
                )
    return problems


def _word_problems(word: str, comparator: Comparator, named: str) -> list[str]:
    """A quoted word must read as its comparator does (民法典第一千二百五十九条)."""
    if word in COMPARATOR_WORDS[comparator]:
        return []
    owner = next((c for c, words in COMPARATOR_WORDS.items() if word in words), None)
    if owner is None:
        known = "、".join(w for words in COMPARATOR_WORDS.values() for w in words)
        return [f"word {word!r} is not a comparator word ({known})"]
    counts = "includes" if owner in (Comparator.AT_LEAST, Comparator.AT_MOST) else "excludes"
    return [
        f"word {word!r} {counts} the number (民法典第一千二百五十九条), so it reads as "
        f"{owner.name.lower()}, not {named}"
    ]


def check_penalties(rules: PluginRules) -> list[str]:
    """Each penalty condition carries the parameters its kind needs."""
    problems: list[str] = []
    for p in rules.penalties:
        c = p.condition
        for ind in (c.indicator, p.indicator):
            if ind is not None and ind not in rules.known_indicators:
                problems.append(f"penalty {p.id}: unknown indicator {ind!r}")
        needs: dict[ConditionKind, list[tuple[str, object]]] = {
            ConditionKind.BOTTOM_N: [("indicator", c.indicator), ("n", c.n)],
            ConditionKind.ABOVE_REFERENCE: [
                ("indicator", c.indicator),
                ("reference_level", c.reference_level),
            ],
            ConditionKind.BELOW_VALUE: [("indicator", c.indicator), ("value", c.value)],
            ConditionKind.ABOVE_VALUE: [("indicator", c.indicator), ("value", c.value)],
            ConditionKind.AT_LEAST_VALUE: [("indicator", c.indicator), ("value", c.value)],
            ConditionKind.AT_MOST_VALUE: [("indicator", c.indicator), ("value", c.value)],
            ConditionKind.RISING: [("indicator", c.indicator)],
            ConditionKind.EVENT: [("fact", c.fact)],
            ConditionKind.TARGET_MISSED: [],
        }
        for attr, value in needs.get(c.kind, []):
            if value is None:
                problems.append(f"penalty {p.id}: condition {c.kind.value} needs {attr}")
        if c.word_zh is not None:
            comparator = CONDITION_COMPARATORS.get(c.kind)
            if comparator is None:
                problems.append(
                    f"penalty {p.id}: word_zh {c.word_zh!r} needs a value condition, not {c.kind.value}"
                )
            else:
                problems.extend(
                    f"penalty {p.id}: {w}" for w in _word_problems(c.word_zh, comparator, c.kind.value)
                )
        if c.kind is ConditionKind.BOTTOM_N and c.n is not None and c.n < 1:
            problems.append(f"penalty {p.id}: n must be at least 1")
        if c.reference_level is not None and c.reference_level not in REFERENCE_LEVELS:
            problems.append(f"penalty {p.id}: reference level {c.reference_level!r} not city/province")
        if p.penalty is PenaltyKind.ZERO_SCORE and p.indicator is None:
            problems.append(f"penalty {p.id}: a zero score must name the indicator it zeroes")
        if p.period not in ("year", "quarter"):
            problems.append(f"penalty {p.id}: period must be 'year' or 'quarter'")
        if p.applies_to not in ("jurisdiction", "unit"):
            problems.append(f"penalty {p.id}: applies_to must be 'jurisdiction' or 'unit'")
        for e in p.exemptions:
            if not re.fullmatch(r"[a-z][a-z0-9_]*", e.fact or ""):
                problems.append(f"penalty {p.id}: exemption fact {e.fact!r} must be a lower-case name")
            if e.fact == c.fact:
                problems.append(f"penalty {p.id}: the exemption fact {e.fact!r} is also its condition")
    return problems


def check_reminders(rules: PluginRules) -> list[str]:
    """Hearing reminders use a known action and a non-negative lead time."""
    problems: list[str] = []
    for r in rules.reminders:
        if r.action not in REMINDER_ACTIONS:
            problems.append(f"reminder {r.id}: action {r.action!r} not one of {sorted(REMINDER_ACTIONS)}")
        if r.days_before < 0:
            problems.append(f"reminder {r.id}: days_before must not be negative")
    return problems


def check_qualifying_heads(policy: Policy) -> list[str]:
    """For every unit kind, with and without the court asking, the ranks are official ranks."""
    problems: list[str] = []
    ranks = {r.value for r in OfficialRank}
    for kind in UnitKind:
        for required in (True, False):
            answer = policy.qualifying_head_ranks(kind.value, required)
            if not answer:
                problems.append(f"qualifying heads for {kind.value} (court asks: {required}): none")
            for rank in answer:
                if rank not in ranks:
                    problems.append(f"qualifying heads for {kind.value}: {rank!r} is not an OfficialRank")
            substitute = policy.substitute_heads(kind.value, required)
            if substitute is None:
                continue
            if not isinstance(substitute, SubstitutePolicy):
                problems.append(f"substitute heads for {kind.value}: expected a SubstitutePolicy")
                continue
            for rank in (*substitute.ranks, *substitute.approver_ranks):
                if rank not in ranks:
                    problems.append(f"substitute heads for {kind.value}: {rank!r} is not an OfficialRank")
            if not substitute.ranks or not substitute.approver_ranks:
                problems.append(f"substitute heads for {kind.value}: name who may stand in and who approves")
    return problems


def check_plugin(
    name: str,
    *,
    registry: PolicyRegistry | None = None,
    sources_dir: Path | None = None,
    sample_date: dt.date = SAMPLE_DATE,
    years: Iterable[int] = SAMPLE_YEARS,
) -> ConformanceReport:
    """Run every check on plugin ``name`` (building a registry when none is given).

    This is the one validation: ``caseload plugins check`` and start-up run it too. A check that
    crashes on a malformed answer is reported as a problem, never raised; each problem about a
    rule ends with the hook that answered it and that hook's ``file:line``.
    """
    registry = registry or build_registry()
    try:
        problems = check_registered(registry, name)
    except Exception as exc:
        where = hook_location(registry, name, "caseload_jurisdiction_profile")
        problems = [f"{where}: raised {type(exc).__name__}: {exc}"]
    if problems:
        return ConformanceReport(name, name, {}, tuple(problems))
    policy = registry.policy(name)
    rules = collect_rules(registry, name, years)
    problems = list(rules.problems)
    steps: list[tuple[str, Any]] = [
        ("validation", lambda: check_validation(registry, name)),
        ("profile", lambda: check_profile(policy, name)),
        ("ids", lambda: check_ids(rules)),
        ("citations", lambda: check_citations(rules, policy, sources_dir)),
        ("events", lambda: check_events(rules)),
        ("triggers", lambda: check_triggers(rules)),
        ("replaces", lambda: check_replaces(rules, registry.national_rule_ids)),
        ("due rules", lambda: check_due_rules(rules, sample_date)),
        ("escalations", lambda: check_escalations(rules, policy)),
        ("targets", lambda: check_targets(rules)),
        ("penalties", lambda: check_penalties(rules)),
        ("reminders", lambda: check_reminders(rules)),
        ("qualifying heads", lambda: check_qualifying_heads(policy)),
    ]
    for step, run in steps:
        try:
            found = run()
        except Exception as exc:  # a malformed answer the checks did not foresee: report, never crash
            found = [f"the {step} check could not read the answers: {type(exc).__name__}: {exc}"]
        problems.extend(_located(p, rules.origins) for p in found if p not in problems)
    counts = {
        "deadline": len(rules.deadlines),
        "hearing_reminder": len(rules.reminders),
        "target": len(rules.all_targets),
        "penalty": len(rules.penalties),
        "escalation": len(rules.chains),
        "indicator": len(rules.indicators),
        "event": len(rules.events),
    }
    return ConformanceReport(
        name,
        rules.code,
        counts,
        tuple(dict.fromkeys(problems)),
        tuple(inherited_chains(rules, policy)),
        escalation_listing(rules, policy),
    )


def _located(problem: str, origins: Mapping[str, str]) -> str:
    """Append the hook and ``file:line`` of the rule a problem names (the longest id that occurs)."""
    for rule_id in sorted(origins, key=len, reverse=True):
        if re.search(rf"(?<![\w.]){re.escape(rule_id)}(?![\w])", problem):
            return f"{problem} [{origins[rule_id]}]"
    return problem


def escalation_listing(rules: PluginRules, policy: Policy) -> dict[str, str]:
    """For every deadline rule, the chain that escalates it when overdue, said explicitly.

    A named chain reads ``chain 'x' (title), named by the rule``; a rule naming none reads
    ``inherits the national 'default' chain (title)`` (or the plugin's own ``"default"``), so the
    listing of ``plugins check`` never leaves the default implicit.
    """
    listing: dict[str, str] = {}
    try:
        chains = policy.escalation_chains
    except Exception:  # the chains hook's own failure is reported by collect_rules
        return listing
    own_default = any(c.id == "default" for c in rules.chains)
    for rule in rules.deadlines:
        if rule.escalation is None:
            chain = chains.get("default")
            whose = "the plugin's own" if own_default else "the national"
            title = (chain.title_zh or chain.id) if chain is not None else "?"
            text = f"names no chain: inherits {whose} 'default' chain ({title})"
        else:
            chain = chains.get(rule.escalation)
            title = (chain.title_zh or chain.id) if chain is not None else "unknown"
            text = f"chain {rule.escalation!r} ({title}), named by the rule"
        if chain is not None:
            steps = " → ".join(f"{s.recipient.value}:{s.action.value}" for s in chain.steps)
            text += f": {steps}"
        listing[rule.id] = text
    return listing


def inherited_chains(rules: PluginRules, policy: Policy) -> list[str]:
    """Warnings: each deadline rule that names no escalation chain and so inherits one.

    A rule without ``escalation`` is escalated by the jurisdiction's ``"default"`` chain, which is
    the national one unless the plugin replaces it: right for a unit's duty, surprising for a duty
    of the county's own offices. ``caseload plugins check --strict`` fails on these.
    """
    warnings: list[str] = []
    try:
        default = policy.escalation_chain(None)
    except Exception:
        return warnings
    own = any(c.id == "default" for c in rules.chains)
    whose = "the plugin's own" if own else "the national"
    for rule in rules.deadlines:
        if rule.escalation is None:
            title = default.title_zh or default.id
            where = rules.origins.get(rule.id, "")
            warnings.append(
                f"rule {rule.id}: names no escalation chain, inherits {whose} 'default' chain "
                f"({title}) [{where}]"
            )
    return warnings


def assert_conformant(
    name: str,
    *,
    registry: PolicyRegistry | None = None,
    sources_dir: Path | None = None,
    sample_date: dt.date = SAMPLE_DATE,
    years: Iterable[int] = SAMPLE_YEARS,
) -> ConformanceReport:
    """Like :func:`check_plugin`, but raise ``AssertionError`` listing every problem."""
    report = check_plugin(
        name, registry=registry, sources_dir=sources_dir, sample_date=sample_date, years=years
    )
    if not report.ok:
        raise AssertionError(str(report))
    return report


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# ---------------------------------------------------------------------------------------------
# Driving the core from a plugin's tests
# ---------------------------------------------------------------------------------------------


def make_event(
    kind: EventKind | PolicyEvent,
    jurisdiction_id: int,
    on: dt.date,
    subject_type: str,
    subject_id: int,
    unit_id: int | None = None,
    **attributes: Any,
) -> Event:
    """Build an :class:`Event` as a core service (or ``recordPolicyEvent``) would emit it.

    ``kind`` is a core :class:`EventKind` or one of the plugin's :class:`PolicyEvent` declarations;
    ``on`` is the event date rules count from (unless a rule names an ``anchor``);
    ``subject_type``/``subject_id`` the record it is about (``met_by`` matches events on the same
    subject: ``"hearing"``, ``"litigation_case"``, ``"dispute"``, ``"unit"`` …); ``unit_id`` the unit
    whose duty it creates (``Owner.UNIT`` obligations go to it); ``attributes`` what ``when`` and
    ``anchor`` read (core events: :data:`EVENT_ATTRIBUTES`). No attribute is checked here: a test
    may build an event the validation would refuse.
    """
    built: EventKind | DeclaredKind = DeclaredKind(kind.code) if isinstance(kind, PolicyEvent) else kind
    return Event(built, jurisdiction_id, on, subject_type, subject_id, unit_id, dict(attributes))


async def drive(ctx: ServiceContext, jurisdiction_id: int, event: Event) -> list[Obligation]:
    """Emit ``event`` in ``jurisdiction_id`` through the core obligation engine; return what it created.

    The event's own ``jurisdiction_id`` is replaced, so a test can build events before it knows the
    id. The session is flushed, so the caller can query the obligations at once.
    """
    from core.obligations.engine import emit

    if event.jurisdiction_id != jurisdiction_id:
        event = dataclasses.replace(event, jurisdiction_id=jurisdiction_id)
    created = await emit(ctx, event)
    await ctx.session.flush()
    return created


async def obligations_on(
    ctx: ServiceContext, subject_type: str, subject_id: int, rule_id: str | None = None
) -> list[Obligation]:
    """The obligations on one subject (optionally of one rule), oldest first."""
    from sqlalchemy import select

    from core.obligations.models import Obligation

    stmt = select(Obligation).where(
        Obligation.subject_type == subject_type, Obligation.subject_id == subject_id
    )
    if rule_id is not None:
        stmt = stmt.where(Obligation.rule_id == rule_id)
    await ctx.session.flush()
    return list(await ctx.session.scalars(stmt.order_by(Obligation.id)))
