"""District envelopes: a budget split by sector. A citizen votes on the projects of their
own sector's envelope (from their account's postal code) and of the city-wide one, every
rule holds per envelope, even under 50 votes at once, and each envelope is counted on
its own (equal shares per envelope equal pabutools')."""

from __future__ import annotations

import random
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.db import Database
from core.models import Ballot, Dialogue, Proposal, Vote
from participe.testing import VoteSetup, enable_module, put_vote, vote_dialogue
from tests.conftest import Person, World
from tests.live_workers import Call, LiveWorkers
from tests.results_helpers import read_results, stored_ballots
from tests.web.front_helpers import text_of
from tests.web.test_assisted_votes import assisted
from tests.web.test_results_counts import _pabutools_winners
from tests.web.test_verification import JEAN

Client = AsyncTestClient[Litestar]
SECTORS = [{"key": "nord", "label": "Nord"}, {"key": "sud", "label": "Sud"}]
ENVELOPES = {
    "envelopes": [
        {"sector": "nord", "amount": 100_000, "postal_codes": ["44000", "44300"]},
        {"sector": "sud", "amount": 60_000, "postal_codes": ["44100"]},
    ],
    "city_wide_amount": 80_000,
}


async def split_dialogue(
    client: Client,
    world: World,
    places: list[str | None],
    costs: list[int],
    *,
    slug: str = "budget-2026",
    vote: dict[str, Any] | None = None,
    rule: str = "equal_shares",
    modules: dict[str, Any] | None = None,
) -> VoteSetup:
    """A budget dialogue split into the north's, the south's and a city-wide envelope,
    with a proposal in each of ``places`` (a sector, or ``None``: city-wide)."""
    return await vote_dialogue(
        client,
        world,
        vote or {"type": "support", "settings": {"budget_limit": 1_000_000}},
        slug=slug,
        proposals=len(places),
        costs=costs,
        details=[{"sector": place} if place else {} for place in places],
        sectors=SECTORS,
        modules={"envelopes": ENVELOPES, **(modules or {})},
        budget={"amount": 240_000, "rule": rule},
        results_visibility="live",
    )


async def dialogue_in_preparation(client: Client, world: World) -> None:
    """``preparation``: a budget dialogue with the north and the south, before its vote."""
    body = {
        "slug": "preparation",
        "title": "Budget en préparation",
        "kind": "budget",
        "sectors": SECTORS,
        "phases": [{"kind": "proposals"}, {"kind": "vote"}],
    }
    created = await client.post("/api/v1/admin/dialogues", json=body, headers=world.admin.headers)
    assert created.status_code == 201, created.text


async def test_a_citizen_votes_in_their_envelope_and_the_city_wide_one(
    client: Client, world: World
) -> None:
    setup = await split_dialogue(
        client,
        world,
        ["nord", "nord", "sud", None, None],
        [60_000, 50_000, 30_000, 70_000, 20_000],
    )
    north_1, north_2, south, city_1, city_2 = setup.proposals
    nordiste = await world.person("nord@example.org", postal_code="44 300")
    assert (await put_vote(client, nordiste, setup, north_1)).status_code == 200
    other = await put_vote(client, nordiste, setup, south)
    assert other.status_code == 403, other.text
    assert other.json()["code"] == "vote.not_eligible"
    assert other.json()["reason"] == "envelope" and other.json()["yours"] == "nord"
    # The cost cap is the envelope's amount: 60 000 + 50 000 is over the north's 100 000…
    over = await put_vote(client, nordiste, setup, north_2)
    assert over.status_code == 409 and over.json()["code"] == "vote.budget_exceeded", over.text
    # …while the city-wide envelope has its own: 70 000 fits in its 80 000, beside the
    # north's 60 000 (together over any single envelope).
    assert (await put_vote(client, nordiste, setup, city_1)).status_code == 200
    assert (await put_vote(client, nordiste, setup, city_2)).json()["code"] == (
        "vote.budget_exceeded"
    )

    nowhere = await world.person("ailleurs@example.org")
    refused = await put_vote(client, nowhere, setup, north_2)
    assert refused.status_code == 403 and "code postal" in refused.json()["detail"]
    assert (await put_vote(client, nowhere, setup, city_2)).status_code == 200


