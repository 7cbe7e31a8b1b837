"""No wrong data in the console (issue 19, point 3), in headless Chromium: a second account signing in
in the same tab sees only its own jurisdiction, and a hearing's time is shown, pre-filled and saved in
Beijing time so that it round-trips exactly."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.app import create_app
from core.auth.service import bootstrap_admin
from core.cases.models import Hearing
from core.clock import CHINA, fixed_clock
from core.config import Settings
from core.db import transaction
from core.enums import HearingStatus, UnitKind
from core.org.service import create_jurisdiction_from_plugin, create_unit
from core.policy.manager import PolicyRegistry
from tests.console.browser import choose, click, fill, open_action, wait, wait_gone
from tests.console.conftest import NOW, Server, as_system, serve
from tests.console.test_console_browser import org, sign_in
from tests.security.world import new_hearing
from tests.support import Org, make_org

__all__ = ["org"]  # the fixture, shared with the browser journey


@pytest.fixture
async def two_counties(session_factory: async_sessionmaker[AsyncSession], registry: PolicyRegistry) -> Org:
    """测试县 (the usual org) and 武平县 with one unit of its own."""
    async with as_system(session_factory, registry) as ctx:
        org = await make_org(ctx)
        wuping = await create_jurisdiction_from_plugin(ctx, "wuping")
        await create_unit(ctx, wuping.id, name="武平县公安局", kind=UnitKind.AGENCY)
        return org


def unit_choices(browser: Any) -> list[str]:
    click(browser, "#nav a", "案件台账")
    wait(browser, "h1", "案件台账")
    open_action(browser, "登记行政争议")
    wait(browser, "#record-dispute-unitId option")
    return [o.text for o in browser.find_elements(By.CSS_SELECTOR, "#record-dispute-unitId option")]


async def test_switching_accounts_in_one_tab_shows_only_the_new_jurisdiction(
    console_server: Server, two_counties: Org, browser: Any, screenshot: Any
) -> None:
    sign_in(browser, console_server.url, "司法局工作人员", "测试县")
    wait(browser, "h1", "领导驾驶舱")
    assert "县自然资源局" in unit_choices(browser)

    click(browser, "#whoami button", "退出")
    wait(browser, "h1", "登录")
    wait_gone(browser, "#nav a")
    # The same tab, no reload: the page's modules (and anything they cached) live on.
    choose(browser, "#signin-as-role", "司法局工作人员")
    choose(browser, "#signin-as-jurisdictionId", "武平县")
    fill(browser, "#signin-as-user", "wangwu")
    fill(browser, "#signin-as-displayName", "王五")
    click(browser, "#signin-as button[type=submit]")
    wait(browser, "#whoami", "王五")
    wait(browser, "h1", "领导驾驶舱")
    wait(browser, "main", "武平县")
    assert "测试县" not in browser.find_element(By.CSS_SELECTOR, "main").text
    choices = unit_choices(browser)
    assert "武平县公安局" in choices
    assert not {"县自然资源局", "城关镇", "县人民政府"} & set(choices), choices
    screenshot("second-account-desk")


async def test_a_hearing_time_round_trips_in_beijing_time(
    console_server: Server,
    org: Org,
    browser: Any,
    session_factory: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
) -> None:
    async with as_system(session_factory, registry) as ctx:
        hearing = await new_hearing(ctx, org.agency.id, 1, head_id=org.head.id)  # 2024-11-18 09:00 Beijing
        case_id, hearing_id = hearing.case_id, hearing.id

    sign_in(browser, console_server.url, "司法局工作人员", "测试县")
    wait(browser, "h1", "领导驾驶舱")
    browser.get(f"{console_server.url}/#/case/{case_id}")
    wait(browser, f"#hearing-{hearing_id}", "2024-11-18 09:00")
    open_action(browser, "登记庭审情况")
    held = browser.find_element(By.CSS_SELECTOR, f"#record-{hearing_id}-heldAt")
    assert held.get_attribute("value") == "2024-11-18T09:00"  # not the UTC digits (01:00)
    click(browser, f"#record-{hearing_id} button[type=submit]")
    wait(browser, f"#hearing-{hearing_id}", "已开庭")

    async with session_factory() as session:
        saved = await session.get(Hearing, hearing_id)
        assert saved is not None and saved.held_at is not None
        assert saved.status == HearingStatus.HELD
        assert saved.held_at.astimezone(CHINA) == dt.datetime(2024, 11, 18, 9, 0, tzinfo=CHINA)


async def test_the_console_signs_in_and_works_in_production(
    settings: Settings,
    registry: PolicyRegistry,
    session_factory: async_sessionmaker[AsyncSession],
    org: Org,
    browser: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Production refuses introspection: the console must still offer the password sign-in and open
    the dashboard and the admin page (it used to ask the schema which root fields exist)."""
    monkeypatch.setenv("CASELOAD_SECRET_KEY", "c" * 48)
    async with transaction(session_factory) as session:
        await bootstrap_admin(session, username="root-admin", password="Prod-Admin-2024!")
    application = create_app(
        dataclasses.replace(settings, environment="production"), registry=registry, clock=fixed_clock(NOW)
    )
    for url in serve(application):
        browser.get(url + "/")
        wait(browser, "h1", "登录")
        fill(browser, "#login-username", "root-admin")
        fill(browser, "#login-password", "Prod-Admin-2024!")
        click(browser, "#login button[type=submit]")
        wait(browser, "#whoami", "root-admin")
        wait(browser, "h1", "领导驾驶舱")
        wait(browser, "main", "测试县")
        click(browser, "#nav a", "系统管理")
        wait(browser, "h1", "系统管理")
        assert "出错了" not in browser.find_element(By.CSS_SELECTOR, "main").text


