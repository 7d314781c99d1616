"""The follow-up of winning projects in a real browser: the projects' map and a
project's page, at 1280 and 375 pixels wide, in French and in English, checked with
axe-core; and without JavaScript, the list and the stage filter."""

from __future__ import annotations

from pathlib import Path

import httpx

from core.db import Database
from tests.browser.conftest import NewTab, Tab, check_accessibility, screenshot, sign_in
from tests.conftest import LiveServer, World
from tests.plugins.projects.test_projects_api import png
from tests.projects_helpers import ADMIN_PROJECTS, PAGE, TITLES, budget_with_results


async def _text(tab: Tab) -> str:
    return " ".join((await tab.page.inner_text("main")).split())


async def _followed(live_server: LiveServer, world: World) -> list[int]:
    async with httpx.AsyncClient(base_url=live_server.url, headers=world.admin.headers) as api:
        setup = await budget_with_results(api, world)
        first = f"{ADMIN_PROJECTS}/{setup.proposals[0]}"
        changed = await api.patch(first, json={"stage": "works", "progress": 45, "spent": 1_400})
        assert changed.status_code == 200, changed.text
        for day, text in (
            ("2026-10-05", "Le banc est **commandé** auprès de l'atelier municipal."),
            ("2026-11-20", "Pose du socle : les travaux avancent."),
        ):
            update = await api.post(f"{first}/updates", json={"text": text, "date": day})
            assert update.status_code == 201, update.text
        photo = await api.post(
            f"{first}/updates/{update.json()['id']}/images",
            files=[("file", ("socle.png", png(), "image/png"))],
        )
        assert photo.status_code == 201, photo.text
        await api.patch(
            f"{ADMIN_PROJECTS}/{setup.proposals[1]}", json={"stage": "done", "progress": 100}
        )
    return setup.proposals


async def test_the_projects_map_and_a_project_page(
    new_tab: NewTab, live_server: LiveServer, world: World, database: Database
) -> None:
    proposals = await _followed(live_server, world)
    for locale, words in (
        ("fr-FR", ("3 projets suivis", "Avancement : 45 %", "Actualités du projet")),
        ("en-GB", ("3 followed projects", "Progress: 45 %", "Project news")),
    ):
        tab = await new_tab(locale=locale)
        page = tab.page
        await tab.go(PAGE)
        await page.wait_for_selector("#proposals-map[data-ready]")
        # The fourth winner has no place: two markers.
        assert await page.get_attribute("#proposals-map", "data-ready") == "2"
        assert words[0] in await _text(tab)
        await check_accessibility(tab, "projects map")
        if locale == "fr-FR":
            await screenshot(tab, "projects-map")
        await page.set_viewport_size({"width": 375, "height": 800})
        await check_accessibility(tab, "projects map")
        await page.set_viewport_size({"width": 1280, "height": 900})

        await page.get_by_role("link", name=TITLES[0]).first.click()
        await page.wait_for_load_state()
        await page.wait_for_selector(".map-small.leaflet-container .leaflet-marker-icon")
        text = await _text(tab)
        assert words[1] in text and words[2] in text
        assert await page.locator(".update-photos img").count() == 1
        assert await page.locator("main strong", has_text="commandé").count() == 1
        await check_accessibility(tab, "project page")
        if locale == "fr-FR":
            await screenshot(tab, "project-page")
        await page.set_viewport_size({"width": 375, "height": 800})
        await check_accessibility(tab, "project page")
        tab.check_console()
    assert proposals


async def test_without_javascript_the_list_says_where_and_filters_by_stage(
    new_tab: NewTab, live_server: LiveServer, world: World
) -> None:
    await _followed(live_server, world)
    tab = await new_tab(javascript=False)
    page = tab.page
    await tab.go(f"/dialogues/{PAGE.split('/')[2]}")
    await page.get_by_role("link", name="Suivi des projets").click()
    await page.wait_for_load_state()
    assert await page.locator("#proposals-map").is_hidden()
    assert "Lieu : 48.85660, 2.35220" in await _text(tab)
    await page.get_by_label("Étape").select_option("done")
    await page.get_by_role("button", name="Filtrer").click()
    await page.wait_for_load_state()
    assert page.url.endswith("?stage=done")
    text = await _text(tab)
    assert "1 projet suivi" in text and TITLES[1] in text and TITLES[0] not in text
    tab.check_console()


async def test_staff_post_an_update_with_a_photo_in_the_back_office(
    new_tab: NewTab, live_server: LiveServer, world: World, database: Database, tmp_path: Path
) -> None:
    proposals = await _followed(live_server, world)
    tab = await new_tab()
    page = tab.page
    tab_path = f"/admin/dialogues/{PAGE.split('/')[2]}/projects"
    await sign_in(tab, database, "admin@ville.test", tab_path)
    assert "Projets suivis (3)" in await _text(tab)
    await check_accessibility(tab, "back office: projects")
    await page.get_by_role("link", name=TITLES[3]).click()
    await page.wait_for_load_state()
    await page.get_by_label("Étape", exact=True).select_option("works")
    await page.get_by_label("Avancement (en %)").fill("30")
    await page.get_by_role("button", name="Enregistrer").click()
    await page.wait_for_load_state()
    assert "Les modifications sont enregistrées." in await _text(tab)
    photo = tmp_path / "composteur.png"
    photo.write_bytes(png())
    await page.locator("#field-text").fill("Le composteur est **livré**.")
    await page.get_by_label("Photos (facultatif)").set_input_files(str(photo))
    await page.get_by_role("button", name="Publier l'actualité").click()
    await page.wait_for_load_state()
    assert "Actualités publiées (1)" in await _text(tab)
    await check_accessibility(tab, "back office: one project")
    await tab.go(f"{PAGE}/{proposals[3]}")
    text = await _text(tab)
    assert "Avancement : 30 %" in text and "Le composteur est livré." in text
    assert await page.locator(".update-photos img").count() == 1
    tab.check_console()