async def test_each_envelope_is_counted_on_its_own(
    client: Client, world: World, database: Database
) -> None:
    places: list[str | None] = ["nord"] * 4 + ["sud"] * 3 + [None] * 3
    costs = [40_000, 35_000, 30_000, 25_000, 30_000, 20_000, 25_000, 50_000, 30_000, 20_000]
    setup = await split_dialogue(client, world, places, costs)
    chance = random.Random(11)
    where = {"44000": "nord", "44100": "sud"}
    for index in range(14):
        postal = chance.choice(list(where))
        voter = await world.person(f"votant-{index}@example.org", postal_code=postal)
        mine = [
            pid
            for pid, place in zip(setup.proposals, places, strict=True)
            if place in (where[postal], None)
        ]
        for pid in chance.sample(mine, k=chance.randint(1, 3)):
            await put_vote(client, voter, setup, pid)
    body = (await read_results(client, setup.slug, world.admin)).json()
    envelopes = body["budget"]["envelopes"]
    assert [(e["sector"], e["amount"]) for e in envelopes] == [
        ("nord", 100_000),
        ("sud", 60_000),
        (None, 80_000),
    ]
    ballots = await stored_ballots(database, setup.slug)
    cost_of = dict(zip(setup.proposals, costs, strict=True))
    place_of = dict(zip(setup.proposals, places, strict=True))
    for envelope in envelopes:
        ids = [pid for pid in setup.proposals if place_of[pid] == envelope["sector"]]
        theirs = [{pid: value for pid, value in ballot.items() if pid in ids} for ballot in ballots]
        theirs = [ballot for ballot in theirs if ballot]
        expected = _pabutools_winners(
            envelope["amount"], {pid: cost_of[pid] for pid in ids}, theirs, "equal_shares", False
        )
        assert sorted(envelope["winners"]) == sorted(expected), envelope
        assert envelope["spent"] <= envelope["amount"]
        assert envelope["voters"] == len(theirs)
    assert sorted(body["winners"]) == sorted(w for e in envelopes for w in e["winners"])
    page = await client.get(f"/dialogues/{setup.slug}/results", headers=world.admin.headers)
    assert page.status_code == 200, page.text
    text = text_of(page.text)
    assert "Enveloppe par enveloppe" in text
    assert "Nord — 100 000 €" in text and "Sud — 60 000 €" in text
    assert "Toute la ville — 80 000 €" in text
    north = envelopes[0]
    assert f'max="100000" value="{north["spent"]}"' in page.text
    english = await client.get(
        f"/dialogues/{setup.slug}/results", headers={**world.admin.headers, "Accept-Language": "en"}
    )
    assert "Envelope by envelope" in english.text and "The whole city" in english.text


async def _stored_cost(database: Database, slug: str) -> list[int]:
    """The cost of each ballot of the dialogue, as stored."""
    async with database.session() as session:
        rows = await session.execute(
            select(Ballot.id, Proposal.cost)
            .join(Vote, Vote.ballot_id == Ballot.id)
            .join(Proposal, Proposal.id == Vote.proposal_id)
            .join(Dialogue, Dialogue.id == Ballot.dialogue_id)
            .where(Dialogue.slug == slug)
        )
        totals: dict[int, int] = {}
        for ballot_id, cost in rows:
            totals[ballot_id] = totals.get(ballot_id, 0) + int(cost or 0)
    return list(totals.values())


@pytest.mark.live_workers
async def test_fifty_votes_at_once_never_overfill_an_envelope(
    client: Client, world: World, live_workers: LiveWorkers, database: Database
) -> None:
    """One citizen's 50 votes released together on both workers: the north's 100 000
    takes ten projects of 10 000, never an eleventh."""
    setup = await split_dialogue(client, world, ["nord"] * 50, [10_000] * 50, slug="course")
    voter: Person = await world.person("presse@example.org", postal_code="44000")
    answers = await live_workers.at_once(
        [Call("PUT", setup.vote(pid), voter.headers, json={}) for pid in setup.proposals]
    )
    accepted = [answer for answer in answers if answer.status_code == 200]
    assert len(accepted) == 10, [answer.code for answer in answers]
    assert {answer.code for answer in answers if answer.status_code != 200} <= {
        "vote.budget_exceeded",
        "vote.not_allowed",
    }
    assert await _stored_cost(database, setup.slug) == [100_000]


async def test_envelopes_name_the_dialogues_sectors_once(client: Client, world: World) -> None:
    await dialogue_in_preparation(client, world)
    path = "/api/v1/admin/dialogues/preparation/modules/envelopes"
    wrong = {
        "envelopes": [
            {"sector": "est", "amount": 10},
            {"sector": "nord", "amount": 10, "postal_codes": ["44000"]},
            {"sector": "nord", "amount": 10, "postal_codes": ["44 000"]},
        ]
    }
    refused = await client.put(path, json={"settings": wrong}, headers=world.admin.headers)
    assert refused.status_code == 422, refused.text
    fields = {error["field"] for error in refused.json()["errors"]}
    assert fields == {
        "settings.envelopes.0.sector",
        "settings.envelopes.2.sector",
    }
    right = await client.put(path, json={"settings": ENVELOPES}, headers=world.admin.headers)
    assert right.status_code == 200, right.text


async def test_the_page_says_why_another_sectors_project_takes_no_vote(
    client: Client, world: World
) -> None:
    setup = await split_dialogue(client, world, ["nord", "sud"], [10_000, 10_000])
    nordiste = await world.person("nord@example.org", postal_code="44000")
    listing = f"/dialogues/{setup.slug}/proposals"
    for headers, said in (
        (nordiste.headers, "ce projet est dans l'enveloppe d'un autre secteur"),
        (
            {**nordiste.headers, "Accept-Language": "en"},
            "this project is in another sector's envelope",
        ),
    ):
        refused = await client.post(
            f"/proposals/{setup.proposals[1]}/vote",
            data={"action": "cast", "value": "1", "next": listing},
            headers=headers,
            follow_redirects=False,
        )
        assert refused.status_code == 303, refused.text
        assert "refused=vote.not_eligible:envelope" in refused.headers["location"]
        page = await client.get(refused.headers["location"], headers=headers)
        text = text_of(page.text)
        assert said in text, text[:2000]
        assert "âge demandé" not in text and "required age" not in text


