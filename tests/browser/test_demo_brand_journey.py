"""The demo town's pages in its own brand (its emblem, banners, illustrated projects,
contact details), as a citizen sees them at 1280 and 375 pixels: every page type passes
axe-core and is saved to ``docs/screenshots/demo-*.png``, the pictures the README and
the design system show."""

from __future__ import annotations

from pathlib import Path

from core.db import Database
from core.plugin_manager import Plugins
from tests.browser.conftest import NewTab, Tab, check_accessibility, screenshot, sign_in
from tests.conftest import LiveServer
from web.demo import seed_demo

BUDGET = "/dialogues/budget-participatif-2027"

#: Each page: its address, the name of its screenshot, its accessibility check.
PAGES = [
    ("/", "home", "organisation home"),
    (BUDGET, "dialogue", "dialogue home"),
    (f"{BUDGET}/proposals", "proposals", "proposals with votes"),
    ("/dialogues/budget-participatif-2025/results", "results", "results"),
]


async def _shoot(tab: Tab, path: str, name: str, check: str, width: int) -> None:
    page = tab.page
    await page.set_viewport_size({"width": width, "height": 900})
    await tab.go(path)
    # Every lazy picture in, as a reader scrolling down would see them.
    await page.evaluate(
        "document.querySelectorAll('img[loading=lazy]').forEach(i => { i.loading = 'eager'; })"
    )
    await page.wait_for_load_state("networkidle")
    # The map's tiles come from the internet, closed to the tests.
    pictures = await page.evaluate(
        "[...document.images].filter(i => !i.classList.contains('leaflet-tile'))"
        ".filter(i => !i.complete || i.naturalWidth === 0).length"
    )
    assert pictures == 0, f"{path}: {pictures} pictures did not load"
    await check_accessibility(tab, check)
    await screenshot(tab, f"demo-{name}-{width}")


async def test_the_demo_in_its_brand(
    new_tab: NewTab,
    live_server: LiveServer,
    database: Database,
    plugins: Plugins,
    tmp_path: Path,
) -> None:
    async with database.session() as session:
        # The live server's uploads (tests.conftest.start_live_server).
        world = await seed_demo(session, plugins, str(tmp_path / "uploads"))
        await session.commit()
    first_project = world.proposals["budget"][0].id
    tab = await new_tab()
    for path, name, check in PAGES:
        for width in (1280, 375):
            await _shoot(tab, path, name, check, width)

    citizen = await new_tab()
    await sign_in(citizen, database, "citoyen20@belleville.example", f"{BUDGET}/proposals")
    await citizen.go(f"/proposals/{first_project}")
    await citizen.page.locator(f"#proposal-{first_project}-vote").get_by_role("button").click()
    await citizen.page.wait_for_load_state()
    for path, name, check in (
        (f"/proposals/{first_project}", "proposal", "proposal page"),
        (f"{BUDGET}/proposals", "basket", "budget basket"),
        (f"{BUDGET}/ballot/confirm", "ballot-to-check", "ballot to check"),
    ):
        for width in (1280, 375):
            await _shoot(citizen, path, name, check, width)
    tab.check_console()
    citizen.check_console()
