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
    # May read applicants' full national ID and phone numbers (each read is audited).
    can_view_personal_data: bool = False
    request_id: str | None = None
    remote_addr: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.SYSTEM_ADMIN

    @property
    def is_bureau(self) -> bool:
        """The justice bureau's own people: its staff and the county's administrator (who reads and
        receives what the staff do)."""
        return self.role in (Role.JUSTICE_STAFF, Role.JURISDICTION_ADMIN)

    @property
    def sees_personal_data(self) -> bool:
        return self.is_admin or self.can_view_personal_data


SYSTEM = Principal(user="system", role=Role.SYSTEM_ADMIN, can_view_personal_data=True)
