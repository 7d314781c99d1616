"""Ballots, their votes, and the append-only vote log.

There is deliberately no per-proposal counter: counts come from aggregate queries over
``votes``, so that a burst of votes on one proposal does not queue on one row.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow


class BallotStatus(enum.StrEnum):
    DRAFT = "draft"
    CONFIRMED = "confirmed"


class Ballot(Base):
    """One citizen's set of votes in one dialogue: the unit that vote rules judge."""

    __tablename__ = "ballots"
    __table_args__ = (UniqueConstraint("dialogue_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogues.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[BallotStatus] = mapped_column(
        Enum(
            BallotStatus,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=BallotStatus.DRAFT,
    )
    confirmed_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    votes: Mapped[list[Vote]] = relationship(
        back_populates="ballot", cascade="all, delete-orphan", lazy="raise"
    )


class Vote(Base):
    """``(ballot, proposal, value)``: the vote type gives the integer its meaning."""

    __tablename__ = "votes"
    __table_args__ = (
        # The results read a dialogue's votes by proposal: with the value and the ballot
        # included, PostgreSQL answers from the index alone (``core.services.counted_votes``).
        Index("ix_votes_proposal_value", "proposal_id", "value", postgresql_include=["ballot_id"]),
    )

    ballot_id: Mapped[int] = mapped_column(
        ForeignKey("ballots.id", ondelete="CASCADE"), primary_key=True
    )
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    value: Mapped[int]

    ballot: Mapped[Ballot] = relationship(back_populates="votes", lazy="raise")


class VoteAction(enum.StrEnum):
    """What one vote-log entry records. ``cast``, ``change`` and ``replace`` with a value
    set the vote on ``proposal_id``; ``withdraw`` and ``replace`` without a value remove
    it; ``confirm``, ``unconfirm`` and ``void`` (no proposal) change the ballot's status."""

    CAST = "cast"
    CHANGE = "change"
    WITHDRAW = "withdraw"
    REPLACE = "replace"
    CONFIRM = "confirm"
    UNCONFIRM = "unconfirm"
    VOID = "void"


class VoteLogEntry(Base):
    """One change of one ballot. Replaying the log rebuilds every ballot (``recount``)."""

    __tablename__ = "vote_log"
    __table_args__ = (
        Index("ix_vote_log_dialogue_id", "dialogue_id", "id"),
        Index("ix_vote_log_network", "network", "created_at"),
    )

    id: Mapped[int] = mapped_column(
        # SQLite only auto-increments a column declared INTEGER.
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
    )
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogues.id", ondelete="CASCADE"))
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(16))
    proposal_id: Mapped[int | None]
    value: Mapped[int | None]
    reason: Mapped[str] = mapped_column(Text, default="")
    #: A keyed digest of the network the change came from (``core.networks``), for the
    #: fraud signals; ``None`` for staff and imported changes, cleared by the purge.
    network: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
