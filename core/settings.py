"""Settings: one explicit object built from ``PARTICIPE_*`` environment variables.

Nothing reads the environment at import time: the CLI calls :meth:`Settings.from_env`
at start-up and tests build their own :class:`Settings`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from core.errors import ConfigurationError

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///participe.db"
DEV_SECRET_KEY = "participe-development-secret-key-do-not-use-in-production"


def normalise_database_url(url: str) -> str:
    """Picks the async driver for a plain URL (``postgresql://`` → psycopg 3, ``sqlite://`` →
    aiosqlite), so that operators can paste the URL their host gives them."""
    url = url.strip()
    for plain, driver in (
        ("postgres://", "postgresql+psycopg://"),
        ("postgresql://", "postgresql+psycopg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    if url.startswith(("postgresql+psycopg://", "sqlite+aiosqlite://")):
        return url
    raise ConfigurationError(
        f"PARTICIPE_DATABASE_URL: unsupported database URL {url.split(':', 1)[0]!r}; "
        "use postgresql://... or sqlite:///path"
    )


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() not in {"0", "false", "no", "off"}


def _names(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(name.strip() for name in value.split(",") if name.strip())


def _seconds(name: str, value: str | None, default: float = 60.0) -> float:
    if value is None or value.strip() == "":
        return default
    try:
        seconds = float(value)
    except ValueError:
        raise ConfigurationError(f"{name}: a number of seconds is expected") from None
    if not math.isfinite(seconds) or seconds < 0:
        raise ConfigurationError(f"{name}: a number of seconds (0 or more) is expected")
    return seconds


def _count(name: str, value: str | None, default: int) -> int:
    if value is None or value.strip() == "":
        return default
    try:
        count = int(value)
    except ValueError:
        raise ConfigurationError(f"{name}: a whole number is expected") from None
    if count < 1:
        raise ConfigurationError(f"{name}: 1 or more is expected")
    return count


@dataclass(frozen=True)
class Settings:
    """Everything the app needs to know about its deployment."""

    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str = DEV_SECRET_KEY
    production: bool = False
    base_url: str = "http://localhost:8000"
    smtp_url: str | None = None
    redis_url: str | None = None
    #: Prefix of every Redis key, so that several deployments can share one Redis.
    redis_prefix: str = "participe"
    mail_from: str = "Participe <no-reply@localhost>"
    disabled_plugins: tuple[str, ...] = ()
    load_entry_points: bool = True
    rate_limits: bool = True
    rate_limit_overrides: Mapping[str, str] = field(default_factory=dict)
    upload_dir: str = "uploads"
    sql_echo: bool = False
    #: Connections each worker keeps open to PostgreSQL; it may open twice as many more
    #: under a burst (SQLAlchemy's ``max_overflow``).
    database_pool_size: int = 10
    #: Seconds between two sweeps that publish ``after_vote`` results and fire the events
    #: of phases whose dates passed (``core.services.publication``); 0 turns it off.
    results_sweep_seconds: float = 60.0
    #: Seconds a worker may serve its snapshot of an organisation or a dialogue after
    #: another worker changed it (``core.read_cache``); 0 turns the snapshots off.
    read_cache_seconds: float = 2.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Builds settings from ``PARTICIPE_*`` variables; raises :class:`ConfigurationError`
        with one readable line when they do not make sense."""
        production = _flag(environ.get("PARTICIPE_PRODUCTION"), False)
        secret = environ.get("PARTICIPE_SECRET_KEY", "")
        if production and not secret:
            raise ConfigurationError(
                "PARTICIPE_SECRET_KEY is required when PARTICIPE_PRODUCTION is on"
            )
        if production and len(secret) < 32:
            raise ConfigurationError("PARTICIPE_SECRET_KEY must be at least 32 characters")
        overrides = {
            key.removeprefix("PARTICIPE_RATE_LIMIT_").lower(): value
            for key, value in environ.items()
            if key.startswith("PARTICIPE_RATE_LIMIT_")
        }
        return cls(
            database_url=normalise_database_url(
                environ.get("PARTICIPE_DATABASE_URL") or DEFAULT_DATABASE_URL
            ),
            secret_key=secret or DEV_SECRET_KEY,
            production=production,
            base_url=(environ.get("PARTICIPE_BASE_URL") or cls.base_url).rstrip("/"),
            smtp_url=environ.get("PARTICIPE_SMTP_URL") or None,
            redis_url=environ.get("PARTICIPE_REDIS_URL") or None,
            redis_prefix=environ.get("PARTICIPE_REDIS_PREFIX") or cls.redis_prefix,
            mail_from=environ.get("PARTICIPE_MAIL_FROM") or cls.mail_from,
            disabled_plugins=_names(environ.get("PARTICIPE_DISABLED_PLUGINS")),
            rate_limits=_flag(environ.get("PARTICIPE_RATE_LIMITS"), True),
            load_entry_points=_flag(environ.get("PARTICIPE_LOAD_ENTRY_POINTS"), True),
            rate_limit_overrides=overrides,
            upload_dir=environ.get("PARTICIPE_UPLOAD_DIR") or cls.upload_dir,
            sql_echo=_flag(environ.get("PARTICIPE_SQL_ECHO"), False),
            database_pool_size=_count(
                "PARTICIPE_DATABASE_POOL_SIZE", environ.get("PARTICIPE_DATABASE_POOL_SIZE"), 10
            ),
            results_sweep_seconds=_seconds(
                "PARTICIPE_RESULTS_SWEEP_SECONDS", environ.get("PARTICIPE_RESULTS_SWEEP_SECONDS")
            ),
            read_cache_seconds=_seconds(
                "PARTICIPE_READ_CACHE_SECONDS", environ.get("PARTICIPE_READ_CACHE_SECONDS"), 2.0
            ),
        )

    def replace(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]
