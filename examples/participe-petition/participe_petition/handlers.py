"""The handler that puts a proposal under study when it reaches the threshold."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from core.db import utcnow
from core.events import Event, EventContext
from core.models import Ballot, Proposal, User, Vote
from core.models.proposals import ProposalStatus
from core.models.users import Role
from core.services import review
from core.services.tally import counted_condition
from participe_petition.module import PETITION
from participe_petition.settings import PetitionSettings


async def study_when_reached(event: Event, context: EventContext) -> None:
    """Runs after a ballot changed or was confirmed: each published proposal of the
    ballot that now has ``threshold`` supports gets the petition's status. Run twice, it
    finds the proposal moved on already and does nothing."""
    settings = PETITION.decode_settings(PETITION.settings_on(context.dialogue))
    assert isinstance(settings, PetitionSettings)
    session = context.session
    counted = await session.execute(
        select(Vote.proposal_id, func.count())
        .join(Ballot, Ballot.id == Vote.ballot_id)
        .where(
            counted_condition(context.dialogue),
            Vote.proposal_id.in_(
                select(Vote.proposal_id).where(Vote.ballot_id == event.subject_id)
            ),
        )
        .group_by(Vote.proposal_id)
    )
    supports: dict[int, int] = {proposal_id: count for proposal_id, count in counted}
    reached = [
        proposal_id for proposal_id, count in supports.items() if count >= settings.threshold
    ]
    if not reached:
        return
    proposals = list(
        await session.scalars(
            select(Proposal)
            .where(Proposal.id.in_(reached), Proposal.status == ProposalStatus.PUBLISHED)
            .order_by(Proposal.id)
            .with_for_update()
        )
    )
    if not proposals:
        return
    changes = await review.review(
        session,
        context.plugins,
        context.organisation,
        context.dialogue,
        proposals,
        review.ReviewChange(status=settings.status, status_reason=settings.message),
        now=utcnow(),
    )
    await review.announce(
        session,
        context.plugins,
        context.mailer,
        context.organisation,
        context.dialogue,
        changes,
        site_url=context.site_url,
    )
    await _tell_the_organisers(context, proposals, supports, settings)


async def _tell_the_organisers(
    context: EventContext,
    proposals: Sequence[Proposal],
    supports: dict[int, int],
    settings: PetitionSettings,
) -> None:
    administrators = await context.session.scalars(
        select(User)
        .where(
            User.organisation_id == context.organisation.id,
            User.role == Role.ADMIN,
            User.deleted_at.is_(None),
            User.email.is_not(None),
        )
        .order_by(User.id)
    )
    for administrator in administrators:
        assert administrator.email is not None
        for proposal in proposals:
            await context.mailer.queue(
                context.session,
                "petition_reached",
                recipient=administrator.email,
                language=administrator.language,
                organisation=context.organisation,
                proposal_title=proposal.title,
                dialogue_title=context.dialogue.title,
                supports=supports[proposal.id],
                threshold=settings.threshold,
                link=f"{context.site_url}/admin/dialogues/{context.dialogue.slug}/review",
            )
