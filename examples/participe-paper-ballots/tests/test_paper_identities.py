"""Where a dialogue accepts only verified voters, a paper ballot carries its voter's
fields from the signed register and claims the person's one vote: a person who voted
online is refused on paper, one who voted on paper is refused online, and voiding the
paper ballot gives the vote back. Only the identity's id is kept with the ballot."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from participe_paper_ballots.models import PaperBallot
from sqlalchemy import select, text

from core.db import Database
from participe.testing import Person, World, put_vote, vote_dialogue

Client = AsyncTestClient[Litestar]
SLUG = "residents-2027"
PAPER = f"/api/v1/admin/dialogues/{SLUG}/paper-ballots"
JEAN = {
    "last_name": "Martin",
    "first_name": "Jean",
    "birth_date": "31/12/1975",
    "postal_code": "75012",
}
ELODIE = {
    "last_name": "Lefèvre-Dupont",
    "first_name": "Élodie",
    "birth_date": "1980-04-02",
    "postal_code": "75011",
}


async def _residents_dialogue(client: Client, world: World, slug: str = SLUG) -> Any:
    setup = await vote_dialogue(
        client,
        world,
        {"type": "support", "settings": {"max_votes": 2}},
        slug=slug,
        modules={"desk": {}},
    )
    enabled = await client.put(
        f"/api/v1/admin/dialogues/{slug}/paper-ballots/settings",
        json={"stations": ["Mairie"]},
        headers=world.admin.headers,
    )
    assert enabled.status_code == 200, enabled.text
    return setup


async def _enter(
    client: Client, world: World, proposal: int, voter: dict[str, str], slug: str = SLUG
) -> Any:
    body = {"station": "Mairie", "votes": [{"proposal_id": proposal}], **voter}
    return await client.post(
        f"/api/v1/admin/dialogues/{slug}/paper-ballots", json=body, headers=world.admin.headers
    )


async def _verify(client: Client, world: World, person: Person, fields: dict[str, str]) -> None:
    email = person.user.email
    response = await client.post(
        "/api/v1/admin/verification/desk",
        json={"email": email, **fields},
        headers=world.admin.headers,
    )
    assert response.status_code == 200, response.text


async def test_a_person_votes_once_on_paper_or_online(
    client: Client, world: World, database: Database
) -> None:
    setup = await _residents_dialogue(client, world)
    first = setup.proposals[0]
    # The voter's fields are required here, and read as the desk reads them.
    missing = await _enter(client, world, first, {})
    assert missing.status_code == 422 and missing.json()["code"] == "validation"
    assert "birth_date" in missing.text
    unreadable = await _enter(client, world, first, {**JEAN, "birth_date": "hier"})
    assert unreadable.status_code == 422 and "birth_date" in unreadable.text

    # Bob, verified as Jean, voted online: Jean's paper ballot is refused.
    await _verify(client, world, world.bob, JEAN)
    assert (await put_vote(client, world.bob, setup, first)).status_code == 200
    refused = await _enter(client, world, first, JEAN)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "vote.identity_already_voted"

    # Élodie voted on paper: her account is refused online, and a second paper too.
    entered = await _enter(client, world, first, ELODIE)
    assert entered.status_code == 201, entered.text
    assert "lodie" not in entered.text.lower()
    await _verify(client, world, world.alice, ELODIE)
    online = await put_vote(client, world.alice, setup, first)
    assert online.status_code == 409 and online.json()["code"] == "vote.identity_already_voted"
    again = await _enter(client, world, setup.proposals[1], {**ELODIE, "first_name": "ELODIE"})
    assert again.status_code == 409

    results = await client.get(f"/api/v1/dialogues/{SLUG}/results", headers=world.admin.headers)
    assert results.json()["ballots_counted"] == 2, results.text

    # Voiding her paper ballot gives her vote back: now she votes online.
    voided = await client.post(
        f"{PAPER}/{entered.json()['id']}/void",
        json={"reason": "saisi pour la mauvaise personne"},
        headers=world.admin.headers,
    )
    assert voided.status_code == 200, voided.text
    assert (await put_vote(client, world.alice, setup, first)).status_code == 200

    async with database.session() as session:
        kept = (await session.scalars(select(PaperBallot.identity_id))).all()
        rows = (await session.execute(text("SELECT * FROM paper_ballots"))).all()
    assert len(kept) == 1 and kept[0] is not None
    stored = " ".join(str(value) for row in rows for value in row).lower()
    assert "lefevre" not in stored and "1980" not in stored and "75011" not in stored


async def test_without_verification_a_paper_ballot_names_no_one(
    client: Client, world: World, database: Database
) -> None:
    setup = await vote_dialogue(client, world, {"type": "support", "settings": {}}, slug="ouverte")
    await client.put(
        "/api/v1/admin/dialogues/ouverte/paper-ballots/settings",
        json={"stations": []},
        headers=world.admin.headers,
    )
    for _ in range(2):  # the same fields twice: nobody is identified here
        entered = await _enter(client, world, setup.proposals[0], JEAN, slug="ouverte")
        assert entered.status_code == 201, entered.text
    async with database.session() as session:
        assert (await session.scalars(select(PaperBallot.identity_id))).all() == [None, None]


async def test_the_entry_page_asks_for_the_voter_where_verification_is_required(
    client: Client, world: World
) -> None:
    setup = await _residents_dialogue(client, world)
    page_url = f"/admin/dialogues/{SLUG}/paper-ballots"
    page = await client.get(page_url, headers=world.admin.headers)
    assert page.status_code == 200 and 'name="birth_date"' in page.text
    form = {"station": "Mairie", f"vote-{setup.proposals[0]}": "on", **JEAN}
    done = await client.post(page_url, data=form, headers=world.admin.headers)
    assert done.status_code == 200 and "Bulletins papier" in done.text
    twice = await client.post(page_url, data=form, headers=world.admin.headers)
    assert twice.status_code == 422 and "déjà voté" in twice.text
    assert re.search(r'value="Martin"', twice.text)


async def test_on_paper_and_online_at_the_same_instant_one_vote_counts(
    client: Client, world: World, database: Database
) -> None:
    await _verify(client, world, world.bob, JEAN)
    for trial in range(4):
        slug = f"course-{trial}"
        setup = await _residents_dialogue(client, world, slug)
        online, paper = await asyncio.gather(
            put_vote(client, world.bob, setup, setup.proposals[0]),
            _enter(client, world, setup.proposals[1], JEAN, slug=slug),
        )
        answers = sorted([online.status_code, paper.status_code])
        assert answers in ([200, 409], [201, 409]), (online.text, paper.text)
        refused = online if online.status_code == 409 else paper
        assert refused.json()["code"] == "vote.identity_already_voted"
        results = await client.get(f"/api/v1/dialogues/{slug}/results", headers=world.admin.headers)
        assert results.json()["ballots_counted"] == 1, (trial, results.text)
