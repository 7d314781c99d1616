"""``participe pabulib import FILE --slug SLUG [--org ORG] [--title T] [--rule R]`` creates
a budget dialogue from a Pabulib ``.pb`` file; ``participe pabulib export SLUG [--org ORG]``
prints a dialogue's counted ballots as a ``.pb`` file (``> file.pb``).

Both need the ``budget`` plugin (see :mod:`plugins.budget.pabulib_store`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.errors import ConfigurationError, NotFound, ValidationFailed
from core.models import Organisation
from core.plugin_manager import Plugins
from core.services import dialogues, organisations
from web.commands._runtime import load_settings, run_with_session


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("pabulib", help="import or export Pabulib (.pb) files")
    actions = parser.add_subparsers(dest="pabulib_command", metavar="ACTION", required=True)

    importing = actions.add_parser("import", help="create a budget dialogue from a .pb file")
    importing.add_argument("file", metavar="FILE", type=Path, help="the .pb file")
    importing.add_argument("--slug", required=True, help="the new dialogue's slug")
    importing.add_argument("--org", help="organisation slug (default: the default one)")
    importing.add_argument("--title", help="the dialogue's title (default: the description)")
    importing.add_argument("--rule", help="budget rule id (default: the file's, else greedy)")
    importing.set_defaults(func=run_import)

    exporting = actions.add_parser("export", help="print a dialogue's ballots as a .pb file")
    exporting.add_argument("slug", metavar="SLUG", help="the dialogue's slug")
    exporting.add_argument("--org", help="organisation slug (default: the default one)")
    exporting.set_defaults(func=run_export)


def _budget_plugin() -> Any:
    try:
        from plugins.budget import pabulib, pabulib_store
    except ImportError as error:  # pragma: no cover - the plugin ships with the app
        raise ConfigurationError(f"the budget plugin is not installed: {error}") from None
    return pabulib, pabulib_store


def _check_enabled(plugins: Plugins) -> None:
    if not any(info.name == "budget" and info.enabled for info in plugins.infos):
        raise ConfigurationError("the budget plugin is disabled (PARTICIPE_DISABLED_PLUGINS)")


async def _organisation(session: AsyncSession, slug: str | None) -> Organisation:
    if slug:
        return await organisations.get_by_slug(session, slug)
    found = await organisations.default_organisation(session)
    if found is None:
        raise NotFound("no organisation yet: run 'participe org create' first")
    return found


def run_import(args: argparse.Namespace) -> int:
    pabulib, store = _budget_plugin()
    try:
        data = pabulib.read_pabulib(args.file)
    except OSError as error:
        raise ValidationFailed(f"cannot read {args.file}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ValidationFailed(f"{args.file} is not UTF-8 text") from None
    except pabulib.PabulibError as error:
        raise ValidationFailed(f"{args.file}: {error}") from None

    async def work(session: AsyncSession, plugins: Plugins) -> tuple[str, int, int]:
        _check_enabled(plugins)
        organisation = await _organisation(session, args.org)
        dialogue = await store.import_pabulib(
            session, plugins, organisation, data, args.slug,
            now=utcnow(), title=args.title, rule=args.rule,
        )  # fmt: skip
        return dialogue.slug, len(data.projects), len(data.votes)

    slug, projects, votes = run_with_session(load_settings(), work)
    print(f"dialogue {slug}: {projects} projects, {votes} ballots imported")
    return 0


def run_export(args: argparse.Namespace) -> int:
    pabulib, store = _budget_plugin()

    async def work(session: AsyncSession, plugins: Plugins) -> str:
        _check_enabled(plugins)
        organisation = await _organisation(session, args.org)
        dialogue = await dialogues.get_dialogue(session, organisation, args.slug)
        text: str = pabulib.format_pabulib(
            await store.export_pabulib(session, organisation, dialogue)
        )
        return text

    sys.stdout.write(run_with_session(load_settings(), work))
    return 0
