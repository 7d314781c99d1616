"""What the bot checks remember: the solutions and waiting tokens already used."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base


class UsedChallenge(Base):
    """A proof-of-work solution or a waiting token that has served once, kept until it
    expires so that it cannot serve again (``core.bot_checks``). A table, not a worker's
    memory: every worker and machine sees the same ones."""

    __tablename__ = "used_challenges"

    #: SHA-256 (hex) of the kind and the id of what was used.
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: When it would have expired anyway: the row may be deleted after that.
    expires_at: Mapped[datetime] = mapped_column(index=True)
