"""Event jobs: one row per handler to run for an event, written in the transaction of
the change that caused it (``core.events``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class EventJob(Base):
    __tablename__ = "event_jobs"
    __table_args__ = (
        # What the runners look for: the jobs not done yet, oldest first.
        Index("ix_event_jobs_waiting", "done_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    dialogue_id: Mapped[int] = mapped_column(
        ForeignKey("dialogues.id", ondelete="CASCADE"), index=True
    )
    #: The :class:`core.events.EventHandler` id that runs it.
    handler: Mapped[str] = mapped_column(String(120))
    event: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[int]
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    #: While a runner runs it, no other runner takes it (a lease, in case the runner dies).
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
