"""Settings come from PARTICIPE_* variables; bad ones are one readable error."""

from __future__ import annotations

import pytest

from core.errors import ConfigurationError
from core.settings import DEFAULT_DATABASE_URL, Settings, normalise_database_url


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
            "PARTICIPE_SECRET_KEY": "x" * 40,
            "PARTICIPE_DISABLED_PLUGINS": "vote_ranked, questionnaire",
            "PARTICIPE_RATE_LIMITS": "off",
            "PARTICIPE_RATE_LIMIT_SIGNIN": "5/minute",
            "PARTICIPE_BASE_URL": "https://participer.example.fr/",
            "PARTICIPE_READ_CACHE_SECONDS": "0",
        }
    )
    assert settings.database_url == "postgresql+psycopg://u:p@db:5432/participe"
    assert settings.production and settings.secret_key == "x" * 40
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
