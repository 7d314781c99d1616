"""The ``points`` vote type: points distributed from a budget, or a grade per proposal."""

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
from plugins.vote_points.settings import PointsSettings
from plugins.vote_points.tally import sum_points

MAX_SCALE = 100


class PointsVote(VoteType[PointsSettings]):
    id = "points"
    title = "Points"
    settings_type = PointsSettings
    widget_template = "vote_points/widget.html"
    budget_ballots = "points"

    def call_to_action(self, settings: PointsSettings) -> str:
        if settings.mode == "scale":
            return "Le vote est ouvert : donnez une note à chaque proposition."
        return "Le vote est ouvert : répartissez vos points entre les propositions."

    def check_settings(self, settings: PointsSettings) -> None:
        check_min_max_settings(settings.min_votes, settings.max_votes)
        if settings.points_budget < 1:
            raise ValidationFailed("vote.settings: points_budget must be positive")
        cap = settings.max_per_proposal
        if cap is not None and not 1 <= cap <= settings.points_budget:
            raise ValidationFailed(
                "vote.settings: max_per_proposal must be between 1 and points_budget"
            )
        if not 1 <= settings.scale_max <= MAX_SCALE:
            raise ValidationFailed(f"vote.settings: scale_max must be between 1 and {MAX_SCALE}")

    def lowest(self, settings: PointsSettings) -> int:
        """The smallest value of one vote: 1 point, or the grade 0."""
        return 0 if settings.mode == "scale" else 1

    def parse_value(self, settings: PointsSettings, raw: object) -> int:
        if type(raw) is not int:
            raise InvalidVoteValue("La valeur doit être un nombre entier de points.")
        if settings.mode == "scale" and not 0 <= raw <= settings.scale_max:
            raise InvalidVoteValue(f"La note doit être comprise entre 0 et {settings.scale_max}.")
        if raw < self.lowest(settings):
            raise InvalidVoteValue("Donnez au moins 1 point (ou retirez votre vote).")
        return raw

    def present_value(self, settings: PointsSettings, value: int) -> object:
        return value

    def judge(self, settings: PointsSettings, ballot: BallotContent) -> None:
        values = ballot.votes.values()
        if any(value < self.lowest(settings) for value in values):
            raise InvalidVoteValue("Valeur de vote invalide.")
        if settings.mode == "scale":
            if any(value > settings.scale_max for value in values):
                raise InvalidVoteValue(f"La note maximale est {settings.scale_max}.")
        else:
            cap = settings.max_per_proposal
            if cap is not None and any(value > cap for value in values):
                raise VoteRejected(
                    f"Une proposition peut recevoir au plus {cap} point(s).",
                    code="vote.points_exceeded",
                )
            if sum(values) > settings.points_budget:
                raise VoteRejected(
                    f"Vous ne disposez que de {settings.points_budget} point(s).",
                    code="vote.points_exceeded",
                )
        check_max_votes(ballot, settings.max_votes)

    def min_votes(self, settings: PointsSettings) -> int:
        return settings.min_votes

    def rules(self, settings: PointsSettings) -> dict[str, Any]:
        rules: dict[str, Any] = {"mode": settings.mode}
        if settings.mode == "scale":
            rules["scale_max"] = settings.scale_max
        else:
            rules["points_budget"] = settings.points_budget
            rules["max_per_proposal"] = settings.max_per_proposal
        rules["min_votes"] = settings.min_votes
        rules["max_votes"] = settings.max_votes
        return rules

    def remaining(self, settings: PointsSettings, ballot: BallotContent) -> dict[str, Any]:
        votes = None if settings.max_votes is None else settings.max_votes - len(ballot.votes)
        if settings.mode == "scale":
            return {"votes": votes}
        return {"votes": votes, "points": settings.points_budget - sum(ballot.votes.values())}

    def tally(self, settings: PointsSettings, votes: CountedVotes) -> dict[int, dict[str, Any]]:
        points, grades = sum_points(votes.candidates, votes.proposal_ids, votes.values)
        return self._tally(settings, points, grades)

    def tally_counts(
        self, settings: PointsSettings, counts: VoteCounts
    ) -> dict[int, dict[str, Any]]:
        points = counts.per_candidate(weighted=True)
        return self._tally(settings, points, counts.per_candidate())

    def _tally(
        self, settings: PointsSettings, points: dict[int, int], grades: dict[int, int]
    ) -> dict[int, dict[str, Any]]:
        if settings.mode == "distribute":
            return {proposal_id: {"points": total} for proposal_id, total in points.items()}
        return {
            proposal_id: {
                "points": total,
                "mean": round(total / grades[proposal_id], 4) if grades[proposal_id] else None,
            }
            for proposal_id, total in points.items()
        }
