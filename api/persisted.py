"""Persisted operations: Apollo's automatic persisted queries and, in production, trusted documents.

**Automatic persisted queries** (Apollo's protocol, ``extensions.persistedQuery = {version: 1,
sha256Hash}``, by POST or GET): a request may send only the hash of its document. A hash this
service knows is run as its text; an unknown one answers the ``PersistedQueryNotFound`` error
(code ``PERSISTED_QUERY_NOT_FOUND``), and Apollo's link sends the request again with the text,
which is checked against the hash (a mismatch is 400) and remembered. A GET with the hash alone is
then a short URL a cache can keep. Hashes are remembered in a bounded in-process LRU and, with
``REDIS_URL``, in Redis for every process (a week, refreshed by use).

**Trusted documents** (``CASELOAD_TRUSTED_DOCUMENTS``: a JSON manifest ``{sha256: text}`` the
console's build registers with ``caseload operations register FILE``): in production only the
operations of the manifest run, by hash or by their exact text; anything else is refused with
``operation_not_trusted``. In development the manifest is read for metric names only.

The manifest's operation names (and those of remembered documents) are also the names
/metrics labels operations with (api/ops.py), so made-up names cannot grow it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, parse
from graphql.error import GraphQLSyntaxError
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult

from core.lru import LRU

log = logging.getLogger("caseload.api")

NOT_FOUND = "PersistedQueryNotFound"
NOT_FOUND_CODE = "PERSISTED_QUERY_NOT_FOUND"
REDIS_PREFIX = "caseload:apq:"
REDIS_TTL_SECONDS = 7 * 24 * 3600
_HASH = re.compile(r"^[0-9a-f]{64}$")


class PersistedQueryError(Exception):
    """A persisted-query request the endpoint answers with 400 (api.endpoint.RequestError)."""

    def __init__(self, message: str, message_en: str, code: str) -> None:
        super().__init__(message_en)
        self.message = message
        self.message_en = message_en
        self.code = code


def document_hash(text: str) -> str:
    """The hash Apollo's link sends: sha256 of the document's UTF-8 text, in lower-case hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def operation_names(text: str) -> set[str]:
    """The names of a document's operations (none for a document that does not parse)."""
    try:
        document = parse(text)
    except GraphQLSyntaxError:
        return set()
    return {d.name.value for d in document.definitions if isinstance(d, OperationDefinitionNode) and d.name}


