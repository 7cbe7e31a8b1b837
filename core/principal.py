"""Who is asking: the principal every query and mutation is scoped by."""

from __future__ import annotations

from dataclasses import dataclass

from core.enums import Role


@dataclass(frozen=True)
class Principal:
    user: str
    role: Role
    jurisdiction_id: int | None = None
    unit_id: int | None = None
    # The official this user is (for a personal inbox); set once accounts link users to officials.
    official_id: int | None = None
    request_id: str | None = None
    remote_addr: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.SYSTEM_ADMIN


SYSTEM = Principal(user="system", role=Role.SYSTEM_ADMIN)
