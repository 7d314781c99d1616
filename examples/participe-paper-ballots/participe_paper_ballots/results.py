"""The paper ballots shown apart in a dialogue's results: ``"paper"`` in the results body
(they are also counted in every proposal's tally, with the online ballots)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Dialogue, User
from core.result_sections import ResultSection
from participe_paper_ballots.models import PaperBallot
from participe_paper_ballots.settings import MODULE
from participe_paper_ballots.source import stored_ballots


async def paper_summary(session: AsyncSession, dialogue: Dialogue) -> dict[str, Any]:
    """``{"ballots", "voided", "stations": [{"station", "ballots"}], "proposals":
    [{"id", "votes", "values": {value: count}}]}``: the counted paper ballots, by station
    and by proposal (stored values, which the vote type gives a meaning)."""
    ballots = await stored_ballots(session, dialogue)
    stations = await session.execute(
        select(PaperBallot.station, func.count())
        .where(PaperBallot.dialogue_id == dialogue.id, PaperBallot.voided_at.is_(None))
        .group_by(PaperBallot.station)
        .order_by(PaperBallot.station)
    )
    voided = await session.scalar(
        select(func.count())
        .select_from(PaperBallot)
        .where(PaperBallot.dialogue_id == dialogue.id, PaperBallot.voided_at.is_not(None))
    )
    values: dict[int, Counter[int]] = {}
    for votes in ballots.values():
        for proposal_id, value in votes.items():
            values.setdefault(proposal_id, Counter())[value] += 1
    return {
        "ballots": len(ballots),
        "voided": int(voided or 0),
        "stations": [{"station": name, "ballots": n} for name, n in stations],
        "proposals": [
            {
                "id": proposal_id,
                "votes": sum(counter.values()),
                "values": {str(value): n for value, n in sorted(counter.items())},
            }
            for proposal_id, counter in sorted(values.items())
        ],
    }


class PaperResults(ResultSection):
    """``"paper"``: the dialogue's paper ballots, once enabled."""

    id = MODULE

    def applies_to(self, dialogue: Dialogue) -> bool:
        return MODULE in dialogue.modules

    async def compute(
        self, session: AsyncSession, dialogue: Dialogue, viewer: User | None
    ) -> dict[str, Any]:
        return {"paper": await paper_summary(session, dialogue)}
