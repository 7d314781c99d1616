"""Paper ballots as a ballot source (:mod:`core.ballot_sources`): counted with the online
ballots in the results, and rebuilt from the entry log for the recount."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.ballot_sources import BallotSource, ExtraBallots
from core.models import Dialogue
from participe_paper_ballots.models import PaperAction, PaperBallot, PaperLogEntry, PaperVote
from participe_paper_ballots.settings import MODULE


def as_extra(ballots: dict[int, dict[int, int]], candidates: Sequence[int]) -> ExtraBallots:
    """``{ballot id: {proposal id: value}}`` as rows on ``candidates``."""
    known = set(candidates)
    rows = [
        (ballot_id, proposal_id, value)
        for ballot_id in sorted(ballots)
        for proposal_id, value in sorted(ballots[ballot_id].items())
        if proposal_id in known
    ]
    return ExtraBallots(
        ballots=len(ballots),
        ballot_keys=[r[0] for r in rows],
        proposal_ids=[r[1] for r in rows],
        values=[r[2] for r in rows],
    )


async def stored_ballots(session: AsyncSession, dialogue: Dialogue) -> dict[int, dict[int, int]]:
    """The dialogue's paper ballots that count (not voided), as the tables hold them."""
    counted = select(PaperBallot.id).where(
        PaperBallot.dialogue_id == dialogue.id, PaperBallot.voided_at.is_(None)
    )
    ballots: dict[int, dict[int, int]] = {
        ballot_id: {} for ballot_id in await session.scalars(counted)
    }
    rows = await session.execute(
        select(PaperVote.paper_ballot_id, PaperVote.proposal_id, PaperVote.value).where(
            PaperVote.paper_ballot_id.in_(counted)
        )
    )
    for ballot_id, proposal_id, value in rows:
        ballots[ballot_id][proposal_id] = value
    return ballots


async def replayed_ballots(session: AsyncSession, dialogue: Dialogue) -> dict[int, dict[int, int]]:
    """The same ballots rebuilt from the entry log alone."""
    ballots: dict[int, dict[int, int]] = {}
    voided: set[int] = set()
    entries = await session.execute(
        select(PaperLogEntry.paper_ballot_id, PaperLogEntry.action, PaperLogEntry.votes)
        .where(PaperLogEntry.dialogue_id == dialogue.id)
        .order_by(PaperLogEntry.id)
    )
    for ballot_id, action, votes in entries:
        if action == PaperAction.ENTER:
            ballots[ballot_id] = {int(pid): int(value) for pid, value in votes.items()}
        elif action == PaperAction.VOID:
            voided.add(ballot_id)
        else:
            raise ValueError(f"unknown paper ballot log action {action!r}")
    return {ballot_id: votes for ballot_id, votes in ballots.items() if ballot_id not in voided}


class PaperBallotSource(BallotSource):
    """The paper ballots of a dialogue on which staff enabled them."""

    id = MODULE

    def applies_to(self, dialogue: Dialogue) -> bool:
        return MODULE in dialogue.modules

    async def ballots(
        self, session: AsyncSession, dialogue: Dialogue, candidates: Sequence[int]
    ) -> ExtraBallots:
        return as_extra(await stored_ballots(session, dialogue), candidates)

    async def replayed(
        self, session: AsyncSession, dialogue: Dialogue, candidates: Sequence[int]
    ) -> ExtraBallots:
        return as_extra(await replayed_ballots(session, dialogue), candidates)

    async def version(self, session: AsyncSession, dialogue: Dialogue) -> str:
        newest, entries = (
            await session.execute(
                select(func.max(PaperLogEntry.id), func.count()).where(
                    PaperLogEntry.dialogue_id == dialogue.id
                )
            )
        ).one()
        return f"{newest or 0}-{entries}"
