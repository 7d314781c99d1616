"""The platform operator's page (``/operator/modules``): an operator grants and withdraws
the modules of every organisation, in French or in English; nobody else opens it, an
organisation's administrators included; its forms need their CSRF token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.db import Database
from core.hookspecs import hookimpl
from core.models import AuditEntry, Dialogue, Organisation
from core.models.users import Role
from core.modules import Module
from core.plugin_manager import Plugins
from core.registries import Registry
from core.services import organisations
from core.settings import Settings
from tests.conftest import Person, World, without_installed
from tests.helpers import ADMIN_DIALOGUES, phases_now
from tests.signin_helpers import csrf_in, sign_in
from web.app import create_app
from web.plugins import build_plugins

Client = AsyncTestClient[Litestar]
PAGE = "/operator/modules"


class PetitionSettings(msgspec.Struct, forbid_unknown_fields=True):
    threshold: int = 50


PETITION = Module(name="petition", title="Pétition", settings_type=PetitionSettings)
CAP = Module(name="theme_cap", title="Plafond par thème", decides_votes=True)


class ClientModules:
    """Two client features, as separate packages would declare them."""

    @hookimpl
    def register_modules(self, registry: Registry[Module]) -> None:
        registry.add(PETITION)
        registry.add(CAP)


@pytest.fixture
def module_plugins(settings: Settings) -> Plugins:
    return build_plugins(without_installed(settings), extra=[("client_modules", ClientModules())])


@pytest.fixture
async def operator_client(
    settings: Settings, module_plugins: Plugins, database: Database
) -> AsyncIterator[Client]:
    app = create_app(settings, plugins=module_plugins, database=database)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
        yield client


@pytest.fixture
async def neighbour(world: World) -> Organisation:
    async with world.database.session() as session:
        other = await organisations.create_organisation(
            session, slug="voisine", name="Ville voisine", hosts=["participer.voisine.example"]
        )
        await session.commit()
        return other


@pytest.fixture
async def operator(world: World) -> Person:
    """An operator who is a citizen of the organisation: no right in its back office."""
    return await world.person("operations@hebergeur.example", is_operator=True)


async def _grants(database: Database, slug: str) -> dict[str, Any]:
    async with database.session() as session:
        organisation = await organisations.get_by_slug(session, slug)
        return dict(organisation.module_grants)


async def _audit(database: Database, action: str) -> list[tuple[int, int | None, Any]]:
    async with database.session() as session:
        rows = await session.execute(
            select(AuditEntry.organisation_id, AuditEntry.actor_id, AuditEntry.details)
            .where(AuditEntry.action == action)
            .order_by(AuditEntry.id)
        )
        return [tuple(row) for row in rows]


def _post(client: Client, person: Person, path: str, **headers: str) -> Any:
    return client.post(path, data={}, headers={**person.headers, **headers}, follow_redirects=False)


async def test_the_operator_grants_a_module_to_one_organisation(
    operator_client: Client, world: World, neighbour: Organisation, operator: Person
) -> None:
    shown = await operator_client.get(PAGE, headers=operator.headers)
    assert shown.status_code == 200, shown.text
    for text in ("Modules des organisations", "Ville de Test", "Ville voisine", "Pétition"):
        assert text in shown.text
    assert 'action="/operator/modules/voisine/petition/grant"' in shown.text
    assert 'action="/operator/modules/voisine/agenda/withdraw"' in shown.text
    assert 'name="csrf_token"' in shown.text

    granted = await _post(operator_client, operator, f"{PAGE}/voisine/petition/grant")
    assert granted.status_code == 303, granted.text
    assert granted.headers["location"] == f"{PAGE}?notice=module_granted"
    assert await _grants(world.database, "voisine") == {"petition": True}
    assert await _grants(world.database, "ville") == {}
    after = await operator_client.get(granted.headers["location"], headers=operator.headers)
    assert "Le module est accordé à l&#39;organisation." in after.text
    assert 'action="/operator/modules/voisine/petition/withdraw"' in after.text
    assert 'action="/operator/modules/ville/petition/grant"' in after.text
    # In the organisation's audit log, as the operator's.
    assert await _audit(world.database, "module.grant") == [
        (neighbour.id, operator.user.id, {"module": "petition", "dialogues": []})
    ]
    logged = await operator_client.get("/admin/audit", headers=world.admin.headers)
    assert "Module accordé" not in logged.text  # the neighbour's log, not this one's
    # Granted to the neighbour only: this organisation's administrators still lack it.
    listed = await operator_client.get("/api/v1/admin/modules", headers=world.admin.headers)
    assert "petition" not in {item["name"] for item in listed.json()["items"]}


async def test_withdrawing_a_module_turns_it_off_on_the_dialogues(
    operator_client: Client, world: World, operator: Person
) -> None:
    assert (await _post(operator_client, operator, f"{PAGE}/ville/petition/grant")).is_redirect
    body = {"slug": "idees", "title": "Idées", "kind": "ideas", "phases": phases_now("proposals")}
    created = await operator_client.post(ADMIN_DIALOGUES, json=body, headers=world.admin.headers)
    assert created.status_code == 201, created.text
    turned_on = await operator_client.put(
        f"{ADMIN_DIALOGUES}/idees/modules/petition",
        json={"settings": {"threshold": 3}},
        headers=world.admin.headers,
    )
    assert turned_on.status_code == 200, turned_on.text

    withdrawn = await _post(operator_client, operator, f"{PAGE}/ville/petition/withdraw")
    assert withdrawn.status_code == 303
    assert withdrawn.headers["location"] == f"{PAGE}?notice=module_withdrawn"
    assert await _grants(world.database, "ville") == {}
    async with world.database.session() as session:
        dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == "idees"))
        assert dialogue is not None and not PETITION.enabled_on(dialogue)
    assert await _audit(world.database, "module.withdraw") == [
        (world.org.id, operator.user.id, {"module": "petition", "dialogues": ["idees"]})
    ]
    logged = await operator_client.get("/admin/audit", headers=world.admin.headers)
    assert "Module retiré par l&#39;opérateur de la plateforme" in logged.text
    assert "operations@hebergeur.example" in logged.text
    again = await operator_client.put(
        f"{ADMIN_DIALOGUES}/idees/modules/petition",
        json={"settings": {}},
        headers=world.admin.headers,
    )
    assert again.status_code == 404 and again.json()["code"] == "module.unknown"
    # A built-in module, granted by default, is withdrawn the same way.
    built_in = await _post(operator_client, operator, f"{PAGE}/ville/agenda/withdraw")
    assert built_in.status_code == 303
    assert await _grants(world.database, "ville") == {"agenda": False}


async def test_a_module_deciding_an_open_vote_cannot_be_withdrawn(
    operator_client: Client, world: World, operator: Person
) -> None:
    await _post(operator_client, operator, f"{PAGE}/ville/theme_cap/grant")
    body = {
        "slug": "budget",
        "title": "Budget",
        "kind": "budget",
        "vote": {"type": "support", "settings": {}},
        "phases": phases_now("proposals"),
    }
    created = await operator_client.post(ADMIN_DIALOGUES, json=body, headers=world.admin.headers)
    assert created.status_code == 201, created.text
    url = f"{ADMIN_DIALOGUES}/budget/modules/theme_cap"
    assert (await operator_client.put(url, json={}, headers=world.admin.headers)).status_code == 200
    switched = await operator_client.post(
        f"{ADMIN_DIALOGUES}/budget/phase", json={"kind": "vote"}, headers=world.admin.headers
    )
    assert switched.status_code == 200, switched.text

    refused = await _post(operator_client, operator, f"{PAGE}/ville/theme_cap/withdraw")
    assert refused.status_code == 409
    assert "il ne peut plus lui être retiré" in refused.text
    assert 'id="refusal-ville-theme_cap"' in refused.text
    assert await _grants(world.database, "ville") == {"theme_cap": True}
    assert await _audit(world.database, "module.withdraw") == []


async def test_nobody_but_an_operator_opens_the_page(
    operator_client: Client, world: World, neighbour: Organisation, operator: Person
) -> None:
    """Citizens, and administrators too: an organisation's staff are not operators."""
    reviewer = await world.person("instruction@ville.test", Role.REVIEWER)
    for person in (world.alice, world.admin, reviewer):
        page = await operator_client.get(PAGE, headers=person.headers)
        assert page.status_code == 403, (person.user.email, page.status_code)
        posted = await _post(operator_client, person, f"{PAGE}/voisine/petition/grant")
        assert posted.status_code == 403
        api = await operator_client.post(
            f"{PAGE}/voisine/petition/grant",
            headers={**person.headers, "accept": "application/json"},
        )
        assert api.status_code == 403 and api.json()["code"] == "forbidden"
    anonymous = await operator_client.get(PAGE)
    assert anonymous.status_code == 401
    assert (await operator_client.post(f"{PAGE}/voisine/petition/grant", data={})).status_code in (
        401,
        403,
    )
    assert await _grants(world.database, "voisine") == {}
    assert await _audit(world.database, "module.grant") == []
    # The operator is still a citizen in the back office.
    assert (await operator_client.get("/admin", headers=operator.headers)).status_code == 403
    # Unknown organisations and modules: 404.
    unknown_org = await _post(operator_client, operator, f"{PAGE}/nulle-part/petition/grant")
    assert unknown_org.status_code == 404
    unknown = await _post(operator_client, operator, f"{PAGE}/voisine/nothing_like_it/grant")
    assert unknown.status_code == 404 and "nothing_like_it" in unknown.text
    nonsense = await _post(operator_client, operator, f"{PAGE}/voisine/petition/steal")
    assert nonsense.status_code == 404


