"""An administrator runs a participatory budget from scratch in a real browser: branding,
the dialogue, its proposal form with a confidential field, a support vote with a budget
limit, phases; citizens propose and vote through the front; the staff reviews; the
results are published. Every back-office page is checked with axe-core."""

from __future__ import annotations

import re

from playwright.async_api import Dialog

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
from tests.web.front_helpers import image_bytes

SLUG = "budget-2027"


async def _text(tab: Tab) -> str:
    return " ".join((await tab.page.inner_text("main")).split())


def _accept_confirmations(tab: Tab) -> None:
    """The back office asks before destructive or sweeping actions: say yes."""

    async def accept(dialog: Dialog) -> None:
        await dialog.accept()

    tab.page.on("dialog", accept)


async def _submit(tab: Tab, name: str) -> None:
    await tab.page.locator("main").get_by_role("button", name=name, exact=True).click()
    await tab.page.wait_for_load_state()


async def _switch_phase(tab: Tab, kind: str) -> None:
    await tab.go(f"/admin/dialogues/{SLUG}/phases")
    await tab.page.select_option("#field-switch-kind", kind)
    await _submit(tab, "Ouvrir cette étape")
    assert "L'étape en cours est changée." in await _text(tab)


async def _propose(tab: Tab, title: str) -> int:
    await tab.go(f"/dialogues/{SLUG}/proposals/new")
    await tab.page.fill("#title", title)
    await tab.page.fill("#body", "Une proposition pour la ville.")
    await tab.page.fill("#field__quartier", "Centre")
    await tab.page.fill("#field__telephone", "06 12 34 56 78")
    await send_form(tab, tab.page.get_by_role("button", name="Publier ma proposition"))
    assert "Votre proposition est publiée." in await _text(tab)
    found = re.search(r"/proposals/(\d+)", tab.page.url)
    assert found is not None, tab.page.url
    return int(found.group(1))


