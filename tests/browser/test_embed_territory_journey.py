"""Browser: a dialogue embedded in another site (signing in from the frame, coming back,
voting in it), the code to embed in the back office, and the organisation's territory
on the maps and the proposal form; in French and English, at 1280 and 375 px."""

from __future__ import annotations

import functools
import http.server
import json
import re
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page

from core.db import Database
from core.models import Organisation
from tests.browser.conftest import ARGS, CHROMIUM, Tab, check_accessibility, screenshot, sign_in
from tests.conftest import LiveServer, World
from tests.helpers import dialogue_body

SLUG = "budget-2027"
TERRITORY = {
    "center_lat": 47.2184,
    "center_lng": -1.5536,
    "zoom": 14,
    "south": 47.18,
    "west": -1.62,
    "north": 47.26,
    "east": -1.49,
}
PHONE = {"width": 375, "height": 800}


@pytest.fixture
def framing_site(tmp_path: Path, live_server: LiveServer) -> Iterator[str]:
    """Another site (``http://localhost:PORT``, another origin and another site than the
    platform's ``127.0.0.1``) whose page frames the dialogue."""
    root = tmp_path / "town-site"
    root.mkdir()
    (root / "index.html").write_text(
        '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Site de la ville'
        "</title></head><body><h1>Le site de la ville</h1>"
        f'<iframe src="{live_server.url}/embed/dialogues/{SLUG}" title="Budget 2027" '
        'width="100%" height="700"></iframe></body></html>',
        encoding="utf-8",
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{port}"
    server.shutdown()
    server.server_close()


async def _setup(
    live_server: LiveServer, world: World, database: Database, site: str, *, vote: bool = True
) -> None:
    async with database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        org.options = {**(org.options or {}), "embedding_sites": [site], "territory": TERRITORY}
        await session.commit()
    body = dialogue_body(vote={"type": "support", "settings": {"max_votes": 2}})
    async with httpx.AsyncClient(base_url=live_server.url, headers=world.admin.headers) as api:
        assert (await api.post("/api/v1/admin/dialogues", json=body)).status_code == 201
        created = await api.post(
            f"/api/v1/dialogues/{SLUG}/proposals",
            json={
                "title": "Un verger au parc",
                "body": "Des arbres fruitiers pour tout le monde.",
                "location": {"lat": 47.2186, "lng": -1.5541},
            },
        )
        assert created.status_code == 201, created.text
        if not vote:
            return
        phase = await api.post(f"/api/v1/admin/dialogues/{SLUG}/phase", json={"kind": "vote"})
        assert phase.status_code == 200, phase.text


@pytest.fixture
async def contexts(browser: Browser, tmp_path: Path) -> AsyncIterator[Any]:
    """Browser contexts that reach the platform and the framing site, and nothing else.

    Chromium blocks the cookies of framed sites by default (as Safari and Firefox's
    strict mode do): ``framed_cookies=True`` gives a profile of its own that accepts them,
    as a browser set so does."""
    made: list[BrowserContext] = []

    async def make(
        *,
        locale: str = "fr-FR",
        viewport: dict[str, int] | None = None,
        framed_cookies: bool = False,
    ) -> Any:
        size = viewport or {"width": 1280, "height": 900}
        if framed_cookies:
            profile = tmp_path / f"profile-{len(made)}"
            (profile / "Default").mkdir(parents=True)
            (profile / "Default" / "Preferences").write_text(
                json.dumps({"profile": {"cookie_controls_mode": 0}}), encoding="utf-8"
            )
            assert browser.browser_type is not None
            context = await browser.browser_type.launch_persistent_context(
                str(profile),
                executable_path=str(CHROMIUM),
                args=ARGS,
                locale=locale,
                viewport=size,
            )
        else:
            context = await browser.new_context(locale=locale, viewport=size)
        made.append(context)
        local = re.compile(r"^http://(127\.0\.0\.1|localhost):\d+/")

        async def refuse_elsewhere(route: Any) -> None:
            if local.match(route.request.url):
                await route.continue_()
            else:
                await route.abort()

        await context.route("**/*", refuse_elsewhere)
        return context

    yield make
    for context in made:
        await context.close()


def _tab(page: Page, live_server: LiveServer) -> Tab:
    page.set_default_timeout(15_000)
    tab = Tab(page, live_server.url)

    def on_console(message: Any) -> None:
        text = message.text
        expected = "net::ERR_FAILED" in text or text.startswith(
            "Failed to load resource: the server responded with a status of 4"
        )
        if message.type == "error" and not expected:
            tab.errors.append(text)

    page.on("console", on_console)
    return tab


async def test_sign_in_from_the_frame_then_vote_in_it(
    contexts: Any, live_server: LiveServer, world: World, database: Database, framing_site: str
) -> None:
    await _setup(live_server, world, database, framing_site)
    context = await contexts(framed_cookies=True)
    town = _tab(await context.new_page(), live_server)
    await town.page.goto(framing_site + "/index.html")
    frame = town.page.frame_locator("iframe")
    link = frame.get_by_role("link", name="Connectez-vous pour voter").first
    assert await link.get_attribute("target") == "_blank"
    assert await link.get_attribute("href") == f"/signin?next=/dialogues/{SLUG}"
    await screenshot(town, "embed-signed-out")

    # the sign-in opens in a window of its own, and comes back to the dialogue
    async with context.expect_page() as opened:
        await link.click()
    window = _tab(await opened.value, live_server)
    await window.page.wait_for_load_state()
    assert f"/signin?next=/dialogues/{SLUG}" in window.page.url
    await sign_in(window, database, "bob@example.org", f"/dialogues/{SLUG}")
    assert window.page.url == f"{live_server.url}/dialogues/{SLUG}"

    # back on the town's site, the frame shows the citizen signed in: they vote there
    await town.page.bring_to_front()
    cast = frame.locator("button[name=action][value=cast]").first
    await cast.wait_for()
    await cast.click()
    await frame.get_by_text("Vous soutenez cette proposition.").wait_for()
    assert "notice=vote_cast" in town.page.frames[1].url
    await screenshot(town, "embed-voted")

    # the embedded page itself, checked where axe-core can run on it
    await window.go(f"/embed/dialogues/{SLUG}")
    await check_accessibility(window, "embed")
    town.check_console()
    window.check_console()


async def test_embed_in_english_on_a_phone_and_its_code_in_the_back_office(
    contexts: Any, live_server: LiveServer, world: World, database: Database, framing_site: str
) -> None:
    await _setup(live_server, world, database, framing_site)
    context = await contexts(locale="en-GB", viewport=PHONE)
    tab = _tab(await context.new_page(), live_server)
    await tab.go(f"/embed/dialogues/{SLUG}")
    link = tab.page.get_by_role("link", name="Sign in to vote").first
    assert await link.get_attribute("target") == "_blank"
    await check_accessibility(tab, "embed")

    admin = _tab(await (await contexts()).new_page(), live_server)
    await sign_in(admin, database, "admin@ville.test", f"/admin/dialogues/{SLUG}/modules")
    code = await admin.page.locator("#embed-code").input_value()
    assert code.startswith('<iframe src="http')
    assert f'/embed/dialogues/{SLUG}" title="' in code
    assert framing_site in await admin.page.locator(".embed-sites").inner_text()
    await check_accessibility(admin, "dialogue modules")
    await screenshot(admin, "admin-embed-code")
    tab.check_console()
    admin.check_console()


async def test_the_maps_open_on_the_territory_and_a_place_outside_is_refused(
    contexts: Any, live_server: LiveServer, world: World, database: Database, framing_site: str
) -> None:
    await _setup(live_server, world, database, framing_site, vote=False)
    for locale, viewport, message in (
        ("fr-FR", None, "en dehors du territoire"),
        ("en-GB", PHONE, "outside the platform's territory"),
    ):
        tab = _tab(await (await contexts(locale=locale, viewport=viewport)).new_page(), live_server)
        await sign_in(tab, database, "alice@example.org", f"/dialogues/{SLUG}/proposals/new")
        picker = tab.page.locator("[data-location-picker]")
        assert await picker.get_attribute("data-center") == "47.2184,-1.5536"
        assert await picker.get_attribute("data-zoom") == "14"
        await picker.wait_for()  # shown by the script, on the town
        await tab.page.fill("#title", "Un kiosque à Paris")
        await tab.page.fill("#body", "Bien loin de la ville.")
        await tab.page.fill("#lat", "48.8566")
        await tab.page.fill("#lng", "2.3522")
        await tab.page.locator("button[name=action][value=publish]").click()
        await tab.page.wait_for_load_state()
        assert message in await tab.page.inner_text("main")
        await check_accessibility(tab, "proposal form with errors")
        tab.check_console()

    admin = _tab(await (await contexts()).new_page(), live_server)
    await sign_in(admin, database, "admin@ville.test", "/admin/organisation")
    assert await admin.page.locator("#field-options\\.territory\\.zoom").input_value() == "14"
    await admin.page.fill("#field-options\\.territory\\.north", "47.1")
    await admin.page.locator("main form button[type=submit]").last.click()
    await admin.page.wait_for_load_state()
    assert "La limite nord doit être au nord de la limite sud." in await admin.page.inner_text(
        "main"
    )
    await check_accessibility(admin, "organisation page with errors")
    admin.check_console()


async def test_a_browser_that_blocks_framed_cookies_votes_on_the_dialogue(
    contexts: Any, live_server: LiveServer, world: World, database: Database, framing_site: str
) -> None:
    await _setup(live_server, world, database, framing_site)
    context = await contexts()
    town = _tab(await context.new_page(), live_server)
    await town.page.goto(framing_site + "/index.html")
    link = town.page.frame_locator("iframe").get_by_role("link", name="Connectez-vous pour voter")
    async with context.expect_page() as opened:
        await link.first.click()
    window = _tab(await opened.value, live_server)
    await window.page.wait_for_load_state()
    await sign_in(window, database, "bob@example.org", f"/dialogues/{SLUG}")
    assert window.page.url == f"{live_server.url}/dialogues/{SLUG}"
    await window.go(f"/dialogues/{SLUG}/proposals")
    await window.page.locator("button[name=action][value=cast]").first.click()
    await window.page.get_by_text("Vous soutenez cette proposition.").first.wait_for()
    window.check_console()


async def test_a_citizen_without_a_name_chooses_one_when_publishing(
    contexts: Any, live_server: LiveServer, world: World, database: Database, framing_site: str
) -> None:
    await _setup(live_server, world, database, framing_site, vote=False)
    for locale, viewport, email, name, label in (
        ("fr-FR", None, "carole@example.org", "Carole", "Nom sous lequel publier"),
        ("en-GB", PHONE, "dan@example.org", "Dan", "Name to publish under"),
    ):
        tab = _tab(await (await contexts(locale=locale, viewport=viewport)).new_page(), live_server)
        await sign_in(tab, database, email, f"/dialogues/{SLUG}/proposals/new")
        await tab.page.get_by_label(label).wait_for()
        await check_accessibility(tab, "proposal form")
        await tab.page.fill("#title", "Un kiosque à livres")
        await tab.page.fill("#body", "Pour échanger des livres.")
        await tab.page.fill("#lat", "47.2190")
        await tab.page.fill("#lng", "-1.5540")
        await tab.page.get_by_label(label).fill(name)
        await screenshot(tab, f"publish-name-{locale[:2]}")
        await tab.page.locator("button[name=action][value=publish]").click()
        await tab.page.wait_for_url(re.compile(r"/proposals/\d+"))
        assert name in await tab.page.inner_text("main")
        tab.check_console()
