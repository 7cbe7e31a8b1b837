"""The one place that decides which rows a principal may see and which writes they may make.

Every repository query passes through :func:`scope`, and every service write through
:func:`authorize`, so access rules change here and nowhere else.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, false, select

from core.enums import Role
from core.errors import Forbidden
from core.principal import Principal

S = TypeVar("S", bound=Select[Any])

# What each role may do (the action names are the services' ``authorize`` calls).
WRITE_ACTIONS: dict[Role, frozenset[str] | None] = {
    Role.SYSTEM_ADMIN: None,  # everything
    # The county's own administrator (县级管理员): everything the justice bureau does, and the
    # county's configuration (COUNTY_ADMIN below), inside its jurisdiction only.
    Role.JURISDICTION_ADMIN: None,
    Role.JUSTICE_STAFF: None,  # everything inside the jurisdiction but its configuration
    Role.UNIT_CLERK: frozenset(
        {
            "dispute.record",
            "dispute.update",
            "resolution.accept",
            "resolution.progress",
            "resolution.extend",
            "resolution.hearing",
            "resolution.conclude",
            "resolution.confirm",
            "case.file",
            "case.response_notice",
            "case.response_reported",
            "case.complaint_copy",
            "case.defence",
            "hearing.schedule",
            "hearing.designate",
            "hearing.identity",
            "hearing.record",
            "hearing.reschedule",
            "hearing.cancel",
            "outcome.record",
            "case.effective",
            "duty.submit",
            "reconsideration.record",
            "reconsideration.reply",
            "obligation.met",
            "report.submit",
            "attachment.create",
            "attachment.delete",
            # The letters a unit writes itself; reminders, interviews and circulars are the bureau's.
            "document.issue.relief_notice",
            "document.issue.coordination_feedback",
            "document.issue.loss_analysis",
        }
    ),
    # Hearing schedules and judgments (DOMAIN.md §1).
    Role.COURT_LIAISON: frozenset(
        {
            "hearing.schedule",
            "hearing.reschedule",
            "hearing.cancel",
            "hearing.record",
            "outcome.record",
            "case.effective",
        }
    ),
    Role.LEADER: frozenset(),
}
# "Administrators who configure targets, units, people and roles" (DOMAIN.md §1): a county runs
# itself — its administrator keeps its units, people, accounts, population, reference figures,
# targets and go-live date — while jurisdictions, plugins and the national calendar stay the
# system administrator's.
SYSTEM_ONLY = frozenset({"jurisdiction.manage", "calendar.manage"})
COUNTY_ADMIN = frozenset(
    {
        "jurisdiction.settings",
        "target.manage",
        "reference.manage",
        "unit.manage",
        "official.manage",
        "user.manage",
        "office.manage",
    }
)
ADMIN_ONLY = SYSTEM_ONLY | COUNTY_ADMIN
# Directory data every role of the jurisdiction reads in full (a clerk names the county leader who
# approved a substitute, or a second respondent unit).
DIRECTORY_TABLES = frozenset({"jurisdictions", "units", "officials", "reference_figures"})


def scope(stmt: S, model: Any, principal: Principal) -> S:
    """Restrict ``stmt`` over ``model`` to the rows ``principal`` may read."""
    if principal.is_admin:
        return stmt
    if principal.jurisdiction_id is None:
        return stmt.where(false())
    jurisdiction_col = getattr(model, "jurisdiction_id", None)
    if jurisdiction_col is None and getattr(model, "__tablename__", "") == "jurisdictions":
        jurisdiction_col = model.id
    if jurisdiction_col is not None:
        stmt = stmt.where(jurisdiction_col == principal.jurisdiction_id)
    table = getattr(model, "__tablename__", "")
    if principal.role == Role.UNIT_CLERK and table not in DIRECTORY_TABLES:
        if principal.unit_id is None:  # a clerk without a unit sees no unit's records
            return stmt.where(false())
        if table == "disputes":
            # A clerk sees the disputes their unit is a respondent in, principal or not.
            from core.disputes.models import DisputeRespondent

            mine = select(DisputeRespondent.dispute_id).where(DisputeRespondent.unit_id == principal.unit_id)
            return stmt.where(model.id.in_(mine))
        unit_col = getattr(model, "unit_id", None)
        if unit_col is not None:
            stmt = stmt.where(unit_col == principal.unit_id)
    return stmt


def can_read(
    principal: Principal, jurisdiction_id: int | None, unit_id: int | None = None, table: str = ""
) -> bool:
    """Whether ``principal`` may read a row of ``table`` in that jurisdiction and unit."""
    if principal.is_admin:
        return True
    if jurisdiction_id != principal.jurisdiction_id:
        return False
    if table in DIRECTORY_TABLES:
        return True
    return not (principal.role == Role.UNIT_CLERK and unit_id is not None and unit_id != principal.unit_id)


def authorize(
    principal: Principal, action: str, jurisdiction_id: int | None, unit_id: int | None = None
) -> None:
    """Raise :class:`Forbidden` unless ``principal`` may perform ``action`` on that jurisdiction/unit."""
    if principal.is_admin:
        return
    if action in SYSTEM_ONLY:
        raise Forbidden("仅系统管理员可执行此操作", f"only a system administrator may {action}")
    if action in COUNTY_ADMIN and principal.role != Role.JURISDICTION_ADMIN:
        raise Forbidden(
            "仅县级管理员或系统管理员可执行此操作",
            f"only a jurisdiction or system administrator may {action}",
        )
    if jurisdiction_id is None or principal.jurisdiction_id != jurisdiction_id:
        raise Forbidden("无权操作其他辖区的数据", f"{action}: outside your jurisdiction")
    allowed = WRITE_ACTIONS.get(principal.role, frozenset())
    if allowed is not None and action not in allowed:
        raise Forbidden(
            f"当前角色（{principal.role.label}）无权执行此操作", f"role {principal.role} may not {action}"
        )
    if principal.role == Role.UNIT_CLERK and unit_id is not None and unit_id != principal.unit_id:
        raise Forbidden("只能操作本单位的案件", f"{action}: not your unit")
