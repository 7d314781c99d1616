"""What a town needs to go live, in a real browser: its legal, personal-data and
accessibility pages linked from every page, its home page introduction and blocks, a
dialogue's blocks that hide nothing, the vote chosen in one click (with and without
JavaScript), drafts found on the account page, live results linked from the dialogue and
the back office linked for staff. In French and in English, at 1280 and 375 pixels,
checked with axe-core."""

from __future__ import annotations

from typing import Any

import httpx

from core.db import Database
from tests.browser.conftest import NewTab, Tab, check_accessibility, screenshot, sign_in
from tests.conftest import LiveServer, World
from tests.helpers import dialogue_body, phases_now

SLUG = "budget-2027"
VOTE_SLUG = "vote-2027"
WIDTHS = (1280, 375)
LANGUAGES = {"fr": "fr-FR", "en": "en-GB"}
FOOTER = {
    "fr": ("Mentions légales", "Données personnelles", "Accessibilité : non conforme"),
    "en": ("Legal notice", "Personal data", "Accessibility: not compliant"),
}


async def _api(live_server: LiveServer, world: World, method: str, path: str, **body: Any) -> Any:
    async with httpx.AsyncClient(base_url=live_server.url, headers=world.admin.headers) as api:
        return await api.request(method, path, **body)


async def _text(tab: Tab) -> str:
    return " ".join((await tab.page.inner_text("main")).split())


async def _submit(tab: Tab, name: str) -> None:
    async with tab.page.expect_navigation():
        await tab.page.locator("main").get_by_role("button", name=name, exact=True).click()


async def _text_block(tab: Tab, blocks: str, name: str, title: str, markdown: str) -> None:
    """Adds a text block on the blocks page ``blocks`` (checked under ``name``)."""
    await tab.go(blocks)
    await check_accessibility(tab, name)
    await tab.page.select_option("#field-kind", "text")
    await _submit(tab, "Ajouter")
    await tab.page.fill("#field-settings\\.title", title)
    await tab.page.fill("#field-settings\\.markdown", markdown)
    await _submit(tab, "Enregistrer le bloc")


async def _each_size(tab: Tab, lang: str, path: str, name: str) -> None:
    """The page at both widths: the footer's three links, and no serious axe-core
    violation."""
    for width in WIDTHS:
        await tab.page.set_viewport_size({"width": width, "height": 900})
        await tab.go(path)
        footer = tab.page.locator("footer.site-footer")
        for label in FOOTER[lang]:
            link = footer.get_by_role("link", name=label)
            assert await link.count() == 1, (path, lang, label)
            assert await link.is_visible(), (path, lang, width, label)
        await check_accessibility(tab, name)
    await tab.page.set_viewport_size({"width": 1280, "height": 900})


async def test_the_town_publishes_its_pages_and_arranges_its_home(
    new_tab: NewTab, live_server: LiveServer, world: World, database: Database
) -> None:
    body = dialogue_body(description="## Le projet\n\nVos idées pour **2027**.")
    assert (
        await _api(live_server, world, "POST", "/api/v1/admin/dialogues", json=body)
    ).status_code == 201
    admin = await new_tab()
    page = admin.page
    await sign_in(admin, database, "admin@ville.test", "/admin")

    # The organisation's texts, saved in the back office.
    await admin.go("/admin/organisation")
    await page.fill("#field-text_home_intro", "Bienvenue sur la participation de **Test**.")
    await page.fill("#field-text_legal_notice", "Éditeur : la mairie de Test.")
    await page.fill("#field-text_privacy", "Responsable du traitement : la mairie de Test.")
    await page.fill("#field-text_accessibility", "Contact : accessibilite@ville.test")
    await _submit(admin, "Enregistrer")
    assert "Les modifications sont enregistrées." in await _text(admin)

    # The home page's blocks.
    await _text_block(
        admin,
        "/admin/organisation/blocks",
        "organisation blocks",
        "Réunion publique",
        "Le **12 janvier** à la salle des fêtes.",
    )
    await screenshot(admin, "admin-organisation-blocks")

    # A dialogue's text block keeps its description, call to action and steps.
    await _text_block(
        admin,
        f"/admin/dialogues/{SLUG}/blocks",
        "dialogue blocks",
        "Le mot de la maire",
        "Participez nombreux.",
    )

    # The vote chosen in the list is saved with one click.
    await admin.go(f"/admin/dialogues/{SLUG}/vote")
    assert "Cette démarche n'a pas de vote." in await _text(admin)
    await page.select_option("#field-type", "support")
    await _submit(admin, "Enregistrer le vote")
    text = await _text(admin)
    assert "Les modifications sont enregistrées." in text
    assert "Vote enregistré : Soutien" in text and "n'a pas de vote" not in text
    await check_accessibility(admin, "vote settings")
    await _submit(admin, "Enregistrer le vote")
    assert "Rien n'a changé" in await _text(admin)

    for lang, locale in LANGUAGES.items():
        tab = await new_tab(locale=locale)
        await _each_size(tab, lang, "/", "organisation home")
        text = await _text(tab)
        assert "Bienvenue sur la participation de Test." in text
        assert "Réunion publique" in text and "12 janvier" in text
        await screenshot(tab, f"home-intro-{lang}")
        await _each_size(tab, lang, "/legal", "legal notice")
        assert "Éditeur : la mairie de Test." in await _text(tab)
        await _each_size(tab, lang, "/privacy", "personal data")
        assert "Responsable du traitement" in await _text(tab)
        await _each_size(tab, lang, "/accessibility", "accessibility statement")
        text = await _text(tab)
        assert "Contact : accessibilite@ville.test" in text
        assert ("non conforme" if lang == "fr" else "not compliant") in text
        assert ("Pages vérifiées" if lang == "fr" else "Pages checked") in text
        await tab.page.set_viewport_size({"width": 375, "height": 900})
        await tab.go("/accessibility")
        await screenshot(tab, f"accessibility-375-{lang}")
        await tab.page.set_viewport_size({"width": 1280, "height": 900})
        await _each_size(tab, lang, f"/dialogues/{SLUG}", "dialogue home with blocks")
        text = await _text(tab)
        assert "Vos idées pour 2027." in text and "Le mot de la maire" in text
        cta = "Déposer une proposition" if lang == "fr" else "Submit a proposal"
        assert await tab.page.get_by_role("link", name=cta).count() == 1
        await screenshot(tab, f"dialogue-home-blocks-{lang}")
        tab.check_console()

    # Without JavaScript too, a type picked in the list is saved by the one button.
    bare = await new_tab(javascript=False)
    await sign_in(bare, database, "admin@ville.test", "/admin")
    await bare.go(f"/admin/dialogues/{SLUG}/vote")
    await bare.page.select_option("#field-type", "binary")
    await _submit(bare, "Enregistrer le vote")
    text = await _text(bare)
    assert "Les modifications sont enregistrées." in text
    assert "Vote enregistré : Pour ou contre" in text
    assert [e for e in admin.errors if "status of 422" not in e] == []


