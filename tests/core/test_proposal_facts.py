"""The facts of proposals as vote types receive them: :class:`ProposalFacts`, and
``BallotContent``'s ``proposals`` and ``costs``, each filled from the other, so that vote
types and callers written before the facts keep working."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from core.services.proposal_facts import facts_from
from core.vote_types import BallotContent, CountedVotes, ProposalFacts


def test_a_ballot_given_facts_has_their_costs() -> None:
    facts = {1: ProposalFacts(100, "mobilite", "nord", {"quartier": "Centre"}), 2: ProposalFacts()}
    content = BallotContent({1: 1, 2: 1}, proposals=facts)
    assert content.proposals == facts
    assert content.costs == {1: 100, 2: None}


def test_a_ballot_given_costs_alone_has_facts_with_the_cost_only() -> None:
    content = BallotContent({1: 1, 2: 1}, {1: 100, 2: None})
    assert content.costs == {1: 100, 2: None}
    assert content.proposals == {1: ProposalFacts(100), 2: ProposalFacts(None)}
    assert content.proposals[1].theme is None
    assert content.proposals[1].fields == {}


def test_a_ballot_given_both_keeps_both() -> None:
    content = BallotContent({1: 1}, {1: 7}, {1: ProposalFacts(7, "nature")})
    assert content.costs == {1: 7}
    assert content.proposals[1].theme == "nature"
    assert BallotContent({}).proposals == {} == BallotContent({}).costs


def test_facts_are_frozen_and_read_from_a_proposal() -> None:
    proposal = SimpleNamespace(cost=5, theme="nature", sector="sud", fields={"quartier": "Gare"})
    facts = ProposalFacts.of(proposal)
    assert facts == ProposalFacts(5, "nature", "sud", {"quartier": "Gare"})
    proposal.fields["quartier"] = "Centre"  # the facts hold a copy
    assert facts.fields == {"quartier": "Gare"}
    with pytest.raises(AttributeError):
        facts.theme = "mobilite"  # type: ignore[misc]
    assert facts_from(None, None, None, None) == ProposalFacts()


def test_counted_votes_built_without_facts_have_none() -> None:
    assert CountedVotes([1], [5], [1], [1], 1).facts == {}
