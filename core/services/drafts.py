"""Dialogue drafts: a dialogue the staff prepare and preview before they publish it.

A draft (``Dialogue.published_at`` is ``None``) is unknown to citizens and anonymous
visitors: every page, feed and API route reads its dialogue through
:func:`core.services.dialogues.get_dialogue` (or a proposal through
:func:`core.services.proposals.get_proposal`), which answers 404 for a draft unless the
session may preview the organisation's drafts. The web layer marks a request's session
with :func:`allow_previews` once it knows its actor; a session without the mark (a
request whose route never asked for its actor) sees no draft, and the platform's own
commands mark theirs with :data:`EVERY_ORGANISATION`.

Unpublishing takes a dialogue off the site again, which is only allowed while nobody has
taken part: a citizen's proposal or comment, a ballot (online or from a source) would
otherwise vanish from under their authors.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.ballot_sources import sources_hold_ballots
from core.errors import Conflict, NotFound
from core.models import Ballot, Comment, Dialogue, Proposal, User
from core.models.users import Role
from core.plugin_manager import Plugins
from core.result_sections import sections_hold_participation

#: The key in ``AsyncSession.info``: the id of the organisation whose drafts the session's
#: actor may preview, or :data:`EVERY_ORGANISATION`.
PREVIEW_KEY = "participe.drafts.preview"
#: The platform itself (a command): every draft is known.
EVERY_ORGANISATION = -1


def is_draft(dialogue: Dialogue) -> bool:
    return dialogue.published_at is None


def may_preview(actor: User | None, organisation_id: int) -> bool:
    """Whether ``actor`` is of the organisation's staff (any staff role), the only people
    who see its drafts."""
    return (
        actor is not None
        and actor.organisation_id == organisation_id
        and actor.deleted_at is None
        and actor.role.is_staff
    )


def allow_previews(session: AsyncSession, actor: User | None) -> None:
    """Marks ``session`` as a request of ``actor``: the drafts of their organisation become
    visible in it when they are of its staff."""
    if actor is not None and may_preview(actor, actor.organisation_id):
        session.info[PREVIEW_KEY] = actor.organisation_id
    else:
        session.info.pop(PREVIEW_KEY, None)


def previews_allowed(session: AsyncSession, organisation_id: int) -> bool:
    allowed = session.info.get(PREVIEW_KEY)
    return allowed in (EVERY_ORGANISATION, organisation_id)


def visible(session: AsyncSession, dialogue: Dialogue) -> bool:
    """Whether ``dialogue`` is public or a draft that ``session`` may preview."""
    return not is_draft(dialogue) or previews_allowed(session, dialogue.organisation_id)


def check_visible(session: AsyncSession, dialogue: Dialogue) -> Dialogue:
    """``dialogue``, unless it is a draft that ``session`` may not preview (404, the answer
    for a dialogue that does not exist: a draft's address tells nothing)."""
    if not visible(session, dialogue):
        raise NotFound(f"démarche {dialogue.slug!r} introuvable")
    return dialogue


def publish(dialogue: Dialogue, now: datetime) -> bool:
    """Makes ``dialogue`` public; returns whether it was a draft."""
    if dialogue.published_at is not None:
        return False
    dialogue.published_at = now
    return True


async def has_participation(session: AsyncSession, plugins: Plugins, dialogue: Dialogue) -> bool:
    """Whether someone outside the staff has taken part in ``dialogue``: a proposal or a
    comment by a citizen (or by a deleted account), a ballot, a ballot from a source, what
    a result section counts (a questionnaire's responses)."""
    by_citizen = or_(
        User.id.is_(None),
        User.role == Role.CITIZEN,
    )
    proposals = (
        select(Proposal.id)
        .outerjoin(User, User.id == Proposal.author_id)
        .where(Proposal.dialogue_id == dialogue.id, by_citizen)
    )
    comments = (
        select(Comment.id)
        .join(Proposal, Proposal.id == Comment.proposal_id)
        .outerjoin(User, User.id == Comment.author_id)
        .where(Proposal.dialogue_id == dialogue.id, by_citizen)
    )
    ballots = select(Ballot.id).where(Ballot.dialogue_id == dialogue.id)
    for query in (ballots, proposals, comments):
        if await session.scalar(select(exists(query))):
            return True
    if await sources_hold_ballots(session, plugins, dialogue):
        return True
    return await sections_hold_participation(session, plugins, dialogue)


async def unpublish(session: AsyncSession, plugins: Plugins, dialogue: Dialogue) -> bool:
    """Makes ``dialogue`` a draft again; returns whether it was public. 409
    ``dialogue.has_participation`` once someone has taken part (:func:`has_participation`)."""
    if dialogue.published_at is None:
        return False
    if await has_participation(session, plugins, dialogue):
        raise Conflict(
            "Des personnes ont déjà participé à cette démarche : elle ne peut plus "
            "repasser en brouillon.",
            code="dialogue.has_participation",
        )
    dialogue.published_at = None
    return True
