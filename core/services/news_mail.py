"""The news' emails: each piece of news wanted at once becomes one email, the news wanted
in a digest is gathered into one email a day or a week, and the reminders and staff
summaries that come by the clock are made here.

Each pass holds a task lease (:func:`core.leases.task_lease`), so that one worker at a
time composes (two would mail the same news twice), and marks what it mailed
(``mailed_at``) in the transaction that queues the emails: a crash leaves nothing half
done. Every email carries a one-click unsubscription from its kind and from all news
(``List-Unsubscribe``, RFC 8058), which needs no sign-in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import TemplateNotFound
from sqlalchemy import exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database, utcnow
from core.leases import LEASE, hold_task, once, task_lease
from core.mail import Mailer
from core.mail.delivery import UNSENT
from core.models import (
    Ballot,
    Comment,
    Dialogue,
    Notification,
    Organisation,
    OutboxMessage,
    Phase,
    Proposal,
    TaskLease,
    User,
)
from core.models.ballots import BallotStatus
from core.models.dialogues import PhaseKind
from core.plugin_manager import Plugins
from core.services import notifications
from core.services.organisations import home_url
from core.unsubscribe_links import ALL, sign

#: Digests go out after this hour, French time, the day after (daily) or on Mondays.
DIGEST_HOUR = 7
LOCAL = ZoneInfo("Europe/Paris")
#: News composed per transaction.
BATCH = 500
#: Emails written to the outbox per statement: one ``INSERT`` per email cost the worker
#: three times the CPU (and as many waits behind the requests it serves); a few dozen at
#: a time keep each stretch of composing without a wait short.
FLUSH_EVERY = 50
#: How long one pass delivers at most: half the task lease, which it does not renew, so
#: that no other worker takes the lease over and sends meanwhile, whatever pace the
#: database and the SMTP server allow (the last message may take the SMTP timeout).
DELIVERY_SECONDS = LEASE.total_seconds() / 2


@dataclass(frozen=True)
class NewsRuntime:
    database: Database
    mailer: Mailer
    plugins: Plugins
    secret_key: str
    base_url: str


class _Sites:
    """The address of each organisation's site, read once per pass."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._known: dict[int, tuple[Organisation, str]] = {}

    async def of(self, session: AsyncSession, organisation_id: int) -> tuple[Organisation, str]:
        if organisation_id not in self._known:
            organisation = await session.get(Organisation, organisation_id)
            assert organisation is not None
            url = await home_url(session, organisation, self.base_url)
            self._known[organisation_id] = (organisation, url)
        return self._known[organisation_id]


#: News not mailed yet.
UNMAILED = Notification.mailed_at.is_(None)


async def _any(database: Database, *conditions: Any) -> bool:
    """Whether a row matches ``conditions`` (of the table they name), read without a
    write transaction."""
    async with database.read_session() as session:
        return (await session.scalar(select(exists().where(*conditions)))) is True


def unsubscribe_url(site: str, secret_key: str, user_id: int, kind: str) -> str:
    return f"{site}/notifications/unsubscribe/{sign(secret_key, user_id, kind)}"


def _template(mailer: Mailer, kind: str) -> str:
    """The kind's own mail template when a plugin ships one, the generic one otherwise."""
    try:
        mailer.templates.environment.get_template(f"notification_{kind}.fr.txt")
    except TemplateNotFound:
        return "notification"
    return f"notification_{kind}"


async def mail_news_now(runtime: NewsRuntime, *, now: datetime | None = None) -> int:
    """Composes one email per piece of news wanted at once; returns how many."""
    mailed = 0
    if not await _any(runtime.database, Notification.delivery == "now", UNMAILED):
        return 0  # no lease to write when there is nothing to do
    async with task_lease(runtime.database, "news-mail") as held:
        if not held:
            return 0
        sites = _Sites(runtime.base_url)
        while True:
            count = await _mail_batch(runtime, sites, now or utcnow())
            mailed += count
            # Renewed after each batch: a long backlog outlasts one lease.
            if count < BATCH or not await hold_task(runtime.database, "news-mail"):
                return mailed


async def _mail_batch(runtime: NewsRuntime, sites: _Sites, now: datetime) -> int:
    kinds = runtime.plugins.notification_kinds
    async with runtime.database.write_session() as session:
        rows = (
            await session.execute(
                select(Notification, User)
                .join(User, User.id == Notification.user_id)
                .where(Notification.delivery == "now", Notification.mailed_at.is_(None))
                .order_by(Notification.id)
                .limit(BATCH)
            )
        ).all()
        for index, (news, user) in enumerate(rows, 1):
            kind = kinds.get(news.kind)
            if user.email and user.deleted_at is None and kind is not None:
                organisation, site = await sites.of(session, news.organisation_id)
                await runtime.mailer.queue(
                    session,
                    _template(runtime.mailer, news.kind),
                    recipient=user.email,
                    language=user.language,
                    organisation=organisation,
                    list_unsubscribe=unsubscribe_url(site, runtime.secret_key, user.id, ALL),
                    headline=kind.headline_of(user.language, news.title, news.details),
                    title=news.title,
                    details=news.details,
                    link=f"{site}{news.link}",
                    kind_label=kind.label(user.language),
                    unsubscribe_kind=unsubscribe_url(site, runtime.secret_key, user.id, news.kind),
                    unsubscribe_all=unsubscribe_url(site, runtime.secret_key, user.id, ALL),
                    preferences=f"{site}/me/notifications",
                    flush=False,
                )
            if index % FLUSH_EVERY == 0:
                await session.flush()
        if rows:
            await session.flush()
            await session.execute(
                update(Notification)
                .where(Notification.id.in_([news.id for news, _ in rows]))
                .values(mailed_at=now)
            )
        return len(rows)


