"""Modules: the operator lets an organisation use one, its administrators turn it on per
dialogue through the API, and where it is off its plugin's hooks and sections are left
out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

import msgspec
import pytest
from litestar import Litestar, get
from litestar.params import FromPath
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database, utcnow
from core.errors import Conflict
from core.hookspecs import hookimpl
from core.models import AuditEntry, Dialogue, Organisation, User
from core.modules import Module
from core.plugin_manager import Plugins
from core.registries import Registry
from core.result_sections import ResultSection
from core.services import dialogues, modules
from core.settings import Settings
from participe.testing import switch_phase
from plugins.support.rules import SupportVote
from tests.conftest import World, without_installed
from web.app import create_app
from web.dependencies import CurrentOrg, DbSession
from web.modules import require_module
from web.plugins import build_plugins

Client = AsyncTestClient[Litestar]
ADMIN = "/api/v1/admin"


class PetitionSettings(msgspec.Struct, forbid_unknown_fields=True):
    #: Supports that put a proposal under study.
    threshold: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 50


class CapSettings(msgspec.Struct, forbid_unknown_fields=True):
    per_theme: Annotated[int, msgspec.Meta(ge=1)] = 1


PETITION = Module(
    name="petition", title="Pétition", settings_type=PetitionSettings, description="Un seuil."
)
CAP = Module(name="theme_cap", title="Plafond", settings_type=CapSettings, decides_votes=True)


class PetitionSection(ResultSection):
    id = "petition"

    def applies_to(self, dialogue: Dialogue) -> bool:
        return True

    async def compute(
        self, session: AsyncSession, dialogue: Dialogue, viewer: User | None
    ) -> dict[str, Any]:
        return {"petition": True}


@get("/api/v1/dialogues/{slug:str}/petition")
async def petition_page(
    db_session: DbSession, org: CurrentOrg, slug: FromPath[str]
) -> dict[str, Any]:
    dialogue = await dialogues.get_dialogue(db_session, org, slug)
    require_module(PETITION, org, dialogue)
    return {"threshold": (PETITION.settings_on(dialogue) or {}).get("threshold", 50)}


class PetitionPlugin:
    """A client's feature, as a separate package would write it."""

    def __init__(self) -> None:
        self.submitted: list[str] = []
        self.comments: list[str] = []

    @hookimpl
    def register_modules(self, registry: Registry[Module]) -> None:
        registry.add(PETITION)

    @hookimpl
    def register_result_sections(self, registry: Registry[ResultSection]) -> None:
        registry.add(PetitionSection())

    @hookimpl
    def register_routes(self) -> list[Any]:
        return [petition_page]

    @hookimpl
    def proposal_submitted(self, proposal: Any, dialogue: Dialogue) -> None:
        self.submitted.append(proposal.title)

    @hookimpl
    def comment_posted(self, comment: Any, proposal: Any, dialogue: Dialogue) -> None:
        self.comments.append(comment.body)


class CapPlugin:
    @hookimpl
    def register_modules(self, registry: Registry[Module]) -> None:
        registry.add(CAP)


@pytest.fixture
def petition() -> PetitionPlugin:
    return PetitionPlugin()


@pytest.fixture
def module_plugins(settings: Settings, petition: PetitionPlugin) -> Plugins:
    return build_plugins(
        without_installed(settings), extra=[("petition", petition), ("theme_cap", CapPlugin())]
    )


@pytest.fixture
async def modules_client(
    settings: Settings, module_plugins: Plugins, database: Database
) -> AsyncIterator[Client]:
    app = create_app(settings, plugins=module_plugins, database=database)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
        yield client


async def _grant(
    database: Database, plugins: Plugins, world: World, name: str, granted: bool = True
) -> list[str]:
    async with database.session() as session:
        organisation = await session.get(Organisation, world.org.id)
        assert organisation is not None
        turned_off = await modules.set_grant(
            session, plugins, organisation, name, granted, now=utcnow()
        )
        await session.commit()
        return turned_off


async def _dialogue(client: Client, world: World, slug: str) -> None:
    created = await client.post(
        f"{ADMIN}/dialogues",
        json={"slug": slug, "title": "Idées", "kind": "ideas", "phases": [{"kind": "proposals"}]},
        headers=world.admin.headers,
    )
    assert created.status_code == 201, created.text
    await switch_phase(client, world.admin.headers, slug, "proposals")


