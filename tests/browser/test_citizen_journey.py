"""The citizen journey in a real browser, with JavaScript and without, in French and in
English, checked with axe-core on every page type."""

from __future__ import annotations

import re
from typing import Any

import httpx

from core.db import Database
from tests.browser.conftest import (
    NewTab,
    Tab,
    check_accessibility,
    screenshot,
    send_form,
    sign_in,
)
from tests.conftest import LiveServer, World
from tests.helpers import dialogue_body
from tests.web.front_helpers import FORM, SECTORS, THEMES, image_bytes

SLUG = "budget-2027"


async def _setup(live_server: LiveServer, world: World, **vote: Any) -> None:
    body = dialogue_body(
        form=FORM[:3],
        themes=THEMES,
        sectors=SECTORS,
        comments={"mode": "qualified"},
        vote={"type": "support", "settings": {"max_votes": 2, **vote}},
        description="## Le projet\n\nVos idées pour **2027** : pistes, jardins, bancs.",
    )
    async with httpx.AsyncClient(base_url=live_server.url, headers=world.admin.headers) as api:
        assert (await api.post("/api/v1/admin/dialogues", json=body)).status_code == 201
        for title, theme, place in (
            ("Un verger au parc", "nature", {"lat": 47.2186, "lng": -1.5541}),
            ("Des bancs place Royale", "mobilite", {"lat": 47.2131, "lng": -1.5604}),
            ("Une ludothèque", "nature", None),
        ):
            created = await api.post(
                f"/api/v1/dialogues/{SLUG}/proposals",
                json={
                    "title": title,
                    "body": "Une proposition de la ville.",
                    "theme": theme,
                    "sector": "nord",
                    "location": place,
                    "fields": {"quartier": "Centre"},
                },
            )
            assert created.status_code == 201, created.text


async def _phase(live_server: LiveServer, world: World, kind: str) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, headers=world.admin.headers) as api:
        response = await api.post(f"/api/v1/admin/dialogues/{SLUG}/phase", json={"kind": kind})
        assert response.status_code == 200, response.text


async def _text(tab: Tab) -> str:
    return " ".join((await tab.page.inner_text("main")).split())


