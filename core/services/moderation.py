"""Moderation of proposals and comments: pre-moderation, hiding with a reason, reports.

A dialogue's ``moderation`` says when moderators act. In ``post`` mode (the default),
proposals and comments appear at once and moderators hide what breaks the rules. In
``pre`` mode, a new proposal (when it is published) or comment is held: hidden
(``hidden_at``) and marked ``awaiting_moderation`` until a moderator approves it, so every
public listing, which already leaves hidden items out, needs no rule of its own. Its
author still sees it, marked as waiting.

A hidden item keeps its ``hidden_reason``, which its author is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound, ValidationFailed
from core.models import Comment, CommentReport, Dialogue, Organisation, Proposal, User
from core.models.dialogues import ModerationMode
from core.models.proposals import ProposalStatus

MAX_REASON = 1_000


def hold_if_premoderated(dialogue: Dialogue, item: Proposal | Comment, now: datetime) -> bool:
    """Holds a newly published ``item`` back when ``dialogue`` is pre-moderated; returns
    whether it was held. Services call it when an item becomes public."""
    if dialogue.moderation != ModerationMode.PRE:
        return False
    item.hidden_at = now
    item.awaiting_moderation = True
    return True


def _reason(raw: str, *, required: bool) -> str:
    reason = raw.strip()
    if required and not reason:
        raise ValidationFailed(
            "reason: une raison est obligatoire",
            extra={"fields": {"reason": "Dites pourquoi (l'auteur·rice le lira)."}},
        )
    if len(reason) > MAX_REASON:
        message = f"{MAX_REASON} caractères au plus."
        raise ValidationFailed(f"reason: {message}", extra={"fields": {"reason": message}})
    return reason


def approve(item: Proposal | Comment) -> None:
    """Publishes an item held by pre-moderation."""
    item.hidden_at = None
    item.awaiting_moderation = False
    item.hidden_reason = ""


def hide(item: Proposal | Comment, reason: str, now: datetime) -> None:
    """Hides ``item`` (or refuses an item held by pre-moderation) with a reason."""
    item.hidden_reason = _reason(reason, required=True)
    item.awaiting_moderation = False
    if item.hidden_at is None:
        item.hidden_at = now


def restore(item: Proposal | Comment) -> None:
    """Shows a hidden item again."""
    approve(item)


async def resolve_reports(session: AsyncSession, comment: Comment, now: datetime) -> None:
    """Marks the open reports of ``comment`` as dealt with (hidden or kept)."""
    await session.execute(
        update(CommentReport)
        .where(CommentReport.comment_id == comment.id, CommentReport.resolved_at.is_(None))
        .values(resolved_at=now)
    )


async def get_proposal(session: AsyncSession, org: Organisation, proposal_id: int) -> Proposal:
    row = await session.execute(
        select(Proposal)
        .join(Dialogue, Dialogue.id == Proposal.dialogue_id)
        .where(Proposal.id == proposal_id, Dialogue.organisation_id == org.id)
    )
    proposal = row.scalar_one_or_none()
    if proposal is None:
        raise NotFound("proposition introuvable")
    return proposal


async def get_comment(session: AsyncSession, org: Organisation, comment_id: int) -> Comment:
    row = await session.execute(
        select(Comment)
        .join(Proposal, Proposal.id == Comment.proposal_id)
        .join(Dialogue, Dialogue.id == Proposal.dialogue_id)
        .where(Comment.id == comment_id, Dialogue.organisation_id == org.id)
    )
    comment = row.scalar_one_or_none()
    if comment is None:
        raise NotFound("commentaire introuvable")
    return comment


@dataclass
class PendingCounts:
    proposals: int
    comments: int
    reports: int

    @property
    def total(self) -> int:
        return self.proposals + self.comments + self.reports


async def pending_counts(session: AsyncSession, org: Organisation) -> PendingCounts:
    """How many items wait for a moderator in ``org``."""
    proposals = await session.scalar(
        select(func.count())
        .select_from(Proposal)
        .join(Dialogue, Dialogue.id == Proposal.dialogue_id)
        .where(Dialogue.organisation_id == org.id, Proposal.awaiting_moderation.is_(True))
    )
    comments = await session.scalar(
        select(func.count())
        .select_from(Comment)
        .join(Proposal, Proposal.id == Comment.proposal_id)
        .join(Dialogue, Dialogue.id == Proposal.dialogue_id)
        .where(Dialogue.organisation_id == org.id, Comment.awaiting_moderation.is_(True))
    )
    reports = await session.scalar(
        select(func.count(func.distinct(CommentReport.comment_id)))
        .select_from(CommentReport)
        .join(Comment, Comment.id == CommentReport.comment_id)
        .join(Proposal, Proposal.id == Comment.proposal_id)
        .join(Dialogue, Dialogue.id == Proposal.dialogue_id)
        .where(
            Dialogue.organisation_id == org.id,
            CommentReport.resolved_at.is_(None),
            Comment.hidden_at.is_(None),
        )
    )
    return PendingCounts(proposals or 0, comments or 0, reports or 0)


@dataclass
class ReportedComment:
    comment: Comment
    proposal: Proposal
    dialogue: Dialogue
    author: User | None
    reasons: list[str]
    count: int


@dataclass
class ModerationQueue:
    proposals: Sequence[tuple[Proposal, Dialogue, User | None]]
    comments: Sequence[tuple[Comment, Proposal, Dialogue, User | None]]
    reported: list[ReportedComment]
    hidden_proposals: Sequence[tuple[Proposal, Dialogue, User | None]]
    hidden_comments: Sequence[tuple[Comment, Proposal, Dialogue, User | None]]


async def queue(session: AsyncSession, org: Organisation, *, limit: int = 200) -> ModerationQueue:
    """What moderators look at: held items, reported comments, and what is hidden."""
    proposal_rows = (
        select(Proposal, Dialogue, User)
        .join(Dialogue, Dialogue.id == Proposal.dialogue_id)
        .outerjoin(User, User.id == Proposal.author_id)
        .where(Dialogue.organisation_id == org.id, Proposal.status != ProposalStatus.DRAFT)
    )
    comment_rows = (
        select(Comment, Proposal, Dialogue, User)
        .join(Proposal, Proposal.id == Comment.proposal_id)
        .join(Dialogue, Dialogue.id == Proposal.dialogue_id)
        .outerjoin(User, User.id == Comment.author_id)
        .where(Dialogue.organisation_id == org.id)
    )
    held_proposals = (
        await session.execute(
            proposal_rows.where(Proposal.awaiting_moderation.is_(True))
            .order_by(Proposal.published_at, Proposal.id)
            .limit(limit)
        )
    ).all()
    held_comments = (
        await session.execute(
            comment_rows.where(Comment.awaiting_moderation.is_(True))
            .order_by(Comment.created_at, Comment.id)
            .limit(limit)
        )
    ).all()
    hidden_proposals = (
        await session.execute(
            proposal_rows.where(
                Proposal.hidden_at.is_not(None), Proposal.awaiting_moderation.is_(False)
            )
            .order_by(Proposal.hidden_at.desc())
            .limit(50)
        )
    ).all()
    hidden_comments = (
        await session.execute(
            comment_rows.where(
                Comment.hidden_at.is_not(None), Comment.awaiting_moderation.is_(False)
            )
            .order_by(Comment.hidden_at.desc())
            .limit(50)
        )
    ).all()
    report_rows = (
        await session.execute(
            select(CommentReport.comment_id, CommentReport.reason)
            .join(Comment, Comment.id == CommentReport.comment_id)
            .join(Proposal, Proposal.id == Comment.proposal_id)
            .join(Dialogue, Dialogue.id == Proposal.dialogue_id)
            .where(
                Dialogue.organisation_id == org.id,
                CommentReport.resolved_at.is_(None),
                Comment.hidden_at.is_(None),
            )
            .order_by(CommentReport.created_at, CommentReport.id)
        )
    ).all()
    reasons: dict[int, list[str]] = {}
    for comment_id, reason in report_rows:
        reasons.setdefault(comment_id, []).append(reason)
    reported: list[ReportedComment] = []
    if reasons:
        rows = (
            await session.execute(comment_rows.where(Comment.id.in_(list(reasons)[:limit])))
        ).all()
        for comment, proposal, dialogue, author in rows:
            found = reasons[comment.id]
            reported.append(
                ReportedComment(
                    comment, proposal, dialogue, author, [r for r in found if r], len(found)
                )
            )
        reported.sort(key=lambda item: -item.count)
    return ModerationQueue(
        list(held_proposals),
        list(held_comments),
        reported,
        list(hidden_proposals),
        list(hidden_comments),
    )
