"""Browser tests: the console under uvicorn on loopback, driven by Debian's headless Chromium.

Skipped, with the reason, when /usr/bin/chromium or /usr/bin/chromedriver is absent (``.ci/browser.sh``
installs them). Screenshots go to ``artifacts/screenshots/`` (ignored by git).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette

from api.app import create_app
from core.clock import CHINA, fixed_clock
from core.config import Settings
from core.context import ServiceContext
from core.db import transaction
from core.policy.manager import PolicyRegistry
from core.principal import SYSTEM
from tests.http_fixtures import NOW, free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@dataclass
class Server:
    url: str
    application: Starlette

    def wait_subscribed(self, topic: str, timeout: float = 15.0) -> None:
        """Wait until a subscriber listens on ``topic`` (the page's WebSocket subscription is live).

        The browser sends its subscription after the page has rendered; on a loaded machine the
        server may take a moment to subscribe to the bus, and a message published before then is
        (rightly) not delivered to it.
        """
        from redis import Redis

        from core.notify.bus import InProcessBus, RedisBus

        bus = self.application.state.caseload.bus
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if isinstance(bus, InProcessBus):
                count = bus.subscriber_count(topic)
            else:
                assert isinstance(bus, RedisBus)
                with Redis.from_url(bus.url) as client:
                    [(_, count)] = client.pubsub_numsub(topic)
            if count:
                return
            time.sleep(0.05)
        raise AssertionError(f"nobody subscribed to {topic} within {timeout}s")


@contextlib.asynccontextmanager
async def as_system(session_factory: Any, registry: PolicyRegistry) -> AsyncIterator[ServiceContext]:
    """A service context as the system on the console's clock, in one committed transaction."""
    async with transaction(session_factory) as session:
        yield ServiceContext(session=session, principal=SYSTEM, registry=registry, clock=fixed_clock(NOW))


def serve(application: Starlette) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        threading.Event().wait(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def console_server(settings: Settings, registry: PolicyRegistry, session_factory: Any) -> Iterator[Server]:
    """The whole app, console included, under uvicorn on a loopback port (the clock fixed at NOW)."""
    application = create_app(settings, registry=registry, clock=fixed_clock(NOW))
    for url in serve(application):
        yield Server(url, application)


def _require_browser() -> None:
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.skip(
            "headless Chromium is not installed (/usr/bin/chromium, /usr/bin/chromedriver): "
            "run `bash .ci/browser.sh` (Debian packages chromium, chromium-driver, fonts-noto-cjk)"
        )


@pytest.fixture
def browser() -> Iterator[Any]:
    """A headless Chromium (Debian's) through chromedriver; no network beyond loopback."""
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="caseload-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--lang=zh-CN",
        "--window-size=1360,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def screenshot(browser: Any, request: pytest.FixtureRequest) -> Any:
    """screenshot("name") saves artifacts/screenshots/<test>-<n>-<name>.png (full page height)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 100))

    def take(name: str) -> Path:
        height = browser.execute_script("return Math.max(document.body.scrollHeight, 1000)")
        browser.set_window_size(1360, min(int(height) + 40, 6000))
        path = SCREENSHOTS / f"{request.node.name}-{next(counter):02d}-{name}.png"
        browser.save_screenshot(str(path))
        browser.set_window_size(1360, 1000)
        return path

    return take


TODAY = NOW.astimezone(CHINA).date()


def iso(day: dt.date) -> str:
    return day.isoformat()
