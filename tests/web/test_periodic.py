"""A worker's periodic task (web.periodic) stops with the app, also when it is woken at
the very moment of the stop: Python 3.11's ``wait_for`` then swallows the cancellation,
and the task would have waited a whole interval more (an hour for the mail queue)."""

from __future__ import annotations

import asyncio

from web.periodic import PeriodicTask


async def test_a_wake_at_the_moment_of_the_stop_does_not_keep_the_task() -> None:
    passes = 0

    async def one_pass() -> None:
        nonlocal passes
        passes += 1

    runner = PeriodicTask("test", 3600)
    runner.start(one_pass)
    await asyncio.sleep(0)  # the task waits for its event, for an hour at most
    runner.wake()  # the event is set, and before the task runs again…
    await asyncio.wait_for(runner.stop(), 5)  # …the stop comes
    assert runner.task is None and passes == 0


async def test_a_woken_task_runs_its_pass_and_starts_again_after_a_stop() -> None:
    passes = 0

    async def one_pass() -> None:
        nonlocal passes
        passes += 1

    runner = PeriodicTask("test", 3600)
    runner.start(one_pass)
    await asyncio.sleep(0)
    runner.wake()
    for _ in range(5):
        await asyncio.sleep(0)
    assert passes == 1
    await asyncio.wait_for(runner.stop(), 5)
    runner.start(one_pass)
    await asyncio.sleep(0)
    runner.wake()
    for _ in range(5):
        await asyncio.sleep(0)
    assert passes == 2
    await asyncio.wait_for(runner.stop(), 5)
