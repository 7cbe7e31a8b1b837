"""Building the plugin manager once at start-up, validating plugins, and the per-jurisdiction facade."""

from __future__ import annotations

import importlib
import importlib.metadata
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pluggy

from core.errors import ConfigurationError, DomainError
from core.policy import catalog, hookspecs
from core.policy.hookspecs import PROJECT
from core.policy.types import (
    INDICATORS,
    NATIONAL_OFFICES,
    CustomIndicator,
    DeadlineRule,
    EscalationChain,
    Event,
    IndicatorDefinition,
    JurisdictionProfile,
    Office,
    PenaltyRule,
    PolicyEvent,
    ReminderRule,
    SubstitutePolicy,
    TargetSpec,
)

ENTRY_POINT_GROUP = "caseload.plugins"
BUILTIN_PLUGINS = ("xx_county", "wuping", "wuyang", "qiannan")
DEFAULTS_NAME = "defaults"


class PluginError(ConfigurationError):
    """A plugin could not be loaded or answered outside the hook specification."""

    def __init__(self, plugin: str, problem: str) -> None:
        super().__init__(f"plugin '{plugin}': {problem}")
        self.plugin = plugin
        self.problem = problem


class PluginUnavailable(DomainError):
    """A jurisdiction's plugin failed to load or raised: only that plugin's jurisdictions get this.

    The message names the plugin, the hook and the place (``file:line``) so the county's developer
    knows where to look; every other jurisdiction keeps serving.
    """

    def __init__(self, plugin: str, hook: str, place: str, problem: str) -> None:
        where = f"{hook} ({place})" if place else hook
        super().__init__(
            "plugin_unavailable",
            f"本辖区的政策插件“{plugin}”出错，暂不可用：{where}：{problem}",
            f"policy plugin '{plugin}' is unavailable: {where}: {problem}",
        )
        self.plugin = plugin
        self.hook = hook
        self.place = place
        self.problem = problem


def _raising_place(exc: BaseException) -> str:
    """``file:line`` of the deepest frame outside pluggy and this module: where the plugin raised."""
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if "/pluggy/" not in f.filename and f.filename != __file__
    ]
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else ""


@dataclass(frozen=True)
class PluginReport:
    name: str
    origin: str
    code: str
    title: str
    rule_counts: Mapping[str, int]
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def total_rules(self) -> int:
        return sum(self.rule_counts.values())


@dataclass(frozen=True)
class RuleInfo:
    """Any rule of a plugin, flattened for display: id, kind, titles, citation, parameters."""

    id: str
    kind: str
    title_zh: str
    title_en: str
    source: str
    clause: str
    section: str
    parameters: Mapping[str, Any] = field(default_factory=dict)


