"""More of the console in headless Chromium: a notification arriving live in the inbox and being
acknowledged, a ledger checked and imported from the page, the holiday calendar, and export."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import Workbook
from selenium.webdriver.common.by import By
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import fixed_clock
from core.context import ServiceContext
from core.db import transaction
from core.notify.bus import notifications_topic
from core.policy.manager import PolicyRegistry
from core.principal import SYSTEM
from tests.console.browser import choose, click, fill, open_action, wait, wait_gone
from tests.console.conftest import NOW, Server
from tests.support import Org, make_org

NOTICE = """mutation($j: ID!) { issueNotice(input: {jurisdictionId: $j, kind: REMINDER_LETTER, title: "关于及时报送应诉材料的工作提醒函",
  body: "请于3个工作日内报送。", recipientRole: JUSTICE_STAFF}) { result { id } errors { message } } }"""


@pytest.fixture
async def org(session_factory: async_sessionmaker[AsyncSession], registry: PolicyRegistry) -> Org:
    async with transaction(session_factory) as session:
        ctx = ServiceContext(session=session, principal=SYSTEM, registry=registry, clock=fixed_clock(NOW))
        return await make_org(ctx)


def sign_in_as(
    browser: Any, url: str, role: str, jurisdiction_id: int | None, name: str = "测试用户"
) -> None:
    """Sign in through the page (the "sign in as" form)."""
    browser.get(url + "/")
    wait(browser, "h1", "登录")
    choose(browser, "#signin-as-role", role)
    if jurisdiction_id is not None:
        choose(browser, "#signin-as-jurisdictionId", "测试县")
    fill(browser, "#signin-as-user", "tester")
    fill(browser, "#signin-as-displayName", name)
    click(browser, "#signin-as button[type=submit]")
    wait(browser, "#whoami", name)


async def test_notification_arrives_live_and_is_acknowledged(
    console_server: Server, org: Org, browser: Any, screenshot: Any
) -> None:
    sign_in_as(browser, console_server.url, "司法局工作人员", org.jurisdiction.id)
    browser.get(console_server.url + "/#/inbox")
    wait(browser, "#inbox-list", "没有未读通知")
    console_server.wait_subscribed(notifications_topic(org.jurisdiction.id))
    headers = {"x-caseload-role": "justice_staff", "x-caseload-jurisdiction": str(org.jurisdiction.id)}
    async with httpx.AsyncClient(base_url=console_server.url, timeout=30) as http:
        body = (
            await http.post(
                "/graphql",
                json={"query": NOTICE, "variables": {"j": str(org.jurisdiction.id)}},
                headers=headers,
            )
        ).json()
    assert body["data"]["issueNotice"]["errors"] == [], body
    # Pushed over the graphql-transport-ws subscription: no reload, no polling interval to wait for.
    row = wait(browser, "#inbox-list tr", "关于及时报送应诉材料的工作提醒函", timeout=10)
    assert "工作提醒函" in row.text
    wait(browser, "#nav .badge", "1")
    screenshot("inbox-live")
    click(browser, "#inbox-list button", "标记已读")
    wait(browser, "#inbox-list", "没有未读通知")
    wait_gone(browser, "#nav .badge")


def ledger_file(tmp_path: Path, rows: list[list[Any]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        ["序号", "申请人/原告", "被申请单位/被告", "争议事项", "争议领域", "行为类型", "来源", "收到日期"]
    )
    for row in rows:
        sheet.append(row)
    path = tmp_path / "台账.xlsx"
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


async def test_ledger_checked_then_imported_from_the_page(
    console_server: Server, org: Org, browser: Any, screenshot: Any, tmp_path: Path
) -> None:
    sign_in_as(browser, console_server.url, "司法局工作人员", org.jurisdiction.id)
    click(browser, "#nav a", "台账导入导出")
    wait(browser, "h1", "台账导入导出")
    bad = ledger_file(
        tmp_path,
        [
            [
                1,
                "陈某",
                "县自然资源局",
                "房屋征收补偿争议",
                "征地拆迁",
                "行政征收征用",
                "月度排查",
                dt.date(2024, 10, 8),
            ],
            [2, "王某", "县交通局", "运输处罚争议", "交通运输", "行政处罚", "信访", "2024-10-15"],
        ],
    )
    browser.find_element(By.ID, "ledger-file").send_keys(str(bad))
    click(browser, "#ledger-check")
    report = wait(browser, "#import-report", "校验未通过")
    assert "被申请单位/被告（C列）：本辖区没有名为“县交通局”的单位" in report.text
    assert browser.find_element(By.ID, "ledger-import").get_attribute("disabled") is not None
    screenshot("ledger-problems")

    good = ledger_file(
        tmp_path,
        [
            [
                1,
                "陈某",
                "县自然资源局",
                "房屋征收补偿争议",
                "征地拆迁",
                "行政征收征用",
                "月度排查",
                dt.date(2024, 10, 8),
            ],
            [2, "王某", "城关镇", "运输处罚争议", "交通运输", "行政处罚", "信访", "2024-10-15"],
        ],
    )
    browser.find_element(By.ID, "ledger-file").send_keys(str(good))
    click(browser, "#ledger-check")
    wait(browser, "#import-report", "校验通过")
    click(browser, "#ledger-import")
    wait(browser, "#import-report", "导入完成")
    wait(browser, "#import-report", "已导入2行")
    wait(browser, "table", "台账.xlsx")  # the import history
    screenshot("ledger-imported")
    browser.get(console_server.url + "/#/desk")
    wait(browser, "table", "运输处罚争议")


async def test_a_long_check_shows_its_progress_and_is_cancelled_from_the_page(
    console_server: Server, org: Org, browser: Any, tmp_path: Path
) -> None:
    """A ledger of 1,500 rows is checked in the background: the page shows a progress bar that
    moves, and the cancel button stops the job before anything is written."""
    sign_in_as(browser, console_server.url, "司法局工作人员", org.jurisdiction.id)
    click(browser, "#nav a", "台账导入导出")
    wait(browser, "h1", "台账导入导出")
    rows = [
        [
            n,
            f"申请人{n}",
            "县自然资源局",
            f"批量争议{n}",
            "征地拆迁",
            "行政征收征用",
            "月度排查",
            "2024-10-08",
        ]
        for n in range(1, 1501)
    ]
    browser.find_element(By.ID, "ledger-file").send_keys(str(ledger_file(tmp_path, rows)))
    click(browser, "#ledger-check")
    wait(browser, "#import-progress-text", "正在校验", timeout=30)
    bar = browser.find_element(By.ID, "import-progress-bar")
    assert bar.get_attribute("max") == "1500"
    click(browser, "#ledger-cancel")
    wait(browser, "#import-cancelled", "已取消", timeout=30)
    assert "批量争议" not in browser.page_source


async def test_administrator_sets_a_holiday(
    console_server: Server, org: Org, browser: Any, screenshot: Any
) -> None:
    sign_in_as(browser, console_server.url, "系统管理员", None, name="管理员")
    browser.get(console_server.url + "/#/admin?year=2027")
    wait(browser, "h2", "工作日历（2027年）")
    open_action(browser, "设置节假日或调休上班日")
    fill(browser, "#set-day-day", "2027-02-08")
    fill(browser, "#set-day-name", "春节")
    click(browser, "#set-day button[type=submit]")
    wait(browser, "table", "春节")
    screenshot("calendar")
    click(browser, "table button", "取消设置")
    wait(browser, "table", "本年度没有人工设置的日期")


async def test_creating_a_unit_shows_the_apis_message(console_server: Server, org: Org, browser: Any) -> None:
    sign_in_as(browser, console_server.url, "系统管理员", org.jurisdiction.id)
    click(browser, "#nav a", "系统管理")
    open_action(browser, "新增单位")
    fill(browser, "#create-unit-name", "   ")
    click(browser, "#create-unit button[type=submit]")
    wait(browser, "#create-unit-name-error", "不能为空")
    fill(browser, "#create-unit-name", "县交通运输局")
    click(browser, "#create-unit button[type=submit]")
    wait(browser, "table", "县交通运输局")


async def test_bulletins_previewed_published_compared_and_downloaded_from_the_page(
    console_server: Server, org: Org, browser: Any, screenshot: Any
) -> None:
    """通报与文书: a preview from the current figures, two published editions, the difference
    between them, and a download through the user's own session."""
    sign_in_as(browser, console_server.url, "司法局工作人员", org.jurisdiction.id)
    click(browser, "#nav a", "通报与文书")
    wait(browser, "h1", "通报与文书")
    wait(browser, "table", "尚未发布通报")
    choose(browser, "#bulletin-year", "2024年")
    choose(browser, "#bulletin-quarter", "第3季度")
    click(browser, "#bulletin-preview-button")
    preview = wait(browser, "#bulletin-preview", "预览，未发布")
    assert "2024" in preview.text and "季度" in preview.text
    for edition in (1, 2):
        fill(browser, "#bulletin-note", f"第{edition}次发布")
        click(browser, "#bulletin-publish")
        browser.switch_to.alert.accept()
        wait(browser, "table", f"第{edition}版")
    wait(browser, "table", "第2次发布")
    screenshot("documents-bulletins")
    click(browser, "table button", "与上一版比较")
    wait(browser, "#bulletin-diff", "第1版 → 第2版")
    click(browser, "table button", "Word")
    wait(browser, ".toast", "已下载")
