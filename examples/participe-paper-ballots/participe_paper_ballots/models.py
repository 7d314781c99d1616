"""The plugin's own tables: paper ballots, their votes, and the entry log.

The core has no audit-log service, so the plugin keeps its own: every entry and every
voiding is appended to ``paper_ballot_log`` with the staff member, the time and, for an
entry, the whole ballot. Replaying that log rebuilds the ballots (the recount reads it
instead of the ballots), as the vote log does for online ballots.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class PaperBallot(Base):
    """One paper ballot of a polling station, entered by staff."""

    __tablename__ = "paper_ballots"

    id: Mapped[int] = mapped_column(primary_key=True)
    dialogue_id: Mapped[int] = mapped_column(
        ForeignKey("dialogues.id", ondelete="CASCADE"), index=True
    )
    station: Mapped[str] = mapped_column(String(120))
    #: The ballot's number on the station's tally sheet, to find it again ("" if none).
    reference: Mapped[str] = mapped_column(String(40), default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str] = mapped_column(Text, default="")
    #: Where the dialogue accepts only verified voters: the voter's identity (its id in
    #: the core's ``identities``, never their fields), whose vote in the dialogue this
    #: ballot claims while it counts. No foreign key: adding one to this table on SQLite
    #: would copy and drop it, and the drop would delete its votes.
    identity_id: Mapped[int | None]


class PaperVote(Base):
    """A vote of a paper ballot, stored as the vote type stores an online vote."""

    __tablename__ = "paper_ballot_votes"

    paper_ballot_id: Mapped[int] = mapped_column(
        ForeignKey("paper_ballots.id", ondelete="CASCADE"), primary_key=True
    )
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    value: Mapped[int]


class PaperAction(enum.StrEnum):
    ENTER = "enter"
    VOID = "void"


class PaperLogEntry(Base):
    """One entry or voiding of a paper ballot: append-only."""

    __tablename__ = "paper_ballot_log"
    __table_args__ = (Index("ix_paper_ballot_log_dialogue_id", "dialogue_id", "id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogues.id", ondelete="CASCADE"))
    paper_ballot_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(16))
    station: Mapped[str] = mapped_column(String(120), default="")
    reference: Mapped[str] = mapped_column(String(40), default="")
    #: The whole ballot after an entry (``{"proposal id": value}``); ``{}`` for a voiding.
    votes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
