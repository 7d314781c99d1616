"""The candidates of a vote once it is frozen: who may change what, and the two staff
actions that meet the real need behind a mid-vote edit.

From the moment the vote phase opens (:func:`core.services.dialogues.vote_frozen`), a
candidate's cost, theme, sector, title, body and image and the list of candidates decide
the result, so:

- its author's edits are refused (409 ``proposal.frozen``);
- a staff change of its status that takes it in or out of the count, of its cost, theme
  or sector (facts its vote type may judge and count by,
  :class:`core.vote_types.ProposalFacts`), or its hiding by a moderator is refused (409
  ``vote.config_frozen``);
- staff may :func:`correct_candidate` a typo in its text: the previous text is kept
  (``proposal_revisions``) and shown in the proposal's public history;
- staff may :func:`withdraw_candidate` a candidate found ineligible: it leaves the count,
  its votes are taken off the ballots (each change in the vote log), its voters are told
  by email, and the results name it with the reason.

Every check and change runs under the dialogue's lock
(:func:`core.services.vote_locks.lock_for_change`), so no vote, phase switch or other
change can slip in between.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, ValidationFailed
from core.mail.mailer import Mailer
from core.models import (
    Ballot,
    Dialogue,
    Organisation,
    OutboxMessage,
    Proposal,
    ProposalRevision,
    User,
    Vote,
)
from core.models.ballots import BallotStatus, VoteAction
from core.models.proposals import CANDIDATE_STATUSES, ProposalStatus
from core.plugin_manager import Plugins
from core.services import ballot_statements as statements
from core.services import event_jobs
from core.services.ballot_box import vote_rules
from core.services.dialogues import vote_frozen
from core.services.vote_locks import (
    is_candidate,
    lock_for_change,
    vote_opened,
)

__all__ = [
    "REASON_WITHDRAWN",
    "Withdrawal",
    "check_author_edit",
    "check_staff_change",
    "correct_candidate",
    "notify_voters",
    "proposal_history",
    "withdraw_candidate",
]

#: The vote-log reason of the changes a candidate's withdrawal makes to a ballot.
REASON_WITHDRAWN = "candidate_withdrawn"
#: The longest reason staff may give.
MAX_REASON = 2000


async def _locked_frozen(
    session: AsyncSession, plugins: Plugins, dialogue: Dialogue, proposal: Proposal, now: datetime
) -> bool:
    """Takes the dialogue's lock, brings ``proposal`` up to date and says whether the vote
    is frozen."""
    dialogue = await lock_for_change(session, dialogue)
    await session.refresh(proposal)
    return await vote_frozen(session, plugins, dialogue, now)


async def check_author_edit(
    session: AsyncSession, plugins: Plugins, dialogue: Dialogue, proposal: Proposal, now: datetime
) -> None:
    """409 ``proposal.frozen`` when ``proposal`` is a candidate of a frozen vote."""
    if not is_candidate(proposal):
        return
    if await _locked_frozen(session, plugins, dialogue, proposal, now) and is_candidate(proposal):
        raise Conflict(
            "Le vote est ouvert : cette proposition ne peut plus être modifiée. "
            "L'équipe peut corriger une coquille si besoin.",
            code="proposal.frozen",
        )


async def check_staff_change(
    session: AsyncSession,
    plugins: Plugins,
    dialogue: Dialogue,
    proposal: Proposal,
    now: datetime,
    *,
    status: ProposalStatus | None = None,
    facts: Mapping[str, object] | None = None,
    hidden: bool | None = None,
) -> None:
    """409 ``vote.config_frozen`` when the staff change (a new ``status``, new ``facts``:
    values of the proposal's ``cost``, ``theme`` or ``sector`` by name, or the proposal
    ``hidden`` or shown by a moderator) would change the count of a frozen vote: a
    candidate in or out, or a fact its vote type judges ballots and counts votes by."""

    def changes_count() -> bool:
        before = is_candidate(proposal)
        after = (
            (proposal.status if status is None else status) in CANDIDATE_STATUSES
            and (proposal.hidden_at is not None if hidden is None else hidden) is False
            and proposal.withdrawn_at is None
        )
        changed = any(getattr(proposal, name) != value for name, value in (facts or {}).items())
        return before != after or (before and changed)

    if not changes_count():
        return
    if await _locked_frozen(session, plugins, dialogue, proposal, now) and changes_count():
        raise Conflict(
            "Le vote est ouvert : la liste des projets soumis au vote, leur coût, leur "
            "thème et leur secteur ne peuvent plus changer. Retirez le projet ou corrigez "
            "son texte à la place.",
            code="vote.config_frozen",
        )


def _reason(raw: str) -> str:
    reason = raw.strip()
    if not reason:
        raise ValidationFailed(
            "reason: required", extra={"fields": {"reason": "Indiquez la raison."}}
        )
    if len(reason) > MAX_REASON:
        raise ValidationFailed(
            f"reason: {MAX_REASON} characters at most",
            extra={"fields": {"reason": f"{MAX_REASON} caractères au plus."}},
        )
    return reason


async def correct_candidate(
    session: AsyncSession,
    dialogue: Dialogue,
    proposal: Proposal,
    editor: User,
    *,
    title: str | None,
    body: str | None,
    reason: str,
    now: datetime,
) -> ProposalRevision:
    """Corrects a typo in ``proposal``'s text (staff): the previous title and body are
    kept as a revision, with ``reason``, in the proposal's public history."""
    reason = _reason(reason)
    dialogue = await lock_for_change(session, dialogue)
    await session.refresh(proposal)
    if not (is_candidate(proposal) and vote_opened(dialogue, now)):
        raise Conflict(
            "Seul le texte d'un projet soumis à un vote ouvert se corrige ainsi ; "
            "avant le vote, son auteur·rice le modifie.",
            code="proposal.not_candidate",
        )
    new_title = proposal.title if title is None else title.strip()
    new_body = proposal.body if body is None else body.strip()
    if not 3 <= len(new_title) <= 200:
        raise ValidationFailed(
            "title: 3 to 200 characters",
            extra={"fields": {"title": "De 3 à 200 caractères."}},
        )
    if len(new_body) > 20_000:
        raise ValidationFailed(
            "body: 20,000 characters at most",
            extra={"fields": {"body": "20 000 caractères au plus."}},
        )
    if (new_title, new_body) == (proposal.title, proposal.body):
        raise ValidationFailed(
            "title, body: the corrected text is the same as the current one",
            extra={"fields": {"body": "Le texte corrigé est identique au texte actuel."}},
        )
    revision = ProposalRevision(
        proposal_id=proposal.id,
        editor_id=editor.id,
        title=proposal.title,
        body=proposal.body,
        reason=reason,
        created_at=now,
    )
    session.add(revision)
    proposal.title, proposal.body = new_title, new_body
    await session.flush()
    return revision


