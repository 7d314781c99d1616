"""``participe pabulib import FILE --slug SLUG [--org ORG] [--title T] [--rule R]`` creates
a budget dialogue from a Pabulib ``.pb`` file; ``participe pabulib export SLUG [--org ORG]``
prints a dialogue's counted ballots as a ``.pb`` file (``> file.pb``).

Registered through ``register_commands``: the command exists while this plugin is
enabled."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from core.commands import Command, CommandContext
from core.db import utcnow
from core.errors import ValidationFailed
from core.services import dialogues, organisations
from plugins.budget import pabulib
from plugins.budget.pabulib_store import export_pabulib, import_pabulib


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="pabulib_command", metavar="ACTION", required=True)

    importing = actions.add_parser("import", help="create a budget dialogue from a .pb file")
    importing.add_argument("file", metavar="FILE", type=Path, help="the .pb file")
    importing.add_argument("--slug", required=True, help="the new dialogue's slug")
    importing.add_argument("--org", help="organisation slug (default: the default one)")
    importing.add_argument("--title", help="the dialogue's title (default: the description)")
    importing.add_argument("--rule", help="budget rule id (default: the file's, else greedy)")

    exporting = actions.add_parser("export", help="print a dialogue's ballots as a .pb file")
    exporting.add_argument("slug", metavar="SLUG", help="the dialogue's slug")
    exporting.add_argument("--org", help="organisation slug (default: the default one)")


def run(args: argparse.Namespace, context: CommandContext) -> int:
    if args.pabulib_command == "import":
        return run_import(args, context)
    return run_export(args, context)


def run_import(args: argparse.Namespace, context: CommandContext) -> int:
    try:
        data = pabulib.read_pabulib(args.file)
    except OSError as error:
        raise ValidationFailed(f"cannot read {args.file}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ValidationFailed(f"{args.file} is not UTF-8 text") from None
    except pabulib.PabulibError as error:
        raise ValidationFailed(f"{args.file}: {error}") from None

    async def work(session: AsyncSession) -> str:
        organisation = await organisations.named_or_default(session, args.org)
        dialogue = await import_pabulib(
            session, context.plugins, organisation, data, args.slug,
            now=utcnow(), title=args.title, rule=args.rule,
        )  # fmt: skip
        return dialogue.slug

    slug = context.run(work)
    print(f"dialogue {slug}: {len(data.projects)} projects, {len(data.votes)} ballots imported")
    return 0


def run_export(args: argparse.Namespace, context: CommandContext) -> int:
    async def work(session: AsyncSession) -> str:
        organisation = await organisations.named_or_default(session, args.org)
        dialogue = await dialogues.get_dialogue(session, organisation, args.slug)
        return pabulib.format_pabulib(await export_pabulib(session, organisation, dialogue))

    sys.stdout.write(context.run(work))
    return 0


PABULIB = Command(
    name="pabulib", help="import or export Pabulib (.pb) files", configure=configure, run=run
)
