"""The session cookie: its name, attributes, and the user it signs in.

``__Host-participe_session`` in production (the ``__Host-`` prefix makes browsers insist
on Secure, ``Path=/`` and no ``Domain``, so no sibling host can set or read it),
``participe_session`` otherwise (plain HTTP on a developer's machine). Always HttpOnly
and ``SameSite=Lax``. The cookie holds the session id; the database its hash
(:mod:`core.services.sessions`).

**The embedded dialogue** (``/embed/dialogues/{slug}``, framed by a site the organisation
allows) is a cross-site frame: browsers never send a ``SameSite=Lax`` cookie there, so the
citizen who signed in (in a top-level window: the frame's sign-in link opens one) would
stay signed out in the frame. Rather than loosening the session cookie of the whole site,
a second cookie carries the same session id for the frame only: ``participe_embed``
(``__Host-participe_embed`` in production), ``SameSite=None; Secure; HttpOnly``, set and
cleared with the session cookie. Why this is safe:

- the server reads it only on the frame's own addresses (:data:`EMBED_PATHS`: the embedded
  page, and the vote and ballot forms it posts), and only when the ``Lax`` cookie is
  absent; everywhere else a cross-site request is as signed out as before;
- every form it may sign still needs the CSRF token (:mod:`web.csrf`), which is derived
  from the session id and written only in our pages, which another site cannot read;
- ``Content-Security-Policy: frame-ancestors`` lets only the organisation's allowed sites
  frame the embedded page (and no site frame any other page), so no other site can make a
  signed-in citizen click in a hidden frame;
- ``Secure``: browsers require it with ``SameSite=None``; they accept it on
  ``http://localhost`` and ``127.0.0.1`` too, so it works on a developer's machine.

A browser that blocks or partitions third-party cookies (Safari, Firefox's strict mode)
keeps the frame signed out: the frame's sign-in link still leads to the dialogue on the
full site, where the citizen votes.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Response
from litestar.connection import ASGIConnection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database, takes_write_lock_first, utcnow
from core.models import Organisation, User
from core.services import sessions
from core.services.sessions import SESSION_LIFETIME
from core.settings import Settings

log = logging.getLogger("participe.web")


#: Where the embedded frame's cookie signs in: the embedded pages and the forms they post.
EMBED_PATHS = re.compile(r"^(?:/embed/.*|/proposals/\d+/vote|/dialogues/[^/]+/ballot/confirm)$")


def session_cookie_name(settings: Settings) -> str:
    return "__Host-participe_session" if settings.production else "participe_session"


def embed_cookie_name(settings: Settings) -> str:
    return "__Host-participe_embed" if settings.production else "participe_embed"


def read_session_id(connection: ASGIConnection[Any, Any, Any, Any], settings: Settings) -> str:
    """The session id the request carries, or ``""``: the session cookie's, else, on the
    embedded frame's addresses only, the frame's cookie's."""
    session_id = connection.cookies.get(session_cookie_name(settings), "")
    if session_id or not EMBED_PATHS.match(connection.scope.get("path", "")):
        return session_id
    return connection.cookies.get(embed_cookie_name(settings), "")


def set_session_cookie(response: Response[Any], settings: Settings, session_id: str) -> None:
    response.set_cookie(
        session_cookie_name(settings),
        session_id,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        secure=settings.production,
        httponly=True,
        samesite="lax",
    )
    response.set_cookie(
        embed_cookie_name(settings),
        session_id,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        secure=True,
        httponly=True,
        samesite="none",
    )


def clear_session_cookie(response: Response[Any], settings: Settings) -> None:
    # Browsers ignore a ``__Host-`` cookie without Secure, even one that expires it.
    response.set_cookie(
        session_cookie_name(settings),
        "",
        max_age=0,
        expires=0,
        path="/",
        secure=settings.production,
        httponly=True,
        samesite="lax",
    )
    response.set_cookie(
        embed_cookie_name(settings),
        "",
        max_age=0,
        expires=0,
        path="/",
        secure=True,
        httponly=True,
        samesite="none",
    )


async def session_user(
    database: Database,
    db_session: AsyncSession,
    organisation: Organisation,
    session_id: str,
    state: Any = None,
) -> User | None:
    """The user a session cookie signs in on ``organisation``'s host, or ``None``; the
    count of their unread news goes in ``state`` (the request's) when given.

    ``last_seen_at`` is refreshed at most every few minutes, in a transaction of its own
    so that the request's stays read-only; a failure there never fails the request. A
    request whose session holds SQLite's write lock (one that changes something) leaves
    it to the next page: its own transaction would wait for the request's.
    """
    now = utcnow()
    found = await sessions.find_session(db_session, organisation, session_id, now=now)
    if found is None:
        return None
    user, user_session, unread = found
    if state is not None:
        state.unread_notifications = unread
    if sessions.needs_touch(user_session, now) and not takes_write_lock_first(db_session):
        try:
            async with database.write_session() as writer:
                await sessions.touch_session(writer, user_session.id, now=now)
        except SQLAlchemyError as error:
            log.warning("session %s: last_seen_at not updated: %s", user_session.id, error)
    return user
