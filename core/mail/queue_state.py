"""What waits in the mail queue: the emails of the outbox by state, and the news not yet
mailed, for ``participe outbox queue`` and the operators' checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.mail.delivery import MAX_ATTEMPTS
from core.models import Notification, OutboxMessage


@dataclass(frozen=True)
class QueueState:
    due: int
    retrying: int
    given_up: int
    sent_today: int
    oldest_due: datetime | None
    news_to_mail: dict[str, int] = field(default_factory=dict)


async def queue_state(session: AsyncSession, now: datetime) -> QueueState:
    unsent = OutboxMessage.sent_at.is_(None)
    trying = OutboxMessage.attempts < MAX_ATTEMPTS
    due_now = or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now)

    async def count(*conditions: object) -> int:
        return int(
            await session.scalar(
                select(func.count()).select_from(OutboxMessage).where(*conditions)  # type: ignore[arg-type]
            )
            or 0
        )

    news = {
        delivery: number
        for delivery, number in (
            await session.execute(
                select(Notification.delivery, func.count())
                .where(Notification.mailed_at.is_(None), Notification.delivery != "never")
                .group_by(Notification.delivery)
                .order_by(Notification.delivery)
            )
        ).all()
    }
    return QueueState(
        due=await count(unsent, trying, due_now),
        retrying=await count(unsent, trying, ~due_now),
        given_up=await count(unsent, ~trying),
        sent_today=await count(OutboxMessage.sent_at >= now - timedelta(days=1)),
        oldest_due=await session.scalar(
            select(func.min(OutboxMessage.created_at)).where(unsent, trying, due_now)
        ),
        news_to_mail=news,
    )
