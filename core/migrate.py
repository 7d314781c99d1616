"""Database migrations: the core's Alembic revisions plus each plugin's own location.

``participe db upgrade`` upgrades every head: the core's branch and one branch per plugin
that declares ``migration_locations``. Each of those branches has exactly one head; a
plugin's first revision ``depends_on`` a core revision, so that its tables come after the
ones they refer to.

One history for the core
------------------------

Revisions 0003 to 0011 were written as branches of 0001 (0012 and 0013 follow 0008), so
a database kept one ``alembic_version`` row per branch and ``alembic upgrade head`` could
not tell which head was meant. Revision 0014 is a merge point of those branches; every
later core revision follows the one before it, and a database past 0014 has one core row.

A merge point rather than a re-chaining of 0003 → 0004 → … → 0013, because databases in
service hold the old rows and a re-chained history would misread them:

- the revisions were not released in the order of their numbers (0005 before 0003, 0006
  before 0004): a database installed when only 0005 existed holds the single row ``0005``,
  which a re-chained history reads as "0003 and 0004 applied too", and their tables would
  never be created;
- a database with every branch applied holds rows that a re-chained history makes
  ancestors of one another, which Alembic refuses ("Requested revision 0004 overlaps with
  other requested revisions 0003"): they would have to be rewritten, outside Alembic,
  before every command.

With the merge point, Alembic reads any set of the old rows as it was meant (each branch
applied up to its row, the others not at all), applies what is missing, and leaves one
row; downgrading through 0014 gives the branches back, and upgrading joins them again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext, MigrationInfo
from alembic.script import Script, ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy.engine import Connection

from core.db import Database
from core.errors import DomainError

CORE_MIGRATIONS = Path(__file__).parent / "migrations"


class MigrationError(DomainError):
    """A migration command that cannot run as asked: an unknown or ambiguous revision, a
    target on the wrong side of the database's revisions."""

    code = "migration"


@dataclass(frozen=True)
class Step:
    """One revision applied (upgrade) or reverted (downgrade)."""

    revision: str
    description: str


@dataclass(frozen=True)
class Revision:
    """A revision the database is at."""

    revision: str
    description: str
    is_head: bool


def alembic_config(locations: Sequence[str] = ()) -> Config:
    config = Config()
    config.set_main_option("script_location", str(CORE_MIGRATIONS))
    version_locations = [str(CORE_MIGRATIONS / "versions"), *map(_resolve, locations)]
    config.set_main_option("version_locations", " ".join(version_locations))
    config.set_main_option("path_separator", "space")
    return config


def _resolve(location: str) -> str:
    """``"package.module:folder"`` → the folder's path inside that package."""
    if ":" in location and not Path(location).exists():
        import importlib

        module_name, folder = location.split(":", 1)
        module = importlib.import_module(module_name)
        assert module.__file__ is not None
        return str(Path(module.__file__).parent / folder)
    return location


def describe(script: Script) -> str:
    """The first paragraph of a revision's docstring, on one line."""
    return " ".join((script.doc or "").split())


async def _migrate(
    database: Database, locations: Sequence[str], direction: str, revision: str
) -> list[Step]:
    config = alembic_config(locations)
    steps: list[Step] = []

    def record(*, step: MigrationInfo, **_: Any) -> None:
        if step.is_stamp:
            return
        script = step.up_revision
        description = describe(script) if isinstance(script, Script) else ""
        steps.append(Step(step.up_revision_id or "", description))

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        config.attributes["on_version_apply"] = record
        try:
            getattr(command, direction)(config, revision)
        except (CommandError, RevisionError) as error:
            reason = " ".join(str(error).split())
            raise MigrationError(f"cannot {direction} to {revision!r}: {reason}") from None

    async with database.engine.begin() as connection:
        await connection.run_sync(run)
    return steps


async def upgrade(
    database: Database, locations: Sequence[str] = (), revision: str = "heads"
) -> list[Step]:
    """Upgrades the database to ``revision`` (every head by default); returns the
    revisions applied, in order (none when it was up to date)."""
    return await _migrate(database, locations, "upgrade", revision)


async def downgrade(database: Database, revision: str, locations: Sequence[str] = ()) -> list[Step]:
    """Downgrades the database to ``revision``, which must be named: there is no default
    target for undoing migrations. Returns the revisions reverted, in order."""
    if not revision.strip():
        raise MigrationError("a revision to downgrade to is required")
    return await _migrate(database, locations, "downgrade", revision)


async def current_heads(database: Database, locations: Sequence[str] = ()) -> set[str]:
    def read(connection: Connection) -> Any:
        return MigrationContext.configure(connection).get_current_heads()

    async with database.engine.connect() as connection:
        return set(await connection.run_sync(read))


async def current(database: Database, locations: Sequence[str] = ()) -> list[Revision]:
    """The revisions the database is at (one per branch), and whether each is its
    branch's head."""
    script = ScriptDirectory.from_config(alembic_config(locations))
    heads = set(script.get_heads())
    revisions = []
    for name in sorted(await current_heads(database, locations)):
        try:
            found = script.get_revision(name)
        except (CommandError, RevisionError):
            found = None
        revisions.append(
            Revision(name, describe(found) if found else "(unknown revision)", name in heads)
        )
    return revisions


def history(locations: Sequence[str] = ()) -> list[str]:
    """Every revision, newest first, one line each: its parents, its id, whether it is a
    head, a branch point or a merge point, and its description."""
    script = ScriptDirectory.from_config(alembic_config(locations))
    return [
        " ".join(
            revision.cmd_format(
                False, include_branches=True, include_doc=True, include_parents=True
            ).split()
        )
        for revision in script.walk_revisions()
    ]
