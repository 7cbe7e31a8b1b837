"""Domain errors: a stable code, a Chinese message for users and an English one for developers."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain was violated; nothing the request tried to write is kept."""

    code: str = "invalid"

    def __init__(self, code: str, message_zh: str, message_en: str, field: str | None = None) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.field = field

    @property
    def extensions(self) -> dict[str, object]:
        """Carried into GraphQL errors when raised from a query resolver."""
        return {"code": self.code, "field": self.field, "message": self.message_zh}

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, field={self.field!r}, {self.message_en!r})"


class ValidationFailed(DomainError):
    """Input is well-formed GraphQL but its value is not acceptable."""

    def __init__(self, field: str, message_zh: str, message_en: str, code: str = "invalid_value") -> None:
        super().__init__(code, message_zh, message_en, field)


class NotFound(DomainError):
    def __init__(self, entity: str, entity_zh: str, ident: object, field: str | None = "id") -> None:
        super().__init__(
            "not_found", f"{entity_zh}（{ident}）不存在或无权访问", f"{entity} {ident} not found", field
        )


class Forbidden(DomainError):
    def __init__(self, message_zh: str = "无权执行此操作", message_en: str = "not allowed") -> None:
        super().__init__("forbidden", message_zh, message_en, None)


class InvalidTransition(DomainError):
    """A record's state machine does not allow the requested step."""

    def __init__(self, entity: str, current: str, action: str, message_zh: str) -> None:
        super().__init__(
            "invalid_transition",
            message_zh,
            f"{entity} in state '{current}' cannot {action}",
            "status",
        )


class Conflict(DomainError):
    """Optimistic-lock failure: someone else changed the record first."""

    def __init__(self, entity: str, ident: object) -> None:
        super().__init__(
            "conflict",
            "该记录已被他人修改，请刷新后重试",
            f"{entity} {ident} was changed by someone else; reload and retry",
            "version",
        )


class ConfigurationError(Exception):
    """The deployment is not usable as configured (message says what to run)."""
