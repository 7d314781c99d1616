"""The ``support`` vote type: each vote is a support (stored as 1) of one proposal."""

from __future__ import annotations

from typing import Any

from core.errors import ValidationFailed
from core.vote_counts import VoteCounts
from core.vote_types import (
    BallotContent,
    CountedVotes,
    InvalidVoteValue,
    VoteRejected,
    VoteType,
    check_max_votes,
    check_min_max_settings,
)
from plugins.support.settings import SupportSettings
from plugins.support.tally import count_supports

SUPPORT = 1


def ballot_cost(ballot: BallotContent) -> int:
    """The sum of the costs of the supported proposals (no cost counts as 0)."""
    return sum(ballot.costs.get(proposal_id) or 0 for proposal_id in ballot.votes)


class SupportVote(VoteType[SupportSettings]):
    id = "support"
    title = "Soutien"
    settings_type = SupportSettings
    widget_template = "support/widget.html"
    budget_ballots = "approval"

    def call_to_action(self, settings: SupportSettings) -> str:
        return "Le vote est ouvert : soutenez les propositions que vous préférez."

    def check_settings(self, settings: SupportSettings) -> None:
        check_min_max_settings(settings.min_votes, settings.max_votes)
        if not settings.label.strip():
            raise ValidationFailed("vote.settings: label cannot be empty")
        if settings.budget_limit is not None and settings.budget_limit < 1:
            raise ValidationFailed("vote.settings: budget_limit must be positive (or null)")

    def parse_value(self, settings: SupportSettings, raw: object) -> int:
        if raw is None or (type(raw) is int and raw == SUPPORT):
            return SUPPORT
        raise InvalidVoteValue("Un soutien n'a pas de valeur (ou la valeur 1).")

    def present_value(self, settings: SupportSettings, value: int) -> object:
        return value

    def judge(self, settings: SupportSettings, ballot: BallotContent) -> None:
        if any(value != SUPPORT for value in ballot.votes.values()):
            raise InvalidVoteValue("Un soutien vaut 1.")
        check_max_votes(ballot, settings.max_votes)
        if settings.budget_limit is not None and ballot_cost(ballot) > settings.budget_limit:
            raise VoteRejected(
                f"Le coût des propositions soutenues dépasserait {settings.budget_limit} €.",
                code="vote.budget_exceeded",
            )

    def min_votes(self, settings: SupportSettings) -> int:
        return settings.min_votes

    def rules(self, settings: SupportSettings) -> dict[str, Any]:
        return {
            "label": settings.label,
            "min_votes": settings.min_votes,
            "max_votes": settings.max_votes,
            "budget_limit": settings.budget_limit,
        }

    def remaining(self, settings: SupportSettings, ballot: BallotContent) -> dict[str, Any]:
        votes = None if settings.max_votes is None else settings.max_votes - len(ballot.votes)
        budget = None
        if settings.budget_limit is not None:
            budget = settings.budget_limit - ballot_cost(ballot)
        return {"votes": votes, "budget": budget}

    def tally(self, settings: SupportSettings, votes: CountedVotes) -> dict[int, dict[str, Any]]:
        supports = count_supports(votes.candidates, votes.proposal_ids)
        return {proposal_id: {"supports": count} for proposal_id, count in supports.items()}

    def tally_counts(
        self, settings: SupportSettings, counts: VoteCounts
    ) -> dict[int, dict[str, Any]]:
        supports = counts.per_candidate()
        return {proposal_id: {"supports": count} for proposal_id, count in supports.items()}
