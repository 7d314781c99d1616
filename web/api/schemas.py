"""Response bodies of the API, and their construction from the core's models."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

import msgspec
from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.defaults.comments import COMMENTS
from core.models import Dialogue, Proposal, User
from core.services.proposals import visible_fields

T = TypeVar("T")


class Page(msgspec.Struct, Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int


class PhaseOut(msgspec.Struct):
    kind: str
    title: str
    starts_at: datetime | None
    ends_at: datetime | None
    groups: list[str]


class DialogueSummary(msgspec.Struct):
    slug: str
    title: str
    kind: str
    current_phase: str | None


class VoteOut(msgspec.Struct):
    type: str
    settings: dict[str, Any]


class CommentsOut(msgspec.Struct):
    mode: str


class BudgetOut(msgspec.Struct):
    amount: int
    rule: str


class DialogueOut(msgspec.Struct):
    slug: str
    title: str
    kind: str
    description: str
    phases: list[PhaseOut]
    current_phase: str | None
    vote: VoteOut | None
    comments: CommentsOut
    budget: BudgetOut | None
    form: list[dict[str, Any]]
    themes: list[dict[str, Any]]
    sectors: list[dict[str, Any]]
    results_visibility: str
    moderation: str = "post"
    #: ``false`` for a draft, which only the organisation's staff see.
    published: bool = True
    #: The dialogue's image (its pages' banner), ``null`` where it has none.
    image_url: str | None = None


class AuthorOut(msgspec.Struct):
    id: int | None
    name: str


class LocationOut(msgspec.Struct):
    lat: float
    lng: float


class ProposalOut(msgspec.Struct):
    id: int
    dialogue: str
    title: str
    body: str
    author: AuthorOut
    status: str
    status_reason: str
    theme: str | None
    sector: str | None
    location: LocationOut | None
    cost: int | None
    fields: dict[str, Any]
    image_url: str | None
    created_at: datetime
    published_at: datetime | None


def dialogue_summary(dialogue: Dialogue, now: datetime) -> DialogueSummary:
    phase = dialogue.current_phase(now)
    return DialogueSummary(
        slug=dialogue.slug,
        title=dialogue.title,
        kind=dialogue.kind.value,
        current_phase=phase.kind.value if phase else None,
    )


def dialogue_out(dialogue: Dialogue, now: datetime) -> DialogueOut:
    phase = dialogue.current_phase(now)
    return DialogueOut(
        slug=dialogue.slug,
        title=dialogue.title,
        kind=dialogue.kind.value,
        description=dialogue.description,
        phases=[
            PhaseOut(
                kind=p.kind.value,
                title=p.title,
                starts_at=p.starts_at,
                ends_at=p.ends_at,
                groups=[group.name for group in p.groups],
            )
            for p in dialogue.phases
        ],
        current_phase=phase.kind.value if phase else None,
        vote=VoteOut(dialogue.vote_type, dialogue.vote_settings) if dialogue.vote_type else None,
        comments=CommentsOut(COMMENTS.mode_on(dialogue).value),
        budget=(
            BudgetOut(dialogue.budget_amount, dialogue.budget_rule or "greedy")
            if dialogue.budget_amount is not None
            else None
        ),
        form=list(dialogue.form),
        themes=list(dialogue.themes),
        sectors=list(dialogue.sectors),
        results_visibility=dialogue.results_visibility.value,
        moderation=dialogue.moderation.value,
        published=dialogue.published_at is not None,
        image_url=f"/media/{dialogue.image_path}" if dialogue.image_path else None,
    )


async def authors_of(session: AsyncSession, proposals: Sequence[Proposal]) -> dict[int, User]:
    """The authors of ``proposals``: no query when the proposals were read with
    their authors (``joinedload(Proposal.author)``), else one."""
    ids = {p.author_id for p in proposals if p.author_id is not None}
    if not ids:
        return {}
    if all("author" in inspect(p).dict for p in proposals):
        return {p.author.id: p.author for p in proposals if p.author is not None}
    return {user.id: user for user in await session.scalars(select(User).where(User.id.in_(ids)))}


def proposal_out(
    dialogue: Dialogue, proposal: Proposal, author: User | None, viewer: User | None
) -> ProposalOut:
    location = None
    if proposal.lat is not None and proposal.lng is not None:
        location = LocationOut(proposal.lat, proposal.lng)
    return ProposalOut(
        id=proposal.id,
        dialogue=dialogue.slug,
        title=proposal.title,
        body=proposal.body,
        author=AuthorOut(
            id=author.id if author and author.deleted_at is None else None,
            name=author.public_name if author else "Utilisateur supprimé",
        ),
        status=proposal.status.value,
        status_reason=proposal.status_reason,
        theme=proposal.theme,
        sector=proposal.sector,
        location=location,
        cost=proposal.cost,
        fields=visible_fields(dialogue, proposal, viewer),
        image_url=f"/media/{proposal.image_path}" if proposal.image_path else None,
        created_at=proposal.created_at,
        published_at=proposal.published_at,
    )


async def proposals_out(
    session: AsyncSession, dialogue: Dialogue, proposals: Sequence[Proposal], viewer: User | None
) -> list[ProposalOut]:
    authors = await authors_of(session, proposals)
    return [
        proposal_out(dialogue, p, authors.get(p.author_id) if p.author_id else None, viewer)
        for p in proposals
    ]
