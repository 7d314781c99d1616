"""The ``binary`` vote type: for or against each proposal, stored as +1, -1 or 0."""

from __future__ import annotations

from typing import Any

from core.errors import ValidationFailed
from core.vote_counts import VoteCounts
from core.vote_types import (
    BallotContent,
    CountedVotes,
    InvalidVoteValue,
    VoteType,
    check_max_votes,
    check_min_max_settings,
)
from plugins.vote_binary.settings import OPTION_SETS, OPTION_VALUES, BinarySettings
from plugins.vote_binary.tally import count_options


class BinaryVote(VoteType[BinarySettings]):
    id = "binary"
    title = "Pour ou contre"
    settings_type = BinarySettings
    widget_template = "vote_binary/widget.html"
    budget_ballots = "approval"

    def call_to_action(self, settings: BinarySettings) -> str:
        if "for" in settings.options:
            return "Le vote est ouvert : dites si vous êtes pour ou contre chaque proposition."
        return "Le vote est ouvert : répondez oui ou non à chaque proposition."

    def check_settings(self, settings: BinarySettings) -> None:
        check_min_max_settings(settings.min_votes, settings.max_votes)
        if len(set(settings.options)) != len(settings.options) or (
            frozenset(settings.options) not in OPTION_SETS
        ):
            raise ValidationFailed(
                'vote.settings: options must be ["yes", "no"] or ["for", "against", "neutral"]'
                ' ("neutral" optional)'
            )
        unknown = sorted(set(settings.labels) - set(settings.options))
        if unknown:
            raise ValidationFailed(f"vote.settings: labels of unknown option(s) {unknown}")

    def parse_value(self, settings: BinarySettings, raw: object) -> int:
        if isinstance(raw, str) and raw in settings.options:
            return OPTION_VALUES[raw]
        raise InvalidVoteValue(f"La valeur doit être l'une de : {', '.join(settings.options)}.")

    def present_value(self, settings: BinarySettings, value: int) -> object:
        for option in settings.options:
            if OPTION_VALUES[option] == value:
                return option
        return value

    def judge(self, settings: BinarySettings, ballot: BallotContent) -> None:
        allowed = {OPTION_VALUES[option] for option in settings.options}
        if any(value not in allowed for value in ballot.votes.values()):
            raise InvalidVoteValue("Valeur de vote inconnue.")
        check_max_votes(ballot, settings.max_votes)

    def min_votes(self, settings: BinarySettings) -> int:
        return settings.min_votes

    def rules(self, settings: BinarySettings) -> dict[str, Any]:
        return {
            "options": list(settings.options),
            "labels": {option: settings.label(option) for option in settings.options},
            "min_votes": settings.min_votes,
            "max_votes": settings.max_votes,
        }

    def remaining(self, settings: BinarySettings, ballot: BallotContent) -> dict[str, Any]:
        votes = None if settings.max_votes is None else settings.max_votes - len(ballot.votes)
        return {"votes": votes}

    def tally(self, settings: BinarySettings, votes: CountedVotes) -> dict[int, dict[str, Any]]:
        options = {option: OPTION_VALUES[option] for option in settings.options}
        counts = count_options(votes.candidates, votes.proposal_ids, votes.values, options)
        return {proposal_id: {"counts": by_option} for proposal_id, by_option in counts.items()}

    def tally_counts(
        self, settings: BinarySettings, counts: VoteCounts
    ) -> dict[int, dict[str, Any]]:
        by_option = {
            option: counts.per_candidate(value=OPTION_VALUES[option]) for option in settings.options
        }
        return {
            proposal_id: {
                "counts": {option: by_option[option][proposal_id] for option in by_option}
            }
            for proposal_id in counts.candidates
        }
