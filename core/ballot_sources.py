"""Ballot sources: counted ballots that do not live in the ``ballots`` table, such as the
paper ballots of polling stations that staff enter afterwards, and that the tally counts
with the online ballots.

Plugins add sources through the ``register_ballot_sources`` hook. A source gives its
ballots already judged by the dialogue's vote type (it must refuse, when they are entered,
what the vote type would refuse online), as :class:`ExtraBallots`: one row per vote, and
how many ballots there are. Everything that counts a dialogue goes through
:func:`extra_ballots` and merges what it returns:

- the tally (:func:`core.services.tally.tally_dialogue`) and the results
  (:func:`core.services.results.compute_results`) count the stored ballots of every source
  with the online ones (:func:`with_extra_votes`, :func:`with_extra_counts`);
- the recount (:func:`core.services.recount.recount`) counts the ballots that each source
  rebuilds from its own log (``replayed=True``), so a source keeps a log of its own as the
  vote log is kept for online ballots, and the recount still compares two independent
  readings;
- the results cache key (:func:`core.services.results.ballots_version`) holds each
  source's :meth:`BallotSource.version`, so that a new paper ballot is never hidden by a
  cached body;
- a dialogue's vote configuration is frozen once a source holds a counted ballot, as
  once an online vote is cast (:func:`sources_hold_ballots`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy

from core.vote_counts import VoteCounts
from core.vote_types import CountedVotes

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.models import Dialogue
    from core.plugin_manager import Plugins

__all__ = [
    "BallotSource",
    "ExtraBallots",
    "extra_ballots",
    "sources_hold_ballots",
    "sources_version",
    "with_extra_counts",
    "with_extra_votes",
]


@dataclass(frozen=True)
class ExtraBallots:
    """Counted ballots from a source: ``ballots`` of them, and one row per vote as
    parallel sequences ``ballot_keys`` (any integer that tells the source's ballots apart;
    it is renumbered before counting), ``proposal_ids`` and ``values`` (stored values, as
    the vote type's :meth:`~core.vote_types.VoteType.parse_value` gives them).

    A ballot without a vote on a candidate still counts in ``ballots``, as an online
    ballot does.
    """

    ballots: int = 0
    ballot_keys: Sequence[int] = ()
    proposal_ids: Sequence[int] = ()
    values: Sequence[int] = ()

    def __post_init__(self) -> None:
        if not len(self.ballot_keys) == len(self.proposal_ids) == len(self.values):
            raise ValueError("ballot_keys, proposal_ids and values must have the same length")

    @property
    def empty(self) -> bool:
        return self.ballots == 0 and not len(self.values)


class BallotSource(ABC):
    """Base class of ballot sources; subclasses set :attr:`id` and the methods."""

    #: Stable id of the source (``"paper_ballots"``).
    id: ClassVar[str]

    @abstractmethod
    def applies_to(self, dialogue: Dialogue) -> bool:
        """Whether ``dialogue`` may have ballots from this source, without touching the
        database (read ``dialogue.modules``, say), so that dialogues without any cost
        no query."""

    @abstractmethod
    async def ballots(
        self, session: AsyncSession, dialogue: Dialogue, candidates: Sequence[int]
    ) -> ExtraBallots:
        """The counted ballots of ``dialogue`` as the source stores them (rows on
        ``candidates`` only are counted; others may be given and are dropped)."""

    async def replayed(
        self, session: AsyncSession, dialogue: Dialogue, candidates: Sequence[int]
    ) -> ExtraBallots:
        """The same ballots rebuilt from the source's own log, for the recount. The
        default reads :meth:`ballots`: a source without a log of its own cannot be
        recounted independently."""
        return await self.ballots(session, dialogue, candidates)

    @abstractmethod
    async def version(self, session: AsyncSession, dialogue: Dialogue) -> str:
        """A short string that changes whenever this source's ballots of ``dialogue``
        change (the newest id and the number of its log entries, say); part of the
        results cache key."""


def _sources(plugins: Plugins, dialogue: Dialogue) -> list[BallotSource]:
    return plugins.ballot_sources_for(dialogue)


async def extra_ballots(
    session: AsyncSession,
    plugins: Plugins,
    dialogue: Dialogue,
    candidates: Sequence[int],
    *,
    replayed: bool = False,
) -> ExtraBallots:
    """The counted ballots of every source that applies to ``dialogue``, joined (ballot
    keys renumbered so that two sources never share one), with rows on ``candidates``
    only; ``replayed`` reads each source's log instead of its stored ballots."""
    known = set(candidates)
    ballots = 0
    keys: list[int] = []
    proposal_ids: list[int] = []
    values: list[int] = []
    next_key = 0
    for source in _sources(plugins, dialogue):
        read = source.replayed if replayed else source.ballots
        found = await read(session, dialogue, candidates)
        ballots += found.ballots
        renumbered: dict[int, int] = {}
        for key, proposal_id, value in zip(
            found.ballot_keys, found.proposal_ids, found.values, strict=True
        ):
            if int(proposal_id) not in known:
                continue
            if key not in renumbered:
                renumbered[key] = next_key
                next_key += 1
            keys.append(renumbered[key])
            proposal_ids.append(int(proposal_id))
            values.append(int(value))
    return ExtraBallots(ballots, keys, proposal_ids, values)


def with_extra_votes(votes: CountedVotes, extra: ExtraBallots) -> CountedVotes:
    """``votes`` with the rows of ``extra`` added, still grouped by ballot in ascending
    ids: extra ballots take negative ids, so they never meet an online ballot's id and
    come first. ``votes`` itself when ``extra`` is empty."""
    if extra.empty:
        return votes
    ballot_ids = numpy.concatenate(
        [
            -1 - numpy.asarray(extra.ballot_keys, dtype=numpy.int64),
            numpy.asarray(votes.ballot_ids, dtype=numpy.int64),
        ]
    )
    proposal_ids = numpy.concatenate(
        [
            numpy.asarray(extra.proposal_ids, dtype=numpy.int64),
            numpy.asarray(votes.proposal_ids, dtype=numpy.int64),
        ]
    )
    values = numpy.concatenate(
        [
            numpy.asarray(extra.values, dtype=numpy.int64),
            numpy.asarray(votes.values, dtype=numpy.int64),
        ]
    )
    order = numpy.lexsort((proposal_ids, ballot_ids))
    return CountedVotes(
        candidates=votes.candidates,
        ballot_ids=ballot_ids[order],
        proposal_ids=proposal_ids[order],
        values=values[order],
        ballots_counted=votes.ballots_counted + extra.ballots,
        facts=votes.facts,
    )


def with_extra_counts(counts: VoteCounts, extra: ExtraBallots) -> VoteCounts:
    """``counts`` with the votes of ``extra`` added, one row per (proposal, value) pair
    as :class:`~core.vote_counts.VoteCounts` promises. ``counts`` itself when ``extra``
    is empty."""
    if extra.empty:
        return counts
    grouped = Counter[tuple[int, int]]()
    for proposal_id, value, count in zip(
        counts.proposal_ids.tolist(), counts.values.tolist(), counts.counts.tolist(), strict=True
    ):
        grouped[proposal_id, value] += count
    for proposal_id, value in zip(extra.proposal_ids, extra.values, strict=True):
        grouped[proposal_id, value] += 1
    rows = [(p, v, n) for (p, v), n in sorted(grouped.items())]
    return VoteCounts.from_rows(counts.candidates, rows, counts.ballots_counted + extra.ballots)


async def sources_hold_ballots(session: AsyncSession, plugins: Plugins, dialogue: Dialogue) -> bool:
    """Whether a source that applies to ``dialogue`` holds a counted ballot: then, as
    with an online vote, the dialogue's vote configuration is frozen."""
    for source in _sources(plugins, dialogue):
        if (await source.ballots(session, dialogue, ())).ballots:
            return True
    return False


async def sources_version(session: AsyncSession, plugins: Plugins, dialogue: Dialogue) -> str:
    """The versions of the sources that apply to ``dialogue`` (empty when none does)."""
    parts = [
        f"{source.id}={await source.version(session, dialogue)}"
        for source in _sources(plugins, dialogue)
    ]
    return ".".join(parts)
