"""Accounts: Argon2 passwords, JWT access and rotating refresh tokens, API tokens, revocation, lock-out;
personal data masked unless allowed, full reads audited."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.auth.models import LoginThrottle, User
from core.auth.service import bootstrap_admin, create_user
from core.disputes import service as disputes
from core.enums import ActionType, DisputeField, DisputeSource, Role
from core.errors import ValidationFailed
from core.obligations.models import Notification
from tests.api.conftest import NOW, GraphQLClient
from tests.support import make_org

PASSWORD = "Correct-horse-9"
LOGIN = """mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
  result { accessToken refreshToken user { username role } } errors { code message } } }"""
ME = "{ me { user role jurisdictionId canViewPersonalData } }"


async def seed(ctx):
    org = await make_org(ctx)
    await bootstrap_admin(ctx.session, username="root", password=PASSWORD)
    await create_user(
        ctx,
        username="clerk",
        password=PASSWORD,
        role=Role.UNIT_CLERK,
        jurisdiction_id=org.jurisdiction.id,
        unit_id=org.agency.id,
    )
    await create_user(
        ctx,
        username="staff",
        password=PASSWORD,
        role=Role.JUSTICE_STAFF,
        jurisdiction_id=org.jurisdiction.id,
        can_view_personal_data=True,
    )
    await disputes.record_dispute(
        ctx,
        disputes.DisputeInput(
            unit_id=org.agency.id,
            title="处罚争议",
            applicant_name="郑某",
            field=DisputeField.OTHER,
            action_type=ActionType.PENALTY,
            source=DisputeSource.SCREENING,
            received_date=dt.date(2024, 11, 1),
            applicant_id_number="110101199001011234",
            applicant_phone="13812345678",
        ),
    )
    await ctx.session.commit()
    return org


async def login(client: GraphQLClient, username: str, password: str = PASSWORD) -> dict:
    return (await client.ok(LOGIN, {"u": username, "p": password}))["login"]


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_login_and_use_the_access_token(ctx, client: GraphQLClient):
    org = await seed(ctx)
    session = await login(client, "clerk")
    assert session["errors"] == [] and session["result"]["user"] == {
        "username": "clerk",
        "role": "UNIT_CLERK",
    }
    me = await client.ok(ME, **bearer(session["result"]["accessToken"]))
    assert me["me"] == {
        "user": "clerk",
        "role": "UNIT_CLERK",
        "jurisdictionId": str(org.jurisdiction.id),
        "canViewPersonalData": False,
    }
    response = await client.http.post("/graphql", json={"query": ME}, headers=bearer("not-a-token"))
    assert response.status_code == 401


async def test_wrong_password_and_lock_out(ctx, client: GraphQLClient, session_factory):
    org = await seed(ctx)
    refused = {"code": "invalid_credentials", "message": "用户名或密码错误"}
    for _ in range(4):
        assert (await login(client, "clerk", "wrong-password-1"))["errors"] == [refused]
    assert (await login(client, "nobody", "wrong-password-1"))["errors"] == [refused]
    assert (await login(client, "clerk", "wrong-password-1"))["errors"] == [refused]
    # Five failures: locked, even with the right password, and the answer says nothing of it.
    assert (await login(client, "clerk"))["errors"] == [refused]
    async with session_factory() as s:
        user = await s.scalar(select(User).where(User.username == "clerk"))
        assert user is not None and user.locked_until is not None
        first_lock = user.locked_until - NOW
        assert dt.timedelta(minutes=14) < first_lock <= dt.timedelta(minutes=15)
        # The owner (their role and unit) and the county's administrators are told, in Chinese.
        notes = (await s.scalars(select(Notification).where(Notification.subject_type == "users"))).all()
        assert {(n.recipient_role, n.recipient_unit_id) for n in notes} == {
            (Role.UNIT_CLERK, org.agency.id),
            (Role.JUSTICE_STAFF, None),
        }
        assert all("已锁定" in n.title and n.jurisdiction_id == org.jurisdiction.id for n in notes)
        # The lock over, five more failures lock again for twice as long (exponential back-off).
        user.locked_until = NOW - dt.timedelta(minutes=1)
        await s.commit()
    for _ in range(5):
        assert (await login(client, "clerk", "wrong-password-2"))["errors"] == [refused]
    async with session_factory() as s:
        user = await s.scalar(select(User).where(User.username == "clerk"))
        assert user is not None and user.locked_until is not None
        assert dt.timedelta(minutes=29) < user.locked_until - NOW <= dt.timedelta(minutes=30)


async def test_one_source_address_guessing_many_accounts_is_locked_out(ctx, client, session_factory):
    """Twenty failures from one address, spread over accounts (none of them locked by itself), lock
    the address: then even a right password from it is refused, with the same answer."""
    await seed(ctx)
    names = ["clerk", "staff", "root", "nobody", "admin"]
    for i in range(20):
        answer = await login(client, names[i % len(names)], f"guess-{i}")
        assert answer["errors"][0]["code"] == "invalid_credentials"
    assert (await login(client, "staff"))["errors"][0]["code"] == "invalid_credentials"
    async with session_factory() as s:
        throttle = await s.get(LoginThrottle, "addr:127.0.0.1")
        assert throttle is not None and throttle.locked_until is not None
        assert all(u.locked_until is None for u in (await s.scalars(select(User))).all())


async def test_refresh_rotates_and_reuse_revokes_everything(ctx, client: GraphQLClient):
    await seed(ctx)
    first = (await login(client, "staff"))["result"]
    refresh = """mutation($t: String!) { refreshSession(refreshToken: $t) { result { accessToken refreshToken }
                 errors { code } } }"""
    second = (await client.ok(refresh, {"t": first["refreshToken"]}))["refreshSession"]["result"]
    assert second["refreshToken"] != first["refreshToken"]
    assert (await client.ok(ME, **bearer(second["accessToken"])))["me"]["user"] == "staff"
    # The first refresh token was used already: presenting it again ends every session.
    reused = (await client.ok(refresh, {"t": first["refreshToken"]}))["refreshSession"]
    assert reused["errors"] == [{"code": "invalid_token"}]
    response = await client.http.post("/graphql", json={"query": ME}, headers=bearer(second["accessToken"]))
    assert response.status_code == 401


async def test_deactivating_a_user_revokes_their_tokens(ctx, client: GraphQLClient):
    await seed(ctx)
    clerk = (await login(client, "clerk"))["result"]
    admin = (await login(client, "root"))["result"]
    users = await client.ok("{ users { id username } }", **bearer(admin["accessToken"]))
    clerk_id = next(u["id"] for u in users["users"] if u["username"] == "clerk")
    await client.mutate(
        "mutation($id: ID!) { updateUser(id: $id, active: false) { result { active } errors { code } } }",
        {"id": clerk_id},
        **bearer(admin["accessToken"]),
    )
    response = await client.http.post("/graphql", json={"query": ME}, headers=bearer(clerk["accessToken"]))
    assert response.status_code == 401


async def test_api_tokens_for_service_clients(ctx, client: GraphQLClient):
    await seed(ctx)
    admin = bearer((await login(client, "root"))["result"]["accessToken"])
    users = await client.ok("{ users { id username } }", **admin)
    staff_id = next(u["id"] for u in users["users"] if u["username"] == "staff")
    token = await client.mutate(
        'mutation($u: ID!) { createApiToken(userId: $u, name: "法院数据接口") { result { id token prefix } errors { code } } }',
        {"u": staff_id},
        **admin,
    )
    assert token["token"].startswith("cl_")
    assert (await client.ok(ME, **bearer(token["token"])))["me"]["user"] == "staff"
    await client.mutate(
        "mutation($id: ID!) { revokeApiToken(id: $id) { result { id } errors { code } } }",
        {"id": token["id"]},
        **admin,
    )
    response = await client.http.post("/graphql", json={"query": ME}, headers=bearer(token["token"]))
    assert response.status_code == 401


async def test_weak_passwords_are_refused(ctx):
    org = await make_org(ctx)
    with pytest.raises(ValidationFailed) as err:
        await create_user(
            ctx,
            username="weak",
            password="12345678901",
            role=Role.LEADER,
            jurisdiction_id=org.jurisdiction.id,
        )
    assert err.value.field == "password" and err.value.code == "weak_password"


async def test_personal_data_is_masked_and_full_reads_are_audited(
    ctx, client: GraphQLClient, session_factory
):
    await seed(ctx)
    query = "{ disputes { edges { node { applicantIdNumber applicantPhone } } } }"
    clerk = bearer((await login(client, "clerk"))["result"]["accessToken"])
    masked = (await client.ok(query, **clerk))["disputes"]["edges"][0]["node"]
    assert masked == {"applicantIdNumber": "110101********1234", "applicantPhone": "138****5678"}
    staff = bearer((await login(client, "staff"))["result"]["accessToken"])
    full = (await client.ok(query, **staff))["disputes"]["edges"][0]["node"]
    assert full == {"applicantIdNumber": "110101199001011234", "applicantPhone": "13812345678"}
    async with session_factory() as s:
        reads = list(await s.scalars(select(AuditEntry).where(AuditEntry.action == "personal_data.read")))
    assert {(r.actor, r.after["field"]) for r in reads} == {
        ("staff", "applicant_id_number"),
        ("staff", "applicant_phone"),
    }
