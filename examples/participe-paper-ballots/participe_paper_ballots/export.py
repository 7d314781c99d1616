"""The export of paper ballots: one row per vote, with the station, who entered the
ballot and when, and whether it was voided (``what=paper_ballots``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.export_datasets import ExportContext, ExportDataset, Row
from core.models import Dialogue, Proposal, User
from participe_paper_ballots.models import PaperBallot, PaperVote
from participe_paper_ballots.settings import MODULE

BATCH = 500


class PaperBallotsDataset(ExportDataset):
    id = "paper_ballots"
    title = "Bulletins papier"

    def applies_to(self, dialogue: Dialogue) -> bool:
        return MODULE in dialogue.modules

    async def columns(self, session: AsyncSession, dialogue: Dialogue) -> list[str]:
        return [
            "bulletin papier",
            "bureau",
            "référence",
            "saisi par",
            "saisi le",
            "compté",
            "motif d'annulation",
            "proposition n°",
            "proposition",
            "vote",
        ]

    async def rows_in(
        self, session: AsyncSession, dialogue: Dialogue, context: ExportContext
    ) -> AsyncIterator[Row]:
        kind = context.plugins.vote_types.get(dialogue.vote_type or "")
        settings = kind.decode_settings(dialogue.vote_settings) if kind is not None else None
        after = (0, 0)
        while True:
            batch = (
                await session.execute(
                    select(PaperVote, PaperBallot, Proposal.title, User.email)
                    .join(PaperBallot, PaperBallot.id == PaperVote.paper_ballot_id)
                    .join(Proposal, Proposal.id == PaperVote.proposal_id)
                    .outerjoin(User, User.id == PaperBallot.entered_by_id)
                    .where(
                        PaperBallot.dialogue_id == dialogue.id,
                        (PaperVote.paper_ballot_id > after[0])
                        | (
                            (PaperVote.paper_ballot_id == after[0])
                            & (PaperVote.proposal_id > after[1])
                        ),
                    )
                    .order_by(PaperVote.paper_ballot_id, PaperVote.proposal_id)
                    .limit(BATCH)
                )
            ).all()
            if not batch:
                return
            for vote, ballot, title, email in batch:
                value: Any = vote.value
                if kind is not None:
                    value = kind.present_value(settings, vote.value)
                yield [
                    ballot.id,
                    ballot.station,
                    ballot.reference,
                    email or "",
                    ballot.created_at,
                    "non" if ballot.voided_at is not None else "oui",
                    ballot.void_reason,
                    vote.proposal_id,
                    title,
                    value,
                ]
            last = batch[-1][0]
            after = (last.paper_ballot_id, last.proposal_id)
