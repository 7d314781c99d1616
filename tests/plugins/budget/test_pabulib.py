"""Pabulib files: parsing, round trips, clear errors, and the same winners as pabutools."""

from __future__ import annotations

from pathlib import Path

import pytest
from pabutools.election import Additive_Cardinal_Sat, Cost_Sat
from pabutools.election import parse_pabulib as pabutools_parse
from pabutools.election.satisfaction.additivesatisfaction import AdditiveSatisfaction
from pabutools.rules import (
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)

from core.aggregation import BallotKind
from plugins.budget.equal_shares import EqualSharesRule
from plugins.budget.greedy import GreedyRule
from plugins.budget.pabulib import (
    PabulibError,
    PabulibFile,
    PabulibProject,
    PabulibVote,
    format_pabulib,
    parse_pabulib,
    read_pabulib,
    write_pabulib,
)

DATA = Path(__file__).parents[2] / "data" / "pabulib"
FILES = sorted(DATA.glob("*.pb"))


class PointsSat(AdditiveSatisfaction):  # type: ignore[misc]
    def __init__(self, instance: object, profile: object, ballot: object) -> None:
        super().__init__(instance, profile, ballot, lambda i, pr, b, p, pre: b.get(p, 0) * p.cost)


def test_the_sample_files_are_there() -> None:
    assert [f.name for f in FILES] == [
        "villeneuve_2025_approval.pb",
        "villeneuve_2025_cumulative.pb",
    ]


def test_reads_quoted_fields_and_extra_columns() -> None:
    data = read_pabulib(DATA / "villeneuve_2025_approval.pb")
    assert data.budget == 150000
    assert data.vote_type == "approval"
    assert len(data.projects) == 12 and len(data.votes) == 60
    by_id = {p.project_id: p for p in data.projects}
    assert by_id["102"].name == "Pistes cyclables; quai Nord"
    assert by_id["103"].name == 'Bancs "publics" au parc'
    assert by_id["103"].extra["category"] == "public space"
    assert data.votes[0].extra.keys() == {"age", "sex"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_round_trip(path: Path, tmp_path: Path) -> None:
    data = read_pabulib(path)
    write_pabulib(data, tmp_path / "copy.pb")
    again = read_pabulib(tmp_path / "copy.pb")
    assert again == data
    assert format_pabulib(again) == format_pabulib(data)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_same_winners_as_pabutools(path: Path) -> None:
    election = read_pabulib(path).to_election()
    instance, profile = pabutools_parse(str(path))
    if election.ballot_kind is BallotKind.APPROVAL:
        sat, greedy_sat = Cost_Sat, Cost_Sat
    else:
        sat, greedy_sat = Additive_Cardinal_Sat, PointsSat
    expected = completion_by_rule_combination(
        instance,
        profile,
        [method_of_equal_shares, greedy_utilitarian_welfare],
        [{"sat_class": sat, "voter_budget_increment": 1}, {"sat_class": greedy_sat}],
    )
    assert EqualSharesRule().select(election).winners == tuple(int(p.name) for p in expected)
    greedy = greedy_utilitarian_welfare(instance, profile, sat_class=greedy_sat)
    assert GreedyRule().select(election).winners == tuple(int(p.name) for p in greedy)


def test_writes_every_vote_type() -> None:
    for vote_type in ("approval", "cumulative", "scoring", "ordinal"):
        with_points = vote_type in ("cumulative", "scoring")
        data = PabulibFile(
            meta={"budget": "1000.5", "vote_type": vote_type},
            projects=[PabulibProject("1", 500, "A"), PabulibProject("2", 250.25, "B")],
            votes=[
                PabulibVote("x", ("2", "1"), (1.5, 3.0) if with_points else None, {"age": "30"}),
                PabulibVote("y", (), () if with_points else None, {"age": ""}),
            ],
        )
        again = parse_pabulib(format_pabulib(data))
        assert again.votes == data.votes
        assert again.projects == data.projects
        assert again.meta["num_votes"] == "2"


def test_ordinal_votes_keep_their_order_but_are_no_budget_election() -> None:
    text = "META\nkey;value\nbudget;10\nvote_type;ordinal\nPROJECTS\nproject_id;cost\n1;5\n2;5\n"
    data = parse_pabulib(text + "VOTES\nvoter_id;vote\n1;2,1\n")
    assert data.votes[0].projects == ("2", "1")
    with pytest.raises(PabulibError, match="ranked tally"):
        data.to_election()


GOOD = "META\nkey;value\nbudget;100\nvote_type;cumulative\nPROJECTS\nproject_id;cost\n1;60\n2;50\n"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (GOOD + "VOTES\nvoter_id;vote;points\nv;1,3;1,2\n", 11, "unknown project"),
        (GOOD + "VOTES\nvoter_id;vote;points\nv;1,2;1\n", 11, "1 points for 2 projects"),
        (GOOD + "VOTES\nvoter_id;vote;points\nv;1,1;1,1\n", 11, "twice"),
        (GOOD + "VOTES\nvoter_id;vote;points\nv;1;x\n", 11, "not a number"),
        (GOOD + "VOTES\nvoter_id;vote\nv;1\n", 11, "need a points column"),
        (GOOD + "VOTES\nvoter_id;vote;points\nv;1\n", 11, "2 fields where the header has 3"),
        (GOOD + "VOTES\nvoter_id;points\n", 10, "lacks vote"),
        (GOOD.replace("2;50", "2;-5") + "VOTES\nvoter_id;vote\n", 8, "negative cost"),
        (GOOD.replace("2;50", '2;"50') + "VOTES\nvoter_id;vote\n", 8, "bad quoting"),
        ("PROJECTS\n" + GOOD, 1, "out of order"),
        ("hello\n" + GOOD, 1, "before the META"),
        (GOOD, 0, "missing section"),
        (GOOD.replace("budget;100", "budget;lots") + "VOTES\nvoter_id;vote\n", 0, "budget"),
        (GOOD.replace("cumulative", "plurality") + "VOTES\nvoter_id;vote\n", 0, "vote_type"),
        (GOOD.replace("budget;100\n", "") + "VOTES\nvoter_id;vote\n", 0, "no budget"),
    ],
)
def test_malformed_files_say_where(text: str, line: int, message: str) -> None:
    with pytest.raises(PabulibError, match=message) as caught:
        parse_pabulib(text)
    assert caught.value.line == line


def test_non_integer_project_ids_cannot_become_an_election() -> None:
    text = "META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\nA;5\nVOTES\nvoter_id;vote\n1;A\n"
    with pytest.raises(PabulibError, match="not an integer"):
        parse_pabulib(text).to_election()
