"""Subcommands of ``participe`` that plugins add, through ``register_commands``.

A plugin adds a :class:`Command`: its name (``participe NAME ...``), a line of help, a
function that adds its arguments to an :mod:`argparse` parser, and the function that runs
it with the parsed arguments and a :class:`CommandContext`. The context gives what the
core's own commands use (the settings read from the environment, the plugins, the mailer,
and a committed transaction on the configured database), so that a plugin never imports
the command line's private modules.

A command refuses with a :class:`core.errors.DomainError` (``participe: DETAIL`` on
stderr, exit status 1) or a :class:`core.errors.ConfigurationError` (exit status 2);
``run`` returns the exit status (``None`` is 0).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncSession

from core.mail import Mailer
from core.settings import Settings

if TYPE_CHECKING:
    from core.plugin_manager import Plugins

T = TypeVar("T")

#: What a command's name may be: ``pabulib``, ``paper-ballots``.
COMMAND_NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")

#: Runs one unit of work in a committed transaction on the configured database.
SessionRunner = Callable[[Callable[[AsyncSession], Awaitable[Any]]], Any]


class CommandContext:
    """What a plugin's command runs with."""

    def __init__(self, settings: Settings, plugins: Plugins, runner: SessionRunner) -> None:
        self.settings = settings
        self.plugins = plugins
        self._runner = runner

    def run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Awaits ``work(session)`` in one transaction, committed when it returns, on the
        configured database (checked reachable and migrated first); returns its result.

        Call it once or several times from the command's (synchronous) ``run``.
        """
        return cast(T, self._runner(work))

    @property
    def mailer(self) -> Mailer:
        """The app's mailer, with the plugins' mail templates: queue messages with
        ``await context.mailer.queue(session, ...)`` inside :meth:`run`."""
        return Mailer.from_settings(self.settings, self.plugins.mail_template_dirs())


@dataclass(frozen=True)
class Command:
    """``participe NAME ...``, added by a plugin."""

    name: str
    help: str
    #: Adds the command's arguments (or its own sub-actions) to its parser.
    configure: Callable[[argparse.ArgumentParser], None]
    #: Runs the command; returns the exit status (``None`` is 0).
    run: Callable[[argparse.Namespace, CommandContext], int | None]

    def __post_init__(self) -> None:
        if not COMMAND_NAME.match(self.name):
            raise ValueError(
                f"command name {self.name!r}: a lowercase letter, then a-z, 0-9 or '-'"
            )

    @property
    def id(self) -> str:
        """The registry's key: the name."""
        return self.name
