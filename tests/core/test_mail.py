"""Email: composition in two languages, the outbox, SMTP delivery to a real server."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import select, update

from core.db import Database, utcnow
from core.errors import ConfigurationError
from core.mail import Mailer, MailTemplates, SmtpConfig, deliver_pending, latest_messages
from core.mail.delivery import MAX_ATTEMPTS, WIPED, backoff
from core.models import OutboxMessage
from tests.conftest import SmtpServer, World, _free_port


def test_smtp_urls() -> None:
    assert SmtpConfig.from_url("smtp://mail.example:2525") == SmtpConfig(
        "mail.example", 2525, use_tls=False
    )
    assert SmtpConfig.from_url("smtps://user%40ville.fr:p%3Ass@mail.example") == SmtpConfig(
        "mail.example", 465, use_tls=True, username="user@ville.fr", password="p:ss"
    )
    assert SmtpConfig.from_url("smtp://mail.example").port == 25
    for bad in ("http://mail.example", "smtp://", "smtp://host:port"):
        with pytest.raises(ConfigurationError):
            SmtpConfig.from_url(bad)


def test_messages_in_french_by_default_and_in_english() -> None:
    templates = MailTemplates()
    context = {
        "organisation": "Ville <de> Test",
        "link": "https://x/signin/t?a=1&b=2",
        "minutes": 15,
    }
    french = templates.compose("sign_in", "fr", **context)
    english = templates.compose("sign_in", "en", **context)
    fallback = templates.compose("sign_in", "de", **context)
    assert french.subject == "Votre lien de connexion à Ville <de> Test"
    assert english.subject == "Your sign-in link to Ville <de> Test"
    assert fallback.language == "fr" and fallback.subject == french.subject
    assert "https://x/signin/t?a=1&b=2" in french.text  # plain text is not escaped
    assert 'href="https://x/signin/t?a=1&amp;b=2"' in french.html  # HTML is
    assert "Ville &lt;de&gt; Test" in french.html and "<de>" not in french.html
    assert '<html lang="en">' in english.html


async def queue(database: Database, world: World, *, sensitive: bool = True) -> int:
    mailer = Mailer("Ville de Test <ne-pas-repondre@ville.test>", None)
    async with database.session() as session:
        message = await mailer.queue(
            session,
            "sign_in",
            recipient="alice@example.org",
            language="fr",
            organisation=world.org,
            sensitive=sensitive,
            link="https://ville.test/signin/secret-token",
            minutes=15,
        )
        await session.commit()
        return message.id


async def stored(database: Database, message_id: int) -> OutboxMessage:
    async with database.session() as session:
        message = await session.get(OutboxMessage, message_id)
        assert message is not None
        return message


async def test_delivery_sends_text_and_html_and_wipes_secrets(
    database: Database, world: World, smtp_server: SmtpServer
) -> None:
    message_id = await queue(database, world)
    sent = await deliver_pending(database, SmtpConfig.from_url(smtp_server.url))
    assert sent == 1
    [mail] = smtp_server.messages
    assert mail["To"] == "alice@example.org" and mail["X-Envelope-To"] == "alice@example.org"
    assert mail["From"] == "Ville de Test <ne-pas-repondre@ville.test>"
    assert mail["Subject"] == "Votre lien de connexion à Ville de Test"
    assert mail["Message-ID"].endswith("@ville.test>")
    assert mail["Auto-Submitted"] == "auto-generated"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "https://ville.test/signin/secret-token" in text
    assert 'href="https://ville.test/signin/secret-token"' in html
    message = await stored(database, message_id)
    assert message.sent_at is not None and message.attempts == 1
    assert message.text_body == message.html_body == WIPED
    assert await deliver_pending(database, SmtpConfig.from_url(smtp_server.url)) == 0


async def test_ordinary_messages_are_kept_after_delivery(
    database: Database, world: World, smtp_server: SmtpServer
) -> None:
    message_id = await queue(database, world, sensitive=False)
    await deliver_pending(database, SmtpConfig.from_url(smtp_server.url))
    assert "secret-token" in (await stored(database, message_id)).text_body


async def make_due(database: Database, message_id: int) -> None:
    """Brings a message's next try to now, as if its back-off had passed."""
    async with database.session() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()


async def test_a_failure_is_recorded_and_retried_after_its_backoff(
    database: Database, world: World, smtp_server: SmtpServer
) -> None:
    message_id = await queue(database, world)
    nowhere = SmtpConfig("127.0.0.1", _free_port(), use_tls=False)
    before = utcnow()
    assert await deliver_pending(database, nowhere) == 0
    failed = await stored(database, message_id)
    assert failed.sent_at is None and failed.attempts == 1 and failed.last_error
    assert "secret-token" in failed.text_body  # kept until it is sent
    assert failed.next_attempt_at is not None
    assert failed.next_attempt_at >= before + backoff(1) == before + timedelta(seconds=30)
    working = SmtpConfig.from_url(smtp_server.url)
    assert await deliver_pending(database, working) == 0  # not before its back-off
    await make_due(database, message_id)
    assert await deliver_pending(database, working) == 1
    delivered = await stored(database, message_id)
    assert delivered.attempts == 2 and delivered.last_error is None
    assert delivered.next_attempt_at is None