def digest_cutoff(delivery: str, now: datetime) -> datetime:
    """The latest digest time at or before ``now``: 7:00 French time each day
    (``daily``) or on Mondays (``weekly``)."""
    local = now.astimezone(LOCAL)
    cutoff = datetime.combine(local.date(), time(DIGEST_HOUR), LOCAL)
    if cutoff > local:
        cutoff -= timedelta(days=1)
    if delivery == "weekly":
        cutoff -= timedelta(days=cutoff.weekday())
    return cutoff.astimezone(now.tzinfo)


async def mail_digests(runtime: NewsRuntime, *, now: datetime | None = None) -> int:
    """Gathers, per user, the news wanted in a daily or weekly digest that came before
    the last digest time into one email; returns how many emails."""
    now = now or utcnow()
    sent = 0
    due = [
        delivery
        for delivery in ("daily", "weekly")
        if await _any(
            runtime.database,
            Notification.delivery == delivery,
            UNMAILED,
            Notification.created_at < digest_cutoff(delivery, now),
        )
    ]
    if not due:
        return 0
    async with task_lease(runtime.database, "news-mail") as held:
        if not held:
            return 0
        sites = _Sites(runtime.base_url)
        for delivery in due:
            cutoff = digest_cutoff(delivery, now)
            async with runtime.database.read_session() as session:
                users = list(
                    await session.scalars(
                        select(Notification.user_id)
                        .where(
                            Notification.delivery == delivery,
                            Notification.mailed_at.is_(None),
                            Notification.created_at < cutoff,
                        )
                        .distinct()
                        .order_by(Notification.user_id)
                    )
                )
            for start in range(0, len(users), 100):
                batch = users[start : start + 100]
                sent += await _digest_batch(runtime, sites, delivery, cutoff, batch, now)
    return sent


async def _digest_batch(
    runtime: NewsRuntime,
    sites: _Sites,
    delivery: str,
    cutoff: datetime,
    user_ids: Sequence[int],
    now: datetime,
) -> int:
    kinds = runtime.plugins.notification_kinds
    sent = 0
    async with runtime.database.write_session() as session:
        news = list(
            await session.scalars(
                select(Notification)
                .where(
                    Notification.user_id.in_(list(user_ids)),
                    Notification.delivery == delivery,
                    Notification.mailed_at.is_(None),
                    Notification.created_at < cutoff,
                )
                .order_by(Notification.user_id, Notification.id)
            )
        )
        users = {
            user.id: user
            for user in await session.scalars(select(User).where(User.id.in_(list(user_ids))))
        }
        by_user: dict[int, list[Notification]] = defaultdict(list)
        for item in news:
            by_user[item.user_id].append(item)
        for user_id, items in by_user.items():
            user = users.get(user_id)
            if user is None or not user.email or user.deleted_at is not None:
                continue
            organisation, site = await sites.of(session, items[0].organisation_id)
            lines = [
                {
                    "headline": kinds[item.kind].headline_of(
                        user.language, item.title, item.details
                    ),
                    "link": f"{site}{item.link}",
                }
                for item in items
                if kinds.get(item.kind) is not None
            ]
            if not lines:
                continue
            await runtime.mailer.queue(
                session,
                "notification_digest",
                recipient=user.email,
                language=user.language,
                organisation=organisation,
                list_unsubscribe=unsubscribe_url(site, runtime.secret_key, user.id, ALL),
                period=delivery,
                items=lines,
                unsubscribe_all=unsubscribe_url(site, runtime.secret_key, user.id, ALL),
                preferences=f"{site}/me/notifications",
            )
            sent += 1
        if news:
            await session.execute(
                update(Notification)
                .where(Notification.id.in_([item.id for item in news]))
                .values(mailed_at=now)
            )
    return sent


# -- by the clock ------------------------------------------------------------------


