"""The built-in home-page block kinds."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import msgspec
from sqlalchemy import func, or_, select

from core.blocks import BlockType
from core.hookspecs import hookimpl
from core.models import AgendaEvent, Proposal
from core.models.proposals import ProposalStatus
from core.registries import Registry

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.models import Dialogue


def _public(dialogue: Dialogue) -> tuple[Any, ...]:
    return (
        Proposal.dialogue_id == dialogue.id,
        Proposal.status != ProposalStatus.DRAFT,
        Proposal.hidden_at.is_(None),
    )


#: The fields the blocks share, named in French for the back office's forms.
Title = Annotated[str, msgspec.Meta(title="Titre", max_length=200)]
Limit = Annotated[int, msgspec.Meta(title="Nombre de propositions montrées", ge=1, le=50)]


class TextSettings(msgspec.Struct, forbid_unknown_fields=True):
    title: Title = ""
    #: Markdown, sanitised when rendered.
    markdown: Annotated[
        str,
        msgspec.Meta(
            title="Texte",
            description="En Markdown : **gras**, *italique*, [lien](https://…), listes avec « - ».",
            extra={"widget": "textarea"},
        ),
    ] = ""


class ListSettings(msgspec.Struct, forbid_unknown_fields=True):
    title: Title = ""
    limit: Limit = 6


class NewsItem(msgspec.Struct, forbid_unknown_fields=True):
    title: Title
    body: Annotated[str, msgspec.Meta(title="Texte", extra={"widget": "textarea"})] = ""
    date: Annotated[str, msgspec.Meta(title="Date", description="Par exemple 12/03/2027.")] = ""


class NewsSettings(msgspec.Struct, forbid_unknown_fields=True):
    title: Title = "Actualités"
    items: Annotated[list[NewsItem], msgspec.Meta(title="Actualités")] = []


class HighlightSettings(msgspec.Struct, forbid_unknown_fields=True):
    title: Title = "Propositions à la une"
    proposal_ids: Annotated[
        list[int],
        msgspec.Meta(
            title="Propositions choisies",
            description="Leurs numéros ; laissé vide, les plus récentes.",
        ),
    ] = []
    limit: Limit = 6


class TitleOnly(msgspec.Struct, forbid_unknown_fields=True):
    title: Title = ""


class TextBlock(BlockType):
    id = "text"
    title = "Texte"
    template = "blocks/text.html"
    settings_type = TextSettings


class NewsBlock(BlockType):
    id = "news"
    title = "Actualités"
    template = "blocks/news.html"
    settings_type = NewsSettings


class HighlightedProposalsBlock(BlockType):
    id = "highlighted_proposals"
    title = "Propositions à la une"
    template = "blocks/highlighted_proposals.html"
    settings_type = HighlightSettings

    async def load(
        self, session: AsyncSession, dialogue: Dialogue | None, settings: Any, *, now: datetime
    ) -> dict[str, Any]:
        """The chosen proposals in the chosen order, else the most recent ones."""
        if dialogue is None:
            return {"proposals": []}
        query = select(Proposal).where(*_public(dialogue))
        limit = max(1, min(settings.limit, 24))
        if settings.proposal_ids:
            chosen = {
                p.id: p
                for p in await session.scalars(query.where(Proposal.id.in_(settings.proposal_ids)))
            }
            ordered = [chosen[i] for i in settings.proposal_ids if i in chosen]
            return {"proposals": ordered[:limit]}
        recent = await session.scalars(
            query.order_by(Proposal.published_at.desc(), Proposal.id.desc()).limit(limit)
        )
        return {"proposals": list(recent)}


class ParticipationBlock(BlockType):
    id = "participation"
    title = "Chiffres de la participation"
    template = "blocks/participation.html"
    settings_type = TitleOnly

    async def load(
        self, session: AsyncSession, dialogue: Dialogue | None, settings: Any, *, now: datetime
    ) -> dict[str, Any]:
        from core.services.participation import figures

        return {"figures": await figures(session, dialogue) if dialogue else None}


class AgendaBlock(BlockType):
    id = "agenda"
    title = "Agenda"
    template = "blocks/agenda.html"
    settings_type = ListSettings

    async def load(
        self, session: AsyncSession, dialogue: Dialogue | None, settings: Any, *, now: datetime
    ) -> dict[str, Any]:
        """Events not yet over, soonest first."""
        query = select(AgendaEvent).where(
            AgendaEvent.dialogue_id == dialogue.id
            if dialogue is not None
            else AgendaEvent.dialogue_id.is_(None),
            or_(
                AgendaEvent.ends_at >= now,
                (AgendaEvent.ends_at.is_(None)) & (AgendaEvent.starts_at >= now),
            ),
        )
        events = await session.scalars(
            query.order_by(AgendaEvent.starts_at, AgendaEvent.id).limit(
                max(1, min(settings.limit, 50))
            )
        )
        return {"events": list(events)}


class MapBlock(BlockType):
    id = "map"
    title = "Carte des propositions"
    template = "blocks/map.html"
    settings_type = TitleOnly

    async def load(
        self, session: AsyncSession, dialogue: Dialogue | None, settings: Any, *, now: datetime
    ) -> dict[str, Any]:
        if dialogue is None:
            return {"located": 0}
        located = await session.scalar(
            select(func.count())
            .select_from(Proposal)
            .where(*_public(dialogue), Proposal.lat.is_not(None), Proposal.lng.is_not(None))
        )
        return {"located": located or 0}


class ResultsBlock(BlockType):
    id = "results"
    title = "Résultats"
    template = "blocks/results.html"
    settings_type = TitleOnly


@hookimpl
def register_block_types(registry: Registry[Any]) -> None:
    # The agenda's and the map's blocks come with their modules (``core.defaults.agenda``,
    # ``core.defaults.map``).
    for block_type in (
        TextBlock,
        NewsBlock,
        HighlightedProposalsBlock,
        ParticipationBlock,
        ResultsBlock,
    ):
        registry.add(block_type())
