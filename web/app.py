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
from core.lifespan import LifespanContext
from core.mail import Mailer
from core.models import Organisation, User
from core.plugin_manager import Plugins
from core.rate_limits import RateLimiter
from core.settings import Settings
from web.accounts import account_route_handlers
from web.admin import admin_route_handlers
from web.admin.pages import check_plugin_tabs
from web.api.admin import AdminController
from web.api.ballots import BallotController
from web.api.candidates import HistoryController
from web.api.dialogues import DialogueController, ProposalController
from web.api.exports import ExportController
from web.csrf import csrf_guard, send_pending_cookie
from web.dependencies import DEPENDENCIES
from web.errors import EXCEPTION_HANDLERS, check_plugin_codes
from web.event_jobs import event_jobs_plugin
from web.front import front_route_handlers
from web.health import HEALTH_ROUTES
from web.input_guard import InputGuard
from web.mail_queue import mail_queue_plugin
from web.modules import plugin_routes
from web.pages.home import home_page
from web.plugins import build_plugins
from web.request_ids import with_request_ids
from web.results import ResultsPlugin
from web.security_headers import security_headers
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
    check_plugin_codes(plugins.error_messages())
    check_plugin_tabs(plugins.admin_tabs)
    database = database or Database(
        settings.database_url, echo=settings.sql_echo, pool_size=settings.database_pool_size
    )
    context = AppContext(
        settings=settings,
        database=database,
        plugins=plugins,
        templates=make_environment(plugins.template_dirs()),
        translation_dirs=tuple(plugins.translation_dirs()),
        mailer=Mailer.from_settings(settings, plugins.mail_template_dirs()),
        rate_limiter=RateLimiter.configure(
            settings.rate_limit_overrides,
            enabled=settings.rate_limits,
            redis_url=settings.redis_url,
            prefix=settings.redis_prefix,
        ),
    )

    lifespan = LifespanContext(settings=settings, database=database, plugins=plugins)

    async def start_plugins(app: Litestar) -> None:
        await plugins.startup(lifespan)

    async def stop_plugins(app: Litestar) -> None:
        await plugins.shutdown(lifespan)

    async def dispose_database(app: Litestar) -> None:
        if app.state.context.database is database:
            await database.dispose()

    async def close_rate_limiter(app: Litestar) -> None:
        await context.rate_limiter.close()

    static_routers = [create_static_files_router(path="/static", directories=[STATIC])]
    static_routers += [
        create_static_files_router(
            path=f"/static/plugins/{name}", directories=[folder], name=f"static-{name}"
        )
        for name, folder in plugins.static_dirs()
    ]
    app = Litestar(
        route_handlers=[
            home_page,
            *HEALTH_ROUTES,
            DialogueController,
            ProposalController,
            HistoryController,
            AdminController,
            ExportController,
            BallotController,
            *front_route_handlers(),
            *account_route_handlers(),
            *admin_route_handlers(),
            *static_routers,
            *plugin_routes(plugins),
            *extra_route_handlers,
        ],
        dependencies=DEPENDENCIES,
        guards=[csrf_guard],
        middleware=[InputGuard()],
        before_send=[security_headers(settings), send_pending_cookie(settings)],
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
        on_startup=[start_plugins],
        on_shutdown=[stop_plugins, dispose_database, close_rate_limiter],
        debug=False,
        # Logging is configured once per process by ``web.logs`` (formats, request ids):
        # Litestar's default configuration would put its own handler in front of it.
        logging_config=None,
        plugins=[ResultsPlugin(settings), event_jobs_plugin(settings), mail_queue_plugin(settings)],
    )
    app.asgi_handler = with_request_ids(app.asgi_handler)
    return app


def _state(context: AppContext) -> Any:
    from litestar.datastructures import State

    return State({"context": context})
