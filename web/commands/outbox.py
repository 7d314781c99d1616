"""``participe outbox``: the latest emails, newest first, with their links (without SMTP,
this is how a sign-in link reaches whoever runs the demo); ``participe outbox queue``
shows what waits (emails, news not yet mailed); ``participe outbox send`` runs the mail
queue once: reminders and summaries due, the news' emails and digests, delivery by
SMTP."""

from __future__ import annotations

import argparse
import asyncio
import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database, utcnow
from core.errors import ConfigurationError
from core.mail import Mailer, latest_messages
from core.mail.delivery import MAX_ATTEMPTS
from core.mail.queue_state import QueueState, queue_state
from core.models import OutboxMessage
from core.plugin_manager import Plugins
from core.services import organisations
from core.services.news_mail import NewsRuntime, one_pass
from web.commands._runtime import check_database, check_schema, load_settings, run_with_session
from web.plugins import build_plugins

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
    queue = actions.add_parser("queue", help="what waits: emails to send, news to mail")
    queue.set_defaults(func=run_queue)
    send = actions.add_parser(
        "send", help="run the mail queue once: compose the news' emails, deliver by SMTP"
    )
    send.set_defaults(func=run_send)


def status_of(message: OutboxMessage) -> str:
    if message.sent_at is not None:
        return f"sent {message.sent_at:%Y-%m-%d %H:%M:%S} UTC"
    if message.last_error:
        tail = (
            " (gave up)"
            if message.attempts >= MAX_ATTEMPTS
            else f", next try {message.next_attempt_at:%H:%M:%S} UTC"
            if message.next_attempt_at
            else ""
        )
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


def run_queue(args: argparse.Namespace) -> int:
    async def work(session: AsyncSession, plugins: Plugins) -> QueueState:
        return await queue_state(session, utcnow())

    state = run_with_session(load_settings(), work)
    print(f"emails due now:            {state.due}")
    print(f"emails waiting for a retry: {state.retrying}")
    print(f"emails given up:           {state.given_up}")
    print(f"emails sent in 24 hours:   {state.sent_today}")
    if state.oldest_due is not None:
        print(f"oldest email due since:    {state.oldest_due:%Y-%m-%d %H:%M:%S} UTC")
    for delivery, count in state.news_to_mail.items():
        print(f"news to mail ({delivery}):{' ' * (12 - len(delivery))}{count}")
    return 0


def run_send(args: argparse.Namespace) -> int:
    settings = load_settings()
    plugins = build_plugins(settings)
    mailer = Mailer.from_settings(settings, plugins.mail_template_dirs())
    if mailer.smtp is None:
        raise ConfigurationError("PARTICIPE_SMTP_URL is not set: messages stay in the outbox")

    async def main() -> int:
        database = Database(settings.database_url)
        try:
            await check_database(database)
            await check_schema(database)
            runtime = NewsRuntime(database, mailer, plugins, settings.secret_key, settings.base_url)
            return await one_pass(runtime, settings.vote_reminder_hours, settings.mail_rate)
        finally:
            await database.dispose()

    print(f"{asyncio.run(main())} message(s) sent")
    return 0
