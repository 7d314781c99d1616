"""Every hook of the core, called through a small plugin defined here.

Hooks that other areas fire (ballots, comments) are tested beside them; the meta test in
``test_every_hook_has_a_test.py`` checks that each hook has a ``test_hook_<name>``.
"""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

import msgspec
import pytest
from litestar import Litestar, get
from litestar.testing import AsyncTestClient
from sqlalchemy import inspect

from core.aggregation import BudgetElection, BudgetOutcome
from core.blocks import BlockType
from core.db import Database
from core.exports import ExportFormat
from core.fields import FieldDefinition, FieldType
from core.hookspecs import hookimpl
from core.migrate import upgrade
from core.models import User
from core.plugin_manager import Plugins
from core.settings import Settings
from participe.testing import switch_phase
from tests.conftest import World
from tests.helpers import create_dialogue
from web.app import create_app
from web.plugins import build_plugins

PROPOSALS = "/api/v1/dialogues/budget-2027/proposals"


@pytest.fixture
def make_client(settings: Settings, database: Database) -> Iterator[Any]:
    """Builds an app with extra plugins and yields an async client factory."""

    def factory(*extra: tuple[str, object]) -> AsyncTestClient[Litestar]:
        plugins = build_plugins(settings, extra=extra)
        app = create_app(settings, plugins=plugins, database=database)
        return AsyncTestClient(app=app, base_url="http://127.0.0.1")

    yield factory


def _plugins_with(plugin: object) -> Plugins:
    return build_plugins(Settings(load_entry_points=False), extra=[("probe", plugin)])


def test_hook_register_vote_types() -> None:
    from core.vote_types import BallotContent, CountedVotes, VoteType

    class Nothing(msgspec.Struct, forbid_unknown_fields=True):
        pass

    class Approval(VoteType[Nothing]):
        id = "approval_probe"
        title = "Approval"
        settings_type = Nothing

        def parse_value(self, settings: Nothing, raw: object) -> int:
            return 1

        def present_value(self, settings: Nothing, value: int) -> object:
            return None

        def judge(self, settings: Nothing, ballot: BallotContent) -> None:
            return None

        def min_votes(self, settings: Nothing) -> int:
            return 0

        def rules(self, settings: Nothing) -> dict[str, Any]:
            return {}

        def remaining(self, settings: Nothing, ballot: BallotContent) -> dict[str, Any]:
            return {}

        def tally(self, settings: Nothing, votes: CountedVotes) -> dict[int, dict[str, Any]]:
            return {}

    class Plugin:
        @hookimpl
        def register_vote_types(self, registry: Any) -> None:
            registry.add(Approval())

    plugins = _plugins_with(Plugin())
    assert isinstance(plugins.vote_types["approval_probe"], Approval)
    assert plugins.vote_types.origin("approval_probe") == "probe"  # the plugin that added it


def test_hook_register_aggregation_rules() -> None:
    class Cheapest:
        id = "cheapest"
        title = "Cheapest first"

        def select(self, election: BudgetElection) -> BudgetOutcome:
            order = sorted(range(len(election.project_ids)), key=lambda j: election.costs[j])
            chosen, spent = [], 0.0
            for j in order:
                if spent + election.costs[j] <= election.budget:
                    chosen.append(election.project_ids[j])
                    spent += float(election.costs[j])
            return BudgetOutcome(tuple(chosen), spent)

    class Plugin:
        @hookimpl
        def register_aggregation_rules(self, registry: Any) -> None:
            registry.add(Cheapest())

    plugins = _plugins_with(Plugin())
    rule = plugins.aggregation_rules["cheapest"]
    election = BudgetElection.from_approvals(10, {1: 6, 2: 3, 3: 5}, [[1], [2, 3]])
    assert rule.select(election).winners == (2, 3)


def test_hook_register_block_types() -> None:
    class Settings_(msgspec.Struct, forbid_unknown_fields=True):
        url: str

    class Video(BlockType):
        id = "video"
        title = "Vidéo"
        template = "blocks/video.html"
        settings_type = Settings_

    class Plugin:
        @hookimpl
        def register_block_types(self, registry: Any) -> None:
            registry.add(Video())

    block = _plugins_with(Plugin()).block_types["video"]
    assert block.decode_settings({"url": "https://example.org/v"}) == Settings_(
        "https://example.org/v"
    )


