"""Comments on proposals: posting, threaded reading, and reports to the moderators.

A dialogue's ``comments_mode`` says how its proposals are discussed: ``thread`` (a plain
thread) or ``qualified`` (each comment takes a side, for or against, and pages show two
columns), while its ``comments`` module is on (:mod:`core.defaults.comments`); off, there
are no comments to read or post (404). Replies point to their parent through ``parent_id``.
A comment hidden by the moderators disappears, but its visible replies stay under a
placeholder so that a discussion is never cut in two.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from core.db_range import may_be_id
from core.defaults.comments import COMMENTS
from core.errors import Conflict, NotFound, ValidationFailed
from core.models import Comment, CommentReport, Dialogue, Proposal, User
from core.models.comments import Stance
from core.models.dialogues import CommentsMode
from core.models.proposals import ProposalStatus
from core.permissions import Action, check
from core.plugin_manager import Plugins
from core.services import event_jobs
from core.services.moderation import hold_if_premoderated

MAX_BODY = 5_000
MAX_REASON = 1_000


@dataclass
class CommentNode:
    """One comment of a thread with its author and its replies, oldest first.

    ``comment`` is ``None`` for a placeholder: a hidden comment that has visible replies.
    """

    comment: Comment | None
    author: User | None
    replies: list[CommentNode] = field(default_factory=list)

    @property
    def stance(self) -> str | None:
        return self.comment.stance.value if self.comment and self.comment.stance else None

    def count(self) -> int:
        return (self.comment is not None) + sum(reply.count() for reply in self.replies)


def _stance(dialogue: Dialogue, raw: str | None) -> Stance | None:
    if dialogue.comments_mode == CommentsMode.QUALIFIED:
        if not raw:
            raise ValidationFailed(
                "stance: choisissez « pour » ou « contre »",
                extra={"fields": {"stance": "Choisissez « pour » ou « contre »."}},
            )
        try:
            return Stance(raw)
        except ValueError:
            raise ValidationFailed(
                "stance: « for » ou « against »",
                extra={"fields": {"stance": "Choisissez « pour » ou « contre »."}},
            ) from None
    if raw:
        raise ValidationFailed("stance: cette démarche ne qualifie pas les commentaires")
    return None


def _body(raw: str) -> str:
    body = raw.strip()
    if not body:
        raise ValidationFailed(
            "body: le commentaire est vide",
            extra={"fields": {"body": "Écrivez votre commentaire."}},
        )
    if len(body) > MAX_BODY:
        message = f"{MAX_BODY} caractères au plus."
        raise ValidationFailed(f"body: {message}", extra={"fields": {"body": message}})
    return body


def require_comments(dialogue: Dialogue) -> None:
    """404 where ``dialogue``'s comments are off: they are neither read nor posted."""
    if not COMMENTS.enabled_on(dialogue):
        raise NotFound("Cette démarche n'a pas de commentaires.")


async def reply_target(session: AsyncSession, proposal: Proposal, parent_id: int) -> Comment | None:
    """The comment ``parent_id`` if one may reply to it on ``proposal``: it stands under the
    proposal and is not hidden; else ``None``."""
    parent = await session.get(Comment, parent_id) if may_be_id(parent_id) else None
    if parent is None or parent.proposal_id != proposal.id or parent.hidden_at is not None:
        return None
    return parent


async def post_comment(
    session: AsyncSession,
    plugins: Plugins,
    dialogue: Dialogue,
    proposal: Proposal,
    author: User | None,
    *,
    body: str,
    stance: str | None = None,
    parent_id: int | None = None,
    now: datetime,
    group_ids: Collection[int] = (),
) -> Comment:
    """Posts a comment (or a reply) on ``proposal``; the caller commits, then fires the
    ``comment_posted`` event."""
    require_comments(dialogue)
    author = check(
        plugins, author, Action.COMMENT, dialogue, now=now, group_ids=group_ids, resource=proposal
    )
    if proposal.status == ProposalStatus.DRAFT or proposal.hidden_at is not None:
        raise Conflict(
            "On ne peut commenter qu'une proposition publiée.", code="comments.not_public"
        )
    text = _body(body)
    side = _stance(dialogue, stance)
    if parent_id is not None and await reply_target(session, proposal, parent_id) is None:
        raise ValidationFailed("parent_id: commentaire inconnu sur cette proposition")
    comment = Comment(
        proposal_id=proposal.id,
        author_id=author.id,
        parent_id=parent_id,
        body=text,
        stance=side,
        created_at=now,
    )
    hold_if_premoderated(dialogue, comment, now)
    session.add(comment)
    await session.flush()
    event_jobs.queue(
        session, plugins, dialogue, "comment_posted", comment.id, proposal_id=str(proposal.id)
    )
    return comment


async def _authors(session: AsyncSession, comments: Sequence[Comment]) -> dict[int, User]:
    ids = {c.author_id for c in comments if c.author_id is not None}
    if not ids:
        return {}
    return {user.id: user for user in await session.scalars(select(User).where(User.id.in_(ids)))}


