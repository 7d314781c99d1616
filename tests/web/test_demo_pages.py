"""The demo's pages as a visitor reads them: each vote's call to action says what its
vote type asks, the proposals offer the order by cost only where they have costs and
the map only where they have locations, and the questionnaire's scale says what its ends
mean."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from core.plugin_manager import Plugins
from tests.signin_helpers import sign_in
from web.demo import seed_demo

ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}

#: A dialogue's slug, what its call to action says in French and in English.
CALLS = [
    ("budget-participatif-2027", "soutenez les propositions que vous préférez", "support the"),
    ("place-du-marche", "dites si vous êtes pour ou contre chaque", "for or against each"),
    ("fonds-quartier-nord", "répartissez vos points entre les propositions", "share out your"),
    ("animations-ete-2027", "donnez une note à chaque proposition", "give each proposal a"),
    ("plan-velo", "classez les propositions par ordre de préférence", "rank the proposals"),
    ("rues-aux-ecoles", "répondez oui ou non à chaque proposition", "answer yes or no"),
]

#: A dialogue's slug: (its proposals have costs, have locations).
FACETS = {
    "budget-participatif-2027": (True, True),
    "place-du-marche": (False, False),
    "plan-velo": (False, False),
    "rues-aux-ecoles": (False, True),
}


@pytest.fixture
async def demo(database: Database, plugins: Plugins) -> None:
    async with database.session() as session:
        await seed_demo(session, plugins)
        await session.commit()


async def test_the_call_to_action_says_what_the_vote_type_asks(
    client: AsyncTestClient[Litestar], demo: None
) -> None:
    for slug, french, english in CALLS:
        page = await client.get(f"/dialogues/{slug}")
        assert page.status_code == 200, page.text
        assert french in page.text, slug
        assert "choisissez vos propositions préférées" not in page.text
        translated = await client.get(f"/dialogues/{slug}", headers=ENGLISH)
        assert english in translated.text, slug


async def test_the_proposals_offer_the_cost_order_and_the_map_they_can_use(
    client: AsyncTestClient[Litestar], demo: None
) -> None:
    """A view or an order the proposals cannot use is neither offered nor followed from
    an address (it is dropped, and the page says so)."""
    for slug, (costs, locations) in FACETS.items():
        page = await client.get(f"/dialogues/{slug}/proposals")
        assert page.status_code == 200, page.text
        assert ('<option value="cost"' in page.text) is costs, slug
        assert ("view=map" in page.text) is locations, slug
        for asked, usable in (("view=map", locations), ("sort=cost", costs)):
            answer = await client.get(f"/dialogues/{slug}/proposals?{asked}")
            assert answer.status_code == 200, answer.text
            assert ("ont été ignorés" in answer.text) is not usable, (slug, asked)


async def test_the_demo_questionnaire_says_what_its_scale_ends_mean(
    client: AsyncTestClient[Litestar], demo: None, database: Database
) -> None:
    await sign_in(client, database, "citoyen20@belleville.example")
    page = await client.get("/dialogues/nouveau-logo/questionnaire")
    assert page.status_code == 200, page.text
    assert '-1">1<span class="qn-scale-end"> — Pas du tout</span></label>' in page.text
    assert '-5">5<span class="qn-scale-end"> — Beaucoup</span></label>' in page.text
