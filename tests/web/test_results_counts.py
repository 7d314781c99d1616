"""Results through the API equal a count made here from the stored ballots, for every vote
type; budget winners equal pabutools' on the same ballots, ranked orders pref_voting's."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pabutools.election import (
    AbstractBallot,
    Additive_Cardinal_Sat,
    ApprovalBallot,
    ApprovalProfile,
    CardinalBallot,
    CardinalProfile,
    Cost_Sat,
    Instance,
    Project,
)
from pabutools.election.satisfaction.additivesatisfaction import AdditiveSatisfaction
from pabutools.rules import (
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)
from pref_voting.iterative_methods import instant_runoff_tb
from pref_voting.margin_based_methods import beat_path_defeat
from pref_voting.profiles_with_ties import ProfileWithTies
from pref_voting.scoring_methods import symmetric_borda_scores

from core.db import Database
from core.plugin_manager import Plugins
from participe.testing import configure_before_vote, tally_of, vote_dialogue
from tests.conftest import World
from tests.results_helpers import by_id, citizens, read_results, stored_ballots, vote_at_random

PROPOSALS = 6
VOTERS = 12
COSTS = [40_000, 25_000, 60_000, 10_000, 35_000, 20_000]
OPTIONS = {"yes": 1, "no": -1, "neutral": 0}


class PointsSat(AdditiveSatisfaction):  # type: ignore[misc]
    def __init__(self, instance: Instance, profile: object, ballot: AbstractBallot) -> None:
        super().__init__(instance, profile, ballot, lambda i, pr, b, p, pre: b.get(p, 0) * p.cost)


async def _vote(
    client: AsyncTestClient[Litestar],
    world: World,
    vote: dict[str, Any],
    seed: int,
    *,
    budget: dict[str, Any] | None = None,
) -> tuple[Any, dict[str, Any]]:
    setup = await vote_dialogue(client, world, vote, proposals=PROPOSALS, costs=COSTS)
    changes: dict[str, Any] = {"results_visibility": "live"}
    if budget is not None:
        changes["budget"] = budget
    await configure_before_vote(client, world, setup.slug, changes)
    people = await citizens(world, VOTERS)
    await vote_at_random(
        client, people, setup, vote["type"], random.Random(seed), vote.get("settings")
    )
    response = await read_results(client, setup.slug, world.alice)
    assert response.status_code == 200, response.text
    return setup, response.json()


@pytest.mark.parametrize("seed", [1, 2])
async def test_support_counts(
    client: AsyncTestClient[Litestar], world: World, database: Database, seed: int
) -> None:
    setup, body = await _vote(client, world, {"type": "support", "settings": {}}, seed)
    ballots = await stored_ballots(database, setup.slug)
    expected = Counter(p for ballot in ballots for p in ballot)
    assert body["ballots_counted"] == len(ballots) == VOTERS
    assert by_id(body) == {p: {"supports": expected[p]} for p in setup.proposals}
    assert body["winners"] == []


async def test_binary_counts_and_shares(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    vote = {"type": "binary", "settings": {"options": ["yes", "no", "neutral"]}}
    setup, body = await _vote(client, world, vote, 3)
    counts: dict[int, Counter[int]] = defaultdict(Counter)
    for ballot in await stored_ballots(database, setup.slug):
        for proposal_id, value in ballot.items():
            counts[proposal_id][value] += 1
    for proposal_id, tally in by_id(body).items():
        expected = {option: counts[proposal_id][value] for option, value in OPTIONS.items()}
        assert tally["counts"] == expected
        total = sum(expected.values())
        assert tally["shares"] == {
            option: round(n / total, 4) if total else 0.0 for option, n in expected.items()
        }
        assert list(tally["counts"]) == ["yes", "no", "neutral"]


@pytest.mark.parametrize("mode", ["distribute", "scale"])
async def test_points_counts(
    client: AsyncTestClient[Litestar], world: World, database: Database, mode: str
) -> None:
    vote = {"type": "points", "settings": {"mode": mode, "points_budget": 10, "scale_max": 5}}
    setup, body = await _vote(client, world, vote, 4)
    given: dict[int, list[int]] = defaultdict(list)
    for ballot in await stored_ballots(database, setup.slug):
        for proposal_id, value in ballot.items():
            given[proposal_id].append(value)
    for proposal_id, tally in by_id(body).items():
        assert tally["points"] == sum(given[proposal_id])
        if mode == "scale":
            values = given[proposal_id]
            assert tally["mean"] == (round(sum(values) / len(values), 4) if values else None)
        else:
            assert "mean" not in tally


async def test_results_equal_the_recount_from_the_vote_log(
    client: AsyncTestClient[Litestar], world: World, database: Database, plugins: Plugins
) -> None:
    vote = {"type": "binary", "settings": {"options": ["for", "against"]}}
    setup, body = await _vote(client, world, vote, 5)
    tally = await tally_of(database, plugins, setup)
    assert body["ballots_counted"] == tally.ballots_counted
    expected = {pid: t for pid, t in tally.proposals.items()}
    assert {pid: {"counts": t["counts"]} for pid, t in by_id(body).items()} == expected


def _pabutools_winners(
    budget: int, costs: dict[int, int], ballots: list[dict[int, int]], rule: str, points: bool
) -> list[int]:
    instance = Instance(budget_limit=budget)
    projects = {pid: Project(f"{pid:06d}", cost) for pid, cost in costs.items()}
    instance.update(projects.values())
    if points:
        profile: Any = CardinalProfile(
            [CardinalBallot({projects[p]: v for p, v in b.items() if v > 0}) for b in ballots]
        )
        sat, greedy_sat = Additive_Cardinal_Sat, PointsSat
    else:
        profile = ApprovalProfile([ApprovalBallot([projects[p] for p in b]) for b in ballots])
        sat, greedy_sat = Cost_Sat, Cost_Sat
    if rule == "greedy":
        outcome = greedy_utilitarian_welfare(instance, profile, sat_class=greedy_sat)
    else:
        outcome = completion_by_rule_combination(
            instance,
            profile,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": sat, "voter_budget_increment": 1}, {"sat_class": greedy_sat}],
        )
    return [int(p.name) for p in outcome]


@pytest.mark.parametrize("rule", ["greedy", "equal_shares"])
@pytest.mark.parametrize("vote_type", ["support", "points"])
async def test_budget_winners_equal_pabutools(
    client: AsyncTestClient[Litestar], world: World, database: Database, rule: str, vote_type: str
) -> None:
    amount = 100_000
    vote = {"type": vote_type, "settings": {"points_budget": 10} if vote_type == "points" else {}}
    setup, body = await _vote(client, world, vote, 7, budget={"amount": amount, "rule": rule})
    costs = dict(zip(setup.proposals, COSTS, strict=True))
    ballots = await stored_ballots(database, setup.slug)
    expected = _pabutools_winners(amount, costs, ballots, rule, vote_type == "points")
    assert sorted(body["winners"]) == sorted(expected)
    if rule == "greedy":
        assert body["winners"] == expected  # the same order: most supported first
    assert body["budget"] == {
        "amount": amount,
        "rule": rule,
        "spent": sum(costs[p] for p in expected),
    }
    assert body["budget"]["spent"] <= amount


def _profile(ballots: list[dict[int, int]], ids: list[int]) -> ProfileWithTies:
    index = {pid: j for j, pid in enumerate(ids)}
    profile = ProfileWithTies(
        [{index[p]: rank for p, rank in ballot.items()} for ballot in ballots],
        candidates=list(range(len(ids))),
    )
    profile.use_extended_strict_preference()
    return profile


def _order_from_defeats(defeats: set[tuple[int, int]], ids: list[int]) -> list[int]:
    remaining = set(range(len(ids)))
    order = []
    while remaining:
        undefeated = [c for c in remaining if not any((d, c) in defeats for d in remaining)]
        pick = min(undefeated, key=lambda c: ids[c])
        order.append(ids[pick])
        remaining.remove(pick)
    return order


@pytest.mark.parametrize("method", ["borda", "schulze", "instant_runoff"])
async def test_ranked_order_equals_pref_voting(
    client: AsyncTestClient[Litestar], world: World, database: Database, method: str
) -> None:
    vote = {"type": "ranked", "settings": {"method": method}}
    setup, body = await _vote(client, world, vote, 11)
    ids = sorted(setup.proposals)
    profile = _profile(await stored_ballots(database, setup.slug), ids)
    tallies = by_id(body)
    assert sorted(t["rank"] for t in tallies.values()) == list(range(1, len(ids) + 1))
    assert body["winners"] == sorted(ids, key=lambda pid: tallies[pid]["rank"])
    if method == "borda":
        scores = symmetric_borda_scores(profile)
        expected = sorted(ids, key=lambda pid: (-scores[ids.index(pid)], pid))
        assert body["winners"] == expected
    elif method == "schulze":
        defeats = {(int(a), int(b)) for a, b in beat_path_defeat(profile).edges}
        assert body["winners"] == _order_from_defeats(defeats, ids)
    else:
        winner = instant_runoff_tb(profile, tie_breaker=list(range(len(ids)))[::-1])
        assert body["winners"][:1] == [ids[c] for c in winner]
