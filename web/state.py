"""What one app holds: its settings, database, plugins and templates. Nothing else."""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment

from core.db import Database
from core.plugin_manager import Plugins
from core.settings import Settings


@dataclass
class AppContext:
    settings: Settings
    database: Database
    plugins: Plugins
    templates: Environment
