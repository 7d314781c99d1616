"""What the ``startup`` and ``shutdown`` hooks receive: the app's settings, database and
plugins. The web app's lifespan runs them (``web.app``): ``startup`` before the first
request is served, ``shutdown`` after the last, before the database's connections close.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.db import Database
from core.settings import Settings

if TYPE_CHECKING:
    from core.plugin_manager import Plugins


@dataclass(frozen=True)
class LifespanContext:
    settings: Settings
    database: Database
    plugins: Plugins
