"""The staff prepare a dialogue as a draft, preview it and publish it, in a real browser:
the draft answers 404 to a visitor, the staff's preview of its pages carries a banner
leading to its publication (in French and in English, at 1280 and 375 pixels, checked
with axe-core), and once published it is on the site at once, banner gone."""

from __future__ import annotations

from core.db import Database
from tests.browser.conftest import NewTab, Tab, check_accessibility, screenshot, sign_in
from tests.conftest import LiveServer, World

SLUG = "budget-2028"
TITLE = "Budget participatif 2028"
WIDTHS = (1280, 375)
LANGUAGES = {"fr": "fr-FR", "en": "en-GB"}
BANNER = {
    "fr": ("Aperçu : cette démarche n'est pas publiée", "Publier la démarche"),
    "en": ("Preview: this dialogue is not published", "Publish the dialogue"),
}


async def _text(tab: Tab) -> str:
    return " ".join((await tab.page.inner_text("main")).split())


async def _submit(tab: Tab, name: str) -> None:
    async with tab.page.expect_navigation():
        await tab.page.locator("main").get_by_role("button", name=name, exact=True).click()


async def test_staff_create_preview_and_publish_a_draft(
    new_tab: NewTab, live_server: LiveServer, world: World, database: Database
) -> None:
    admin = await new_tab()
    await sign_in(admin, database, "admin@ville.test", "/admin")
    await admin.go("/admin/dialogues/new")
    await admin.page.fill("#field-title", TITLE)
    await admin.page.fill("#field-slug", SLUG)
    await admin.page.select_option("#field-kind", "ideas")
    await _submit(admin, "Créer la démarche")
    text = await _text(admin)
    assert "La démarche est créée." in text and "Brouillon" in text
    await check_accessibility(admin, "dialogue settings")
    await screenshot(admin, "admin-dialogue-draft")
    await admin.go("/admin/dialogues")
    assert "Brouillon" in await _text(admin)

    visitor = await new_tab(locale="en-GB")
    assert (await visitor.go(f"/dialogues/{SLUG}")).status == 404
    await visitor.go("/")
    assert TITLE not in await _text(visitor)

    for lang, locale in LANGUAGES.items():
        staff = admin if lang == "fr" else await new_tab(locale=locale)
        if staff is not admin:
            await sign_in(staff, database, "admin@ville.test", "/")
        notice, link = BANNER[lang]
        for width in WIDTHS:
            await staff.page.set_viewport_size({"width": width, "height": 900})
            response = await staff.go(f"/dialogues/{SLUG}")
            assert response.status == 200 and response.headers["cache-control"] == "no-store"
            banner = staff.page.locator(".draft-preview")
            assert await banner.is_visible(), (lang, width)
            assert notice in await banner.inner_text()
            assert await banner.get_by_role("link", name=link).is_visible()
            await check_accessibility(staff, "dialogue preview")
            await screenshot(staff, f"dialogue-preview-{width}-{lang}")
        await staff.page.set_viewport_size({"width": 1280, "height": 900})
        staff.check_console()

    # The banner's link leads to the publication, in the back office.
    await admin.go(f"/dialogues/{SLUG}")
    async with admin.page.expect_navigation():
        await admin.page.get_by_role("link", name="Publier la démarche").click()
    assert admin.page.url.endswith(f"/admin/dialogues/{SLUG}#publication")
    await _submit(admin, "Publier")
    text = await _text(admin)
    assert "La démarche est publiée" in text and "Repasser en brouillon" in text
    await check_accessibility(admin, "dialogue settings")

    # At once on the site, for everyone, and no preview any more.
    assert (await visitor.go(f"/dialogues/{SLUG}")).status == 200
    assert await visitor.page.locator(".draft-preview").count() == 0
    await visitor.go("/")
    assert TITLE in await _text(visitor)
    await admin.go(f"/dialogues/{SLUG}")
    assert await admin.page.locator(".draft-preview").count() == 0
    admin.check_console()
    visitor.check_console()
