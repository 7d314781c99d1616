"""Staff void ballots: the API and the back-office page, the reason kept in the vote log,
the results no longer counting them, one audit entry, and who may do it."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.db import Database
from core.models import AuditEntry, Ballot, VoteLogEntry
from core.models.users import Role
from participe.testing import VoteSetup, put_vote, vote_dialogue
from tests.conftest import World

Client = AsyncTestClient[Litestar]
SUPPORT = {"type": "support", "settings": {}}


def _base(setup: VoteSetup) -> str:
    return f"/api/v1/admin/dialogues/{setup.slug}/ballots"


async def _results(client: Client, world: World, setup: VoteSetup) -> dict[str, Any]:
    response = await client.get(
        f"/api/v1/dialogues/{setup.slug}/results", headers=world.admin.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _supports(body: dict[str, Any]) -> dict[int, int]:
    return {p["id"]: p["tally"]["supports"] for p in body["proposals"]}


async def _ballot_of(database: Database, user_id: int) -> int:
    async with database.session() as session:
        ballot_id = await session.scalar(select(Ballot.id).where(Ballot.user_id == user_id))
        assert ballot_id is not None
        return ballot_id


async def _audit(database: Database, action: str = "ballot.void") -> list[AuditEntry]:
    async with database.session() as session:
        return list(
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        )


async def test_voiding_through_the_api(client: Client, world: World, database: Database) -> None:
    setup = await vote_dialogue(client, world, SUPPORT)
    first, second = setup.proposals[:2]
    for person in (world.alice, world.bob):
        assert (await put_vote(client, person, setup, first)).status_code == 200
    assert (await put_vote(client, world.bob, setup, second)).status_code == 200
    before = await _results(client, world, setup)
    assert before["ballots_counted"] == 2
    assert _supports(before)[first] == 2 and _supports(before)[second] == 1

    listed = await client.get(_base(setup), headers=world.admin.headers)
    assert listed.status_code == 200, listed.text
    page = listed.json()
    assert page["total"] == 2 and page["page"] == 1 and page["per_page"] == 20
    bob_ballot = await _ballot_of(database, world.bob.user.id)
    row = next(item for item in page["items"] if item["id"] == bob_ballot)
    assert row["status"] == "confirmed" and row["counted"] is True and row["votes"] == 2
    assert row["voided_at"] is None and "email" not in row

    voided = await client.post(
        f"{_base(setup)}/{bob_ballot}/void",
        json={"reason": "  Compte en double  "},
        headers=world.admin.headers,
    )
    assert voided.status_code == 200, voided.text
    body = voided.json()
    assert body["id"] == bob_ballot and body["reason"] == "Compte en double"
    assert body["voided_at"] is not None

    after = await _results(client, world, setup)
    assert after["ballots_counted"] == 1
    assert _supports(after)[first] == 1 and _supports(after)[second] == 0
    # The citizen can no longer change it.
    refused = await put_vote(client, world.bob, setup, setup.proposals[2])
    assert refused.status_code == 403 and refused.json()["code"] == "vote.not_allowed"
    # Kept in the vote log with the reason, and in the audit log once.
    async with database.session() as session:
        log = list(
            await session.scalars(
                select(VoteLogEntry).where(
                    VoteLogEntry.ballot_id == bob_ballot, VoteLogEntry.action == "void"
                )
            )
        )
    assert [entry.reason for entry in log] == ["Compte en double"]
    entries = await _audit(database)
    assert [(e.target, e.details["reason"], e.actor_id) for e in entries] == [
        (f"ballot:{bob_ballot}", "Compte en double", world.admin.user.id)
    ]

    # Voiding again answers the first voiding and records nothing more.
    again = await client.post(
        f"{_base(setup)}/{bob_ballot}/void",
        json={"reason": "Autre raison"},
        headers=world.admin.headers,
    )
    assert again.status_code == 200
    assert again.json() == body
    assert len(await _audit(database)) == 1
    voided_only = await client.get(f"{_base(setup)}?state=voided", headers=world.admin.headers)
    assert [item["id"] for item in voided_only.json()["items"]] == [bob_ballot]
    assert voided_only.json()["items"][0]["void_reason"] == "Compte en double"


async def test_bad_requests_are_refused(client: Client, world: World, database: Database) -> None:
    setup = await vote_dialogue(client, world, SUPPORT)
    assert (await put_vote(client, world.alice, setup, setup.proposals[0])).status_code == 200
    ballot_id = await _ballot_of(database, world.alice.user.id)
    url = f"{_base(setup)}/{ballot_id}/void"
    for body in ({"reason": ""}, {"reason": "   "}, {"reason": "x" * 1001}, {}):
        refused = await client.post(url, json=body, headers=world.admin.headers)
        assert refused.status_code == 422, body
        assert refused.json()["code"] == "validation"
    unknown = await client.post(
        f"{_base(setup)}/{ballot_id + 1000}/void",
        json={"reason": "doublon"},
        headers=world.admin.headers,
    )
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    # A ballot of another dialogue is unknown in this one.
    other = await vote_dialogue(client, world, SUPPORT, slug="autre")
    elsewhere = await client.post(
        f"{_base(other)}/{ballot_id}/void", json={"reason": "doublon"}, headers=world.admin.headers
    )
    assert elsewhere.status_code == 404
    # Administrators only void; moderators may read the list, citizens nothing.
    moderator = await world.person("modo@ville.test", Role.MODERATOR)
    forbidden = await client.post(url, json={"reason": "doublon"}, headers=moderator.headers)
    assert forbidden.status_code == 403
    assert (await client.get(_base(setup), headers=moderator.headers)).status_code == 200
    citizen = await client.post(url, json={"reason": "doublon"}, headers=world.alice.headers)
    assert citizen.status_code == 403
    assert (await client.get(_base(setup), headers=world.alice.headers)).status_code == 403
    assert (await client.post(url, json={"reason": "doublon"})).status_code == 401
    assert await _audit(database) == []
    assert (await _results(client, world, setup))["ballots_counted"] == 1


async def test_voiding_from_the_back_office_page(
    client: Client, world: World, database: Database
) -> None:
    setup = await vote_dialogue(client, world, SUPPORT)
    assert (await put_vote(client, world.alice, setup, setup.proposals[0])).status_code == 200
    ballot_id = await _ballot_of(database, world.alice.user.id)
    page_url = f"/admin/dialogues/{setup.slug}/ballots"

    tabs = await client.get(f"/admin/dialogues/{setup.slug}", headers=world.admin.headers)
    assert f'href="{page_url}"' in tabs.text
    page = await client.get(page_url, headers=world.admin.headers)
    assert page.status_code == 200
    assert f'action="{page_url}/{ballot_id}/void"' in page.text
    moderator = await world.person("modo@ville.test", Role.MODERATOR)
    seen = await client.get(page_url, headers=moderator.headers)
    assert seen.status_code == 200 and "/void" not in seen.text

    empty = await client.post(
        f"{page_url}/{ballot_id}/void", data={"reason": ""}, headers=world.admin.headers
    )
    assert empty.status_code == 422
    assert f"Bulletin n° {ballot_id}" in empty.text and "Dites pourquoi" in empty.text
    done = await client.post(
        f"{page_url}/{ballot_id}/void",
        data={"reason": "Vote acheté", "state": "counted"},
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"{page_url}?notice=ballot_voided&state=counted"
    shown = await client.get(f"{page_url}?state=voided", headers=world.admin.headers)
    assert "Vote acheté" in shown.text and "Le bulletin est annulé" not in shown.text
    assert (await _results(client, world, setup))["ballots_counted"] == 0
    assert len(await _audit(database)) == 1
