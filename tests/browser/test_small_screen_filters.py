"""On a phone the proposals come first: the list's filters fold behind their title (open
again on a tap, and kept open while a filter is in use); on a wide screen and without
JavaScript they stay open."""

from __future__ import annotations

import httpx

from tests.browser.conftest import NewTab, check_accessibility, screenshot
from tests.conftest import LiveServer, World
from tests.helpers import dialogue_body
from tests.web.front_helpers import SECTORS, THEMES

SLUG = "budget-2027"
LIST = f"/dialogues/{SLUG}/proposals"


async def _setup(live_server: LiveServer, world: World) -> None:
    body = dialogue_body(themes=THEMES, sectors=SECTORS)
    async with httpx.AsyncClient(base_url=live_server.url, headers=world.admin.headers) as api:
        assert (await api.post("/api/v1/admin/dialogues", json=body)).status_code == 201
        for title in ("Un verger au parc", "Des bancs place Royale"):
            created = await api.post(
                f"/api/v1/dialogues/{SLUG}/proposals",
                json={"title": title, "body": "Une proposition.", "theme": "nature"},
            )
            assert created.status_code == 201, created.text


async def test_filters_fold_on_a_phone(
    new_tab: NewTab, live_server: LiveServer, world: World
) -> None:
    await _setup(live_server, world)
    tab = await new_tab()
    page = tab.page
    search = page.locator("#filter-q")

    await page.set_viewport_size({"width": 375, "height": 800})
    await tab.go(LIST)
    assert not await search.is_visible()
    first_card = page.locator(".proposal-grid li, .proposal-list li").first
    box = await first_card.bounding_box()
    assert box is not None and box["y"] < 800, box  # a proposal on the first screen
    await check_accessibility(tab, "proposals grid")
    await screenshot(tab, "proposals-375-filters-folded")

    await page.get_by_text("Filtrer les propositions").click()
    assert await search.is_visible()
    await page.select_option("#filter-theme", "nature")
    await page.get_by_role("button", name="Filtrer", exact=True).click()
    await page.wait_for_url("**theme=nature**")
    assert await search.is_visible()  # a filter in use: the form stays open
    assert "1 filtre actif" in await page.locator("#filters-title").inner_text()

    await page.set_viewport_size({"width": 1280, "height": 900})
    await tab.go(LIST)
    assert await search.is_visible()
    tab.check_console()


async def test_without_javascript_the_filters_stay_open(
    new_tab: NewTab, live_server: LiveServer, world: World
) -> None:
    await _setup(live_server, world)
    tab = await new_tab(javascript=False, locale="en-GB")
    await tab.page.set_viewport_size({"width": 375, "height": 800})
    await tab.go(LIST)
    assert await tab.page.locator("#filter-q").is_visible()
    assert "Filter the proposals" in await tab.page.locator("#filters-title").inner_text()
