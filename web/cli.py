"""The ``participe`` command. Each subcommand is a module of :mod:`web.commands` with a
``register(subparsers)`` function; bad configuration ends with one readable line."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from importlib import metadata

import web.commands
from core.errors import ConfigurationError, DomainError


def version() -> str:
    """The installed distribution's version, as its metadata gives it."""
    try:
        return metadata.version("participe")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.func(args)
    except ConfigurationError as error:
        print(f"participe: configuration error: {error}", file=sys.stderr)
        return 2
    except DomainError as error:
        print(f"participe: {error.detail}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return int(result or 0)


if __name__ == "__main__":
    raise SystemExit(main())
