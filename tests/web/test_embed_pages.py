"""The embeddable page of a dialogue: proposals, vote buttons, framed only by allowed sites."""

from __future__ import annotations

from core.db import Database
from core.models import Organisation
from participe.testing import switch_phase
from tests.conftest import World
from tests.web.front_helpers import SLUG, Client, dialogue, proposal, text_of


async def test_embed_shows_proposals_and_votes(client: Client, world: World) -> None:
    await dialogue(client, world, vote={"type": "support", "settings": {"max_votes": 1}})
    created = await proposal(client, world.alice.headers, title="Un banc")
    await switch_phase(client, world.admin.headers, SLUG, "vote")
    page = await client.get(f"/embed/dialogues/{SLUG}", headers=world.bob.headers)
    assert page.status_code == 200
    assert 'class="site-header"' not in page.text  # no navigation of the full site
    assert "Un banc" in page.text
    assert f'<a href="/proposals/{created["id"]}" target="_blank" rel="noopener">' in page.text
    assert f'action="/proposals/{created["id"]}/vote"' in page.text
    assert "1 vote restant" in text_of(page.text)
    policy = page.headers["content-security-policy"]
    assert policy.endswith("frame-ancestors 'self'")
    assert "script-src 'self'" in policy


async def test_only_allowed_sites_may_frame_it(
    client: Client, world: World, database: Database
) -> None:
    await dialogue(client, world)
    async with database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        org.options = {
            "embedding_sites": [
                "https://www.ville.fr",
                "https://evil.fr; script-src *",
                "http://x.fr",
            ]
        }
        await session.commit()
    page = await client.get(f"/embed/dialogues/{SLUG}")
    policy = page.headers["content-security-policy"]
    assert policy.endswith("frame-ancestors 'self' https://www.ville.fr")
    assert (await client.get("/embed/dialogues/unknown")).status_code == 404
