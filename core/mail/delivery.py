"""Delivery of queued outbox messages by SMTP, one transaction per message.

The outbox is the queue: a message waits there until sent, survives a restart, and is
tried again after a failure, later each time (:func:`backoff`), until
:data:`MAX_ATTEMPTS`. A pass sends over one SMTP connection (opened again after a
failure) at no more than ``rate`` messages a second.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import or_, select, update

from core.db import Database, utcnow
from core.leases import claim
from core.mail.smtp import SmtpConfig, SmtpConnection
from core.models import OutboxMessage

log = logging.getLogger("participe.mail")

#: A message that failed this many times is left for an operator to look at.
MAX_ATTEMPTS = 8
#: The wait after the first failure, doubled after each next one (30 s, 1 min, 2 min...:
#: the eighth try comes about an hour after the first).
FIRST_BACKOFF = timedelta(seconds=30)
#: Messages a pass reads at once.
BATCH = 500
WIPED = "(message envoyé ; son contenu n'est pas conservé)"

#: The messages to send: not sent, not given up.
UNSENT = (OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS)


def backoff(attempts: int) -> timedelta:
    """How long a message that failed ``attempts`` times waits before its next try."""
    return FIRST_BACKOFF * int(2 ** max(attempts - 1, 0))


async def deliver_pending(
    database: Database,
    smtp: SmtpConfig,
    ids: Sequence[int] | None = None,
    *,
    rate: float | None = None,
    limit: int | None = None,
    seconds: float | None = None,
) -> int:
    """Sends the messages due (only ``ids`` when given), ``limit`` at most, starting no
    message after ``seconds``, and returns how many were sent.

    Each message is claimed first with a conditional update that sets a lease
    (``locked_until``), so two deliveries running at once (a request's background task
    and the mail queue) never send a message twice. A failure is recorded on the message
    (``attempts``, ``last_error``, ``next_attempt_at``), releases it for a later try, and
    does not stop the others. The bodies of a sensitive message (a sign-in link) are
    wiped once sent, so that the database keeps no live secret.
    """
    sent = 0
    started = time.monotonic()
    after_id = 0
    async with SmtpConnection(smtp) as connection:
        while True:
            pending = await _due_ids(database, ids, after_id)
            if not pending:
                return sent
            after_id = pending[-1]
            for message_id in pending:
                if seconds is not None and time.monotonic() - started >= seconds:
                    return sent
                message = await _claim(database, message_id)
                if message is None:
                    continue  # sent, given up, or being sent by another delivery
                error: Exception | None = None
                try:
                    await connection.send(message)
                except Exception as failure:  # one bad message must not stop the others
                    error = failure
                    log.warning(
                        "mail %s to %s not sent: %s", message_id, message.recipient, failure
                    )
                await _record(database, message, error)
                if error is None:
                    sent += 1
                    if limit is not None and sent >= limit:
                        return sent
                    if rate:
                        # Never ahead of the rate: sleep until the n-th message's time.
                        ahead = sent / rate - (time.monotonic() - started)
                        if ahead > 0:
                            await asyncio.sleep(ahead)
            if ids is not None:
                return sent


async def _due_ids(database: Database, ids: Sequence[int] | None, after_id: int) -> list[int]:
    now = utcnow()
    async with database.read_session() as session:
        query = select(OutboxMessage.id).where(
            *UNSENT,
            OutboxMessage.id > after_id,
            or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
        )
        if ids is not None:
            query = query.where(OutboxMessage.id.in_(list(ids)))
        return list(await session.scalars(query.order_by(OutboxMessage.id).limit(BATCH)))


async def _record(database: Database, message: OutboxMessage, error: Exception | None) -> None:
    values: dict[str, object] = {"locked_until": None}
    if error is None:
        values.update(sent_at=utcnow(), last_error=None, next_attempt_at=None)
        if message.sensitive:
            values.update(text_body=WIPED, html_body=WIPED)
    else:
        values["last_error"] = f"{type(error).__name__}: {error}"[:500]
        values["next_attempt_at"] = utcnow() + backoff(message.attempts)
    async with database.write_session() as session:
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message.id).values(**values)
        )


async def _claim(database: Database, message_id: int) -> OutboxMessage | None:
    return await claim(
        database,
        OutboxMessage,
        message_id,
        unfinished=OutboxMessage.sent_at.is_(None),
        max_attempts=MAX_ATTEMPTS,
    )
