"""The analysis's own tables: each proposal's text as the analysis reads it, the pairs
staff said are not duplicates, and each dialogue's analysis as last computed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, Text
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


class AnalysisResult(Base):
    """A dialogue's analysis as last computed (:mod:`plugins.analysis.results`): what the
    staff's pages and the API read, never computing it in a request.

    ``generation`` counts the changes asked for (an event handler adds one when a
    proposal is published or changes status); ``computed_generation`` is the one the
    stored results reflect: below ``generation``, they are being updated. The proposals
    they reflect are named by ``proposal_count``, ``max_proposal_id`` and
    ``max_updated_at`` (the public proposals then); ``groups`` are the duplicate groups
    ``{"proposal_ids", "score"}`` at ``threshold`` (without the pairs marked distinct
    then), ``topics`` ``{"key_words", "proposal_ids"}``,
    ``themes`` ``{"proposal_id", "theme", "confidence"}``."""

    __tablename__ = "analysis_results"

    dialogue_id: Mapped[int] = mapped_column(
        ForeignKey("dialogues.id", ondelete="CASCADE"), primary_key=True
    )
    generation: Mapped[int] = mapped_column(Integer, default=0)
    computed_generation: Mapped[int] = mapped_column(Integer, default=-1)
    requested_at: Mapped[datetime | None] = mapped_column(default=None)
    computed_at: Mapped[datetime | None] = mapped_column(default=None)
    proposal_count: Mapped[int] = mapped_column(Integer, default=0)
    max_proposal_id: Mapped[int | None] = mapped_column(Integer, default=None)
    max_updated_at: Mapped[datetime | None] = mapped_column(default=None)
    threshold: Mapped[float] = mapped_column(Float, default=0.0)
    groups: Mapped[list[Any]] = mapped_column(JSON, default=list)
    topics: Mapped[list[Any]] = mapped_column(JSON, default=list)
    themes: Mapped[list[Any]] = mapped_column(JSON, default=list)
