"""Benchmark the counting rules against pabutools and pref_voting, checking identical winners.

Usage: ``python bench/bench_rules.py [--quick] [--skip-slow-reference]``

Seeded random instances: approval participatory budgets (costs 10,000-400,000, budget 30 %
of the total cost, per-project approval rates drawn from Beta(1.2, 6)) and complete ranked
ballots (uniformly random rankings). Prints a table and rewrites this script's section of
``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import platform
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.aggregation import BudgetElection  # noqa: E402
from plugins.budget.equal_shares import EqualSharesRule  # noqa: E402
from plugins.budget.greedy import GreedyRule  # noqa: E402
from plugins.vote_ranked.tally import instant_runoff, schulze  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"
START, END = "<!-- bench_rules:start -->", "<!-- bench_rules:end -->"


def timed(function: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def budget_instance(n: int, m: int, seed: int) -> tuple[int, dict[int, int], list[list[int]]]:
    rng = numpy.random.default_rng(seed)
    costs = {pid: int(rng.integers(10, 400)) * 1000 for pid in range(1, m + 1)}
    budget = int(sum(costs.values()) * 0.3)
    approve = rng.random((n, m)) < rng.beta(1.2, 6, size=m)
    return budget, costs, [[j + 1 for j in numpy.flatnonzero(row)] for row in approve]


def pabutools_rules(budget: int, costs: dict[int, int], ballots: list[list[int]]) -> Any:
    from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project
    from pabutools.rules import (
        completion_by_rule_combination,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
    )

    instance = Instance(budget_limit=budget)
    projects = {pid: Project(f"{pid:06d}", cost) for pid, cost in costs.items()}
    instance.update(projects.values())
    profile = ApprovalProfile([ApprovalBallot([projects[p] for p in b]) for b in ballots])

    def equal_shares() -> tuple[int, ...]:
        outcome = completion_by_rule_combination(
            instance,
            profile,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": Cost_Sat, "voter_budget_increment": 1}, {"sat_class": Cost_Sat}],
        )
        return tuple(int(p.name) for p in outcome)

    def greedy() -> tuple[int, ...]:
        outcome = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
        return tuple(int(p.name) for p in outcome)

    return {"equal_shares": equal_shares, "greedy": greedy}


def bench_budget(rows: list[list[str]], sizes: list[tuple[int, int, bool]]) -> None:
    for n, m, with_reference in sizes:
        budget, costs, ballots = budget_instance(n, m, seed=n + m)
        election = BudgetElection.from_approvals(budget, costs, ballots)
        reference = pabutools_rules(budget, costs, ballots) if with_reference else {}
        for rule in (EqualSharesRule(), GreedyRule()):
            outcome, ours = timed(rule.select, election)
            if rule.id in reference:
                expected, theirs = timed(reference[rule.id])
                same = "yes" if expected == outcome.winners else "**NO**"
                rows.append(row(rule.id, f"{n:,} x {m}", ours, theirs, same))
            else:
                rows.append(row(rule.id, f"{n:,} x {m}", ours, None, "-"))
            print(rows[-1], flush=True)


def bench_ranked(rows: list[list[str]], sizes: list[tuple[int, int, bool, bool]]) -> None:
    from pref_voting.iterative_methods import instant_runoff_tb
    from pref_voting.margin_based_methods import beat_path
    from pref_voting.profiles import Profile

    for n, m, schulze_reference, irv_reference in sizes:
        rng = numpy.random.default_rng(n + m)
        ballots = numpy.argsort(rng.random((n, m)), axis=1)
        ids = list(range(1, m + 1))
        profile: Any = None
        build = 0.0
        if schulze_reference or irv_reference:
            profile, build = timed(Profile, ballots)
        by_id = functools.partial(instant_runoff_tb, tie_breaker=list(range(m))[::-1])
        cases = [
            ("schulze", schulze, schulze_reference, beat_path),
            ("instant_runoff", instant_runoff, irv_reference, by_id),
        ]
        for name, ours_rule, with_reference, theirs_rule in cases:
            tally, ours = timed(ours_rule, ballots, ids)
            if with_reference:
                winners, theirs = timed(theirs_rule, profile)
                same = "yes" if tally.winners == tuple(c + 1 for c in winners) else "**NO**"
                rows.append(row(name, f"{n:,} x {m}", ours, build + theirs, same))
            else:
                rows.append(row(name, f"{n:,} x {m}", ours, None, "-"))
            print(rows[-1], flush=True)


def row(rule: str, size: str, ours: float, theirs: float | None, same: str) -> list[str]:
    if theirs is None:
        return [rule, size, f"{ours:.3f}", "not run", "-", same]
    return [rule, size, f"{ours:.3f}", f"{theirs:.2f}", f"{theirs / ours:,.0f}x", same]


def report(rows: list[list[str]], command: str, seconds: float) -> str:
    header = ["rule", "voters x projects/candidates", "ours (s)", "reference (s)", "ratio", "same"]
    lines = [
        START,
        "## Counting rules (`bench/bench_rules.py`)",
        "",
        f"- date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {platform.machine()}, {platform.processor() or 'unknown CPU'}, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}",
        f"- versions: numpy {version('numpy')}, pabutools {version('pabutools')}, "
        f"pref_voting {version('pref_voting')}",
        f"- command: `{command}` (total {seconds:.0f} s)",
        "- reference: pabutools `completion_by_rule_combination(method_of_equal_shares"
        "(Cost_Sat, voter_budget_increment=1), greedy_utilitarian_welfare(Cost_Sat))` and "
        "`greedy_utilitarian_welfare(Cost_Sat)`; pref_voting `beat_path` and "
        "`instant_runoff_tb`, timed with `Profile` construction (it computes the tally)",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(r) + " |" for r in rows),
        END,
    ]
    return "\n".join(lines)


def save(section: str) -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmarks\n"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        text = before + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument(
        "--skip-slow-reference",
        action="store_true",
        help="do not run the references at the sizes where they take minutes",
    )
    args = parser.parse_args()
    slow = not args.skip_slow_reference
    rows: list[list[str]] = []
    start = time.perf_counter()
    if args.quick:
        bench_budget(rows, [(1_000, 50, True), (10_000, 50, False)])
        bench_ranked(rows, [(10_000, 50, True, True)])
    else:
        bench_budget(rows, [(1_000, 50, True), (10_000, 50, slow), (100_000, 100, False)])
        bench_ranked(rows, [(10_000, 50, True, True), (100_000, 200, slow, False)])
    command = "python bench/bench_rules.py " + " ".join(sys.argv[1:])
    section = report(rows, command.strip(), time.perf_counter() - start)
    print(section)
    save(section)


if __name__ == "__main__":
    main()
