"""Signing in and out, tokens, and managing accounts.

Passwords are hashed with Argon2 (argon2-cffi). Access tokens are short-lived signed JWTs (PyJWT,
HS256) carrying the principal; refresh tokens and API tokens are random strings stored only as
SHA-256 hashes. Revocation: refresh tokens are revoked one by one (and rotated on use — a reused,
already rotated token revokes the whole family); ``token_generation`` on the user invalidates every
access token issued before it was bumped. Repeated failed sign-ins lock the account for a while.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import record as audit
from core.audit.service import snapshot
from core.auth.models import ApiToken, LoginThrottle, RefreshToken, User
from core.common import check_version, get_visible, require_text
from core.config import Settings
from core.context import ServiceContext
from core.enums import NotificationKind, Role
from core.errors import ConfigurationError, DomainError, Forbidden, ValidationFailed
from core.org.models import Official, Unit
from core.principal import Principal
from core.scoping import authorize

# OWASP's recommended Argon2id parameters (19 MiB, 2 passes, 1 lane): strong, and quick enough that
# a busy county server signs people in without delay.
log = logging.getLogger("caseload.auth")
HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
API_TOKEN_PREFIX = "cl_"
DEV_SECRET_FILE = ".caseload-secret"


@dataclass(frozen=True)
class AuthConfig:
    secret: str
    access_minutes: int = 15
    refresh_days: int = 14
    max_failed_logins: int = 5
    lock_minutes: int = 15
    # One source address: this many failures (across any accounts) within ``lock_minutes`` lock it.
    max_failed_per_source: int = 20
    # A lock doubles each time it recurs without a successful sign-in in between, up to this.
    max_lock_minutes: int = 24 * 60
    issuer: str = "caseload"


def auth_config(settings: Settings) -> AuthConfig:
    """The signing secret from CASELOAD_SECRET_KEY; in development a local file keeps one per checkout."""
    secret = os.environ.get("CASELOAD_SECRET_KEY")
    if not secret:
        if settings.production:
            raise ConfigurationError(
                "CASELOAD_SECRET_KEY must be set in production (at least 32 random bytes)."
            )
        path = Path(DEV_SECRET_FILE)
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        secret = path.read_text().strip()
    if len(secret) < 32:
        raise ConfigurationError("CASELOAD_SECRET_KEY is too short: use at least 32 characters.")
    return AuthConfig(secret=secret)


class AuthError(DomainError):
    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(code, message_zh, message_en, None)


# The one answer to every refused sign-in: unknown account, wrong password, locked account or locked
# source address all read alike, so a sign-in form tells nobody which accounts exist or are locked
# (the owner learns of a lock from the inbox, see ``_notify_lock``).
INVALID = AuthError("invalid_credentials", "用户名或密码错误", "wrong username or password")


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: dt.datetime
    user: User


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password_strength(password: str) -> None:
    if len(password) < 10:
        raise ValidationFailed(
            "password", "密码至少10位", "password must have at least 10 characters", "weak_password"
        )
    kinds = sum(
        (
            any(c.isdigit() for c in password),
            any(c.isalpha() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if kinds < 2:
        raise ValidationFailed(
            "password",
            "密码须包含字母、数字、符号中的至少两类",
            "password needs two of letters, digits, symbols",
            "weak_password",
        )


def issue_access_token(cfg: AuthConfig, user: User, now: dt.datetime) -> tuple[str, dt.datetime]:
    expires = now + dt.timedelta(minutes=cfg.access_minutes)
    claims = {
        "iss": cfg.issuer,
        "sub": str(user.id),
        "role": user.role.value,
        "jur": user.jurisdiction_id,
        "unit": user.unit_id,
        "off": user.official_id,
        "pii": user.can_view_personal_data,
        "gen": user.token_generation,
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "name": user.username,
    }
    return jwt.encode(claims, cfg.secret, algorithm="HS256"), expires


async def _issue_pair(session: AsyncSession, cfg: AuthConfig, user: User, now: dt.datetime) -> TokenPair:
    access, expires = issue_access_token(cfg, user, now)
    refresh = secrets.token_urlsafe(32)
    session.add(
        RefreshToken(
            user_id=user.id, token_hash=_hash(refresh), expires_at=now + dt.timedelta(days=cfg.refresh_days)
        )
    )
    await session.flush()
    return TokenPair(access_token=access, refresh_token=refresh, expires_at=expires, user=user)


def _lock_length(cfg: AuthConfig, locks: int) -> dt.timedelta:
    """Exponential back-off: the n-th lock in a row lasts ``lock_minutes`` × 2^(n-1), capped."""
    return dt.timedelta(minutes=min(cfg.lock_minutes * 2 ** max(locks - 1, 0), cfg.max_lock_minutes))


async def _source_throttle(session: AsyncSession, source: str | None) -> LoginThrottle | None:
    if not source:
        return None
    key = f"addr:{source}"[:120]
    throttle = await session.get(LoginThrottle, key)
    if throttle is None:
        throttle = LoginThrottle(key=key, failures=0, locks=0)
        session.add(throttle)
    return throttle


def _source_failed(cfg: AuthConfig, throttle: LoginThrottle | None, now: dt.datetime) -> None:
    if throttle is None:
        return
    window = dt.timedelta(minutes=cfg.lock_minutes)
    if throttle.last_failure_at is not None and now - throttle.last_failure_at > window:
        throttle.failures = 0  # failures long apart are not an attack
    throttle.failures += 1
    throttle.last_failure_at = now
    if throttle.failures >= cfg.max_failed_per_source:
        throttle.locks += 1
        throttle.locked_until = now + _lock_length(cfg, throttle.locks)
        throttle.failures = 0


async def _notify_lock(session: AsyncSession, user: User, until: dt.datetime) -> None:
    """Tell the account's owner and the administrators of its jurisdiction that it was locked."""
    if user.jurisdiction_id is None:  # a system administrator: the log is where administrators look
        log.warning("account %s locked until %s after failed sign-ins", user.username, until.isoformat())
        return
    from core.clock import CHINA
    from core.obligations.models import Notification

    when = until.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    title = f"账号“{user.display_name or user.username}”因连续登录失败已锁定至{when}"
    body = "如非本人操作，请联系管理员修改密码。登录页面不会提示账号是否存在或已锁定。"
    stamp = until.isoformat()
    for role, official in ((user.role, user.official_id), (Role.JUSTICE_STAFF, None)):
        session.add(
            Notification(
                jurisdiction_id=user.jurisdiction_id,
                recipient_role=role,
                recipient_unit_id=user.unit_id if role == user.role else None,
                recipient_official_id=official,
                kind=NotificationKind.WARNING,
                title=title,
                body=body,
                subject_type="users",
                subject_id=user.id,
                dedupe_key=f"login-lock:{user.id}:{role.value}:{stamp}"[:200],
            )
        )


