"""Where webhooks may connect: public addresses, and what ``CASELOAD_WEBHOOK_ALLOW`` admits.

A webhook URL is checked at registration and again at every delivery, after DNS resolution: the
name is resolved (``getaddrinfo``, off the event loop), every address it resolves to must be public
(not loopback, private, link-local, CGNAT, multicast, reserved, unspecified, nor a cloud metadata
address) or inside an allowed network, and the delivery then connects to the address that was
checked (:func:`pinned_request`), so a name that resolves elsewhere the second time (DNS rebinding)
gains nothing. The resolver also reads the legacy numeric forms (``2130706433``, ``0x7f000001``,
``127.1``, ``0``) as the addresses they are, and ``ipaddress`` unwraps IPv4-mapped IPv6.

``CASELOAD_WEBHOOK_ALLOW`` lists CIDRs and host names, comma-separated, for a county's real
intranet receivers; an allowed host name is admitted whatever it resolves to, and a URL with
credentials (``user:pass@``) only for an allowed host.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

log = logging.getLogger("caseload.webhooks")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

METADATA_NAMES = frozenset(
    {"metadata.google.internal", "metadata", "instance-data", "metadata.azure.internal"}
)
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200", "169.254.170.2")
)


class EgressRefused(Exception):
    """A webhook target that may not be reached, with the reason in Chinese and English."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en


@dataclass(frozen=True)
class Allow:
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    hosts: frozenset[str] = frozenset()

    def admits_host(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts

    def admits_address(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks if network.version == address.version)


def parse_allow(value: str) -> Allow:
    """``10.8.0.0/16, receiver.county.gov.cn`` → networks and host names (a bad CIDR is an error)."""
    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    hosts: set[str] = set()
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
        except ValueError:
            if "/" in item or not all(c.isalnum() or c in "-." for c in item):
                raise ValueError(
                    f"CASELOAD_WEBHOOK_ALLOW: {item!r} is neither a CIDR nor a host name"
                ) from None
            hosts.add(item.lower().rstrip("."))
    return Allow(tuple(networks), frozenset(hosts))


def allow_from_env() -> Allow:
    """The allow-list of the environment; a value that does not parse admits nothing (fails closed)."""
    return _parsed(os.environ.get("CASELOAD_WEBHOOK_ALLOW", ""))


@functools.lru_cache(maxsize=8)
def _parsed(value: str) -> Allow:
    try:
        return parse_allow(value)
    except ValueError as exc:
        log.error("%s: webhooks reach public addresses only until it is fixed", exc)
        return Allow()


async def system_resolver(host: str, port: int) -> Sequence[str]:
    """The host's addresses, from the system resolver in a worker thread (``loop.getaddrinfo``)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return False
    # is_global is False for loopback, private, link-local, CGNAT (100.64/10), reserved and
    # unspecified; multicast can be "global", so it is refused on its own.
    return address.is_global and not address.is_multicast


@dataclass(frozen=True)
class Target:
    """A checked URL: the host to name (Host header, TLS SNI) and the address to connect to."""

    url: str
    host: str
    port: int
    address: str


async def check_url(
    url: str, allow: Allow | None = None, resolve: Resolver | None = None, *, connect: bool = True
) -> Target:
    """The target of ``url`` if it may be reached, else :class:`EgressRefused`.

    ``connect=False`` (registration): an allowed host name is admitted without resolving it (an
    intranet name may resolve only where the worker runs); its address is then empty.
    """
    allow = allow if allow is not None else allow_from_env()
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise EgressRefused("推送地址端口无效", "invalid port in url") from None
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme not in ("http", "https") or not host:
        raise EgressRefused("推送地址须为 http(s) 完整网址", "url must be an absolute http(s) URL")
    named_ok = allow.admits_host(host)
    if (parts.username is not None or parts.password is not None) and not named_ok:
        raise EgressRefused("推送地址不得包含用户名或密码", "credentials in the url are not allowed")
    if host in METADATA_NAMES and not named_ok:
        raise EgressRefused("地址不允许：云元数据服务", "address refused: cloud metadata service")
    if named_ok and not connect:
        return Target(url=url, host=host, port=port, address="")
    try:
        addresses = [
            ipaddress.ip_address(a.split("%", 1)[0]) for a in await (resolve or system_resolver)(host, port)
        ]
    except (OSError, UnicodeError) as exc:
        raise EgressRefused(
            f"无法解析推送地址的主机名 {host}", f"cannot resolve host {host}: {exc}"
        ) from None
    if not addresses:
        raise EgressRefused(f"无法解析推送地址的主机名 {host}", f"cannot resolve host {host}")
    if not named_ok:
        for address in addresses:
            if not (_public(address) or allow.admits_address(address)):
                raise EgressRefused(
                    f"地址不允许：{host} 解析为内部或保留地址 {address}"
                    "（可由管理员在 CASELOAD_WEBHOOK_ALLOW 中放行）",
                    f"address refused: {host} resolves to non-public {address} (see CASELOAD_WEBHOOK_ALLOW)",
                )
    return Target(url=url, host=host, port=port, address=str(addresses[0]))


def pinned_request(target: Target) -> tuple[str, dict[str, str], dict[str, str]]:
    """The URL with the checked address in place of the name, the Host header and the TLS SNI name.

    httpx then connects to exactly the address that was checked; the certificate is still checked
    against the host name (httpcore's ``sni_hostname`` extension sets the TLS server name).
    """
    parts = urlsplit(target.url)
    literal = f"[{target.address}]" if ":" in target.address else target.address
    default = (parts.scheme == "https" and target.port == 443) or (
        parts.scheme == "http" and target.port == 80
    )
    netloc = literal if default else f"{literal}:{target.port}"
    if "@" in parts.netloc:
        netloc = parts.netloc.rsplit("@", 1)[0] + "@" + netloc
    url = parts._replace(netloc=netloc).geturl()
    host_header = target.host if default else f"{target.host}:{target.port}"
    return url, {"Host": host_header}, {"sni_hostname": target.host}
