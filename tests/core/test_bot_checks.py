"""The bot checks' judge: a solution or a waiting token serves once, even when two
requests bring it at the same moment; nothing is accepted that another key made; what
was used is forgotten once it has expired."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import func, select

from core.bot_checks import LIFETIME, WAIT_LIFETIME, WAIT_SECONDS, BotChecks, Verdict
from core.db import Database
from core.models import UsedChallenge
from tests.helpers import solve

KEY = "k" * 40


async def _used(database: Database) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(UsedChallenge)) or 0)


async def test_a_solution_brought_twice_at_once_passes_once(database: Database) -> None:
    # Two checkers, as two workers: one connection each, started together.
    workers = [BotChecks(KEY, Database(database.url)) for _ in range(2)]
    solution = solve(workers[0].challenge("signin"))
    try:
        outcomes = await asyncio.gather(*(w.check("signin", solution, "") for w in workers))
    finally:
        for worker in workers:
            await worker.database.dispose()
    assert sorted(o.verdict for o in outcomes) == [Verdict.PASSED, Verdict.REPLAYED]


async def test_a_waiting_token_brought_twice_at_once_passes_once(database: Database) -> None:
    now = [time.time()]
    workers = [BotChecks(KEY, Database(database.url), clock=lambda: now[0]) for _ in range(2)]
    token = workers[0].wait_token("proposal")
    now[0] += WAIT_SECONDS
    try:
        outcomes = await asyncio.gather(*(w.check("proposal", "", token) for w in workers))
    finally:
        for worker in workers:
            await worker.database.dispose()
    assert sorted(o.verdict for o in outcomes) == [Verdict.PASSED, Verdict.REPLAYED]


async def test_only_our_key_makes_good_challenges_and_tokens(database: Database) -> None:
    ours = BotChecks(KEY, database, clock=lambda: time.time() + WAIT_SECONDS)
    theirs = BotChecks("another key entirely, of another site", database)
    assert (await ours.check("signin", solve(theirs.challenge("signin")), "")).verdict == (
        Verdict.INVALID
    )
    assert (await ours.check("signin", "", theirs.wait_token("signin"))).verdict == (
        Verdict.INVALID
    )
    assert (await ours.check("signin", "", ours.wait_token("signin"))).verdict == (
        Verdict.TOO_EARLY
    )
    assert await _used(database) == 0


async def test_what_was_used_is_forgotten_once_expired(database: Database) -> None:
    now = [time.time()]
    checks = BotChecks(KEY, database, clock=lambda: now[0])
    first = solve(checks.challenge("signin"))
    assert (await checks.check("signin", first, "")).passed
    assert await _used(database) == 1
    now[0] += LIFETIME + WAIT_SECONDS + WAIT_LIFETIME + 1
    token = checks.wait_token("signin")
    now[0] += WAIT_SECONDS
    assert (await checks.check("signin", "", token)).passed
    assert await _used(database) == 1  # the first row went, the token's stays