async def _propose(client: Client, world: World, slug: str, title: str) -> int:
    created = await client.post(
        f"/api/v1/dialogues/{slug}/proposals",
        json={"title": title, "body": "Pour la ville."},
        headers=world.alice.headers,
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


#: The modules these tests add; the built-in ones are on by default beside them.
OURS = {"petition", "theme_cap"}


def _names(body: dict[str, Any]) -> list[str]:
    """The names of our modules in a list of modules."""
    return [item["name"] for item in body["items"] if item["name"] in OURS]


def _ours(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for item in body["items"] if item["name"] in OURS]


async def test_hook_register_modules_a_client_module_is_unknown_until_granted(
    modules_client: Client, module_plugins: Plugins, database: Database, world: World
) -> None:
    await _dialogue(modules_client, world, "idees")
    listed = await modules_client.get(f"{ADMIN}/modules?per_page=100", headers=world.admin.headers)
    assert listed.status_code == 200
    listed_names = [item["name"] for item in listed.json()["items"]]
    assert "questionnaire" in listed_names and "agenda" in listed_names
    assert "petition" not in listed_names
    refused = await modules_client.put(
        f"{ADMIN}/dialogues/idees/modules/petition",
        json={"settings": {}},
        headers=world.admin.headers,
    )
    assert refused.status_code == 404 and refused.json()["code"] == "module.unknown"
    nowhere = await modules_client.put(
        f"{ADMIN}/dialogues/idees/modules/nothing_like_it",
        json={"settings": {}},
        headers=world.admin.headers,
    )
    assert nowhere.status_code == 404 and nowhere.json()["code"] == "module.unknown"

    assert await _grant(database, module_plugins, world, "petition") == []
    listed = await modules_client.get(f"{ADMIN}/modules?per_page=100", headers=world.admin.headers)
    (described,) = [item for item in listed.json()["items"] if item["name"] == "petition"]
    assert described["title"] == "Pétition" and described["scope"] == "dialogue"
    schema = described["settings_schema"]
    assert "threshold" in str(schema) and described["decides_votes"] is False


async def test_administrators_turn_a_module_on_and_off_per_dialogue(
    modules_client: Client,
    module_plugins: Plugins,
    petition: PetitionPlugin,
    database: Database,
    world: World,
) -> None:
    await _grant(database, module_plugins, world, "petition")
    await _dialogue(modules_client, world, "idees")
    await _dialogue(modules_client, world, "autres")
    url = f"{ADMIN}/dialogues/idees/modules/petition"

    bad = await modules_client.put(
        url, json={"settings": {"threshold": 0}}, headers=world.admin.headers
    )
    assert bad.status_code == 422, bad.text
    assert bad.json()["errors"][0]["field"] == "settings.threshold"
    unknown_field = await modules_client.put(
        url, json={"settings": {"seuil": 3}}, headers=world.admin.headers
    )
    assert unknown_field.status_code == 422
    assert unknown_field.json()["errors"][0]["field"] == "settings.seuil"
    not_an_object = await modules_client.put(
        url, json={"settings": [1]}, headers=world.admin.headers
    )
    assert not_an_object.status_code in (400, 422)
    citizen = await modules_client.put(
        url, json={"settings": {"threshold": 3}}, headers=world.alice.headers
    )
    assert citizen.status_code == 403

    turned_on = await modules_client.put(
        url, json={"settings": {"threshold": 3}}, headers=world.admin.headers
    )
    assert turned_on.status_code == 200, turned_on.text
    assert turned_on.json() == {
        "name": "petition",
        "title": "Pétition",
        "settings": {"threshold": 3},
    }
    on = await modules_client.get(f"{ADMIN}/dialogues/idees/modules", headers=world.admin.headers)
    assert [(i["name"], i["settings"]) for i in _ours(on.json())] == [
        ("petition", {"threshold": 3})
    ]
    elsewhere = await modules_client.get(
        f"{ADMIN}/dialogues/autres/modules", headers=world.admin.headers
    )
    assert _names(elsewhere.json()) == []

    # Its routes answer only where it is on, and its hooks fire only there.
    page = await modules_client.get("/api/v1/dialogues/idees/petition")
    assert page.status_code == 200 and page.json() == {"threshold": 3}
    assert (await modules_client.get("/api/v1/dialogues/autres/petition")).status_code == 404
    first = await _propose(modules_client, world, "idees", "Des bancs")
    await _propose(modules_client, world, "autres", "Des arbres")
    posted = await modules_client.post(
        f"/api/v1/proposals/{first}/comments", json={"body": "Oui !"}, headers=world.bob.headers
    )
    assert posted.status_code == 201, posted.text
    assert petition.submitted == ["Des bancs"] and petition.comments == ["Oui !"]
    async with database.session() as session:
        by_slug = {d.slug: d for d in await session.scalars(select(Dialogue).order_by(Dialogue.id))}
    ids = {section.id for section in module_plugins.result_sections_for(by_slug["idees"])}
    assert "petition" in ids
    ids = {section.id for section in module_plugins.result_sections_for(by_slug["autres"])}
    assert "petition" not in ids

    off = await modules_client.delete(url, headers=world.admin.headers)
    assert off.status_code == 204
    again = await modules_client.delete(url, headers=world.admin.headers)
    assert again.status_code == 204
    on = await modules_client.get(f"{ADMIN}/dialogues/idees/modules", headers=world.admin.headers)
    assert _names(on.json()) == []
    await _propose(modules_client, world, "idees", "Des fontaines")
    assert petition.submitted == ["Des bancs"]
    assert (await modules_client.get("/api/v1/dialogues/idees/petition")).status_code == 404

    async with database.session() as session:
        actions = list(
            await session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.action.like("module.%"))
                .order_by(AuditEntry.id)
            )
        )
    assert actions == ["module.grant", "module.enable", "module.disable"]


