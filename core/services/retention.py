"""The retention purge (``participe purge``, to run daily): what an organisation keeps of
personal data, for no longer than its retention periods say
(:class:`core.services.branding.Retention`).

For each organisation, in one transaction:

- citizen accounts inactive for ``inactive_accounts_months`` are deleted as their owner
  would delete them (:func:`core.services.personal_data.delete_account`). Inactive:
  created before then, and since then no sign-in, no visit of a browser session (within
  the life of a session when it was ended by signing out) and no API token created or
  used. Staff accounts are left to the organisation;
- emails of the outbox older than ``sent_emails_days`` are deleted (sent ones by the date
  they were sent, the others by the date they were written; not one a delivery is
  sending at that moment);
- ended sessions (their last visit kept on the account as ``last_seen_at``), and
  sign-in links used, voided or expired, are deleted;
- network digests (``users.created_network``, ``vote_log.network``) older than
  ``network_digests_days`` are cleared; the entries themselves stay.

``exports_days`` needs nothing here: an export link carries its own end date and no
file is stored. The purge writes one ``retention.purge`` entry in the audit log with its
counts. Running it twice in a row does nothing more the second time.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import begin_write
from core.models import (
    ApiToken,
    Dialogue,
    Organisation,
    OutboxMessage,
    SignInToken,
    User,
    UserSession,
    VoteLogEntry,
)
from core.models.users import Role
from core.plugin_manager import Plugins
from core.services import audit, branding
from core.services.personal_data import delete_account

#: The counts of a purge, in this order.
COUNTS = (
    "accounts",
    "emails",
    "sessions",
    "sign_in_links",
    "account_networks",
    "vote_networks",
)
#: Accounts deleted per query: a purge never holds every inactive account in memory.
ACCOUNTS_PER_BATCH = 200


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the month's last day
    when it is shorter)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _rowcount(result: object) -> int:
    return max(int(getattr(result, "rowcount", 0) or 0), 0)


def _inactive_since(organisation: Organisation, cutoff: datetime) -> ColumnElement[bool]:
    seen = exists().where(UserSession.user_id == User.id, UserSession.last_seen_at >= cutoff)
    token_used = exists().where(
        ApiToken.user_id == User.id,
        or_(ApiToken.created_at >= cutoff, ApiToken.last_used_at >= cutoff),
    )
    return and_(
        User.organisation_id == organisation.id,
        User.deleted_at.is_(None),
        User.role == Role.CITIZEN,
        User.created_at < cutoff,
        or_(User.last_seen_at.is_(None), User.last_seen_at < cutoff),
        ~seen,
        ~token_used,
    )


async def inactive_accounts(
    session: AsyncSession, organisation: Organisation, *, now: datetime, after: int = 0
) -> Sequence[User]:
    """A batch of ``organisation``'s accounts that its retention period lets go, by id
    after ``after``; none when the organisation keeps accounts for ever."""
    months = branding.options_of(organisation).retention.inactive_accounts_months
    if months is None:
        return []
    cutoff = months_before(now, months)
    rows = await session.scalars(
        select(User)
        .where(_inactive_since(organisation, cutoff), User.id > after)
        .order_by(User.id)
        .limit(ACCOUNTS_PER_BATCH)
    )
    return rows.all()


async def purge_organisation(
    session: AsyncSession, plugins: Plugins, organisation: Organisation, *, now: datetime
) -> dict[str, int]:
    """Applies ``organisation``'s retention periods at ``now`` and returns the counts
    (see :data:`COUNTS`). The caller commits."""
    retention = branding.options_of(organisation).retention
    counts = dict.fromkeys(COUNTS, 0)

    after = 0
    while batch := await inactive_accounts(session, organisation, now=now, after=after):
        for user in batch:
            await delete_account(session, plugins, user, now=now)
        counts["accounts"] += len(batch)
        after = batch[-1].id

    emails_cutoff = now - timedelta(days=retention.sent_emails_days)
    counts["emails"] = _rowcount(
        await session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.organisation_id == organisation.id,
                func.coalesce(OutboxMessage.sent_at, OutboxMessage.created_at) < emails_cutoff,
                or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
            )
        )
    )
    of_organisation = select(User.id).where(User.organisation_id == organisation.id)
    # An ended session's last visit stays on its account, or the next purge would
    # find the account inactive since its sign-in.
    ended = (
        select(func.max(UserSession.last_seen_at))
        .where(UserSession.user_id == User.id, UserSession.expires_at <= now)
        .scalar_subquery()
    )
    await session.execute(
        update(User)
        .where(
            User.organisation_id == organisation.id,
            exists().where(
                UserSession.user_id == User.id,
                UserSession.expires_at <= now,
                or_(User.last_seen_at.is_(None), UserSession.last_seen_at > User.last_seen_at),
            ),
        )
        .values(last_seen_at=ended)
        .execution_options(synchronize_session=False)
    )
    counts["sessions"] = _rowcount(
        await session.execute(
            delete(UserSession).where(
                UserSession.user_id.in_(of_organisation), UserSession.expires_at <= now
            )
        )
    )
    counts["sign_in_links"] = _rowcount(
        await session.execute(
            delete(SignInToken).where(
                SignInToken.organisation_id == organisation.id,
                or_(SignInToken.used_at.is_not(None), SignInToken.expires_at <= now),
            )
        )
    )
    networks_cutoff = now - timedelta(days=retention.network_digests_days)
    counts["account_networks"] = _rowcount(
        await session.execute(
            update(User)
            .where(
                User.organisation_id == organisation.id,
                User.created_network.is_not(None),
                User.created_at < networks_cutoff,
            )
            .values(created_network=None)
        )
    )
    of_dialogues = select(Dialogue.id).where(Dialogue.organisation_id == organisation.id)
    counts["vote_networks"] = _rowcount(
        await session.execute(
            update(VoteLogEntry)
            .where(
                VoteLogEntry.dialogue_id.in_(of_dialogues),
                VoteLogEntry.network.is_not(None),
                VoteLogEntry.created_at < networks_cutoff,
            )
            .values(network=None)
        )
    )
    audit.record(session, organisation, None, "retention.purge", "", counts, now=now)
    await session.flush()
    return counts


async def purge(
    session: AsyncSession, plugins: Plugins, *, now: datetime, slug: str | None = None
) -> list[tuple[Organisation, dict[str, int]]]:
    """Purges every organisation (or the one of ``slug``), each in a transaction of its
    own, committed here; the counts by organisation."""
    query = select(Organisation).order_by(Organisation.id)
    if slug is not None:
        query = query.where(Organisation.slug == slug)
    organisations = list(await session.scalars(query))
    done = []
    for organisation in organisations:
        await begin_write(session)
        counts = await purge_organisation(session, plugins, organisation, now=now)
        await session.commit()
        done.append((organisation, counts))
    return done
