"""The blocks of a home page (a dialogue's, or the organisation's) and the agenda events
that agenda blocks show: adding, ordering, configuring and removing them.

A block stores its kind (a key of the block type registry) and its settings as the JSON
form of the kind's settings Struct, validated by the kind when saved. Positions are kept
as 0, 1, 2... in display order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

import msgspec
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.blocks import BlockType
from core.errors import NotFound, ValidationFailed
from core.models import AgendaEvent, Block, Dialogue, Organisation
from core.plugin_manager import Plugins


def _page(org: Organisation, dialogue: Dialogue | None) -> tuple[ColumnElement[bool], ...]:
    return (
        Block.organisation_id == org.id,
        Block.dialogue_id == dialogue.id if dialogue is not None else Block.dialogue_id.is_(None),
    )


async def list_blocks(
    session: AsyncSession, org: Organisation, dialogue: Dialogue | None
) -> Sequence[Block]:
    return (
        await session.scalars(
            select(Block).where(*_page(org, dialogue)).order_by(Block.position, Block.id)
        )
    ).all()


def block_type(plugins: Plugins, kind: str) -> BlockType:
    found = plugins.block_types.get(kind)
    if found is None:
        raise ValidationFailed(
            f"kind: type de bloc inconnu {kind!r}",
            extra={"fields": {"kind": "Choisissez un type de bloc."}},
        )
    return found


def kind_granted(plugins: Plugins, organisation: Organisation, kind: str) -> bool:
    """Whether ``organisation`` may show blocks of ``kind`` on its own home page: its
    plugin declares no module, or one of them is granted to the organisation (there is
    no dialogue whose modules would decide)."""
    modules = plugins.plugin_modules.get(plugins.block_types.origin(kind))
    return modules is None or any(module.granted_to(organisation) for module in modules)


async def get_block(
    session: AsyncSession, org: Organisation, dialogue: Dialogue | None, block_id: int
) -> Block:
    block = await session.scalar(
        select(Block)
        .where(Block.id == block_id, *_page(org, dialogue))
        .execution_options(populate_existing=True)
    )
    if block is None:
        raise NotFound("bloc introuvable")
    return block


async def add_block(
    session: AsyncSession,
    plugins: Plugins,
    org: Organisation,
    dialogue: Dialogue | None,
    kind: str,
) -> Block:
    """Adds a block of ``kind`` with its default settings at the end of the page."""
    found = block_type(plugins, kind)
    last = await session.scalar(select(func.max(Block.position)).where(*_page(org, dialogue)))
    block = Block(
        organisation_id=org.id,
        dialogue_id=dialogue.id if dialogue is not None else None,
        position=(last + 1) if last is not None else 0,
        kind=found.id,
        settings=msgspec.to_builtins(found.decode_settings({})),
    )
    session.add(block)
    await session.flush()
    return block


def set_settings(plugins: Plugins, block: Block, settings: msgspec.Struct) -> None:
    """Stores ``settings`` (the block type's Struct), validated by the block type."""
    found = block_type(plugins, block.kind)
    block.settings = msgspec.to_builtins(found.decode_settings(msgspec.to_builtins(settings)))


async def move_block(
    session: AsyncSession, org: Organisation, dialogue: Dialogue | None, block: Block, delta: int
) -> None:
    """Moves ``block`` ``delta`` places (-1: up, 1: down) and renumbers the page."""
    blocks = list(await list_blocks(session, org, dialogue))
    index = next(i for i, b in enumerate(blocks) if b.id == block.id)
    target = max(0, min(len(blocks) - 1, index + delta))
    blocks.insert(target, blocks.pop(index))
    for position, item in enumerate(blocks):
        item.position = position
    await session.flush()


async def remove_block(session: AsyncSession, block: Block) -> None:
    await session.delete(block)
    await session.flush()


# -- agenda -----------------------------------------------------------------------------


class EventForm(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """An agenda event as organisers describe it."""

    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200, title="Titre")]
    starts_at: Annotated[datetime, msgspec.Meta(title="Début", tz=True)]
    ends_at: Annotated[datetime | None, msgspec.Meta(title="Fin (facultative)")] = None
    place: Annotated[str, msgspec.Meta(max_length=300, title="Lieu")] = ""
    description: Annotated[
        str,
        msgspec.Meta(
            max_length=5000,
            title="Présentation",
            description="En Markdown.",
            extra={"widget": "textarea"},
        ),
    ] = ""


async def list_events(session: AsyncSession, dialogue: Dialogue) -> Sequence[AgendaEvent]:
    return (
        await session.scalars(
            select(AgendaEvent)
            .where(AgendaEvent.dialogue_id == dialogue.id)
            .order_by(AgendaEvent.starts_at, AgendaEvent.id)
        )
    ).all()


async def get_event(session: AsyncSession, dialogue: Dialogue, event_id: int) -> AgendaEvent:
    event = await session.scalar(
        select(AgendaEvent)
        .where(AgendaEvent.id == event_id, AgendaEvent.dialogue_id == dialogue.id)
        .execution_options(populate_existing=True)
    )
    if event is None:
        raise NotFound("événement introuvable")
    return event


def event_form(event: AgendaEvent) -> EventForm:
    return EventForm(
        title=event.title,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        place=event.place,
        description=event.description,
    )


async def save_event(
    session: AsyncSession,
    org: Organisation,
    dialogue: Dialogue,
    form: EventForm,
    event: AgendaEvent | None = None,
) -> AgendaEvent:
    """Creates an event of ``dialogue`` (or changes ``event``) from ``form``."""
    if form.ends_at is not None and form.ends_at <= form.starts_at:
        raise ValidationFailed(
            "ends_at: avant le début",
            extra={"fields": {"ends_at": "La fin doit venir après le début."}},
        )
    if event is None:
        event = AgendaEvent(organisation_id=org.id, dialogue_id=dialogue.id)
        session.add(event)
    event.title = form.title.strip()
    event.starts_at = form.starts_at
    event.ends_at = form.ends_at
    event.place = form.place.strip()
    event.description = form.description.strip()
    await session.flush()
    return event


async def delete_event(session: AsyncSession, event: AgendaEvent) -> None:
    await session.delete(event)
    await session.flush()
