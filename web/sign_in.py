"""Sign-in by email link, as the API and the pages both use it: ask for a link, sign in
with it, sign out. Handlers only translate HTTP around these functions."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote

from litestar import Request
from litestar.background_tasks import BackgroundTask
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow, writing
from core.models import Organisation, User
from core.services import magic_links, organisations, sessions
from core.services.users import normalise_email
from web import i18n
from web.client_network import client_network
from web.rate_limits import enforce
from web.session_cookies import read_session_id
from web.state import AppContext

LINK_MINUTES = int(magic_links.LINK_LIFETIME.total_seconds() // 60)


def _context(request: Request[Any, Any, Any]) -> AppContext:
    context: AppContext = request.app.state.context
    return context


def safe_next(value: str | None) -> str:
    """``value`` if it is a path on this site, else ``""`` (no open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return ""
    if any(ord(char) < 0x20 for char in value) or len(value) > 500:
        return ""
    return value


async def site_url(
    request: Request[Any, Any, Any], session: AsyncSession, org: Organisation
) -> str:
    """The address of the organisation's site for the links of emails: its configured
    host that the request reached, else ``PARTICIPE_BASE_URL``; never what the Host header
    says beyond that (:func:`core.services.organisations.site_url`)."""
    return await organisations.site_url(
        session, org, request.headers.get("host", ""), _context(request).settings.base_url
    )


def sign_in_link(site: str, token: str, next_path: str = "") -> str:
    link = f"{site}/signin/{token}"
    if next_path:
        link += "?next=" + quote(next_path, safe="/")
    return link


async def send_link(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    org: Organisation,
    email: str,
    next_path: str = "",
) -> BackgroundTask | None:
    """Sends a sign-in link to ``email``, whether it has an account or not (its first
    sign-in creates it), and returns the task that delivers it after the response.
    ``db_session`` is the request's; this commits it.

    The work is the same for every address, and the mail leaves after the response, so
    neither the answer nor its timing tells whether an address has an account.
    """
    address = normalise_email(email)
    fingerprint = hashlib.sha256(f"{org.id}:{address}".encode()).hexdigest()[:32]
    await enforce(request, "signin", f"email:{fingerprint}")
    context = _context(request)
    async with writing(db_session) as session:
        link = await magic_links.issue_link(
            session, org, address, language=i18n.request_language(request, org), now=utcnow()
        )
        message = await context.mailer.queue(
            session,
            "sign_in",
            recipient=link.email,
            language=link.language,
            organisation=org,
            sensitive=True,
            link=sign_in_link(
                await site_url(request, session, org), link.token, safe_next(next_path)
            ),
            minutes=LINK_MINUTES,
        )
    if context.mailer.smtp is None:
        return None
    return BackgroundTask(context.mailer.deliver, context.database, [message.id])


async def sign_in(
    request: Request[Any, Any, Any], db_session: AsyncSession, org: Organisation, token: str
) -> tuple[User, str]:
    """Uses the link's token and opens a session: the user and the new session id.
    The browser's previous session, if any, ends: a session id is never kept across a
    sign-in. Raises :class:`core.services.magic_links.InvalidSignInLink`."""
    now = utcnow()
    context = _context(request)
    previous = read_session_id(request, context.settings)
    async with writing(db_session) as session:
        user = await magic_links.redeem_link(
            session, org, token, now=now, network=client_network(request)
        )
        if previous:
            await sessions.close_session(session, previous)
        session_id = await sessions.open_session(session, user, now=now)
    return user, session_id


async def sign_out(request: Request[Any, Any, Any], db_session: AsyncSession) -> None:
    """Ends the request's session (deletes its row): its cookie no longer signs in."""
    session_id = read_session_id(request, _context(request).settings)
    if session_id:
        async with writing(db_session) as session:
            await sessions.close_session(session, session_id)
