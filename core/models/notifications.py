"""Following and notifications: who follows what, what each person was told, and how
often each person wants to be told of each kind of news.

A citizen follows a dialogue or a proposal explicitly (a :class:`Follow` row with
``active``) and, without a row, what they took part in: their own proposals and those they
voted for or commented on, and the dialogues of these (``core.services.follows``). Undoing
a follow writes a row with ``active`` false, which also stops the automatic one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class Follow(Base):
    """A user's choice about one dialogue (``proposal_id`` null) or one proposal."""

    __tablename__ = "follows"
    __table_args__ = (
        Index(
            "uq_follows_dialogue",
            "user_id",
            "dialogue_id",
            unique=True,
            sqlite_where=text("proposal_id IS NULL"),
            postgresql_where=text("proposal_id IS NULL"),
        ),
        Index(
            "uq_follows_proposal",
            "user_id",
            "proposal_id",
            unique=True,
            sqlite_where=text("proposal_id IS NOT NULL"),
            postgresql_where=text("proposal_id IS NOT NULL"),
        ),
        Index("ix_follows_dialogue_active", "dialogue_id", "proposal_id", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogues.id", ondelete="CASCADE"))
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    #: False: the user stopped following (the automatic follow included).
    active: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Notification(Base):
    """One piece of news for one user, shown at ``/me/notifications`` and, as
    ``delivery`` says, mailed at once (``now``), in a digest (``daily``, ``weekly``) or
    not (``never``): the user's choice for the kind when it was created."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_created", "user_id", "created_at"),
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        # What the mail passes look for: the news not mailed yet, by delivery.
        Index("ix_notifications_to_mail", "delivery", "mailed_at", "id"),
        CheckConstraint(
            "delivery IN ('now', 'daily', 'weekly', 'never')", name="ck_notifications_delivery"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: A :class:`core.notification_kinds.NotificationKind` name.
    kind: Mapped[str] = mapped_column(String(64))
    dialogue_id: Mapped[int | None] = mapped_column(
        ForeignKey("dialogues.id", ondelete="CASCADE"), index=True
    )
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    #: What the news is about, as it was named then (a dialogue's or proposal's title).
    title: Mapped[str] = mapped_column(String(400))
    #: The page to open, a path of the organisation's site (``/proposals/12``).
    link: Mapped[str] = mapped_column(String(400))
    #: What the kind's templates need besides (a phase kind, a status, a count...).
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    delivery: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    #: When it went into an email (alone or in a digest); null while due or never mailed.
    mailed_at: Mapped[datetime | None]


class NotificationPreference(Base):
    """How often a user wants news of one kind; without a row, the kind's default."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        CheckConstraint(
            "frequency IN ('now', 'daily', 'weekly', 'never')",
            name="ck_notification_preferences_frequency",
        ),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(64), primary_key=True)
    frequency: Mapped[str] = mapped_column(String(8))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
