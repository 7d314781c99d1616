"""Method of Equal Shares: hand-computed examples, equality with pabutools (plain, add1 and
greedy completion), and the add1 shortcut against plain step-by-step increments."""

from __future__ import annotations

import random

import numpy
import pytest
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

from core.aggregation import BudgetElection
from plugins.budget.equal_shares import EqualSharesRule, equal_shares, equal_shares_add1


class PointsSat(AdditiveSatisfaction):  # type: ignore[misc]
    """Points times cost: pabutools' greedy then orders by sum of points, like ours."""

    def __init__(self, instance: Instance, profile: object, ballot: AbstractBallot) -> None:
        super().__init__(instance, profile, ballot, lambda i, pr, b, p, pre: b.get(p, 0) * p.cost)


def _ids(election: BudgetElection, indices: list[int]) -> list[int]:
    return [election.project_ids[j] for j in indices]


# Budget 100, ten voters (10 each). A and B (50 each) are approved by voters 0-5, C (50) by
# voters 6-9. Greedy funds A and B. Equal shares funds A (tie with B at 50/6 per voter,
# lower id), after which B is out of reach and C too (4 x 10 < 50); add1 raises every
# voter's money to 13, where C becomes affordable (4 x 13 = 52): A then C, spending 100.
HAND_COSTS = {1: 50, 2: 50, 3: 50}
HAND_BALLOTS = [[1, 2]] * 6 + [[3]] * 4


def test_hand_example_plain_run() -> None:
    election = BudgetElection.from_approvals(100, HAND_COSTS, HAND_BALLOTS)
    assert _ids(election, equal_shares(election)) == [1]
    assert _ids(election, equal_shares(election, voter_budget=12)) == [1]
    assert _ids(election, equal_shares(election, voter_budget=13)) == [1, 3]


def test_hand_example_add1_and_rule() -> None:
    election = BudgetElection.from_approvals(100, HAND_COSTS, HAND_BALLOTS)
    assert _ids(election, equal_shares_add1(election)) == [1, 3]
    outcome = EqualSharesRule().select(election)
    assert outcome.winners == (1, 3)
    assert outcome.spent == 100


def test_poor_voters_pay_what_they_have() -> None:
    # 4 voters with 25 each. A (60) by voters 0-2 at 20 each; then C (30) by voters 0 and 3:
    # voter 0 has 5 left and pays it all, voter 3 pays the other 25. B (40) stays unfunded.
    election = BudgetElection.from_approvals(100, {1: 60, 2: 40, 3: 30}, [[1, 3], [1], [1], [2, 3]])
    assert EqualSharesRule().select(election).winners == (1, 3)


def test_add1_keeps_the_last_outcome_that_fits() -> None:
    # One voter each for A (60) and B (50): at 50 per voter B is bought; at 60 both would be,
    # costing 110 > 100, so add1 stops at the last affordable outcome, then greedy has no room.
    election = BudgetElection.from_approvals(100, {1: 60, 2: 50}, [[1], [2]])
    assert EqualSharesRule().select(election).winners == (2,)


def _instance(budget: int, costs: dict[int, int]) -> tuple[Instance, dict[int, Project]]:
    instance = Instance(budget_limit=budget)
    projects = {pid: Project(f"{pid:06d}", cost) for pid, cost in costs.items()}
    instance.update(projects.values())
    return instance, projects


def _random_costs(rng: random.Random) -> tuple[int, dict[int, int]]:
    costs = {
        pid: rng.randint(1, 50) * rng.choice([1, 10, 100])
        for pid in rng.sample(range(1, 1000), rng.randint(1, 12))
    }
    return rng.randint(1, sum(costs.values())), costs


def _pabutools_rule(instance: Instance, profile: object, sat: type, greedy_sat: type) -> list[int]:
    outcome = completion_by_rule_combination(
        instance,
        profile,
        [method_of_equal_shares, greedy_utilitarian_welfare],
        [{"sat_class": sat, "voter_budget_increment": 1}, {"sat_class": greedy_sat}],
    )
    return [int(p.name) for p in outcome]


