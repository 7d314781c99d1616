"""Delivery of queued outbox messages by SMTP, one transaction per message."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select, update

from core.db import Database, utcnow
from core.leases import claim
from core.mail.smtp import SmtpConfig, send
from core.models import OutboxMessage

log = logging.getLogger("participe.mail")

#: A message that failed this many times is left for an operator to look at.
MAX_ATTEMPTS = 5
WIPED = "(message envoyé ; son contenu n'est pas conservé)"


async def deliver_pending(
    database: Database, smtp: SmtpConfig, ids: Sequence[int] | None = None
) -> int:
    """Sends the unsent messages (only ``ids`` when given) and returns how many were sent.

    Each message is claimed first with a conditional update that sets a lease
    (``locked_until``), so two deliveries running at once (a request's background task
    and ``participe outbox send``) never send a message twice. A failure is recorded on
    the message (``attempts``, ``last_error``), releases it for a later try, and does not
    stop the others. The bodies of a sensitive message (a sign-in link) are wiped once
    sent, so that the database keeps no live secret.
    """
    async with database.read_session() as session:
        query = select(OutboxMessage.id).where(
            OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS
        )
        if ids is not None:
            query = query.where(OutboxMessage.id.in_(list(ids)))
        pending = list(await session.scalars(query.order_by(OutboxMessage.id)))
    sent = 0
    for message_id in pending:
        message = await _claim(database, message_id)
        if message is None:
            continue  # sent, given up, or being sent by another delivery
        error: Exception | None = None
        try:
            await send(smtp, message)
        except Exception as failure:  # one bad message must not stop the others
            error = failure
            log.warning("mail %s to %s not sent: %s", message_id, message.recipient, failure)
        values: dict[str, object] = {"locked_until": None}
        if error is None:
            values.update(sent_at=utcnow(), last_error=None)
            if message.sensitive:
                values.update(text_body=WIPED, html_body=WIPED)
            sent += 1
        else:
            values["last_error"] = f"{type(error).__name__}: {error}"[:500]
        async with database.write_session() as session:
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
            )
    return sent


async def _claim(database: Database, message_id: int) -> OutboxMessage | None:
    return await claim(
        database,
        OutboxMessage,
        message_id,
        unfinished=OutboxMessage.sent_at.is_(None),
        max_attempts=MAX_ATTEMPTS,
    )