async def login(
    session: AsyncSession,
    cfg: AuthConfig,
    *,
    username: str,
    password: str,
    now: dt.datetime,
    source: str | None = None,
) -> TokenPair:
    """Check the password; count failures per account and per source address and lock both with
    exponential back-off. Every refusal is ``INVALID``, in about the same time (one Argon2 hash or
    verification each). The caller commits either way."""
    throttle = await _source_throttle(session, source)
    user = await session.scalar(select(User).where(User.username == username.strip()))
    source_locked = throttle is not None and throttle.locked_until is not None and throttle.locked_until > now
    usable = user is not None and user.active and user.password_hash is not None
    if source_locked or not usable:
        HASHER.hash(password)  # spend the same time as a real check: no probing by timing
        if not source_locked:
            _source_failed(cfg, throttle, now)
        raise INVALID
    assert user is not None and user.password_hash is not None
    try:
        HASHER.verify(user.password_hash, password)
        verified = True
    except (VerificationError, InvalidHashError):
        verified = False
    if user.locked_until is not None and user.locked_until > now:
        _source_failed(cfg, throttle, now)
        raise INVALID  # even with the right password, until the lock ends
    if not verified:
        user.failed_logins += 1
        _source_failed(cfg, throttle, now)
        if user.failed_logins % cfg.max_failed_logins == 0:
            # failed_logins keeps counting until a success, so each lock in a row is longer.
            user.locked_until = now + _lock_length(cfg, user.failed_logins // cfg.max_failed_logins)
            await _notify_lock(session, user, user.locked_until)
        raise INVALID
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = HASHER.hash(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return await _issue_pair(session, cfg, user, now)


async def refresh(
    session: AsyncSession, cfg: AuthConfig, *, refresh_token: str, now: dt.datetime
) -> TokenPair:
    """Exchange a refresh token for a new pair (rotation); reusing a rotated token revokes them all."""
    row = await session.scalar(select(RefreshToken).where(RefreshToken.token_hash == _hash(refresh_token)))
    if row is None or row.expires_at < now:
        raise AuthError("invalid_token", "登录已过期，请重新登录", "refresh token invalid or expired")
    user = await session.get(User, row.user_id)
    if user is None or not user.active:
        raise AuthError("invalid_token", "账号已停用", "account inactive")
    if row.revoked_at is not None:
        # A stolen, already-used token: end every session of this user.
        await revoke_all_tokens(session, user, now)
        raise AuthError("invalid_token", "登录凭证已失效，请重新登录", "refresh token was already used")
    pair = await _issue_pair(session, cfg, user, now)
    row.revoked_at = now
    new_row = await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == _hash(pair.refresh_token))
    )
    row.replaced_by_id = new_row.id if new_row else None
    return pair


