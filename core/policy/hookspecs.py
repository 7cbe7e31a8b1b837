"""The plugin API of caseload: hook specifications for a jurisdiction's policy.

A policy plugin is a module (or object) with functions marked ``@hookimpl`` (import it from
``core.policy``) whose names are the hooks below. A jurisdiction record names one plugin; for that
jurisdiction the core calls that plugin's hooks and then the national defaults plugin
(``plugins.defaults``, registered ``trylast``). A plugin implements only the hooks it needs, and an
implementation may accept a subset of a hook's arguments, so hooks can gain arguments later.

Hooks are synchronous and pure: data in, data out. They must not touch the database or Redis and
must return the dataclasses of ``core.policy.types``; the core validates every answer when the
plugin is loaded (``caseload plugins check``) and refuses to start on a broken plugin.

Hooks marked *firstresult* stop at the first non-``None`` answer (the county plugin's, before the
defaults'); the others collect a list from every plugin, county first.
"""

from __future__ import annotations

import pluggy

from core.policy.types import (
    CustomIndicator,
    DeadlineRule,
    EscalationChain,
    IndicatorDefinition,
    JurisdictionProfile,
    Office,
    PenaltyRule,
    PolicyEvent,
    ReminderRule,
    SubstitutePolicy,
    TargetSpec,
)

PROJECT = "caseload"
hookspec = pluggy.HookspecMarker(PROJECT)


# ---------------------------------------------------------------------------------------------
# Identity of the jurisdiction
# ---------------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def caseload_jurisdiction_profile() -> JurisdictionProfile | None:  # type: ignore[empty-body]
    """Describe the jurisdiction this plugin governs.

    Returns a :class:`JurisdictionProfile`: its ``code`` (the key used to name the plugin in a
    jurisdiction record), Chinese and English names, level (``"county"`` or ``"prefecture"``),
    population (for 万人成讼率), the names of its parent city/prefecture and province, and any
    reference averages (city or provincial) the plugin's sources state, each with its citation.
    ``None`` means "no profile" (only the defaults plugin answers so).
    """


# ---------------------------------------------------------------------------------------------
# Deadlines and reminders
# ---------------------------------------------------------------------------------------------


@hookspec
def caseload_deadline_rules() -> list[DeadlineRule]:  # type: ignore[empty-body]
    """Return every deadline rule of the jurisdiction (collected from all plugins).

    Each :class:`DeadlineRule` says which event (``trigger``, optionally narrowed by attribute
    values) creates an obligation, for whom (``owner``), due when (``due``, a
    :class:`core.calendar.rules.DueRule` counted from the event date or from the ``anchor``
    attribute), which later event on the same subject fulfils it (``met_by``), how it may be
    extended (``extension``), which escalation chain applies when it is overdue (``escalation``,
    an id from :func:`caseload_escalation_chains`; ``None`` for the default chain), whether it is
    urgent (reminders ignore quiet hours) and whether it recurs (``recurring``). The rule's
    ``citation`` quotes the clause that imposes it and carries the :class:`SourceDocument` it comes
    from (《title》 and 文号, what users read; the file name stays internal). Rule ids must be
    unique in the plugin.
    """


@hookspec
def caseload_events() -> list[PolicyEvent]:  # type: ignore[empty-body]
    """Return the events of the jurisdiction's own that its rules use (collected from all plugins).

    A :class:`PolicyEvent` is something the core does not know happened until someone says so: the
    county government office sent a 督促函 for a hearing, a unit was criticised in the bulletin
    (通报批评). Each declares its ``code`` (``"<plugin>.<name>"``), Chinese and English titles, its
    ``subject`` (:class:`EventSubject`: the hearing, case, dispute, reconsideration, unit or the
    jurisdiction it is about), the clause it comes from, and typed ``attributes``
    (:class:`EventAttribute`: text, date, integer, boolean or a choice). The justice bureau or an
    administrator records one with the ``recordPolicyEvent`` mutation; the core checks the
    attributes against the declaration (errors name ``attributes.<name>``), audits it and emits
    it, so a rule may use the declaration as a ``trigger``, ``met_by``, ``cancelled_by`` or
    ``reopened_by`` kind and a date attribute as its ``anchor``. The validation checks that every
    rule's declared kind is declared here and names only declared attributes with legal values.
    """


@hookspec
def caseload_offices() -> list[Office]:  # type: ignore[empty-body]
    """Return the offices the jurisdiction names beyond the national ones (collected).

    The national offices (:data:`core.policy.types.NATIONAL_OFFICES`: the county government office,
    the justice bureau, the court liaison) always exist. A plugin adds others (code
    ``"<plugin>.<name>"``, e.g. a 法治督察办). Rules name an office as a duty's owner
    (``owner=Owner.OFFICE, owner_office=code``) or a step's recipient (``Recipient.OFFICE``,
    ``office=code``); the jurisdiction's administrator maps each office to a unit and optionally an
    official with ``assignOffice`` (``offices`` lists them); an unmapped office falls back to the
    justice bureau's staff.
    """


