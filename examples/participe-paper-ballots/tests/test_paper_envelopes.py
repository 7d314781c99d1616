"""In a budget split into district envelopes, a paper ballot votes in its voter's
sector's envelope and the city-wide one, as an online ballot does: the sector of the
postal code typed from the register where the dialogue accepts only verified voters,
else the one sector the ballot's votes name (a ballot voting in two sectors is refused)."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from participe.testing import World, vote_dialogue

Client = AsyncTestClient[Litestar]
SECTORS = [{"key": "nord", "label": "Nord"}, {"key": "sud", "label": "Sud"}]
ENVELOPES = {
    "envelopes": [
        {"sector": "nord", "amount": 100_000, "postal_codes": ["44000"]},
        {"sector": "sud", "amount": 60_000, "postal_codes": ["44100"]},
    ],
    "city_wide_amount": 80_000,
}
SOUTHERNER = {
    "last_name": "Martin",
    "first_name": "Jean",
    "birth_date": "31/12/1975",
    "postal_code": "44100",
}


async def _split_dialogue(client: Client, world: World, slug: str, **modules: Any) -> list[int]:
    """A budget split into the north's, the south's and a city-wide envelope, with one
    project in each; paper ballots entered at the town hall."""
    setup = await vote_dialogue(
        client,
        world,
        {"type": "support", "settings": {}},
        slug=slug,
        costs=[10_000, 10_000, 10_000],
        details=[{"sector": "nord"}, {"sector": "sud"}, {}],
        sectors=SECTORS,
        modules={"envelopes": ENVELOPES, **modules},
        budget={"amount": 240_000, "rule": "greedy"},
    )
    enabled = await client.put(
        f"/api/v1/admin/dialogues/{slug}/paper-ballots/settings",
        json={"stations": ["Mairie"]},
        headers=world.admin.headers,
    )
    assert enabled.status_code == 200, enabled.text
    return setup.proposals


async def _enter(
    client: Client, world: World, slug: str, proposals: list[int], **voter: str
) -> Any:
    body = {"station": "Mairie", "votes": [{"proposal_id": p} for p in proposals], **voter}
    return await client.post(
        f"/api/v1/admin/dialogues/{slug}/paper-ballots", json=body, headers=world.admin.headers
    )


async def test_a_paper_ballot_without_its_voter_votes_in_one_sector(
    client: Client, world: World
) -> None:
    north, south, city = await _split_dialogue(client, world, "urnes")
    two_sectors = await _enter(client, world, "urnes", [north, south])
    assert two_sectors.status_code == 403, two_sectors.text
    assert two_sectors.json()["code"] == "vote.not_eligible"
    assert two_sectors.json()["reason"] == "envelope"
    ok = await _enter(client, world, "urnes", [south, city])
    assert ok.status_code == 201, ok.text
    assert (await _enter(client, world, "urnes", [north, city])).status_code == 201


async def test_a_verified_voters_paper_ballot_votes_in_their_sector(
    client: Client, world: World
) -> None:
    north, south, city = await _split_dialogue(client, world, "residents", desk={})
    refused = await _enter(client, world, "residents", [north], **SOUTHERNER)
    assert refused.status_code == 403, refused.text
    assert refused.json()["yours"] == "sud"
    entered = await _enter(client, world, "residents", [south, city], **SOUTHERNER)
    assert entered.status_code == 201, entered.text
