"""The outbox table: queueing a message and reading the latest ones."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.mail.messages import ComposedMail
from core.models import OutboxMessage


async def queue_message(
    session: AsyncSession,
    *,
    kind: str,
    recipient: str,
    sender: str,
    mail: ComposedMail,
    organisation_id: int | None = None,
    sensitive: bool = False,
    list_unsubscribe: str | None = None,
    flush: bool = True,
) -> OutboxMessage:
    """Adds a message to the outbox in the caller's transaction and returns it (flushed,
    so its ``id`` is known, unless ``flush`` is false: many messages are then written
    together by the session's next flush); nothing is sent until
    :func:`core.mail.deliver_pending`."""
    message = OutboxMessage(
        organisation_id=organisation_id,
        kind=kind,
        recipient=recipient,
        sender=sender,
        subject=mail.subject,
        language=mail.language,
        text_body=mail.text,
        html_body=mail.html,
        sensitive=sensitive,
        list_unsubscribe=list_unsubscribe,
    )
    session.add(message)
    if flush:
        await session.flush()
    return message


async def latest_messages(
    session: AsyncSession,
    *,
    limit: int = 20,
    organisation_id: int | None = None,
    recipient: str | None = None,
) -> list[OutboxMessage]:
    """The latest messages first, of one organisation or recipient when given."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if organisation_id is not None:
        query = query.where(OutboxMessage.organisation_id == organisation_id)
    if recipient is not None:
        query = query.where(OutboxMessage.recipient == recipient.strip().lower())
    return list(await session.scalars(query))
