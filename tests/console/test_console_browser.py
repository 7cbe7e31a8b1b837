"""End to end in headless Chromium: sign in, record a dispute (and see the API's validation message
next to the field), file a case, schedule a hearing, designate and verify the head, and see the
case list, the hearings page and the dashboard change. Screenshots: artifacts/screenshots/."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import fixed_clock
from core.context import ServiceContext
from core.db import transaction
from core.policy.manager import PolicyRegistry
from core.principal import SYSTEM
from tests.console.browser import choose, click, field_error, fill, open_action, wait, wait_gone
from tests.console.conftest import NOW, Server
from tests.support import Org, make_org


@pytest.fixture
async def org(session_factory: async_sessionmaker[AsyncSession], registry: PolicyRegistry) -> Org:
    async with transaction(session_factory) as session:
        ctx = ServiceContext(session=session, principal=SYSTEM, registry=registry, clock=fixed_clock(NOW))
        return await make_org(ctx)


def sign_in(browser: Any, url: str, role_label: str, jurisdiction: str, unit: str | None = None) -> None:
    browser.get(url + "/")
    wait(browser, "h1", "登录")
    choose(browser, "#signin-as-role", role_label)
    choose(browser, "#signin-as-jurisdictionId", jurisdiction)
    if unit:
        choose(browser, "#signin-as-unitId", unit)
    fill(browser, "#signin-as-user", "lisi")
    fill(browser, "#signin-as-displayName", "李四")
    click(browser, "#signin-as button[type=submit]")
    wait(browser, "#whoami", "李四")


async def test_clerk_journey_in_browser(
    console_server: Server, org: Org, browser: Any, screenshot: Any
) -> None:
    url = console_server.url
    sign_in(browser, url, "司法局工作人员", "测试县")
    # The justice bureau lands on the dashboard (indicators, or counts from the lists).
    wait(browser, "h1", "领导驾驶舱")
    wait(browser, '[data-indicator="发案量"] .value', "0")
    screenshot("dashboard-empty")

    # Record a dispute: first with a date the API rejects, then corrected.
    click(browser, "#nav a", "案件台账")
    wait(browser, "h1", "案件台账")
    open_action(browser, "登记行政争议")
    choose(browser, "#record-dispute-unitId", "县自然资源局")
    fill(browser, "#record-dispute-applicantName", "陈某某")
    fill(browser, "#record-dispute-title", "房屋征收补偿争议")
    choose(browser, "#record-dispute-field", "征地拆迁")
    choose(browser, "#record-dispute-actionType", "行政征收征用")
    choose(browser, "#record-dispute-source", "月度排查")
    fill(browser, "#record-dispute-receivedDate", "2024-12-01")  # after "today" (2024-11-20)
    click(browser, "#record-dispute button[type=submit]")
    wait(browser, "#record-dispute-receivedDate-error", "不能晚于今天")
    assert browser.find_element(By.ID, "record-dispute-receivedDate").get_attribute("aria-invalid") == "true"
    screenshot("validation-message")
    fill(browser, "#record-dispute-receivedDate", "2024-11-18")
    click(browser, "#record-dispute button[type=submit]")
    wait(browser, "h1", "房屋征收补偿争议")
    assert field_error(browser, "record-dispute", "receivedDate") == ""
    # The timelines show the recording (the business events, and the audit trail), the obligations their rule.
    wait(browser, ".events", "登记行政争议")
    wait(browser, ".timeline", "登记行政争议")

    # File a lawsuit against the dispute: the page moves to the case.
    open_action(browser, "登记行政诉讼案件")
    fill(browser, "#file-case-caseNumber", "（2024）测0101行初8号")
    fill(browser, "#file-case-court", "测试县人民法院")
    fill(browser, "#file-case-filedDate", "2024-11-19")
    click(browser, "#file-case button[type=submit]")
    wait(browser, "h1", "（2024）测0101行初8号")

    # Schedule a hearing, designate the head, check the identity.
    open_action(browser, "登记开庭")
    fill(browser, "input[id^=schedule-][id$=-scheduledAt]", "2024-11-25T09:30")
    fill(browser, "input[id^=schedule-][id$=-courtroom]", "第一法庭")
    click(browser, "form[id^=schedule-] button[type=submit]")
    wait(browser, "[id^=hearing-]", "第一法庭")
    wait(browser, "[id^=hearing-]", "未指定")
    open_action(browser, "确定出庭负责人")
    choose(browser, "select[id^=designate-][id$=-officialId]", "张局长")
    click(browser, "form[id^=designate-] button[type=submit]")
    wait(browser, "[id^=hearing-]", "张局长（主要负责人）")
    open_action(browser, "核验出庭负责人身份")
    click(browser, "form[id^=verify-] button[type=submit]")
    wait(browser, "[id^=hearing-]", "身份符合")
    wait(browser, ".timeline", "确定出庭负责人")
    screenshot("case-page")

    # The hearings page lists it with the designated head and the check.
    click(browser, "#nav a", "庭审")
    wait(browser, "h1", "庭审")
    card = wait(browser, "[id^=hearing-]", "（2024）测0101行初8号")
    assert "张局长" in card.text and "身份符合" in card.text
    screenshot("hearings")

    # The case list and the dashboard count the new case.
    browser.get(url + "/#/desk?tab=cases")
    wait(browser, "table", "（2024）测0101行初8号")
    browser.get(url + "/#/dashboard")
    wait(browser, '[data-indicator="发案量"] .value', "1")
    wait(browser, "table", "县自然资源局")
    screenshot("dashboard-after")
    # Drill down: the unit's row leads to its cases.
    click(browser, "table a", "县自然资源局")
    wait(browser, "h1", "案件台账")
    wait(browser, "table", "（2024）测0101行初8号")


async def test_unit_clerk_sees_only_own_unit_and_no_dashboard(
    console_server: Server, org: Org, browser: Any, screenshot: Any
) -> None:
    sign_in(browser, console_server.url, "单位联络员", "测试县", unit="城关镇")
    wait(browser, "h1", "案件台账")
    nav = wait(browser, "#nav").text
    assert "领导驾驶舱" not in nav and "系统管理" not in nav
    open_action(browser, "登记行政争议")
    options = [o.text for o in browser.find_elements(By.CSS_SELECTOR, "#record-dispute-unitId option")]
    assert options == ["城关镇"]
    screenshot("clerk-desk")


async def test_sign_out_returns_to_sign_in(console_server: Server, org: Org, browser: Any) -> None:
    sign_in(browser, console_server.url, "领导", "测试县")
    wait(browser, "h1", "领导驾驶舱")
    click(browser, "#whoami button", "退出")
    wait(browser, "h1", "登录")
    wait_gone(browser, "#nav a")
