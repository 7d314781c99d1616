"""What one app holds: its settings, database, plugins, templates, mailer, rate limiter,
SMS gateway, bot checks, the cache of its proposal maps and its snapshots of organisations and
dialogues. Nothing else."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment

from core.bot_checks import BotChecks
from core.db import Database
from core.mail import Mailer
from core.plugin_manager import Plugins
from core.rate_limits import RateLimiter
from core.read_cache import ReadCache
from core.services.proposal_map import MapCache
from core.settings import Settings
from core.sms import SmsGateway, choose_gateway


@dataclass
class AppContext:
    settings: Settings
    database: Database
    plugins: Plugins
    templates: Environment
    #: The plugins' translation folders (``translation_dirs``), the one that answers first.
    translation_dirs: tuple[Path, ...] = ()
    mailer: Mailer = field(default_factory=lambda: Mailer(Settings.mail_from, None))
    rate_limiter: RateLimiter = field(
        default_factory=lambda: RateLimiter.configure({}, enabled=False)
    )
    #: The encoded GeoJSON of the maps this worker served (``core.services.proposal_map``).
    map_cache: MapCache = field(default_factory=MapCache)
    #: Made from the settings and the database (``core.bot_checks``).
    bot_checks: BotChecks = field(init=False)
    #: This worker's snapshots of organisations and dialogues (``core.read_cache``).
    read_cache: ReadCache = field(init=False)
    #: The one that sends verification codes (``core.sms``); a wrong choice stops start-up.
    sms_gateway: SmsGateway = field(init=False)

    def __post_init__(self) -> None:
        self.sms_gateway = choose_gateway(self.plugins.sms_gateways, self.settings.sms_gateway)
        self.bot_checks = BotChecks(self.settings.secret_key, self.database)
        self.read_cache = ReadCache(self.settings.read_cache_seconds)
