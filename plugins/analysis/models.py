"""The analysis's own tables: each proposal's text as the analysis reads it, and the pairs
staff said are not duplicates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class AnalysedText(Base):
    """A proposal's stems (:func:`plugins.analysis.similar.analysed`), stored after its
    submission by an event handler so that a look-up does not stem a whole dialogue.
    Older than the proposal's ``updated_at``, it is read again from the proposal."""

    __tablename__ = "analysis_texts"
    __table_args__ = (Index("ix_analysis_texts_dialogue", "dialogue_id"),)

    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True
    )
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogues.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text, default="")
    analysed_at: Mapped[datetime] = mapped_column(default=utcnow)


class DistinctPair(Base):
    """Two proposals staff said do not say the same thing: never proposed as duplicates
    again. ``first_id`` is the smaller id."""

    __tablename__ = "analysis_distinct_pairs"

    first_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True
    )
    second_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True
    )
    dialogue_id: Mapped[int] = mapped_column(
        ForeignKey("dialogues.id", ondelete="CASCADE"), index=True
    )
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
