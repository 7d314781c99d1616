"""A worker's periodic task: what the app runs in the background between requests (the
results sweep, the runner of event jobs), started with the app and cancelled when it
stops."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

log = logging.getLogger("participe.periodic")


@dataclass
class PeriodicTask:
    """Runs a pass every ``interval`` seconds (0: never), or at once when woken."""

    name: str
    interval: float
    task: asyncio.Task[None] | None = None
    passes: int = 0
    _woken: asyncio.Event = field(default_factory=asyncio.Event)

    def start(self, one_pass: Callable[[], Awaitable[object]]) -> None:
        if self.interval > 0:
            self._woken = asyncio.Event()  # bound to the running loop
            self.task = asyncio.create_task(self._forever(one_pass))

    def wake(self) -> None:
        """Has the next pass run now rather than at the end of the interval."""
        if self.task is not None:
            self._woken.set()

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None

    async def _forever(self, one_pass: Callable[[], Awaitable[object]]) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._woken.wait(), self.interval)
            self._woken.clear()
            try:
                await one_pass()
            except Exception:  # keep going: the next pass may succeed
                log.exception("%s failed", self.name)
            self.passes += 1
