"""Voting from the pages without JavaScript, and the ballot box."""

from __future__ import annotations

import re
from typing import Any

from participe.testing import switch_phase
from tests.conftest import World
from tests.web.front_helpers import SLUG, Client, dialogue, proposal, text_of


async def _vote_dialogue(client: Client, world: World, **settings: Any) -> list[int]:
    await dialogue(client, world, vote={"type": "support", "settings": settings})
    ids = [
        (await proposal(client, world.alice.headers, title=f"Projet {n}"))["id"] for n in range(3)
    ]
    await switch_phase(client, world.admin.headers, SLUG, "vote")
    return ids


async def test_vote_within_the_rules_and_a_refusal_beyond(client: Client, world: World) -> None:
    ids = await _vote_dialogue(client, world, max_votes=2)
    page = await client.get(f"/proposals/{ids[0]}", headers=world.bob.headers)
    assert f'action="/proposals/{ids[0]}/vote"' in page.text
    assert "2 votes restants" in text_of(page.text)
    for proposal_id in ids[:2]:
        response = await client.post(
            f"/proposals/{proposal_id}/vote",
            data={"action": "cast", "value": "1"},
            headers=world.bob.headers,
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"] == (
            f"/proposals/{proposal_id}?notice=vote_cast#proposal-{proposal_id}"
        )
    voted = await client.get(f"/proposals/{ids[1]}?notice=vote_cast", headers=world.bob.headers)
    assert "Votre vote est enregistré." in voted.text
    assert "0 vote restant" in text_of(voted.text)
    refused = await client.post(
        f"/proposals/{ids[2]}/vote",
        data={"action": "cast", "value": "1", "next": f"/dialogues/{SLUG}/proposals?view=list"},
        headers=world.bob.headers,
        follow_redirects=False,
    )
    assert refused.headers["location"] == (
        f"/dialogues/{SLUG}/proposals?view=list&refused=vote.max_exceeded#proposal-{ids[2]}"
    )
    shown = await client.get(refused.headers["location"], headers=world.bob.headers)
    assert "Vous avez déjà utilisé tous vos votes." in text_of(shown.text)
    ballot = (
        await client.get(f"/api/v1/dialogues/{SLUG}/ballot", headers=world.bob.headers)
    ).json()
    assert sorted(v["proposal_id"] for v in ballot["votes"]) == ids[:2]  # nothing lost


async def test_ballot_box_withdraw_and_confirm(client: Client, world: World) -> None:
    ids = await _vote_dialogue(client, world, min_votes=2)
    for proposal_id in ids[:2]:
        await client.post(
            f"/proposals/{proposal_id}/vote", data={"value": "1"}, headers=world.bob.headers
        )
    box = await client.get("/me/ballots", headers=world.bob.headers)
    assert box.status_code == 200
    text = text_of(box.text)
    assert "Projet 0" in text and "Projet 1" in text and "Projet 2" not in text
    assert "brouillon" in text
    assert f'action="/dialogues/{SLUG}/ballot/confirm"' in box.text
    confirmed = await client.post(
        f"/dialogues/{SLUG}/ballot/confirm",
        data={"next": "/me/ballots"},
        headers=world.bob.headers,
        follow_redirects=False,
    )
    assert confirmed.headers["location"] == "/me/ballots?notice=ballot_confirmed"
    box = await client.get(confirmed.headers["location"], headers=world.bob.headers)
    assert "Votre bulletin est confirmé : il sera compté." in text_of(box.text)
    withdrawn = await client.post(
        f"/proposals/{ids[0]}/vote",
        data={"action": "withdraw", "next": "/me/ballots"},
        headers=world.bob.headers,
        follow_redirects=False,
    )
    assert withdrawn.headers["location"] == (
        f"/me/ballots?notice=ballot_unconfirmed#proposal-{ids[0]}"
    )
    box = await client.get(withdrawn.headers["location"], headers=world.bob.headers)
    assert "Votre bulletin repasse en brouillon" in text_of(box.text)
    assert "Projet 0" not in text_of(box.text)
    too_few = await client.post(
        f"/dialogues/{SLUG}/ballot/confirm",
        data={"next": "/me/ballots"},
        headers=world.bob.headers,
        follow_redirects=False,
    )
    assert too_few.headers["location"] == "/me/ballots?refused=vote.min_not_reached"


async def test_votes_closed_and_anonymous(client: Client, world: World) -> None:
    await dialogue(client, world, vote={"type": "support", "settings": {}})
    created = await proposal(client, world.alice.headers)
    page = await client.get(f"/proposals/{created['id']}", headers=world.bob.headers)
    assert "/vote" not in re.sub(r"/static/[^\"]+", "", page.text)  # not the vote phase
    closed = await client.post(
        f"/proposals/{created['id']}/vote",
        data={"value": "1"},
        headers=world.bob.headers,
        follow_redirects=False,
    )
    assert closed.headers["location"].endswith(
        f"refused=vote.phase_closed#proposal-{created['id']}"
    )
    await switch_phase(client, world.admin.headers, SLUG, "vote")
    anonymous = await client.get(f"/proposals/{created['id']}")
    assert "Connectez-vous pour voter" in anonymous.text
    box = await client.get("/me/ballots", follow_redirects=False)
    assert box.status_code == 303 and box.headers["location"] == "/signin?next=/me/ballots"


async def test_browse_page_has_widgets_and_what_remains(client: Client, world: World) -> None:
    ids = await _vote_dialogue(client, world, max_votes=3)
    await client.post(f"/proposals/{ids[0]}/vote", data={"value": "1"}, headers=world.bob.headers)
    page = await client.get(f"/dialogues/{SLUG}/proposals", headers=world.bob.headers)
    assert page.text.count('class="vote-widget vote-support"') == 3
    text = text_of(page.text)
    assert "Vous avez voté sur 1 proposition." in text and "2 votes restants" in text
    assert "Vous soutenez cette proposition." in text
