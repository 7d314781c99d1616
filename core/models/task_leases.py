"""Task leases: one worker at a time runs a task that must not run twice at once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base


class TaskLease(Base):
    __tablename__ = "task_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: Who holds it (a worker's host and process id).
    holder: Mapped[str] = mapped_column(String(120))
    locked_until: Mapped[datetime]
