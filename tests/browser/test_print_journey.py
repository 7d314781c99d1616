"""Councils print the list of proposals and the results: printed, a page keeps its
content (the cards, the winners, the figures) and drops what one clicks, and ends with
its address."""

from __future__ import annotations

import httpx

from participe.testing import switch_phase
from tests.browser.conftest import NewTab, screenshot
from tests.conftest import LiveServer, World
from tests.helpers import dialogue_body

SLUG = "budget-2027"
HIDDEN_WHEN_PRINTED = (".filters", ".tabs", ".site-header nav", ".language-switch", ".view-switch")


async def _setup(live_server: LiveServer, world: World) -> None:
    body = dialogue_body(vote={"type": "support", "settings": {}})
    async with httpx.AsyncClient(base_url=live_server.url, headers=world.admin.headers) as api:
        assert (await api.post("/api/v1/admin/dialogues", json=body)).status_code == 201
        for number in range(1, 9):
            created = await api.post(
                f"/api/v1/dialogues/{SLUG}/proposals",
                json={"title": f"Projet numéro {number}", "body": "Un projet pour la ville. " * 8},
            )
            assert created.status_code == 201, created.text


async def test_the_list_and_the_results_print_their_content_only(
    new_tab: NewTab, live_server: LiveServer, world: World
) -> None:
    await _setup(live_server, world)
    tab = await new_tab()
    page = tab.page
    await tab.go(f"/dialogues/{SLUG}/proposals")
    assert await page.locator(".filters").is_visible()
    await page.emulate_media(media="print")
    for selector in HIDDEN_WHEN_PRINTED:
        assert not await page.locator(selector).first.is_visible(), selector
    cards = page.locator(".proposal-card")
    assert await cards.count() == 8 and await cards.nth(7).is_visible()
    assert await cards.first.evaluate("card => getComputedStyle(card).breakInside") == "avoid"
    address = await page.locator("main").evaluate(
        "main => getComputedStyle(main, '::after').content"
    )
    assert f"/dialogues/{SLUG}/proposals" in address
    await screenshot(tab, "proposals-printed")
    pdf = await page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000

    async with httpx.AsyncClient(base_url=live_server.url, headers=world.admin.headers) as api:
        await switch_phase(api, {}, SLUG, "results")
    await page.emulate_media(media="screen")
    await tab.go(f"/dialogues/{SLUG}/results")
    await page.emulate_media(media="print")
    assert not await page.locator(".tabs").is_visible()
    assert await page.locator(".results-summary").is_visible()
    assert await page.locator(".results-table").first.is_visible()
    tab.check_console()