async def logout(session: AsyncSession, *, refresh_token: str, now: dt.datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.token_hash == _hash(refresh_token), RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def revoke_all_tokens(session: AsyncSession, user: User, now: dt.datetime) -> None:
    """Invalidate every access and refresh token of ``user``."""
    user.token_generation += 1
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def principal_for_bearer(
    session: AsyncSession,
    cfg: AuthConfig,
    token: str,
    *,
    now: dt.datetime,
    request_id: str | None,
    remote_addr: str | None,
) -> Principal | None:
    """The principal an ``Authorization: Bearer`` token stands for, or ``None`` if it is not valid."""
    if token.startswith(API_TOKEN_PREFIX):
        row = await session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
        if row is None or row.revoked_at is not None or (row.expires_at is not None and row.expires_at < now):
            return None
        user = await session.get(User, row.user_id)
        if user is None or not user.active:
            return None
        row.last_used_at = now
        return _principal(user, request_id, remote_addr)
    try:
        # Expiry is checked against the app's clock (the same one that issued the token), not the host's.
        claims = jwt.decode(
            token,
            cfg.secret,
            algorithms=["HS256"],
            issuer=cfg.issuer,
            options={"require": ["exp", "sub"], "verify_exp": False},
        )
    except jwt.PyJWTError:
        return None
    if int(claims["exp"]) <= int(now.timestamp()):
        return None
    user = await session.get(User, int(claims["sub"]))
    if user is None or not user.active or user.token_generation != claims.get("gen"):
        return None
    return _principal(user, request_id, remote_addr)


def _principal(user: User, request_id: str | None, remote_addr: str | None) -> Principal:
    return Principal(
        user=user.username,
        role=user.role,
        jurisdiction_id=user.jurisdiction_id,
        unit_id=user.unit_id,
        official_id=user.official_id,
        can_view_personal_data=user.can_view_personal_data,
        request_id=request_id,
        remote_addr=remote_addr,
    )


# ---------------------------------------------------------------------------------------------
# Administration
# ---------------------------------------------------------------------------------------------


async def create_user(
    ctx: ServiceContext,
    *,
    username: str,
    password: str,
    role: Role,
    jurisdiction_id: int | None = None,
    unit_id: int | None = None,
    official_id: int | None = None,
    display_name: str = "",
    can_view_personal_data: bool = False,
) -> User:
    """Create an account; justice-bureau staff may create non-admin accounts in their jurisdiction."""
    if role == Role.SYSTEM_ADMIN and not ctx.principal.is_admin:
        raise Forbidden("只有系统管理员可以创建管理员账号", "only administrators create administrators")
    authorize(ctx.principal, "user.manage", jurisdiction_id if role != Role.SYSTEM_ADMIN else None)
    name = require_text(username, "username", "用户名", max_len=80)
    if await ctx.session.scalar(select(User.id).where(User.username == name)) is not None:
        raise ValidationFailed(
            "username", f"用户名“{name}”已被使用", f"username {name!r} is taken", "duplicate"
        )
    check_password_strength(password)
    await _check_scope(ctx, role, jurisdiction_id, unit_id, official_id)
    user = User(
        username=name,
        display_name=display_name.strip() or name,
        password_hash=HASHER.hash(password),
        role=role,
        jurisdiction_id=jurisdiction_id,
        unit_id=unit_id,
        official_id=official_id,
        can_view_personal_data=can_view_personal_data,
        active=True,
        failed_logins=0,
        token_generation=1,
    )
    ctx.session.add(user)
    await audit(ctx, "user.create", user, None, jurisdiction_id=jurisdiction_id)
    return user


async def _check_scope(
    ctx: ServiceContext, role: Role, jurisdiction_id: int | None, unit_id: int | None, official_id: int | None
) -> None:
    if role != Role.SYSTEM_ADMIN and jurisdiction_id is None:
        raise ValidationFailed(
            "jurisdictionId", "除系统管理员外，账号须属于一个辖区", "jurisdiction required"
        )
    if role == Role.UNIT_CLERK and unit_id is None:
        raise ValidationFailed("unitId", "单位联络员须指定所属单位", "a unit clerk needs a unit")
    if jurisdiction_id is not None:
        await ctx.jurisdiction(jurisdiction_id)
    if unit_id is not None:
        unit = await get_visible(ctx, Unit, unit_id, "单位", "unitId")
        if unit.jurisdiction_id != jurisdiction_id:
            raise ValidationFailed("unitId", "单位不属于该辖区", "unit belongs to another jurisdiction")
    if official_id is not None:
        official = await get_visible(ctx, Official, official_id, "人员", "officialId")
        if official.jurisdiction_id != jurisdiction_id:
            raise ValidationFailed(
                "officialId", "人员不属于该辖区", "official belongs to another jurisdiction"
            )


async def update_user(
    ctx: ServiceContext,
    user_id: int,
    *,
    active: bool | None = None,
    password: str | None = None,
    can_view_personal_data: bool | None = None,
    version: int | None = None,
) -> User:
    """Deactivate, reset a password or change personal-data access; tokens issued before are revoked."""
    user = await ctx.session.get(User, user_id)
    if user is None or not _manages(ctx, user):
        raise ValidationFailed("id", "账号不存在", "no such user", "not_found")
    if user.role == Role.SYSTEM_ADMIN and not ctx.principal.is_admin:
        raise Forbidden("只有系统管理员可以修改管理员账号", "only administrators change administrators")
    authorize(ctx.principal, "user.manage", user.jurisdiction_id)
    check_version(user, version, "User")
    if password is not None:
        check_password_strength(password)
    before = snapshot(user)
    before.pop("password_hash", None)
    if active is not None:
        user.active = active
    if password is not None:
        user.password_hash = HASHER.hash(password)
        user.locked_until = None
        user.failed_logins = 0
    if can_view_personal_data is not None:
        user.can_view_personal_data = can_view_personal_data
    if active is False or password is not None:
        await revoke_all_tokens(ctx.session, user, ctx.now())
    await audit(ctx, "user.update", user, before, jurisdiction_id=user.jurisdiction_id)
    return user


async def create_api_token(
    ctx: ServiceContext, *, user_id: int, name: str, expires_days: int | None = None
) -> tuple[ApiToken, str]:
    """A token for a service client acting as ``user_id``; the plain token is shown once."""
    user = await ctx.session.get(User, user_id)
    if user is None or not _manages(ctx, user):
        raise ValidationFailed("userId", "账号不存在", "no such user", "not_found")
    authorize(ctx.principal, "user.manage", user.jurisdiction_id)
    if expires_days is not None and not 1 <= expires_days <= 3650:
        raise ValidationFailed("expiresDays", "有效期须在1到3650天之间", "expiresDays must be 1..3650")
    plain = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=require_text(name, "name", "令牌名称", max_len=80),
        prefix=plain[:10],
        token_hash=_hash(plain),
        expires_at=ctx.now() + dt.timedelta(days=expires_days) if expires_days else None,
    )
    ctx.session.add(token)
    await audit(ctx, "api_token.create", token, None, jurisdiction_id=user.jurisdiction_id)
    return token, plain


