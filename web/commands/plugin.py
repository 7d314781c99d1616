"""``participe plugin new NAME`` (a plugin package skeleton) and ``participe plugin docs``
(regenerates the hook reference of the plugin author's guide)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from core.hook_docs import with_reference
from web.scaffold import create_plugin

GUIDE = Path("docs/plugins.md")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("plugin", help="write plugins")
    actions = parser.add_subparsers(dest="plugin_command", metavar="ACTION", required=True)
    new = actions.add_parser("new", help="create a working plugin package")
    new.add_argument("name", help="lowercase name, e.g. paper_ballots")
    new.add_argument("--dir", default=".", help="where to create participe-NAME/")
    new.set_defaults(func=run_new)
    docs = actions.add_parser("docs", help="regenerate the hook reference of the guide")
    docs.add_argument("--guide", default=str(GUIDE))
    docs.add_argument("--check", action="store_true", help="fail if the guide is out of date")
    docs.set_defaults(func=run_docs)


def run_new(args: argparse.Namespace) -> int:
    root = create_plugin(args.name, Path(args.dir))
    print(f"created {root}")
    print(f"next: pip install -e {root} && pytest {root / 'tests'}")
    return 0


def run_docs(args: argparse.Namespace) -> int:
    path = Path(args.guide)
    current = path.read_text()
    wanted = with_reference(current)
    if args.check:
        if current != wanted:
            print(f"{path} is out of date: run 'participe plugin docs'", file=sys.stderr)
            return 1
        return 0
    path.write_text(wanted)
    print(f"{path} updated")
    return 0
