"""``participe outbox``: the latest emails, newest first, with their links (without SMTP,
this is how a sign-in link reaches whoever runs the demo); ``participe outbox send``
delivers what is waiting by SMTP."""

from __future__ import annotations

import argparse
import asyncio
import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database
from core.errors import ConfigurationError
from core.mail import Mailer, latest_messages
from core.mail.delivery import MAX_ATTEMPTS
from core.models import OutboxMessage
from core.plugin_manager import Plugins
from core.services import organisations
from web.commands._runtime import check_database, check_schema, load_settings, run_with_session

LINK = re.compile(r"https?://\S+")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("outbox", help="emails: list the latest, send the waiting")
    parser.add_argument("--limit", type=int, default=10, help="how many (default 10)")
    parser.add_argument("--org", help="only this organisation (slug)")
    parser.add_argument("--to", help="only messages to this address")
    parser.add_argument("--full", action="store_true", help="print each message's text")
    parser.set_defaults(func=run_list)
    actions = parser.add_subparsers(dest="outbox_command", metavar="ACTION")
    listing = actions.add_parser("list", help="list the latest messages (the default)")
    listing.add_argument("--limit", type=int, default=10)
    listing.add_argument("--org")
    listing.add_argument("--to")
    listing.add_argument("--full", action="store_true")
    listing.set_defaults(func=run_list)
    send = actions.add_parser("send", help="deliver the waiting messages by SMTP")
    send.set_defaults(func=run_send)


def status_of(message: OutboxMessage) -> str:
    if message.sent_at is not None:
        return f"sent {message.sent_at:%Y-%m-%d %H:%M:%S} UTC"
    if message.last_error:
        tail = " (gave up)" if message.attempts >= MAX_ATTEMPTS else ""
        return f"not sent after {message.attempts} attempt(s){tail}: {message.last_error}"
    return "waiting in the outbox"


def describe(message: OutboxMessage, *, full: bool) -> str:
    lines = [
        f"#{message.id}  {message.created_at:%Y-%m-%d %H:%M:%S} UTC  to {message.recipient}"
        f"  [{message.language}]  {status_of(message)}",
        f"    {message.subject}",
    ]
    if full:
        lines += [f"    | {line}" for line in message.text_body.splitlines()]
    else:
        lines += [f"    {link}" for link in dict.fromkeys(LINK.findall(message.text_body))]
    return "\n".join(lines)


def run_list(args: argparse.Namespace) -> int:
    async def work(session: AsyncSession, plugins: Plugins) -> list[OutboxMessage]:
        organisation_id = None
        if args.org:
            organisation_id = (await organisations.get_by_slug(session, args.org)).id
        return await latest_messages(
            session,
            limit=max(1, args.limit),
            organisation_id=organisation_id,
            recipient=args.to,
        )

    messages = run_with_session(load_settings(), work)
    if not messages:
        print("the outbox is empty")
    for message in messages:
        print(describe(message, full=args.full))
    return 0


def run_send(args: argparse.Namespace) -> int:
    settings = load_settings()
    mailer = Mailer.from_settings(settings)
    if mailer.smtp is None:
        raise ConfigurationError("PARTICIPE_SMTP_URL is not set: messages stay in the outbox")

    async def main() -> int:
        database = Database(settings.database_url)
        try:
            await check_database(database)
            await check_schema(database)
            return await mailer.deliver(database)
        finally:
            await database.dispose()

    print(f"{asyncio.run(main())} message(s) sent")
    return 0
