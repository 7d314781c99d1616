"""A worker's periodic task: what the app runs in the background between requests (the
results sweep, the runner of event jobs), started with the app and cancelled when it
stops."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.plugins import InitPlugin

log = logging.getLogger("participe.periodic")


@dataclass
class PeriodicTask:
    """Runs a pass every ``interval`` seconds (0: never), or at once when woken."""

    name: str
    interval: float
    task: asyncio.Task[None] | None = None
    passes: int = 0
    _woken: asyncio.Event = field(default_factory=asyncio.Event)
    _loop: asyncio.AbstractEventLoop | None = None
    _stopping: bool = False

    def start(self, one_pass: Callable[[], Awaitable[object]]) -> None:
        if self.interval > 0:
            self._stopping = False
            self._woken = asyncio.Event()  # bound to the running loop
            self._loop = asyncio.get_running_loop()
            self.task = asyncio.create_task(self._forever(one_pass))

    def wake(self) -> None:
        """Has the next pass run now rather than at the end of the interval; from any
        thread (an event is not thread-safe: another thread asks the task's loop)."""
        if self.task is None or self._loop is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._woken.set()
        else:
            self._loop.call_soon_threadsafe(self._woken.set)

    async def stop(self) -> None:
        """Ends the task. Not by its cancellation alone: Python 3.11's ``wait_for``
        swallows a cancellation that comes as the event it waits for is set (a wake at
        the moment of the stop), and the task would then wait a whole interval again;
        the flag ends its loop whatever happens to the cancellation."""
        if self.task is not None:
            self._stopping = True
            self._woken.set()
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None

    async def _forever(self, one_pass: Callable[[], Awaitable[object]]) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._woken.wait(), self.interval)
            if self._stopping:
                return
            self._woken.clear()
            try:
                await one_pass()
            except Exception:  # keep going: the next pass may succeed
                log.exception("%s failed", self.name)
            self.passes += 1


def wake(app: Litestar, state_key: str) -> None:
    """Has the app's periodic task under ``state_key`` run now (nothing when it does
    not run)."""
    runner: PeriodicTask | None = app.state.get(state_key)
    if runner is not None:
        runner.wake()


class PeriodicPlugin(InitPlugin):
    """Starts a worker's periodic task with the app and stops it before the database is
    disposed of. ``pass_of(app)`` gives the pass to run, or ``None`` for none at all (a
    runner with nothing to do)."""

    def __init__(
        self,
        state_key: str,
        name: str,
        interval: float,
        pass_of: Callable[[Litestar, PeriodicTask], Callable[[], Awaitable[object]] | None],
    ) -> None:
        self.state_key = state_key
        self.name = name
        self.interval = interval
        self.pass_of = pass_of

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        runner = PeriodicTask(self.name, self.interval)
        app_config.state[self.state_key] = runner

        async def start(app: Litestar) -> None:
            one_pass = self.pass_of(app, runner)
            if one_pass is not None:
                runner.start(one_pass)

        async def stop(app: Litestar) -> None:
            await runner.stop()

        app_config.on_startup.append(start)
        app_config.on_shutdown.insert(0, stop)
        return app_config
