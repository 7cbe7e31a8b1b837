"""Every notification links to its record (issue 19, point 4): the record it is about, with the
dispute and case it belongs to, read through the reader's scope."""

from __future__ import annotations

from typing import Any

from core.cases.models import LitigationCase
from core.enums import NotificationKind, Role
from core.obligations.models import Notification
from tests.api.conftest import GraphQLClient
from tests.security.world import new_hearing
from tests.support import make_org

INBOX = """{ inbox(unreadOnly: false, first: 10) { nodes { title
  record { subjectType subjectId disputeId caseId } } } }"""


def notice(org: Any, title: str, key: str, **subject: Any) -> Notification:
    return Notification(
        jurisdiction_id=org.jurisdiction.id,
        recipient_role=Role.JUSTICE_STAFF,
        kind=NotificationKind.REMINDER,
        title=title,
        dedupe_key=key,
        **subject,
    )


async def test_a_notification_names_its_record_its_case_and_its_dispute(
    ctx: Any, client: GraphQLClient
) -> None:
    org = await make_org(ctx)
    hearing = await new_hearing(ctx, org.agency.id, 1)
    case = await ctx.session.get(LitigationCase, hearing.case_id)
    ctx.session.add_all(
        [
            notice(org, "庭前提醒", "t1", subject_type="hearing", subject_id=hearing.id),
            notice(org, "争议提醒", "t2", subject_type="dispute", subject_id=case.dispute_id),
            notice(org, "无记录的通知", "t3"),
        ]
    )
    await ctx.session.commit()
    staff = {"x-caseload-role": "justice_staff", "x-caseload-jurisdiction": str(org.jurisdiction.id)}
    nodes = {n["title"]: n["record"] for n in (await client.ok(INBOX, **staff))["inbox"]["nodes"]}
    assert nodes["庭前提醒"] == {
        "subjectType": "hearing",
        "subjectId": str(hearing.id),
        "caseId": str(case.id),
        "disputeId": str(case.dispute_id),
    }
    assert nodes["争议提醒"] == {
        "subjectType": "dispute",
        "subjectId": str(case.dispute_id),
        "caseId": None,
        "disputeId": str(case.dispute_id),
    }
    assert nodes["无记录的通知"] is None
