"""The outbox: every email the platform sends, kept as it was composed.

Without SMTP configured, messages stay here (``participe outbox`` lists them); with SMTP,
they wait here until a background delivery sends them, and the bodies of sensitive ones
(sign-in links) are wiped once sent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        # What the delivery looks for: the messages not sent yet, due first.
        Index("ix_outbox_messages_waiting", "sent_at", "next_attempt_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    #: What the message is (``sign_in``, ...): the template it was composed from.
    kind: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(320))
    sender: Mapped[str] = mapped_column(String(400))
    subject: Mapped[str] = mapped_column(String(400))
    language: Mapped[str] = mapped_column(String(8))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    #: Holds a secret (a sign-in link): its bodies are wiped once delivered by SMTP.
    sensitive: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    #: While a delivery is sending it, no other delivery takes it (a lease, in case the
    #: sender dies).
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    #: Not before then (the back-off after a failure); null: as soon as possible.
    next_attempt_at: Mapped[datetime | None]
    #: The one-click unsubscription address (RFC 8058) of news; null for other messages.
    list_unsubscribe: Mapped[str | None] = mapped_column(String(800))
