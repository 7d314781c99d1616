"""A citizen fills their basket in a participatory budget, in a real browser: each
support adds the project and its cost to the basket beside the list, a project that no
longer fits says so instead of offering its button, and the ballot is checked on its
summary page, then confirmed; with and without JavaScript, at 1280 and 375 pixels,
checked with axe-core."""

from __future__ import annotations

import httpx

from core.db import Database
from participe.testing import vote_dialogue
from tests.browser.conftest import NewTab, check_accessibility, screenshot, sign_in
from tests.conftest import LiveServer, World


def plain(text: str) -> str:
    """``text`` with its narrow and no-break spaces as plain ones."""
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


PROJECTS = ["Un verger au parc", "Des bancs place Royale", "Une fresque sous le pont"]
COSTS = [60_000, 30_000, 50_000]


async def test_a_citizen_fills_checks_and_confirms_their_basket(
    new_tab: NewTab, live_server: LiveServer, world: World, database: Database
) -> None:
    vote = {"type": "support", "settings": {"budget_limit": 100_000, "min_votes": 1}}
    async with httpx.AsyncClient(base_url=live_server.url) as api:
        setup = await vote_dialogue(api, world, vote, proposals=PROJECTS, costs=COSTS)
    listing = f"/dialogues/{setup.slug}/proposals"
    for javascript, width in ((True, 1280), (False, 375)):
        email = f"panier-{width}@example.org"
        tab = await new_tab(javascript=javascript)
        page = tab.page
        await page.set_viewport_size({"width": width, "height": 900})
        await sign_in(tab, database, email, listing)
        await tab.go(listing)
        basket = page.locator(".ballot-summary .basket")
        assert "0 € sur 100 000 €" in plain(await basket.inner_text())

        orchard = page.locator(f"#proposal-{setup.proposals[0]}-vote")
        await orchard.get_by_role("button").click()
        await page.wait_for_load_state()
        assert "60 000 € sur 100 000 €" in plain(await basket.inner_text())
        assert await page.locator(".basket-meter").first.get_attribute("value") == "60000"
        # The fresco (50 000) no longer fits in the 40 000 left: no button, a word why.
        fresco = page.locator(f"#proposal-{setup.proposals[2]}-vote")
        assert await fresco.get_by_role("button").count() == 0
        assert "dépasse ce qui reste dans votre panier (40 000 €)" in plain(
            await fresco.inner_text()
        )
        if javascript:
            await check_accessibility(tab, "budget basket")
            await screenshot(tab, "budget-basket")

        await page.get_by_role("link", name="Vérifier et confirmer mon bulletin").click()
        await page.wait_for_load_state()
        review = page.locator(".ballot-review")
        assert "Un verger au parc" in plain(await review.inner_text())
        assert "60 000 € sur 100 000 €" in plain(await review.inner_text())
        if javascript:
            await check_accessibility(tab, "ballot to check")
        await screenshot(tab, f"ballot-to-check-{width}")
        await review.get_by_role("button", name="Confirmer mon bulletin").click()
        await page.wait_for_load_state()
        assert "Votre bulletin est confirmé" in await page.locator(".ballot-review").inner_text()
        tab.check_console()