async def remind_voters(runtime: NewsRuntime, hours: float, *, now: datetime | None = None) -> int:
    """Tells the citizens whose ballot is not confirmed that a vote ends within
    ``hours``, once per vote phase (claimed by a conditional update); returns how many
    were told."""
    if hours <= 0:
        return 0
    now = now or utcnow()
    told = 0
    async with runtime.database.read_session() as session:
        due = list(
            await session.scalars(
                select(Phase.id)
                .join(Dialogue, Dialogue.id == Phase.dialogue_id)
                .where(
                    Dialogue.published_at.is_not(None),  # a draft's vote reminds nobody
                    Phase.kind == PhaseKind.VOTE,
                    Phase.reminded_at.is_(None),
                    Phase.starts_at <= now,
                    Phase.ends_at > now,
                    Phase.ends_at <= now + timedelta(hours=hours),
                )
            )
        )
    for phase_id in due:
        async with runtime.database.write_session() as session:
            claimed: Any = await session.execute(
                update(Phase)
                .where(Phase.id == phase_id, Phase.reminded_at.is_(None))
                .values(reminded_at=now)
            )
            if claimed.rowcount != 1:
                continue
            phase = await session.get(Phase, phase_id)
            assert phase is not None
            dialogue = await session.get(Dialogue, phase.dialogue_id)
            if dialogue is None or not notifications.news_on(runtime.plugins, dialogue):
                continue
            drafts = select(Ballot.user_id).where(
                Ballot.dialogue_id == dialogue.id,
                Ballot.status == BallotStatus.DRAFT,
                Ballot.voided_at.is_(None),
                Ballot.user_id.is_not(None),
            )
            told += await notifications.notify(
                session,
                runtime.plugins.notification_kinds,
                kind="vote_reminder",
                organisation_id=dialogue.organisation_id,
                recipients=drafts,
                title=dialogue.title,
                link=f"/dialogues/{dialogue.slug}/vote",
                dialogue_id=dialogue.id,
                details={"ends_at": phase.ends_at.isoformat() if phase.ends_at else ""},
                now=now,
            )
    return told


async def summarise_participation(runtime: NewsRuntime, *, now: datetime | None = None) -> int:
    """Once a day, after the digest hour, gives the staff who chose it the day's
    participation in each dialogue that had some; returns how many pieces of news."""
    now = now or utcnow()
    cutoff = digest_cutoff("daily", now)
    name = f"participation-summary:{cutoff.date().isoformat()}"
    if await _any(runtime.database, TaskLease.name == name) or not await once(
        runtime.database, name
    ):
        return 0  # done today (read first: no write at each pass)
    since = cutoff - timedelta(days=1)
    told = 0
    async with runtime.database.write_session() as session:
        counts: dict[int, dict[str, int]] = defaultdict(dict)
        for name, query in (
            (
                "proposals",
                select(Proposal.dialogue_id, func.count())
                .where(Proposal.published_at >= since, Proposal.published_at < cutoff)
                .group_by(Proposal.dialogue_id),
            ),
            (
                "ballots",
                select(Ballot.dialogue_id, func.count())
                .where(Ballot.created_at >= since, Ballot.created_at < cutoff)
                .group_by(Ballot.dialogue_id),
            ),
            (
                "comments",
                select(Proposal.dialogue_id, func.count())
                .join(Comment, Comment.proposal_id == Proposal.id)
                .where(Comment.created_at >= since, Comment.created_at < cutoff)
                .group_by(Proposal.dialogue_id),
            ),
        ):
            for dialogue_id, count in (await session.execute(query)).all():
                counts[dialogue_id][name] = count
        for dialogue in await session.scalars(
            select(Dialogue).where(Dialogue.id.in_(list(counts))).order_by(Dialogue.id)
        ):
            if not notifications.news_on(runtime.plugins, dialogue):
                continue
            told += await notifications.notify(
                session,
                runtime.plugins.notification_kinds,
                kind="participation_summary",
                organisation_id=dialogue.organisation_id,
                recipients=notifications.staff_of(dialogue.organisation_id),
                title=dialogue.title,
                link=f"/admin/dialogues/{dialogue.slug}",
                dialogue_id=dialogue.id,
                details={"counts": counts[dialogue.id], "day": since.date().isoformat()},
                now=now,
            )
    return told


async def one_pass(runtime: NewsRuntime, reminder_hours: float, rate: float) -> int:
    """What the mail queue does each pass: reminders and summaries that fell due, the
    news' emails, the digests, then delivery by SMTP at ``rate`` (one worker at a time,
    so that the rate holds for all) for :data:`DELIVERY_SECONDS` at most, within the
    lease, even when the SMTP server or the database cannot keep up with ``rate``;
    returns how many emails were sent."""
    await remind_voters(runtime, reminder_hours)
    await summarise_participation(runtime)
    await mail_news_now(runtime)
    await mail_digests(runtime)
    if runtime.mailer.smtp is None or not await _any(
        runtime.database,
        *UNSENT,
        OutboxMessage.next_attempt_at.is_(None) | (OutboxMessage.next_attempt_at <= utcnow()),
    ):
        return 0
    async with task_lease(runtime.database, "mail-delivery") as held:
        if not held:
            return 0
        return await runtime.mailer.deliver(
            runtime.database,
            rate=rate,
            limit=max(1, int(rate * DELIVERY_SECONDS)),
            seconds=DELIVERY_SECONDS,
        )
