"""The ``participe`` command. Each subcommand of the core is a module of
:mod:`web.commands` with a ``register(subparsers)`` function, and plugins add theirs
(``register_commands``); bad configuration ends with one readable line.

The command speaks English, whatever ``LANG`` says: it is the operators' tool, its
options and help are English like the logs, the settings and the API's codes it sits
beside, and one language keeps its output greppable and its answers the same on every
server. A refusal raised by the services (mostly written in French for the citizens'
pages) is said in English through the English catalogue (:mod:`web.refusals`)."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import Any

import web.commands
from core.commands import Command
from core.errors import ConfigurationError, DomainError
from core.plugin_manager import Plugins
from core.settings import Settings
from web.commands._runtime import command_context, load_settings
from web.i18n import Translator, catalogue
from web.plugins import build_plugins
from web.refusals import refusal_text


def version() -> str:
    """The installed distribution's version, as its metadata gives it."""
    try:
        return metadata.version("participe")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def build_parser(
    settings: Settings | None = None, plugins: Plugins | None = None
) -> argparse.ArgumentParser:
    """The command line: the core's subcommands, then those of ``plugins`` (run with
    ``settings``); a plugin's command named like another stops with a configuration
    error."""
    parser = argparse.ArgumentParser(
        prog="participe", description="Participe, citizen participation platform"
    )
    parser.add_argument("--version", action="version", version=f"participe {version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_info in sorted(pkgutil.iter_modules(web.commands.__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"web.commands.{module_info.name}")
        module.register(subparsers)
    if plugins is not None:
        for command in plugins.commands:
            if command.name in subparsers.choices:
                raise ConfigurationError(
                    f"plugin {plugins.commands.origin(command.name)!r} adds the command "
                    f"{command.name!r}, which the core already has"
                )
            _add_plugin_command(subparsers, command, settings or load_settings(), plugins)
    return parser


#: Codes whose details name what the command was given (``no organisation 'x'``), in
#: English where the services or the commands raise them for operators: the detail is
#: said (translated when the catalogue knows it) rather than the code's general message.
DETAILED_CODES = frozenset(
    {
        "not_found",
        "validation",
        "conflict",
        "forbidden",
        "migration",
        "organisation.exists",
        "dialogue.slug_taken",
        "module.unknown",
        "module.in_use",
        "pabulib.unsupported",
    }
)


def in_english(error: DomainError, plugins: Plugins | None = None) -> str:
    """``error`` in English for the command's output."""
    english = Translator(
        "en",
        catalogue("en", tuple(plugins.translation_dirs()) if plugins is not None else ()),
        error_messages={
            code: texts.get("en") or texts["fr"]
            for code, texts in (plugins.error_messages() if plugins is not None else {}).items()
        },
    )
    if error.code in DETAILED_CODES:
        return english.gettext(error.detail)
    return refusal_text(english, error.code, error.detail)


def _add_plugin_command(
    subparsers: Any, command: Command, settings: Settings, plugins: Plugins
) -> None:
    command_parser = subparsers.add_parser(command.name, help=command.help)
    command.configure(command_parser)

    def run(args: argparse.Namespace) -> int | None:
        return command.run(args, command_context(settings, plugins))

    command_parser.set_defaults(func=run)


def main(
    argv: Sequence[str] | None = None,
    *,
    settings: Settings | None = None,
    plugins: Plugins | None = None,
) -> int:
    """Runs ``participe``; ``settings`` and ``plugins`` default to the environment's."""
    try:
        settings = settings or load_settings()
        plugins = plugins or build_plugins(settings)
        parser = build_parser(settings, plugins)
    except ConfigurationError as error:
        print(f"participe: configuration error: {error}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    try:
        result = args.func(args)
    except ConfigurationError as error:
        print(f"participe: configuration error: {error}", file=sys.stderr)
        return 2
    except DomainError as error:
        print(f"participe: {in_english(error, plugins)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return int(result or 0)


if __name__ == "__main__":
    raise SystemExit(main())