class Policy:
    """The typed facade through which the core asks one jurisdiction's plugin (and the defaults)."""

    def __init__(self, name: str, pm: pluggy.PluginManager, hook: Any) -> None:
        self.name = name
        self._pm = pm
        self._hook = hook
        self._targets: dict[int, list[TargetSpec]] = {}

    # -- identity ---------------------------------------------------------------------------
    @property
    def profile(self) -> JurisdictionProfile | None:
        return self._cached("profile", lambda: self._hook.caseload_jurisdiction_profile())

    # -- deadlines --------------------------------------------------------------------------
    @property
    def deadline_rules(self) -> list[DeadlineRule]:
        """Every rule in force: the county's, then the national ones it does not replace by name."""

        def build() -> list[DeadlineRule]:
            rules: list[DeadlineRule] = _flatten(self._hook.caseload_deadline_rules())
            replaced = {r.replaces for r in rules if r.replaces}
            return [r for r in rules if r.id not in replaced]

        return self._cached("deadlines", build)

    def deadline_rule(self, rule_id: str) -> DeadlineRule | None:
        return self._cached("deadline_index", lambda: {r.id: r for r in self.deadline_rules}).get(rule_id)

    def rules_triggered_by(self, event: Event) -> list[DeadlineRule]:
        return [r for r in self.deadline_rules if r.trigger.matches(event)]

    @property
    def declared_events(self) -> dict[str, PolicyEvent]:
        """The events of the jurisdiction's own (``caseload_events``), by code."""

        def build() -> dict[str, PolicyEvent]:
            events: dict[str, PolicyEvent] = {}
            for declared in _flatten(self._hook.caseload_events()):
                if isinstance(declared, PolicyEvent):
                    events.setdefault(declared.code, declared)
            return events

        return self._cached("events", build)

    @property
    def offices(self) -> dict[str, Office]:
        """The national offices and those the plugin names (``caseload_offices``), by code."""

        def build() -> dict[str, Office]:
            found = {o.code: o for o in NATIONAL_OFFICES}
            for office in _flatten(self._hook.caseload_offices()):
                if isinstance(office, Office):
                    found.setdefault(office.code, office)
            return found

        return self._cached("offices", build)

    @property
    def hearing_reminders(self) -> list[ReminderRule]:
        return self._cached("reminders", lambda: _flatten(self._hook.caseload_hearing_reminders()))

    @property
    def warning_thresholds(self) -> list[int]:
        return self._cached("warnings", lambda: list(self._hook.caseload_warning_thresholds() or []))

    # -- escalation -------------------------------------------------------------------------
    @property
    def escalation_chains(self) -> dict[str, EscalationChain]:
        def build() -> dict[str, EscalationChain]:
            chains: dict[str, EscalationChain] = {}
            # County plugins answer first; the first chain of an id wins over the defaults'.
            for chain in _flatten(self._hook.caseload_escalation_chains()):
                chains.setdefault(chain.id, chain)
            return chains

        return self._cached("chains", build)

    def escalation_chain(self, chain_id: str | None) -> EscalationChain:
        chains = self.escalation_chains
        return chains.get(chain_id or "default") or chains["default"]

    # -- indicators, targets, penalties -----------------------------------------------------
    def targets(self, year: int) -> list[TargetSpec]:
        if year not in self._targets:
            self._targets[year] = _flatten(self._hook.caseload_targets(year=year))
        return self._targets[year]

    def qualifying_head_ranks(self, unit_kind: str, court_requires_head: bool) -> list[str]:
        ranks = self._hook.caseload_qualifying_head_ranks(
            unit_kind=unit_kind, court_requires_head=court_requires_head
        )
        return list(ranks or [])

    def substitute_heads(self, unit_kind: str, court_requires_head: bool) -> SubstitutePolicy | None:
        found: SubstitutePolicy | None = self._hook.caseload_substitute_heads(
            unit_kind=unit_kind, court_requires_head=court_requires_head
        )
        return found

    def indicator_definition(self, indicator: str) -> IndicatorDefinition | None:
        result: IndicatorDefinition | None = self._hook.caseload_indicator_definition(indicator=indicator)
        return result

    @property
    def custom_indicators(self) -> list[CustomIndicator]:
        """The indicators this jurisdiction adds, checked and registered in :mod:`core.policy.catalog`.

        One that fails the checks is left out (``caseload plugins check`` and start-up name it).
        """
        return self._checked_indicators()[0]

    @property
    def indicator_problems(self) -> list[str]:
        return self._checked_indicators()[1]

    def _checked_indicators(self) -> tuple[list[CustomIndicator], list[str]]:
        def build() -> tuple[list[CustomIndicator], list[str]]:
            good: list[CustomIndicator] = []
            found: list[str] = []
            rule_ids = frozenset(r.id for r in self.deadline_rules)
            for item in _flatten(self._hook.caseload_indicators()):
                problems = catalog.problems(self.name, item, rule_ids)
                if not problems and item.code in {g.code for g in good}:
                    problems = [f"indicator {item.code!r}: added twice"]
                if problems:
                    found.extend(problems)
                    continue
                catalog.register(item)
                good.append(item)
            return good, found

        result: tuple[list[CustomIndicator], list[str]] = self._cached("custom_indicators", build)
        return result

    @property
    def indicator_codes(self) -> tuple[str, ...]:
        """Every indicator of this jurisdiction: the national ones, then the plugin's own."""
        return self._cached(
            "indicator_codes", lambda: (*INDICATORS, *(c.code for c in self.custom_indicators))
        )

    def has_indicator(self, code: str) -> bool:
        return code in self.indicator_codes

    @property
    def penalty_rules(self) -> list[PenaltyRule]:
        return self._cached("penalties", lambda: _flatten(self._hook.caseload_penalty_rules()))

    # -- listing ----------------------------------------------------------------------------
    def rules(self, year: int | None = None) -> list[RuleInfo]:
        """Every rule in force, for display and for ``caseload plugins check``."""
        infos: list[RuleInfo] = []
        for d in self.deadline_rules:
            params: dict[str, Any] = {
                "event": d.trigger.kind.value,
                "due": d.due.to_dict(),
                "owner": d.owner.value,
            }
            if d.trigger.when:
                params["when"] = dict(d.trigger.when)
            if d.extension:
                params["maxExtensions"] = d.extension.max_extensions
            if d.anchor_obligation is not None:
                params["anchorObligation"] = {
                    "rule": d.anchor_obligation.rule,
                    "date": d.anchor_obligation.date,
                }
            if d.owner_office is not None:
                params["ownerOffice"] = d.owner_office
            infos.append(_info(d.id, "deadline", d.title_zh, d.title_en, d.citation, params))
        for r in self.hearing_reminders:
            infos.append(
                _info(
                    r.id,
                    "hearing_reminder",
                    r.title_zh,
                    r.title_en,
                    r.citation,
                    {"daysBefore": r.days_before, "action": r.action},
                )
            )
        for t in self.targets(year or 2024):
            params = {"indicator": t.indicator}
            if t.comparator:
                params["comparator"] = t.comparator.value
            if t.value is not None:
                params["value"] = str(t.value)
            if t.reference_level:
                params["reference"] = t.reference_level
            if t.yoy_change is not None:
                params["yoyChange"] = str(t.yoy_change)
            if t.word_zh:
                params["word"] = t.word_zh
            infos.append(_info(t.id, "target", t.title_zh, t.title_en, t.citation, params))
        for p in self.penalty_rules:
            params = {"penalty": p.penalty.value, "condition": p.condition.kind.value, "period": p.period}
            if p.condition.indicator:
                params["indicator"] = p.condition.indicator
            if p.condition.n is not None:
                params["n"] = p.condition.n
            if p.condition.value is not None:
                params["value"] = str(p.condition.value)
            if p.condition.word_zh:
                params["word"] = p.condition.word_zh
            if p.exemptions:
                params["exemptions"] = [e.fact for e in p.exemptions]
            infos.append(_info(p.id, "penalty", p.title_zh, p.title_en, p.citation, params))
        for added in self.custom_indicators:
            params = {"kind": added.kind.value, "records": added.records.value, **_filter_params(added)}
            infos.append(
                _info(added.code, "indicator", added.label_zh, added.description_en, added.citation, params)
            )
        for c in self.escalation_chains.values():
            if c.citation is not None:
                steps = [f"{s.recipient.value}:{s.action.value}" for s in c.steps]
                infos.append(
                    _info(
                        f"chain.{c.id}", "escalation", c.title_zh or c.id, c.id, c.citation, {"steps": steps}
                    )
                )
        return infos

    def rule_info(self, rule_id: str) -> RuleInfo | None:
        """The displayable rule with this id (deadline, reminder, penalty, target or chain)."""
        index: dict[str, RuleInfo] = self._cached("rule_index", lambda: {r.id: r for r in self.rules()})
        return index.get(rule_id)

    def _cached(self, key: str, build: Any) -> Any:
        cache_attr = f"_cache_{key}"
        if not hasattr(self, cache_attr):
            setattr(self, cache_attr, build())
        return getattr(self, cache_attr)


