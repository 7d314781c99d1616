"""The migrations build exactly the tables the models declare, on both databases; the
core and each plugin location have one head, which databases of the core's old branched
history reach without losing data."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection

from core.db import Base, Database
from core.migrate import (
    CORE_MIGRATIONS,
    MigrationError,
    _resolve,
    alembic_config,
    current_heads,
    downgrade,
    upgrade,
)
from core.models import Dialogue, Organisation, User
from core.plugin_manager import Plugins
from participe.testing import TestDatabase


async def test_models_and_migrations_agree(database: Database) -> None:
    assert await _schema_changes(database) == []


async def test_upgrade_reaches_every_head_and_is_idempotent(
    database: Database, plugins: Plugins
) -> None:
    from alembic.script import ScriptDirectory

    locations = plugins.migration_locations()
    await upgrade(database, locations)
    heads = set(ScriptDirectory.from_config(alembic_config(locations)).get_heads())
    assert await current_heads(database, locations) == heads


# -- one history ---------------------------------------------------------------------------

#: The heads of the core's branched history (0003 to 0011 on 0001, 0012 and 0013 on
#: 0008), as ``participe db upgrade`` left them in databases before revision 0014.
BRANCHED_HEADS = ("0003", "0004", "0005", "0006", "0007", "0009", "0010", "0011", "0013")


@pytest.fixture
async def empty_database(tmp_path: Path) -> AsyncIterator[Database]:
    """A database of its own, with no table yet."""
    created = TestDatabase(tmp_path, "participe_migrate")
    await created.create()
    database = Database(created.url)
    yield database
    await database.dispose()
    await created.drop()


def _heads_by_location(locations: list[str]) -> dict[str, list[str]]:
    script = ScriptDirectory.from_config(alembic_config(locations))
    folders = {"core": CORE_MIGRATIONS / "versions"} | {
        location: Path(_resolve(location)) for location in locations
    }
    found: dict[str, list[str]] = {name: [] for name in folders}
    for head in script.get_heads():
        path = Path(script.get_revision(head).path).parent  # type: ignore[union-attr]
        owner = next(name for name, folder in folders.items() if folder.samefile(path))
        found[owner].append(head)
    return found


def test_the_core_and_each_plugin_location_have_one_head(plugins: Plugins) -> None:
    locations = plugins.migration_locations()
    assert locations, "the built-in questionnaire has a migration location"
    heads = _heads_by_location(locations)
    assert {name: len(found) for name, found in heads.items()} == dict.fromkeys(heads, 1), heads


async def _rows(database: Database) -> set[str]:
    async with database.engine.connect() as connection:
        result = await connection.execute(text("SELECT version_num FROM alembic_version"))
        return {row[0] for row in result}


async def _schema_changes(database: Database) -> list[Any]:
    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        return [
            change
            for change in compare_metadata(context, Base.metadata)
            if not (
                isinstance(change, tuple)
                and change[0] == "remove_table"
                and change[1].name == "alembic_version"
            )
        ]

    async with database.engine.connect() as connection:
        return await connection.run_sync(diff)


async def _add_people(database: Database) -> None:
    """An organisation and a citizen, written with the columns of revision 0001 only."""
    async with database.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO organisations (id, slug, name, is_default, theme, texts, options,"
                " created_at) VALUES (7, 'ville', 'Ville', false, '{}', '{}', '{}', :now)"
            ),
            {"now": datetime(2026, 11, 30, tzinfo=UTC)},
        )
        await connection.execute(
            text(
                "INSERT INTO users (id, organisation_id, email, display_name, role, created_at)"
                " VALUES (11, 7, 'alice@example.org', 'Alice', 'citizen', :now)"
            ),
            {"now": datetime(2026, 11, 30, tzinfo=UTC)},
        )


async def _people(database: Database) -> list[tuple[str, str | None, str]]:
    async with database.session() as session:
        rows = await session.execute(
            select(Organisation.slug, User.email, User.display_name).join(
                User, User.organisation_id == Organisation.id
            )
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


@pytest.mark.parametrize(
    "applied",
    [
        pytest.param(BRANCHED_HEADS, id="every-branch"),
        pytest.param(("0005",), id="first-release"),
        pytest.param(("0005", "0003", "0006"), id="some-branches"),
        pytest.param(("0003", "0013"), id="out-of-order"),
    ],
)
async def test_a_database_of_the_branched_history_upgrades_to_one_head(
    empty_database: Database, plugins: Plugins, applied: tuple[str, ...]
) -> None:
    database = empty_database
    locations = plugins.migration_locations()
    # As the branched history left it: each branch upgraded on its own, one row each.
    for revision in (*applied, *(f"{name}@head" for name in ("questionnaire",))):
        await upgrade(database, locations, revision)
    assert await _rows(database) == {*applied, "questionnaire_0001"}
    await _add_people(database)

    steps = await upgrade(database, locations)

    applied_now = [step.revision for step in steps]
    assert "0014" in applied_now and not set(applied) & set(applied_now)
    heads = _heads_by_location(locations)
    assert await _rows(database) == {found[0] for found in heads.values()}
    assert await _schema_changes(database) == []
    assert await _people(database) == [("ville", "alice@example.org", "Alice")]
    assert await upgrade(database, locations) == []


async def test_downgrade_then_upgrade_again_keeps_the_data(
    empty_database: Database, plugins: Plugins
) -> None:
    database = empty_database
    locations = plugins.migration_locations()
    await upgrade(database, locations)
    await _add_people(database)

    reverted = await downgrade(database, "0001", locations)

    latest = _core_revisions_newest_first()[:3]
    assert [step.revision for step in reverted][:3] == latest
    assert {"0012", "0003", "0005"} <= {step.revision for step in reverted}
    # 0001 may have no row of its own: the plugins' revisions (``<name>_0001``, kept)
    # depend on it.
    assert {row for row in await _rows(database) if row.isdigit()} <= {"0001"}
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    assert "vote_log_heads" not in tables and "audit_log" not in tables

    applied = await upgrade(database, locations)

    assert [step.revision for step in applied][-3:] == latest[::-1]
    assert await _schema_changes(database) == []
    assert await _people(database) == [("ville", "alice@example.org", "Alice")]


def _core_revisions_newest_first() -> list[str]:
    """The core's revisions from its head down its one line of history."""
    script = ScriptDirectory.from_config(alembic_config())
    return [revision.revision for revision in script.walk_revisions()]


