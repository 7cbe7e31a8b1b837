"""Recording indicator test data through the domain services (never by inserting rows)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from core.cases import service as cases
from core.cases.models import Hearing, LitigationCase, ReconsiderationCase
from core.clock import CHINA
from core.context import ServiceContext
from core.disputes import service as disputes
from core.disputes.models import Dispute
from core.enums import (
    ActionType,
    DisputeField,
    DisputeSource,
    Instance,
    OfficialRank,
    OutcomeKind,
    ReconsiderationDecision,
    ResolutionResult,
    ResolutionStage,
    UnitKind,
)
from core.org.models import Official, Unit
from core.org.service import create_official, create_unit
from tests.support import Org

D = dt.date


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=CHINA)


@dataclass
class Recorder:
    """Drives disputes, cases, hearings and reconsiderations through the services for one org."""

    ctx: ServiceContext
    org: Org
    heads: dict[int, Official] = field(default_factory=dict)
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @classmethod
    async def start(cls, ctx: ServiceContext, org: Org) -> Recorder:
        rec = cls(ctx, org)
        rec.heads[org.agency.id] = org.head
        rec.heads[org.government.id] = org.county_leader
        rec.heads[org.township.id] = await create_official(
            ctx, org.township.id, name="刘镇长", rank=OfficialRank.PRINCIPAL_HEAD
        )
        await ctx.session.flush()
        return rec

    async def unit(self, name: str, kind: UnitKind = UnitKind.AGENCY) -> Unit:
        unit = await create_unit(self.ctx, self.org.jurisdiction.id, name=name, kind=kind)
        await self.ctx.session.flush()
        self.heads[unit.id] = await create_official(
            self.ctx, unit.id, name=f"{name}局长", rank=OfficialRank.PRINCIPAL_HEAD
        )
        await self.ctx.session.flush()
        return unit

    async def dispute(
        self,
        unit: Unit,
        received: dt.date,
        *,
        loss_risk: bool = False,
        field: DisputeField = DisputeField.LAND_EXPROPRIATION,
    ) -> Dispute:
        return await disputes.record_dispute(
            self.ctx,
            disputes.DisputeInput(
                unit_id=unit.id,
                title="行政争议",
                applicant_name="申请人",
                field=field,
                action_type=ActionType.EXPROPRIATION,
                source=DisputeSource.SCREENING,
                received_date=received,
                loss_risk=loss_risk,
            ),
        )

    async def case(
        self,
        unit: Unit,
        filed: dt.date,
        *,
        dispute: Dispute | None = None,
        instance: Instance = Instance.FIRST,
        parent: LitigationCase | None = None,
    ) -> LitigationCase:
        d = dispute or await self.dispute(unit, filed)
        return await cases.file_litigation_case(
            self.ctx,
            d.id,
            court="县人民法院",
            case_number=f"（{filed.year}）测行初{next(self._numbers)}号",
            plaintiff_name="原告",
            filed_date=filed,
            instance=instance,
            parent_case_id=parent.id if parent else None,
            unit_id=unit.id,
        )

    async def hearing(self, case: LitigationCase, held: dt.date | dt.datetime, *, attended: bool) -> Hearing:
        moment = held if isinstance(held, dt.datetime) else at(held)
        h = await cases.schedule_hearing(self.ctx, case.id, scheduled_at=moment)
        if attended:
            return await cases.record_hearing(
                self.ctx,
                h.id,
                held_at=moment,
                head_attended=True,
                attending_official_id=self.heads[case.unit_id].id,
                head_spoke=True,
            )
        return await cases.record_hearing(
            self.ctx, h.id, held_at=moment, head_attended=False, excuse_reason="外出开会"
        )

    async def reschedule(self, case: LitigationCase, scheduled: dt.date, new: dt.date) -> Hearing:
        h = await cases.schedule_hearing(self.ctx, case.id, scheduled_at=at(scheduled))
        return await cases.reschedule_hearing(self.ctx, h.id, new_time=at(new), reason="法院通知改期")

    async def outcome(
        self, case: LitigationCase, kind: OutcomeKind, decided: dt.date, *, changed_act: bool = False
    ) -> None:
        await cases.record_outcome(
            self.ctx,
            case.id,
            kind=kind,
            decided_date=decided,
            received_date=decided,
            agency_changed_act=changed_act,
        )

    async def concluded_case(
        self,
        unit: Unit,
        filed: dt.date,
        decided: dt.date,
        kind: OutcomeKind,
        *,
        attended: bool | None = None,
        changed_act: bool = False,
        instance: Instance = Instance.FIRST,
        parent: LitigationCase | None = None,
        dispute: Dispute | None = None,
    ) -> LitigationCase:
        """A case filed, heard (when the outcome needs it, or ``attended`` is given) and decided."""
        d = dispute or await self._dispute_of(parent)
        c = await self.case(unit, filed, instance=instance, parent=parent, dispute=d)
        if kind.needs_hearing or attended is not None:
            await self.hearing(c, decided, attended=bool(attended))
        await self.outcome(c, kind, decided, changed_act=changed_act)
        return c

    async def _dispute_of(self, parent: LitigationCase | None) -> Dispute | None:
        if parent is None:
            return None
        return await self.ctx.session.get(Dispute, parent.dispute_id)

    async def reconsideration(
        self,
        unit: Unit,
        received: dt.date,
        *,
        concluded: dt.date | None = None,
        decision: ReconsiderationDecision | None = None,
        dispute: Dispute | None = None,
    ) -> ReconsiderationCase:
        d = dispute or await self.dispute(unit, received)
        r = await cases.receive_reconsideration(
            self.ctx,
            d.id,
            case_number=f"测复〔{received.year}〕{next(self._numbers)}号",
            received_date=received,
            unit_id=unit.id,
        )
        if concluded is not None:
            assert decision is not None
            await cases.accept_reconsideration(self.ctx, r.id, accepted_date=received)
            await cases.conclude_reconsideration(self.ctx, r.id, decision=decision, concluded_date=concluded)
        return r

    async def resolved_before_filing(self, unit: Unit, received: dt.date, resolved: dt.date) -> Dispute:
        d = await self.dispute(unit, received)
        effort = await disputes.assign_resolution(
            self.ctx, d.id, unit_id=unit.id, stage=ResolutionStage.PRE_FILING, assigned_date=received
        )
        await disputes.accept_resolution(
            self.ctx, effort.id, accepted_date=received, notice_delivered_date=received
        )
        await disputes.conclude_resolution(
            self.ctx, effort.id, succeeded=True, concluded_date=resolved, result=ResolutionResult.MEDIATED
        )
        return d