async def test_drafts_live_results_and_the_back_office_are_found(
    new_tab: NewTab, live_server: LiveServer, world: World, database: Database
) -> None:
    proposals = dialogue_body()
    live = dialogue_body(
        slug=VOTE_SLUG,
        title="Vote 2027",
        phases=phases_now("vote"),
        vote={"type": "support", "settings": {}},
        results_visibility="live",
    )
    for body in (proposals, live):
        created = await _api(live_server, world, "POST", "/api/v1/admin/dialogues", json=body)
        assert created.status_code == 201, created.text
    async with httpx.AsyncClient(base_url=live_server.url, headers=world.alice.headers) as api:
        draft = await api.post(
            f"/api/v1/dialogues/{SLUG}/proposals",
            json={"title": "Un jardin à finir", "body": "À compléter.", "draft": True},
        )
        assert draft.status_code == 201, draft.text
    draft_id = draft.json()["id"]

    for lang, locale in LANGUAGES.items():
        tab = await new_tab(locale=locale)
        await sign_in(tab, database, "alice@example.org", "/me")
        await _each_size(tab, lang, "/me", "account")
        await tab.page.get_by_role("link", name="Un jardin à finir").click()
        await tab.page.wait_for_load_state()
        assert tab.page.url.endswith(f"/proposals/{draft_id}/edit")
        await tab.go("/me")
        await screenshot(tab, f"account-drafts-{lang}")
        await _each_size(tab, lang, f"/dialogues/{VOTE_SLUG}", "dialogue home")
        assert await tab.page.get_by_role("link", name="Administration").count() == 0
        live_label = "Résultats en direct" if lang == "fr" else "Live results"
        await tab.page.get_by_role("link", name=live_label).click()
        await tab.page.wait_for_load_state()
        assert tab.page.url.endswith(f"/dialogues/{VOTE_SLUG}/results")
        tab.check_console()

    admin = await new_tab()
    await sign_in(admin, database, "admin@ville.test", f"/dialogues/{VOTE_SLUG}")
    for width in WIDTHS:
        await admin.page.set_viewport_size({"width": width, "height": 900})
        await admin.go(f"/dialogues/{VOTE_SLUG}")
        header = admin.page.locator("header.site-header")
        assert await header.get_by_role("link", name="Administration").is_visible()
        await check_accessibility(admin, "dialogue home")
    await screenshot(admin, "dialogue-home-staff-375")
    await admin.page.get_by_role("link", name="Administrer cette démarche").click()
    await admin.page.wait_for_load_state()
    assert admin.page.url.endswith(f"/admin/dialogues/{VOTE_SLUG}")
    await admin.go("/")
    await (
        admin.page.locator("header.site-header").get_by_role("link", name="Administration").click()
    )
    await admin.page.wait_for_load_state()
    assert admin.page.url.endswith("/admin")
    admin.check_console()
