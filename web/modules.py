"""The routes of plugins that declare modules (:mod:`core.modules`): they exist only where
one of the plugin's modules is, and elsewhere answer 404, as for a path that does not
exist.

The core mounts such a plugin's routes behind a guard (:func:`plugin_routes`): 404 when
the request's organisation may use none of the plugin's modules, and, for a route whose
path names a dialogue (a ``slug`` parameter), when none of them is on for that dialogue.
A route that reaches its dialogue otherwise (through a proposal's id, say) checks it
itself with :func:`require_module`. A back-office route meets the staff's wall first
(:func:`web.admin.guard.staff_guard`): a citizen is refused with 401/403 there, never
told by a 404 on which dialogues a module is off.
"""

from __future__ import annotations

from typing import Any

from litestar import Router
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from sqlalchemy import select

from core import read_cache
from core.errors import NotFound
from core.models import Dialogue, Organisation
from core.modules import Module
from core.plugin_manager import Plugins
from core.services import organisations
from web.admin.guard import staff_guard

GONE = "Cette page n'existe pas pour cette démarche."


def require_module(module: Module, organisation: Organisation, dialogue: Dialogue) -> None:
    """404 ``not_found`` unless ``organisation`` may use ``module`` and it is on for
    ``dialogue``."""
    if not (module.granted_to(organisation) and module.enabled_on(dialogue)):
        raise NotFound(GONE)


def plugin_routes(plugins: Plugins) -> list[Any]:
    """Every plugin's routes, those of a plugin that declares modules behind its guard."""
    mounted: list[Any] = []
    for name, handlers in plugins.routes_by_plugin():
        if name in plugins.plugin_modules and handlers:
            mounted.append(Router(path="/", route_handlers=handlers, guards=[_guard(name)]))
        else:
            mounted.extend(handlers)
    return mounted


#: Where the back office's routes live, behind the staff's wall.
BACK_OFFICE = ("/admin/", "/api/v1/admin/")


def _guard(plugin_name: str) -> Any:
    async def only_where_on(
        connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
    ) -> None:
        if connection.url.path.startswith(BACK_OFFICE):
            await staff_guard(connection, handler)
        context = connection.app.state.context
        plugins: Plugins = context.plugins
        modules = plugins.plugin_modules[plugin_name]
        async with context.database.read_session() as session:
            session.info[read_cache.SESSION_KEY] = context.read_cache
            host = connection.headers.get("host", "localhost")
            organisation = await organisations.resolve_host(session, host)
            if organisation is None:
                return  # the route's own dependencies answer an unknown host
            if not any(module.granted_to(organisation) for module in modules):
                raise NotFound(GONE)
            slug = connection.path_params.get("slug")
            if not isinstance(slug, str):
                return
            dialogue = await session.scalar(
                select(Dialogue).where(
                    Dialogue.organisation_id == organisation.id, Dialogue.slug == slug
                )
            )
            if dialogue is not None and not plugins.live_on(plugin_name, dialogue):
                raise NotFound(GONE)

    return only_where_on
