"""Settings come from PARTICIPE_* variables; bad ones are one readable error."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest

from core.errors import ConfigurationError
from core.settings import DEFAULT_DATABASE_URL, DEV_SECRET_KEY, Settings, normalise_database_url

ROOT = Path(__file__).resolve().parents[2]
#: A key as ``openssl rand -hex 32`` prints one.
STRONG_KEY = "9f3c1be07d2a4e6b8c5f0a1d3e7b9c2f4a6d8e0b1c3f5a7d9e2b4c6f8a0d1e3b"


def test_defaults_need_no_configuration() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert not settings.production
    assert settings.rate_limits
    assert settings.read_cache_seconds == 2


def test_variables_are_read() -> None:
    settings = Settings.from_env(
        {
            "PARTICIPE_DATABASE_URL": "postgresql://u:p@db:5432/participe",
            "PARTICIPE_PRODUCTION": "1",
            "PARTICIPE_SECRET_KEY": STRONG_KEY,
            "PARTICIPE_DISABLED_PLUGINS": "vote_ranked, questionnaire",
            "PARTICIPE_RATE_LIMITS": "off",
            "PARTICIPE_RATE_LIMIT_SIGNIN": "5/minute",
            "PARTICIPE_BASE_URL": "https://participer.example.fr/",
            "PARTICIPE_READ_CACHE_SECONDS": "0",
        }
    )
    assert settings.database_url == "postgresql+psycopg://u:p@db:5432/participe"
    assert settings.production and settings.secret_key == STRONG_KEY
    assert settings.disabled_plugins == ("vote_ranked", "questionnaire")
    assert settings.rate_limits is False
    assert settings.rate_limit_overrides == {"signin": "5/minute"}
    assert settings.base_url == "https://participer.example.fr"
    assert settings.read_cache_seconds == 0


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"PARTICIPE_PRODUCTION": "yes"}, "PARTICIPE_SECRET_KEY is required"),
        ({"PARTICIPE_PRODUCTION": "yes", "PARTICIPE_SECRET_KEY": "short"}, "at least 32"),
        ({"PARTICIPE_DATABASE_URL": "mysql://x"}, "unsupported database URL 'mysql'"),
        ({"PARTICIPE_READ_CACHE_SECONDS": "soon"}, "PARTICIPE_READ_CACHE_SECONDS"),
    ],
)
def test_bad_configuration_is_one_clear_error(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_env(environ)


def test_plain_urls_get_the_async_drivers() -> None:
    assert normalise_database_url("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"
    assert normalise_database_url("postgres://h/d") == "postgresql+psycopg://h/d"


def _production(key: str) -> dict[str, str]:
    return {"PARTICIPE_PRODUCTION": "on", "PARTICIPE_SECRET_KEY": key}


def _documented_keys() -> list[str]:
    """The example keys that the README and the deployment guide show."""
    keys = []
    for name in ("README.md", "docs/deployment.md"):
        text = (ROOT / name).read_text(encoding="utf-8")
        keys += re.findall(r"PARTICIPE_SECRET_KEY=([A-Za-z0-9_-]{16,})\s", text)
    return keys


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (DEV_SECRET_KEY, "published example key"),
        ("a" * 32, "too weak"),
        ("a" * 64, "too weak"),
        ("ab" * 32, "too weak"),
        ("participe2024participe2024", "at least 32"),
        ("0123456789abcdef0123456789abcd", "at least 32"),
    ],
)
def test_production_refuses_known_and_weak_secret_keys(key: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_env(_production(key))


def test_production_refuses_the_documented_example_keys() -> None:
    documented = _documented_keys()
    assert documented, "the deployment guide shows an example key"
    for key in documented:
        with pytest.raises(ConfigurationError, match="published example key"):
            Settings.from_env(_production(key))


def test_production_takes_generated_secret_keys() -> None:
    for _ in range(200):
        for key in (secrets.token_hex(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48)):
            assert Settings.from_env(_production(key)).secret_key == key


def test_a_generated_key_without_digit_or_dash_passes() -> None:
    """One ``secrets.token_urlsafe(32)`` in a few thousand holds only letters: it was drawn
    from the 64 characters all the same."""
    key = "QCSEERrzQNfzIOjdKkFLwXwmpsKOhUxATXPHeduAVrI"
    assert Settings.from_env(_production(key)).secret_key == key


def test_the_development_key_serves_outside_production() -> None:
    assert Settings.from_env({}).secret_key == DEV_SECRET_KEY
    assert Settings.from_env({"PARTICIPE_SECRET_KEY": "a" * 32}).secret_key == "a" * 32
