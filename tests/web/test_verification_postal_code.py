"""The weak verification: a postal code of the area. Administrators set the codes (API and
back office); a citizen declares one (API and page, without JavaScript) and then votes
where the dialogue accepts the ``postal_code`` method; a dialogue that asks for the
residents list refuses them; an account verified as a person keeps that stronger
verification."""

from __future__ import annotations

from html import unescape

import httpx
from sqlalchemy import func, select

from core.db import Database
from core.models import AuditEntry
from core.models.users import Role
from participe.testing import put_vote
from tests.ballot_helpers import Client
from tests.conftest import Person, World
from tests.signin_helpers import csrf_in, sign_in
from tests.web.test_verification import ELODIE, ME_API, by_census, residents_dialogue, upload

CODES_API = "/api/v1/admin/verification/postal-codes"


async def _codes(client: Client, world: World, codes: list[str]) -> int:
    response = await client.put(
        CODES_API, json={"postal_codes": codes}, headers=world.admin.headers
    )
    return int(response.status_code)


async def _declare(client: Client, person: Person, code: str) -> httpx.Response:
    response: httpx.Response = await client.post(
        f"{ME_API}/postal-code", json={"postal_code": code}, headers=person.headers
    )
    return response


async def test_a_citizen_declares_a_postal_code_of_the_area_and_votes(
    client: Client, world: World, database: Database
) -> None:
    assert await _codes(client, world, ["45100", "45 160", "45100"]) == 200
    shown = await client.get(CODES_API, headers=world.admin.headers)
    assert shown.json() == {"postal_codes": ["45100", "45160"]}
    bad = await client.put(
        CODES_API, json={"postal_codes": ["45100", "rue"]}, headers=world.admin.headers
    )
    assert bad.status_code == 422 and "rue" in bad.json()["detail"]
    assert (await client.get(CODES_API, headers=world.admin.headers)).json() == shown.json()
    moderator = await world.person("moderation@ville.test", Role.MODERATOR)
    refused = await client.put(
        CODES_API, json={"postal_codes": ["75001"]}, headers=moderator.headers
    )
    assert refused.status_code == 403
    assert await _codes(client, world, ["45100", "45160"]) == 200

    setup = await residents_dialogue(client, world, slug="quartiers", methods=("postal_code",))
    before = await put_vote(client, world.alice, setup, setup.proposals[0])
    assert (before.status_code, before.json()["code"]) == (403, "vote.verification_required")
    wrong = await _declare(client, world.alice, "75011")
    assert (wrong.status_code, wrong.json()["code"]) == (422, "verification.no_match")
    right = await _declare(client, world.alice, " 45 160 ")
    assert right.status_code == 200, right.text
    assert right.json()["method"] == "postal_code"
    voted = await put_vote(client, world.alice, setup, setup.proposals[0])
    assert voted.status_code in (200, 201), voted.text

    # A dialogue that asks for the residents list does not take the weak check.
    strict = await residents_dialogue(client, world, slug="liste", methods=("census",))
    refused_vote = await put_vote(client, world.alice, strict, strict.proposals[0])
    assert refused_vote.status_code == 403

    async with database.session() as session:
        logged = await session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "verification.postal_codes")
        )
    assert logged == 2  # each change of the list, by an administrator


async def test_a_person_verified_by_the_list_keeps_it(client: Client, world: World) -> None:
    assert (await upload(client, world)).status_code == 200
    assert await _codes(client, world, ["75011"]) == 200
    assert (await by_census(client, world.alice, ELODIE)).status_code == 200
    declared = await _declare(client, world.alice, "75011")
    assert declared.json()["method"] == "census"


async def test_the_pages_without_javascript(
    client: Client, world: World, database: Database
) -> None:
    await sign_in(client, database, world.admin.user.email)
    admin_page = await client.get("/admin/verification")
    assert "Codes postaux de la commune" in admin_page.text
    bad = await client.post(
        "/admin/verification/postal-codes",
        data={"postal_codes": "45100\nla mairie", "csrf_token": csrf_in(admin_page.text)},
    )
    assert bad.status_code == 422 and "la mairie" in unescape(bad.text)
    assert "45100\nla mairie</textarea>" in unescape(bad.text)  # what was typed stays
    saved = await client.post(
        "/admin/verification/postal-codes",
        data={"postal_codes": "45100, 45160", "csrf_token": csrf_in(admin_page.text)},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("#postal-codes")
    await client.get("/signout")
    client.cookies.clear()

    await sign_in(client, database, world.alice.user.email)
    page = await client.get("/me/verification")
    assert "Par votre code postal" in unescape(page.text)
    token = csrf_in(page.text)
    wrong = await client.post(
        "/me/verification/postal-code", data={"postal_code": "75011", "csrf_token": token}
    )
    assert wrong.status_code == 422
    assert "n'est pas l'un de ceux de la commune" in unescape(wrong.text)
    assert 'value="75011"' in wrong.text
    right = await client.post(
        "/me/verification/postal-code",
        data={"postal_code": "45100", "csrf_token": token, "next": "/dialogues/x"},
        follow_redirects=False,
    )
    assert right.status_code == 303 and right.headers["location"].startswith("/dialogues/x")
    assert "notice=postal_code_declared" in right.headers["location"]
    page = await client.get("/me/verification?notice=postal_code_declared")
    assert "cette vérification faible" in unescape(page.text)
    assert 'action="/me/verification/postal-code"' not in page.text  # declared already
    english = await client.get("/me/verification", headers={"Accept-Language": "en"})
    assert "weak check" in english.text
