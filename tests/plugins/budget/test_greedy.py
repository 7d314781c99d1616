"""Greedy rule: hand-computed examples and equality with pabutools' greedy welfare rule."""

from __future__ import annotations

import random

from pabutools.election import (
    AbstractBallot,
    ApprovalBallot,
    ApprovalProfile,
    CardinalBallot,
    CardinalProfile,
    Cost_Sat,
    Instance,
    Project,
)
from pabutools.election.satisfaction.additivesatisfaction import AdditiveSatisfaction
from pabutools.rules import greedy_utilitarian_welfare

from core.aggregation import BudgetElection
from plugins.budget.greedy import GreedyRule


class PointsSat(AdditiveSatisfaction):  # type: ignore[misc]
    """Points times cost, so that pabutools' welfare per unit of cost is the sum of points."""

    def __init__(self, instance: Instance, profile: object, ballot: AbstractBallot) -> None:
        super().__init__(instance, profile, ballot, lambda i, pr, b, p, pre: b.get(p, 0) * p.cost)


def _name(pid: int) -> str:
    return f"{pid:06d}"  # names sort like ids, as our tie-breaking


def test_most_supported_first_and_skip_what_does_not_fit() -> None:
    costs = {1: 50, 2: 60, 3: 30, 4: 20}
    ballots = [[1, 2], [2, 3], [2, 4], [1, 3], [3]]
    # supporters: 1 -> 2, 2 -> 3, 3 -> 3, 4 -> 1; 2 and 3 tie: lower id first.
    outcome = GreedyRule().select(BudgetElection.from_approvals(100, costs, ballots))
    assert outcome.winners == (2, 3)
    assert outcome.spent == 90


def test_points_are_summed() -> None:
    costs = {1: 40, 2: 40, 3: 40}
    ballots = [{1: 3, 2: 1}, {2: 2, 3: 1}, {2: 1, 3: 4}]
    outcome = GreedyRule().select(BudgetElection.from_ballots(80, costs, ballots))
    assert outcome.winners == (3, 2)  # 3: 5 points, 2: 4 points, 1: 3 points


def test_unsupported_projects_come_last() -> None:
    outcome = GreedyRule().select(BudgetElection.from_approvals(100, {1: 10, 2: 80}, [[2]]))
    assert outcome.winners == (2, 1)


def _random_case(seed: int) -> tuple[int, dict[int, int], list[list[int]]]:
    rng = random.Random(seed)
    costs = {pid: rng.randint(1, 30) * 10 for pid in rng.sample(range(1, 500), rng.randint(1, 12))}
    budget = rng.randint(1, sum(costs.values()))
    ballots = [[p for p in costs if rng.random() < 0.4] for _ in range(rng.randint(1, 40))]
    return budget, costs, ballots


def test_approval_equals_pabutools() -> None:
    for seed in range(300):
        budget, costs, ballots = _random_case(seed)
        instance = Instance(budget_limit=budget)
        projects = {pid: Project(_name(pid), cost) for pid, cost in costs.items()}
        instance.update(projects.values())
        profile = ApprovalProfile([ApprovalBallot([projects[p] for p in b]) for b in ballots])
        expected = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
        ours = GreedyRule().select(BudgetElection.from_approvals(budget, costs, ballots))
        assert ours.winners == tuple(int(p.name) for p in expected), seed


def test_points_equal_pabutools() -> None:
    for seed in range(300):
        budget, costs, approvals = _random_case(seed)
        rng = random.Random(-seed)
        ballots = [{p: rng.randint(1, 5) for p in b} for b in approvals]
        instance = Instance(budget_limit=budget)
        projects = {pid: Project(_name(pid), cost) for pid, cost in costs.items()}
        instance.update(projects.values())
        profile = CardinalProfile(
            [CardinalBallot({projects[p]: v for p, v in b.items()}) for b in ballots]
        )
        expected = greedy_utilitarian_welfare(instance, profile, sat_class=PointsSat)
        ours = GreedyRule().select(BudgetElection.from_ballots(budget, costs, ballots))
        assert ours.winners == tuple(int(p.name) for p in expected), seed