async def test_a_bad_revision_is_one_clear_error(database: Database, plugins: Plugins) -> None:
    with pytest.raises(MigrationError, match="cannot downgrade to 'nowhere'"):
        await downgrade(database, "nowhere", plugins.migration_locations())
    with pytest.raises(MigrationError, match="required"):
        await downgrade(database, " ", plugins.migration_locations())


async def test_the_dialogues_that_exist_stay_public_after_0021(
    empty_database: Database, plugins: Plugins
) -> None:
    """Revision 0021 makes drafts possible: every dialogue already there was public from its
    creation, and stays so."""
    database = empty_database
    locations = plugins.migration_locations()
    await upgrade(database, locations, "0020")
    await _add_people(database)
    created = datetime(2026, 10, 1, 8, 30, tzinfo=UTC)
    async with database.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO dialogues (id, organisation_id, slug, title, kind, description,"
                " vote_settings, comments_mode, form, themes, sectors, modules,"
                " results_visibility, created_at, updated_at) VALUES (3, 7, 'budget', 'Budget',"
                " 'budget', '', '{}', 'thread', '[]', '[]', '[]', '{}', 'after_vote', :at, :at)"
            ),
            {"at": created},
        )

    await upgrade(database, locations)

    async with database.session() as session:
        published = await session.scalar(select(Dialogue.published_at).where(Dialogue.id == 3))
    assert published == created
    assert await _schema_changes(database) == []
