"""The app under test: which plugins it loads, its settings, and an HTTP client on it.

The app of a test loads the built-in plugins and the plugins a test run chooses (the
``participe_plugins`` fixture): entry points of installed packages, by name, and plugin
objects registered directly. The other installed entry points are blocked, so that a
test run does not depend on what else the virtualenv holds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from core.plugin_manager import ENTRY_POINT_GROUP, Plugins
from core.settings import Settings
from web.app import create_app
from web.plugins import build_plugins

#: A plugin a test run loads: the name of an entry point of the ``participe`` group (an
#: installed package, ``pip install -e .``), or a ``(name, plugin)`` pair (a module or an
#: object with hook implementations) registered without being installed.
PluginChoice = str | tuple[str, object]
#: The host of the test client's requests (the test organisation is served on any host).
BASE_URL = "http://127.0.0.1"


def installed_plugins() -> list[str]:
    """The names of every installed third-party plugin (entry points of ``participe``)."""
    return sorted({entry.name for entry in metadata.entry_points(group=ENTRY_POINT_GROUP)})


@dataclass(frozen=True)
class PluginSelection:
    """What the app's settings and plugin manager need to load the chosen plugins."""

    load_entry_points: bool
    disabled: tuple[str, ...]
    extra: tuple[tuple[str, object], ...]

    @classmethod
    def of(cls, choices: Sequence[PluginChoice]) -> PluginSelection:
        named = {choice for choice in choices if isinstance(choice, str)}
        extra = tuple(choice for choice in choices if not isinstance(choice, str))
        installed = set(installed_plugins())
        missing = sorted(named - installed)
        if missing:
            raise LookupError(
                f"plugin(s) {', '.join(missing)} not installed: no entry point of the "
                f"{ENTRY_POINT_GROUP!r} group has that name (install the package, "
                f"'pip install -e .', or pass the plugin as a (name, module) pair)"
            )
        if not named:
            return cls(False, (), extra)
        return cls(True, tuple(sorted(installed - named)), extra)

    def settings(self, **fields: object) -> Settings:
        """Settings that load these plugins, with ``fields`` set."""
        return Settings(
            load_entry_points=self.load_entry_points,
            disabled_plugins=self.disabled,
            **fields,  # type: ignore[arg-type]
        )


def build_test_plugins(choices: Sequence[PluginChoice] = ()) -> Plugins:
    """The plugin manager of an app with the built-in plugins and ``choices``."""
    selection = PluginSelection.of(choices)
    return build_plugins(selection.settings(), extra=selection.extra)


def app_settings(
    choices: Sequence[PluginChoice], database_url: str, folder: Path, **fields: object
) -> Settings:
    """The settings of a test app: on ``database_url``, rate limits off, uploads kept in
    ``folder``, no background runner of event jobs or of the mail queue (a test runs them
    when it chooses: :func:`participe.testing.run_event_jobs`,
    :func:`participe.testing.run_mail_queue`), loading ``choices``; ``fields`` override
    any of them."""
    defaults: dict[str, object] = {
        "database_url": database_url,
        "rate_limits": False,
        "upload_dir": str(folder / "uploads"),
        "event_jobs_seconds": 0,
        "mail_seconds": 0,
    }
    return PluginSelection.of(choices).settings(**{**defaults, **fields})


def make_app(settings: Settings, database: Database, plugins: Plugins) -> Litestar:
    """The app as ``participe serve`` builds it, on the test's database and plugins."""
    return create_app(settings, plugins=plugins, database=database)


@asynccontextmanager
async def http_client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """A client that sends requests to ``app`` in-process (start-up and shutdown run)."""
    async with AsyncTestClient(app=app, base_url=BASE_URL) as client:
        yield client
