"""Bulk generation of a realistic national-scale data set (``caseload generate``).

Where :mod:`core.demo` records a few hundred disputes one service call at a time, this module writes
hundreds of thousands straight through the database layer: rows are built in Python with their
primary keys assigned up front and written in batches (SQLAlchemy Core ``insert()`` executemany on
SQLite, ``COPY`` through asyncpg's ``copy_records_to_table`` on PostgreSQL). Nothing goes through the
ORM, the services or the audit trail, so the generator must itself keep every row valid for the app:

* enum columns hold enum values, foreign keys point at rows written in the same or an earlier batch,
  every versioned row starts at version 1, statuses agree with their dates (a closed dispute has a
  closed date; a case with an outcome is concluded; a hearing in the future is still scheduled);
* dispute numbers follow the service's pattern ``CODE-YEAR-00001``, numbered per jurisdiction and
  year from 1, so the next dispute recorded through the API gets the next number;
* obligations come from the jurisdiction's own policy plugin: every event a story goes through is
  matched against the plugin's deadline rules, due dates are counted by the working-day calendar,
  and an obligation is met (on time or late) by the later event the rule names, waived by the event
  that cancels it, or left open (overdue past its due date, with the escalation notifications the
  worker would have sent).

Each dispute follows one of the demo's stories (open, assigned, in progress, resolved, reconsideration,
litigation pending, litigation to the end), drawn so that the indicators land in the range of source
004: a first-instance loss rate near 22%, reconsideration corrections near 11% and mediation near
45%, and a qualifying head at about 75% of hearings held. A step that would fall after ``today`` is
not taken, so recent disputes stop part way, as real ones do. Everything is drawn from generators
seeded by ``seed`` and the jurisdiction's code: the same options give the same data.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson
from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.calendar.rules import DueRule
from core.calendar.service import load_calendar
from core.calendar.workdays import CalendarYearUnknown, WorkdayCalendar
from core.clock import CHINA, fixed_clock
from core.config import Settings
from core.context import ServiceContext
from core.db import Base, make_session_factory
from core.demo import (
    COUNTIES,
    COURTROOMS,
    EXCUSES,
    FAILURE_REASONS,
    FIELDS,
    GOVERNMENT,
    HEARING_TIMES,
    JUSTICE,
    LOCAL,
    LOSS_CAUSES,
    POINTS_IN_DISPUTE,
    PROGRESS_NOTES,
    REJECTION_REASONS,
    RELOCATION_WEIGHT,
    STORY_AGE,
    STORY_SOURCES,
    CountySpec,
    Dice,
    UnitSpec,
    delete_everything,
    leadership,
)
from core.disputes.models import Dispute, DisputeNumberCounter
from core.enums import (
    LOSS_OUTCOMES,
    BatchKind,
    CaseStatus,
    DisputeField,
    DisputeSource,
    DisputeStatus,
    DutyKind,
    DutyStatus,
    HearingStatus,
    IdentityCheck,
    Instance,
    ObligationStatus,
    OfficialRank,
    OutcomeKind,
    ReconsiderationDecision,
    ReconsiderationStatus,
    ResolutionResult,
    ResolutionStage,
    ResolutionStatus,
    Role,
    UnitKind,
)
from core.errors import ConfigurationError
from core.org.models import Jurisdiction
from core.org.service import create_jurisdiction_from_plugin
from core.policy.manager import Policy, PolicyRegistry
from core.policy.types import DeadlineRule, EventKind, EventMatch, Owner, Recipient
from core.principal import SYSTEM

T = TypeVar("T")

BUILTIN_PLUGINS = ("xx_county", "wuping", "wuyang", "qiannan")
SYNTHETIC_PLUGIN = "xx_county"
SYNTHETIC_CODE = "gen-{:04d}"
# Synthetic county names: two syllables, then a number once the combinations run out.
_FIRST = "安宁清永长新兴平和丰泰福"
_SECOND = "山河江阳源溪城林泉川乐昌"
EXTRA_TOWNSHIPS = ("北关镇", "南坪镇", "东岗乡", "西桥镇", "青石镇", "白沙乡", "龙泉镇", "石门乡")

# Tables in the order they are written: parents before children (a batch writes them in this order).
TABLE_ORDER = (
    "units",
    "officials",
    "disputes",
    "dispute_respondents",
    "reconsideration_cases",
    "litigation_cases",
    "resolution_efforts",
    "resolution_progress",
    "resolution_extensions",
    "hearings",
    "outcomes",
    "post_judgment_duties",
    "obligations",
    "notifications",
)

# The share of each story, and the endings drawn to hit the source-004 rates (see the module doc).
OPEN, ASSIGNED, IN_PROGRESS, RESOLVED = "open", "assigned", "in_progress", "resolved"
RECONSIDERATION, LITIGATION_PENDING, LITIGATION = "reconsideration", "litigation_pending", "litigation"
STORIES: dict[str, float] = {
    OPEN: 6,
    ASSIGNED: 4,
    IN_PROGRESS: 8,
    RESOLVED: 20,
    RECONSIDERATION: 15,
    LITIGATION_PENDING: 7,
    LITIGATION: 30,
}
LOSS = "loss"
FIRST_INSTANCE_OUTCOMES: dict[str, float] = {
    LOSS: 22,
    OutcomeKind.CLAIM_DISMISSED: 33,
    OutcomeKind.WITHDRAWAL: 20,
    OutcomeKind.MEDIATION: 12,
    OutcomeKind.SUIT_DISMISSED: 13,
}
LOSS_KINDS: dict[OutcomeKind, float] = {
    OutcomeKind.REVOKED: 40,
    OutcomeKind.CONFIRMED_ILLEGAL: 25,
    OutcomeKind.ORDERED_TO_PERFORM: 15,
    OutcomeKind.VARIED: 5,
    OutcomeKind.COMPENSATION: 10,
    OutcomeKind.CONFIRMED_INVALID: 5,
}
CORRECTED, REJECTED = "corrected", "rejected"
# Of concluded reconsiderations: mediated 45%, corrected 11% (rejections are not concluded).
RECON_ENDINGS: dict[str, float] = {
    ReconsiderationDecision.UPHELD: 26,
    ReconsiderationDecision.DISMISSED: 10,
    ReconsiderationDecision.MEDIATED: 43,
    CORRECTED: 10.5,
    ReconsiderationDecision.TERMINATED: 6,
    REJECTED: 4.5,
}
CORRECTIONS: dict[ReconsiderationDecision, float] = {
    ReconsiderationDecision.REVOKED: 45,
    ReconsiderationDecision.CONFIRMED_ILLEGAL: 30,
    ReconsiderationDecision.ORDERED_TO_PERFORM: 15,
    ReconsiderationDecision.VARIED: 10,
}
RESOLUTION_RESULTS: dict[ResolutionResult, float] = {
    ResolutionResult.MEDIATED: 35,
    ResolutionResult.SETTLED: 20,
    ResolutionResult.WITHDRAWN: 15,
    ResolutionResult.AGREEMENT: 30,
}
BATCH_KINDS: dict[BatchKind, float] = {
    BatchKind.SINGLE: 88,
    BatchKind.BATCH: 4,
    BatchKind.SERIES: 5,
    BatchKind.GROUP: 3,
}
HEAD_ATTENDANCE = 0.75
# Rules nothing in the core fulfils (a call, an expert review) are marked met by hand this often.
MANUAL_MET = 0.85


class _Stop(Exception):
    """The story's next step lies after today: the records stay in the state they have reached."""


# ---------------------------------------------------------------------------------------------
# Options, report, progress
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GenerateOptions:
    """What to generate: ``cases`` disputes spread over ``jurisdictions`` jurisdictions."""

    jurisdictions: int = 4
    cases: int = 10_000
    seed: int = 2024
    today: dt.date | None = None
    # Rows buffered before a batch is written (all tables together).
    batch_rows: int = 50_000
    reset: bool = False


@dataclass
class GenerateReport:
    """What was written, how long it took and on which database."""

    dialect: str
    today: dt.date
    seconds: float = 0.0
    counts: Counter[str] = field(default_factory=Counter)
    jurisdiction_ids: list[int] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        tables = ", ".join(f"{name} {self.counts[name]:,}" for name in TABLE_ORDER if self.counts[name])
        rate = self.rows / self.seconds if self.seconds else 0.0
        return (
            f"generated {self.counts['disputes']:,} disputes in {len(self.jurisdiction_ids)} jurisdictions "
            f"on {self.dialect} as of {self.today}: {self.rows:,} rows in {self.seconds:.1f} s "
            f"({rate:,.0f} rows/s) — {tables}"
        )


