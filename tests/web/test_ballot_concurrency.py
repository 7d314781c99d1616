"""Concurrent ballot changes against a real server: no rule may be exceeded by requests
that arrive together, on SQLite or on PostgreSQL.

Each test prepares committed data, opens one HTTP connection per request, and releases
all requests at once (an ``asyncio.Event`` set when every connection is open). Each was
seen failing with the protection it checks taken out of ``core.services.ballots``.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from core.db import Database
from core.models import Ballot, Dialogue, Vote, VoteLogEntry
from core.plugin_manager import Plugins
from core.services import recount
from participe.testing import VoteSetup, put_vote, vote_dialogue, votes_of
from tests.conftest import LiveServer, Person, World

Client = AsyncTestClient[Litestar]
Request = tuple[Person, str, dict[str, Any]]


async def at_once(live_server: LiveServer, requests: list[Request]) -> list[httpx.Response]:
    """Sends every ``(person, path, json)`` PUT on its own connection, all released
    together once every connection is open."""
    go = asyncio.Event()
    ready = 0

    async def one(person: Person, path: str, body: dict[str, Any]) -> httpx.Response:
        nonlocal ready
        async with httpx.AsyncClient(base_url=live_server.url, timeout=60) as http:
            # Opens the connection before the start signal.
            assert (await http.get("/api/v1/dialogues")).status_code == 200
            ready += 1
            if ready == len(requests):
                go.set()
            await go.wait()
            return await http.put(path, json=body, headers=person.headers)

    return await asyncio.gather(*(one(*request) for request in requests))


def summary(responses: list[httpx.Response]) -> Counter[tuple[int, str]]:
    """How many answers of each ``(status, code)``; server errors carry their body."""
    counts: Counter[tuple[int, str]] = Counter()
    for response in responses:
        body = response.json()
        code = body.get("code", "") if response.status_code != 200 else ""
        if response.status_code >= 500:
            code = response.text
        counts[(response.status_code, code)] += 1
    return counts


async def stored_votes(database: Database, setup: VoteSetup) -> dict[int, dict[int, int]]:
    """``{ballot_id: {proposal_id: value}}`` of the dialogue, read from the database."""
    async with database.session() as session:
        rows = await session.execute(
            select(Vote.ballot_id, Vote.proposal_id, Vote.value)
            .join(Ballot, Ballot.id == Vote.ballot_id)
            .join(Dialogue, Dialogue.id == Ballot.dialogue_id)
            .where(Dialogue.slug == setup.slug)
        )
        ballots: dict[int, dict[int, int]] = {}
        for ballot_id, proposal_id, value in rows:
            ballots.setdefault(ballot_id, {})[proposal_id] = value
        return ballots


async def assert_recount_agrees(database: Database, plugins: Plugins, setup: VoteSetup) -> None:
    async with database.session() as session:
        dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == setup.slug))
        assert dialogue is not None
        report = await recount.recount(session, plugins, dialogue)
    assert report.ok, report.differences


async def test_max_votes_hold_under_fifty_simultaneous_votes(
    client: Client, world: World, live_server: LiveServer, database: Database, plugins: Plugins
) -> None:
    setup = await vote_dialogue(
        client, world, {"type": "support", "settings": {"max_votes": 3}}, proposals=50
    )
    responses = await at_once(
        live_server, [(world.bob, setup.vote(pid), {}) for pid in setup.proposals]
    )
    assert summary(responses) == {(200, ""): 3, (409, "vote.max_exceeded"): 47}
    ballots = await stored_votes(database, setup)
    assert len(ballots) == 1 and len(next(iter(ballots.values()))) == 3
    await assert_recount_agrees(database, plugins, setup)


async def test_twenty_identical_votes_make_one(
    client: Client, world: World, live_server: LiveServer, database: Database, plugins: Plugins
) -> None:
    setup = await vote_dialogue(client, world, {"type": "support", "settings": {}})
    target, other, _ = setup.proposals
    # The ballot exists already: only its row lock keeps the requests apart.
    assert (await put_vote(client, world.bob, setup, other)).status_code == 200
    responses = await at_once(live_server, [(world.bob, setup.vote(target), {})] * 20)
    assert summary(responses) == {(200, ""): 20}
    assert all(votes_of(response.json()) == {target: 1, other: 1} for response in responses)
    assert list((await stored_votes(database, setup)).values()) == [{target: 1, other: 1}]
    async with database.session() as session:
        casts = await session.scalar(
            select(func.count())
            .select_from(VoteLogEntry)
            .where(VoteLogEntry.action == "cast", VoteLogEntry.proposal_id == target)
        )
    assert casts == 1
    await assert_recount_agrees(database, plugins, setup)


async def test_a_points_budget_holds_under_parallel_votes(
    client: Client, world: World, live_server: LiveServer, database: Database, plugins: Plugins
) -> None:
    setup = await vote_dialogue(
        client,
        world,
        {"type": "points", "settings": {"mode": "distribute", "points_budget": 100}},
        proposals=2,
    )
    # An empty ballot exists already: only its row lock keeps the requests apart.
    await put_vote(client, world.bob, setup, setup.proposals[0], 1)
    await client.delete(setup.vote(setup.proposals[0]), headers=world.bob.headers)
    responses = await at_once(
        live_server, [(world.bob, setup.vote(pid), {"value": 60}) for pid in setup.proposals]
    )
    assert summary(responses) == {(200, ""): 1, (409, "vote.points_exceeded"): 1}
    [ballot] = (await stored_votes(database, setup)).values()
    assert list(ballot.values()) == [60]
    await assert_recount_agrees(database, plugins, setup)


async def test_a_budget_limit_holds_under_parallel_supports(
    client: Client, world: World, live_server: LiveServer, database: Database, plugins: Plugins
) -> None:
    costs = [30, 30, 30, 30, 40, 40, 50, 50, 60, 70]
    setup = await vote_dialogue(
        client,
        world,
        {"type": "support", "settings": {"budget_limit": 100}},
        proposals=len(costs),
        costs=costs,
    )
    citizens = [world.bob, await world.person("carole@example.org")]
    responses = await at_once(
        live_server,
        [(person, setup.vote(pid), {}) for person in citizens for pid in setup.proposals],
    )
    counts = summary(responses)
    assert set(counts) <= {(200, ""), (409, "vote.budget_exceeded")}, counts
    cost_of = dict(zip(setup.proposals, costs, strict=True))
    ballots = await stored_votes(database, setup)
    assert len(ballots) == 2
    for ballot in ballots.values():
        spent = sum(cost_of[pid] for pid in ballot)
        assert spent <= 100
        # Whatever the order, supports stop only when the next ones no longer fit.
        assert spent + min(cost_of[pid] for pid in setup.proposals if pid not in ballot) > 100
    await assert_recount_agrees(database, plugins, setup)


async def test_a_first_vote_sent_twice_at_once_makes_one_ballot(
    client: Client, world: World, live_server: LiveServer, database: Database, plugins: Plugins
) -> None:
    setup = await vote_dialogue(client, world, {"type": "support", "settings": {}}, proposals=2)
    citizens = [await world.person(f"citoyen{index}@example.org") for index in range(10)]
    first, second = setup.proposals
    requests: list[Request] = []
    for person in citizens:
        requests += [(person, setup.vote(first), {}), (person, setup.vote(second), {})]
    responses = await at_once(live_server, requests)
    assert summary(responses) == {(200, ""): 20}
    ballots = await stored_votes(database, setup)
    assert sorted(ballots.values(), key=len) == [{first: 1, second: 1}] * 10
    async with database.session() as session:
        count = await session.scalar(select(func.count()).select_from(Ballot))
    assert count == 10
    await assert_recount_agrees(database, plugins, setup)