@pytest.mark.parametrize("block", range(10))
def test_approval_equals_pabutools(block: int) -> None:
    for seed in range(block * 25, block * 25 + 25):
        rng = random.Random(seed)
        budget, costs = _random_costs(rng)
        popularity = {pid: rng.random() for pid in costs}
        ballots = [
            [p for p in costs if rng.random() < popularity[p]] for _ in range(rng.randint(1, 120))
        ]
        instance, projects = _instance(budget, costs)
        profile = ApprovalProfile([ApprovalBallot([projects[p] for p in b]) for b in ballots])
        election = BudgetElection.from_approvals(budget, costs, ballots)
        plain = method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
        assert _ids(election, equal_shares(election)) == [int(p.name) for p in plain], seed
        expected = _pabutools_rule(instance, profile, Cost_Sat, Cost_Sat)
        assert list(EqualSharesRule().select(election).winners) == expected, seed


@pytest.mark.parametrize("block", range(10))
def test_points_equal_pabutools(block: int) -> None:
    for seed in range(block * 25, block * 25 + 25):
        rng = random.Random(seed)
        budget, costs = _random_costs(rng)
        popularity = {pid: rng.random() for pid in costs}
        ballots = [
            {p: rng.randint(1, 5) for p in costs if rng.random() < popularity[p]}
            for _ in range(rng.randint(1, 120))
        ]
        instance, projects = _instance(budget, costs)
        profile = CardinalProfile(
            [CardinalBallot({projects[p]: v for p, v in b.items()}) for b in ballots]
        )
        election = BudgetElection.from_ballots(budget, costs, ballots)
        plain = method_of_equal_shares(instance, profile, sat_class=Additive_Cardinal_Sat)
        assert _ids(election, equal_shares(election)) == [int(p.name) for p in plain], seed
        expected = _pabutools_rule(instance, profile, Additive_Cardinal_Sat, PointsSat)
        assert list(EqualSharesRule().select(election).winners) == expected, seed


def _add1_step_by_step(election: BudgetElection) -> list[int]:
    """add1 exactly as specified, one increment at a time (slow but plain)."""
    base = election.budget / election.n_voters
    previous: list[int] = []
    supported = set(election.voter_projects.tolist())
    step = 0
    while True:
        winners = equal_shares(election, voter_budget=base + step)
        spent = float(election.costs[winners].sum())
        if spent > election.budget + 1e-6:
            return previous
        room = election.budget - spent + 1e-6
        if all(j in winners or election.costs[j] > room for j in supported):
            return winners
        previous, step = winners, step + 1


@pytest.mark.parametrize("kind", ["approval", "points"])
def test_add1_shortcut_equals_every_increment(kind: str) -> None:
    rng = numpy.random.default_rng(7)
    for _ in range(60):
        m = int(rng.integers(2, 15))
        n = int(rng.integers(2, 60))
        costs = {pid + 1: int(c) for pid, c in enumerate(rng.integers(1, 400, size=m) * 10)}
        budget = int(sum(costs.values()) * rng.uniform(0.1, 0.9))
        approve = rng.random((n, m)) < rng.beta(1, 3, size=m)
        if kind == "approval":
            election = BudgetElection.from_approvals(
                budget, costs, [[j + 1 for j in numpy.flatnonzero(row)] for row in approve]
            )
        else:
            election = BudgetElection.from_ballots(
                budget,
                costs,
                [{j + 1: int(rng.integers(1, 6)) for j in numpy.flatnonzero(r)} for r in approve],
            )
        assert equal_shares_add1(election) == _add1_step_by_step(election)


def test_no_voters_falls_back_to_greedy() -> None:
    election = BudgetElection.from_approvals(100, {1: 60, 2: 50}, [])
    assert EqualSharesRule().select(election).winners == (1,)
