"""District envelopes (:mod:`core.defaults.envelopes`): which envelope a proposal and a
voter belong to, the rules of the vote type judged envelope by envelope, and the count
run per envelope.

- A proposal is in its sector's envelope, or else in the city-wide one (when the
  organiser set a city-wide amount); otherwise it is in none and takes no vote.
- A voter is in the envelope whose postal codes hold the postal code of their account;
  they vote on the proposals of that envelope and of the city-wide one (403
  ``vote.not_eligible``, reason ``envelope``, for another sector's).
- The vote type judges each envelope's part of a ballot on its own, as if it were the
  whole ballot: "at most 3 votes" is 3 per envelope, and a cost cap (``budget_limit``,
  when the vote type has one and the organiser set it) is the envelope's amount.
- The count runs the dialogue's budget rule on each envelope: its candidates, its amount,
  and as voters the counted ballots with a vote in it.

Judged in the vote's transaction, after the ballot's lock (:mod:`core.services.ballots`),
so concurrent votes of one citizen are judged one after the other, each against the
ballot as the other left it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import msgspec
import numpy

from core.defaults.envelopes import ENVELOPES, Envelope, EnvelopesSettings
from core.errors import Forbidden
from core.models import Dialogue
from core.services.verification import normalise_postal_code
from core.vote_types import BallotContent, CountedVotes, ProposalFacts, VoteRejected

__all__ = [
    "CITY_WIDE",
    "EnvelopeJudge",
    "Split",
    "candidates_by_envelope",
    "envelope_of",
    "split_of",
    "voter_envelope",
    "votes_in",
    "with_amount",
]

#: The key of the city-wide envelope.
CITY_WIDE = ""


def _postal(value: str | None) -> str:
    return normalise_postal_code(value or "")


@dataclass(frozen=True)
class Split:
    """A dialogue's envelopes, as its module's settings give them."""

    settings: EnvelopesSettings
    by_sector: Mapping[str, Envelope]
    #: Each normalised postal code to its envelope's sector.
    sector_of_postal_code: Mapping[str, str]

    @property
    def city_wide(self) -> bool:
        return self.settings.city_wide_amount is not None

    def amount(self, envelope: str) -> int:
        if envelope == CITY_WIDE:
            return int(self.settings.city_wide_amount or 0)
        return self.by_sector[envelope].amount

    def envelope_keys(self) -> list[str]:
        """Every envelope's key: the sectors' in their order, then the city-wide one."""
        return [*self.by_sector, *([CITY_WIDE] if self.city_wide else [])]


def split_of(dialogue: Dialogue) -> Split | None:
    """``dialogue``'s envelopes; ``None`` when its budget is not split. Reads the
    dialogue only."""
    if not dialogue.modules or not ENVELOPES.enabled_on(dialogue):
        return None
    settings = cast(EnvelopesSettings, ENVELOPES.decode_settings(dialogue.modules["envelopes"]))
    by_sector = {envelope.sector: envelope for envelope in settings.envelopes}
    postal = {
        _postal(code): envelope.sector
        for envelope in settings.envelopes
        for code in envelope.postal_codes
        if _postal(code)
    }
    return Split(settings, by_sector, postal)


def envelope_of(split: Split, facts: ProposalFacts) -> str | None:
    """The envelope of a proposal with ``facts``: its sector's, else the city-wide one,
    else none."""
    if facts.sector is not None and facts.sector in split.by_sector:
        return facts.sector
    return CITY_WIDE if split.city_wide else None


def voter_envelope(split: Split, postal_code: str | None) -> str | None:
    """The sector whose envelope a voter living at ``postal_code`` (their account's)
    votes in; ``None`` when it is in no sector's list."""
    return split.sector_of_postal_code.get(_postal(postal_code))


def with_amount(settings: Any, amount: int) -> Any:
    """The vote type's ``settings`` for one envelope: a cost cap set by the organiser
    becomes the envelope's amount; every other rule stays as it is."""
    if getattr(settings, "budget_limit", None) is not None:
        return msgspec.structs.replace(settings, budget_limit=amount)
    return settings


@dataclass(frozen=True)
class EnvelopeJudge:
    """Judges one voter's ballots in a split dialogue."""

    split: Split
    #: The voter's sector (``None``: the city-wide envelope only).
    sector: str | None
    #: Whether the voter's sector is unknown and read from the ballot itself (a paper
    #: ballot entered without its voter): its votes may then be in one sector only.
    sector_from_ballot: bool = False

    def parts(self, content: BallotContent) -> dict[str, dict[int, int]]:
        """The ballot's votes by envelope; refuses a vote outside the voter's."""
        found: dict[str, dict[int, int]] = {}
        sector = self.sector
        for proposal_id, value in content.votes.items():
            facts = content.proposals.get(proposal_id, ProposalFacts())
            envelope = envelope_of(self.split, facts)
            if envelope is None:
                raise VoteRejected(
                    "Cette proposition n'est dans aucune enveloppe du budget : elle ne se "
                    "vote pas.",
                    code="vote.not_allowed",
                )
            if envelope != CITY_WIDE and self.sector_from_ballot and sector is None:
                sector = envelope
            if envelope != CITY_WIDE and envelope != sector:
                raise self._other_sector(envelope, sector)
            found.setdefault(envelope, {})[proposal_id] = value
        return found

    def _other_sector(self, envelope: str, sector: str | None) -> Forbidden:
        if self.sector_from_ballot:
            detail = "un bulletin ne vote que dans l'enveloppe d'un seul secteur."
        elif sector is None:
            detail = (
                "ce projet est dans l'enveloppe d'un secteur : indiquez le code postal de "
                "votre domicile dans votre compte pour voter dans celle du vôtre."
            )
        else:
            detail = "ce projet est dans l'enveloppe d'un autre secteur que le vôtre."
        return Forbidden(
            f"Chacun·e vote pour les projets de son secteur : {detail}",
            code="vote.not_eligible",
            extra={"reason": "envelope", "envelope": envelope, "yours": sector},
        )

    def judge(self, kind: Any, settings: Any, content: BallotContent) -> None:
        """``kind`` (the vote type) judges each envelope's part of ``content``."""
        for envelope, votes in self.parts(content).items():
            part = BallotContent(
                votes=votes, proposals={pid: content.proposals[pid] for pid in votes}
            )
            kind.judge(with_amount(settings, self.split.amount(envelope)), part)


def votes_in(votes: CountedVotes, candidate_ids: Sequence[int]) -> CountedVotes:
    """The rows of ``votes`` on ``candidate_ids``, as counted votes of their own: the
    candidates are those, and the voters the ballots with a vote on one of them (an
    envelope's count, where the others' residents do not vote)."""
    ids = numpy.asarray(sorted(candidate_ids), dtype=numpy.int64)
    proposals = numpy.asarray(votes.proposal_ids, dtype=numpy.int64)
    keep = numpy.isin(proposals, ids)
    ballots = numpy.asarray(votes.ballot_ids, dtype=numpy.int64)[keep]
    return CountedVotes(
        candidates=[int(i) for i in ids],
        ballot_ids=ballots,
        proposal_ids=proposals[keep],
        values=numpy.asarray(votes.values, dtype=numpy.int64)[keep],
        ballots_counted=int(numpy.unique(ballots).size),
        facts={pid: votes.facts[pid] for pid in ids.tolist() if pid in votes.facts},
    )


def candidates_by_envelope(
    split: Split, candidates: Sequence[tuple[int, ProposalFacts]]
) -> dict[str, list[int]]:
    """The candidates' ids (ascending) of each envelope; those in none are left out."""
    found: dict[str, list[int]] = {key: [] for key in split.envelope_keys()}
    for proposal_id, facts in sorted(candidates, key=lambda item: item[0]):
        envelope = envelope_of(split, facts)
        if envelope is not None:
            found[envelope].append(proposal_id)
    return found
