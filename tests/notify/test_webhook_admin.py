"""Administering webhooks over GraphQL: who may, validation naming the field, optimistic locking,
secrets kept out of answers and the audit trail, and the deliveries of a notification."""

from __future__ import annotations

from typing import Any

from tests.http_fixtures import GraphQLClient
from tests.notify.conftest import World

REGISTER = """mutation($input: RegisterWebhookInput!) { registerWebhook(input: $input) {
  result { id name url hasSecret kinds active version } errors { field code message } } }"""
UPDATE = """mutation($input: UpdateWebhookInput!) { updateWebhook(input: $input) {
  result { id name url hasSecret kinds active version } errors { field code message } } }"""
WEBHOOKS = """query($j: ID!) { webhooks(jurisdictionId: $j) { id name kinds active } }"""
ISSUE = """mutation($input: IssueNoticeInput!) { issueNotice(input: $input) {
  result { id } errors { field code message } } }"""
DELIVERIES = """query($n: ID!) { notificationDeliveries(notificationId: $n) {
  notificationId notification { title kindLabel }
  deliveries { id status statusLabel attempts lastError endpoint { name } } } }"""
RETRY = """mutation($id: ID!) { retryNotificationDelivery(id: $id) {
  result { id status } errors { field code message } } }"""
ROBOT = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx"


def payload(data: dict[str, Any]) -> dict[str, Any]:
    (value,) = data.values()
    result: dict[str, Any] = value
    return result


async def register(client: GraphQLClient, world: World, **fields: Any) -> dict[str, Any]:
    variables = {"jurisdictionId": str(world.jid), "name": "司法局值班群", "url": ROBOT, **fields}
    return payload(await client.ok(REGISTER, {"input": variables}, **world.staff()))


async def test_staff_register_list_and_update_with_optimistic_locking(client: GraphQLClient, world: World):
    created = await register(client, world, secret="s3cret", kinds=["ESCALATION", "INTERVIEW"])
    assert created["errors"] == []
    hook = created["result"]
    assert hook["hasSecret"] is True and hook["kinds"] == ["ESCALATION", "INTERVIEW"] and hook["version"] == 1

    listed = await client.ok(WEBHOOKS, {"j": str(world.jid)}, **world.staff())
    assert [h["name"] for h in listed["webhooks"]] == ["司法局值班群"]

    changed = payload(
        await client.ok(
            UPDATE,
            {"input": {"id": hook["id"], "version": 1, "kinds": [], "clearSecret": True, "name": "督办群"}},
            **world.staff(),
        )
    )
    assert changed["errors"] == []
    assert changed["result"]["kinds"] == [] and changed["result"]["hasSecret"] is False
    assert changed["result"]["version"] == 2

    stale = payload(
        await client.ok(UPDATE, {"input": {"id": hook["id"], "version": 1, "active": False}}, **world.staff())
    )
    assert stale["result"] is None
    assert stale["errors"][0]["field"] == "version" and stale["errors"][0]["code"] == "conflict"


async def test_invalid_input_names_the_field(client: GraphQLClient, world: World):
    bad_url = await register(client, world, url="ftp://10.0.0.1/hook")
    assert bad_url["errors"][0]["field"] == "url" and "http://" in bad_url["errors"][0]["message"]
    assert (await register(client, world))["errors"] == []
    duplicate = await register(client, world)
    assert duplicate["errors"][0] == {
        "field": "name",
        "code": "duplicate",
        "message": "本辖区已有名为“司法局值班群”的推送地址",
    }


async def test_only_admins_and_justice_staff_manage_webhooks(client: GraphQLClient, world: World):
    clerk = payload(
        await client.ok(
            REGISTER,
            {"input": {"jurisdictionId": str(world.jid), "name": "单位群", "url": ROBOT}},
            **world.clerk(world.org.agency.id),
        )
    )
    assert clerk["errors"][0]["code"] == "forbidden"

    neighbour = await client(WEBHOOKS, {"j": str(world.jid)}, **world.staff(world.other.id))
    assert neighbour["errors"][0]["extensions"]["code"] == "forbidden"
    leader = await client(
        WEBHOOKS,
        {"j": str(world.jid)},
        **{"x-caseload-role": "leader", "x-caseload-jurisdiction": str(world.jid)},
    )
    assert leader["errors"][0]["extensions"]["code"] == "forbidden"


async def test_the_audit_trail_keeps_no_secret_nor_robot_key(client: GraphQLClient, world: World):
    await register(client, world, secret="s3cret")
    data = await client.ok(
        '{ auditTrail(entityType: "webhook_endpoints") { nodes { action after } } }', **world.staff()
    )
    (entry,) = data["auditTrail"]["nodes"]
    assert entry["action"] == "webhook.register"
    assert "secret" not in entry["after"]  # secrets are never copied into the audit trail
    assert entry["after"]["url"] == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***"
    assert "s3cret" not in str(data) and "693a91f6" not in str(data)


async def test_a_notice_and_its_deliveries(client: GraphQLClient, world: World):
    await register(client, world, name="全部通知")
    await register(client, world, name="仅约谈", url="http://10.0.0.5/hook", kinds=["INTERVIEW"])
    issued = payload(
        await client.ok(
            ISSUE,
            {"input": {"jurisdictionId": str(world.jid), "kind": "REMINDER", "title": "请按期报送"}},
            **world.staff(),
        )
    )
    assert issued["errors"] == []
    notification_id = issued["result"]["id"]

    data = await client.ok(DELIVERIES, {"n": notification_id}, **world.staff())
    info = data["notificationDeliveries"]
    assert info["notification"] == {"title": "请按期报送", "kindLabel": "提醒"}
    (delivery,) = info["deliveries"]
    assert delivery["status"] == "PENDING" and delivery["statusLabel"] == "待推送"
    assert delivery["endpoint"] == {"name": "全部通知"}

    pending = payload(await client.ok(RETRY, {"id": delivery["id"]}, **world.staff()))
    assert pending["errors"][0]["field"] == "id" and pending["errors"][0]["code"] == "invalid_transition"

    # Out of another jurisdiction the notification does not exist.
    hidden = await client.ok(DELIVERIES, {"n": notification_id}, **world.staff(world.other.id))
    assert hidden["notificationDeliveries"] is None


async def test_unit_clerks_may_not_issue_notices(client: GraphQLClient, world: World):
    refused = payload(
        await client.ok(
            ISSUE,
            {"input": {"jurisdictionId": str(world.jid), "kind": "INFO", "title": "通知"}},
            **world.clerk(world.org.agency.id),
        )
    )
    assert refused["errors"][0]["code"] == "forbidden"


async def test_urls_are_masked_in_every_read(client: GraphQLClient, world: World):
    """The robot's key and any userinfo never come back: not from the mutation, the list or a delivery."""
    created = await register(client, world, url="http://user:pw@hooks.example.invalid:8080/in?token=abc&x=1")
    assert created["errors"] == []
    masked = "http://***@hooks.example.invalid:8080/in?token=***&x=***"
    assert created["result"]["url"] == masked
    listed = await client.ok(
        "query($j: ID!) { webhooks(jurisdictionId: $j) { url } }", {"j": str(world.jid)}, **world.staff()
    )
    assert [h["url"] for h in listed["webhooks"]] == [masked]
    assert "abc" not in str(listed) and "pw" not in str(listed)