async def test_withdrawing_a_grant_turns_the_module_off_everywhere(
    modules_client: Client, module_plugins: Plugins, database: Database, world: World
) -> None:
    await _grant(database, module_plugins, world, "petition")
    for slug in ("idees", "autres"):
        await _dialogue(modules_client, world, slug)
        turned_on = await modules_client.put(
            f"{ADMIN}/dialogues/{slug}/modules/petition",
            json={"settings": {}},
            headers=world.admin.headers,
        )
        assert turned_on.json()["settings"] == {"threshold": 50}

    assert sorted(await _grant(database, module_plugins, world, "petition", False)) == [
        "autres",
        "idees",
    ]
    on = await modules_client.get(f"{ADMIN}/dialogues/idees/modules", headers=world.admin.headers)
    assert _names(on.json()) == []
    refused = await modules_client.put(
        f"{ADMIN}/dialogues/idees/modules/petition",
        json={"settings": {}},
        headers=world.admin.headers,
    )
    assert refused.status_code == 404 and refused.json()["code"] == "module.unknown"


async def test_two_administrators_turning_modules_on_at_once_keep_both(
    modules_client: Client, module_plugins: Plugins, database: Database, world: World
) -> None:
    await _grant(database, module_plugins, world, "petition")
    await _grant(database, module_plugins, world, "theme_cap")
    other = await world.person("dgs@ville.test", world.admin.user.role)
    await _dialogue(modules_client, world, "idees")
    for _ in range(5):
        answers = await asyncio.gather(
            modules_client.put(
                f"{ADMIN}/dialogues/idees/modules/petition",
                json={"settings": {"threshold": 7}},
                headers=world.admin.headers,
            ),
            modules_client.put(
                f"{ADMIN}/dialogues/idees/modules/theme_cap",
                json={"settings": {"per_theme": 2}},
                headers=other.headers,
            ),
        )
        assert [a.status_code for a in answers] == [200, 200]
        on = await modules_client.get(
            f"{ADMIN}/dialogues/idees/modules", headers=world.admin.headers
        )
        assert sorted(_names(on.json())) == ["petition", "theme_cap"]
        for name in ("petition", "theme_cap"):
            off = await modules_client.delete(
                f"{ADMIN}/dialogues/idees/modules/{name}", headers=world.admin.headers
            )
            assert off.status_code == 204


