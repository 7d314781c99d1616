"""The audit log: one row per action of a staff member (or of the platform on their
behalf, such as a purge), kept apart from the vote log so that it can be read whole by an
auditor without reading ballots."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_organisation_id", "organisation_id", "id"),)

    id: Mapped[int] = mapped_column(
        # SQLite only auto-increments a column declared INTEGER.
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    #: The staff member; ``None`` for the platform itself (a command, a sweep) or once the
    #: account is deleted: the entry stays, without the person.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: A stable dotted name: ``ballot.void``, ``proposal.review``, ``user.delete``, ...
    action: Mapped[str] = mapped_column(String(64))
    #: What the action was done to: ``"ballot:12"``, ``"dialogue:budget-2027"``, ...
    target: Mapped[str] = mapped_column(String(200), default="")
    #: The details worth keeping (a reason, the fields changed); never personal data.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