async def test_journey_with_javascript(
    new_tab: NewTab, live_server: LiveServer, world: World, database: Database
) -> None:
    await _setup(live_server, world)
    tab = await new_tab()
    page = tab.page

    await tab.go("/")
    await check_accessibility(tab, "organisation home")
    await screenshot(tab, "home")
    await tab.go("/signin")
    await check_accessibility(tab, "sign-in")
    await sign_in(tab, database, "camille@example.org", f"/dialogues/{SLUG}")
    assert page.url.endswith(f"/dialogues/{SLUG}")
    assert "Le dépôt des propositions est ouvert" in await _text(tab)
    await check_accessibility(tab, "dialogue home")
    await screenshot(tab, "dialogue-home")

    # submit a proposal with a place picked on the map and an image
    await page.locator("main").get_by_role("link", name="Déposer une proposition").click()
    await page.wait_for_selector(".map-picker.leaflet-container")
    await check_accessibility(tab, "proposal form")
    await page.get_by_role("button", name="Publier ma proposition").click()
    await page.wait_for_selector("#form-errors")
    await check_accessibility(tab, "proposal form with errors")
    await page.fill("#title", "Un jardin partagé rue Kervégan")
    await page.fill("#body", "Des bacs de culture et un composteur, ouverts à tous.")
    await page.select_option("#theme", "nature")
    await page.select_option("#sector", "sud")
    await page.locator("[data-location-picker]").click(position={"x": 320, "y": 140})
    assert re.fullmatch(r"-?\d+\.\d{6}", await page.input_value("#lat"))
    await page.set_input_files(
        "#image",
        files=[{"name": "jardin.jpg", "mimeType": "image/jpeg", "buffer": image_bytes()}],
    )
    await page.fill("#field__quartier", "Bouffay")
    await page.fill("#field__cp", "44000")
    await screenshot(tab, "proposal-form")
    await page.get_by_role("button", name="Publier ma proposition").click()
    await page.wait_for_selector(".proposal-image")
    assert "Votre proposition est publiée." in await _text(tab)
    await page.wait_for_selector(".map-small.leaflet-container .leaflet-marker-icon")
    proposal_url = page.url.split("?")[0]

    # comment, for or against
    await page.get_by_label("Pour", exact=True).check()
    await page.fill("#comment-body", "Le quartier en a besoin.")
    await page.get_by_role("button", name="Publier mon commentaire").click()
    await page.wait_for_load_state()
    assert "Votre commentaire est publié." in await _text(tab)
    assert "Arguments pour (1)" in await _text(tab)
    await check_accessibility(tab, "proposal page")
    await screenshot(tab, "proposal")

    # browse: grid, list with filters, map
    await tab.go(f"/dialogues/{SLUG}/proposals")
    assert await page.locator(".proposal-grid .proposal-card").count() == 4
    await check_accessibility(tab, "proposals grid")
    await screenshot(tab, "proposals-grid")
    await page.get_by_role("link", name="Liste").click()
    await page.select_option("#filter-theme", "nature")
    await page.get_by_role("button", name="Filtrer").click()
    await page.wait_for_load_state()
    assert "view=list" in page.url and "theme=nature" in page.url
    assert await page.locator(".proposal-list .proposal-card").count() == 3
    await check_accessibility(tab, "proposals list")
    await page.get_by_role("link", name="Carte").click()
    await page.wait_for_selector("#proposals-map[data-ready]")
    assert await page.get_attribute("#proposals-map", "data-ready") == "2"
    assert "theme=nature" in page.url
    await check_accessibility(tab, "proposals map")
    await screenshot(tab, "proposals-map")

    # vote within the rules, a refusal beyond them, withdraw from the ballot box
    await _phase(live_server, world, "vote")
    await tab.go(f"/dialogues/{SLUG}/proposals?view=list")
    assert "2 votes restants" in await _text(tab)
    buttons = page.locator("main").get_by_role("button", name=re.compile("C'est une bonne idée"))
    await buttons.nth(0).click()
    await page.wait_for_load_state()
    assert "Votre vote est enregistré." in await _text(tab)
    await buttons.nth(1).click()
    await page.wait_for_load_state()
    assert "0 vote restant" in await _text(tab)
    # At the maximum, the other proposals say so instead of offering a support.
    assert await buttons.count() == 0
    assert "Vous avez utilisé tous vos soutiens" in await _text(tab)
    await check_accessibility(tab, "proposals with votes")
    await screenshot(tab, "voting")
    await tab.go("/me/ballots")
    assert (await page.locator(".ballot-votes li").count()) == 2
    await check_accessibility(tab, "ballot box")
    await screenshot(tab, "ballot-box")
    await page.locator(".ballot-votes").get_by_role("button").first.click()
    await page.wait_for_load_state()
    assert "Votre vote est retiré." in await _text(tab)
    assert (await page.locator(".ballot-votes li").count()) == 1

    # results
    await _phase(live_server, world, "results")
    results = await tab.go(f"/dialogues/{SLUG}/results")
    assert results.status == 200
    await check_accessibility(tab, "results")
    await screenshot(tab, "results")

    # the embeddable page
    await tab.go(f"/embed/dialogues/{SLUG}")
    await check_accessibility(tab, "embed")

    # English
    await tab.go(proposal_url.removeprefix(live_server.url))
    await page.locator(".language-switch").get_by_role("link", name="English").click()
    await page.wait_for_load_state()
    assert await page.get_attribute("html", "lang") == "en"
    assert "Arguments for (1)" in await _text(tab)
    await check_accessibility(tab, "proposal page in English")
    await tab.go(f"/dialogues/{SLUG}/proposals")
    assert "Filter the proposals" in await _text(tab)
    await screenshot(tab, "proposals-grid-en")
    tab.check_console()