async def test_a_module_that_decides_votes_is_frozen_with_the_vote(
    modules_client: Client, module_plugins: Plugins, database: Database, world: World
) -> None:
    await _grant(database, module_plugins, world, "theme_cap")
    created = await modules_client.post(
        f"{ADMIN}/dialogues",
        json={
            "slug": "budget",
            "title": "Budget",
            "kind": "budget",
            "vote": {"type": "support", "settings": {}},
            "phases": [{"kind": "proposals"}, {"kind": "vote"}],
        },
        headers=world.admin.headers,
    )
    assert created.status_code == 201, created.text
    url = f"{ADMIN}/dialogues/budget/modules/theme_cap"
    before = await modules_client.put(
        url, json={"settings": {"per_theme": 1}}, headers=world.admin.headers
    )
    assert before.status_code == 200
    await switch_phase(modules_client, world.admin.headers, "budget", "vote")
    changed = await modules_client.put(
        url, json={"settings": {"per_theme": 2}}, headers=world.admin.headers
    )
    assert changed.status_code == 409 and changed.json()["code"] == "vote.config_frozen"
    same = await modules_client.put(
        url, json={"settings": {"per_theme": 1}}, headers=world.admin.headers
    )
    assert same.status_code == 200
    off = await modules_client.delete(url, headers=world.admin.headers)
    assert off.status_code == 409 and off.json()["code"] == "vote.config_frozen"
    in_body = await modules_client.patch(
        f"{ADMIN}/dialogues/budget",
        json={"modules": {"theme_cap": {"per_theme": 3}}},
        headers=world.admin.headers,
    )
    assert in_body.status_code == 409 and in_body.json()["code"] == "vote.config_frozen"
    with pytest.raises(Conflict) as refused:
        await _grant(database, module_plugins, world, "theme_cap", False)
    assert refused.value.code == "vote.config_frozen"


async def test_the_questionnaire_is_a_module_like_any_other(client: Client, world: World) -> None:
    created = await client.post(
        f"{ADMIN}/dialogues",
        json={
            "slug": "enquete",
            "title": "Enquête",
            "kind": "questionnaire",
            "phases": [{"kind": "vote"}],
        },
        headers=world.admin.headers,
    )
    assert created.status_code == 201, created.text
    questionnaire = "/api/v1/dialogues/enquete/questionnaire"
    assert (await client.get(questionnaire)).status_code == 404
    url = f"{ADMIN}/dialogues/enquete/modules/questionnaire"
    bad = await client.put(
        url, json={"settings": {"questions": [{"kind": "nope"}]}}, headers=world.admin.headers
    )
    assert bad.status_code == 422
    turned_on = await client.put(
        url,
        json={"settings": {"questions": [{"kind": "text", "text": "Une idée ?"}]}},
        headers=world.admin.headers,
    )
    assert turned_on.status_code == 200, turned_on.text
    assert (await client.get(questionnaire)).json()["questions"][0]["text"] == "Une idée ?"
    assert (await client.delete(url, headers=world.admin.headers)).status_code == 204
    assert (await client.get(questionnaire)).status_code == 404


