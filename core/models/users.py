"""Users, API tokens, groups and memberships. A user belongs to one organisation."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class Role(enum.StrEnum):
    CITIZEN = "citizen"
    MODERATOR = "moderator"
    REVIEWER = "reviewer"
    ADMIN = "admin"

    @property
    def is_staff(self) -> bool:
        return self is not Role.CITIZEN


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("organisation_id", "email"),
        Index("ix_users_created_network", "created_network", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    #: Stored lower-cased; ``None`` once the account is deleted (RGPD).
    email: Mapped[str | None] = mapped_column(String(320))
    display_name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=Role.CITIZEN,
    )
    #: A platform operator chooses the modules every organisation may use
    #: (``/operator/modules``); it gives no right in the user's own organisation, which
    #: the role alone decides. Named with ``participe operator add``.
    is_operator: Mapped[bool] = mapped_column(default=False, server_default=false())
    postal_code: Mapped[str | None] = mapped_column(String(16))
    #: The language of the pages and emails this user reads (``core.languages``).
    language: Mapped[str] = mapped_column(String(8), default="fr", server_default="fr")
    email_verified_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]
    #: When the account was last seen: its last sign-in, or the last visit of a session
    #: that the retention purge has since deleted; with the live sessions' visits, what
    #: the purge reads to find inactive accounts.
    last_seen_at: Mapped[datetime | None]
    #: A keyed digest of the network the account was created from (``core.networks``),
    #: for the fraud signals; cleared by the retention purge.
    created_network: Mapped[str | None] = mapped_column(String(32))

    @property
    def is_staff(self) -> bool:
        return self.role.is_staff

    @property
    def public_name(self) -> str:
        if self.deleted_at is not None:
            return "Utilisateur supprimé"
        return self.display_name or "Citoyen·ne"


class ApiToken(Base):
    """A bearer token; only its SHA-256 hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class Group(Base):
    """A named set of users (selection committee, reviewers, residents) of one organisation."""

    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GroupMembership(Base):
    __tablename__ = "group_memberships"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