def _info(rule_id: str, kind: str, zh: str, en: str, citation: Any, params: Mapping[str, Any]) -> RuleInfo:
    return RuleInfo(
        id=rule_id,
        kind=kind,
        title_zh=zh,
        title_en=en,
        source=citation.source,
        clause=citation.clause,
        section=citation.section,
        parameters=params,
    )


def _filter_params(c: CustomIndicator) -> dict[str, Any]:
    def shown(value: Any) -> Any:
        return sorted(value) if isinstance(value, frozenset) else value

    out: dict[str, Any] = {f"numerator.{k}": shown(v) for k, v in c.numerator.used().items()}
    if c.denominator is not None:
        out |= {f"denominator.{k}": shown(v) for k, v in c.denominator.used().items()}
    return out


def _flatten(results: Iterable[Iterable[Any] | None]) -> list[Any]:
    out: list[Any] = []
    for r in results:
        if r:
            out.extend(r)
    return out


class PolicyRegistry:
    """The plugin manager (built once at start-up) and a cached facade per plugin."""

    def __init__(self, pm: pluggy.PluginManager, origins: Mapping[str, str]) -> None:
        self.pm = pm
        self.origins = dict(origins)
        self._policies: dict[str, Policy] = {}
        self.broken: dict[str, PluginUnavailable] = {}
        """Plugins isolated at start-up (failed to load or to validate): name -> the error they give."""

    def mark_broken(self, error: PluginUnavailable) -> None:
        """Isolate one plugin: its jurisdictions answer ``error``; every other plugin serves."""
        self.broken[error.plugin] = error
        self._policies.pop(error.plugin, None)

    @property
    def plugin_names(self) -> list[str]:
        return [n for n in self.origins if n != DEFAULTS_NAME]

    @property
    def national_rule_ids(self) -> frozenset[str]:
        """The ids of the national defaults' deadline rules: the only ones ``replaces`` may name."""
        rules = _own(self, self.pm.get_plugin(DEFAULTS_NAME), "caseload_deadline_rules") or []
        return frozenset(r.id for r in rules if isinstance(r, DeadlineRule))

    def has(self, name: str) -> bool:
        return (name in self.origins or name in self.broken) and name != DEFAULTS_NAME

    def policy(self, name: str) -> Policy:
        """The facade for plugin ``name`` (its hooks, then the defaults').

        Raises :class:`PluginUnavailable` for a plugin isolated by :meth:`mark_broken`.
        """
        if name in self.broken:
            raise self.broken[name]
        if name not in self._policies:
            if not self.has(name):
                raise PluginError(
                    name, f"no such plugin (installed: {', '.join(self.plugin_names) or 'none'})"
                )
            others = [self.pm.get_plugin(n) for n in self.plugin_names if n != name]
            hook = _SubsetHooks(self.pm, [p for p in others if p is not None], name)
            self._policies[name] = Policy(name, self.pm, hook)
        return self._policies[name]

    def check(self) -> list[PluginReport]:
        return [validate_plugin(self, name) for name in self.plugin_names if name not in self.broken]