async def test_the_modules_tab_turns_a_module_on_with_its_settings(
    modules_client: Client, module_plugins: Plugins, database: Database, world: World
) -> None:
    await _grant(database, module_plugins, world, "petition")
    await _dialogue(modules_client, world, "idees")
    page = "/admin/dialogues/idees/modules"
    api = f"{ADMIN}/dialogues/idees/modules"
    shown = await modules_client.get(page, headers=world.admin.headers)
    assert shown.status_code == 200
    assert "Pétition" in shown.text and 'name="petition.threshold"' in shown.text
    assert "Questionnaire" in shown.text and "/modules/questionnaire" in shown.text
    assert (await modules_client.get(page, headers=world.alice.headers)).status_code in (
        302,
        303,
        403,
    )

    refused = await modules_client.post(
        f"{page}/petition", data={"petition.threshold": "0"}, headers=world.admin.headers
    )
    assert refused.status_code == 422 and 'value="0"' in refused.text
    assert _names((await modules_client.get(api, headers=world.admin.headers)).json()) == []

    saved = await modules_client.post(
        f"{page}/petition",
        data={"petition.threshold": "12"},
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    on = _ours((await modules_client.get(api, headers=world.admin.headers)).json())
    assert on == [{"name": "petition", "title": "Pétition", "settings": {"threshold": 12}}]
    again = await modules_client.get(page, headers=world.admin.headers)
    assert 'value="12"' in again.text and "Activé" in again.text

    off = await modules_client.post(
        f"{page}/petition/off", headers=world.admin.headers, follow_redirects=False
    )
    assert off.status_code == 303
    assert _names((await modules_client.get(api, headers=world.admin.headers)).json()) == []
    unknown = await modules_client.post(
        f"{page}/nothing_like_it", data={}, headers=world.admin.headers
    )
    assert unknown.status_code == 404


async def test_the_dialogue_body_turns_modules_on_and_off_with_their_settings(
    modules_client: Client, module_plugins: Plugins, database: Database, world: World
) -> None:
    body = {"slug": "idees", "title": "Idées", "kind": "ideas", "phases": [{"kind": "proposals"}]}

    async def create(**extra: Any) -> Any:
        return await modules_client.post(
            f"{ADMIN}/dialogues", json={**body, **extra}, headers=world.admin.headers
        )

    unknown = await create(modules={"petition": {"threshold": 3}})
    assert unknown.status_code == 422 and unknown.json()["code"] == "module.unknown"
    assert unknown.json()["errors"][0]["field"] == "modules.petition"
    await _grant(database, module_plugins, world, "petition")
    for settings, field in (({"threshold": 0}, "threshold"), ({"seuil": 1}, "seuil")):
        refused = await create(modules={"petition": settings})
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == f"modules.petition.{field}"
    assert (await create(modules={"petition": [1]})).status_code in (400, 422)
    twice = await create(questionnaire={"questions": []}, modules={"questionnaire": {}})
    assert twice.status_code == 422 and "twice" in twice.json()["detail"]

    created = await create(modules={"petition": {"threshold": 3}, "map": None})
    assert created.status_code == 201, created.text
    url = f"{ADMIN}/dialogues/idees/modules"
    on = (await modules_client.get(url, headers=world.admin.headers)).json()
    assert [(i["name"], i["settings"]) for i in _ours(on)] == [("petition", {"threshold": 3})]
    assert "map" not in {item["name"] for item in on["items"]}
    page = await modules_client.get("/api/v1/dialogues/idees/petition")
    assert page.status_code == 200 and page.json() == {"threshold": 3}

    changed = await modules_client.patch(
        f"{ADMIN}/dialogues/idees",
        json={"modules": {"petition": None, "map": {}}},
        headers=world.admin.headers,
    )
    assert changed.status_code == 200, changed.text
    on = (await modules_client.get(url, headers=world.admin.headers)).json()
    assert _names(on) == [] and "map" in {item["name"] for item in on["items"]}
    assert (await modules_client.get("/api/v1/dialogues/idees/petition")).status_code == 404

    # The questionnaire, through its own field or the modules, takes the same path.
    questions = {"questions": [{"kind": "text", "text": "Une idée ?"}]}
    for extra in ({"questionnaire": questions}, {"modules": {"questionnaire": questions}}):
        turned_on = await modules_client.patch(
            f"{ADMIN}/dialogues/idees", json=extra, headers=world.admin.headers
        )
        assert turned_on.status_code == 200, turned_on.text
        asked = await modules_client.get("/api/v1/dialogues/idees/questionnaire")
        assert asked.json()["questions"][0]["text"] == "Une idée ?"
        off = await modules_client.patch(
            f"{ADMIN}/dialogues/idees",
            json={"modules": {"questionnaire": None}},
            headers=world.admin.headers,
        )
        assert off.status_code == 200
        assert (
            await modules_client.get("/api/v1/dialogues/idees/questionnaire")
        ).status_code == 404


CAPPED = Module(name="capped", title="Soutien plafonné", granted_by_default=True)


class CappedSupport(SupportVote):
    id = "capped_support"
    title = "Soutien plafonné"


class CappedPlugin:
    """A client's vote type, sold as a module."""

    @hookimpl
    def register_modules(self, registry: Registry[Module]) -> None:
        registry.add(CAPPED)

    @hookimpl
    def register_vote_types(self, registry: Registry[Any]) -> None:
        registry.add(CappedSupport())


async def test_a_vote_type_of_a_module_is_chosen_only_where_it_is_on(
    settings: Settings, database: Database, world: World
) -> None:
    plugins = build_plugins(settings, extra=[("capped", CappedPlugin())])
    app = create_app(settings, plugins=plugins, database=database)
    body = {
        "slug": "budget",
        "title": "Budget",
        "kind": "budget",
        "vote": {"type": "capped_support", "settings": {}},
        "phases": [{"kind": "proposals"}, {"kind": "vote"}],
    }
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
        headers = world.admin.headers
        refused = await client.post(f"{ADMIN}/dialogues", json=body, headers=headers)
        assert refused.status_code == 422, refused.text
        errors = refused.json()["errors"]
        assert errors == [{"field": "vote.type", "message": "its module is off"}]

        body["modules"] = {"capped": {}}
        created = await client.post(f"{ADMIN}/dialogues", json=body, headers=headers)
        assert created.status_code == 201, created.text
        url = f"{ADMIN}/dialogues/budget/modules/capped"
        in_use = await client.delete(url, headers=headers)
        assert in_use.status_code == 422 and in_use.json()["code"] == "module.in_use"
        other = await client.patch(
            f"{ADMIN}/dialogues/budget",
            json={"vote": {"type": "support", "settings": {}}},
            headers=headers,
        )
        assert other.status_code == 200, other.text
        assert (await client.delete(url, headers=headers)).status_code == 204


async def test_a_worker_s_stale_snapshot_of_the_organisation_grants_nothing(
    modules_client: Client, module_plugins: Plugins, database: Database, world: World
) -> None:
    """Another process (the command line, another worker) withdrew the grant: this
    worker's snapshot of the organisation still holds it, but the grants read under
    their lock refuse the module, in the API and in the Modules tab alike."""
    await _grant(database, module_plugins, world, "petition")
    await _dialogue(modules_client, world, "idees")
    page = "/admin/dialogues/idees/modules"
    assert "Pétition" in (await modules_client.get(page, headers=world.admin.headers)).text
    async with database.engine.begin() as connection:  # not through this worker's ORM
        await connection.execute(
            text("UPDATE organisations SET module_grants = :grants WHERE id = :id"),
            {"grants": '{"petition": false}', "id": world.org.id},
        )
    snapshot = await modules_client.get(page, headers=world.admin.headers)
    assert "Pétition" in snapshot.text  # served from the snapshot
    api = await modules_client.put(
        f"{ADMIN}/dialogues/idees/modules/petition",
        json={"settings": {}},
        headers=world.admin.headers,
    )
    assert api.status_code == 404 and api.json()["code"] == "module.unknown"
    form = await modules_client.post(
        f"{page}/petition", data={"petition.threshold": "5"}, headers=world.admin.headers
    )
    assert form.status_code == 404
    async with database.session() as session:
        dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == "idees"))
        assert dialogue is not None and not PETITION.enabled_on(dialogue)