Progress = Callable[[int, int, int], None]


def stderr_progress(stream: Any = None) -> Progress:
    """A one-line progress display: disputes done of total, rows written, rate and time left."""
    started = time.perf_counter()
    out = stream or sys.stderr

    def show(done: int, total: int, rows: int) -> None:
        elapsed = time.perf_counter() - started
        share = done / total if total else 1.0
        left = elapsed / share - elapsed if share > 0 else 0.0
        out.write(
            f"\rgenerate: {done:,}/{total:,} disputes ({share:6.1%}) {rows:,} rows "
            f"{rows / elapsed if elapsed else 0:,.0f} rows/s, {elapsed:.0f} s, ~{left:.0f} s left   "
        )
        if done >= total:
            out.write("\n")
        out.flush()

    return show


# ---------------------------------------------------------------------------------------------
# Randomness and calendar, both fast and cached
# ---------------------------------------------------------------------------------------------


class _Draw:
    """Weighted choices with the cumulative weights computed once."""

    def __init__(self, rng: random.Random, weights: Mapping[T, float]) -> None:
        self._rng = rng
        self._keys: list[Any] = list(weights)
        self._cum = list(itertools.accumulate(weights[k] for k in self._keys))

    def __call__(self) -> Any:
        return self._rng.choices(self._keys, cum_weights=self._cum)[0]


class _CachedCalendar(WorkdayCalendar):
    """The database's calendar with each day's answer remembered (the library's lookup is slow)."""

    def __init__(self, calendar: WorkdayCalendar) -> None:
        super().__init__(calendar.overrides, calendar.declared_years)
        self._working: dict[dt.date, bool] = {}

    def is_working_day(self, d: dt.date) -> bool:
        found = self._working.get(d)
        if found is None:
            found = self._working[d] = super().is_working_day(d)  # raises for an unknown year
        return found


class _Days:
    """Working-day arithmetic with results cached (the same few hundred dates recur millions of times)."""

    def __init__(self, calendar: WorkdayCalendar) -> None:
        self.calendar: WorkdayCalendar = _CachedCalendar(calendar)
        self._after: dict[tuple[dt.date, int], dt.date] = {}
        self._on_or_after: dict[dt.date, dt.date] = {}
        self._on_or_before: dict[dt.date, dt.date] = {}
        self._due: dict[tuple[DueRule, dt.date], tuple[dt.date | None, str | None]] = {}

    def after(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after ``day`` (weekdays only where the calendar has no data)."""
        key = (day, n)
        found = self._after.get(key)
        if found is None:
            try:
                found = self.calendar.add_working_days(day, n)
            except CalendarYearUnknown:
                found, left = day, n
                while left > 0:
                    found += dt.timedelta(days=1)
                    left -= found.weekday() < 5
            self._after[key] = found
        return found

    def on_or_after(self, day: dt.date) -> dt.date:
        found = self._on_or_after.get(day)
        if found is None:
            try:
                found = self.calendar.next_working_day(day)
            except CalendarYearUnknown:
                found = day
                while found.weekday() >= 5:
                    found += dt.timedelta(days=1)
            self._on_or_after[day] = found
        return found

    def on_or_before(self, day: dt.date) -> dt.date:
        found = self._on_or_before.get(day)
        if found is None:
            try:
                found = self.calendar.previous_working_day(day)
            except CalendarYearUnknown:
                found = day
                while found.weekday() >= 5:
                    found -= dt.timedelta(days=1)
            self._on_or_before[day] = found
        return found

    def due(self, rule: DueRule, start: dt.date) -> tuple[dt.date | None, str | None]:
        """The due date counted by ``rule`` from ``start``, or ``None`` and why (as the engine does)."""
        key = (rule, start)
        found = self._due.get(key)
        if found is None:
            try:
                found = (self.calendar.due_date(rule, start), None)
            except CalendarYearUnknown as exc:
                found = (None, exc.message_zh)
            self._due[key] = found
        return found


# ---------------------------------------------------------------------------------------------
# The organisation of a jurisdiction
# ---------------------------------------------------------------------------------------------


@dataclass
class _Official:
    id: int
    unit_id: int
    name: str
    rank: OfficialRank
    title: str


@dataclass
class _Unit:
    id: int
    name: str
    kind: UnitKind
    category: str
    heads: list[_Official]
    staff: _Official


@dataclass
class _County:
    """A jurisdiction being generated: its record, units, policy and running numbers."""

    id: int
    code: str
    name: str
    plugin: str
    spec: CountySpec
    policy: Policy
    units: list[_Unit] = field(default_factory=list)
    units_by_id: dict[int, _Unit] = field(default_factory=dict)
    numbers: Counter[str] = field(default_factory=Counter)

    def of(self, category: str) -> list[_Unit]:
        return [u for u in self.units if u.category == category]

    @property
    def government(self) -> _Unit:
        return self.of(GOVERNMENT)[0]

    @property
    def bureau(self) -> _Unit:
        return self.of(JUSTICE)[0]

    def next_number(self, key: str) -> int:
        self.numbers[key] += 1
        return self.numbers[key]


def synthetic_spec(n: int, name: str) -> CountySpec:
    """The xx_county organisation renamed for synthetic county ``n``, with a few more townships."""
    base = COUNTIES[SYNTHETIC_PLUGIN]
    prefix = name

    def rename(unit: UnitSpec) -> UnitSpec:
        return UnitSpec(unit.name.replace("XX县", prefix), unit.kind, unit.category)

    extra = tuple(UnitSpec(prefix + t, UnitKind.TOWNSHIP, LOCAL) for t in EXTRA_TOWNSHIPS[: 2 + n % 5])
    return CountySpec(
        plugin=SYNTHETIC_PLUGIN,
        short=name[0],
        court=f"{name}人民法院",
        appeal_court=base.appeal_court,
        court_code=f"G{n:04d}",
        appeal_code="G00",
        units=tuple(rename(u) for u in base.units) + extra,
        surnames="",
        law_firms=(f"{name}正平律师事务所", f"{name}法律援助中心", *base.law_firms[1:2]),
    )


def synthetic_name(n: int) -> str:
    """A plausible county name for synthetic county ``n`` (1-based)."""
    i = n - 1
    pair = _FIRST[i % len(_FIRST)] + _SECOND[(i // len(_FIRST)) % len(_SECOND)]
    cycle = i // (len(_FIRST) * len(_SECOND))
    return f"{pair}{cycle + 1 if cycle else ''}县"


# ---------------------------------------------------------------------------------------------
# Buffered rows and the writers
# ---------------------------------------------------------------------------------------------


def _column_defaults(table: Table, now: dt.datetime) -> dict[str, Any]:
    """The value each column takes when a generated row does not set it."""
    defaults: dict[str, Any] = {}
    for column in table.columns:
        name = column.name
        if name in ("created_at", "updated_at", "next_attempt_at"):
            defaults[name] = now
        elif name == "version":
            defaults[name] = 1
        elif column.default is not None and getattr(column.default, "is_scalar", False):
            defaults[name] = column.default.arg  # type: ignore[attr-defined]
        else:
            defaults[name] = None
    return defaults


class _Rows:
    """Rows waiting to be written, per table, with primary keys assigned in Python."""

    def __init__(self, next_ids: dict[str, int]) -> None:
        self.next_ids = next_ids
        self.pending: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLE_ORDER}
        self.size = 0

    def add(self, table: str, row: dict[str, Any]) -> int:
        new_id = self.next_ids[table]
        self.next_ids[table] = new_id + 1
        row["id"] = new_id
        self.pending[table].append(row)
        self.size += 1
        return new_id

    def take(self) -> dict[str, list[dict[str, Any]]]:
        taken = self.pending
        self.pending = {name: [] for name in TABLE_ORDER}
        self.size = 0
        return taken


class _Writer:
    """Writes batches of rows: Core executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, conn: AsyncConnection, now: dt.datetime) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name
        self.tables = {name: Base.metadata.tables[name] for name in TABLE_ORDER}
        self.columns = {name: [c.name for c in table.columns] for name, table in self.tables.items()}
        self.defaults = {name: _column_defaults(table, now) for name, table in self.tables.items()}
        self.json_columns = {
            name: {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
            for name, table in self.tables.items()
        }

    async def write(self, batch: Mapping[str, list[dict[str, Any]]], counts: Counter[str]) -> None:
        if self.dialect == "postgresql":
            raw = await self.conn.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            async with driver.transaction():
                for name in TABLE_ORDER:
                    rows = batch.get(name)
                    if rows:
                        await driver.copy_records_to_table(
                            name, records=self._records(name, rows), columns=self.columns[name]
                        )
                        counts[name] += len(rows)
            return
        async with self.conn.begin():
            for name in TABLE_ORDER:
                rows = batch.get(name)
                if rows:
                    defaults = self.defaults[name]
                    await self.conn.execute(self.tables[name].insert(), [defaults | row for row in rows])
                    counts[name] += len(rows)

    def _records(self, name: str, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        columns, defaults, json_columns = self.columns[name], self.defaults[name], self.json_columns[name]
        values = operator.itemgetter(*columns)
        if json_columns:
            for row in rows:
                for c in json_columns:
                    if row.get(c) is not None:
                        row[c] = orjson.dumps(row[c]).decode()
        return [values(defaults | row) for row in rows]

    async def write_counters(self, counters: list[dict[str, int]]) -> None:
        """Leave each jurisdiction's dispute number counters at the last number generated."""
        if counters:
            async with self.conn.begin():
                await self.conn.execute(insert(DisputeNumberCounter), counters)

    async def finish(self) -> None:
        """Move PostgreSQL's id sequences past the ids written here; refresh planner statistics."""
        if self.dialect == "postgresql":
            async with self.conn.begin():
                for name in TABLE_ORDER:
                    await self.conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                            f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"
                        )
                    )
            await self.conn.commit()
            autocommit = await self.conn.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("ANALYZE"))
        else:
            async with self.conn.begin():
                await self.conn.execute(text("ANALYZE"))


