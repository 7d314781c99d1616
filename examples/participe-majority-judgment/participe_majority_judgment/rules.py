"""The ``majority_judgment`` vote type: a mention for each proposal, the median decides."""

from __future__ import annotations

from typing import Any

from core.errors import ValidationFailed
from core.vote_counts import VoteCounts
from core.vote_types import BallotContent, CountedVotes, InvalidVoteValue, VoteType
from participe_majority_judgment.charts import MeritChart, merit_profiles
from participe_majority_judgment.settings import MAX_LABEL, MajorityJudgmentSettings
from participe_majority_judgment.tally import fill_unrated, profiles_from_votes, tally_profiles

ID = "majority_judgment"


class MajorityJudgment(VoteType[MajorityJudgmentSettings]):
    """Citizens give each proposal a mention; proposals are ranked by majority judgment.

    The stored value of a vote is the grade, 0 for the lowest mention and ``grades - 1``
    for the best. The API's ``value`` is that integer, or the mention's text.
    """

    id = ID
    title = "Jugement majoritaire"
    settings_type = MajorityJudgmentSettings
    widget_template = "majority_judgment/widget.html"
    results_template = "majority_judgment/results.html"

    def check_settings(self, settings: MajorityJudgmentSettings) -> None:
        labels = settings.labels
        if labels and len(labels) != settings.grades:
            raise ValidationFailed(
                f"vote.settings: labels must give {settings.grades} mentions, one per grade"
            )
        if any(not label.strip() or len(label) > MAX_LABEL for label in labels):
            raise ValidationFailed(f"vote.settings: a mention has 1 to {MAX_LABEL} characters")
        if len({label.strip().casefold() for label in labels}) != len(labels):
            raise ValidationFailed("vote.settings: two mentions are the same")
        if settings.min_votes < 0:
            raise ValidationFailed("vote.settings: min_votes must be 0 or more")

    def parse_value(self, settings: MajorityJudgmentSettings, raw: object) -> int:
        if isinstance(raw, str):
            mentions = settings.mentions()
            if raw in mentions:
                return settings.grades - 1 - mentions.index(raw)
            raise InvalidVoteValue("Choisissez une des mentions proposées.")
        if type(raw) is not int or not 0 <= raw < settings.grades:
            raise InvalidVoteValue(
                f"La mention est un nombre de 0 (la plus basse) à {settings.grades - 1}."
            )
        return raw

    def present_value(self, settings: MajorityJudgmentSettings, value: int) -> object:
        return value

    def judge(self, settings: MajorityJudgmentSettings, ballot: BallotContent) -> None:
        if any(not 0 <= value < settings.grades for value in ballot.votes.values()):
            raise InvalidVoteValue("Mention invalide.")

    def min_votes(self, settings: MajorityJudgmentSettings) -> int:
        return settings.min_votes

    def rules(self, settings: MajorityJudgmentSettings) -> dict[str, Any]:
        return {
            "grades": settings.grades,
            "mentions": list(settings.mentions()),
            "unrated_as_lowest": settings.unrated_as_lowest,
            "min_votes": settings.min_votes,
        }

    def remaining(
        self, settings: MajorityJudgmentSettings, ballot: BallotContent
    ) -> dict[str, Any]:
        return {}

    def tally(
        self, settings: MajorityJudgmentSettings, votes: CountedVotes
    ) -> dict[int, dict[str, Any]]:
        profiles = profiles_from_votes(
            votes.candidates, votes.proposal_ids, votes.values, settings.grades
        )
        return self._tally(settings, profiles, votes.ballots_counted)

    def tally_counts(
        self, settings: MajorityJudgmentSettings, counts: VoteCounts
    ) -> dict[int, dict[str, Any]]:
        profiles: dict[int, list[int]] = {pid: [0] * settings.grades for pid in counts.candidates}
        for proposal_id, value, count in zip(
            counts.proposal_ids.tolist(),
            counts.values.tolist(),
            counts.counts.tolist(),
            strict=True,
        ):
            if proposal_id in profiles and 0 <= value < settings.grades:
                profiles[proposal_id][value] += count
        return self._tally(settings, profiles, counts.ballots_counted)

    def _tally(
        self, settings: MajorityJudgmentSettings, profiles: dict[int, list[int]], ballots: int
    ) -> dict[int, dict[str, Any]]:
        if settings.unrated_as_lowest:
            profiles = fill_unrated(profiles, ballots)
        return tally_profiles(profiles)

    def merit_chart(
        self, settings: MajorityJudgmentSettings, proposals: list[dict[str, Any]]
    ) -> MeritChart:
        """The results chart: one stacked bar per proposal (``proposals`` as the results
        body gives them, in the order to draw), for the results template."""
        return merit_profiles(settings.mentions(), proposals)
