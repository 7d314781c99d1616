"""Home-page blocks and agenda events, for an organisation's home or a dialogue's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class Block(Base):
    """A piece of a home page; ``kind`` is a key of the block type registry."""

    __tablename__ = "blocks"
    __table_args__ = (Index("ix_blocks_page", "organisation_id", "dialogue_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    #: ``None``: a block of the organisation's home page.
    dialogue_id: Mapped[int | None] = mapped_column(
        ForeignKey("dialogues.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(64))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AgendaEvent(Base):
    """A dated event (public meeting, workshop) shown in agenda blocks and as ``.ics``."""

    __tablename__ = "agenda_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    dialogue_id: Mapped[int | None] = mapped_column(
        ForeignKey("dialogues.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(300), default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
