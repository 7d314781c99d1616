"""The ``ranked`` vote type: each vote is a rank, 1 for the first choice.

A ballot's ranks are always ``1..n`` with no gap and no repeat. Giving a proposal rank
``r`` (one vote at a time) moves it there: it is inserted at ``r`` (``1..n+1`` for a new
proposal, ``1..n`` for one already ranked) and the proposals from ``r`` on shift down by
one; withdrawing a proposal closes the gap. Replacing the whole ballot must give ranks
``1..n`` exactly, else ``vote.invalid_value``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.vote_types import (
    BallotContent,
    CountedVotes,
    InvalidVoteValue,
    VoteType,
    check_max_votes,
    check_min_max_settings,
)
from plugins.vote_ranked.counting import count_ranked
from plugins.vote_ranked.settings import RankedSettings


def ordered(votes: Mapping[int, int]) -> list[int]:
    """The ranked proposal ids, first choice first."""
    return [proposal_id for proposal_id, _ in sorted(votes.items(), key=lambda item: item[1])]


def numbered(order: list[int]) -> dict[int, int]:
    return {proposal_id: rank for rank, proposal_id in enumerate(order, start=1)}


class RankedVote(VoteType[RankedSettings]):
    id = "ranked"
    title = "Classement"
    settings_type = RankedSettings
    widget_template = "vote_ranked/widget.html"

    def call_to_action(self, settings: RankedSettings) -> str:
        return "Le vote est ouvert : classez les propositions par ordre de préférence."

    def check_settings(self, settings: RankedSettings) -> None:
        check_min_max_settings(settings.min_ranks, settings.max_ranks, noun="ranks")

    def parse_value(self, settings: RankedSettings, raw: object) -> int:
        if type(raw) is not int or raw < 1:
            raise InvalidVoteValue("Le rang doit être un entier, 1 pour le premier choix.")
        return raw

    def present_value(self, settings: RankedSettings, value: int) -> object:
        return value

    def place(
        self, settings: RankedSettings, votes: Mapping[int, int], proposal_id: int, value: int
    ) -> dict[int, int]:
        order = [other for other in ordered(votes) if other != proposal_id]
        if not 1 <= value <= len(order) + 1:
            raise InvalidVoteValue(
                f"Le rang doit être compris entre 1 et {len(order) + 1}, sans trou."
            )
        order.insert(value - 1, proposal_id)
        return numbered(order)

    def withdrawn(
        self, settings: RankedSettings, votes: Mapping[int, int], proposal_id: int
    ) -> dict[int, int]:
        return numbered([other for other in ordered(votes) if other != proposal_id])

    def judge(self, settings: RankedSettings, ballot: BallotContent) -> None:
        if sorted(ballot.votes.values()) != list(range(1, len(ballot.votes) + 1)):
            raise InvalidVoteValue("Les rangs doivent aller de 1 à n, sans trou ni répétition.")
        check_max_votes(ballot, settings.max_ranks)

    def min_votes(self, settings: RankedSettings) -> int:
        return settings.min_ranks if settings.min_ranks > 1 else 0

    def rules(self, settings: RankedSettings) -> dict[str, Any]:
        return {
            "min_ranks": settings.min_ranks,
            "max_ranks": settings.max_ranks,
            "method": settings.method,
        }

    def remaining(self, settings: RankedSettings, ballot: BallotContent) -> dict[str, Any]:
        ranks = None if settings.max_ranks is None else settings.max_ranks - len(ballot.votes)
        return {"ranks": ranks}

    def tally(self, settings: RankedSettings, votes: CountedVotes) -> dict[int, dict[str, Any]]:
        return count_ranked(settings.method, votes)
