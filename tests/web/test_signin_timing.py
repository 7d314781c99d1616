"""Asking for a sign-in link tells nothing about whether the address has an account: not
in the status, not in the body, not in the time the answer takes."""

from __future__ import annotations

import random
import time

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from core.models import User
from tests.conftest import World

SAMPLES = 100


def separation(first: list[float], second: list[float]) -> float:
    """The Kolmogorov-Smirnov distance of two samples: how well the best single threshold
    on the time tells them apart (0: not at all, 1: perfectly; its accuracy is
    ``0.5 + distance / 2``)."""
    points = sorted(first + second)
    first_sorted, second_sorted = sorted(first), sorted(second)
    best = 0.0
    i = j = 0
    for point in points:
        while i < len(first_sorted) and first_sorted[i] <= point:
            i += 1
        while j < len(second_sorted) and second_sorted[j] <= point:
            j += 1
        best = max(best, abs(i / len(first_sorted) - j / len(second_sorted)))
    return best


def test_separation_measures_what_a_threshold_can_tell() -> None:
    assert separation([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]) == 0.0
    assert separation([1.0, 2.0], [3.0, 4.0]) == 1.0
    assert 0.4 < separation([1.0, 2.0, 3.0, 4.0], [3.5, 4.5, 2.5, 5.0]) < 0.8


async def test_known_and_unknown_addresses_answer_alike(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    async with database.session() as session:
        session.add_all(
            User(organisation_id=world.org.id, email=f"resident{n}@example.org")
            for n in range(SAMPLES + 10)
        )
        await session.commit()
    requests = [("known", f"resident{n}@example.org") for n in range(SAMPLES)]
    requests += [("unknown", f"stranger{n}@example.org") for n in range(SAMPLES)]
    random.Random(20261129).shuffle(requests)  # interleaved: drift hits both alike
    for n in range(10):  # warm-up, not measured
        await client.post(
            "/api/v1/auth/email", json={"email": f"resident{SAMPLES + n}@example.org"}
        )

    timings: dict[str, list[float]] = {"known": [], "unknown": []}
    answers: dict[str, set[tuple[int, bytes]]] = {"known": set(), "unknown": set()}
    for kind, email in requests:
        started = time.perf_counter()
        response = await client.post("/api/v1/auth/email", json={"email": email})
        timings[kind].append(time.perf_counter() - started)
        answers[kind].add((response.status_code, response.content))

    assert answers["known"] == answers["unknown"]
    assert len(answers["known"]) == 1 and next(iter(answers["known"]))[0] == 202
    distance = separation(timings["known"], timings["unknown"])
    # Identical distributions give a distance under 0.35 for 100 + 100 samples with
    # probability 0.99999; a path that skips work for unknown addresses lands far above.
    assert distance < 0.35, (distance, sorted(timings["known"]), sorted(timings["unknown"]))
