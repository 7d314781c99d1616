"""Per-request dependencies: the database session, the organisation, the actor."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import AuthRequired, NotFound
from core.models import Organisation, User
from core.plugin_manager import Plugins
from core.services import organisations, users
from web.state import AppContext

DbSession = NamedDependency[AsyncSession]
CurrentOrg = NamedDependency[Organisation]
Actor = NamedDependency[User | None]
GroupIds = NamedDependency[set[int]]
PluginsDep = NamedDependency[Plugins]


def app_context(request: Request[Any, Any, Any]) -> AppContext:
    context: AppContext = request.app.state.context
    return context


async def provide_db_session(
    request: Request[Any, Any, Any],
) -> AsyncGenerator[AsyncSession, None]:
    """A session for the request; handlers commit what they change."""
    async with app_context(request).database.session() as session:
        yield session


async def provide_org(request: Request[Any, Any, Any], db_session: DbSession) -> Organisation:
    """The organisation named by the Host header (local addresses: the default one)."""
    host = request.headers.get("host", "localhost")
    organisation = await organisations.resolve_host(db_session, host)
    if organisation is None:
        raise NotFound(
            "Aucune organisation ne répond à cette adresse.", code="organisation.unknown"
        )
    request.state.org = organisation
    return organisation


async def provide_actor(
    request: Request[Any, Any, Any], db_session: DbSession, org: CurrentOrg
) -> User | None:
    """The signed-in user: a bearer token, else the session cookie; ``None`` if anonymous."""
    authorization = request.headers.get("authorization", "")
    actor: User | None = None
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthRequired("En-tête Authorization invalide.", code="auth.invalid_token")
        actor = await users.user_for_token(db_session, org, token.strip())
        if actor is None:
            raise AuthRequired("Jeton inconnu ou révoqué.", code="auth.invalid_token")
    request.state.actor = actor
    return actor


async def provide_group_ids(db_session: DbSession, actor: Actor) -> set[int]:
    return set() if actor is None else await users.group_ids_of(db_session, actor)


def provide_plugins(request: Request[Any, Any, Any]) -> Plugins:
    return app_context(request).plugins


DEPENDENCIES = {
    "db_session": Provide(provide_db_session),
    "org": Provide(provide_org),
    "actor": Provide(provide_actor),
    "group_ids": Provide(provide_group_ids),
    "plugins": Provide(provide_plugins, sync_to_thread=False),
}
