"""The recount: the tally rebuilt from the vote log alone, compared with the ballots.

Replaying a dialogue's log entries in order rebuilds every ballot (its votes, whether it is
confirmed, whether it was voided); counting the rebuilt ballots with the vote type must give
the tally of the stored ballots. Any difference, in one ballot or in the tally, means that
a change bypassed the ballot engine or that the log lost an entry.

Ballots that plugins keep outside the ``ballots`` table (:mod:`core.ballot_sources`) are
counted on both sides: as stored with the ballots, rebuilt from the source's own log with
the vote log.

The recount also checks the vote log's hash chain (:mod:`core.services.chain_check`): a
broken chain is the first difference of the report.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.ballot_sources import extra_ballots, with_extra_votes
from core.models import Ballot, Dialogue, Vote, VoteLogEntry
from core.models.ballots import BallotStatus, VoteAction
from core.plugin_manager import Plugins
from core.services.ballot_box import vote_rules
from core.services.chain_check import ChainCheck, check_chain
from core.services.tally import CHUNK, Tally, candidate_facts, tally_dialogue
from core.vote_types import CountedVotes, ProposalFacts

SETS = frozenset({VoteAction.CAST, VoteAction.CHANGE})
#: Differences listed at most in a report.
MAX_DIFFERENCES = 50


@dataclass
class ReplayedBallot:
    votes: dict[int, int] = field(default_factory=dict)
    confirmed: bool = False
    voided: bool = False

    @property
    def counted(self) -> bool:
        return self.confirmed and not self.voided

    def apply(self, action: str, proposal_id: int | None, value: int | None) -> None:
        """Applies one log entry (see :class:`~core.models.ballots.VoteAction`)."""
        if action in SETS or (action == VoteAction.REPLACE and value is not None):
            if proposal_id is None or value is None:
                raise ValueError(f"a {action!r} entry without a proposal or a value")
            self.votes[proposal_id] = value
        elif action in (VoteAction.WITHDRAW, VoteAction.REPLACE):
            if proposal_id is None:
                raise ValueError(f"a {action!r} entry without a proposal")
            self.votes.pop(proposal_id, None)
        elif action == VoteAction.CONFIRM:
            self.confirmed = True
        elif action == VoteAction.UNCONFIRM:
            self.confirmed = False
        elif action == VoteAction.VOID:
            self.voided = True
        else:
            raise ValueError(f"unknown vote log action {action!r}")


@dataclass(frozen=True)
class RecountReport:
    """Both tallies, the check of the vote log's chain, and every difference found (the
    chain's break first, then ballot by ballot, then in the tally)."""

    from_ballots: Tally
    from_log: Tally
    differences: list[str]
    chain: ChainCheck

    @property
    def ok(self) -> bool:
        return not self.differences


async def replay_log(session: AsyncSession, dialogue: Dialogue) -> dict[int, ReplayedBallot]:
    """Every ballot of ``dialogue`` rebuilt from its vote log entries alone."""
    ballots: dict[int, ReplayedBallot] = {}
    result = await session.stream(
        select(
            VoteLogEntry.ballot_id,
            VoteLogEntry.action,
            VoteLogEntry.proposal_id,
            VoteLogEntry.value,
        )
        .where(VoteLogEntry.dialogue_id == dialogue.id)
        .order_by(VoteLogEntry.id)
        .execution_options(yield_per=CHUNK)
    )
    async for rows in result.partitions(CHUNK):
        for ballot_id, action, proposal_id, value in rows:
            ballots.setdefault(ballot_id, ReplayedBallot()).apply(action, proposal_id, value)
    return ballots


async def stored_ballots(session: AsyncSession, dialogue: Dialogue) -> dict[int, ReplayedBallot]:
    """Every ballot of ``dialogue`` as the ballot tables hold it."""
    ballots = {
        ballot_id: ReplayedBallot(
            confirmed=status == BallotStatus.CONFIRMED, voided=voided_at is not None
        )
        for ballot_id, status, voided_at in await session.execute(
            select(Ballot.id, Ballot.status, Ballot.voided_at).where(
                Ballot.dialogue_id == dialogue.id
            )
        )
    }
    result = await session.stream(
        select(Vote.ballot_id, Vote.proposal_id, Vote.value)
        .join(Ballot, Ballot.id == Vote.ballot_id)
        .where(Ballot.dialogue_id == dialogue.id)
        .execution_options(yield_per=CHUNK)
    )
    async for rows in result.partitions(CHUNK):
        for ballot_id, proposal_id, value in rows:
            ballots[ballot_id].votes[proposal_id] = value
    return ballots


def counted_from(
    ballots: dict[int, ReplayedBallot], facts: Mapping[int, ProposalFacts]
) -> CountedVotes:
    """The counted ballots among ``ballots`` as the vote type counts them, on the
    candidates whose ``facts`` are given (ascending ids)."""
    known = set(facts)
    ballot_ids, proposal_ids, values = array("q"), array("q"), array("q")
    counted = 0
    for ballot_id in sorted(ballots):
        ballot = ballots[ballot_id]
        if not ballot.counted:
            continue
        counted += 1
        for proposal_id in sorted(ballot.votes):
            if proposal_id in known:
                ballot_ids.append(ballot_id)
                proposal_ids.append(proposal_id)
                values.append(ballot.votes[proposal_id])
    return CountedVotes(list(facts), ballot_ids, proposal_ids, values, counted, facts)


def _ballot_differences(
    replayed: dict[int, ReplayedBallot], stored: dict[int, ReplayedBallot]
) -> list[str]:
    differences = []
    for ballot_id in sorted(set(replayed) | set(stored)):
        from_log, in_table = replayed.get(ballot_id), stored.get(ballot_id)
        if from_log is None or in_table is None:
            where = "the log" if from_log is None else "the ballots"
            if from_log is None and in_table is not None and not in_table.votes:
                continue  # an empty ballot that never changed has no log entry
            differences.append(f"ballot {ballot_id}: missing from {where}")
        elif from_log != in_table:
            differences.append(f"ballot {ballot_id}: log {from_log} != stored {in_table}")
    return differences


async def recount(session: AsyncSession, plugins: Plugins, dialogue: Dialogue) -> RecountReport:
    """Recounts ``dialogue`` from its vote log and compares it with its ballots."""
    rules = vote_rules(plugins, dialogue)
    from_ballots = await tally_dialogue(session, plugins, dialogue)
    replayed = await replay_log(session, dialogue)
    votes = counted_from(replayed, await candidate_facts(session, dialogue))
    # Ballots kept by plugins (paper ballots, ...) are rebuilt from their own logs.
    extra = await extra_ballots(session, plugins, dialogue, votes.candidates, replayed=True)
    votes = with_extra_votes(votes, extra)
    from_log = Tally(rules.kind.id, votes.ballots_counted, rules.kind.tally(rules.settings, votes))

    chain = await check_chain(session, dialogue.id)
    differences = [] if chain.intact else [str(chain)]
    differences += _ballot_differences(replayed, await stored_ballots(session, dialogue))
    if from_log.ballots_counted != from_ballots.ballots_counted:
        differences.append(
            f"ballots counted: log {from_log.ballots_counted} "
            f"!= ballots {from_ballots.ballots_counted}"
        )
    for proposal_id in sorted(set(from_log.proposals) | set(from_ballots.proposals)):
        logged = from_log.proposals.get(proposal_id)
        stored = from_ballots.proposals.get(proposal_id)
        if logged != stored:
            differences.append(f"proposal {proposal_id}: log {logged} != ballots {stored}")
    return RecountReport(from_ballots, from_log, differences[:MAX_DIFFERENCES], chain)
