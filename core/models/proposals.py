"""Proposals: the citizens' contributions to a dialogue."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow
from core.models.users import User


class ProposalStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    UNDER_REVIEW = "under_review"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    WINNER = "winner"


#: Statuses a citizen may vote on.
VOTABLE_STATUSES = frozenset({ProposalStatus.PUBLISHED, ProposalStatus.ACCEPTED})
#: Statuses whose votes count: those in the vote, and the winners chosen from them.
CANDIDATE_STATUSES = VOTABLE_STATUSES | {ProposalStatus.WINNER}
#: Statuses everyone may see.
PUBLIC_STATUSES = frozenset(set(ProposalStatus) - {ProposalStatus.DRAFT})


#: The columns a proposal list filters on, kept in the indexes of its orders.
LISTED = ["status", "hidden_at", "theme", "sector"]


class Proposal(Base):
    __tablename__ = "proposals"
    __table_args__ = (
        Index("ix_proposals_dialogue_status", "dialogue_id", "status", "id"),
        Index("ix_proposals_dialogue_theme", "dialogue_id", "theme"),
        Index("ix_proposals_dialogue_sector", "dialogue_id", "sector"),
        Index("ix_proposals_dialogue_published", "dialogue_id", "published_at"),
        # The total of a filtered list (theme, sector, status, not hidden) from the index
        # alone (migration 0007).
        Index(
            "ix_proposals_dialogue_filters", "dialogue_id", "theme", "sector", "status", "hidden_at"
        ),
        # The ids of a page in each order, read from the index alone however deep the page
        # (every filtered column included on PostgreSQL).
        *(
            Index(
                f"ix_proposals_dialogue_{name}",
                "dialogue_id",
                column,
                "id",
                postgresql_include=LISTED,
            )
            for name, column in (("recent", "published_at"), ("title", "title"), ("cost", "cost"))
        ),
        # The version of a dialogue's map (``core.services.proposal_map``) from the index
        # alone (migration 0011).
        Index("ix_proposals_dialogue_updated", "dialogue_id", "updated_at"),
        # The text search (``ILIKE '%word%'`` on the title and the body) through trigrams
        # on PostgreSQL (pg_trgm) instead of reading every body. SQLite scans anyway: its
        # copy is left empty.
        Index(
            "ix_proposals_search",
            "title",
            "body",
            postgresql_using="gin",
            postgresql_ops={"title": "gin_trgm_ops", "body": "gin_trgm_ops"},
            sqlite_where=text("0"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogues.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    #: Values of the dialogue's custom form fields, keyed by field key.
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    theme: Mapped[str | None] = mapped_column(String(64))
    sector: Mapped[str | None] = mapped_column(String(64))
    lat: Mapped[float | None]
    lng: Mapped[float | None]
    #: Cost in whole euros (participatory budgets).
    cost: Mapped[int | None]
    image_path: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[ProposalStatus] = mapped_column(
        Enum(
            ProposalStatus,
            native_enum=False,
            length=24,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=ProposalStatus.DRAFT,
    )
    #: The reviewers' public answer.
    status_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    #: Why the moderators hid it (shown to its author).
    hidden_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Held back by pre-moderation: hidden (``hidden_at`` set) until a moderator approves it.
    awaiting_moderation: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: The group of reviewers the proposal is assigned to (``core.services.review``).
    review_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="SET NULL"), index=True
    )
    #: The reviewers' verdict on feasibility (``core.services.review.FEASIBILITY``).
    feasibility: Mapped[str | None] = mapped_column(String(24))
    #: The key of one of the organisation's custom statuses, shown instead of the label of
    #: ``status`` (which stays one of the fixed API statuses).
    status_label: Mapped[str | None] = mapped_column(String(64))

    #: Set when staff withdrew the candidate from an open vote (found ineligible): it
    #: left the count, its votes were taken off the ballots (``core.services.candidates``).
    withdrawn_at: Mapped[datetime | None]
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    author: Mapped[User | None] = relationship(lazy="raise")

    @property
    def is_votable(self) -> bool:
        return self.status in VOTABLE_STATUSES and self.hidden_at is None


class ProposalRevision(Base):
    """The text a candidate had before staff corrected it during the vote: its public
    history, so that a correction can never pass unseen."""

    __tablename__ = "proposal_revisions"
    __table_args__ = (Index("ix_proposal_revisions_proposal_created", "proposal_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
