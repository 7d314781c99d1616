"""The mail a test's requests sent: the messages the mailer queued in the outbox table
(tests configure no SMTP server, so they stay there)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core.db import Database
from core.models import OutboxMessage


@dataclass(frozen=True)
class Outbox:
    """The outbox of the test's database."""

    database: Database

    async def messages(
        self, recipient: str | None = None, *, kind: str | None = None
    ) -> list[OutboxMessage]:
        """The messages queued so far, newest first: to ``recipient`` (an address as
        stored, lowercase) and of ``kind`` (``sign_in``, ...) when given."""
        query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
        if recipient is not None:
            query = query.where(OutboxMessage.recipient == recipient)
        if kind is not None:
            query = query.where(OutboxMessage.kind == kind)
        async with self.database.session() as session:
            return list(await session.scalars(query))
