"""Organisations: the tenants, each with its host names, theme and texts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    is_default: Mapped[bool] = mapped_column(default=False)
    #: Logo, colours, fonts: read by the templates.
    theme: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Texts the organisation overrides (legal notice, accessibility statement, ...).
    texts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Languages, retention periods, refused email domains.
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: The platform operator's departures from the modules' defaults: a module's name to
    #: whether this organisation may use it (``core.modules``).
    module_grants: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    hosts: Mapped[list[OrganisationHost]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", lazy="raise"
    )


class OrganisationHost(Base):
    """A host name (custom domain) that serves one organisation."""

    __tablename__ = "organisation_hosts"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    host: Mapped[str] = mapped_column(String(253), unique=True)

    organisation: Mapped[Organisation] = relationship(back_populates="hosts", lazy="raise")
