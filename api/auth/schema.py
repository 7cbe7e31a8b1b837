"""Sign in, tokens and accounts."""

from __future__ import annotations

import datetime as dt

import strawberry
from sqlalchemy import select

from api.common import Payload, Role, UserError, gid, run_mutation
from api.context import Info
from core.auth import service
from core.auth.models import User as UserModel
from core.context import ServiceContext
from core.errors import DomainError


@strawberry.type(description="账号")
class User:
    id: strawberry.ID
    username: str
    display_name: str
    role: Role
    jurisdiction_id: strawberry.ID | None
    unit_id: strawberry.ID | None
    official_id: strawberry.ID | None
    can_view_personal_data: bool
    active: bool
    last_login_at: dt.datetime | None
    version: int


@strawberry.type(description="登录结果：访问令牌（短期）与刷新令牌")
class Session:
    access_token: str
    refresh_token: str
    expires_at: dt.datetime
    user: User


@strawberry.type
class SessionPayload:
    result: Session | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="新建的服务令牌（明文只显示这一次）")
class ApiTokenCreated:
    id: strawberry.ID
    name: str
    prefix: str
    token: str
    expires_at: dt.datetime | None


@strawberry.type(description="当前请求的身份")
class Me:
    user: str
    role: Role
    jurisdiction_id: strawberry.ID | None
    unit_id: strawberry.ID | None
    official_id: strawberry.ID | None
    can_view_personal_data: bool


@strawberry.input
class CreateUserInput:
    username: str
    password: str
    role: Role
    jurisdiction_id: strawberry.ID | None = None
    unit_id: strawberry.ID | None = None
    official_id: strawberry.ID | None = None
    display_name: str = ""
    can_view_personal_data: bool = False


def _opt(value: strawberry.ID | None, field: str) -> int | None:
    return gid(value, field) if value is not None else None


def _session(pair: service.TokenPair) -> Session:
    return Session(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        expires_at=pair.expires_at,
        user=pair.user,  # type: ignore[arg-type]
    )


@strawberry.type
class AuthQuery:
    @strawberry.field(description="当前身份")
    def me(self, info: Info) -> Me:
        p = info.context.principal
        return Me(
            user=p.user,
            role=p.role,
            jurisdiction_id=strawberry.ID(str(p.jurisdiction_id)) if p.jurisdiction_id else None,
            unit_id=strawberry.ID(str(p.unit_id)) if p.unit_id else None,
            official_id=strawberry.ID(str(p.official_id)) if p.official_id else None,
            can_view_personal_data=p.sees_personal_data,
        )

    @strawberry.field(description="账号列表（管理员、司法局）")
    async def users(self, info: Info, jurisdiction_id: strawberry.ID | None = None) -> list[User]:
        p = info.context.principal
        if not p.is_admin and not p.is_bureau:
            return []
        stmt = select(UserModel).order_by(UserModel.username)
        if jurisdiction_id is not None:
            stmt = stmt.where(UserModel.jurisdiction_id == gid(jurisdiction_id, "jurisdictionId"))
        return await info.context.scalars(info.context.scoped(stmt, UserModel))  # type: ignore[return-value]


@strawberry.type
class AuthMutation:
    @strawberry.mutation(description="登录：返回访问令牌与刷新令牌；连续失败将锁定账号")
    async def login(self, info: Info, username: str, password: str) -> SessionPayload:
        app = info.context.app
        assert app.auth is not None
        # Failed attempts are counted even though the sign-in fails: commit in both cases.
        async with app.session_factory() as session, session.begin():
            try:
                pair = await service.login(
                    session,
                    app.auth,
                    username=username,
                    password=password,
                    now=app.clock(),
                    source=info.context.principal.remote_addr,
                )
            except DomainError as exc:
                error = UserError.of(exc)
            else:
                return SessionPayload(result=_session(pair))
        return SessionPayload(errors=[error])

    @strawberry.mutation(description="用刷新令牌换取新令牌（旧刷新令牌作废）")
    async def refresh_session(self, info: Info, refresh_token: str) -> SessionPayload:
        app = info.context.app
        assert app.auth is not None
        async with app.session_factory() as session, session.begin():
            try:
                pair = await service.refresh(session, app.auth, refresh_token=refresh_token, now=app.clock())
            except DomainError as exc:
                error = UserError.of(exc)
            else:
                return SessionPayload(result=_session(pair))
        return SessionPayload(errors=[error])

    @strawberry.mutation(description="退出登录（作废刷新令牌）")
    async def logout(self, info: Info, refresh_token: str) -> bool:
        app = info.context.app
        async with app.session_factory() as session, session.begin():
            await service.logout(session, refresh_token=refresh_token, now=app.clock())
        return True

    @strawberry.mutation(description="新建账号")
    async def create_user(self, info: Info, input: CreateUserInput) -> Payload[User]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.create_user(
                ctx,
                username=input.username,
                password=input.password,
                role=input.role,
                jurisdiction_id=_opt(input.jurisdiction_id, "jurisdictionId"),
                unit_id=_opt(input.unit_id, "unitId"),
                official_id=_opt(input.official_id, "officialId"),
                display_name=input.display_name,
                can_view_personal_data=input.can_view_personal_data,
            ),
        )

    @strawberry.mutation(description="停用账号、重置密码或调整个人信息查看权限（已签发令牌随之作废）")
    async def update_user(
        self,
        info: Info,
        id: strawberry.ID,
        active: bool | None = None,
        password: str | None = None,
        can_view_personal_data: bool | None = None,
        version: int | None = None,
    ) -> Payload[User]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.update_user(
                ctx,
                gid(id, "id"),
                active=active,
                password=password,
                can_view_personal_data=can_view_personal_data,
                version=version,
            ),
        )

    @strawberry.mutation(description="为服务客户端（前端、法院数据接口）签发令牌")
    async def create_api_token(
        self, info: Info, user_id: strawberry.ID, name: str, expires_days: int | None = None
    ) -> Payload[ApiTokenCreated]:
        async def run(ctx: ServiceContext) -> ApiTokenCreated:
            token, plain = await service.create_api_token(
                ctx, user_id=gid(user_id, "userId"), name=name, expires_days=expires_days
            )
            await ctx.session.flush()
            return ApiTokenCreated(
                id=strawberry.ID(str(token.id)),
                name=token.name,
                prefix=token.prefix,
                token=plain,
                expires_at=token.expires_at,
            )

        return await run_mutation(info, run)  # type: ignore[no-any-return]

    @strawberry.mutation(description="作废服务令牌")
    async def revoke_api_token(self, info: Info, id: strawberry.ID) -> Payload[ApiTokenCreated]:
        async def run(ctx: ServiceContext) -> ApiTokenCreated:
            token = await service.revoke_api_token(ctx, gid(id, "id"))
            return ApiTokenCreated(
                id=strawberry.ID(str(token.id)),
                name=token.name,
                prefix=token.prefix,
                token="",
                expires_at=token.expires_at,
            )

        return await run_mutation(info, run)  # type: ignore[no-any-return]
