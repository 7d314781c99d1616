"""The "what if" report: the same ballots under every rule, with the money spent, the share
of voters with a funded project and the mean satisfaction, computed here by hand."""

from __future__ import annotations

import random
from typing import Annotated, Any, Literal

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.aggregation import BudgetElection, BudgetOutcome
from core.budget_elections import election_from_votes
from core.db import Database
from core.services.results_report import method_variants, outcome_measures
from core.vote_types import CountedVotes
from participe.testing import configure_before_vote, vote_dialogue
from tests.conftest import World
from tests.results_helpers import (
    admin_results_url,
    citizens,
    read_results,
    stored_ballots,
    vote_at_random,
)

COSTS = [40_000, 25_000, 60_000, 10_000, 35_000, 20_000]


async def _budget(
    client: Any, world: World, vote: dict[str, Any], rule: str = "equal_shares"
) -> Any:
    setup = await vote_dialogue(client, world, vote, proposals=len(COSTS), costs=COSTS)
    changes = {"budget": {"amount": 100_000, "rule": rule}, "results_visibility": "live"}
    await configure_before_vote(client, world, setup.slug, changes)
    people = await citizens(world, 15)
    await vote_at_random(client, people, setup, vote["type"], random.Random(21), vote["settings"])
    return setup


def _by_hand(
    winners: list[int], costs: dict[int, int], ballots: list[dict[int, int]], points: bool
) -> tuple[float, float]:
    won_any, satisfaction = [], []
    for ballot in ballots:
        weight = {p: (v if points else costs[p]) for p, v in ballot.items() if v > 0}
        if not weight:
            continue
        funded = sum(w for p, w in weight.items() if p in winners)
        won_any.append(funded > 0)
        satisfaction.append(funded / sum(weight.values()))
    return sum(won_any) / len(won_any), sum(satisfaction) / len(satisfaction)