# ---------------------------------------------------------------------------------------------
# Events and obligations
# ---------------------------------------------------------------------------------------------

_Event = tuple[EventKind, dt.date, dict[str, Any]]
# Working values kept on a litigation case's row while its story is told (removed before writing).
_CASE_PRIVATE = ("_notice", "_duty_rows", "_is_loss")


def _number_counters(county: _County) -> list[dict[str, int]]:
    """The dispute number counter rows of a generated county (the API numbers on from them)."""
    prefix = "dispute-"
    return [
        {"jurisdiction_id": county.id, "year": int(key[len(prefix) :]), "last_number": last}
        for key, last in sorted(county.numbers.items())
        if key.startswith(prefix)
    ]


def _matches(match: EventMatch, kind: EventKind, attrs: Mapping[str, Any]) -> bool:
    return match.kind == kind and all(attrs.get(k) == v for k, v in match.when.items())


class _Teller:
    """Tells the stories of one jurisdiction's disputes as rows, and settles their obligations."""

    def __init__(
        self, county: _County, rows: _Rows, days: _Days, today: dt.date, seed: int, now: dt.datetime
    ) -> None:
        self.c = county
        self.rows = rows
        self.days = days
        self.today = today
        self.now = now
        self.rng = random.Random(f"{seed}:{county.code}")
        rng = self.rng
        self.story = _Draw(rng, STORIES)
        field_weights = {f: t.weight for f, t in FIELDS.items()}
        field_weights[DisputeField.POVERTY_RELOCATION] = RELOCATION_WEIGHT.get(
            county.spec.plugin, field_weights[DisputeField.POVERTY_RELOCATION]
        )
        self.field = _Draw(rng, field_weights)
        self.sources = {kind: _Draw(rng, weights) for kind, weights in STORY_SOURCES.items()}
        for alias, base in ((ASSIGNED, OPEN), (RESOLVED, IN_PROGRESS), (LITIGATION_PENDING, LITIGATION)):
            self.sources.setdefault(alias, self.sources[base])
        self.batch = _Draw(rng, BATCH_KINDS)
        self.first_outcome = _Draw(rng, FIRST_INSTANCE_OUTCOMES)
        self.loss_kind = _Draw(rng, LOSS_KINDS)
        self.recon_ending = _Draw(rng, RECON_ENDINGS)
        self.correction = _Draw(rng, CORRECTIONS)
        self.resolution_result = _Draw(rng, RESOLUTION_RESULTS)
        self.dice = Dice(f"{seed}:{county.code}:names")
        self.candidates = {
            f: [u for cat in t.categories for u in county.of(cat)] or county.of(LOCAL)
            for f, t in FIELDS.items()
        }
        self.locals = county.of(LOCAL)
        self.place = county.name[:-1] if len(county.name) > 2 and county.name[-1] in "县市州" else county.name
        self._rule_cache: dict[tuple[Any, ...], list[DeadlineRule]] = {}
        self._qualifying_cache: dict[tuple[int, bool], list[_Official]] = {}
        self._chain_cache: dict[str | None, Any] = {}
        self._due_dicts: dict[str, dict[str, Any]] = {}
        # For each event kind some rule triggers on, the attributes those triggers look at.
        self._trigger_attrs: dict[EventKind, tuple[str, ...]] = {}
        for rule in county.policy.deadline_rules:
            if not isinstance(rule.trigger.kind, EventKind):
                continue  # a plugin's declared event: the generator never records one
            known = self._trigger_attrs.get(rule.trigger.kind, ())
            self._trigger_attrs[rule.trigger.kind] = tuple(sorted({*known, *rule.trigger.when}))
        leaders = [o for o in county.government.heads if o.rank == OfficialRank.COUNTY_LEADER_IN_CHARGE]
        self.leader_in_charge = leaders[0] if leaders else county.government.heads[0]
        self.principal_leader = county.government.heads[0]
        # Per dispute: each subject's events, and the unit it belongs to.
        self.events: dict[tuple[str, int], list[_Event]] = {}
        self.subject_unit: dict[tuple[str, int], int] = {}
        self.efforts: dict[int, dict[str, Any]] = {}
        self.cases: list[dict[str, Any]] = []

    # -- small helpers ---------------------------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def between(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def pick(self, items: Sequence[T]) -> T:
        return items[int(self.rng.random() * len(items))]

    def at(self, day: dt.date) -> dt.date:
        """A step on ``day``; the story stops here if that is after today."""
        if day > self.today:
            raise _Stop
        return day

    def later(self, day: dt.date, low: int, high: int) -> dt.date:
        return self.days.on_or_after(day + dt.timedelta(days=self.between(low, high)))

    def event(self, key: tuple[str, int], kind: EventKind, day: dt.date, **attrs: Any) -> None:
        self.events.setdefault(key, []).append((kind, day, attrs))

    def person(self) -> str:
        return self.dice.person(self.c.spec.surnames)

    # -- one dispute -----------------------------------------------------------------------

    def dispute(self) -> None:
        """Generate one dispute, its story up to today and the obligations it created."""
        self.events.clear()
        self.subject_unit.clear()
        self.efforts.clear()
        self.cases.clear()
        story = self.story()
        low, high = STORY_AGE[story]
        received = self.days.on_or_before(self.today - dt.timedelta(days=self.between(low, high)))
        d = self._record(story, received)
        try:
            if story == ASSIGNED:
                self._effort(d, self.days.after(received, self.between(0, 1)), "assigned_only")
            elif story == IN_PROGRESS:
                self._effort(d, self.days.after(received, self.between(0, 2)), "ongoing")
            elif story == RESOLVED:
                self._resolved(d)
            elif story == RECONSIDERATION:
                self._reconsideration(d)
            elif story == LITIGATION_PENDING:
                self._litigation_pending(d)
            elif story == LITIGATION:
                self._litigation(d)
        except _Stop:
            pass
        self._settle(d)

    def _record(self, story: str, received: dt.date) -> dict[str, Any]:
        c, rng = self.c, self.rng
        dispute_field: DisputeField = self.field()
        template = FIELDS[dispute_field]
        unit = self.pick(self.candidates[dispute_field])
        action, matter = self.pick(template.matters)
        source: DisputeSource = self.sources[story]()
        batch: BatchKind = self.batch()
        is_company = rng.random() < template.companies
        applicant = self.dice.company(self.place) if is_company else self.person()
        count = 1 if batch == BatchKind.SINGLE or is_company else self.between(3, 45)
        shown = f"{applicant}等{count}人" if count > 1 else applicant
        title = (shown + matter.format(u=unit.name))[:200]
        origin: dt.date | None = None
        reported_by = unit.name
        if source == DisputeSource.COURT_ORAL_NOTICE:
            origin = received - dt.timedelta(
                days=self.between(0, 4) if self.chance(0.85) else self.between(5, 9)
            )
            reported_by = c.spec.court
        elif source == DisputeSource.COURT_LETTER:
            origin = received - dt.timedelta(days=self.between(0, 2))
            reported_by = c.spec.court
        elif source == DisputeSource.LAWYER_REPORT:
            origin = received - dt.timedelta(
                days=self.between(0, 3) if self.chance(0.8) else self.between(4, 8)
            )
            reported_by = self.pick(c.spec.law_firms)
        elif source == DisputeSource.PETITION:
            reported_by = f"{c.name}信访局"
        is_major = batch in (BatchKind.BATCH, BatchKind.GROUP) or self.chance(0.04)
        loss_risk = self.chance(0.12)
        year = received.year
        created = dt.datetime.combine(received, dt.time(10, 0), tzinfo=CHINA)
        d: dict[str, Any] = {
            "jurisdiction_id": c.id,
            "unit_id": unit.id,
            "number": f"{c.code.upper()}-{year}-{c.next_number(f'dispute-{year}'):05d}",
            "title": title,
            "summary": f"{source.label}线索：{title}。涉及{dispute_field.label}领域{action.label}行为。",
            "applicant_name": shown,
            "applicant_phone": self.dice.phone(),
            "applicant_count": count,
            "field": dispute_field.value,
            "action_type": action.value,
            "source": source.value,
            "received_date": received,
            "origin_date": origin,
            "reported_by": reported_by,
            "batch_kind": batch.value,
            "is_major": is_major,
            "loss_risk": loss_risk,
            "status": DisputeStatus.OPEN.value,
            "created_at": created,
            "updated_at": created,
        }
        d_id = self.rows.add("disputes", d)
        d["_unit"] = unit
        self.subject_unit[("dispute", d_id)] = unit.id
        self.rows.add("dispute_respondents", {"dispute_id": d_id, "unit_id": unit.id})
        if (
            dispute_field == DisputeField.LAND_EXPROPRIATION
            and unit.category == GOVERNMENT
            and self.locals
            and self.chance(0.4)
        ):
            self.rows.add("dispute_respondents", {"dispute_id": d_id, "unit_id": self.pick(self.locals).id})
        self.event(
            ("dispute", d_id),
            EventKind.DISPUTE_RECORDED,
            received,
            source=source.value,
            batch_kind=batch.value,
            is_major=is_major,
            loss_risk=loss_risk,
            field=dispute_field.value,
            origin_date=origin or received,
        )
        if (batch != BatchKind.SINGLE or loss_risk or is_major) and self.chance(0.8):
            day = received if self.chance(0.6) else self.days.after(received, self.between(1, 4))
            if day <= self.today:
                leader = self.principal_leader if batch == BatchKind.GROUP else self.leader_in_charge
                d["leader_in_charge_id"] = leader.id
                d["leader_plan"] = f"一案一策：由{leader.name}（{leader.title}）牵头，{unit.name}具体承办。"
                d["leader_deadline"] = day + dt.timedelta(days=self.between(30, 90))
                d["task_team"] = f"{unit.name}、{c.bureau.name}、属地乡镇（街道）组成工作专班"
                self.event(
                    ("dispute", d_id),
                    EventKind.LEADER_ASSIGNED,
                    day,
                    source=source.value,
                    batch_kind=batch.value,
                    is_major=is_major,
                    loss_risk=loss_risk,
                    field=dispute_field.value,
                    origin_date=origin or received,
                )
        return d

    # -- resolution efforts ----------------------------------------------------------------

    def _effort(
        self,
        d: dict[str, Any],
        start: dt.date,
        outcome: str,
        *,
        stage: ResolutionStage = ResolutionStage.PRE_FILING,
        result: ResolutionResult | None = None,
        case_id: int | None = None,
        extend: bool = False,
    ) -> dt.date:
        """Assign, accept, report on and (per ``outcome``) conclude an effort; return its last day."""
        unit: _Unit = d["_unit"]
        handler = unit
        if self.locals and unit.category != LOCAL and self.chance(0.2):
            handler = self.pick(self.locals)  # 属地化解: the township takes it on
        by_letter = (
            d["source"] == DisputeSource.COURT_LETTER.value
            if stage == ResolutionStage.PRE_FILING
            else self.chance(0.5)
        )
        day = self.at(self.days.on_or_after(start))
        e: dict[str, Any] = {
            "jurisdiction_id": self.c.id,
            "dispute_id": d["id"],
            "unit_id": handler.id,
            "litigation_case_id": case_id,
            "stage": stage.value,
            "status": ResolutionStatus.ASSIGNED.value,
            "by_court_letter": by_letter,
            "assigned_date": day,
        }
        e_id = self.rows.add("resolution_efforts", e)
        self.efforts[e_id] = e
        key = ("resolution_effort", e_id)
        self.subject_unit[key] = handler.id
        attrs = {"stage": stage.value, "by_court_letter": by_letter}
        self.event(key, EventKind.RESOLUTION_ASSIGNED, day, **attrs)
        if d["status"] == DisputeStatus.OPEN.value:
            d["status"] = DisputeStatus.IN_RESOLUTION.value
        if outcome == "assigned_only":
            return day
        accepted = self.days.after(day, self.between(1, 3) if self.chance(0.88) else self.between(4, 6))
        delivered = self.at(accepted + dt.timedelta(days=self.between(0, 2)))
        e.update(
            status=ResolutionStatus.ACCEPTED.value, accepted_date=accepted, notice_delivered_date=delivered
        )
        self.event(key, EventKind.RESOLUTION_ACCEPTED, accepted, **attrs)
        interval = 7 if by_letter else self.between(7, 12)
        day = self.days.after(accepted, self.between(1, 4) if self.chance(0.85) else self.between(8, 11))
        reports = 6 if outcome == "ongoing" else self.between(1, 3)
        for i in range(reports):
            self.at(day)
            self.rows.add(
                "resolution_progress",
                {
                    "effort_id": e_id,
                    "report_date": day,
                    "content": self.pick(PROGRESS_NOTES),
                    "reported_by": handler.staff.name,
                },
            )
            e["status"] = ResolutionStatus.IN_PROGRESS.value
            self.event(key, EventKind.RESOLUTION_PROGRESS_REPORTED, day, **attrs)
            if i == 0 and extend:
                self._extend(e_id, e, day, attrs)
            day = day + dt.timedelta(days=interval)
        day = self.days.on_or_after(day - dt.timedelta(days=self.between(0, interval - 1)))
        if outcome in ("ongoing", "abandoned"):
            return day
        self.at(day)
        if outcome == "success":
            res = result or self.resolution_result()
            e.update(status=ResolutionStatus.SUCCEEDED.value, result=res.value, concluded_date=day)
            extra: dict[str, Any] = {"result": res.value}
            if res == ResolutionResult.AGREEMENT:
                e["agreement_effective_date"] = day
                extra["agreement_effective_date"] = day
            self.event(key, EventKind.RESOLUTION_SUCCEEDED, day, **attrs, **extra)
            if d["status"] in (DisputeStatus.OPEN.value, DisputeStatus.IN_RESOLUTION.value):
                d.update(status=DisputeStatus.RESOLVED.value, resolution_result=res.value, resolved_date=day)
                self.event(
                    ("dispute", d["id"]),
                    EventKind.DISPUTE_RESOLVED,
                    day,
                    stage=stage.value,
                    source=d["source"],
                )
            if res == ResolutionResult.AGREEMENT and self.chance(0.7):
                requested = self.days.after(
                    day, self.between(3, 20) if self.chance(0.85) else self.between(31, 40)
                )
                if requested <= self.today:
                    e["confirmation_requested_date"] = requested
                    self.event(key, EventKind.JUDICIAL_CONFIRMATION_REQUESTED, requested, **attrs)
                    confirmed = requested + dt.timedelta(days=self.between(5, 20))
                    if confirmed <= self.today:
                        e["confirmation_date"] = confirmed
                        day = confirmed
                    else:
                        day = requested
        else:
            e.update(
                status=ResolutionStatus.FAILED.value,
                concluded_date=day,
                failure_reason=self.pick(FAILURE_REASONS),
                failure_process=f"{handler.name}于{accepted.isoformat()}受理后，"
                f"先后组织{reports + 1}次协调会，双方分歧仍无法弥合。",
                claims_summary="申请人要求纠正原行政行为并赔偿损失；被申请单位认为原行政行为合法。",
                point_in_dispute=self.pick(POINTS_IN_DISPUTE),
            )
            self.event(key, EventKind.RESOLUTION_FAILED, day, **attrs, result=None)
            if d["status"] == DisputeStatus.IN_RESOLUTION.value:
                d["status"] = DisputeStatus.OPEN.value
        return day

    def _extend(self, e_id: int, e: dict[str, Any], day: dt.date, attrs: dict[str, Any]) -> None:
        """Extend the effort once by 14-30 days, with the consents recorded (its due date is set later)."""
        new_due = day + dt.timedelta(days=self.between(24, 40))
        self.rows.add(
            "resolution_extensions",
            {
                "effort_id": e_id,
                "granted_date": day,
                "new_due_date": new_due,
                "reason": "争议较为复杂，需进一步调查核实并组织协商",
                "applicant_consent": True,
                "centre_consent": True,
                "court_informed": bool(e["by_court_letter"]),
            },
        )
        e["extensions_used"] = 1
        self.event(
            ("resolution_effort", e_id), EventKind.RESOLUTION_EXTENDED, day, **attrs, new_due_date=new_due
        )

    def _failed_first(self, d: dict[str, Any], chance: float) -> dt.date:
        """Perhaps a pre-filing effort that fails first; return the day it ended."""
        received: dt.date = d["received_date"]
        if not self.chance(chance):
            return received
        start = self.days.after(received, self.between(0, 2))
        return self._effort(d, start, "failure" if self.chance(0.8) else "abandoned", extend=self.chance(0.1))

    def _close(self, d: dict[str, Any], after: dt.date, chance: float) -> None:
        if self.chance(chance):
            day = self.at(self.later(after, 3, 30))
            d.update(status=DisputeStatus.CLOSED.value, closed_date=day)

    # -- stories ---------------------------------------------------------------------------

    def _resolved(self, d: dict[str, Any]) -> None:
        hard = d["is_major"] or self.chance(0.12)
        start = self.days.after(d["received_date"], self.between(0, 2))
        day = self._effort(d, start, "success", extend=hard or self.chance(0.1))
        self._close(d, day, 0.5)

    def _escalate(self, d: dict[str, Any], day: dt.date) -> None:
        """A reconsideration or lawsuit was filed: open pre-filing efforts have failed to prevent it."""
        if d["status"] in (
            DisputeStatus.OPEN.value,
            DisputeStatus.IN_RESOLUTION.value,
            DisputeStatus.RESOLVED.value,
        ):
            d["status"] = DisputeStatus.ESCALATED.value
        for e_id, e in self.efforts.items():
            open_statuses = (
                ResolutionStatus.ASSIGNED.value,
                ResolutionStatus.ACCEPTED.value,
                ResolutionStatus.IN_PROGRESS.value,
            )
            if e["stage"] == ResolutionStage.PRE_FILING.value and e["status"] in open_statuses:
                e.update(
                    status=ResolutionStatus.FAILED.value,
                    concluded_date=day,
                    failure_reason="争议已进入复议或诉讼程序",
                )
                self.event(
                    ("resolution_effort", e_id),
                    EventKind.RESOLUTION_FAILED,
                    day,
                    stage=e["stage"],
                    by_court_letter=e["by_court_letter"],
                    result=None,
                )

    def _reconsideration(self, d: dict[str, Any]) -> None:
        c = self.c
        unit: _Unit = d["_unit"]
        day = self._failed_first(d, 0.4)
        received = self.at(self.later(day, 3, 25))
        ending = self.recon_ending()
        number = f"{c.spec.short}府复〔{received.year}〕{c.next_number(f'recon-{received.year}')}号"
        r: dict[str, Any] = {
            "jurisdiction_id": c.id,
            "dispute_id": d["id"],
            "unit_id": unit.id,
            "case_number": number,
            "received_date": received,
            "status": ReconsiderationStatus.RECEIVED.value,
        }
        r_id = self.rows.add("reconsideration_cases", r)
        key = ("reconsideration_case", r_id)
        self.subject_unit[key] = unit.id
        self._escalate(d, received)
        none = {"decision": None, "is_correction": False}
        self.event(key, EventKind.RECONSIDERATION_RECEIVED, received, **none)
        if ending == REJECTED:
            day = self.at(self.days.after(received, self.between(2, 5)))
            r.update(
                status=ReconsiderationStatus.REJECTED.value,
                rejected_date=day,
                rejection_reason=self.pick(REJECTION_REASONS),
            )
            self.event(key, EventKind.RECONSIDERATION_REJECTED, day, **none)
            self._close(d, day, 0.6)
            return
        accepted = self.at(self.days.after(received, self.between(1, 5)))
        r.update(status=ReconsiderationStatus.ACCEPTED.value, accepted_date=accepted)
        self.event(key, EventKind.RECONSIDERATION_ACCEPTED, accepted, **none)
        decision: ReconsiderationDecision = (
            self.correction() if ending == CORRECTED else ReconsiderationDecision(ending)
        )
        day = self.at(self.later(accepted, 25, 58))
        r.update(
            status=ReconsiderationStatus.CONCLUDED.value,
            concluded_date=day,
            decision=decision.value,
            decision_note=f"复议机关决定：{decision.label}。",
        )
        self.event(
            key,
            EventKind.RECONSIDERATION_CONCLUDED,
            day,
            decision=decision.value,
            is_correction=decision.is_correction,
        )
        self._close(d, day, 0.65)

    def _file(
        self, d: dict[str, Any], filed: dt.date, parent: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        c = self.c
        unit: _Unit = d["_unit"]
        self.at(filed)
        if parent is None:
            number = f"（{filed.year}）{c.spec.court_code}行初{c.next_number(f'first-{filed.year}')}号"
            court, instance = c.spec.court, Instance.FIRST
        else:
            number = f"（{filed.year}）{c.spec.appeal_code}行终{c.next_number(f'second-{filed.year}')}号"
            court, instance = c.spec.appeal_court, Instance.SECOND
        case: dict[str, Any] = {
            "jurisdiction_id": c.id,
            "dispute_id": d["id"],
            "unit_id": unit.id,
            "parent_case_id": parent["id"] if parent else None,
            "court": court,
            "case_number": number,
            "instance": instance.value,
            "plaintiff_name": d["applicant_name"][:120],
            "filed_date": filed,
            "status": CaseStatus.FILED.value,
        }
        case_id = self.rows.add("litigation_cases", case)
        self.cases.append(case)
        key = ("litigation_case", case_id)
        self.subject_unit[key] = unit.id
        self._escalate(d, filed)
        self.event(
            key,
            EventKind.CASE_FILED,
            filed,
            instance=instance.value,
            against_county_government=unit.kind == UnitKind.COUNTY_GOVERNMENT,
        )
        # The unit receives the response notice and reports the suit (mostly on time).
        notice = self.at(self.later(filed, 1, 5))
        case.update(response_notice_date=notice, status=CaseStatus.NOTICE_RECEIVED.value)
        self.event(key, EventKind.RESPONSE_NOTICE_RECEIVED, notice, instance=instance.value)
        roll = self.rng.random()
        if roll < 0.95:
            reported = self.days.after(notice, self.between(0, 3) if roll < 0.85 else self.between(4, 8))
            if reported <= self.today:
                self.event(key, EventKind.RESPONSE_REPORTED, reported, instance=instance.value)
        case["_notice"] = notice
        return case

    def _qualifying(self, unit: _Unit, head_required: bool) -> list[_Official]:
        key = (unit.id, head_required)
        found = self._qualifying_cache.get(key)
        if found is None:
            ranks = self.c.policy.qualifying_head_ranks(unit.kind.value, head_required)
            own = [o for o in unit.heads if o.rank.value in ranks]
            county = [
                o
                for o in self.c.government.heads
                if o.rank.value in ranks and o.rank.value.startswith("county_")
            ]
            found = own or county
            self._qualifying_cache[key] = found
        return found

    def _hearing(
        self,
        case: dict[str, Any],
        unit: _Unit,
        scheduled_on: dt.date,
        hearing_day: dt.date,
        head_required: bool,
    ) -> dt.date | None:
        """Schedule a hearing; designate, check and hold it as far as today allows; return the day held."""
        self.at(scheduled_on)
        moment = dt.datetime.combine(hearing_day, self.pick(HEARING_TIMES), tzinfo=CHINA)
        h: dict[str, Any] = {
            "jurisdiction_id": self.c.id,
            "case_id": case["id"],
            "unit_id": unit.id,
            "scheduled_at": moment,
            "court": case["court"],
            "courtroom": self.pick(COURTROOMS),
            "head_required": head_required,
            "status": HearingStatus.SCHEDULED.value,
            "identity_check": IdentityCheck.UNCHECKED.value,
        }
        h_id = self.rows.add("hearings", h)
        key = ("hearing", h_id)
        self.subject_unit[key] = unit.id
        base = {"hearing_date": hearing_day, "head_required": head_required}
        self.event(key, EventKind.HEARING_SCHEDULED, scheduled_on, **base)
        qualifying = self._qualifying(unit, head_required)
        designate_day = max(
            scheduled_on, self.days.on_or_before(hearing_day - dt.timedelta(days=self.between(5, 9)))
        )
        if not qualifying or designate_day > self.today or (hearing_day > self.today and self.chance(0.4)):
            return None if hearing_day > self.today else self._held(h, key, base, hearing_day, None)
        deputies = [
            o
            for o in qualifying
            if o.rank in (OfficialRank.DEPUTY_HEAD, OfficialRank.COUNTY_LEADER_IN_CHARGE)
        ]
        head = self.pick(deputies) if deputies and self.chance(0.65) else qualifying[0]
        h.update(designated_official_id=head.id, designated_date=designate_day)
        self.event(key, EventKind.HEARING_HEAD_DESIGNATED, designate_day, **base)
        if self.chance(0.9):
            h.update(identity_check=IdentityCheck.VERIFIED.value, identity_note="经核验为符合条件的负责人")
            self.event(key, EventKind.HEARING_IDENTITY_CHECKED, designate_day, **base, verified=True)
        if hearing_day > self.today:
            return None
        return self._held(h, key, base, hearing_day, head)

    def _held(
        self,
        h: dict[str, Any],
        key: tuple[str, int],
        base: dict[str, Any],
        hearing_day: dt.date,
        head: _Official | None,
    ) -> dt.date:
        unit = self.c.units_by_id[h["unit_id"]]
        h.update(status=HearingStatus.HELD.value, held_at=h["scheduled_at"])
        if head is not None and self.chance(HEAD_ATTENDANCE):
            h.update(head_attended=True, attending_official_id=head.id, head_spoke=self.chance(0.85))
        else:
            substitute = self.pick([*unit.heads[1:], unit.staff])
            h.update(
                head_attended=False,
                excuse_reason=self.pick(EXCUSES),
                substitute_name=f"{substitute.name}（{substitute.title}）",
                substitute_approved_by_id=self.leader_in_charge.id if self.chance(0.7) else None,
            )
        self.event(key, EventKind.HEARING_HELD, hearing_day, **base, head_attended=h["head_attended"])
        return hearing_day

    def _litigation_pending(self, d: dict[str, Any]) -> None:
        case = self._file(d, self.later(d["received_date"], 2, 10))
        notice: dt.date = case["_notice"]
        scheduled_on = min(self.today, self.later(notice, 2, 10))
        hearing_day = self.days.on_or_after(self.today + dt.timedelta(days=self.between(1, 30)))
        self._hearing(case, d["_unit"], scheduled_on, hearing_day, self.chance(0.8))

    def _judgment(self, case: dict[str, Any], kind: OutcomeKind, decided: dt.date) -> dt.date:
        received = self.at(decided + dt.timedelta(days=self.between(1, 6)))
        is_loss = kind in LOSS_OUTCOMES
        self.rows.add(
            "outcomes",
            {
                "jurisdiction_id": self.c.id,
                "case_id": case["id"],
                "unit_id": case["unit_id"],
                "kind": kind.value,
                "is_loss": is_loss,
                "decided_date": decided,
                "received_date": received,
                "agency_changed_act": kind == OutcomeKind.WITHDRAWAL and self.chance(0.4),
                "summary": f"法院认为，被告{self.pick(LOSS_CAUSES)}，判决{kind.label}。"
                if is_loss
                else f"{case['court']}作出{kind.label}的裁判。",
            },
        )
        case.update(status=CaseStatus.CONCLUDED.value, concluded_date=decided)
        duties = [DutyKind.FILE_JUDGMENT]
        if is_loss:
            duties += [DutyKind.LOSS_ANALYSIS, DutyKind.RECTIFICATION]
        for k in duties:
            self.rows.add(
                "post_judgment_duties",
                {
                    "jurisdiction_id": self.c.id,
                    "case_id": case["id"],
                    "unit_id": case["unit_id"],
                    "kind": k.value,
                    "sequence": 1,
                    "status": DutyStatus.PENDING.value,
                },
            )
        case["_duty_rows"] = self.rows.pending["post_judgment_duties"][-len(duties) :]
        case["_is_loss"] = is_loss
        self.event(
            ("litigation_case", case["id"]),
            EventKind.JUDGMENT_RECEIVED,
            received,
            instance=case["instance"],
            outcome=kind.value,
            is_loss=is_loss,
        )
        return received

    def _effective(self, case: dict[str, Any], day: dt.date, is_loss: bool) -> None:
        self.at(day)
        case.update(status=CaseStatus.EFFECTIVE.value, effective_date=day)
        self.event(
            ("litigation_case", case["id"]),
            EventKind.JUDGMENT_EFFECTIVE,
            day,
            instance=case["instance"],
            is_loss=is_loss,
        )

    def _hearing_round(self, case: dict[str, Any], unit: _Unit, day: dt.date, head_required: bool) -> dt.date:
        hearing_day = self.later(day, 18, 45)
        held = self._hearing(case, unit, day, hearing_day, head_required)
        if held is None:
            raise _Stop
        if case["status"] in (CaseStatus.FILED.value, CaseStatus.NOTICE_RECEIVED.value):
            case["status"] = CaseStatus.IN_HEARING.value
        return held

    def _litigation(self, d: dict[str, Any]) -> None:
        unit: _Unit = d["_unit"]
        source = d["source"]
        pre = source == DisputeSource.COURT_LETTER.value or self.chance(
            0.6 if source == DisputeSource.COURT_ORAL_NOTICE.value else 0.35
        )
        day = self._failed_first(d, 1.0 if pre else 0.0)
        case = self._file(d, self.later(day, 3, 20))
        day = case["_notice"]
        ending = self.first_outcome()
        kind: OutcomeKind = self.loss_kind() if ending == LOSS else OutcomeKind(ending)
        if kind in (OutcomeKind.WITHDRAWAL, OutcomeKind.MEDIATION) and self.chance(0.5):
            result = (
                ResolutionResult.WITHDRAWN if kind == OutcomeKind.WITHDRAWAL else ResolutionResult.MEDIATED
            )
            day = self._effort(
                d,
                self.later(day, 3, 10),
                "success",
                stage=ResolutionStage.IN_LITIGATION,
                result=result,
                case_id=case["id"],
            )
        if kind.needs_hearing or self.chance(0.35):
            for _ in range(1 if self.chance(0.85) else 2):
                day = self._hearing_round(case, unit, self.later(day, 5, 15), self.chance(0.8))
        received = self._judgment(case, kind, self.at(self.later(day, 7, 40)))
        cases = [case]
        appeal = (kind.is_loss and self.chance(0.3)) or (
            kind == OutcomeKind.CLAIM_DISMISSED and self.chance(0.2)
        )
        if appeal:
            second = self._file(d, self.later(received, 8, 14), parent=case)
            cases.append(second)
            day = self._hearing_round(second, unit, self.later(second["_notice"], 5, 15), self.chance(0.5))
            if self.chance(0.78):
                second_kind = OutcomeKind.APPEAL_UPHELD
            else:
                second_kind = OutcomeKind.CLAIM_DISMISSED if kind.is_loss else OutcomeKind.REVOKED
            effective = self._judgment(second, second_kind, self.at(self.later(day, 10, 45)))
            self._effective(case, effective, case["_is_loss"])
            self._effective(second, effective, second["_is_loss"])
        else:
            if kind in (OutcomeKind.WITHDRAWAL, OutcomeKind.MEDIATION):
                effective = received
            else:
                window = 15 if kind.needs_hearing else 10
                effective = received + dt.timedelta(days=window + self.between(1, 5))
            self._effective(case, effective, case["_is_loss"])
        last = self._duties(cases, received, effective)
        if kind.is_loss and self.chance(0.2):
            last = max(
                last,
                self._effort(
                    d,
                    self.later(effective, 3, 15),
                    "success",
                    stage=ResolutionStage.POST_JUDGMENT,
                    result=ResolutionResult.SETTLED,
                    case_id=case["id"],
                ),
            )
        if any(row["status"] == DutyStatus.PENDING.value for c in cases for row in c["_duty_rows"]):
            return
        if not self.chance(0.8):
            return
        day = self.at(self.later(last, 2, 20))
        for c in cases:
            c.update(status=CaseStatus.CLOSED.value, closed_date=day)
            self.event(("litigation_case", c["id"]), EventKind.CASE_CLOSED, day, instance=c["instance"])
        self._close(d, day, 0.75)

    def _duties(self, cases: list[dict[str, Any]], received: dt.date, effective: dt.date) -> dt.date:
        """Submit the post-judgment duties, mostly in time; the bureau reviews some."""
        last = effective
        for case in cases:
            for row in case["_duty_rows"]:
                roll = self.rng.random()
                if roll >= 0.9:
                    continue  # never submitted
                base = (
                    received if len(cases) == 1 and row["kind"] != DutyKind.FILE_JUDGMENT.value else effective
                )
                lag = self.between(1, 6) if roll < 0.72 else self.between(9, 25)
                submitted = self.days.after(base, lag)
                if submitted > self.today:
                    continue
                row.update(
                    status=DutyStatus.SUBMITTED.value, submitted_date=submitted, content="已按要求报送。"
                )
                self.event(
                    ("litigation_case", case["id"]),
                    EventKind.DUTY_SUBMITTED,
                    submitted,
                    instance=case["instance"],
                    duty_kind=row["kind"],
                )
                last = max(last, submitted)
                if self.chance(0.3 if row["kind"] == DutyKind.FILE_JUDGMENT.value else 0.6):
                    reviewed = self.later(submitted, 3, 15)
                    if reviewed <= self.today:
                        row.update(
                            status=DutyStatus.REVIEWED.value, reviewed_date=reviewed, review_note="已审核。"
                        )
                        last = max(last, reviewed)
        return last

    # -- obligations -----------------------------------------------------------------------

    def _rules(self, kind: EventKind, attrs: Mapping[str, Any]) -> list[DeadlineRule]:
        names = self._trigger_attrs.get(kind)
        if names is None:
            return []
        key = (kind, *[attrs.get(name) for name in names])
        found = self._rule_cache.get(key)
        if found is None:
            found = [r for r in self.c.policy.deadline_rules if _matches(r.trigger, kind, attrs)]
            self._rule_cache[key] = found
        return found

    def _settle(self, d: dict[str, Any]) -> None:
        """Create the obligations the dispute's events imposed, met, waived or still open as of today."""
        seen: set[tuple[str, str, int, str]] = set()
        for (subject, ident), events in self.events.items():
            unit_id = self.subject_unit[(subject, ident)]
            for i, (kind, day, attrs) in enumerate(events):
                for rule in self._rules(kind, attrs):
                    occurrence = "1" if rule.recurring is not None else str(attrs.get("period") or "")
                    unique = (rule.id, subject, ident, occurrence)
                    if unique in seen:
                        continue
                    seen.add(unique)
                    start = day if rule.anchor is None else attrs.get(rule.anchor, day)
                    if isinstance(start, dt.datetime):
                        start = start.date()
                    self._obligation(rule, subject, ident, unit_id, kind, start, occurrence, events, i)
        for e in self.efforts.values():
            due = e.pop("_due", None)
            if due is not None:
                e["due_date"] = due
        d.pop("_unit", None)
        for case in self.cases:
            for private in _CASE_PRIVATE:
                case.pop(private, None)

    def _obligation(
        self,
        rule: DeadlineRule,
        subject: str,
        ident: int,
        unit_id: int,
        kind: EventKind,
        start: dt.date,
        occurrence: str,
        events: list[_Event],
        index: int,
    ) -> None:
        due, due_error = self.days.due(rule.due, start)
        status = ObligationStatus.OPEN
        met: dt.date | None = None
        waived_reason: str | None = None
        overridden, extensions = False, 0
        for j in range(index, len(events)):
            kind2, day2, attrs2 = events[j]
            if j > index and kind2 == EventKind.RESOLUTION_EXTENDED and rule.extension is not None:
                new_due = attrs2.get("new_due_date")
                if isinstance(new_due, dt.date):
                    due, due_error, overridden, extensions = new_due, None, True, extensions + 1
                continue
            if any(_matches(m, kind2, attrs2) for m in rule.met_by):
                met = day2
                status = ObligationStatus.MET_LATE if due is not None and day2 > due else ObligationStatus.MET
                break
            if j > index and (
                kind2 in (EventKind.HEARING_RESCHEDULED, EventKind.HEARING_CANCELLED)
                or any(_matches(m, kind2, attrs2) for m in rule.cancelled_by)
            ):
                status, met, waived_reason = ObligationStatus.WAIVED, day2, f"{kind2.value}：不再需要"
                break
        event_day = events[index][1]
        if met is None and not rule.met_by and self.chance(MANUAL_MET):
            met = event_day
            status = ObligationStatus.MET_LATE if due is not None and met > due else ObligationStatus.MET
        overdue = status == ObligationStatus.OPEN and due is not None and due < self.today
        row: dict[str, Any] = {
            "jurisdiction_id": self.c.id,
            "unit_id": unit_id if rule.owner in (Owner.UNIT, Owner.COURT_LIAISON) else None,
            "owner_role": rule.owner.value,
            "plugin": self.c.policy.name,
            "rule_id": rule.id,
            "title": rule.title_zh[:200],
            "title_en": rule.title_en[:200],
            "citation": str(rule.citation),
            "event": kind.value,
            "subject_type": subject,
            "subject_id": ident,
            "occurrence": occurrence,
            "trigger_date": start,
            "due_rule": self._due_rule_dict(rule),
            "due_date": due,
            "due_error": due_error,
            "calendar_version": self.days.calendar.version,
            "status": (ObligationStatus.OVERDUE if overdue else status).value,
            "met_date": met,
            "waived_reason": waived_reason,
            "due_overridden": overridden,
            "extensions_used": extensions,
            "urgent": rule.urgent,
        }
        ob_id = self.rows.add("obligations", row)
        if subject == "resolution_effort" and rule.extension is not None and due is not None:
            self.efforts[ident]["_due"] = due
        if overdue:
            assert due is not None
            self._escalations(row, ob_id, rule, due)

    def _due_rule_dict(self, rule: DeadlineRule) -> dict[str, Any]:
        found = self._due_dicts.get(rule.id)
        if found is None:
            found = self._due_dicts[rule.id] = rule.due.to_dict()
        return found

    def _escalations(self, row: dict[str, Any], ob_id: int, rule: DeadlineRule, due: dt.date) -> None:
        """The notifications the worker's scans have sent for an overdue obligation by today."""
        chain = self._chain_cache.get(rule.escalation)
        if chain is None:
            chain = self.c.policy.escalation_chain(rule.escalation)
            self._chain_cache[rule.escalation] = chain
        for level, step in enumerate(chain.steps, start=1):
            fires_on, _ = self.days.due(step.after, due)
            if fires_on is None or fires_on > self.today:
                break
            role, unit_id, official_id = self._recipient(step.recipient, row["unit_id"])
            sent = dt.datetime.combine(fires_on, dt.time(9, 0), tzinfo=CHINA)
            self.rows.add(
                "notifications",
                {
                    "jurisdiction_id": self.c.id,
                    "recipient_role": role.value if role else None,
                    "recipient_unit_id": unit_id,
                    "recipient_official_id": official_id,
                    "kind": step.action.value,
                    "title": f"【{step.action.label}】{row['title']}（到期日{due}）"[:200],
                    "body": step.note_zh or f"“{row['title']}”已逾期，依据：{row['citation']}",
                    "obligation_id": ob_id,
                    "subject_type": row["subject_type"],
                    "subject_id": row["subject_id"],
                    "rule_id": rule.id,
                    "dedupe_key": f"esc:{ob_id}:{due}:{level}",
                    "created_at": sent,
                    "acknowledged_at": sent + dt.timedelta(hours=3) if self.chance(0.6) else None,
                },
            )
            row["escalation_level"] = level
            row["last_escalated_at"] = sent

    def _recipient(
        self, recipient: Recipient, unit_id: int | None
    ) -> tuple[Role | None, int | None, int | None]:
        if recipient == Recipient.UNIT:
            return (
                (Role.UNIT_CLERK, unit_id, None) if unit_id is not None else (Role.JUSTICE_STAFF, None, None)
            )
        if recipient == Recipient.UNIT_PRINCIPAL_HEAD:
            unit = self.c.units_by_id.get(unit_id) if unit_id is not None else None
            head = unit.heads[0].id if unit is not None and unit.heads else None
            return Role.UNIT_CLERK, unit_id, head
        if recipient == Recipient.JUSTICE_BUREAU:
            return Role.JUSTICE_STAFF, None, None
        if recipient == Recipient.COUNTY_LEADER_IN_CHARGE:
            return Role.LEADER, None, self.leader_in_charge.id
        if recipient == Recipient.COUNTY_PRINCIPAL_LEADER:
            return Role.LEADER, None, self.principal_leader.id
        return Role.LEADER, None, None


# ---------------------------------------------------------------------------------------------
# Jurisdictions and their organisation
# ---------------------------------------------------------------------------------------------


async def _jurisdictions(
    engine: AsyncEngine, registry: PolicyRegistry, n: int, today: dt.date, seed: int
) -> list[tuple[Jurisdiction, CountySpec]]:
    """The built-in plugins' jurisdictions (from their profiles) and synthetic counties beyond them."""
    wanted: list[tuple[str, str | None, int]] = []  # (plugin, synthetic name or None, synthetic number)
    for plugin in BUILTIN_PLUGINS[:n]:
        if not registry.has(plugin) or registry.policy(plugin).profile is None:
            raise ConfigurationError(
                f"generate needs the policy plugin '{plugin}' with a jurisdiction profile"
            )
        wanted.append((plugin, None, 0))
    for i in range(1, n - len(wanted) + 1):
        wanted.append((SYNTHETIC_PLUGIN, synthetic_name(i), i))
    if not registry.has(SYNTHETIC_PLUGIN):
        raise ConfigurationError(f"generate needs the policy plugin '{SYNTHETIC_PLUGIN}'")
    rng = random.Random(f"{seed}:population")
    founded = dt.datetime.combine(today - dt.timedelta(days=1000), dt.time(9, 0), tzinfo=CHINA)
    made: list[tuple[Jurisdiction, CountySpec]] = []
    async with make_session_factory(engine)() as session, session.begin():
        ctx = ServiceContext(session=session, principal=SYSTEM, registry=registry, clock=fixed_clock(founded))
        for plugin, name, number in wanted:
            if name is None:
                jurisdiction = await create_jurisdiction_from_plugin(ctx, plugin)
                spec = COUNTIES[plugin]
            else:
                code = SYNTHETIC_CODE.format(number)
                found = await session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
                if found is not None:
                    jurisdiction = found
                else:
                    jurisdiction = Jurisdiction(
                        code=code,
                        name=name,
                        name_en=f"Synthetic county {number}",
                        plugin=plugin,
                        population=rng.randint(150_000, 1_200_000),
                        parent_name="模拟市",
                        province_name="模拟省",
                    )
                    session.add(jurisdiction)
                    await session.flush()
                spec = synthetic_spec(number, name)
            existing = await session.scalar(
                select(func.count(Dispute.id)).where(Dispute.jurisdiction_id == jurisdiction.id)
            )
            if existing:
                raise ConfigurationError(
                    f"jurisdiction {jurisdiction.code} already has {existing} disputes: "
                    "generate into an empty database, or pass --reset to delete all data first"
                )
            made.append((jurisdiction, spec))
    return made


def _organisation(county: _County, rows: _Rows, seed: int) -> None:
    """Units with their heads and a staff member each (skipping units a previous run created)."""
    dice = Dice(f"{seed}:{county.code}:org")
    for spec in county.spec.units:
        unit_id = rows.add(
            "units",
            {"jurisdiction_id": county.id, "name": spec.name, "kind": spec.kind.value, "active": True},
        )
        officials = []
        for rank, title in leadership(spec, dice):
            name = dice.person(county.spec.surnames)
            official_id = rows.add(
                "officials",
                {
                    "jurisdiction_id": county.id,
                    "unit_id": unit_id,
                    "name": name,
                    "title": title,
                    "rank": rank.value,
                    "phone": dice.phone(),
                    "active": True,
                },
            )
            officials.append(_Official(official_id, unit_id, name, rank, title))
        unit = _Unit(unit_id, spec.name, spec.kind, spec.category, officials[:-1], officials[-1])
        county.units.append(unit)
        county.units_by_id[unit_id] = unit


def _shares(total: int, n: int, seed: int) -> list[int]:
    """``total`` split over ``n`` jurisdictions in uneven (seeded) proportions that add up exactly."""
    rng = random.Random(f"{seed}:shares")
    weights = [rng.uniform(0.5, 1.5) for _ in range(n)]
    scale = total / sum(weights)
    shares = [int(w * scale) for w in weights]
    for i in range(total - sum(shares)):
        shares[i % n] += 1
    return shares


async def _next_ids(conn: AsyncConnection) -> dict[str, int]:
    ids = {}
    for name in TABLE_ORDER:
        table = Base.metadata.tables[name]
        ids[name] = int(await conn.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1
    return ids


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------


async def generate(
    engine: AsyncEngine,
    registry: PolicyRegistry,
    options: GenerateOptions,
    *,
    progress: Progress | None = None,
) -> GenerateReport:
    """Write ``options.cases`` disputes with their whole history into the (migrated) database."""
    if options.jurisdictions < 1 or options.cases < 0:
        raise ConfigurationError(
            "generate needs at least one jurisdiction and a non-negative number of cases"
        )
    started = time.perf_counter()
    today = options.today or dt.datetime.now(CHINA).date()
    now = dt.datetime.now(dt.UTC)
    if options.reset:
        await delete_everything(make_session_factory(engine))
    made = await _jurisdictions(engine, registry, options.jurisdictions, today, options.seed)
    async with make_session_factory(engine)() as session:
        days = _Days(await load_calendar(session))
    report = GenerateReport(dialect=engine.dialect.name, today=today)
    shares = _shares(options.cases, len(made), options.seed)
    async with engine.connect() as conn:
        rows = _Rows(await _next_ids(conn))
        await conn.commit()
        writer = _Writer(conn, now)
        done = 0
        counters: list[dict[str, int]] = []

        async def flush() -> None:
            await writer.write(rows.take(), report.counts)
            if progress is not None:
                progress(done, options.cases, report.rows)

        for (jurisdiction, spec), share in zip(made, shares, strict=True):
            county = _County(
                id=jurisdiction.id,
                code=jurisdiction.code,
                name=jurisdiction.name,
                plugin=jurisdiction.plugin,
                spec=spec,
                policy=registry.policy(jurisdiction.plugin),
            )
            report.jurisdiction_ids.append(jurisdiction.id)
            _organisation(county, rows, options.seed)
            teller = _Teller(county, rows, days, today, options.seed, now)
            for _ in range(share):
                teller.dispute()
                done += 1
                if rows.size >= options.batch_rows:
                    await flush()
            counters.extend(_number_counters(county))
        await flush()
        await writer.write_counters(counters)
        await writer.finish()
    report.seconds = time.perf_counter() - started
    return report


async def run(
    settings: Settings, options: GenerateOptions, *, progress: Progress | None = None
) -> GenerateReport:
    """``caseload generate``: migrate the configured database if needed, then generate into it."""
    from core.db import make_engine
    from core.migrate import upgrade_database
    from core.policy.manager import build_registry

    engine = make_engine(settings)
    try:
        await upgrade_database(engine)
        return await generate(engine, build_registry(), options, progress=progress)
    finally:
        await engine.dispose()