@hookspec
def caseload_hearing_reminders() -> list[ReminderRule]:  # type: ignore[empty-body]
    """Return the reminders and checks to run before each hearing.

    Each :class:`ReminderRule` fires ``days_before`` the hearing date (calendar days unless
    ``working_days``), with an ``action``: ``"designate"`` (ask the unit to name the appearing
    head), ``"phone"`` (a reminder call), ``"identity_check"`` (check the named person is a
    qualifying head) or ``"attendance_check"`` (check the head actually appeared). Empty list:
    no hearing reminders beyond the defaults.
    """


@hookspec(firstresult=True)
def caseload_warning_thresholds() -> list[int] | None:  # type: ignore[empty-body]
    """Working days before a due date at which a warning goes out (e.g. ``[3, 1]``).

    *firstresult*: the county's answer wins; ``None`` falls through to the defaults.
    """


# ---------------------------------------------------------------------------------------------
# Escalation
# ---------------------------------------------------------------------------------------------


@hookspec
def caseload_escalation_chains() -> list[EscalationChain]:  # type: ignore[empty-body]
    """Return the escalation chains the jurisdiction's rules refer to by id.

    An :class:`EscalationChain` is an ordered tuple of :class:`EscalationStep`: how long after the
    due date (``after``), who is told (``recipient``) and how (``action``: a reminder, an
    escalation, a reminder letter 工作提醒函, an interview 约谈, public criticism 通报批评).
    The chain with id ``"default"`` applies to rules that name none; a county's ``"default"``
    replaces the national one.
    """


# ---------------------------------------------------------------------------------------------
# Indicators, targets and assessment
# ---------------------------------------------------------------------------------------------


@hookspec
def caseload_targets(year: int) -> list[TargetSpec]:  # type: ignore[empty-body]
    """Return the default targets for ``year`` (administrators may override them).

    A :class:`TargetSpec` bounds an indicator (a code of ``core.policy.types.INDICATORS``) by an
    absolute ``value``, by a ``reference_level`` average (``"city"`` or ``"province"``), by a
    year-on-year change (``yoy_change``, e.g. ``Decimal("-0.10")``), or several of these at once.
    """


@hookspec(firstresult=True)
def caseload_indicator_definition(indicator: str) -> IndicatorDefinition | None:  # type: ignore[empty-body]
    """Refine how ``indicator`` is counted here (e.g. which outcomes count as a loss).

    *firstresult*: ``None`` keeps the national definition of DOMAIN.md section 2.
    """


@hookspec
def caseload_indicators() -> list[CustomIndicator]:  # type: ignore[empty-body]
    """Return the indicators this jurisdiction adds to the national ones.

    A :class:`CustomIndicator` counts one kind of record (:class:`CountedRecords`: cases filed or
    concluded, hearings held, cases heard, reconsiderations received or concluded, disputes
    received, obligations due) narrowed by a :class:`RecordFilter`, as a count, a rate or a figure
    per 10,000 residents. Its code is ``"<plugin>.<name>"``; targets, penalties and reference
    figures may name it like a national indicator. The core computes it in SQL.
    """


@hookspec
def caseload_penalty_rules() -> list[PenaltyRule]:  # type: ignore[empty-body]
    """Return the penalties an assessment may impose and the condition of each.

    A :class:`PenaltyRule` pairs a :class:`PenaltyCondition` (ranked in the bottom n on an
    indicator, missed its target, above a reference average, rising year on year, or a recorded
    fact such as a loss caused by unlawful conduct) with a :class:`PenaltyKind` (zero score on an
    indicator, no "excellent" rating, interview, reminder letter, public criticism, loss of award
    eligibility, rectification, accountability, focus supervision, points deducted).
    """


# ---------------------------------------------------------------------------------------------
# Hearings
# ---------------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def caseload_qualifying_head_ranks(  # type: ignore[empty-body]
    unit_kind: str, court_requires_head: bool
) -> list[str] | None:
    """Which official ranks count as a qualifying head at a hearing of a unit of ``unit_kind``.

    Values are :class:`core.enums.OfficialRank` values. ``unit_kind`` is a
    :class:`core.enums.UnitKind` value (``"county_government"`` when the county itself is sued);
    ``court_requires_head`` is whether the court asked for the head to appear. The defaults follow
    the Supreme People's Court interpretation (负责人 = principal or deputy head in charge; for a
    county government, its county leaders). *firstresult*.
    """


@hookspec(firstresult=True)
def caseload_substitute_heads(  # type: ignore[empty-body]
    unit_kind: str, court_requires_head: bool
) -> SubstitutePolicy | None:
    """Who may appear instead of a qualifying head with an approval, and who approves (*firstresult*).

    ``None`` (the default): nobody; only :func:`caseload_qualifying_head_ranks` counts. An approved
    substitute is recorded with ``approveSubstituteHead`` and then counts as the head in court.
    """