@pytest.mark.parametrize("vote_type", ["support", "points"])
async def test_every_rule_side_by_side(
    client: AsyncTestClient[Litestar], world: World, database: Database, vote_type: str
) -> None:
    vote = {"type": vote_type, "settings": {"points_budget": 10} if vote_type == "points" else {}}
    setup = await _budget(client, world, vote)
    response = await client.get(
        admin_results_url(setup.slug, "report"), headers=world.admin.headers
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["current"] == "equal_shares"
    assert report["budget"] == 100_000 and report["ballots_counted"] == 15
    assert [row["rule"] for row in report["rules"]] == ["greedy", "equal_shares"]
    results = (await read_results(client, setup.slug)).json()
    rows = {row["rule"]: row for row in report["rules"]}
    assert rows["equal_shares"]["winners"] == results["winners"]

    costs = dict(zip(setup.proposals, COSTS, strict=True))
    ballots = await stored_ballots(database, setup.slug)
    for row in report["rules"]:
        assert row["spent"] == sum(costs[p] for p in row["winners"]) <= 100_000
        with_winner, satisfaction = _by_hand(row["winners"], costs, ballots, vote_type == "points")
        assert row["voters_with_a_winner"] == round(with_winner, 4)
        assert row["mean_satisfaction"] == round(satisfaction, 4)


async def test_ranked_methods_side_by_side(client: AsyncTestClient[Litestar], world: World) -> None:
    vote = {"type": "ranked", "settings": {"method": "schulze"}}
    setup = await vote_dialogue(client, world, vote, proposals=4)
    await vote_at_random(client, await citizens(world, 9), setup, "ranked", random.Random(3))
    response = await client.get(
        admin_results_url(setup.slug, "report"), headers=world.admin.headers
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["current"] == "schulze"
    assert sorted(row["rule"] for row in report["rules"]) == ["borda", "instant_runoff", "schulze"]
    preview = (await read_results(client, setup.slug, world.admin)).json()
    schulze = next(row for row in report["rules"] if row["rule"] == "schulze")
    assert schulze["winners"] == preview["winners"]
    assert all(sorted(row["winners"]) == sorted(setup.proposals) for row in report["rules"])


async def test_report_refusals(client: AsyncTestClient[Litestar], world: World) -> None:
    setup = await vote_dialogue(client, world, {"type": "support", "settings": {}})
    url = admin_results_url(setup.slug, "report")
    assert (await client.get(url, headers=world.alice.headers)).status_code == 403
    assert (await client.get(url)).status_code == 401
    response = await client.get(url, headers=world.admin.headers)
    assert (response.status_code, response.json()["code"]) == (409, "results.no_rules")


def test_measures_on_a_hand_example() -> None:
    # Budget 100: A (60) by voters 0 and 1, B (40) by voter 1, C (50) by voter 2.
    election = BudgetElection.from_approvals(100, {1: 60, 2: 40, 3: 50}, [[1], [1, 2], [3]])
    measures = outcome_measures(election, BudgetOutcome(winners=(1, 2), spent=100))
    # Voter 0: 60/60; voter 1: 100/100; voter 2: 0/50.
    assert measures == {
        "voters_with_a_winner": round(2 / 3, 4),
        "mean_satisfaction": round(2 / 3, 4),
    }
    empty = BudgetElection.from_approvals(100, {1: 60}, [[]])
    assert outcome_measures(empty, BudgetOutcome((), 0.0)) == {
        "voters_with_a_winner": None,
        "mean_satisfaction": None,
    }


def test_election_from_votes_equals_the_reference_constructors() -> None:
    rng = random.Random(5)
    for _ in range(50):
        ids = sorted(rng.sample(range(1, 60), rng.randint(1, 8)))
        costs = [rng.choice([0, None, *range(1, 100)]) for _ in ids]
        ballots = [
            {p: rng.randint(0, 5) for p in rng.sample(ids, rng.randint(0, len(ids)))}
            for _ in range(rng.randint(0, 12))
        ]
        rows = [(b, p, v) for b, ballot in enumerate(ballots) for p, v in sorted(ballot.items())]
        votes = CountedVotes(
            ids,
            [r[0] for r in rows],
            [r[1] for r in rows],
            [r[2] for r in rows],
            len(ballots),
        )
        cost_map = {p: float(c or 0) for p, c in zip(ids, costs, strict=True)}
        points = election_from_votes(50, ids, costs, votes, "points")
        expected = BudgetElection.from_ballots(50, cost_map, ballots)
        approvals = election_from_votes(50, ids, costs, votes, "approval")
        expected_approvals = BudgetElection.from_approvals(
            50, cost_map, [[p for p, v in b.items() if v == 1] for b in ballots]
        )
        for got, want in ((points, expected), (approvals, expected_approvals)):
            assert got.project_ids == want.project_ids
            assert got.ballot_kind == want.ballot_kind
            # The same ballots; voters left with nothing to support may come last.
            assert sorted(_voters(got)) == sorted(_voters(want))
            assert got.costs.tolist() == want.costs.tolist()


def _voters(election: BudgetElection) -> list[tuple[tuple[int, float], ...]]:
    ptr = election.voter_ptr.tolist()
    return [
        tuple(
            zip(
                election.voter_projects[ptr[i] : ptr[i + 1]].tolist(),
                election.voter_utilities[ptr[i] : ptr[i + 1]].tolist(),
                strict=True,
            )
        )
        for i in range(election.n_voters)
    ]


class Plain(msgspec.Struct):
    method: Literal["a", "b"] = "a"


class Titled(msgspec.Struct):
    method: Annotated[Literal["a", "b"], msgspec.Meta(extra={"choices": {"a": "Alpha"}})] = "a"


class NoMethod(msgspec.Struct):
    other: int = 0


def test_method_variants_with_and_without_titles() -> None:
    def kind(settings: type) -> Any:
        return type("Kind", (), {"settings_type": settings})()

    assert method_variants(kind(Plain)) == {"a": "a", "b": "b"}
    assert method_variants(kind(Titled)) == {"a": "Alpha", "b": "b"}
    assert method_variants(kind(NoMethod)) == {}
