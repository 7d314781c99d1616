"""Sign-in links and browser sessions. Only hashes of their secrets are stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class SignInToken(Base):
    """A sign-in link sent by email: single use, short-lived, voided by a newer one.

    It names an address, not a user: the first sign-in of an address creates its account,
    so asking for a link does the same work whether the address has an account or not.
    """

    __tablename__ = "sign_in_tokens"
    __table_args__ = (Index("ix_sign_in_tokens_organisation_id_email", "organisation_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    #: Lower-cased address the link was sent to.
    email: Mapped[str] = mapped_column(String(320))
    #: SHA-256 of the token, hex.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: Language of the request that asked for the link: a new account gets it.
    language: Mapped[str] = mapped_column(String(8), default="fr")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    #: Set once, by the redemption or by a newer link: the link no longer works.
    used_at: Mapped[datetime | None]


class UserSession(Base):
    """A signed-in browser; the cookie holds the session id, this table its hash."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the session id, hex.
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
