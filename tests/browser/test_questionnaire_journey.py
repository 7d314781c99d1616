"""The questionnaire in a real browser: section by section, an error and its correction,
the confirmation and the results, every page checked with axe-core (which needs
JavaScript to run) and shown to carry no script of its own, so that it works without."""

from __future__ import annotations

import httpx

from core.db import Database
from plugins.questionnaire.demo import DEMO_QUESTIONNAIRE
from tests.browser.conftest import NewTab, Tab, check_accessibility, screenshot, sign_in
from tests.conftest import LiveServer, World
from tests.questionnaire_helpers import ADMIN_DIALOGUES, SLUG, dialogue_with

PAGE = f"/dialogues/{SLUG}/questionnaire"


async def _text(tab: Tab) -> str:
    return " ".join((await tab.page.inner_text("main")).split())


async def _check(tab: Tab, name: str) -> None:
    assert "<script" not in await tab.page.content(), name
    await check_accessibility(tab, name)


async def test_answering_a_questionnaire(
    new_tab: NewTab, live_server: LiveServer, world: World, database: Database
) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, headers=world.admin.headers) as api:
        created = await api.post(ADMIN_DIALOGUES, json=dialogue_with(DEMO_QUESTIONNAIRE))
        assert created.status_code == 201, created.text
    tab = await new_tab()
    page = tab.page
    await sign_in(tab, database, "dominique@example.org", PAGE)
    assert "Partie 1 sur 3" in await _text(tab)
    await _check(tab, "questionnaire, first section")
    await screenshot(tab, "questionnaire")

    # Skipping the required logo question: the summary links to the first choice.
    await page.get_by_role("button", name="Suivant").click()
    await page.wait_for_load_state()
    assert "Certaines réponses sont à corriger" in await _text(tab)
    await _check(tab, "questionnaire with an error")
    await page.get_by_role("link", name="Question 1 : réponse obligatoire").click()
    await page.get_by_label("La tour de l'horloge").check()
    await page.get_by_label("4").check()
    await page.get_by_role("button", name="Suivant").click()
    await page.wait_for_load_state()

    assert "Partie 2 sur 3" in await _text(tab)
    await page.get_by_label("Le site internet et les réseaux sociaux").check()
    await page.get_by_label("Autre", exact=True).check()
    await page.get_by_label("Précisez").fill("Les bus")
    for option, rank in (("La nature et la rivière", "2"), ("Le patrimoine", "1")):
        await page.get_by_label(option).select_option(rank)
    await _check(tab, "questionnaire, ranking")
    await page.get_by_role("button", name="Suivant").click()
    await page.wait_for_load_state()
    assert "classez" in (await _text(tab)).lower()
    for option, rank in (("Le dynamisme économique", "3"), ("La solidarité entre habitants", "4")):
        await page.get_by_label(option).select_option(rank)
    await page.get_by_role("button", name="Suivant").click()
    await page.wait_for_load_state()

    assert "Partie 3 sur 3" in await _text(tab)
    # The follow-up question appears only after a "yes", on the same page.
    assert "Répondez seulement si vous avez choisi « Oui »" in await _text(tab)
    await page.get_by_label("Oui", exact=True).check()
    await page.get_by_label("Qu'avez-vous retenu de cette réunion ?").fill("Les croquis.")
    await page.get_by_role("button", name="Envoyer mes réponses").click()
    await page.wait_for_load_state()
    assert "Merci, vos réponses sont enregistrées" in await _text(tab)
    await _check(tab, "questionnaire confirmation")

    await page.get_by_role("link", name="Voir les résultats").click()
    await page.wait_for_load_state()
    assert await page.locator("main svg[role=img]").count() == 5
    await _check(tab, "questionnaire results")
    await screenshot(tab, "questionnaire-results")
    tab.check_console()


async def test_staff_write_a_questionnaire_in_the_back_office(
    new_tab: NewTab, live_server: LiveServer, world: World, database: Database
) -> None:
    """From the Modules tab to a question citizens answer, at 1280 and 375 px."""
    body = dialogue_with(DEMO_QUESTIONNAIRE)
    del body["questionnaire"]
    async with httpx.AsyncClient(base_url=live_server.url, headers=world.admin.headers) as api:
        assert (await api.post(ADMIN_DIALOGUES, json=body)).status_code == 201
    tab = await new_tab()
    page = tab.page
    await sign_in(tab, database, "admin@ville.test", f"/admin/dialogues/{SLUG}/modules")
    await page.get_by_role("button", name="Activer : Questionnaire").click()
    await page.wait_for_load_state()
    await page.get_by_role("link", name="Questionnaire", exact=True).last.click()
    await page.wait_for_load_state()
    assert "Aucune question pour l'instant" in await _text(tab)

    await page.get_by_label("Type de question").select_option("single")
    await page.locator("#field-text").fill("Quel logo pour notre ville ?")
    await page.get_by_label("Les choix, un par ligne").fill("Le blason\nLa rivière\nL'arbre")
    await page.get_by_label("Réponse obligatoire").check()
    await page.get_by_role("button", name="Ajouter la question").click()
    await page.wait_for_load_state()
    await page.get_by_label("Type de question").select_option("scale")
    await page.locator("#field-text").fill("Aimez-vous le blason actuel ?")
    await page.get_by_label("Sous la plus petite note").fill("Pas du tout")
    await page.get_by_label("Sous la plus grande note").fill("Énormément")
    await page.get_by_label("Afficher seulement après la réponse").select_option(
        label="Question 1 : « Le blason »"
    )
    await page.get_by_role("button", name="Ajouter la question").click()
    await page.wait_for_load_state()
    text = await _text(tab)
    assert "Questions (2)" in text and "affichée selon la réponse à la question 1" in text
    await check_accessibility(tab, "back office: questionnaire")
    await screenshot(tab, "admin-questionnaire")

    # A question sent back with its error keeps what was typed.
    await page.locator("#field-text").fill("Une question sans choix")
    await page.get_by_role("button", name="Ajouter la question").click()
    await page.wait_for_load_state()
    assert "De 2 à 50 choix" in await _text(tab)
    assert await page.locator("#field-text").input_value() == ("Une question sans choix")
    await check_accessibility(tab, "back office: questionnaire with errors")

    await page.get_by_role("link", name="Modifier la question 1").click()
    await page.wait_for_load_state()
    await page.set_viewport_size({"width": 375, "height": 900})
    await check_accessibility(tab, "back office: one question")
    await screenshot(tab, "admin-questionnaire-question-375")
    await page.locator("#field-text").fill("Quel logo préférez-vous ?")
    await page.get_by_role("button", name="Enregistrer la question").click()
    await page.wait_for_load_state()
    assert "Quel logo préférez-vous ?" in await _text(tab)

    # Deleting asks once more, without JavaScript too (details and summary).
    await page.set_viewport_size({"width": 1280, "height": 900})
    await page.get_by_text("Supprimer…").nth(1).click()
    await page.get_by_role("button", name="Confirmer la suppression de la question 2").click()
    await page.wait_for_load_state()
    assert "Questions (1)" in await _text(tab)

    await tab.go(PAGE)
    await page.get_by_label("Le blason").check()
    assert "Quel logo préférez-vous ?" in await _text(tab)
