"""Comments on proposals: a plain thread, or for/against when the dialogue qualifies them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow
from core.models.users import User


class Stance(enum.StrEnum):
    FOR = "for"
    AGAINST = "against"


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_proposal_created", "proposal_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    stance: Mapped[Stance | None] = mapped_column(
        Enum(Stance, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str] = mapped_column(Text, default="")

    author: Mapped[User | None] = relationship(lazy="raise")
