"""The results part of the app, mounted by ``create_app`` as one Litestar plugin: its routes
(API and page), the results cache, and the periodic sweep that publishes ``after_vote``
results and fires the events of phases whose dates passed
(:func:`core.services.publication.sweep`).

The sweep starts with the app (``on_startup``) and is cancelled when it stops; it runs
every ``settings.results_sweep_seconds`` (0: never). Several workers may run it at once:
each event and each publication is claimed by one of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Litestar, Request
from litestar.config.app import AppConfig
from litestar.plugins import InitPlugin

from core.db import utcnow
from core.results_cache import ResultsCache, make_results_cache
from core.services.publication import sweep
from core.settings import Settings
from web.periodic import PeriodicTask

STATE_KEY = "results"


@dataclass
class ResultsRuntime:
    """What the results keep for one app: the cache and the sweep."""

    cache: ResultsCache
    sweep: PeriodicTask


def results_runtime(request: Request[Any, Any, Any]) -> ResultsRuntime:
    runtime: ResultsRuntime = request.app.state[STATE_KEY]
    return runtime


def results_cache(request: Request[Any, Any, Any]) -> ResultsCache:
    return results_runtime(request).cache


class ResultsPlugin(InitPlugin):
    """Mounts the results routes, the cache and the sweep on the app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        from web.api.results import AdminResultsController, ResultsController
        from web.pages.results import results_page, results_page_action

        runtime = ResultsRuntime(
            cache=make_results_cache(self.settings.redis_url, self.settings.redis_prefix),
            sweep=PeriodicTask("results sweep", self.settings.results_sweep_seconds),
        )
        app_config.state[STATE_KEY] = runtime
        app_config.route_handlers.extend(
            [ResultsController, AdminResultsController, results_page, results_page_action]
        )

        async def start(app: Litestar) -> None:
            context = app.state.context
            runtime.sweep.start(lambda: sweep(context.database.session, context.plugins, utcnow()))

        async def stop(app: Litestar) -> None:
            await runtime.sweep.stop()
            await runtime.cache.close()

        app_config.on_startup.append(start)
        # Before the database is disposed of.
        app_config.on_shutdown.insert(0, stop)
        return app_config
