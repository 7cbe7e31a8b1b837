"""Short-lived signed download links (``?expires=…&signature=…``) for attachments and documents.

A link is made for someone who may read the file at that moment (the GraphQL field that hands it
out is scoped like the record) and lets whoever holds it download that one path until it expires,
as a browser's plain ``<a href>`` or a mail client needs, without sending a token. The signature is
an HMAC-SHA256 of the path and the expiry under a key derived from ``CASELOAD_SECRET_KEY``, so a
link cannot be moved to another file nor extended, and every link dies when the key is rotated.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from urllib.parse import urlencode

LIFETIME = dt.timedelta(minutes=5)
_PURPOSE = b"caseload download link v1"


def _key(secret: str) -> bytes:
    # Derived, so a download signature is never valid as anything else signed with the secret.
    return hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()


def signature(secret: str, path: str, expires: int) -> str:
    mac = hmac.new(_key(secret), f"{path}\n{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def signed_url(secret: str, path: str, now: dt.datetime, lifetime: dt.timedelta = LIFETIME) -> str:
    """``path`` with an expiry ``lifetime`` from ``now`` and its signature."""
    expires = int((now + lifetime).timestamp())
    return f"{path}?{urlencode({'expires': expires, 'signature': signature(secret, path, expires)})}"


def check(secret: str, path: str, expires: str, given: str, now: dt.datetime) -> str | None:
    """None when the link is genuine and current, else the reason (Chinese) to refuse it."""
    if not expires.isdigit():
        return "下载链接无效"
    if not hmac.compare_digest(signature(secret, path, int(expires)), given):
        return "下载链接无效"
    if int(expires) < now.timestamp():
        return "下载链接已过期，请重新获取"
    return None
