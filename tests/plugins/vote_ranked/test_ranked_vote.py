"""The ``ranked`` vote type through the API: moving proposals in the ranking, whole
ballots, minimum and maximum of ranks, the three counting methods, and the widget."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from core.plugin_manager import Plugins
from participe.testing import VoteSetup, put_vote, replace, tally_of, vote_dialogue, votes_of
from plugins.vote_ranked.settings import RankedSettings
from plugins.vote_ranked.tally import RankedTally, borda, instant_runoff, schulze
from tests.ballot_helpers import render_widget, settings_error
from tests.conftest import World

Client = AsyncTestClient[Litestar]
RANKED = {"type": "ranked", "settings": {}}


def order(body: dict[str, Any]) -> list[int]:
    votes = votes_of(body)
    return sorted(votes, key=lambda proposal_id: votes[proposal_id])


async def test_settings_are_validated(client: Client, world: World) -> None:
    for settings in (
        {"method": "condorcet"},
        {"min_ranks": 3, "max_ranks": 2},
        {"max_ranks": 0},
        {"min_ranks": -1},
    ):
        code = await settings_error(client, world, {"type": "ranked", "settings": settings})
        assert code == "validation", settings


async def test_ranks_move_and_close_gaps(client: Client, world: World) -> None:
    setup = await vote_dialogue(client, world, RANKED, proposals=4)
    a, b, c, d = setup.proposals
    body = (await put_vote(client, world.bob, setup, a, 1)).json()
    assert body["rules"] == {"min_ranks": 1, "max_ranks": None, "method": "borda"}
    assert (body["status"], body["remaining"]) == ("confirmed", {"ranks": None})
    await put_vote(client, world.bob, setup, b, 2)
    # A new proposal at rank 1 pushes the others down.
    body = (await put_vote(client, world.bob, setup, c, 1)).json()
    assert order(body) == [c, a, b]
    assert votes_of(body) == {c: 1, a: 2, b: 3}
    # Moving one already ranked.
    body = (await put_vote(client, world.bob, setup, c, 3)).json()
    assert order(body) == [a, b, c]
    # A rank that would leave a gap is refused.
    for proposal_id, rank in ((d, 5), (a, 4), (d, 0)):
        response = await put_vote(client, world.bob, setup, proposal_id, rank)
        assert response.status_code == 422, (proposal_id, rank)
        assert response.json()["code"] == "vote.invalid_value"
    body = (await put_vote(client, world.bob, setup, d, 4)).json()
    assert order(body) == [a, b, c, d]
    # Withdrawing closes the gap.
    body = (await client.delete(setup.vote(b), headers=world.bob.headers)).json()
    assert votes_of(body) == {a: 1, c: 2, d: 3}


async def test_whole_ballots_must_rank_one_to_n(client: Client, world: World) -> None:
    setup = await vote_dialogue(
        client, world, {"type": "ranked", "settings": {"max_ranks": 3}}, proposals=4
    )
    a, b, c, d = setup.proposals
    body = (await replace(client, world.bob, setup, {c: 1, a: 2, b: 3})).json()
    assert order(body) == [c, a, b]
    assert body["remaining"] == {"ranks": 0}
    for votes in ({a: 1, b: 3}, {a: 1, b: 1}, {a: 2}, {a: 0, b: 1}):
        response = await replace(client, world.bob, setup, votes)
        assert response.status_code == 422, votes
        assert response.json()["code"] == "vote.invalid_value"
    response = await replace(client, world.bob, setup, {a: 1, b: 2, c: 3, d: 4})
    assert response.json()["code"] == "vote.max_exceeded"
    response = await put_vote(client, world.bob, setup, d, 1)
    assert response.json()["code"] == "vote.max_exceeded"
    body = (await client.get(setup.ballot, headers=world.bob.headers)).json()
    assert order(body) == [c, a, b]


async def test_a_minimum_of_ranks_needs_confirmation(client: Client, world: World) -> None:
    setup = await vote_dialogue(
        client, world, {"type": "ranked", "settings": {"min_ranks": 2}}, proposals=3
    )
    a, b, _ = setup.proposals
    body = (await put_vote(client, world.bob, setup, a, 1)).json()
    assert body["status"] == "draft"
    response = await client.post(setup.ballot + "/confirm", headers=world.bob.headers)
    assert response.json()["code"] == "vote.min_not_reached"
    await put_vote(client, world.bob, setup, b, 2)
    body = (await client.post(setup.ballot + "/confirm", headers=world.bob.headers)).json()
    assert (body["status"], body["counted"]) == ("confirmed", True)


PROFILE = [
    # Five citizens' rankings of proposals 0..3 (indices into the setup's proposals).
    [0, 1, 2, 3],
    [0, 2, 1],
    [1, 2, 0, 3],
    [2, 1],
    [3, 0],
]


async def ranked_profile(client: Client, world: World, setup: VoteSetup) -> None:
    for index, ranking in enumerate(PROFILE):
        person = await world.person(f"votant{index}@example.org")
        ballot = {setup.proposals[choice]: rank for rank, choice in enumerate(ranking, 1)}
        response = await replace(client, person, setup, ballot)
        assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("method", "count"),
    [("borda", borda), ("schulze", schulze), ("instant_runoff", instant_runoff)],
)
async def test_tally_by_each_method(
    client: Client,
    world: World,
    database: Database,
    plugins: Plugins,
    method: str,
    count: Callable[[list[list[int]], list[int]], RankedTally],
) -> None:
    setup = await vote_dialogue(
        client, world, {"type": "ranked", "settings": {"method": method}}, proposals=4
    )
    await ranked_profile(client, world, setup)
    tally = await tally_of(database, plugins, setup)
    assert tally.ballots_counted == len(PROFILE)
    padded = [ranking + [-1] * (4 - len(ranking)) for ranking in PROFILE]
    expected = count(padded, setup.proposals)
    assert tally.proposals == {
        proposal_id: {"score": expected.scores[proposal_id], "rank": rank}
        for rank, proposal_id in enumerate(expected.order, start=1)
    }


async def test_borda_by_hand(
    client: Client, world: World, database: Database, plugins: Plugins
) -> None:
    setup = await vote_dialogue(client, world, RANKED, proposals=3)
    a, b, c = setup.proposals
    await replace(client, world.alice, setup, {a: 1, b: 2, c: 3})
    await replace(client, world.bob, setup, {b: 1, a: 2, c: 3})
    carole = await world.person("carole@example.org")
    await replace(client, carole, setup, {b: 1})
    # a: 2 + 1 + 0.5, b: 1 + 2 + 2, c: 0 + 0 + 0.5
    tally = await tally_of(database, plugins, setup)
    assert tally.proposals == {
        b: {"score": 5.0, "rank": 1},
        a: {"score": 3.5, "rank": 2},
        c: {"score": 0.5, "rank": 3},
    }


def test_widget(plugins: Plugins) -> None:
    proposal = SimpleNamespace(id=9, title="Fontaine")
    page = render_widget(
        plugins,
        "vote_ranked/widget.html",
        proposal=proposal,
        value=None,
        settings=RankedSettings(),
        remaining={"ranks": None},
        ranked_count=2,
    )
    assert '<form method="post" action="/proposals/9/vote"' in page
    assert '<input type="hidden" name="csrf_token" value="jeton-csrf">' in page
    assert page.count("<option ") == 3 and '<option value="3" selected>' in page
    assert 'value="withdraw"' not in page
    page = render_widget(
        plugins,
        "vote_ranked/widget.html",
        proposal=proposal,
        value=1,
        settings=RankedSettings(),
        remaining={"ranks": None},
        ranked_count=2,
    )
    assert page.count("<option ") == 2 and '<option value="1" selected>' in page
    assert 'name="action" value="withdraw"' in page


def test_the_widget_offers_no_rank_beyond_the_maximum(plugins: Plugins) -> None:
    proposal = SimpleNamespace(id=9, title="Fontaine")
    full = render_widget(
        plugins,
        "vote_ranked/widget.html",
        proposal=proposal,
        value=None,
        settings=RankedSettings(max_ranks=3),
        remaining={"ranks": 0},
        ranked_count=3,
    )
    assert "<option " not in full and "<form" not in full
    assert "nombre maximal de propositions (3)" in full
    ranked = render_widget(
        plugins,
        "vote_ranked/widget.html",
        proposal=proposal,
        value=2,
        settings=RankedSettings(max_ranks=3),
        remaining={"ranks": 0},
        ranked_count=3,
    )
    assert ranked.count("<option ") == 3  # one already ranked moves among the 3 ranks
