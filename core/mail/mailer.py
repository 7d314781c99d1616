"""The mailer of one app: its templates, its sender, and SMTP when configured."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database
from core.mail.delivery import deliver_pending
from core.mail.messages import MailTemplates
from core.mail.outbox import queue_message
from core.mail.smtp import SmtpConfig
from core.models import Organisation, OutboxMessage
from core.settings import Settings


class Mailer:
    def __init__(
        self, sender: str, smtp: SmtpConfig | None, templates: MailTemplates | None = None
    ) -> None:
        self.sender = sender
        self.smtp = smtp
        self.templates = templates or MailTemplates()

    @classmethod
    def from_settings(cls, settings: Settings, template_dirs: Sequence[Path] = ()) -> Mailer:
        """The mailer that ``settings`` describe; ``template_dirs`` (the plugins' mail
        templates, the one that wins first) are searched before the core's."""
        smtp = SmtpConfig.from_url(settings.smtp_url) if settings.smtp_url else None
        return cls(settings.mail_from, smtp, MailTemplates(template_dirs))

    async def queue(
        self,
        session: AsyncSession,
        kind: str,
        *,
        recipient: str,
        language: str,
        organisation: Organisation | None = None,
        sensitive: bool = False,
        list_unsubscribe: str | None = None,
        flush: bool = True,
        **context: Any,
    ) -> OutboxMessage:
        """Composes ``kind`` in ``language`` and adds it to the outbox in the caller's
        transaction. Deliver it after the commit with :meth:`deliver`. News carries its
        one-click unsubscription address, ``list_unsubscribe``. ``flush=False`` leaves
        the message for the session's next flush (its ``id`` unknown until then): many
        messages are then written in a few statements."""
        mail = self.templates.compose(
            kind,
            language,
            organisation=organisation.name if organisation is not None else "Participe",
            **context,
        )
        return await queue_message(
            session,
            kind=kind,
            recipient=recipient,
            sender=self.sender,
            mail=mail,
            organisation_id=organisation.id if organisation is not None else None,
            sensitive=sensitive,
            list_unsubscribe=list_unsubscribe,
            flush=flush,
        )

    async def deliver(
        self,
        database: Database,
        ids: Sequence[int] | None = None,
        *,
        rate: float | None = None,
        limit: int | None = None,
        seconds: float | None = None,
    ) -> int:
        """Sends queued messages by SMTP, at most ``rate`` a second, ``limit`` in all and
        for ``seconds``; without SMTP they stay in the outbox (returns 0)."""
        if self.smtp is None:
            return 0
        return await deliver_pending(
            database, self.smtp, ids, rate=rate, limit=limit, seconds=seconds
        )