async def proposal_history(session: AsyncSession, proposal: Proposal) -> list[ProposalRevision]:
    """The corrections of ``proposal``'s text, oldest first: each holds the text it had
    before the correction."""
    found = await session.scalars(
        select(ProposalRevision)
        .where(ProposalRevision.proposal_id == proposal.id)
        .order_by(ProposalRevision.created_at, ProposalRevision.id)
    )
    return list(found)


@dataclass
class Withdrawal:
    """What withdrawing a candidate changed: the ballots it took a vote from, the voters
    to tell (those with an account and an address), and those whose ballot went back to
    draft because it fell under the minimum."""

    proposal: Proposal
    #: The status it had (``proposal_status_changed`` tells plugins).
    previous_status: str
    ballots: list[int] = field(default_factory=list)
    voters: list[User] = field(default_factory=list)
    unconfirmed: list[int] = field(default_factory=list)
    #: The users whose ballot went back to draft.
    unconfirmed_users: set[int] = field(default_factory=set)


async def notify_voters(
    session: AsyncSession,
    mailer: Mailer,
    organisation: Organisation,
    dialogue: Dialogue,
    withdrawal: Withdrawal,
    *,
    site_url: str,
) -> list[OutboxMessage]:
    """Queues, in the caller's transaction, the email that tells each voter of a withdrawn
    candidate why it left the vote and what became of their ballot (in their language)."""
    proposal = withdrawal.proposal
    messages = []
    for voter in withdrawal.voters:
        if not voter.email:
            continue
        messages.append(
            await mailer.queue(
                session,
                "candidate_withdrawn",
                recipient=voter.email,
                language=voter.language,
                organisation=organisation,
                proposal_title=proposal.title,
                dialogue_title=dialogue.title,
                reason=proposal.withdrawal_reason,
                unconfirmed=voter.id in withdrawal.unconfirmed_users,
                link=f"{site_url.rstrip('/')}/me/ballots",
            )
        )
    return messages