async def list_comments(
    session: AsyncSession, proposal: Proposal, *, page: int, per_page: int
) -> tuple[list[tuple[Comment, User | None]], int]:
    """A page of the visible comments of ``proposal``, oldest first, with their authors,
    and the total number of visible comments."""
    query = select(Comment).where(Comment.proposal_id == proposal.id, Comment.hidden_at.is_(None))
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    comments = (
        await session.scalars(
            query.order_by(Comment.created_at, Comment.id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    ).all()
    authors = await _authors(session, comments)
    return [(c, authors.get(c.author_id) if c.author_id else None) for c in comments], total


async def comment_thread(
    session: AsyncSession, proposal: Proposal, *, limit: int = 2_000
) -> list[CommentNode]:
    """The discussion of ``proposal`` as a tree: top-level comments oldest first, each
    with its replies. Hidden comments are left out, or kept as placeholders when they
    have visible replies."""
    comments = (
        await session.scalars(
            select(Comment)
            .where(Comment.proposal_id == proposal.id)
            .options(joinedload(Comment.author))
            .order_by(Comment.created_at, Comment.id)
            .limit(limit)
        )
    ).all()
    authors = {c.author.id: c.author for c in comments if c.author is not None}
    nodes = {
        c.id: CommentNode(
            c if c.hidden_at is None else None,
            authors.get(c.author_id) if c.author_id and c.hidden_at is None else None,
        )
        for c in comments
    }
    roots: list[CommentNode] = []
    for c in comments:
        parent = nodes.get(c.parent_id) if c.parent_id is not None else None
        (parent.replies if parent is not None else roots).append(nodes[c.id])

    def prune(items: list[CommentNode]) -> list[CommentNode]:
        kept = []
        for node in items:
            node.replies = prune(node.replies)
            if node.comment is not None or node.replies:
                kept.append(node)
        return kept

    return prune(roots)


async def comment_counts(session: AsyncSession, proposal_ids: Collection[int]) -> dict[int, int]:
    """The number of visible comments of each proposal, in one query."""
    if not proposal_ids:
        return {}
    rows = await session.execute(
        select(Comment.proposal_id, func.count())
        .where(Comment.proposal_id.in_(proposal_ids), Comment.hidden_at.is_(None))
        .group_by(Comment.proposal_id)
    )
    return {proposal_id: count for proposal_id, count in rows}


async def get_comment(
    session: AsyncSession, organisation_id: int, comment_id: int
) -> tuple[Comment, Proposal, Dialogue]:
    """A visible comment of a public proposal of the organisation whose dialogue's
    comments are on, or :class:`NotFound`."""
    row = (
        await session.execute(
            select(Comment, Proposal, Dialogue)
            .join(Proposal, Proposal.id == Comment.proposal_id)
            .join(Dialogue, Dialogue.id == Proposal.dialogue_id)
            .where(
                Comment.id == comment_id,
                Comment.hidden_at.is_(None),
                Dialogue.organisation_id == organisation_id,
                Proposal.status != ProposalStatus.DRAFT,
                Proposal.hidden_at.is_(None),
            )
        )
    ).first()
    if row is None:
        raise NotFound("commentaire introuvable")
    comment, proposal, dialogue = row
    require_comments(dialogue)
    return comment, proposal, dialogue


async def report_comment(
    session: AsyncSession,
    plugins: Plugins,
    dialogue: Dialogue,
    comment: Comment,
    reporter: User,
    *,
    reason: str = "",
) -> bool:
    """Reports ``comment`` to the moderators, with the ``comment_reported`` event.
    Reporting twice is harmless: returns whether this report is new. The caller
    commits."""
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise ValidationFailed(f"reason: {MAX_REASON} caractères au plus")
    existing = await session.scalar(
        select(CommentReport.id).where(
            CommentReport.comment_id == comment.id, CommentReport.reporter_id == reporter.id
        )
    )
    if existing is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(
                CommentReport(comment_id=comment.id, reporter_id=reporter.id, reason=reason)
            )
    except IntegrityError:  # the same person reporting twice at once
        return False
    event_jobs.queue(
        session,
        plugins,
        dialogue,
        "comment_reported",
        comment.id,
        proposal_id=str(comment.proposal_id),
    )
    return True


async def open_reports(session: AsyncSession, organisation_id: int) -> Sequence[CommentReport]:
    """Unresolved reports of the organisation, oldest first (for the moderators)."""
    return (
        await session.scalars(
            select(CommentReport)
            .join(Comment, Comment.id == CommentReport.comment_id)
            .join(Proposal, Proposal.id == Comment.proposal_id)
            .join(Dialogue, Dialogue.id == Proposal.dialogue_id)
            .where(Dialogue.organisation_id == organisation_id, CommentReport.resolved_at.is_(None))
            .order_by(CommentReport.created_at, CommentReport.id)
        )
    ).all()