class _SubsetHooks:
    """Attribute access to hook callers that skip the other county plugins."""

    def __init__(self, pm: pluggy.PluginManager, remove: list[object], name: str = "?") -> None:
        self._pm = pm
        self._remove = remove
        self._name = name

    def __getattr__(self, hook_name: str) -> Any:
        caller = self._pm.subset_hook_caller(hook_name, remove_plugins=self._remove)
        name = self._name

        def call(**kwargs: Any) -> Any:
            # A hook raising at run time becomes this jurisdiction's error, not the server's.
            try:
                return caller(**kwargs)
            except DomainError:
                raise
            except Exception as exc:
                place = _raising_place(exc)
                raise PluginUnavailable(
                    name, hook_name, place, f"raised {type(exc).__name__}: {exc}"
                ) from exc

        setattr(self, hook_name, call)
        return call


def _new_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    return pm


def build_registry(
    *,
    extra: Mapping[str, object] | None = None,
    builtins: Iterable[str] = BUILTIN_PLUGINS,
    entry_points: bool = True,
    isolate: bool = False,
) -> PolicyRegistry:
    """Load the defaults, the built-in plugins, installed entry-point plugins and ``extra`` ones.

    Raises :class:`PluginError` naming the plugin when one cannot be imported or registered, or
    when a hook implementation has no specification (pluggy's ``check_pending``). With ``isolate``
    (the server's start-up), such a plugin is instead left out and listed in ``broken``, so only
    its jurisdictions fail.
    """
    pm = _new_manager()
    origins: dict[str, str] = {}
    broken: list[PluginError] = []
    defaults = importlib.import_module("plugins.defaults")
    pm.register(defaults, name=DEFAULTS_NAME)
    origins[DEFAULTS_NAME] = "builtin"

    def register(name: str, load: Any, origin: str) -> None:
        try:
            _register(pm, origins, name, load, origin)
        except PluginError as exc:
            if not isolate:
                raise
            broken.append(exc)

    for name in builtins:
        register(name, lambda n=name: importlib.import_module(f"plugins.{n}"), "builtin")
    if entry_points:
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in origins:
                continue
            dist = ep.dist.name if ep.dist is not None else "?"
            register(ep.name, ep.load, f"entry point {ep.value} ({dist})")
    for name, obj in (extra or {}).items():
        register(name, lambda o=obj: o, "extra")
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(getattr(exc, "plugin", "?").__class__.__name__, str(exc)) from exc
    registry = PolicyRegistry(pm, origins)
    for error in broken:
        registry.mark_broken(PluginUnavailable(error.plugin, "load", "", error.problem))
    return registry


