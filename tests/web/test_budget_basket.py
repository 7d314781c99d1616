"""While voting in a budget capped by cost, the ballot summary is a basket: the chosen
projects with their costs, what they come to and the cap, as a meter (no script)."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient

from participe.testing import put_vote, vote_dialogue
from tests.conftest import World
from tests.web.front_helpers import text_of

Client = AsyncTestClient[Litestar]
SUPPORT = {"type": "support", "settings": {"budget_limit": 100_000}}


async def test_the_basket_lists_the_chosen_projects_against_the_cap(
    client: Client, world: World
) -> None:
    setup = await vote_dialogue(
        client,
        world,
        SUPPORT,
        proposals=["Un verger", "Des bancs", "Une fresque"],
        costs=[60_000, 25_000, 30_000],
    )
    page_path = f"/dialogues/{setup.slug}/proposals"
    empty = await client.get(page_path, headers=world.bob.headers)
    assert "Aucun projet choisi pour l'instant." in empty.text
    assert 'max="100000" value="0"' in empty.text
    for proposal_id in setup.proposals[:2]:
        assert (await put_vote(client, world.bob, setup, proposal_id)).status_code == 200
    page = await client.get(page_path, headers=world.bob.headers)
    basket = re.search(r'<section class="basket".*?</section>', page.text, re.S)
    assert basket, page.text
    text = text_of(basket.group(0))
    assert "Un verger 60 000 €" in text and "Des bancs 25 000 €" in text
    assert "Une fresque" not in text
    assert "85 000 € sur 100 000 €" in text
    assert '<meter class="basket-meter" min="0" max="100000" value="85000"' in basket.group(0)
    english = await client.get(page_path, headers={**world.bob.headers, "Accept-Language": "en"})
    assert "85,000 € of 100,000 €" in text_of(english.text)
    assert "My basket of projects" in english.text


async def test_no_basket_without_a_cap(client: Client, world: World) -> None:
    setup = await vote_dialogue(client, world, {"type": "support", "settings": {}})
    page = await client.get(f"/dialogues/{setup.slug}/proposals", headers=world.bob.headers)
    assert page.status_code == 200
    assert 'class="basket"' not in page.text
