"""The organisation's back-office pages (groups, people, moderation, review, organisation,
outbox, signals, audit log, verification) read in English for an English reader: no
common French word in their main content, the world's own data kept neutral."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.models import Group, OutboxMessage
from participe.testing import vote_dialogue
from tests.conftest import World
from tests.web.front_helpers import text_of

Client = AsyncTestClient[Litestar]
ENGLISH = {"Accept-Language": "en"}
#: Words of the back office's French that no English page should show.
FRENCH_WORDS = (
    "Enregistrer",
    "démarche",
    "Démarches",
    "proposition",
    "propositions",
    "Ajouter",
    "Supprimer",
    "Modifier",
    "étape",
    "Réglages",
    "Aucun",
    "Aucune",
    "Groupes",
    "Comptes",
    "courriel",
    "Courriels",
    "Filtrer",
    "Statut",
    "Retirer",
    "Importer",
    "Nom",
    "Adresse",
)


def french_in_main(html: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """The :data:`FRENCH_WORDS` that the page's own content shows (not the menu),
    ``allowed`` texts (the world's own data) taken out first."""
    found = re.search(r'<div class="admin-main">.*?</main>', html, re.S)
    content = found.group(0) if found else html
    # The dialogue pages' frame (their breadcrumb and tabs) is not these pages' own.
    content = re.sub(r'<p class="breadcrumb"><a href="/admin/dialogues">.*?</p>', " ", content)
    content = re.sub(
        r'<nav aria-label="[^"]*">\s*<ul class="tabs">.*?</nav>', " ", content, flags=re.S
    )
    text = text_of(content)
    for part in allowed:
        text = text.replace(part, " ")
    return [word for word in FRENCH_WORDS if re.search(rf"(?<!\w){word}(?!\w)", text)]


def without_settings_fields(html: str) -> str:
    """``html`` without the organisation's settings fields (data protection, custom
    review statuses): their labels are the settings' own descriptions, drawn from core
    by the shared form macros, and are translated with those, not page by page."""
    return re.sub(
        r"<legend>Personal data and security</legend>.*?<button", "<button", html, flags=re.S
    )


async def test_the_organisation_pages_speak_english(client: Client, world: World) -> None:
    headers = {**world.admin.headers, **ENGLISH}
    setup = await vote_dialogue(
        client,
        world,
        {"type": "support", "settings": {}},
        slug="city-budget",
        proposals=["Shared garden"],
        title="City budget",
    )
    created = await client.post(
        "/api/v1/admin/groups", json={"name": "Jury"}, headers=world.admin.headers
    )
    assert created.status_code == 201, created.text
    await client.post("/api/v1/auth/email", json={"email": "bob@example.org"})
    async with world.database.session() as session:
        group_id = await session.scalar(select(Group.id).where(Group.name == "Jury"))
        message = (await session.scalars(select(OutboxMessage))).first()
    assert message is not None
    pages = [
        "/admin/audit",
        "/admin/groups",
        f"/admin/groups/{group_id}",
        "/admin/moderation",
        "/admin/organisation",
        "/admin/outbox",
        "/admin/people",
        f"/admin/people/{world.alice.user.id}/delete",
        f"/admin/dialogues/{setup.slug}/proposals",
        f"/admin/proposals/{setup.proposals[0]}",
        "/admin/signals",
        "/admin/verification",
    ]
    for path in pages:
        page = await client.get(path, headers=headers)
        assert page.status_code == 200, path
        found = french_in_main(
            without_settings_fields(page.text), ("Pour la ville.", "Ville de Test")
        )
        assert found == [], (path, found)
    shown = await client.get(f"/admin/outbox/{message.id}", headers=headers)
    assert shown.status_code == 200
    assert french_in_main(shown.text, (message.subject, message.text_body)) == []


async def test_french_stays_the_source_text(client: Client, world: World) -> None:
    page = await client.get("/admin/groups", headers=world.admin.headers)
    assert "Aucun groupe pour l'instant." in page.text
    english = await client.get("/admin/groups", headers={**world.admin.headers, **ENGLISH})
    assert "No group yet." in english.text
