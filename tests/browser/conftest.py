"""Browser tests: the citizen front in a real Chromium, against the live server.

Chromium comes from Debian (``apt-get install -y chromium``), never from
``playwright install``. The pages load nothing from elsewhere: every request that leaves
the live server (map tiles) is refused, and so a test would notice a CDN. A page that
breaks the Content-Security-Policy (an inline script or style) logs a console error,
which fails the test.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Locator,
    Page,
    async_playwright,
)
from sqlalchemy import select

from core.bot_checks import WAIT_SECONDS
from core.db import Database
from core.models.outbox import OutboxMessage
from tests.conftest import LiveServer
from web.accessibility_checks import CHECKS, CHECKS_FILE

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
HAS_CHROMIUM = CHROMIUM.exists()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not HAS_CHROMIUM:
        pytest.skip("Chromium is missing: apt-get install -y chromium (expected /usr/bin/chromium)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        await launched.close()


@dataclass
class Tab:
    """A browser tab on the live server, with what went wrong in its console."""

    page: Page
    base_url: str
    errors: list[str] = field(default_factory=list)

    async def go(self, path: str) -> Any:
        response = await self.page.goto(self.base_url + path)
        assert response is not None
        return response

    def check_console(self) -> None:
        assert self.errors == []


NewTab = Callable[..., Awaitable[Tab]]


@pytest.fixture
async def new_tab(browser: Browser, live_server: LiveServer) -> AsyncIterator[NewTab]:
    contexts: list[BrowserContext] = []

    async def make(*, javascript: bool = True, locale: str = "fr-FR") -> Tab:
        context = await browser.new_context(
            java_script_enabled=javascript,
            locale=locale,
            viewport={"width": 1280, "height": 900},
        )
        contexts.append(context)
        local = re.compile(r"^http://127\.0\.0\.1:\d+/")

        async def refuse_elsewhere(route: Any) -> None:
            if local.match(route.request.url):
                await route.continue_()
            else:
                await route.abort()

        await context.route("**/*", refuse_elsewhere)
        page = await context.new_page()
        page.set_default_timeout(15_000)
        tab = Tab(page, live_server.url)

        def on_console(message: ConsoleMessage) -> None:
            text = message.text
            # Refused map tiles are expected (no network), and so are the 4xx answers of
            # forms sent back with their errors; anything else (a script error, a
            # Content-Security-Policy violation) is a fault.
            expected = "net::ERR_FAILED" in text or text.startswith(
                "Failed to load resource: the server responded with a status of 4"
            )
            if message.type == "error" and not expected:
                tab.errors.append(text)

        page.on("console", on_console)
        page.on("pageerror", lambda error: tab.errors.append(str(error)))
        return tab

    yield make
    for context in contexts:
        await context.close()


async def send_form(tab: Tab, button: Locator) -> bool:
    """Presses the button of a form with a bot check, as a citizen would, and returns
    whether the waiting page came. With JavaScript, the page's script may finish its work
    before it lets the form go: the next page comes a moment after the click. Without, the
    waiting page comes, and its button is pressed once the wait is over."""
    async with tab.page.expect_navigation():
        await button.click()
    if not await tab.page.locator("input[name=altcha_wait]").count():
        return False
    await asyncio.sleep(WAIT_SECONDS)
    async with tab.page.expect_navigation():
        await tab.page.locator("main button[type=submit]").click()
    return True


async def sign_in(tab: Tab, database: Database, email: str, next_path: str = "/") -> None:
    """Signs in as a citizen would: asks for a link, opens it from the outbox, confirms."""
    await tab.go(f"/signin?next={next_path}")
    await tab.page.fill("#email", email)
    await send_form(tab, tab.page.locator("main button[type=submit]"))
    async with database.session() as session:
        message = await session.scalar(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == email)
            .order_by(OutboxMessage.id.desc())
        )
    assert message is not None, "no sign-in email in the outbox"
    found = re.search(
        r"https?://[^\s/]+(/signin/[A-Za-z0-9_\-]+(?:\?next=[^\s]*)?)", message.text_body
    )
    assert found is not None, message.text_body
    await tab.go(found.group(1))
    await tab.page.locator("main button[type=submit]").click()
    await tab.page.wait_for_load_state()


async def check_accessibility(tab: Tab, name: str) -> None:
    """No serious or critical axe-core violation on the page (which needs JavaScript:
    axe-core runs in the page). What is run and on which page types comes from
    :data:`web.accessibility_checks.CHECKS`, the list the accessibility statement
    publishes: ``name`` must be one of its pages."""
    assert name in CHECKS.page_ids, (
        f"{name!r}: add this page type to {CHECKS_FILE} (the accessibility statement lists it)"
    )
    results = await Axe().run(
        tab.page,
        options={"runOnly": {"type": "tag", "values": list(CHECKS.tags)}},
    )
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in CHECKS.failing_impacts
    ]
    assert violations == [], f"{name}: {violations}"


async def screenshot(tab: Tab, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await tab.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
