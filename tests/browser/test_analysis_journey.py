"""The analysis in a real browser: the "same idea?" step a citizen meets before writing
(without JavaScript, in French and English), and the staff's tab with its duplicates,
topics and theme suggestions applied in one click, at 1280 and 375 px, with axe-core."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import httpx
import pytest

pytest.importorskip("sklearn", reason="the participe[analysis] extra is not installed")

from core.db import Database
from participe.testing import enable_module
from tests.browser.conftest import NewTab, Tab, check_accessibility, screenshot, sign_in
from tests.conftest import LiveServer, World
from tests.helpers import create_dialogue
from tests.plugins.analysis.test_analysis_module import PROPOSALS, SLUG, THEMES

TAB = f"/admin/dialogues/{SLUG}/analysis"


async def _text(tab: Tab) -> str:
    return " ".join((await tab.page.inner_text("main")).split())


async def _analysed(api: httpx.AsyncClient, world: World) -> None:
    """Waits for the server's own task to compute the analysis after the proposals."""
    for _ in range(120):
        found = await api.get(
            f"/api/v1/admin/dialogues/{SLUG}/analysis/themes", headers=world.admin.headers
        )
        if found.status_code == 200 and found.json()["computed_at"] and found.json()["items"]:
            return
        await asyncio.sleep(0.5)
    raise AssertionError("the analysis was not computed within a minute")


async def test_the_analysis_pages(
    new_tab: NewTab, live_server: LiveServer, world: World, database: Database
) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as api:
        await create_dialogue(api, world.admin.headers, slug=SLUG, themes=THEMES)  # type: ignore[arg-type]
        assert (await enable_module(api, world, SLUG, "analysis")).status_code == 200  # type: ignore[arg-type]
        for title, body, theme in PROPOSALS:
            created = await api.post(
                f"/api/v1/dialogues/{SLUG}/proposals",
                json={"title": title, "body": body, **({"theme": theme} if theme else {})},
                headers=world.alice.headers,
            )
            assert created.status_code == 201, created.text
        await _analysed(api, world)

    similar = f"/dialogues/{SLUG}/proposals/similar?title={quote('Piste vélo avenue Jaurès')}"
    for locale, expected in (
        ("fr-FR", "Une piste cyclable avenue Jaurès"),
        ("en-GB", "No proposal says the same thing"),
    ):
        citizen = await new_tab(javascript=locale == "fr-FR", locale=locale)
        await citizen.go(
            similar
            if locale == "fr-FR"
            else f"/dialogues/{SLUG}/proposals/similar?title=Planetarium"
        )
        assert expected in await _text(citizen)
        if locale == "fr-FR":
            await check_accessibility(citizen, "similar proposals")
            await screenshot(citizen, "analysis-similar")

    tab = await new_tab()
    page = tab.page
    await sign_in(tab, database, "admin@ville.test", TAB)
    text = await _text(tab)
    assert "Doublons probables" in text and "Thèmes suggérés" in text
    await check_accessibility(tab, "back office: analysis")
    await screenshot(tab, "admin-analysis")
    await page.get_by_role("button", name="Appliquer les thèmes cochés").click()
    await page.wait_for_load_state()
    assert "Les modifications sont enregistrées" in await _text(tab)
    await page.set_viewport_size({"width": 375, "height": 900})
    await check_accessibility(tab, "back office: analysis")
    await screenshot(tab, "admin-analysis-375")
