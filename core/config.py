"""Settings read from the environment; nothing is required (embedded default).

Production is the default mode: development conveniences (identity headers, an anonymous request
acting as administrator, GraphiQL) only with ``CASELOAD_ENV=development``, which ``caseload serve
--dev`` sets and announces. A value that cannot be read stops the process with one line naming the
variable (``ConfigurationError``), never with a traceback or a guess.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from core.errors import ConfigurationError

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./caseload.db"
MODES = ("production", "development")


def env_int(env: dict[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigurationError(f"{name}={raw!r} must be at least {minimum}")
    return value


def env_float(env: dict[str, str], name: str, default: float, minimum: float = 0.0) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is not a number") from None
    if value < minimum:
        raise ConfigurationError(f"{name}={raw!r} must be at least {minimum}")
    return value


def env_flag(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"{name}={raw!r} is not a switch: use 1 or 0")


def _mode(env: dict[str, str]) -> str:
    raw = env.get("CASELOAD_ENV")
    if raw is None or raw.strip() == "":
        return "production"
    if raw.strip() not in MODES:
        raise ConfigurationError(
            f"CASELOAD_ENV={raw!r} is not a mode: use {' or '.join(MODES)} "
            "(development only with `caseload serve --dev`)"
        )
    return raw.strip()


def _import_runner(env: dict[str, str]) -> str | None:
    value = (env.get("CASELOAD_IMPORT_RUNNER") or "").strip().lower()
    if value and value not in ("api", "worker"):
        raise ConfigurationError(f"CASELOAD_IMPORT_RUNNER={value!r} is not a runner: use api or worker")
    return value or None


def redacted_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for logs)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + netloc))


def normalise_database_url(url: str) -> str:
    """Map plain driver URLs onto the async drivers the app uses."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("postgresql+psycopg2://"):
        return "postgresql+asyncpg://" + url[len("postgresql+psycopg2://") :]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    # Connect and socket timeout of every Redis client, in seconds (core/redis_guard.py): a hung
    # Redis costs a request at most this long, then the circuit breaker skips Redis for a while.
    redis_timeout: float = 0.25
    # Seconds an Idempotency-Key stays with a request that stopped renewing it (died): see
    # api/hardening.py IdempotencyKeys.
    idempotency_lease: float = 30.0
    environment: str = "production"
    # Principal assumed when a development request carries none (see api/context.py).
    dev_default_role: str = "system_admin"
    # Largest request body accepted (ledger imports travel as base64 inside GraphQL).
    max_body_bytes: int = 16 * 1024 * 1024
    # Requests per minute per principal (0: unlimited).
    rate_limit_per_minute: int = 1200
    # Run the deadline worker inside the API process (the embedded default's single process).
    inprocess_worker: bool = False
    worker_interval: float = 60.0
    # PostgreSQL connections each API process keeps open (and may open beyond that under a burst,
    # closing them again when they come back). Concurrent requests beyond the pool wait for a
    # connection; a connection opened per request costs more than the request (section 6 of
    # BENCHMARKS.md). Workers × hosts × (size + overflow) must stay under max_connections.
    db_pool_size: int = 20
    db_max_overflow: int = 10
    # GraphQL requests over HTTP each process runs at once; later ones wait their turn, first come
    # first served (0: no limit; None: half the pool, since a request can hold two connections: its
    # read session, and a mutation's or a dashboard count's own). Admitted requests then never wait
    # for a connection, and under a burst the latency is shared evenly instead of some requests
    # starving (section 6 of BENCHMARKS.md).
    max_concurrent_requests: int | None = None
    # Once started, move every object the process holds to the garbage collector's permanent
    # generation (gc.freeze): a full collection then no longer walks the ~200,000 objects of the
    # schema, the mappers and the plugins, a pause of ~100 ms roughly every 300 pages under load
    # (section 6 of BENCHMARKS.md). On for a served process (CASELOAD_GC_FREEZE, default 1); off for
    # apps built in code (tests build hundreds, whose garbage it would keep).
    freeze_gc_at_start: bool = False
    # Once serving, run the console's first dashboard in the background (api/warmup.py) so the first
    # user's costs what a later one does. On for a served process (CASELOAD_WARM_UP, default 1); off
    # for apps built in code (tests count statements and rows).
    warm_up_at_start: bool = False
    # Bearer token Prometheus sends for /metrics; in production /metrics answers nobody without it.
    metrics_token: str | None = None
    # Who runs queued ledger imports: "api" (a runner in each API process) or "worker" (the deadline
    # worker's rounds). None: "api" on SQLite (the embedded default has no worker), "worker" otherwise.
    import_runner_setting: str | None = None
    # A JSON manifest {sha256: document}: in production only its operations run (api/persisted.py).
    trusted_documents: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def concurrency_limit(self) -> int:
        """``max_concurrent_requests`` resolved: 0 for no limit."""
        if self.max_concurrent_requests is not None:
            return max(self.max_concurrent_requests, 0)
        return max(self.db_pool_size // 2, 1)

    @property
    def import_runner(self) -> str:
        """``CASELOAD_IMPORT_RUNNER`` resolved: "api" or "worker"."""
        if self.import_runner_setting in ("api", "worker"):
            return self.import_runner_setting
        return "api" if self.is_sqlite else "worker"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        return cls(
            database_url=normalise_database_url(env.get("DATABASE_URL") or DEFAULT_DATABASE_URL),
            redis_url=env.get("REDIS_URL") or None,
            redis_timeout=env_float(env, "CASELOAD_REDIS_TIMEOUT", 0.25, minimum=0.01),
            environment=_mode(env),
            max_body_bytes=env_int(env, "CASELOAD_MAX_BODY_BYTES", 16 * 1024 * 1024, minimum=1024),
            rate_limit_per_minute=env_int(env, "CASELOAD_RATE_LIMIT_PER_MINUTE", 1200),
            idempotency_lease=env_float(env, "CASELOAD_IDEMPOTENCY_LEASE", 30.0, minimum=1.0),
            inprocess_worker=env_flag(env, "CASELOAD_INPROCESS_WORKER", False),
            worker_interval=env_float(env, "CASELOAD_WORKER_INTERVAL", 60.0, minimum=0.1),
            db_pool_size=env_int(env, "CASELOAD_DB_POOL_SIZE", 20, minimum=1),
            db_max_overflow=env_int(env, "CASELOAD_DB_MAX_OVERFLOW", 10),
            max_concurrent_requests=(
                env_int(env, "CASELOAD_MAX_CONCURRENT_REQUESTS", 0)
                if env.get("CASELOAD_MAX_CONCURRENT_REQUESTS")
                else None
            ),
            freeze_gc_at_start=env_flag(env, "CASELOAD_GC_FREEZE", True),
            warm_up_at_start=env_flag(env, "CASELOAD_WARM_UP", True),
            metrics_token=env.get("CASELOAD_METRICS_TOKEN") or None,
            import_runner_setting=_import_runner(env),
            trusted_documents=env.get("CASELOAD_TRUSTED_DOCUMENTS") or None,
        )
