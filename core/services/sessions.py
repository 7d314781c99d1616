"""Server-side sessions of signed-in browsers.

The browser's cookie holds a random session id (256 bits); the table keeps its SHA-256,
the user, and when the session was opened, last seen and ends. Signing out deletes the
row, which really ends the session: the old cookie no longer signs anyone in.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Notification, Organisation, User, UserSession
from core.services.users import hash_token

SESSION_LIFETIME = timedelta(days=30)
#: ``last_seen_at`` is written at most this often, not on every request.
TOUCH_INTERVAL = timedelta(minutes=5)


async def open_session(session: AsyncSession, user: User, *, now: datetime) -> str:
    """Opens a session for ``user`` and returns its id, for the cookie; records on the
    account that it was seen ``now`` (the retention purge reads it). The caller commits."""
    session_id = secrets.token_urlsafe(32)
    user.last_seen_at = now
    session.add(
        UserSession(
            id_hash=hash_token(session_id),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    await session.flush()
    return session_id


async def find_session(
    session: AsyncSession, organisation: Organisation, session_id: str, *, now: datetime
) -> tuple[User, UserSession, int] | None:
    """The user and session that ``session_id`` names, if the session is live and its
    user belongs to ``organisation`` (a cookie of one organisation is refused on
    another's host), with the count of the user's unread news (for the pages' header,
    read in the same query)."""
    if not session_id or len(session_id) > 200:
        return None
    unread = (
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == User.id, Notification.read_at.is_(None))
        .scalar_subquery()
    )
    row = (
        await session.execute(
            select(User, UserSession, unread)
            .join(UserSession, UserSession.user_id == User.id)
            .where(
                UserSession.id_hash == hash_token(session_id),
                UserSession.expires_at > now,
                User.organisation_id == organisation.id,
                User.deleted_at.is_(None),
            )
        )
    ).first()
    return None if row is None else (row[0], row[1], int(row[2] or 0))


def needs_touch(user_session: UserSession, now: datetime) -> bool:
    return now - user_session.last_seen_at >= TOUCH_INTERVAL


async def touch_session(session: AsyncSession, session_row_id: int, *, now: datetime) -> None:
    """Records that the session was seen ``now``. The caller commits."""
    await session.execute(
        update(UserSession).where(UserSession.id == session_row_id).values(last_seen_at=now)
    )


async def close_session(session: AsyncSession, session_id: str) -> None:
    """Ends the session ``session_id`` (nothing happens if there is none). The caller
    commits."""
    await session.execute(delete(UserSession).where(UserSession.id_hash == hash_token(session_id)))


async def close_all_sessions(session: AsyncSession, user: User) -> None:
    """Ends every session of ``user`` (signs out everywhere). The caller commits."""
    await session.execute(delete(UserSession).where(UserSession.user_id == user.id))


async def user_id_for_session(
    session: AsyncSession, session_id: str, *, now: datetime
) -> int | None:
    """The user id of a live session, whatever its organisation (for rate limits)."""
    if not session_id or len(session_id) > 200:
        return None
    return await session.scalar(
        select(UserSession.user_id).where(
            UserSession.id_hash == hash_token(session_id), UserSession.expires_at > now
        )
    )
