"""Rates, windows and counter stores of :mod:`core.rate_limits`."""

from __future__ import annotations

import uuid

import pytest

from core.errors import ConfigurationError
from core.rate_limits import DEFAULT_RATES, Hit, MemoryStore, Rate, RateLimiter, RedisStore
from core.settings import Settings

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("5/minute", Rate(5, 60)),
        ("5/minutes", Rate(5, 60)),
        ("10/15minutes", Rate(10, 900)),
        (" 30 / hour ", Rate(30, 3600)),
        ("2/second", Rate(2, 1)),
        ("3/DAY", Rate(3, 86400)),
    ],
)
def test_rates_are_read(text: str, rate: Rate) -> None:
    assert Rate.parse(text) == rate


@pytest.mark.parametrize("text", ["", "5", "5/fortnight", "0/minute", "-1/hour", "five/hour"])
def test_bad_rates_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Rate.parse(text)


def test_every_default_is_a_rate() -> None:
    for text in DEFAULT_RATES.values():
        Rate.parse(text)


def test_settings_override_defaults_by_name() -> None:
    settings = Settings.from_env(
        {"PARTICIPE_RATE_LIMIT_SIGNIN": "2/minute", "PARTICIPE_RATE_LIMIT_VOTE_IP": "9/hour"}
    )
    limiter = RateLimiter.configure(settings.rate_limit_overrides)
    assert limiter.rate("signin") == Rate(2, 60)
    assert limiter.rate("vote_ip") == Rate(9, 3600)
    assert limiter.rate("comment") == Rate.parse(DEFAULT_RATES["comment"])
    assert limiter.rate("petition") is None
    assert limiter.rate("petition", "4/hour") == Rate(4, 3600)
    assert Settings.from_env({"PARTICIPE_RATE_LIMITS": "off"}).rate_limits is False


def test_a_bad_override_stops_start_up_in_one_line() -> None:
    with pytest.raises(ConfigurationError, match="PARTICIPE_RATE_LIMIT_SIGNIN"):
        RateLimiter.configure({"signin": "lots"})


async def test_a_window_allows_its_count_then_refuses_until_it_ends() -> None:
    now = [1_000_000.0]
    limiter = RateLimiter({"signin": Rate(3, 60)}, MemoryStore(), clock=lambda: now[0])
    decisions = [await limiter.hit("signin", "ip:1.2.3.4") for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert decisions[-1].retry_after == 60 - (1_000_000 % 60)
    assert (await limiter.hit("signin", "ip:5.6.7.8")).allowed  # another subject
    now[0] += decisions[-1].retry_after
    assert (await limiter.hit("signin", "ip:1.2.3.4")).allowed  # a new window


async def test_a_disabled_limiter_never_refuses() -> None:
    limiter = RateLimiter({"signin": Rate(1, 60)}, MemoryStore(), enabled=False)
    assert all([(await limiter.hit("signin", "ip:x")).allowed for _ in range(5)])


async def test_redis_counters_are_shared_by_every_limiter() -> None:
    prefix = f"participe-test-{uuid.uuid4().hex}"
    # A day's window: the four hits cannot straddle two windows (but once a day).
    first = RateLimiter({"vote": Rate(3, 86400)}, RedisStore(REDIS_URL), prefix=prefix)
    second = RateLimiter({"vote": Rate(3, 86400)}, RedisStore(REDIS_URL), prefix=prefix)
    try:
        assert (await first.hit("vote", "user:1")).allowed
        assert (await second.hit("vote", "user:1")).allowed
        assert (await first.hit("vote", "user:1")).allowed
        refused = await second.hit("vote", "user:1")
        assert not refused.allowed and 1 <= refused.retry_after <= 86400
        keys = await second.store._redis.keys(f"{prefix}:*")  # type: ignore[attr-defined]
        assert len(keys) == 1
        ttl = await second.store._redis.ttl(keys[0])  # type: ignore[attr-defined]
        assert 0 < ttl <= 86402
    finally:
        keys = await first.store._redis.keys(f"{prefix}:*")  # type: ignore[attr-defined]
        if keys:
            await first.store._redis.delete(*keys)  # type: ignore[attr-defined]
        await first.close()
        await second.close()


@pytest.mark.parametrize("shared", [False, True], ids=["memory", "redis"])
async def test_several_hits_are_counted_together_each_against_its_own_rate(
    shared: bool,
) -> None:
    prefix = f"participe-test-{uuid.uuid4().hex}"
    store = RedisStore(REDIS_URL) if shared else MemoryStore()
    rates = {"vote_ip": Rate(2, 86400), "vote": Rate(1, 86400)}
    limiter = RateLimiter(rates, store, prefix=prefix)
    hits = [Hit("vote_ip", "ip:1.2.3.4"), Hit("vote", "user:7"), Hit("unlimited", "ip:x")]
    try:
        first = await limiter.hit_all(hits)
        second = await limiter.hit_all(hits)
        assert [d.allowed for d in first] == [True, True, True]
        assert [d.allowed for d in second] == [True, False, True]
        assert [d.remaining for d in second] == [0, 0, -1]
        third = await limiter.hit_all(hits[:1])
        assert not third[0].allowed and 1 <= third[0].retry_after <= 86400
    finally:
        if shared:
            keys = await store._redis.keys(f"{prefix}:*")  # type: ignore[attr-defined]
            if keys:
                await store._redis.delete(*keys)  # type: ignore[attr-defined]
        await limiter.close()