@get("/api/v1/dialogues/{slug:str}/forgetful")
async def forgetful_page(slug: FromPath[str]) -> dict[str, Any]:
    """A client's route that forgets to check its module: the core guards it anyway."""
    return {"slug": slug}


@get("/api/v1/forgetful-stats")
async def forgetful_stats() -> dict[str, Any]:
    return {"stats": True}


FORGETFUL = Module(name="forgetful", title="Distrait")


class ForgetfulPlugin:
    @hookimpl
    def register_modules(self, registry: Registry[Module]) -> None:
        registry.add(FORGETFUL)

    @hookimpl
    def register_routes(self) -> list[Any]:
        return [forgetful_page, forgetful_stats]


async def test_a_module_s_routes_exist_only_where_it_is_on_even_unchecked(
    settings: Settings, database: Database, world: World
) -> None:
    plugins = build_plugins(settings, extra=[("forgetful", ForgetfulPlugin())])
    app = create_app(settings, plugins=plugins, database=database)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
        await _dialogue(client, world, "idees")
        page, stats = "/api/v1/dialogues/idees/forgetful", "/api/v1/forgetful-stats"
        # Not granted: neither route exists for this organisation.
        assert (await client.get(page)).status_code == 404
        assert (await client.get(stats)).status_code == 404
        await _grant(database, plugins, world, "forgetful")
        # Granted, off on the dialogue: its route of the dialogue is gone, not the other.
        assert (await client.get(page)).status_code == 404
        assert (await client.get(stats)).json() == {"stats": True}
        turned_on = await client.put(
            f"{ADMIN}/dialogues/idees/modules/forgetful",
            json={"settings": {}},
            headers=world.admin.headers,
        )
        assert turned_on.status_code == 200, turned_on.text
        assert (await client.get(page)).json() == {"slug": "idees"}
        # A dialogue that does not exist is the route's own business.
        assert (await client.get("/api/v1/dialogues/nulle-part/forgetful")).status_code == 200
