"""The hooks through which a plugin owns a part of dialogues: module settings it
validates and stores, result sections, export datasets. Each is called through a small
plugin defined here."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database
from core.errors import Conflict, ValidationFailed
from core.export_datasets import ExportDataset
from core.hookspecs import hookimpl
from core.models import Dialogue, User
from core.modules import ModuleWriter
from core.result_sections import ResultSection, compute_sections
from core.settings import Settings
from tests.conftest import World
from tests.helpers import dialogue_body
from web.app import create_app
from web.plugins import build_plugins

ADMIN_DIALOGUES = "/api/v1/admin/dialogues"


@pytest.fixture
def make_client(settings: Settings, database: Database) -> Iterator[Any]:
    def factory(
        *extra: tuple[str, object], disabled: tuple[str, ...] = ()
    ) -> AsyncTestClient[Litestar]:
        plugins = build_plugins(
            Settings(load_entry_points=False, disabled_plugins=disabled), extra=extra
        )
        return AsyncTestClient(
            app=create_app(settings, plugins=plugins, database=database),
            base_url="http://127.0.0.1",
        )

    yield factory


async def _dialogue(database: Database, slug: str) -> Dialogue | None:
    async with database.session() as session:
        return await session.scalar(select(Dialogue).where(Dialogue.slug == slug))


class ModuleProbe:
    """Takes the ``questionnaire`` module over: keeps a word in the dialogue's modules,
    refuses ``{"word": ""}`` at once and ``{"word": "late"}`` when storing."""

    seen_ids: list[int]

    def __init__(self) -> None:
        self.seen_ids = []

    @hookimpl(tryfirst=True)
    def prepare_module_settings(
        self, dialogue: Dialogue, module: str, settings: dict[str, Any]
    ) -> ModuleWriter | None:
        if module != "questionnaire":
            return None
        word = settings.get("word")
        if not word:
            raise ValidationFailed("questionnaire.word: required")

        async def write(session: AsyncSession) -> None:
            self.seen_ids.append(dialogue.id)
            if word == "late":
                raise Conflict("refused while storing", code="probe.late")
            dialogue.modules = {**dialogue.modules, "questionnaire": {"word": word}}

        return write


async def test_hook_prepare_module_settings(
    make_client: Any, world: World, database: Database
) -> None:
    probe = ModuleProbe()
    async with make_client(("probe", probe)) as client:
        body = dialogue_body("sondage", questionnaire={"word": "bonjour"})
        created = await client.post(ADMIN_DIALOGUES, json=body, headers=world.admin.headers)
        assert created.status_code == 201, created.text
        dialogue = await _dialogue(database, "sondage")
        assert dialogue is not None
        # The writer ran once the dialogue had its id, and its change was committed.
        assert probe.seen_ids == [dialogue.id]
        assert dialogue.modules == {"questionnaire": {"word": "bonjour"}}

        refused = await client.post(
            ADMIN_DIALOGUES,
            json=dialogue_body("refus", questionnaire={"word": ""}),
            headers=world.admin.headers,
        )
        assert refused.status_code == 422
        assert refused.json()["detail"] == "questionnaire.word: required"
        assert await _dialogue(database, "refus") is None

        late = await client.post(
            ADMIN_DIALOGUES,
            json=dialogue_body("tardif", questionnaire={"word": "late"}),
            headers=world.admin.headers,
        )
        assert late.status_code == 409
        assert late.json()["code"] == "probe.late"
        # A writer's refusal undoes the whole request.
        assert await _dialogue(database, "tardif") is None

        patched = await client.patch(
            f"{ADMIN_DIALOGUES}/sondage",
            json={"questionnaire": {"word": "late"}, "title": "Autre titre"},
            headers=world.admin.headers,
        )
        assert patched.status_code == 409
        unchanged = await _dialogue(database, "sondage")
        assert unchanged is not None and unchanged.title == "Budget participatif 2027"


async def test_hook_prepare_module_settings_refuses_an_unclaimed_module(
    make_client: Any, world: World, database: Database
) -> None:
    async with make_client(disabled=("questionnaire",)) as client:
        body = dialogue_body("sondage", questionnaire={"questions": []})
        response = await client.post(ADMIN_DIALOGUES, json=body, headers=world.admin.headers)
        assert response.status_code == 422
        assert response.json()["code"] == "module.unknown"
        assert response.json()["detail"].startswith("questionnaire: module 'questionnaire'")
        assert await _dialogue(database, "sondage") is None


class ViewerSection(ResultSection):
    id = "viewer"

    def applies_to(self, dialogue: Dialogue) -> bool:
        return dialogue.slug.startswith("avec-")

    async def compute(
        self, session: AsyncSession, dialogue: Dialogue, viewer: User | None
    ) -> dict[str, Any]:
        return {"viewer": None if viewer is None else viewer.id, "dialogue": dialogue.slug}


class ClashingSection(ViewerSection):
    id = "clash"


async def test_hook_register_result_sections(world: World, database: Database) -> None:
    class Plugin:
        @hookimpl
        def register_result_sections(self, registry: Any) -> None:
            registry.add(ViewerSection())

    plugins = build_plugins(Settings(load_entry_points=False), extra=[("probe", Plugin())])
    assert plugins.result_sections.ids() == ["questionnaire", "viewer"]
    async with database.session() as session:
        with_section = Dialogue(
            organisation_id=world.org.id, slug="avec-section", title="A", kind="ideas", phases=[]
        )
        without = Dialogue(
            organisation_id=world.org.id, slug="sans-section", title="B", kind="ideas", phases=[]
        )
        session.add_all([with_section, without])
        await session.flush()
        viewer = await session.get(User, world.alice.user.id)
        assert await compute_sections(session, plugins, with_section, viewer) == {
            "viewer": world.alice.user.id,
            "dialogue": "avec-section",
        }
        assert await compute_sections(session, plugins, without, None) == {}

        class Clash:
            @hookimpl
            def register_result_sections(self, registry: Any) -> None:
                registry.add(ClashingSection())

        clashing = build_plugins(
            Settings(load_entry_points=False), extra=[("probe", Plugin()), ("clash", Clash())]
        )
        with pytest.raises(ValueError, match="both give 'viewer'"):
            await compute_sections(session, clashing, with_section, None)


class Numbers(ExportDataset):
    """The numbers 1 to 1,234 and their squares, produced lazily."""

    id = "numbers"
    title = "Nombres"

    def applies_to(self, dialogue: Dialogue) -> bool:
        return dialogue.slug != "sans-nombres"

    async def columns(self, session: AsyncSession, dialogue: Dialogue) -> list[str]:
        return ["n", "carré", dialogue.slug]

    async def rows(self, session: AsyncSession, dialogue: Dialogue) -> AsyncIterator[Sequence[Any]]:
        for n in range(1, 1_235):
            yield [n, n * n, ""]


async def test_hook_register_export_datasets(make_client: Any, world: World) -> None:
    class Plugin:
        @hookimpl
        def register_export_datasets(self, registry: Any) -> None:
            registry.add(Numbers())

    async with make_client(("probe", Plugin())) as client:
        for slug in ("avec-nombres", "sans-nombres"):
            created = await client.post(
                ADMIN_DIALOGUES, json=dialogue_body(slug), headers=world.admin.headers
            )
            assert created.status_code == 201
        exported = await client.get(
            f"{ADMIN_DIALOGUES}/avec-nombres/export",
            params={"what": "numbers", "format": "csv"},
            headers=world.admin.headers,
        )
        assert exported.status_code == 200, exported.text
        assert (
            exported.headers["content-disposition"]
            == 'attachment; filename="avec-nombres-numbers.csv"'
        )
        rows = list(csv.reader(io.StringIO(exported.text.removeprefix("\ufeff")), delimiter=";"))
        assert rows[0] == ["n", "carré", "avec-nombres"]
        assert rows[1:] == [[str(n), str(n * n), ""] for n in range(1, 1_235)]
        absent = await client.get(
            f"{ADMIN_DIALOGUES}/sans-nombres/export",
            params={"what": "numbers"},
            headers=world.admin.headers,
        )
        assert absent.status_code == 404
