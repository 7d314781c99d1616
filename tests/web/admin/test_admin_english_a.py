"""The back office's frame and dialogue pages read in English for an English reader: no
common French word of their texts is left in the page's main content."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from participe.testing import put_vote, vote_dialogue
from tests.conftest import World
from tests.helpers import create_dialogue
from tests.web.front_helpers import text_of

Client = AsyncTestClient[Litestar]
BASE = "/admin/dialogues/city-budget"
ENGLISH = {"Accept-Language": "en"}
#: Words of the French back office that an English page must not show.
FRENCH_WORDS = (
    "Enregistrer",
    "démarche",
    "Démarche",
    "proposition",
    "Ajouter",
    "Supprimer",
    "Modifier",
    "étape",
    "Étape",
    "Réglages",
    "Aucun",
    "Brouillon",
    "bulletin",
    "obligatoire",
    "Tableau de bord",
)
PAGES = (
    "/admin",
    "/admin/dialogues",
    "/admin/dialogues/new",
    BASE,
    f"{BASE}/phases",
    f"{BASE}/vote",
    f"{BASE}/form",
    f"{BASE}/blocks",
    f"{BASE}/agenda",
    f"{BASE}/exports",
    f"{BASE}/participation",
    f"{BASE}/ballots",
)


def main_text(html: str) -> str:
    """The visible text of the page's ``<main>``."""
    found = re.search(r"<main\b.*?</main>", html, re.S)
    assert found, "the page has no <main>"
    return text_of(found.group(0))


async def _english_world(client: Client, world: World) -> None:
    await create_dialogue(
        client,
        world.admin.headers,
        slug="city-budget",
        title="City budget",
        kind="budget",
        description="Ideas for the town.",
    )


@pytest.mark.parametrize("path", PAGES)
async def test_the_page_reads_in_english(client: Client, world: World, path: str) -> None:
    await _english_world(client, world)
    page = await client.get(path, headers={**world.admin.headers, **ENGLISH})
    assert page.status_code == 200, page.text
    text = main_text(page.text)
    assert not [word for word in FRENCH_WORDS if word in text], text


async def test_the_modules_tab_speaks_english_around_the_modules(
    client: Client, world: World
) -> None:
    """The tab's own texts and the core's modules; the plugins' modules and the modules'
    settings forms speak their own catalogues."""
    await _english_world(client, world)
    page = await client.get(f"{BASE}/modules", headers={**world.admin.headers, **ENGLISH})
    assert page.status_code == 200, page.text
    text = main_text(page.text)
    assert "turn on those this dialogue needs" in text and "Turn off" in text
    assert "Sharing" in text and "Only verified people vote" in text
    for word in ("Désactiver", "Activer", "Activé", "Enregistrer", "Code à intégrer", "Partage"):
        assert word not in text


async def test_a_block_reads_in_english(client: Client, world: World) -> None:
    await _english_world(client, world)
    added = await client.post(
        f"{BASE}/blocks",
        data={"kind": "text"},
        headers={**world.admin.headers, **ENGLISH},
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text
    page = await client.get(added.headers["location"], headers={**world.admin.headers, **ENGLISH})
    assert page.status_code == 200, page.text
    text = main_text(page.text)
    assert "Save the block" in text
    assert not [word for word in FRENCH_WORDS if word in text], text


async def test_the_french_back_office_stays_french(client: Client, world: World) -> None:
    await _english_world(client, world)
    page = await client.get(f"{BASE}/phases", headers=world.admin.headers)
    assert "Enregistrer les étapes" in page.text
    assert "<title>Étapes · City budget · Administration" in page.text
    english = await client.get(f"{BASE}/phases", headers={**world.admin.headers, **ENGLISH})
    assert "<title>Steps · City budget · Administration" in english.text


async def test_a_refused_form_says_why_in_english(client: Client, world: World) -> None:
    refused = await client.post(
        "/admin/dialogues/new",
        data={"title": "", "slug": "town-plan", "kind": ""},
        headers={**world.admin.headers, **ENGLISH},
    )
    assert refused.status_code == 422, refused.text
    text = main_text(refused.text)
    assert "The form has errors:" in text and "Give the dialogue a title." in text
    assert "Choose a dialogue type." in text
    assert not [word for word in FRENCH_WORDS if word in text], text


async def test_the_charts_describe_their_figures_in_english(client: Client, world: World) -> None:
    """A chart's text description, which screen readers read, follows the page."""
    setup = await vote_dialogue(client, world, {"type": "support", "settings": {}})
    voter = await world.person("carole@example.org", postal_code="44000")
    assert (await put_vote(client, voter, setup, setup.proposals[0])).status_code == 200
    path = f"/admin/dialogues/{setup.slug}/participation"
    page = await client.get(path, headers={**world.admin.headers, **ENGLISH})
    assert page.status_code == 200, page.text
    description = re.search(r"<desc [^>]*>(From [^<]*)</desc>", page.text)
    assert description, page.text
    assert "Votes: 1 at the end." in description.group(1)
    assert "44000: 1;" in page.text
    assert "à la fin" not in page.text and "44000 : 1" not in page.text
    french = await client.get(path, headers=world.admin.headers)
    assert "Votes : 1 à la fin." in french.text and "44000 : 1;" in french.text


async def test_the_organisation_settings_read_in_english(client: Client, world: World) -> None:
    page = await client.get("/admin/organisation", headers={**world.admin.headers, **ENGLISH})
    assert page.status_code == 200, page.text
    text = main_text(page.text)
    assert "Inactive accounts deleted after (months)" in text
    assert "RGAA compliance status" in text and "South limit (latitude)" in text
    for french in ("Comptes inactifs", "Territoire", "Limite sud", "Statuts personnalisés"):
        assert french not in text
