"""API: the two audited staff actions on a candidate of a frozen vote (correct a typo,
withdraw it), and a proposal's public history of corrections. Handlers translate HTTP;
:mod:`core.services.candidates` does the work."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.models import Dialogue, Organisation, Proposal, User
from core.permissions import Action, staff_check
from core.plugin_manager import Plugins
from core.services import audit, candidates, proposals
from core.specs import Strict
from web.admin.guard import staff_guard
from web.api.schemas import ProposalOut, proposals_out
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep, app_context
from web.sign_in import site_url

__all__ = ["CandidateController", "HistoryController", "correct", "withdraw"]


class CorrectionIn(Strict):
    reason: str
    title: str | None = None
    body: str | None = None


class WithdrawalIn(Strict):
    reason: str


class WithdrawalOut(msgspec.Struct):
    proposal: ProposalOut
    #: Ballots that held a vote on the candidate, now without it.
    ballots_updated: int
    #: Of those, the ones that fell under the minimum and went back to draft.
    ballots_unconfirmed: int
    #: Voters told by email.
    voters_notified: int


class RevisionOut(msgspec.Struct):
    """The text a proposal had before one correction, and why it was corrected."""

    title: str
    body: str
    reason: str
    corrected_at: datetime


async def correct(
    session: AsyncSession,
    org: Organisation,
    staff_member: User,
    dialogue: Dialogue,
    proposal: Proposal,
    *,
    title: str | None,
    body: str | None,
    reason: str,
) -> None:
    """Corrects the candidate's text and records it in the audit log (not committed)."""
    revision = await candidates.correct_candidate(
        session,
        dialogue,
        proposal,
        staff_member,
        title=title,
        body=body,
        reason=reason,
        now=utcnow(),
    )
    audit.record(
        session,
        org,
        staff_member,
        "proposal.correct",
        f"proposal:{proposal.id}",
        {"reason": revision.reason},
    )


async def withdraw(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    plugins: Plugins,
    org: Organisation,
    staff_member: User,
    dialogue: Dialogue,
    proposal: Proposal,
    reason: str,
) -> tuple[candidates.Withdrawal, int, BackgroundTask | None]:
    """Withdraws the candidate, records it in the audit log, queues the voters' emails,
    commits and fires the events; returns the withdrawal, the number of emails and their
    delivery."""
    context = app_context(request)
    withdrawal = await candidates.withdraw_candidate(
        session, plugins, dialogue, proposal, reason=reason, now=utcnow()
    )
    audit.record(
        session,
        org,
        staff_member,
        "proposal.withdraw",
        f"proposal:{proposal.id}",
        {
            "reason": proposal.withdrawal_reason,
            "ballots": len(withdrawal.ballots),
            "unconfirmed": len(withdrawal.unconfirmed),
        },
    )
    messages = await candidates.notify_voters(
        session,
        context.mailer,
        org,
        dialogue,
        withdrawal,
        site_url=await site_url(request, session, org),
    )
    await session.commit()
    plugins.proposal_status_changed(proposal, dialogue, withdrawal.previous_status)
    delivery = None
    if messages and context.mailer.smtp is not None:
        delivery = BackgroundTask(
            context.mailer.deliver, context.database, [m.id for m in messages]
        )
    return withdrawal, len(messages), delivery


class CandidateController(Controller):
    path = "/api/v1/admin/proposals"
    guards = [staff_guard]  # noqa: RUF012
    tags = ("back office",)

    @post("/{proposal_id:int}/correct", status_code=200)
    async def correct_candidate(
        self,
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        proposal_id: FromPath[int],
        data: JSONBody[CorrectionIn],
    ) -> ProposalOut:
        """Corrects a typo in a candidate's title or body; the previous text stays in the
        proposal's public history (``GET /api/v1/proposals/{id}/history``)."""
        staff_member = staff_check(actor, Action.ADMINISTER)
        proposal, dialogue = await proposals.get_proposal(db_session, org.id, proposal_id, actor)
        await correct(
            db_session,
            org,
            staff_member,
            dialogue,
            proposal,
            title=data.title,
            body=data.body,
            reason=data.reason,
        )
        await db_session.commit()
        return (await proposals_out(db_session, dialogue, [proposal], actor))[0]

    @post("/{proposal_id:int}/withdraw", status_code=200)
    async def withdraw_candidate(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        proposal_id: FromPath[int],
        data: JSONBody[WithdrawalIn],
    ) -> Response[WithdrawalOut]:
        """Withdraws a candidate found ineligible: it leaves the count, its votes leave
        the ballots (logged), its voters are told by email, the results name it."""
        staff_member = staff_check(actor, Action.ADMINISTER)
        proposal, dialogue = await proposals.get_proposal(db_session, org.id, proposal_id, actor)
        withdrawal, notified, delivery = await withdraw(
            request, db_session, plugins, org, staff_member, dialogue, proposal, data.reason
        )
        out = (await proposals_out(db_session, dialogue, [proposal], actor))[0]
        body = WithdrawalOut(
            proposal=out,
            ballots_updated=len(withdrawal.ballots),
            ballots_unconfirmed=len(withdrawal.unconfirmed),
            voters_notified=notified,
        )
        return Response(body, background=delivery)


class HistoryController(Controller):
    path = "/api/v1/proposals"
    tags = ("proposals",)

    @get("/{proposal_id:int}/history")
    async def read_history(
        self, db_session: DbSession, org: CurrentOrg, actor: Actor, proposal_id: FromPath[int]
    ) -> list[RevisionOut]:
        """The corrections staff made to the proposal's text, oldest first: each holds the
        text as it was before, and the reason."""
        proposal, _ = await proposals.get_proposal(db_session, org.id, proposal_id, actor)
        return [
            RevisionOut(r.title, r.body, r.reason, r.created_at)
            for r in await candidates.proposal_history(db_session, proposal)
        ]