async def revoke_api_token(ctx: ServiceContext, token_id: int) -> ApiToken:
    token = await ctx.session.get(ApiToken, token_id)
    user = await ctx.session.get(User, token.user_id) if token is not None else None
    if token is None or user is None or not _manages(ctx, user):
        raise ValidationFailed("id", "令牌不存在", "no such token", "not_found")
    authorize(ctx.principal, "user.manage", user.jurisdiction_id)
    before = snapshot(token)
    token.revoked_at = token.revoked_at or ctx.now()
    await audit(ctx, "api_token.revoke", token, before, jurisdiction_id=user.jurisdiction_id)
    return token


def _manages(ctx: ServiceContext, user: User) -> bool:
    """Whether the account is within the principal's reach (else it must look missing)."""
    return ctx.principal.is_admin or user.jurisdiction_id == ctx.principal.jurisdiction_id


async def bootstrap_admin(session: AsyncSession, *, username: str, password: str) -> User:
    """Create the first system administrator (``caseload create-admin``)."""
    check_password_strength(password)
    if await session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValidationFailed(
            "username", f"用户名“{username}”已被使用", f"username {username!r} is taken", "duplicate"
        )
    user = User(
        username=username,
        display_name=username,
        password_hash=HASHER.hash(password),
        role=Role.SYSTEM_ADMIN,
        can_view_personal_data=True,
        active=True,
        failed_logins=0,
        token_generation=1,
    )
    session.add(user)
    await session.flush()
    return user
