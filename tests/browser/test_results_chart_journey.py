"""The results' bars in a real browser: a winner with a long title keeps its ✓ and its
label in view, at 1280 pixels wide and at 375 (where the chart scrolls sideways rather
than shrinking), in French and in English, checked with axe-core."""

from __future__ import annotations

import httpx

from participe.testing import put_vote, vote_dialogue
from tests.browser.conftest import NewTab, check_accessibility, screenshot
from tests.conftest import LiveServer, World

LONG = "Végétaliser la cour de l'école élémentaire Jean-Macé et ouvrir son jardin le samedi"


async def test_a_long_winners_mark_stays_in_view(
    new_tab: NewTab, live_server: LiveServer, world: World
) -> None:
    async with httpx.AsyncClient(base_url=live_server.url) as api:
        setup = await vote_dialogue(
            api,
            world,
            {"type": "support", "settings": {}},
            proposals=[LONG, "Des bancs place du Marché"],
            costs=[90_000, 20_000],
            budget={"amount": 100_000, "rule": "greedy"},
            results_visibility="live",
        )
        for person in (world.alice, world.bob):
            voted = await put_vote(api, person, setup, setup.proposals[0])
            assert voted.status_code == 200, voted.text
    for locale in ("fr-FR", "en-GB"):
        tab = await new_tab(locale=locale)
        page = tab.page
        for width in (1280, 375):
            await page.set_viewport_size({"width": width, "height": 900})
            await tab.go(f"/dialogues/{setup.slug}/results")
            chart = page.locator("#chart-results")
            mark = chart.locator("text", has_text="✓")
            assert await mark.count() == 1
            drawn = await chart.bounding_box()
            label = await mark.bounding_box()
            assert drawn is not None and label is not None
            assert drawn["x"] <= label["x"], "the winner's mark is cut off on the left"
            assert label["x"] + label["width"] <= drawn["x"] + drawn["width"]
            # Drawn at a readable size: the 14-pixel labels are not shrunk below 11.
            assert label["height"] >= 11, label
            await check_accessibility(tab, "results")
            if locale == "fr-FR" and width == 375:
                await screenshot(tab, "results-long-winner-375")
        tab.check_console()
