"""Settings: one explicit object built from ``PARTICIPE_*`` environment variables.

Nothing reads the environment at import time: the CLI calls :meth:`Settings.from_env`
at start-up and tests build their own :class:`Settings`.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from core.errors import ConfigurationError

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///participe.db"
DEV_SECRET_KEY = "participe-development-secret-key-do-not-use-in-production"
#: Keys anyone can read (in this code and its documentation): production refuses them.
PUBLISHED_SECRET_KEYS = frozenset(
    {
        DEV_SECRET_KEY,
        "change-me-to-64-random-characters-from-openssl-rand-hex-32",
    }
)
#: Bits of estimated entropy a production key needs (32 bytes).
SECRET_KEY_BITS = 256
#: Bits its characters must carry, as counted from how often each appears (16 bytes):
#: the pool of its character classes alone would rate ``"a" * 64`` as strong.
SECRET_KEY_SPREAD_BITS = 128


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


#: The alphabet of ``secrets.token_urlsafe`` (base64url).
URLSAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _class_pool(key: str) -> int:
    """The size of the character classes ``key`` draws from: lowercase (26), uppercase
    (26), digits (10), anything else (32). A key of both cases written in base64url draws
    from its 64 characters, whether or not this one happens to hold a digit, ``-`` or
    ``_`` (one ``secrets.token_urlsafe(32)`` in a few thousand holds none)."""
    if set(key) <= URLSAFE and any(c.islower() for c in key) and any(c.isupper() for c in key):
        return 64
    pool = 0
    pool += 26 if any("a" <= char <= "z" for char in key) else 0
    pool += 26 if any("A" <= char <= "Z" for char in key) else 0
    pool += 10 if any("0" <= char <= "9" for char in key) else 0
    pool += 32 if any(not char.isascii() or not char.isalnum() for char in key) else 0
    return pool


def secret_key_bits(key: str) -> tuple[float, float]:
    """Two estimates of the entropy of ``key``, in bits: its length times log2 of the pool
    of its character classes, and its length times the Shannon entropy of its characters'
    frequencies (0 for a key of one repeated character)."""
    if not key:
        return 0.0, 0.0
    length = len(key)
    counts = Counter(key)
    spread = -sum(n / length * math.log2(n / length) for n in counts.values()) * length
    return length * math.log2(_class_pool(key)), spread


def check_production_secret_key(key: str) -> None:
    """Raises :class:`ConfigurationError` for a key that production must not use: a
    published one, or one below :data:`SECRET_KEY_BITS` by its character classes or below
    :data:`SECRET_KEY_SPREAD_BITS` by its characters' frequencies. 64 hex digits
    (``openssl rand -hex 32``) and ``secrets.token_urlsafe(32)`` pass; ``"a" * 32`` does
    not."""
    if not key:
        raise ConfigurationError("PARTICIPE_SECRET_KEY is required when PARTICIPE_PRODUCTION is on")
    if key.strip() in PUBLISHED_SECRET_KEYS:
        raise ConfigurationError(
            "PARTICIPE_SECRET_KEY is a published example key: generate one with "
            "'openssl rand -hex 32'"
        )
    if len(key) < 32:
        raise ConfigurationError("PARTICIPE_SECRET_KEY must be at least 32 characters")
    by_classes, by_spread = secret_key_bits(key)
    if by_classes < SECRET_KEY_BITS or by_spread < SECRET_KEY_SPREAD_BITS:
        raise ConfigurationError(
            "PARTICIPE_SECRET_KEY is too weak (estimated entropy under 32 bytes): "
            "generate one with 'openssl rand -hex 32'"
        )


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() not in {"0", "false", "no", "off"}


def _names(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(name.strip() for name in value.split(",") if name.strip())


def _seconds(name: str, value: str | None, default: float = 60.0, unit: str = "seconds") -> float:
    """A number of ``unit`` (0 or more) from ``value``, ``default`` when unset."""
    number = _number(name, value, default, f"a number of {unit}")
    if number < 0:
        raise ConfigurationError(f"{name}: a number of {unit} (0 or more) is expected")
    return number


def _positive(name: str, value: str | None, default: float) -> float:
    number = _number(name, value, default, "a number")
    if number <= 0:
        raise ConfigurationError(f"{name}: a number above 0 is expected")
    return number


def _number(name: str, value: str | None, default: float, expected: str) -> float:
    if value is None or value.strip() == "":
        return default
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise ConfigurationError(f"{name}: {expected} is expected")
    return number


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


LOG_FORMATS = ("text", "json")


def _log_format(value: str | None) -> str:
    if value is None or value.strip() == "":
        return "text"
    log_format = value.strip().lower()
    if log_format not in LOG_FORMATS:
        raise ConfigurationError(
            f"PARTICIPE_LOG_FORMAT: unknown format {value.strip()!r}; use text or json"
        )
    return log_format


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
    #: Seconds between two passes of the runner of event jobs (``core.events``), which
    #: also runs at once after a request queued some; 0 leaves them to
    #: ``participe events run``.
    event_jobs_seconds: float = 30.0
    #: Seconds a worker may serve its snapshot of an organisation or a dialogue after
    #: another worker changed it (``core.read_cache``); 0 turns the snapshots off.
    read_cache_seconds: float = 2.0
    #: Seconds between two passes of the mail queue (news composed into emails, digests,
    #: reminders, delivery by SMTP), which also runs at once after a request queued mail;
    #: 0 leaves them to ``participe outbox send``.
    mail_seconds: float = 10.0
    #: Emails sent per second at most, by all workers together.
    mail_rate: float = 20.0
    #: Hours before a vote ends when the citizens whose ballot is not confirmed are
    #: reminded; 0: no reminder.
    vote_reminder_hours: float = 24.0
    #: How log lines are written: ``text`` (one readable line) or ``json`` (one object
    #: per line, for a log collector).
    log_format: str = "text"
    #: The SMS gateway that sends verification codes, by its id (``core.sms``); none: the
    #: one a plugin registers, else the outbox.
    sms_gateway: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Builds settings from ``PARTICIPE_*`` variables; raises :class:`ConfigurationError`
        with one readable line when they do not make sense."""
        production = _flag(environ.get("PARTICIPE_PRODUCTION"), False)
        secret = environ.get("PARTICIPE_SECRET_KEY", "")
        if production:
            check_production_secret_key(secret)
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
            event_jobs_seconds=_seconds(
                "PARTICIPE_EVENT_JOBS_SECONDS", environ.get("PARTICIPE_EVENT_JOBS_SECONDS"), 30.0
            ),
            read_cache_seconds=_seconds(
                "PARTICIPE_READ_CACHE_SECONDS", environ.get("PARTICIPE_READ_CACHE_SECONDS"), 2.0
            ),
            mail_seconds=_seconds(
                "PARTICIPE_MAIL_SECONDS", environ.get("PARTICIPE_MAIL_SECONDS"), 10.0
            ),
            mail_rate=_positive("PARTICIPE_MAIL_RATE", environ.get("PARTICIPE_MAIL_RATE"), 20.0),
            vote_reminder_hours=_seconds(
                "PARTICIPE_VOTE_REMINDER_HOURS",
                environ.get("PARTICIPE_VOTE_REMINDER_HOURS"),
                24.0,
                unit="hours",
            ),
            log_format=_log_format(environ.get("PARTICIPE_LOG_FORMAT")),
            sms_gateway=(environ.get("PARTICIPE_SMS_GATEWAY") or "").strip() or None,
        )

    def replace(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]
