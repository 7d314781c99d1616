"""The app factory: ``create_app(settings) -> Litestar``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.config.response_cache import ResponseCacheConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.static_files import create_static_files_router

from core.db import Database
from core.models import Organisation, User
from core.plugin_manager import Plugins
from core.settings import Settings
from web.api.admin import AdminController
from web.api.dialogues import DialogueController, ProposalController
from web.dependencies import DEPENDENCIES
from web.errors import EXCEPTION_HANDLERS
from web.pages.home import home_page
from web.plugins import build_plugins
from web.state import AppContext
from web.templating import make_environment

STATIC = Path(__file__).parent / "static"
API_VERSION = "1"


def create_app(
    settings: Settings,
    *,
    plugins: Plugins | None = None,
    database: Database | None = None,
    extra_route_handlers: Sequence[Any] = (),
) -> Litestar:
    """Builds the app from explicit settings; tests pass their own plugins and database."""
    plugins = plugins or build_plugins(settings)
    database = database or Database(settings.database_url, echo=settings.sql_echo)
    context = AppContext(
        settings=settings,
        database=database,
        plugins=plugins,
        templates=make_environment(plugins.template_dirs()),
    )

    async def dispose_database(app: Litestar) -> None:
        if app.state.context.database is database:
            await database.dispose()

    static_routers = [create_static_files_router(path="/static", directories=[STATIC])]
    static_routers += [
        create_static_files_router(
            path=f"/static/plugins/{name}", directories=[folder], name=f"static-{name}"
        )
        for name, folder in plugins.static_dirs()
    ]
    return Litestar(
        route_handlers=[
            home_page,
            DialogueController,
            ProposalController,
            AdminController,
            *static_routers,
            *plugins.routes(),
            *extra_route_handlers,
        ],
        dependencies=DEPENDENCIES,
        exception_handlers=EXCEPTION_HANDLERS,
        signature_namespace={"Organisation": Organisation, "User": User, "Plugins": Plugins},
        openapi_config=OpenAPIConfig(
            title="Participe API",
            version=API_VERSION,
            path="/api/schema",
            render_plugins=[ScalarRenderPlugin()],
        ),
        response_cache_config=ResponseCacheConfig(),
        state=_state(context),
        on_shutdown=[dispose_database],
        debug=False,
    )


def _state(context: AppContext) -> Any:
    from litestar.datastructures import State

    return State({"context": context})
