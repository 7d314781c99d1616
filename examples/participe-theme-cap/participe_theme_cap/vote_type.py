"""Approval with at most N votes per theme: the vote type reads each proposal's theme
from the facts the core gives it (``BallotContent.proposals``, ``CountedVotes.facts``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from core.vote_types import (
    BallotContent,
    CountedVotes,
    InvalidVoteValue,
    VoteRejected,
    VoteType,
    check_max_votes,
)
from participe_theme_cap.settings import ThemeCapSettings

APPROVED = 1
#: The error code of a ballot that holds too many votes in one theme.
THEME_FULL = "vote.theme_cap_exceeded"


def votes_per_theme(ballot: BallotContent) -> Counter[str]:
    """How many votes the ballot gives in each theme (proposals without one left out)."""
    themes = (ballot.proposals[proposal_id].theme for proposal_id in ballot.votes)
    return Counter(theme for theme in themes if theme)


class ThemeCapVote(VoteType[ThemeCapSettings]):
    id = "theme_cap"
    title = "Approbation plafonnée par thème"
    settings_type = ThemeCapSettings
    widget_template = "theme_cap/widget.html"
    budget_ballots = "approval"

    def parse_value(self, settings: ThemeCapSettings, raw: object) -> int:
        if raw is None or (type(raw) is int and raw == APPROVED):
            return APPROVED
        raise InvalidVoteValue("Une approbation n'a pas de valeur (ou la valeur 1).")

    def present_value(self, settings: ThemeCapSettings, value: int) -> object:
        return value

    def judge(self, settings: ThemeCapSettings, ballot: BallotContent) -> None:
        if any(value != APPROVED for value in ballot.votes.values()):
            raise InvalidVoteValue("Une approbation vaut 1.")
        check_max_votes(ballot, settings.max_votes)
        for theme, count in votes_per_theme(ballot).items():
            if count > settings.per_theme:
                raise VoteRejected(
                    f"Vous ne pouvez pas approuver plus de {settings.per_theme} "
                    f"proposition(s) du thème « {theme} ».",
                    code=THEME_FULL,
                )

    def min_votes(self, settings: ThemeCapSettings) -> int:
        return 0

    def rules(self, settings: ThemeCapSettings) -> dict[str, Any]:
        return {"per_theme": settings.per_theme, "max_votes": settings.max_votes}

    def remaining(self, settings: ThemeCapSettings, ballot: BallotContent) -> dict[str, Any]:
        votes = None if settings.max_votes is None else settings.max_votes - len(ballot.votes)
        used = votes_per_theme(ballot)
        return {
            "votes": votes,
            "per_theme": {theme: settings.per_theme - count for theme, count in used.items()},
        }

    def tally(self, settings: ThemeCapSettings, votes: CountedVotes) -> dict[int, dict[str, Any]]:
        """Approvals of each candidate, with its theme and its rank within the theme."""
        approvals: Counter[int] = Counter(int(p) for p in votes.proposal_ids)
        themes: Mapping[int, str | None] = {
            proposal_id: votes.facts[proposal_id].theme for proposal_id in votes.candidates
        }
        tally: dict[int, dict[str, Any]] = {}
        for proposal_id in votes.candidates:
            theme = themes[proposal_id]
            better = sum(
                1
                for other in votes.candidates
                if themes[other] == theme and approvals[other] > approvals[proposal_id]
            )
            tally[proposal_id] = {
                "supports": approvals[proposal_id],
                "theme": theme,
                "theme_rank": better + 1,
            }
        return tally
