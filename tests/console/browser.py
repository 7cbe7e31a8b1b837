"""Small helpers to drive the console with selenium: wait, fill, choose, read messages."""

from __future__ import annotations

import time
from typing import Any

from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select

TIMEOUT = 15.0


def wait(driver: Any, css: str, text: str | None = None, timeout: float = TIMEOUT) -> WebElement:
    """The first visible element matching ``css`` (whose text contains ``text``), waiting for it."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            for element in driver.find_elements(By.CSS_SELECTOR, css):
                if element.is_displayed() and (text is None or text in element.text):
                    return element
                last = element.text
        except StaleElementReferenceException:
            pass
        time.sleep(0.1)
    logs = browser_errors(driver)
    raise AssertionError(f"no visible {css!r} containing {text!r} (last text {last!r}); console: {logs}")


def wait_gone(driver: Any, css: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not [e for e in driver.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()]:
            return
        time.sleep(0.1)
    raise AssertionError(f"{css!r} still visible")


def fill(driver: Any, css: str, value: str) -> None:
    """Set an input's value as a user would (date and datetime inputs included) and fire its events."""
    element = wait(driver, css)
    driver.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
        "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
        element,
        value,
    )


def choose(driver: Any, css: str, label: str) -> None:
    """Pick the option whose visible text contains ``label``."""
    element = wait(driver, css)
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        for option in Select(element).options:
            if label in option.text:
                Select(element).select_by_visible_text(option.text)
                return
        time.sleep(0.1)
    raise AssertionError(f"no option {label!r} in {css!r}")


def click(driver: Any, css: str, text: str | None = None) -> None:
    element = wait(driver, css, text)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.click()


def open_action(driver: Any, summary: str) -> None:
    """Open the collapsible action (<details>) titled ``summary``."""
    click(driver, "details.action > summary", summary)


def field_error(driver: Any, form_id: str, name: str) -> str:
    """The error shown next to a form field (the API's message for that field)."""
    try:
        return str(driver.find_element(By.ID, f"{form_id}-{name}-error").text)
    except NoSuchElementException:
        return ""


def browser_errors(driver: Any) -> list[str]:
    try:
        return [e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    except Exception:
        return []
