"""Per-request dependencies: the database session, the organisation, the actor."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from core import read_cache
from core.errors import AuthRequired, NotFound
from core.models import Organisation, User
from core.plugin_manager import Plugins
from core.services import drafts, event_jobs, organisations, users
from web.event_jobs import wake
from web.session_cookies import read_session_id, session_user
from web.state import AppContext

DbSession = NamedDependency[AsyncSession]
CurrentOrg = NamedDependency[Organisation]
Actor = NamedDependency[User | None]
GroupIds = NamedDependency[set[int]]
PluginsDep = NamedDependency[Plugins]


def app_context(request: Request[Any, Any, Any]) -> AppContext:
    context: AppContext = request.app.state.context
    return context


#: Methods that change nothing: their pages may be served from snapshots.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: A route option: the route changes something, but its service judges it again under the
#: dialogue's lock (``core.services.vote_locks``), so it may start from a snapshot.
JUDGED_UNDER_LOCK = "judged_under_lock"


async def provide_db_session(
    request: Request[Any, Any, Any],
) -> AsyncGenerator[AsyncSession, None]:
    """A session for the request; handlers commit what they change. It carries the app's
    snapshots of organisations and dialogues (``core.read_cache``).

    On SQLite, a request that may change something (any method but GET, HEAD, OPTIONS)
    holds the write lock from its first statement (``BEGIN IMMEDIATE``): a transaction
    that has read cannot wait for another writer when it comes to write, it fails at once
    with "database is locked", so two citizens who post at the same moment would have one
    refused. Such a request writes through this session only (``core.db.takes_write_lock_first``).
    The other requests' transactions begin deferred and hold up no writer; one that
    writes after all takes the lock first (``core.db.begin_write``).

    Where a guard already read the actor (the back office), the session shows the
    organisation's drafts to its staff from the start (``core.services.drafts``)."""
    context = app_context(request)
    changes = request.method not in SAFE_METHODS
    sessions = context.database.session if changes else context.database.read_session
    async with sessions() as session:
        session.info[read_cache.SESSION_KEY] = context.read_cache
        if changes and not request.route_handler.opt.get(JUDGED_UNDER_LOCK):
            session.info[read_cache.JUDGING_KEY] = True
        if "actor" in request.state:  # read by a guard (the back office's wall) already
            drafts.allow_previews(session, request.state.actor)
        yield session
    if session.info.get(event_jobs.QUEUED):
        wake(request.app)


async def refuse(db_session: AsyncSession) -> None:
    """Closes the request's session before a dependency raises: Litestar does not finish
    the ``db_session`` generator when a later dependency fails, and its connection would
    otherwise stay checked out until garbage collection."""
    await db_session.close()


async def provide_org(request: Request[Any, Any, Any], db_session: DbSession) -> Organisation:
    """The organisation named by the Host header (local addresses: the default one)."""
    host = request.headers.get("host", "localhost")
    organisation = await organisations.resolve_host(db_session, host)
    if organisation is None:
        await refuse(db_session)
        raise NotFound(
            "Aucune organisation ne répond à cette adresse.", code="organisation.unknown"
        )
    request.state.org = organisation
    return organisation


async def provide_actor(
    request: Request[Any, Any, Any], db_session: DbSession, org: CurrentOrg
) -> User | None:
    """The signed-in user: a bearer token, else the session cookie; ``None`` if anonymous.
    The request's session then shows the drafts of the organisation to its staff."""
    authorization = request.headers.get("authorization", "")
    actor: User | None = None
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            await refuse(db_session)
            raise AuthRequired("En-tête Authorization invalide.", code="auth.invalid_token")
        found = await users.user_and_groups_for_token(db_session, org, token.strip())
        if found is None:
            await refuse(db_session)
            raise AuthRequired("Jeton inconnu ou révoqué.", code="auth.invalid_token")
        actor, request.state.group_ids = found
    elif session_id := read_session_id(request, app_context(request).settings):
        actor = await session_user(
            app_context(request).database, db_session, org, session_id, request.state
        )
    request.state.actor = actor
    drafts.allow_previews(db_session, actor)
    return actor


async def provide_group_ids(
    request: Request[Any, Any, Any], db_session: DbSession, actor: Actor
) -> set[int]:
    """The ids of the actor's groups (read with a bearer token's user, else now)."""
    if actor is None:
        return set()
    known: set[int] | None = request.state.get("group_ids")
    if known is not None:
        return known
    return await users.group_ids_of(db_session, actor)


def provide_plugins(request: Request[Any, Any, Any]) -> Plugins:
    return app_context(request).plugins


DEPENDENCIES = {
    "db_session": Provide(provide_db_session),
    "org": Provide(provide_org),
    "actor": Provide(provide_actor),
    "group_ids": Provide(provide_group_ids),
    "plugins": Provide(provide_plugins, sync_to_thread=False),
}