def test_the_backoff_doubles_after_each_failure() -> None:
    waits = [backoff(attempts).total_seconds() for attempts in range(1, MAX_ATTEMPTS)]
    assert waits == [30 * 2**n for n in range(MAX_ATTEMPTS - 1)]
    # Given up about an hour after the first try.
    assert 3000 < sum(waits) < 4500


async def test_a_message_that_keeps_failing_is_given_up(database: Database, world: World) -> None:
    message_id = await queue(database, world)
    nowhere = SmtpConfig("127.0.0.1", _free_port(), use_tls=False)
    for _ in range(MAX_ATTEMPTS + 2):
        await deliver_pending(database, nowhere)
        await make_due(database, message_id)
    assert (await stored(database, message_id)).attempts == MAX_ATTEMPTS


async def test_delivery_keeps_to_its_rate_and_one_connection(
    database: Database, world: World, smtp_server: SmtpServer
) -> None:
    for _ in range(6):
        await queue(database, world)
    started = asyncio.get_running_loop().time()
    sent = await deliver_pending(database, SmtpConfig.from_url(smtp_server.url), rate=20)
    elapsed = asyncio.get_running_loop().time() - started
    assert sent == 6 and len(smtp_server.messages) == 6
    assert elapsed >= 6 / 20 - 0.01  # the sixth message waited for its turn
    assert len({mail["X-Peer"] for mail in smtp_server.messages}) == 1  # one connection


async def test_delivery_stops_at_its_limit(
    database: Database, world: World, smtp_server: SmtpServer
) -> None:
    for _ in range(5):
        await queue(database, world)
    config = SmtpConfig.from_url(smtp_server.url)
    assert await deliver_pending(database, config, limit=3) == 3
    assert await deliver_pending(database, config) == 2


async def test_delivery_starts_no_message_after_its_time(
    database: Database, world: World, smtp_server: SmtpServer
) -> None:
    # A pass must end within its task lease even when the SMTP server or the database
    # cannot keep up with the rate: 5 messages at 5 a second take 0.8 s, the pass 0.3 s.
    for _ in range(5):
        await queue(database, world)
    config = SmtpConfig.from_url(smtp_server.url)
    started = asyncio.get_running_loop().time()
    sent = await deliver_pending(database, config, rate=5, seconds=0.3)
    elapsed = asyncio.get_running_loop().time() - started
    assert 1 <= sent < 5 and len(smtp_server.messages) == sent
    assert elapsed < 0.8
    assert await deliver_pending(database, config) == 5 - sent  # the others wait, unclaimed
    assert len(smtp_server.messages) == 5


async def test_two_deliveries_at_once_send_each_message_once(
    database: Database, world: World, smtp_server: SmtpServer
) -> None:
    for _ in range(5):
        await queue(database, world)
    config = SmtpConfig.from_url(smtp_server.url)
    counts = await asyncio.gather(*(deliver_pending(database, config) for _ in range(3)))
    assert sum(counts) == 5
    await asyncio.sleep(0.2)
    assert len(smtp_server.messages) == 5


async def test_smtp_credentials_from_the_url_are_used(database: Database, world: World) -> None:
    received: list[Any] = []
    logins: list[tuple[bytes, bytes]] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(envelope)
            return "250 OK"

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"p@ss:word")

    port = _free_port()
    controller = Controller(
        Handler(),
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        message_id = await queue(database, world)
        right = SmtpConfig.from_url(f"smtp://mairie:p%40ss%3Aword@127.0.0.1:{port}")
        assert await deliver_pending(database, right) == 1
    finally:
        controller.stop()
    assert logins == [(b"mairie", b"p@ss:word")]
    assert len(received) == 1
    assert (await stored(database, message_id)).sent_at is not None


async def test_without_smtp_messages_stay_in_the_outbox(database: Database, world: World) -> None:
    first = await queue(database, world)
    second = await queue(database, world, sensitive=False)
    assert await Mailer("x@y.z", None).deliver(database) == 0
    async with database.session() as session:
        latest = await latest_messages(session, limit=5)
        assert [message.id for message in latest] == [second, first]
        assert await latest_messages(session, recipient="nobody@example.org") == []
        unsent = await session.scalars(select(OutboxMessage.sent_at))
        assert list(unsent) == [None, None]