async def test_the_page_form_needs_its_csrf_token(
    operator_client: Client, world: World, operator: Person
) -> None:
    await sign_in(operator_client, world.database, "operations@hebergeur.example")
    page = await operator_client.get(PAGE)
    assert page.status_code == 200
    forged = await operator_client.post(
        f"{PAGE}/ville/petition/grant", data={}, follow_redirects=False
    )
    assert forged.status_code == 403 and "Jeton de sécurité" in forged.text
    assert await _grants(world.database, "ville") == {}
    sent = await operator_client.post(
        f"{PAGE}/ville/petition/grant",
        data={"csrf_token": csrf_in(page.text)},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    assert await _grants(world.database, "ville") == {"petition": True}


async def test_the_page_speaks_french_and_english(
    operator_client: Client, world: World, operator: Person
) -> None:
    french = await operator_client.get(PAGE, headers=operator.headers)
    assert french.headers["content-language"] == "fr"
    for text in ("Modules des organisations", "Accorder", "Non accordé", "(par défaut)"):
        assert text in french.text
    english = await operator_client.get(
        f"{PAGE}?notice=module_granted", headers={**operator.headers, "accept-language": "en"}
    )
    assert english.headers["content-language"] == "en"
    for text in ("Modules of the organisations", "Grant", "Not granted", "(by default)"):
        assert text in english.text, text
    assert "The module is granted to the organisation." in english.text
    assert "Accorder" not in english.text and "Non accordé" not in english.text


async def test_the_back_office_menu_shows_the_page_to_operators_only(
    operator_client: Client, world: World, operator: Person
) -> None:
    link = 'href="/operator/modules"'
    assert link not in (await operator_client.get("/admin", headers=world.admin.headers)).text
    both = await world.person("dgs@ville.test", Role.ADMIN, is_operator=True)
    menu = await operator_client.get("/admin", headers=both.headers)
    assert menu.status_code == 200 and link in menu.text
    # An operator without a role finds it on their account page.
    await sign_in(operator_client, world.database, "operations@hebergeur.example")
    account = await operator_client.get("/me")
    assert account.status_code == 200 and link in account.text
    operator_page = await operator_client.get(PAGE)
    assert 'href="/admin/dialogues"' not in operator_page.text  # no staff menu for them


async def test_the_operator_grants_and_withdraws_through_the_api(
    operator_client: Client, world: World, neighbour: Organisation, operator: Person
) -> None:
    api = "/api/v1/operator/organisations"
    listed = await operator_client.get(api, headers=operator.headers)
    assert listed.status_code == 200, listed.text
    by_slug = {item["slug"]: item for item in listed.json()["items"]}
    assert set(by_slug) == {"ville", "voisine"}
    petition = next(m for m in by_slug["voisine"]["modules"] if m["name"] == "petition")
    assert petition == {
        "name": "petition",
        "title": "Pétition",
        "granted": False,
        "by_default": True,
    }

    granted = await operator_client.put(f"{api}/voisine/modules/petition", headers=operator.headers)
    assert granted.status_code == 200, granted.text
    assert granted.json() == {
        "organisation": "voisine",
        "name": "petition",
        "granted": True,
        "turned_off": [],
    }
    assert await _grants(world.database, "voisine") == {"petition": True}
    assert await _audit(world.database, "module.grant") == [
        (neighbour.id, operator.user.id, {"module": "petition", "dialogues": []})
    ]
    withdrawn = await operator_client.delete(
        f"{api}/voisine/modules/petition", headers=operator.headers
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["granted"] is False
    assert await _grants(world.database, "voisine") == {}

    unknown = await operator_client.put(f"{api}/voisine/modules/nothing", headers=operator.headers)
    assert unknown.status_code == 404 and unknown.json()["code"] == "module.unknown"
    nowhere = await operator_client.put(f"{api}/nowhere/modules/petition", headers=operator.headers)
    assert nowhere.status_code == 404
    # An organisation's administrator is no operator; a citizen neither; nobody anonymous.
    for headers, status in ((world.admin.headers, 403), (world.alice.headers, 403), ({}, 401)):
        refused = await operator_client.put(f"{api}/voisine/modules/petition", headers=headers)
        assert refused.status_code == status
        assert (await operator_client.get(api, headers=headers)).status_code == status
    assert await _grants(world.database, "voisine") == {}
