"""``participe plugins list``: every plugin, its version, where it comes from, enabled."""

from __future__ import annotations

import argparse
from typing import Any

from web.commands._runtime import load_settings
from web.plugins import build_plugins


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("plugins", help="installed plugins")
    actions = parser.add_subparsers(dest="plugins_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="list plugins")
    listing.set_defaults(func=run_list)


def run_list(args: argparse.Namespace) -> int:
    plugins = build_plugins(load_settings())
    rows = [("NAME", "VERSION", "ENABLED", "FROM")]
    rows += [
        (info.name, info.version, "yes" if info.enabled else "no", info.origin)
        for info in plugins.infos
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    for row in rows:
        print(
            "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=False))
            + "  "
            + row[3]
        )
    return 0