async def test_an_unreachable_server_is_said_in_plain_chinese(
    settings: Settings, registry: PolicyRegistry, org: Org, browser: Any
) -> None:
    application = create_app(settings, registry=registry, clock=fixed_clock(NOW))
    running = serve(application)
    url = next(running)
    sign_in(browser, url, "司法局工作人员", "测试县")
    wait(browser, "h1", "领导驾驶舱")
    next(running, None)  # the server's generator runs on past its yield: uvicorn stops
    click(browser, "#nav a", "案件台账")
    notice = wait(browser, "main [role=alert]", "无法连接服务器，请稍后重试")
    assert "Failed to fetch" not in notice.text


async def test_forms_start_at_a_choice_and_offer_only_qualifying_heads(
    console_server: Server,
    org: Org,
    browser: Any,
    session_factory: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
) -> None:
    async with as_system(session_factory, registry) as ctx:
        hearing = await new_hearing(ctx, org.agency.id, 2)
        case_id, hearing_id = hearing.case_id, hearing.id

    sign_in(browser, console_server.url, "司法局工作人员", "测试县")
    wait(browser, "h1", "领导驾驶舱")
    # 登记行政争议: nothing pre-chosen but what has a sensible default; submitting says what is missing.
    click(browser, "#nav a", "案件台账")
    wait(browser, "h1", "案件台账")
    open_action(browser, "登记行政争议")
    for name in ("unitId", "field", "actionType", "source"):
        select = browser.find_element(By.CSS_SELECTOR, f"#record-dispute-{name}")
        assert select.get_attribute("value") == "", name
    click(browser, "#record-dispute button[type=submit]")
    wait(browser, "#record-dispute-unitId-error", "请选择被申请单位")
    # Several respondents can be named.
    assert browser.find_elements(By.CSS_SELECTOR, "#record-dispute-otherUnitIds[multiple]")

    # The designation list offers only those who would pass the identity check.
    browser.get(f"{console_server.url}/#/case/{case_id}")
    wait(browser, f"#hearing-{hearing_id}")
    open_action(browser, "确定出庭负责人")
    offered = [
        o.text for o in browser.find_elements(By.CSS_SELECTOR, f"#designate-{hearing_id}-officialId option")
    ]
    assert offered[0] == "请选择"
    assert any("张局长" in o for o in offered)
    assert not any("王科员" in o for o in offered), offered


async def test_side_effects_are_announced_before_and_after(
    console_server: Server,
    org: Org,
    browser: Any,
    session_factory: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
) -> None:
    """Filing a lawsuit fails the open pre-filing effort: the console says so and asks first; declining
    changes nothing."""
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    from core.disputes import service as disputes
    from core.disputes.models import ResolutionEffort
    from core.enums import ResolutionStage, ResolutionStatus
    from tests.security.world import new_dispute

    async with as_system(session_factory, registry) as ctx:
        d = await new_dispute(ctx, org.agency.id, "征收补偿争议")
        effort = await disputes.assign_resolution(
            ctx, d.id, unit_id=org.agency.id, stage=ResolutionStage.PRE_FILING, assigned_date=NOW.date()
        )
        dispute_id, effort_id = d.id, effort.id

    sign_in(browser, console_server.url, "司法局工作人员", "测试县")
    wait(browser, "h1", "领导驾驶舱")
    browser.get(f"{console_server.url}/#/dispute/{dispute_id}")
    wait(browser, "h1", "征收补偿争议")
    open_action(browser, "登记行政诉讼案件")
    fill(browser, "#file-case-caseNumber", "（2024）测0101行初9号")
    fill(browser, "#file-case-court", "测试县人民法院")
    fill(browser, "#file-case-filedDate", "2024-11-19")
    click(browser, "#file-case button[type=submit]")
    alert = WebDriverWait(browser, 10).until(expected_conditions.alert_is_present())
    assert "化解失败" in alert.text and "县自然资源局" in alert.text
    alert.dismiss()
    wait(browser, "#file-case .form-errors", "已取消，未作任何更改")
    async with session_factory() as session:
        kept = await session.get(ResolutionEffort, effort_id)
        assert kept is not None and kept.status == ResolutionStatus.ASSIGNED

    click(browser, "#file-case button[type=submit]")
    WebDriverWait(browser, 10).until(expected_conditions.alert_is_present()).accept()
    wait(browser, "h1", "（2024）测0101行初9号")
    wait(browser, "#toast", "县自然资源局的诉前化解工作已记为“化解失败”")
    async with session_factory() as session:
        failed = await session.get(ResolutionEffort, effort_id)
        assert failed is not None and failed.status == ResolutionStatus.FAILED


