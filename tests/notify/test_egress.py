"""Webhook egress (core/notify/egress.py): the 18 targets of issue 17 refused by resolution, the
allow-list, and deliveries that connect to the address checked (DNS rebinding gains nothing)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.context import ServiceContext
from core.errors import ValidationFailed
from core.notify import egress, service
from core.notify.egress import Allow, EgressRefused, check_url, parse_allow
from core.notify.models import DeliveryStatus
from core.notify.webhooks import deliver_due
from tests.notify.conftest import Receiver, World
from tests.notify.test_webhooks import NOW, deliveries, endpoint, notice

# Issue 17's list. The literal and numeric forms go through the real resolver (which reads
# 2130706433, 0x7f000001, 127.1 and 0 as the addresses they are); *.nip.io through a stub resolver.
REFUSED = [
    "http://169.254.169.254/latest/meta-data/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://[fd00:ec2::254]/",
    "http://10.0.0.1/",
    "http://192.168.1.1/",
    "http://172.16.0.1/",
    "http://100.64.0.1/",
    "http://127.0.0.1:22/",
    "http://localhost:6379/",
    "http://[::1]/",
    "http://0.0.0.0/",
    "http://0/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://127.1/",
    "http://[::ffff:127.0.0.1]/",
    "http://169.254.169.254.nip.io/",
    "http://user:pass@127.0.0.1/",
]


SYSTEM = egress.system_resolver


async def nip_io(host: str, port: int) -> Sequence[str]:
    """What nip.io answers: the address spelled in the name; anything else through the system."""
    if host.endswith(".nip.io"):
        return [host.removesuffix(".nip.io")]
    return await SYSTEM(host, port)


def test_the_list_is_the_issues_eighteen() -> None:
    assert len(REFUSED) == len(set(REFUSED)) == 18


@pytest.mark.parametrize("url", REFUSED)
async def test_each_private_loopback_link_local_and_metadata_form_is_refused(url: str) -> None:
    with pytest.raises(EgressRefused) as refused:
        await check_url(url, Allow(), nip_io)
    assert refused.value.message_zh and refused.value.message_en


@pytest.mark.parametrize("url", REFUSED)
async def test_registration_refuses_them_naming_the_url_field(
    ctx: ServiceContext, world: World, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASELOAD_WEBHOOK_ALLOW", "")
    monkeypatch.setattr(egress, "system_resolver", nip_io)
    with pytest.raises(ValidationFailed) as refused:
        await service.register_webhook(ctx, world.jid, name="内网探测", url=url)
    assert refused.value.field == "url" and refused.value.code in {"address_refused", "invalid_url"}


async def test_multicast_and_a_public_address() -> None:
    with pytest.raises(EgressRefused):
        await check_url("http://224.0.0.1/", Allow())
    target = await check_url("https://8.8.8.8:8443/hook?key=1", Allow())
    assert (target.host, target.port, target.address) == ("8.8.8.8", 8443, "8.8.8.8")


async def test_the_allow_list_admits_networks_and_host_names() -> None:
    allow = parse_allow(" 10.8.0.0/16 , receiver.county.gov.cn, fd00:1::/64 ")
    assert (await check_url("http://10.8.3.4:8080/in", allow)).address == "10.8.3.4"
    with pytest.raises(EgressRefused):
        await check_url("http://10.9.0.1/", allow)

    async def intranet(host: str, port: int) -> Sequence[str]:
        return ["192.168.7.7"]

    named = await check_url("https://user:pw@receiver.county.gov.cn/x", allow, intranet)
    assert named.address == "192.168.7.7"  # an allowed name may carry credentials and resolve inside
    with pytest.raises(EgressRefused):
        await check_url("http://user:pw@8.8.8.8/", allow)  # credentials only for an allowed host
    with pytest.raises(ValueError, match="CASELOAD_WEBHOOK_ALLOW"):
        parse_allow("10.0.0.0/33")


def test_an_allow_list_that_does_not_parse_admits_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASELOAD_WEBHOOK_ALLOW", "10.0.0.0/8, not a host!")
    assert egress.allow_from_env() == Allow()
    monkeypatch.setenv("CASELOAD_WEBHOOK_ALLOW", "10.0.0.0/8")
    assert egress.allow_from_env().admits_address(ipaddress.ip_address("10.1.2.3"))


async def test_a_delivery_connects_to_the_checked_address_with_the_host_name_kept(
    ctx: ServiceContext,
    world: World,
    receiver: Receiver,
    session_factory: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The allow-listed loopback receiver under a name: the request goes to 127.0.0.1, Host names it."""
    port = int(receiver.url.rsplit(":", 1)[1])

    async def named(host: str, port_: int) -> Sequence[str]:
        assert host == "receiver.test"
        return ["127.0.0.1"]

    monkeypatch.setattr(egress, "system_resolver", named)
    await endpoint(ctx, world, f"http://receiver.test:{port}/ok?key=secret")
    await notice(ctx, world)
    async with httpx.AsyncClient(timeout=5) as http:
        report = await deliver_due(session_factory, now=NOW, http=http)
    assert report.delivered == 1
    [got] = receiver.received("/ok")
    assert got.headers["host"] == f"receiver.test:{port}"


async def test_dns_rebinding_after_registration_is_refused_at_delivery(
    ctx: ServiceContext,
    world: World,
    receiver: Receiver,
    session_factory: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Public when registered, loopback when delivered: refused, nothing sent, a short reason kept."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])

    async def rebinding(host: str, port: int) -> Sequence[str]:
        return next(answers)

    monkeypatch.setenv("CASELOAD_WEBHOOK_ALLOW", "")
    monkeypatch.setattr(egress, "system_resolver", rebinding)
    port = int(receiver.url.rsplit(":", 1)[1])
    await endpoint(ctx, world, f"http://rebind.example:{port}/ok")
    await notice(ctx, world)
    async with httpx.AsyncClient(timeout=5) as http:
        await deliver_due(session_factory, now=NOW, http=http)
    assert receiver.received() == []
    (row,) = await deliveries(session_factory)
    assert row.status == DeliveryStatus.PENDING and row.last_error == "地址不允许 / address refused"
