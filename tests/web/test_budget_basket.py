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


async def test_a_project_that_no_longer_fits_says_so_instead_of_a_button(
    client: Client, world: World
) -> None:
    setup = await vote_dialogue(
        client,
        world,
        SUPPORT,
        proposals=["Un verger", "Des bancs", "Une fresque"],
        costs=[60_000, 40_000, 50_000],
    )
    orchard, benches, fresco = setup.proposals
    assert (await put_vote(client, world.bob, setup, orchard)).status_code == 200
    page = await client.get(f"/dialogues/{setup.slug}/proposals", headers=world.bob.headers)
    box = {
        pid: re.search(rf'id="proposal-{pid}-vote">(.*?)</div>', page.text, re.S)
        for pid in setup.proposals
    }
    fresco_box = box[fresco]
    assert fresco_box is not None
    assert f'action="/proposals/{fresco}/vote"' not in fresco_box[1]
    assert (
        "Ce projet (50 000 €) dépasse ce qui reste dans votre panier (40 000 €) : "
        "retirez-en un autre pour le choisir."
    ) in text_of(fresco_box[1])
    # The chosen project can be withdrawn, and one that fits chosen.
    for pid in (orchard, benches):
        found = box[pid]
        assert found is not None and f'action="/proposals/{pid}/vote"' in found[1]
    english = await client.get(
        f"/proposals/{fresco}", headers={**world.bob.headers, "Accept-Language": "en"}
    )
    assert "costs more than what is left in your basket (40,000 €)" in text_of(english.text)
    # A full basket says so.
    assert (await put_vote(client, world.bob, setup, benches)).status_code == 200
    full = await client.get(f"/proposals/{fresco}", headers=world.bob.headers)
    assert "Votre panier est plein : retirez-en un projet pour choisir celui-ci (50 000 €)." in (
        text_of(full.text)
    )


async def test_the_ballot_is_checked_on_a_summary_page_before_it_is_confirmed(
    client: Client, world: World
) -> None:
    vote = {"type": "support", "settings": {"budget_limit": 100_000, "min_votes": 2}}
    setup = await vote_dialogue(
        client, world, vote, proposals=["Un verger", "Des bancs"], costs=[60_000, 25_000]
    )
    review = f"/dialogues/{setup.slug}/ballot/confirm"
    signed_out = await client.get(review, follow_redirects=False)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/signin?next=")
    assert (await put_vote(client, world.bob, setup, setup.proposals[0])).status_code == 200
    too_few = text_of((await client.get(review, headers=world.bob.headers)).text)
    assert "Un verger" in too_few and "60 000 €" in too_few
    assert "Il faut au moins 2 votes pour confirmer votre bulletin." in too_few
    assert (await put_vote(client, world.bob, setup, setup.proposals[1])).status_code == 200
    listing = await client.get(f"/dialogues/{setup.slug}/proposals", headers=world.bob.headers)
    assert f'href="{review}">Vérifier et confirmer mon bulletin</a>' in listing.text
    page = await client.get(review, headers=world.bob.headers)
    assert page.status_code == 200
    assert "Vérifiez votre bulletin" in page.text
    assert "85 000 € sur 100 000 €" in text_of(page.text)
    assert f'<form method="post" action="{review}">' in page.text
    form = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert form is not None
    confirmed = await client.post(
        review,
        data={"next": review, "csrf_token": form[1]},
        headers=world.bob.headers,
        follow_redirects=False,
    )
    assert confirmed.status_code == 303, confirmed.text
    after = text_of(
        (await client.get(confirmed.headers["location"], headers=world.bob.headers)).text
    )
    assert "Votre bulletin est confirmé : il est compté." in after
    english = await client.get(review, headers={**world.bob.headers, "Accept-Language": "en"})
    assert "Check your ballot" in english.text and "Change my choices" in english.text