async def withdraw_candidate(
    session: AsyncSession,
    plugins: Plugins,
    dialogue: Dialogue,
    proposal: Proposal,
    *,
    reason: str,
    now: datetime,
) -> Withdrawal:
    """Withdraws ``proposal`` from the vote (staff): it is no longer a candidate (status
    ``refused``, ``withdrawn_at`` set, ``reason`` public), and every ballot's vote on it
    is taken off, logged with the reason ``candidate_withdrawn``. A confirmed ballot that
    falls under the vote's minimum goes back to draft, as a citizen's withdrawal would
    take it; a ballot left empty stops counting."""
    reason = _reason(reason)
    dialogue = await lock_for_change(session, dialogue)
    await session.refresh(proposal)
    if not is_candidate(proposal):
        raise Conflict(
            "Cette proposition n'est pas soumise au vote.", code="proposal.not_candidate"
        )
    rules = vote_rules(plugins, dialogue)
    withdrawal = Withdrawal(proposal, proposal.status.value)
    proposal.status = ProposalStatus.REFUSED
    proposal.status_reason = reason
    proposal.withdrawn_at = now
    proposal.withdrawal_reason = reason
    held = (
        await session.execute(
            select(Ballot.id, Ballot.user_id, Ballot.status, Ballot.confirmed_at, Vote.value)
            .join(Vote, Vote.ballot_id == Ballot.id)
            .where(Ballot.dialogue_id == dialogue.id, Vote.proposal_id == proposal.id)
            .order_by(Ballot.id)
        )
    ).all()
    sizes: dict[int, int] = {}
    if held:
        counted = await session.execute(
            select(Vote.ballot_id, func.count())
            .where(Vote.ballot_id.in_([row.id for row in held]))
            .group_by(Vote.ballot_id)
        )
        sizes = {ballot_id: count for ballot_id, count in counted}
    connection = await session.connection()
    user_ids = []
    for row in held:
        left = sizes.get(row.id, 1) - 1
        writes = statements.Writes(
            dialogue_id=dialogue.id,
            ballot_id=row.id,
            status=row.status,
            confirmed_at=row.confirmed_at,
            now=now,
            network=None,
            removed=[proposal.id],
        )
        writes.entries.append((VoteAction.WITHDRAW.value, proposal.id, None, REASON_WITHDRAWN))
        confirmed = row.status == BallotStatus.CONFIRMED
        falls = left == 0 if rules.min_votes == 0 else left < rules.min_votes
        if confirmed and falls:
            writes.status, writes.confirmed_at = BallotStatus.DRAFT, None
            writes.entries.append((VoteAction.UNCONFIRM.value, None, None, REASON_WITHDRAWN))
            withdrawal.unconfirmed.append(row.id)
            if row.user_id is not None:
                withdrawal.unconfirmed_users.add(row.user_id)
        await statements.write(connection, writes)
        withdrawal.ballots.append(row.id)
        if row.user_id is not None:
            user_ids.append(row.user_id)
    if user_ids:
        withdrawal.voters = list(
            await session.scalars(
                select(User).where(
                    User.id.in_(user_ids), User.deleted_at.is_(None), User.email.is_not(None)
                )
            )
        )
    await session.flush()
    event_jobs.queue(
        session,
        plugins,
        dialogue,
        "proposal_status_changed",
        proposal.id,
        previous=withdrawal.previous_status,
    )
    return withdrawal
