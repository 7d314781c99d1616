"""The app's built-in plugins, registered by name from this one tuple."""

from __future__ import annotations

from collections.abc import Sequence

from core.plugin_manager import Plugins, make_plugin_manager
from core.settings import Settings

DEFAULT_PLUGINS: tuple[tuple[str, str], ...] = (
    ("support", "plugins.support"),
    ("vote_binary", "plugins.vote_binary"),
    ("vote_points", "plugins.vote_points"),
    ("vote_ranked", "plugins.vote_ranked"),
    ("budget", "plugins.budget"),
    ("questionnaire", "plugins.questionnaire"),
    ("analysis", "plugins.analysis"),
    ("projects", "plugins.projects"),
)


def build_plugins(settings: Settings, extra: Sequence[tuple[str, object]] = ()) -> Plugins:
    """The plugin manager of one app, from its settings."""
    return make_plugin_manager(
        builtin_plugins=DEFAULT_PLUGINS,
        disabled=settings.disabled_plugins,
        load_entry_points=settings.load_entry_points,
        extra_plugins=extra,
    )
