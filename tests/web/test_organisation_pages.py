"""The organisation's own pages (legal notice, personal data, accessibility statement),
linked from the footer of every page, its home introduction and its home page blocks."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.models import Organisation
from tests.conftest import World
from tests.helpers import create_dialogue
from tests.web.admin.test_admin_organisation import NO_FILE, form
from web.accessibility_checks import CHECKS

Client = AsyncTestClient[Litestar]
ENGLISH = {"Accept-Language": "en"}


async def _save(client: Client, world: World, **changes: Any) -> Any:
    return await client.post(
        "/admin/organisation",
        data=form(**changes),
        files=NO_FILE,
        headers=world.admin.headers,
        follow_redirects=False,
    )


def _footer(html: str) -> str:
    return html[html.index('<footer class="site-footer"') :]


async def test_the_texts_saved_in_the_back_office_are_published(
    client: Client, world: World
) -> None:
    saved = await _save(
        client,
        world,
        text_home_intro="Bienvenue sur **la participation** de la ville.",
        text_legal_notice="Éditeur : la **mairie**.",
        text_privacy="Responsable du traitement : le *maire*.",
        text_accessibility="Contact : accessibilite@ville-test.fr",
    )
    assert saved.status_code == 303, saved.text
    home = (await client.get("/")).text
    assert "Bienvenue sur <strong>la participation</strong> de la ville." in home
    legal = await client.get("/legal")
    assert legal.status_code == 200
    assert "<h1>Mentions légales</h1>" in legal.text
    assert "Éditeur : la <strong>mairie</strong>." in legal.text
    privacy = (await client.get("/privacy")).text
    assert "<h1>Données personnelles</h1>" in privacy
    assert "Responsable du traitement : le <em>maire</em>." in privacy
    assert "un compte sans connexion depuis 24 mois est supprimé" in privacy
    statement = (await client.get("/accessibility")).text
    assert "<h1>Accessibilité</h1>" in statement
    assert "Contact : accessibilite@ville-test.fr" in statement
    english = (await client.get("/legal", headers=ENGLISH)).text
    assert "<h1>Legal notice</h1>" in english
    assert "<h1>Personal data</h1>" in (await client.get("/privacy", headers=ENGLISH)).text
    assert "<h1>Accessibility</h1>" in (await client.get("/accessibility", headers=ENGLISH)).text


async def test_every_page_links_the_three_pages_from_its_footer(
    client: Client, world: World
) -> None:
    await create_dialogue(client, world.admin.headers)
    for path, headers in (
        ("/", {}),
        ("/dialogues/budget-2027", {}),
        ("/dialogues/budget-2027/proposals", {}),
        ("/signin", {}),
        ("/legal", {}),
        ("/me", world.alice.headers),
        ("/admin", world.admin.headers),
    ):
        footer = _footer((await client.get(path, headers=headers)).text)
        for link in ('href="/legal"', 'href="/privacy"', 'href="/accessibility"'):
            assert link in footer, (path, link)
        assert "Accessibilité : non conforme" in footer, path
    embed = (await client.get("/embed/dialogues/budget-2027")).text
    assert 'href="/legal"' in embed and 'href="/accessibility"' in embed
    english = _footer((await client.get("/", headers=ENGLISH)).text)
    assert ">Legal notice</a>" in english and ">Personal data</a>" in english
    assert "Accessibility: not compliant" in english


async def test_pages_without_texts_say_so(client: Client, world: World) -> None:
    legal = (await client.get("/legal")).text
    assert "n&#39;a pas encore publié ses mentions légales" in legal or (
        "n'a pas encore publié ses mentions légales" in legal
    )
    statement = (await client.get("/accessibility")).text
    assert "Ce site est non conforme" in statement
    assert "Aucun audit complet de conformité n" in statement


async def test_the_statement_lists_what_the_automated_tests_check(
    client: Client, world: World
) -> None:
    """The generated part comes from the data file the browser tests use."""
    french = (await client.get("/accessibility")).text
    english = (await client.get("/accessibility", headers=ENGLISH)).text
    for page in CHECKS.pages:
        assert f"<li>{page.label.fr}</li>".replace("'", "&#39;") in french or (
            f"<li>{page.label.fr}</li>" in french
        ), page.id
        assert f"<li>{page.label.en}</li>".replace("'", "&#39;") in english or (
            f"<li>{page.label.en}</li>" in english
        ), page.id
    for tag in CHECKS.tags:
        assert f"<code>{tag}</code>" in french
    assert "axe-core" in french and "grave, critique." in french


async def test_the_conformity_declared_needs_the_audit_behind_it(
    client: Client, world: World
) -> None:
    no_audit = await _save(client, world, **{"options.accessibility.conformity": "partial"})
    assert no_audit.status_code == 422
    assert 'id="error-options.accessibility.audit_date"' in no_audit.text
    too_low = await _save(
        client,
        world,
        **{
            "options.accessibility.conformity": "total",
            "options.accessibility.audit_date": "2026-10-15",
            "options.accessibility.rate": "78",
        },
    )
    assert too_low.status_code == 422
    assert 'id="error-options.accessibility.rate"' in too_low.text
    saved = await _save(
        client,
        world,
        **{
            "options.accessibility.conformity": "partial",
            "options.accessibility.audit_date": "2026-10-15",
            "options.accessibility.audited_by": "Cabinet Accès",
            "options.accessibility.rate": "78",
        },
    )
    assert saved.status_code == 303, saved.text
    statement = (await client.get("/accessibility")).text
    assert "Ce site est partiellement conforme" in statement
    assert "15 octobre 2026" in statement and "78 %" in statement
    assert "Cabinet Accès" in statement
    assert "Accessibilité : partiellement conforme" in _footer((await client.get("/")).text)


async def test_the_organisation_arranges_its_home_page_with_blocks(
    client: Client, world: World
) -> None:
    base = "/admin/organisation/blocks"
    page = await client.get(base, headers=world.admin.headers)
    assert page.status_code == 200 and "Page d&#39;accueil du site" in page.text
    added = await client.post(
        base, data={"kind": "text"}, headers=world.admin.headers, follow_redirects=False
    )
    assert added.status_code == 303
    found = re.match(rf"{base}/(\d+)\?", added.headers["location"])
    assert found is not None, added.headers["location"]
    saved = await client.post(
        f"{base}/{found.group(1)}",
        data={"settings.title": "Réunion publique", "settings.markdown": "Le **12 mars**."},
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    home = (await client.get("/")).text
    assert "Réunion publique" in home and "<strong>12 mars</strong>" in home
    assert (await client.get(base, headers=world.alice.headers)).status_code in (401, 403)

    # Withheld from the organisation, the module takes its page and its blocks away.
    async with world.database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        org.module_grants = {"page_blocks": False}
        await session.commit()
    assert (await client.get(base, headers=world.admin.headers)).status_code == 404
    assert "Réunion publique" not in (await client.get("/")).text


def test_every_page_the_statement_lists_is_checked_by_a_browser_test() -> None:
    """The statement says no more than the tests do: each page type of the data file is
    named by a browser test's axe-core check (the checks refuse names it lacks)."""
    from pathlib import Path

    sources = "".join(
        path.read_text(encoding="utf-8")
        for path in (Path(__file__).parents[1] / "browser").glob("test_*.py")
    )
    unchecked = [page.id for page in CHECKS.pages if f'"{page.id}"' not in sources]
    assert unchecked == []