async def test_a_dispute_page_shows_the_deadlines_of_its_efforts(
    console_server: Server,
    org: Org,
    browser: Any,
    session_factory: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
) -> None:
    """After assigning and accepting an effort the dispute page listed 暂无期限事项: the deadlines
    were the effort's, not the dispute's own."""
    from sqlalchemy import select

    from core.disputes import service as disputes
    from core.enums import ResolutionStage
    from core.obligations.models import Obligation
    from tests.security.world import new_dispute

    async with as_system(session_factory, registry) as ctx:
        d = await new_dispute(ctx, org.agency.id, "期限争议")
        effort = await disputes.assign_resolution(
            ctx, d.id, unit_id=org.agency.id, stage=ResolutionStage.PRE_FILING, assigned_date=NOW.date()
        )
        titles = (
            await ctx.session.scalars(
                select(Obligation.title).where(
                    Obligation.subject_type == "resolution_effort", Obligation.subject_id == effort.id
                )
            )
        ).all()
        dispute_id = d.id
    assert titles, "the test plugin gives an assigned effort a deadline"

    sign_in(browser, console_server.url, "司法局工作人员", "测试县")
    wait(browser, "h1", "领导驾驶舱")
    browser.get(f"{console_server.url}/#/dispute/{dispute_id}")
    wait(browser, "h1", "期限争议")
    table = wait(browser, "table", titles[0])
    assert "诉前化解 · 县自然资源局" in table.text and "所属" in table.text


async def test_desk_hearings_and_inbox_fit_a_phone(
    console_server: Server,
    org: Org,
    browser: Any,
    session_factory: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
    screenshot: Any,
) -> None:
    """At 390 px the desk's table overflowed sideways; now every page of the daily round fits."""
    async with as_system(session_factory, registry) as ctx:
        await new_hearing(ctx, org.agency.id, 3)
    sign_in(browser, console_server.url, "司法局工作人员", "测试县")
    wait(browser, "h1", "领导驾驶舱")
    browser.set_window_size(390, 844)
    width = browser.execute_script("return window.innerWidth")
    for path, heading, content in (
        ("desk", "案件台账", "table"),
        ("desk?tab=cases", "案件台账", "table"),
        ("hearings", "庭审", "main"),
        ("inbox", "通知", "#inbox-list"),
    ):
        browser.get(f"{console_server.url}/#/{path}")
        wait(browser, "h1", heading)
        wait(browser, content)
        scroll = browser.execute_script("return document.documentElement.scrollWidth")
        assert scroll <= width, f"{path}: {scroll}px wide on a {width}px screen"
        # No table scrolling sideways inside its box either (they read as cards).
        wide = browser.execute_script(
            "return [...document.querySelectorAll('.table-wrap')]"
            ".filter((t) => t.scrollWidth > t.clientWidth + 1).length"
        )
        assert wide == 0, f"{path}: {wide} table(s) scroll sideways"
    labelled = browser.find_elements(By.CSS_SELECTOR, "#inbox-list td[data-label]")
    assert all(td.get_attribute("data-label") for td in labelled)


async def test_a_county_runs_itself_through_its_administrator(
    console_server: Server, org: Org, browser: Any, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    """Staff read the admin page without forms they cannot use (each answered 仅系统管理员可执行此操作);
    the county's administrator (县级管理员) adds a unit and sets the population."""
    from sqlalchemy import select

    from core.org.models import Jurisdiction, Unit

    sign_in(browser, console_server.url, "司法局工作人员", "测试县")
    wait(browser, "h1", "领导驾驶舱")
    click(browser, "#nav a", "系统管理")
    wait(browser, "h1", "系统管理")
    page = browser.find_element(By.CSS_SELECTOR, "main").text
    assert "新增单位" not in page and "调整目标" not in page and "修改须由县级管理员" in page
    click(browser, "#whoami button", "退出")
    wait(browser, "h1", "登录")

    sign_in(browser, console_server.url, "县级管理员", "测试县")
    click(browser, "#nav a", "系统管理")
    wait(browser, "h1", "系统管理")
    open_action(browser, "新增单位")
    fill(browser, "#create-unit-name", "县市场监督管理局")
    click(browser, "#create-unit button[type=submit]")
    wait(browser, "#units-title + .table-wrap, main", "县市场监督管理局")
    open_action(browser, "修改常住人口")
    fill(browser, "#set-population-population", "385000")
    click(browser, "#set-population button[type=submit]")
    wait(browser, "main", "385,000 人")
    async with session_factory() as session:
        j = await session.get(Jurisdiction, org.jurisdiction.id)
        assert j is not None and j.population == 385000
        assert await session.scalar(select(Unit.id).where(Unit.name == "县市场监督管理局")) is not None
