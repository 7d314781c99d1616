"""The bot check in a real browser: the page's script does the proof of work with
WebCrypto, so a citizen with JavaScript signs in without ever seeing the waiting page, even
one who sends the form at once, or after the challenge has expired."""

from __future__ import annotations

from core.bot_checks import LIFETIME
from core.db import Database
from tests.browser.conftest import NewTab, send_form
from tests.conftest import LiveServer, World
from tests.signin_helpers import outbox_messages


async def test_signing_in_with_javascript_solving_the_challenge(
    new_tab: NewTab, live_server: LiveServer, world: World, database: Database
) -> None:
    tab = await new_tab()
    page = tab.page
    await page.clock.install()

    # Sent at once: the script holds the form until its work is done.
    await tab.go("/signin")
    await page.fill("#email", "fanny@example.org")
    waited = await send_form(tab, page.locator("main button[type=submit]"))
    assert not waited and page.url.endswith("/signin/check-your-email")
    assert len(await outbox_messages(database, "fanny@example.org")) == 1

    # Sent after the work is done: at once, with the solution already there.
    await tab.go("/signin")
    await page.wait_for_selector("[data-bot-check][data-state=solved]", state="attached")
    assert await page.input_value("input[name=altcha]")
    await page.fill("#email", "gaspard@example.org")
    assert not await send_form(tab, page.locator("main button[type=submit]"))
    assert page.url.endswith("/signin/check-your-email")

    # Sent after the challenge expired: the script asks for a fresh one first.
    await tab.go("/signin")
    await page.wait_for_selector("[data-bot-check][data-state=solved]", state="attached")
    assert await page.input_value("input[name=altcha]")
    await page.clock.fast_forward((LIFETIME + 60) * 1000)
    await page.fill("#email", "gaspard@example.org")
    async with page.expect_request("**/bot-check/challenge?form=signin") as fresh:
        assert not await send_form(tab, page.locator("main button[type=submit]"))
    assert (await fresh.value).method == "GET"
    assert page.url.endswith("/signin/check-your-email")
    assert len(await outbox_messages(database, "gaspard@example.org")) == 2
    tab.check_console()
