"""SMTP delivery with aiosmtplib, configured by one URL.

``smtp://user:password@host:port`` speaks plain SMTP and upgrades with STARTTLS when the
server offers it; ``smtps://...`` opens a TLS connection (port 465 by default).
User and password are percent-decoded, so special characters can be written ``%40``.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

import aiosmtplib

from core.errors import ConfigurationError
from core.models import OutboxMessage

TIMEOUT_SECONDS = 20.0


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    use_tls: bool
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        """Parses ``PARTICIPE_SMTP_URL``; raises a one-line :class:`ConfigurationError`."""
        parts = urlsplit(url.strip())
        if parts.scheme not in {"smtp", "smtps"}:
            raise ConfigurationError("PARTICIPE_SMTP_URL must start with smtp:// or smtps://")
        if not parts.hostname:
            raise ConfigurationError("PARTICIPE_SMTP_URL names no host")
        use_tls = parts.scheme == "smtps"
        try:
            port = parts.port or (465 if use_tls else 25)
        except ValueError:
            raise ConfigurationError("PARTICIPE_SMTP_URL has an invalid port") from None
        return cls(
            host=parts.hostname,
            port=port,
            use_tls=use_tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


def build_email(message: OutboxMessage) -> EmailMessage:
    """The MIME message of an outbox row: plain text with an HTML alternative."""
    email = EmailMessage()
    email["From"] = message.sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    domain = parseaddr(message.sender)[1].rpartition("@")[2] or "localhost"
    email["Message-ID"] = make_msgid(domain=domain)
    email["Auto-Submitted"] = "auto-generated"
    email["Content-Language"] = message.language
    if message.list_unsubscribe:
        # One click unsubscribes, without signing in (RFC 2369 and RFC 8058).
        email["List-Unsubscribe"] = f"<{message.list_unsubscribe}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(message.text_body)
    email.add_alternative(message.html_body, subtype="html")
    return email


class SmtpConnection:
    """One SMTP connection for many messages, opened at the first one and opened again
    after a failure (the server may have closed it); ``async with`` closes it."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._client: aiosmtplib.SMTP | None = None

    async def __aenter__(self) -> SmtpConnection:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def send(self, message: OutboxMessage) -> None:
        """Sends one outbox message; raises an ``aiosmtplib`` or OS error on failure."""
        if self._client is None or not self._client.is_connected:
            self._client = aiosmtplib.SMTP(
                hostname=self.config.host,
                port=self.config.port,
                use_tls=self.config.use_tls,
                username=self.config.username,
                password=self.config.password,
                timeout=TIMEOUT_SECONDS,
            )
            await self._client.connect()
        try:
            await self._client.send_message(build_email(message))
        except Exception:
            await self.close()
            raise

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except aiosmtplib.SMTPException:
                client.close()