async def test_an_administrator_runs_a_participatory_budget(
    new_tab: NewTab, live_server: LiveServer, world: World, database: Database
) -> None:
    admin = await new_tab()
    _accept_confirmations(admin)
    page = admin.page
    await sign_in(admin, database, "admin@ville.test", "/admin")
    assert page.url.endswith("/admin")
    await check_accessibility(admin, "back office home")

    # Branding: a colour too light is refused, a readable one is kept, with a logo.
    await admin.go("/admin/organisation")
    await check_accessibility(admin, "organisation page")
    await page.fill("#field-name", "Ville de Test")
    await page.fill("#field-primary_color", "#ffcc00")
    await _submit(admin, "Enregistrer")
    assert "Contraste insuffisant" in await _text(admin)
    await check_accessibility(admin, "organisation page with errors")
    await page.fill("#field-primary_color", "#6a1b4d")
    await page.set_input_files(
        "#field-logo",
        files=[
            {"name": "logo.png", "mimeType": "image/png", "buffer": image_bytes((120, 60), "PNG")}
        ],
    )
    await _submit(admin, "Enregistrer")
    text = await _text(admin)
    assert "Les modifications sont enregistrées." in text, text[:3000]
    assert await page.locator("header .brand-logo").count() == 1
    await screenshot(admin, "admin-organisation")

    # The dialogue.
    await admin.go("/admin/dialogues/new")
    await check_accessibility(admin, "new dialogue")
    await page.fill("#field-title", "Budget participatif 2027")
    await page.fill("#field-slug", SLUG)
    await page.select_option("#field-kind", "budget")
    await _submit(admin, "Créer la démarche")
    assert "La démarche est créée." in await _text(admin)
    await check_accessibility(admin, "dialogue settings")
    await page.fill("#field-budget_amount", "100000")
    await _submit(admin, "Enregistrer")
    assert "Les modifications sont enregistrées." in await _text(admin)
    await _submit(admin, "Publier")  # made as a draft, published for the citizens below
    assert "La démarche est publiée" in await _text(admin)

    # The proposal form, with a confidential field.
    await admin.go(f"/admin/dialogues/{SLUG}/form")
    await check_accessibility(admin, "form builder")
    await page.fill("#field-f0-label", "Quartier")
    await page.check("#field-f0-required")
    await page.fill("#field-f1-label", "Téléphone")
    await page.check("#field-f1-confidential")
    await _submit(admin, "Enregistrer le formulaire")
    assert "Les modifications sont enregistrées." in await _text(admin)
    await screenshot(admin, "admin-form-builder")

    # A support vote limited by the costs of the supported proposals.
    await admin.go(f"/admin/dialogues/{SLUG}/vote")
    await page.select_option("#field-type", "support")
    await _submit(admin, "Afficher ses réglages")
    await check_accessibility(admin, "vote settings")
    await page.locator('[id="field-settings.min_votes"]').fill("5")
    await page.locator('[id="field-settings.max_votes"]').fill("2")
    await _submit(admin, "Enregistrer le vote")
    assert await page.locator('[id="error-settings.min_votes"]').is_visible()
    await check_accessibility(admin, "vote settings with errors")
    await page.locator('[id="field-settings.min_votes"]').fill("0")
    await page.locator('[id="field-settings.max_votes"]').fill("")
    await page.locator('[id="field-settings.budget_limit"]').fill("60000")
    await _submit(admin, "Enregistrer le vote")
    assert "Les modifications sont enregistrées." in await _text(admin)
    await screenshot(admin, "admin-vote-settings")

    await admin.go(f"/admin/dialogues/{SLUG}/phases")
    await check_accessibility(admin, "phases")
    await _switch_phase(admin, "proposals")

    # Citizens propose through the front.
    alice = await new_tab()
    await sign_in(alice, database, "alice@example.org", f"/dialogues/{SLUG}")
    orchard = await _propose(alice, "Un verger partagé")
    benches = await _propose(alice, "Des bancs au marché")
    bob = await new_tab()
    await sign_in(bob, database, "bob@example.org", f"/dialogues/{SLUG}")
    cycle = await _propose(bob, "Une piste cyclable")
    await alice.go(f"/proposals/{cycle}")
    assert "06 12 34 56 78" not in await _text(alice)  # confidential: its author and staff

    # The staff reviews: the confidential field is there, costs and statuses are given.
    await _switch_phase(admin, "review")
    await admin.go(f"/admin/dialogues/{SLUG}/proposals")
    await check_accessibility(admin, "review list")
    await screenshot(admin, "admin-review-list")
    for proposal_id, cost, status in (
        (orchard, "40000", "accepted"),
        (benches, "30000", "accepted"),
        (cycle, "90000", "refused"),
    ):
        await admin.go(f"/admin/proposals/{proposal_id}")
        assert "06 12 34 56 78" in await _text(admin)
        await page.select_option("#field-status", status)
        await page.fill("#field-cost", cost)
        await page.fill("#field-status_reason", "Réponse de l'équipe.")
        await _submit(admin, "Enregistrer l'instruction")
        assert "La proposition est mise à jour." in await _text(admin)
    await check_accessibility(admin, "proposal review")
    await screenshot(admin, "admin-review")

    # Citizens vote within the budget limit.
    await _switch_phase(admin, "vote")
    await alice.go(f"/proposals/{orchard}")
    await (
        alice.page.locator("main")
        .get_by_role("button", name=re.compile("C'est une bonne idée"))
        .click()
    )
    await alice.page.wait_for_load_state()
    assert "Votre vote est enregistré." in await _text(alice)
    # The benches (30 000) no longer fit in what is left of her 60 000: no button, a word.
    await alice.go(f"/proposals/{benches}")
    box = alice.page.locator(f"#proposal-{benches}-vote")
    assert await box.get_by_role("button").count() == 0
    assert "dépasse ce qui reste dans votre panier" in await box.inner_text()
    await bob.go(f"/proposals/{benches}")
    await (
        bob.page.locator("main")
        .get_by_role("button", name=re.compile("C'est une bonne idée"))
        .click()
    )
    await bob.page.wait_for_load_state()
    assert "Votre vote est enregistré." in await _text(bob)

    # The vote ends; the results are published.
    await _switch_phase(admin, "results")
    results = await bob.go(f"/dialogues/{SLUG}/results")
    assert results.status == 200
    text = await _text(bob)
    assert "Un verger partagé" in text and "Des bancs au marché" in text
    assert "Une piste cyclable" not in text

    # The figures and the exports.
    await admin.go(f"/admin/dialogues/{SLUG}/participation")
    await check_accessibility(admin, "participation dashboard")
    await screenshot(admin, "admin-participation")
    await admin.go(f"/admin/dialogues/{SLUG}/exports")
    await check_accessibility(admin, "exports")
    await _submit(admin, "Préparer le lien de téléchargement")
    async with page.expect_download() as waiting:
        await page.get_by_role("link", name=re.compile("télécharger")).click()
    download = await waiting.value
    assert download.suggested_filename == f"{SLUG}-proposals.xlsx"

    for path, name in (
        ("/admin/groups", "groups"),
        ("/admin/people", "people"),
        ("/admin/moderation", "moderation"),
        ("/admin/outbox", "outbox"),
        (f"/admin/dialogues/{SLUG}/ballots", "ballots"),
        ("/admin/signals", "signals"),
        ("/admin/audit", "audit"),
    ):
        await admin.go(path)
        await check_accessibility(admin, name)
    for tab in (admin, alice, bob):
        # Forms sent back with their errors answer 422, which Chromium logs; anything else
        # (a script error, a breach of the CSP) is a fault.
        assert [e for e in tab.errors if "status of 422" not in e] == []