def _register(pm: pluggy.PluginManager, origins: dict[str, str], name: str, load: Any, origin: str) -> None:
    try:
        plugin = load()
    except Exception as exc:
        raise PluginError(name, f"failed to load: {type(exc).__name__}: {exc}") from exc
    try:
        pm.register(plugin, name=name)
        pm.check_pending()
    except (ValueError, pluggy.PluginValidationError) as exc:
        if pm.is_registered(plugin):
            pm.unregister(plugin)  # so an isolated plugin's hooks never answer for anyone
        raise PluginError(name, f"does not follow the hook specification: {exc}") from exc
    origins[name] = origin


def validate_plugin(registry: PolicyRegistry, name: str) -> PluginReport:
    """Call every hook of plugin ``name`` and check the answers' types and references."""
    problems: list[str] = []
    policy = registry.policy(name)
    counts: dict[str, int] = {}
    code, title = name, name

    def expect(items: Any, kind: type, label: str) -> list[Any]:
        if not isinstance(items, list):
            problems.append(f"{label}: expected a list, got {type(items).__name__}")
            return []
        good = []
        for item in items:
            if isinstance(item, kind):
                good.append(item)
            else:
                problems.append(f"{label}: expected {kind.__name__}, got {type(item).__name__}")
        return good

    try:
        profile = policy.profile
        if not isinstance(profile, JurisdictionProfile):
            problems.append("caseload_jurisdiction_profile: expected a JurisdictionProfile")
        else:
            code, title = profile.code, profile.name
        own = registry.pm.get_plugin(name)
        deadlines = expect(_own(registry, own, "caseload_deadline_rules"), DeadlineRule, "deadline rules")
        reminders = expect(
            _own(registry, own, "caseload_hearing_reminders"), ReminderRule, "hearing reminders"
        )
        chains = expect(
            _own(registry, own, "caseload_escalation_chains"), EscalationChain, "escalation chains"
        )
        penalties = expect(_own(registry, own, "caseload_penalty_rules"), PenaltyRule, "penalty rules")
        targets = expect(_own(registry, own, "caseload_targets", year=2024), TargetSpec, "targets")
        counts = {
            "deadline": len(deadlines),
            "hearing_reminder": len(reminders),
            "escalation": len(chains),
            "target": len(targets),
            "penalty": len(penalties),
        }
        ids = [r.id for r in (*deadlines, *reminders, *targets, *penalties)]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            problems.append(f"duplicate rule ids: {', '.join(dupes)}")
        known_chains = set(policy.escalation_chains)
        for d in deadlines:
            if d.escalation and d.escalation not in known_chains:
                problems.append(f"rule {d.id}: unknown escalation chain '{d.escalation}'")
            if not d.citation.clause:
                problems.append(f"rule {d.id}: citation has no clause")
        problems.extend(policy.indicator_problems)
        added = [c for c in policy.custom_indicators if c.code.startswith(f"{name}.")]
        counts["indicator"] = len(added)
        for t in targets:
            if not policy.has_indicator(t.indicator):
                problems.append(f"target {t.id}: unknown indicator '{t.indicator}'")
        for p in penalties:
            for ind in (p.condition.indicator, p.indicator):
                if ind is not None and not policy.has_indicator(ind):
                    problems.append(f"penalty {p.id}: unknown indicator '{ind}'")
        for ind in INDICATORS:
            definition = policy.indicator_definition(ind)
            if definition is not None and not isinstance(definition, IndicatorDefinition):
                problems.append(f"indicator definition {ind}: expected IndicatorDefinition")
        thresholds = policy.warning_thresholds
        if not all(isinstance(x, int) and x >= 0 for x in thresholds):
            problems.append("warning thresholds must be non-negative integers")
    except PluginUnavailable as exc:
        problems.append(f"{exc.hook} ({exc.place}): {exc.problem}")
    except Exception as exc:
        problems.append(f"raised {type(exc).__name__}: {exc}")
    return PluginReport(
        name=name,
        origin=registry.origins.get(name, "?"),
        code=code,
        title=title,
        rule_counts=counts,
        problems=tuple(problems),
    )


def _own(registry: PolicyRegistry, plugin: object, hook_name: str, **kwargs: Any) -> Any:
    """Call one plugin's own implementation of a hook (not the defaults')."""
    hook = getattr(registry.pm.hook, hook_name)
    for impl in hook.get_hookimpls():
        if impl.plugin is plugin:
            argnames = impl.argnames
            return impl.function(**{k: v for k, v in kwargs.items() if k in argnames})
    return []