async def test_journey_without_javascript(
    new_tab: NewTab, live_server: LiveServer, world: World, database: Database
) -> None:
    await _setup(live_server, world)
    tab = await new_tab(javascript=False)
    page = tab.page
    await sign_in(tab, database, "dominique@example.org", f"/dialogues/{SLUG}/proposals/new")

    # the form, with a mistake first: the message and what was typed come back
    assert await page.locator("[data-location-picker]").is_hidden()
    await page.fill("#title", "Un kiosque à livres")
    await page.fill("#lat", "47,21")
    await page.get_by_role("button", name="Publier ma proposition").click()
    await page.wait_for_load_state()
    text = await _text(tab)
    assert "Le formulaire contient 3 erreurs" in text
    assert await page.input_value("#title") == "Un kiosque à livres"
    await screenshot(tab, "proposal-form-errors")  # axe needs JavaScript: see the other test
    await page.fill("#body", "Une boîte à livres couverte.")
    await page.fill("#lng", "-1,55")
    await page.fill("#field__quartier", "Chantenay")
    await page.set_input_files(
        "#image",
        files=[
            {"name": "k.png", "mimeType": "image/png", "buffer": image_bytes((800, 600), "PNG")}
        ],
    )
    # without JavaScript, the waiting page carries the form (and its photo) back
    assert await send_form(tab, page.get_by_role("button", name="Publier ma proposition"))
    assert "Votre proposition est publiée." in await _text(tab)
    assert await page.locator(".proposal-image").count() == 1
    assert "Latitude 47.21000, longitude -1.55000" in await _text(tab)

    # comment, then reply
    await page.get_by_label("Contre", exact=True).first.check()
    await page.fill("#comment-body", "Il y en a déjà une au marché.")
    await page.get_by_role("button", name="Publier mon commentaire").click()
    await page.wait_for_load_state()
    assert "Arguments contre (1)" in await _text(tab)
    await page.locator("details summary", has_text="Répondre").first.click()
    reply = page.locator("form[id^=reply-]").first
    await reply.get_by_label("Pour", exact=True).check()
    await reply.locator("textarea").fill("Celle-ci serait couverte.")
    await reply.get_by_role("button", name="Répondre").click()
    await page.wait_for_load_state()
    assert await page.locator(".comment-replies .comment").count() == 1

    # browse with filters through the plain form; the map view is a list
    await tab.go(f"/dialogues/{SLUG}/proposals")
    await page.fill("#filter-q", "verger")
    await page.get_by_role("button", name="Filtrer").click()
    await page.wait_for_load_state()
    assert "q=verger" in page.url
    assert await page.locator(".proposal-card").count() == 1
    await page.get_by_role("link", name="Carte").click()
    await page.wait_for_load_state()
    assert await page.locator("#proposals-map").is_hidden()
    assert "Un verger au parc" in await _text(tab)

    # vote and withdraw with plain forms
    await _phase(live_server, world, "vote")
    await tab.go(f"/dialogues/{SLUG}/proposals?view=list")
    await (
        page.locator("main")
        .get_by_role("button", name=re.compile("C'est une bonne idée"))
        .first.click()
    )
    await page.wait_for_load_state()
    assert "Votre vote est enregistré." in await _text(tab)
    await tab.go("/me/ballots")
    await page.locator(".ballot-votes").get_by_role("button").first.click()
    await page.wait_for_load_state()
    assert "Votre vote est retiré." in await _text(tab)
    tab.check_console()


async def test_keyboard_only_voting(
    new_tab: NewTab, live_server: LiveServer, world: World, database: Database
) -> None:
    await _setup(live_server, world)
    await _phase(live_server, world, "vote")
    tab = await new_tab()
    page = tab.page
    await sign_in(tab, database, "eugene@example.org", f"/dialogues/{SLUG}/proposals")
    # The second skip link leads past the header and the filters to the proposals.
    for _ in range(2):
        await page.keyboard.press("Tab")
    focused = await page.evaluate(
        "() => [document.activeElement.tagName, document.activeElement.textContent]"
    )
    assert focused == ["A", "Aller aux propositions"]
    await page.keyboard.press("Enter")
    for _ in range(4):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(
            "() => [document.activeElement.tagName, document.activeElement.textContent]"
        )
        if focused[0] == "BUTTON" and "bonne idée" in focused[1]:
            break
    else:
        raise AssertionError(f"no vote button within 4 Tab presses of the proposals: {focused}")
    outline = await page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focus is visible
    await page.keyboard.press("Enter")
    await page.wait_for_load_state()
    assert "Votre vote est enregistré." in await _text(tab)
    tab.check_console()