async def test_the_ballot_summary_shows_a_basket_per_envelope(client: Client, world: World) -> None:
    setup = await split_dialogue(client, world, ["nord", "sud", None], [60_000, 30_000, 20_000])
    nordiste = await world.person("nord@example.org", postal_code="44000")
    for pid in (setup.proposals[0], setup.proposals[2]):
        assert (await put_vote(client, nordiste, setup, pid)).status_code == 200
    page = await client.get(f"/dialogues/{setup.slug}/proposals", headers=nordiste.headers)
    text = text_of(page.text)
    assert "Enveloppe Nord — 100 000 €" in text and "Enveloppe de toute la ville — 80 000 €" in text
    assert "Enveloppe Sud" not in text
    assert "60 000 € sur 100 000 €" in text and "20 000 € sur 80 000 €" in text
    assert "Budget restant : 40 000 €" in text and "Budget restant : 60 000 €" in text


async def test_the_modules_tab_sets_the_envelopes_without_javascript(
    client: Client, world: World
) -> None:
    await dialogue_in_preparation(client, world)
    tab = "/admin/dialogues/preparation/modules"
    page = await client.get(tab, headers=world.admin.headers)
    assert (
        "Enveloppes par secteur" in page.text and 'name="envelopes.envelopes.0.sector"' in page.text
    )
    form = {
        "envelopes.envelopes.0.sector": "nord",
        "envelopes.envelopes.0.amount": "100000",
        "envelopes.envelopes.0.postal_codes": "44000\n44300",
        "envelopes.envelopes.1.sector": "ouest",
        "envelopes.envelopes.1.amount": "5000",
        "envelopes.city_wide_amount": "",
    }
    refused = await client.post(f"{tab}/envelopes", data=form, headers=world.admin.headers)
    assert refused.status_code == 422, refused.text
    assert "Valeur refusée : ce n&#39;est pas un secteur de la démarche." in refused.text
    assert 'value="ouest"' in refused.text  # what was typed stays
    form["envelopes.envelopes.1.sector"] = "sud"
    saved = await client.post(
        f"{tab}/envelopes", data=form, headers=world.admin.headers, follow_redirects=False
    )
    assert saved.status_code == 303, saved.text
    listed = await client.get(
        "/api/v1/admin/dialogues/preparation/modules", headers=world.admin.headers
    )
    (envelopes,) = [m for m in listed.json()["items"] if m["name"] == "envelopes"]
    assert envelopes["settings"]["envelopes"][0] == {
        "sector": "nord",
        "amount": 100000,
        "postal_codes": ["44000", "44300"],
    }
    assert envelopes["settings"]["city_wide_amount"] is None


async def test_the_desk_votes_in_the_envelope_of_the_postal_code_it_typed(
    client: Client, world: World
) -> None:
    setup = await split_dialogue(
        client, world, ["nord", "sud", None], [10_000, 10_000, 10_000], modules={"desk": {}}
    )
    north, south, city = setup.proposals
    southerner = {**JEAN, "postal_code": "44100"}
    refused = await assisted(client, world.admin, setup, southerner, [north, city])
    assert refused.status_code == 403, refused.text
    assert refused.json()["reason"] == "envelope" and refused.json()["yours"] == "sud"
    cast = await assisted(client, world.admin, setup, southerner, [south, city])
    assert cast.status_code == 201, cast.text


async def test_a_merge_carries_a_vote_only_into_the_voters_envelope(
    client: Client, world: World, database: Database
) -> None:
    setup = await split_dialogue(client, world, ["nord", "nord", "nord", "sud"], [10_000] * 4)
    kept_north, first, second, south = setup.proposals
    assert (await enable_module(client, world, setup.slug, "analysis")).status_code == 200
    nordiste = await world.person("nord@example.org", postal_code="44000")
    for proposal in (first, second):
        assert (await put_vote(client, nordiste, setup, proposal)).status_code == 200

    async def merge(kept: int, merged: int) -> dict[str, Any]:
        response = await client.post(
            f"/api/v1/admin/dialogues/{setup.slug}/analysis/merge",
            json={"kept": kept, "merged": [merged]},
            headers=world.admin.headers,
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    # Into a project of the south, the north's vote is not carried over…
    assert (await merge(south, first))["refused"] == 1
    # …into one of the north, it is.
    assert (await merge(kept_north, second))["votes_moved"] == 1
    async with database.session() as session:
        voted = (await session.scalars(select(Vote.proposal_id))).all()
    assert voted == [kept_north]
