"""Issue 21 defect 4: a hearing entered after go-live for a day already past.

Scheduled on 11-20 for 11-06, its duties are overdue when created. One worker pass sends, for each
duty, only the escalation step due now — never every step it missed in one burst — and a chain
whose steps are all due at once (Qiannan's "一直达") sends those steps together.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import select

from core.obligations.models import Notification, Obligation
from core.obligations.scan import scan_jurisdiction
from core.org.service import set_go_live_date
from tests.api.conftest import GraphQLClient
from tests.security.world import new_case
from tests.support import make_org

OBLIGATIONS = (
    """query($id: ID!) { hearing(id: $id) { obligations { ruleId dueDate status escalationLevel } } }"""
)


async def test_one_pass_sends_only_the_step_due_now(
    make_ctx: Any, client: GraphQLClient, session: Any
) -> None:
    ctx = make_ctx(today=dt.date(2024, 11, 5))
    org = await make_org(ctx, "qiannan")
    await set_go_live_date(ctx, org.jurisdiction.id, go_live_date=dt.date(2024, 10, 1))
    c = await new_case(ctx, org.agency.id, 1)
    await ctx.session.commit()
    scheduled = await client.mutate(
        """mutation($c: ID!) { scheduleHearing(input: {caseId: $c, scheduledAt: "2024-11-06T09:00:00+08:00"}) {
             result { id } errors { code } } }""",
        {"c": str(c.id)},
    )
    hearing_id = int(scheduled["id"])
    worker = make_ctx(today=dt.date(2024, 11, 20))
    await scan_jurisdiction(worker, org.jurisdiction.id)
    await worker.session.commit()

    rows = list(await session.scalars(select(Notification).where(Notification.subject_id == hearing_id)))
    obligations = {
        o.id: o
        for o in await session.scalars(
            select(Obligation).where(
                Obligation.subject_type == "hearing", Obligation.subject_id == hearing_id
            )
        )
    }
    policy = worker.registry.policy("qiannan")
    per_obligation = Counter(n.obligation_id for n in rows if n.obligation_id is not None)
    for ob_id, sent in per_obligation.items():
        ob = obligations[ob_id]
        rule = policy.deadline_rule(ob.rule_id)
        assert rule is not None
        chain = policy.escalation_chain(rule.escalation)
        simultaneous = len({s.after for s in chain.steps}) == 1
        # The default chain: the last step only (10 working days after 10-30 have passed);
        # "一直达": its three steps, all due on the day after the hearing.
        expected = len(chain.steps) if simultaneous else 1
        assert sent == expected, (ob.rule_id, chain.id, [n.title for n in rows if n.obligation_id == ob_id])
        assert ob.escalation_level == len(chain.steps), ob.rule_id
    assert per_obligation, "the overdue duties escalated"
    data = await client.ok(OBLIGATIONS, {"id": str(hearing_id)})
    assert all(
        o["status"] == "OVERDUE"
        for o in data["hearing"]["obligations"]
        if o["ruleId"].startswith("qiannan.hearing")
    )
