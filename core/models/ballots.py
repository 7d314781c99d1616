"""Ballots, their votes, and the append-only vote log.

There is deliberately no per-proposal counter: counts come from aggregate queries over
``votes``, so that a burst of votes on one proposal does not queue on one row.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Enum,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import vote_chain
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
    """One change of one ballot. Replaying the log rebuilds every ballot (``recount``).

    The log is append-only and hash-chained per dialogue (:mod:`core.vote_chain`): the
    database refuses to change an entry (but for clearing its ``network``) or to delete
    one while its dialogue stands, and sets ``seq`` and ``hash`` itself on PostgreSQL, when
    the transaction commits (on SQLite the writers set them, an ORM insert through the
    listener below).
    """

    __tablename__ = "vote_log"
    __table_args__ = (
        Index("ix_vote_log_dialogue_id", "dialogue_id", "id"),
        Index("ix_vote_log_network", "network", "created_at"),
        Index("ix_vote_log_dialogue_seq", "dialogue_id", "seq", unique=True),
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
    #: The entry's position in its dialogue's chain, from 1, and the SHA-256 that seals it
    #: (:func:`core.vote_chain.entry_hash`); on PostgreSQL, set by the database's trigger
    #: when the transaction commits: ``None`` before, never after.
    seq: Mapped[int | None] = mapped_column(BigInteger, server_default=FetchedValue())
    hash: Mapped[str | None] = mapped_column(String(64), server_default=FetchedValue())


class VoteLogHead(Base):
    """The last entry of a dialogue's vote log chain, and the lock that keeps the chain
    from forking: a new entry takes the row first (PostgreSQL holds it until commit)."""

    __tablename__ = "vote_log_heads"

    dialogue_id: Mapped[int] = mapped_column(
        ForeignKey("dialogues.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


@event.listens_for(VoteLogEntry, "before_insert")
def _chain_on_sqlite(_mapper: Any, connection: Connection, entry: VoteLogEntry) -> None:
    """Chains an entry that the ORM inserts (a voided ballot, a plugin's or a test's
    entry) on SQLite, where no trigger does it (:func:`core.vote_chain.link`)."""
    if connection.dialect.name != "sqlite" or entry.seq is not None:
        return
    if entry.created_at is None:
        entry.created_at = utcnow()
    if entry.reason is None:
        entry.reason = ""
    row = {name: getattr(entry, name) for name in vote_chain.CHAINED}
    vote_chain.link(connection, [row])
    entry.seq, entry.hash = row["seq"], row["hash"]