def test_hook_register_export_formats() -> None:
    class Tsv(ExportFormat):
        id = "tsv"
        title = "TSV"
        media_type = "text/tab-separated-values"
        extension = "tsv"

        def write(self, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
            yield ("\t".join(columns) + "\n").encode()
            for row in rows:
                yield ("\t".join(map(str, row)) + "\n").encode()

    class Plugin:
        @hookimpl
        def register_export_formats(self, registry: Any) -> None:
            registry.add(Tsv())

    exporter = _plugins_with(Plugin()).export_formats["tsv"]
    assert b"".join(exporter.write(["a", "b"], [(1, 2)])) == b"a\tb\n1\t2\n"


class Siret(FieldType):
    """A French company number, checked with the Luhn key."""

    id = "siret"
    title = "SIRET"

    def clean(self, definition: FieldDefinition, raw: object) -> object:
        digits = str(raw).replace(" ", "")
        if not (digits.isdigit() and len(digits) == 14):
            raise ValueError("14 chiffres attendus")
        total = 0
        for index, char in enumerate(reversed(digits)):
            value = int(char) * (2 if index % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10:
            raise ValueError("numéro SIRET invalide")
        return digits


async def test_hook_register_field_types(make_client: Any, world: World) -> None:
    class Plugin:
        @hookimpl
        def register_field_types(self, registry: Any) -> None:
            registry.add(Siret())

    async with make_client(("siret", Plugin())) as client:
        await create_dialogue(
            client,
            world.admin.headers,
            form=[{"key": "siret", "label": "SIRET", "type": "siret", "required": True}],
        )
        body = {"title": "Une association", "fields": {"siret": "732 829 320 00074"}}
        ok = await client.post(PROPOSALS, json=body, headers=world.alice.headers)
        assert ok.status_code == 201, ok.text
        assert ok.json()["fields"] == {"siret": "73282932000074"}
        body["fields"] = {"siret": "73282932000075"}
        refused = await client.post(PROPOSALS, json=body, headers=world.alice.headers)
        assert refused.status_code == 422
        assert "SIRET" in refused.json()["detail"]


async def test_hook_register_routes(make_client: Any, world: World) -> None:
    @get("/api/v1/probe/hello", sync_to_thread=False)
    def hello() -> dict[str, str]:
        return {"hello": "world"}

    class Plugin:
        @hookimpl
        def register_routes(self) -> list[Any]:
            return [hello]

    async with make_client(("routes", Plugin())) as client:
        assert (await client.get("/api/v1/probe/hello")).json() == {"hello": "world"}


async def test_hook_template_dirs(make_client: Any, world: World, tmp_path: Path) -> None:
    (tmp_path / "home.html").write_text(
        textwrap.dedent(
            """
            {% extends "default:home.html" %}
            {% block content %}<p class="probe">Bienvenue chez nous</p>{{ super() }}{% endblock %}
            """
        )
    )

    class Plugin:
        @hookimpl
        def template_dirs(self) -> list[Path]:
            return [tmp_path]

    async with make_client(("theme", Plugin())) as client:
        page = (await client.get("/")).text
    assert '<p class="probe">Bienvenue chez nous</p>' in page
    assert "Ville de Test" in page  # the original page, extended


async def test_hook_template_dirs_last_registered_wins(
    make_client: Any, world: World, tmp_path: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        folder.mkdir()
        (folder / "home.html").write_text(f"<p>{folder.name}</p>")

    def plugin(folder: Path) -> object:
        class Plugin:
            @hookimpl
            def template_dirs(self) -> list[Path]:
                return [folder]

        return Plugin()

    async with make_client(("first", plugin(first)), ("second", plugin(second))) as client:
        assert (await client.get("/")).text == "<p>second</p>"


async def test_hook_static_dirs(make_client: Any, world: World, tmp_path: Path) -> None:
    (tmp_path / "probe.css").write_text("body { color: teal; }")

    class Plugin:
        @hookimpl
        def static_dirs(self) -> list[tuple[str, Path]]:
            return [("probe", tmp_path)]

    async with make_client(("static", Plugin())) as client:
        response = await client.get("/static/plugins/probe/probe.css")
    assert response.status_code == 200
    assert response.text == "body { color: teal; }"


async def test_hook_migration_locations(tmp_path: Path) -> None:
    versions = tmp_path / "probe_migrations"
    versions.mkdir()
    (versions / "p001_probe_items.py").write_text(
        textwrap.dedent(
            '''
            """probe items"""
            import sqlalchemy as sa
            from alembic import op

            revision = "p001"
            down_revision = None
            branch_labels = ("probe",)
            depends_on = "0001"


            def upgrade():
                op.create_table(
                    "probe_items",
                    sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.id")),
                )


            def downgrade():
                op.drop_table("probe_items")
            '''
        )
    )

    class Plugin:
        @hookimpl
        def migration_locations(self) -> list[str]:
            return [str(versions)]

    plugins = _plugins_with(Plugin())
    assert str(versions) in plugins.migration_locations()
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'probe.db'}")
    await upgrade(database, plugins.migration_locations())
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    await database.dispose()
    assert {"probe_items", "proposals"} <= set(tables)


class PostalCodes:
    """Only residents of given postal codes may submit proposals."""

    def __init__(self, allowed: set[str]) -> None:
        self.allowed = allowed

    @hookimpl
    def permission_allowed(
        self, actor: User | None, action: str, resource: Any, context: dict[str, Any]
    ) -> bool | None:
        if action != "propose":
            return None
        return actor is not None and actor.postal_code in self.allowed


async def test_hook_permission_allowed(make_client: Any, world: World) -> None:
    resident = await world.person("resident@example.org", postal_code="44000")
    async with make_client(("residents", PostalCodes({"44000", "44100"}))) as client:
        await create_dialogue(client, world.admin.headers)
        body = {"title": "Un banc place Royale"}
        refused = await client.post(PROPOSALS, json=body, headers=world.alice.headers)
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
        allowed = await client.post(PROPOSALS, json=body, headers=resident.headers)
        assert allowed.status_code == 201


class Recorder:
    """Records every event hook call."""

    events: ClassVar[list[tuple[str, Any]]]

    def __init__(self) -> None:
        self.events = []

    @hookimpl
    def proposal_submitted(self, proposal: Any, dialogue: Any) -> None:
        self.events.append(("proposal_submitted", proposal.title))

    @hookimpl
    def proposal_status_changed(self, proposal: Any, dialogue: Any, previous: str) -> None:
        self.events.append(("proposal_status_changed", (previous, proposal.status.value)))

    @hookimpl
    def phase_opened(self, phase: Any, dialogue: Any) -> None:
        self.events.append(("phase_opened", phase.kind.value))

    @hookimpl
    def phase_closed(self, phase: Any, dialogue: Any) -> None:
        self.events.append(("phase_closed", phase.kind.value))


async def test_hook_proposal_submitted(make_client: Any, world: World) -> None:
    recorder = Recorder()
    async with make_client(("recorder", recorder)) as client:
        await create_dialogue(client, world.admin.headers)
        await client.post(PROPOSALS, json={"title": "Publiée"}, headers=world.alice.headers)
        draft = await client.post(
            PROPOSALS, json={"title": "Brouillon", "draft": True}, headers=world.alice.headers
        )
        assert recorder.events == [("proposal_submitted", "Publiée")]
        await client.post(
            f"/api/v1/proposals/{draft.json()['id']}/publish", headers=world.alice.headers
        )
    assert recorder.events[-1] == ("proposal_submitted", "Brouillon")


async def test_hook_proposal_status_changed(make_client: Any, world: World) -> None:
    recorder = Recorder()
    async with make_client(("recorder", recorder)) as client:
        await create_dialogue(client, world.admin.headers)
        created = await client.post(PROPOSALS, json={"title": "Idée"}, headers=world.alice.headers)
        url = f"/api/v1/admin/proposals/{created.json()['id']}"
        await client.patch(url, json={"status": "accepted"}, headers=world.admin.headers)
        await client.patch(url, json={"status_reason": "ok"}, headers=world.admin.headers)
    assert [e for e in recorder.events if e[0] == "proposal_status_changed"] == [
        ("proposal_status_changed", ("published", "accepted"))
    ]


async def test_hook_phase_opened(make_client: Any, world: World) -> None:
    recorder = Recorder()
    async with make_client(("recorder", recorder)) as client:
        await create_dialogue(client, world.admin.headers)
        await switch_phase(client, world.admin.headers, "budget-2027", "vote")
    assert ("phase_opened", "vote") in recorder.events


async def test_hook_phase_closed(make_client: Any, world: World) -> None:
    recorder = Recorder()
    async with make_client(("recorder", recorder)) as client:
        await create_dialogue(client, world.admin.headers)
        await switch_phase(client, world.admin.headers, "budget-2027", "vote")
    assert recorder.events == [("phase_closed", "proposals"), ("phase_opened", "vote")]


def test_hooks_run_without_an_event_loop_of_their_own() -> None:
    # Event hooks are plain functions: a plugin needing I/O schedules it itself.
    assert not asyncio.iscoroutinefunction(Recorder.proposal_submitted)
