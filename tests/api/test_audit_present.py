"""The audit trail in words (issue 19, point 5): actions, record kinds, fields and values in Chinese,
people by name, times in Beijing time — not `unchecked → verified`, `指定出庭负责人 60 → 58` or
`庭审 #144`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.audit import present
from core.auth.models import User
from core.cases import service as cases
from core.clock import CHINA
from core.enums import Role
from core.principal import Principal
from tests.api.conftest import GraphQLClient
from tests.security.world import new_hearing
from tests.support import make_org

TRAIL = """query($type: String, $id: ID) { auditTrail(entityType: $type, entityId: $id, first: 20) { nodes {
  action actionLabel actor actorName entityLabel changes { field label before after }
} } }"""


async def test_the_trail_reads_in_chinese(make_ctx: Any, client: GraphQLClient, app: Any) -> None:
    ctx = make_ctx()
    org = await make_org(ctx)
    ctx.session.add(
        User(
            username="zhangsan",
            display_name="张三",
            role=Role.JUSTICE_STAFF,
            jurisdiction_id=org.jurisdiction.id,
            active=True,
            failed_logins=0,
            token_generation=1,
        )
    )
    staff = make_ctx(
        principal=Principal(user="zhangsan", role=Role.JUSTICE_STAFF, jurisdiction_id=org.jurisdiction.id)
    )
    hearing = await new_hearing(staff, org.agency.id, 1)
    await cases.designate_head(staff, hearing.id, official_id=org.head.id)
    await cases.check_identity(staff, hearing.id)
    await cases.record_hearing(
        staff,
        hearing.id,
        held_at=dt.datetime(2024, 11, 18, 9, 30, tzinfo=CHINA),
        head_attended=True,
        head_spoke=True,
    )
    await ctx.session.commit()

    data = await client.ok(TRAIL, {"type": "hearings", "id": str(hearing.id)})
    entries = {e["action"]: e for e in data["auditTrail"]["nodes"]}
    designate = entries["hearing.designate"]
    assert designate["actionLabel"] == "确定出庭负责人"
    assert (designate["actor"], designate["actorName"]) == ("zhangsan", "张三")
    assert designate["entityLabel"] == "庭审（2024-11-18 09:00）"
    official = next(c for c in designate["changes"] if c["field"] == "designated_official_id")
    assert (official["label"], official["before"], official["after"]) == ("指定出庭负责人", "—", "张局长")

    check = next(c for c in entries["hearing.identity"]["changes"] if c["field"] == "identity_check")
    assert (check["label"], check["before"], check["after"]) == ("身份核验", "未核验", "身份符合")

    held = {c["field"]: c for c in entries["hearing.record"]["changes"]}
    assert (held["status"]["before"], held["status"]["after"]) == ("待开庭", "已开庭")
    assert held["held_at"]["after"] == "2024-11-18 09:30"  # Beijing time, not an ISO timestamp
    assert held["head_attended"]["after"] == "是"

    scheduled = entries["hearing.schedule"]
    assert scheduled["actionLabel"] == "登记开庭"
    assert {c["label"] for c in scheduled["changes"]} >= {"开庭时间", "单位"}
    assert next(c for c in scheduled["changes"] if c["field"] == "unit_id")["after"] == "县自然资源局"
    # No code, id or raw value anywhere a reader looks.
    for entry in data["auditTrail"]["nodes"]:
        for change in entry["changes"]:
            assert change["label"] != change["field"], change
            assert "T09" not in change["after"] and "+08:00" not in change["after"]


def test_every_audited_action_has_a_chinese_label() -> None:
    """Every action string the services record is labelled (a new one fails here until it is)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "core"
    recorded = set()
    for path in root.rglob("*.py"):
        recorded |= set(re.findall(r'audit\(\s*ctx,\s*"([a-z_]+\.[a-z_]+)"', path.read_text()))
    assert recorded, "no audited action found: the pattern is stale"
    assert recorded <= set(present.ACTION_LABELS), recorded - set(present.ACTION_LABELS)
