"""The follow-up's own tables, in its own migration branch.

A :class:`Project` row holds what staff said of one proposal of a dialogue: its stage,
progress and amount spent, and whether it is on the dialogue's list of projects
(``listed``: a winner staff took off the list keeps its row, with ``False``). A winner
without a row is a project all the same, at its first stage, with nothing spent yet.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("proposal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dialogue_id: Mapped[int] = mapped_column(
        ForeignKey("dialogues.id", ondelete="CASCADE"), index=True
    )
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    #: ``True``: on the list (a winner, or a proposal staff added); ``False``: taken off.
    listed: Mapped[bool] = mapped_column(default=True)
    #: A stage's key; ``None``: the dialogue's first stage.
    stage: Mapped[str | None] = mapped_column(String(32))
    progress: Mapped[int] = mapped_column(default=0)
    #: In euros, as proposals' costs and dialogues' budgets.
    spent: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProjectUpdate(Base):
    """A dated piece of news of a project: Markdown text and photos."""

    __tablename__ = "project_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    #: The day the news is about, chosen by staff.
    date: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    #: Stored names of the photos (``core.uploads``), in order.
    images: Mapped[list[Any]] = mapped_column(default=list)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