def load_manifest(path: str | Path) -> dict[str, str]:
    """A manifest's ``{hash: text}``, every hash checked against its text."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: a trusted-documents manifest is a JSON object {{sha256: text}}")
    for key, text in raw.items():
        if not isinstance(text, str) or document_hash(text) != key:
            raise ValueError(f"{path}: the entry {key!r} is not the sha256 of its text")
    return raw


class PersistedQueries:
    """hash → document text: the trusted manifest, then this process's LRU, then Redis."""

    def __init__(
        self,
        *,
        redis: Any = None,
        maxsize: int = 2048,
        trusted: dict[str, str] | None = None,
        enforce: bool = False,
    ) -> None:
        self.redis = redis
        self.recent: LRU[str, str] = LRU(maxsize)
        self.trusted = dict(trusted or {})
        self.enforce = enforce and trusted is not None
        self.hits = 0
        self.misses = 0
        # Names /metrics may use as labels: the manifest's, then those of remembered documents (at
        # most as many as the LRU holds, so they stay bounded).
        self.trusted_names: set[str] = set()
        for text in self.trusted.values():
            self.trusted_names |= operation_names(text)
        self.remembered_names: LRU[str, bool] = LRU(maxsize)

    def knows_name(self, name: str) -> bool:
        return name in self.trusted_names or self.remembered_names.get(name) is not None

    async def lookup(self, key: str) -> str | None:
        text = self.trusted.get(key)
        if text is not None or self.enforce:
            return text
        text = self.recent.get(key)
        if text is None and self.redis is not None:
            try:
                found = await self.redis.get(REDIS_PREFIX + key)
                if found is not None:
                    text = found.decode() if isinstance(found, bytes) else str(found)
                    self.recent.put(key, text)
                    await self.redis.expire(REDIS_PREFIX + key, REDIS_TTL_SECONDS)
            except Exception as exc:  # Redis down: this process's memory still serves
                log.warning("persisted queries: redis unavailable: %s", exc)
        return text

    async def remember(self, key: str, text: str) -> None:
        if key in self.trusted or self.enforce:
            return
        if self.recent.get(key) is None:
            for name in operation_names(text):
                self.remembered_names.put(name, True)
        self.recent.put(key, text)
        if self.redis is not None:
            try:
                await self.redis.set(REDIS_PREFIX + key, text, ex=REDIS_TTL_SECONDS)
            except Exception as exc:
                log.warning("persisted queries: redis unavailable: %s", exc)

    async def resolve(self, operation: GraphQLRequestData) -> GraphQLRequestData | ExecutionResult:
        """The operation with its text, or the PersistedQueryNotFound result; PersistedQueryError: 400."""
        extensions = operation.extensions or {}
        persisted = extensions.get("persistedQuery")
        if persisted is None:
            if self.enforce:
                self._check_trusted(operation.query)
            return operation
        if not isinstance(persisted, dict):
            raise PersistedQueryError(
                "extensions.persistedQuery 应为对象 {version, sha256Hash}",
                "extensions.persistedQuery must be an object {version, sha256Hash}",
                "persisted_query_invalid",
            )
        if persisted.get("version") != 1:
            raise PersistedQueryError(
                "不支持该持久化查询版本（仅支持 version 1）",
                "unsupported persisted query version: only version 1 is supported",
                "PERSISTED_QUERY_VERSION_NOT_SUPPORTED",
            )
        key = persisted.get("sha256Hash")
        if not isinstance(key, str) or not _HASH.match(key):
            raise PersistedQueryError(
                "extensions.persistedQuery.sha256Hash 应为 64 位十六进制小写 SHA-256",
                "extensions.persistedQuery.sha256Hash must be a lower-case hex SHA-256 (64 characters)",
                "persisted_query_invalid",
            )
        if operation.query is not None:
            if document_hash(operation.query) != key:
                raise PersistedQueryError(
                    "查询文本与 sha256Hash 不符",
                    "the query's sha256 does not match extensions.persistedQuery.sha256Hash",
                    "PERSISTED_QUERY_HASH_MISMATCH",
                )
            if self.enforce:
                self._check_trusted(operation.query)
            await self.remember(key, operation.query)
            self.misses += 1
            return operation
        text = await self.lookup(key)
        if text is None:
            if self.enforce:
                self._check_trusted(None)
            self.misses += 1
            return ExecutionResult(data=None, errors=[not_found_error()])
        self.hits += 1
        return GraphQLRequestData(
            text, operation.variables, operation.operation_name, extensions, operation.protocol
        )

    def _check_trusted(self, query: str | None) -> None:
        if query is not None and document_hash(query) in self.trusted:
            return
        raise PersistedQueryError(
            "只允许执行已登记的操作（caseload operations register）",
            "only registered operations run on this server (trusted documents; "
            "register them with `caseload operations register FILE`)",
            "operation_not_trusted",
        )


def not_found_error() -> GraphQLError:
    """Apollo's link recognises this exact message and code, and resends the request with its text."""
    return GraphQLError(
        NOT_FOUND,
        extensions={
            "code": NOT_FOUND_CODE,
            "messageZh": "服务器未保存该持久化查询，请连同查询文本重新发送",
        },
    )


def build_persisted_queries(settings: Any, redis: Any) -> PersistedQueries:
    """From the settings: the manifest (enforced in production) and Redis when configured."""
    trusted = load_manifest(settings.trusted_documents) if settings.trusted_documents else None
    if trusted is not None and not settings.production:
        log.info("trusted documents loaded (%d) but not enforced in development", len(trusted))
    return PersistedQueries(redis=redis, trusted=trusted, enforce=settings.production)


# ---------------------------------------------------------------------------------------------
# caseload operations register FILE
# ---------------------------------------------------------------------------------------------


def documents_in(path: Path) -> list[str]:
    """The documents a file holds: a .graphql/.gql file is one; a JSON file is a manifest
    ``{hash: text}`` or Apollo's persisted-query manifest (``operations[].body``)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() != ".json":
        return [text]
    raw = json.loads(text)
    if isinstance(raw, dict) and isinstance(raw.get("operations"), list):
        return [
            op["body"] for op in raw["operations"] if isinstance(op, dict) and isinstance(op.get("body"), str)
        ]
    if isinstance(raw, dict):
        return [value for value in raw.values() if isinstance(value, str)]
    raise ValueError(f"{path}: expected a .graphql document or a JSON manifest")


def register(files: list[Path], manifest: Path) -> list[tuple[str, str]]:
    """Append the files' documents to the manifest (created if missing); returns (hash, names) added.

    Each document must parse; an entry already there is kept as it is.
    """
    entries = load_manifest(manifest) if manifest.exists() else {}
    added: list[tuple[str, str]] = []
    for path in files:
        for text in documents_in(path):
            try:
                parse(text)
            except GraphQLSyntaxError as exc:
                raise ValueError(f"{path}: not a GraphQL document: {exc.message}") from None
            key = document_hash(text)
            if key not in entries:
                entries[key] = text
                added.append((key, ", ".join(sorted(operation_names(text))) or "anonymous"))
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text(
        json.dumps(entries, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return added
