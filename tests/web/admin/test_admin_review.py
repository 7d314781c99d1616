"""Review ("instruction"): statuses (custom ones too), public answer, notes, groups,
bulk actions, and the email that tells the author."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.db import Database
from core.models import Organisation, OutboxMessage, Proposal
from core.models.users import Role
from tests.conftest import World
from tests.helpers import create_dialogue

Client = AsyncTestClient[Litestar]
PROPOSALS = "/api/v1/dialogues/budget-2027/proposals"


async def submit(client: Client, world: World, title: str, **extra: Any) -> int:
    response = await client.post(
        PROPOSALS,
        json={"title": title, "body": "Un texte.", **extra},
        headers=world.alice.headers,
    )
    assert response.status_code == 201, response.text
    proposal_id: int = response.json()["id"]
    return proposal_id


async def outbox(database: Database, kind: str = "proposal_status") -> list[OutboxMessage]:
    async with database.session() as session:
        return list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
            )
        )


async def test_a_reviewer_gives_a_status_and_the_author_is_told(
    client: Client, world: World
) -> None:
    await create_dialogue(
        client,
        world.admin.headers,
        form=[{"key": "tel", "label": "Téléphone", "type": "text", "confidential": True}],
    )
    proposal_id = await submit(client, world, "Un jardin partagé", fields={"tel": "0611"})
    reviewer = await world.person("agent@ville.test", Role.REVIEWER)
    page = await client.get(f"/admin/proposals/{proposal_id}", headers=reviewer.headers)
    assert page.status_code == 200
    assert "0611" in page.text and "(confidentiel)" in page.text

    saved = await client.post(
        f"/admin/proposals/{proposal_id}/review",
        data={
            "status": "refused",
            "status_reason": "Le terrain n'est pas à la ville.",
            "cost": "12 000",
            "feasibility": "not_feasible",
        },
        headers=reviewer.headers,
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    seen = (await client.get(f"/api/v1/proposals/{proposal_id}")).json()
    assert seen["status"] == "refused"
    assert seen["status_reason"] == "Le terrain n'est pas à la ville."
    assert seen["cost"] == 12_000
    [message] = await outbox(world.database)
    assert message.recipient == "alice@example.org"
    assert "non retenue" in message.subject
    assert "Le terrain n'est pas à la ville." in message.text_body
    assert f"/proposals/{proposal_id}" in message.text_body

    # Saving again without a change of status or of answer sends nothing more.
    await client.post(
        f"/admin/proposals/{proposal_id}/review",
        data={
            "status": "refused",
            "status_reason": "Le terrain n'est pas à la ville.",
            "feasibility": "not_feasible",
        },
        headers=reviewer.headers,
    )
    assert len(await outbox(world.database)) == 1
    # A new answer is news: the author reads it.
    await client.post(
        f"/admin/proposals/{proposal_id}/review",
        data={"status": "refused", "status_reason": "Précision.", "feasibility": "not_feasible"},
        headers=reviewer.headers,
    )
    _, newest = await outbox(world.database)
    assert "Précision." in newest.text_body


async def test_notes_are_private_and_bad_input_is_said(client: Client, world: World) -> None:
    await create_dialogue(client, world.admin.headers, themes=[{"key": "eau", "label": "Eau"}])
    proposal_id = await submit(client, world, "Une fontaine")
    added = await client.post(
        f"/admin/proposals/{proposal_id}/notes",
        data={"note": "Voir avec le service des eaux."},
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert added.status_code == 303
    page = await client.get(f"/admin/proposals/{proposal_id}", headers=world.admin.headers)
    assert "Voir avec le service des eaux." in page.text
    public = await client.get(f"/api/v1/proposals/{proposal_id}", headers=world.alice.headers)
    assert "service des eaux" not in public.text
    empty = await client.post(
        f"/admin/proposals/{proposal_id}/notes", data={"note": " "}, headers=world.admin.headers
    )
    assert empty.status_code == 422 and "Écrivez la note." in empty.text
    bad = await client.post(
        f"/admin/proposals/{proposal_id}/review",
        data={"status": "nope", "cost": "beaucoup", "status_reason": "Gardé"},
        headers=world.admin.headers,
    )
    assert bad.status_code == 422
    assert "Saisissez un nombre entier." in bad.text
    assert "Gardé" in bad.text
    citizen = await client.get(f"/admin/proposals/{proposal_id}", headers=world.alice.headers)
    assert citizen.status_code == 403


async def test_custom_statuses_map_to_fixed_ones(client: Client, world: World) -> None:
    async with world.database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        org.options = {
            **org.options,
            "custom_statuses": [
                {"key": "etude", "label": "Étude technique en cours", "status": "under_review"}
            ],
        }
        await session.commit()
    await create_dialogue(client, world.admin.headers)
    proposal_id = await submit(client, world, "Un banc")
    page = await client.get(f"/admin/proposals/{proposal_id}", headers=world.admin.headers)
    assert "Étude technique en cours" in page.text
    await client.post(
        f"/admin/proposals/{proposal_id}/review",
        data={"status": "etude", "status_reason": ""},
        headers=world.admin.headers,
    )
    assert (await client.get(f"/api/v1/proposals/{proposal_id}")).json()["status"] == (
        "under_review"
    )
    async with world.database.session() as session:
        proposal = await session.get(Proposal, proposal_id)
        assert proposal is not None and proposal.status_label == "etude"
    [message] = await outbox(world.database)
    assert "Étude technique en cours" in message.subject
    listing = await client.get(
        "/admin/dialogues/budget-2027/proposals?status=etude", headers=world.admin.headers
    )
    assert "Un banc" in listing.text


async def test_bulk_actions_assign_and_decide(client: Client, world: World) -> None:
    await create_dialogue(client, world.admin.headers)
    await client.post("/api/v1/admin/groups", json={"name": "Voirie"}, headers=world.admin.headers)
    ids = [await submit(client, world, f"Idée {n}") for n in range(3)]
    page = await client.get("/admin/dialogues/budget-2027/proposals", headers=world.admin.headers)
    assert page.status_code == 200 and "3 proposition(s)" in page.text

    nothing = await client.post(
        "/admin/dialogues/budget-2027/proposals/bulk",
        data={"status": "accepted"},
        headers=world.admin.headers,
    )
    assert nothing.status_code == 422 and "Cochez au moins une proposition." in nothing.text
    no_change = await client.post(
        "/admin/dialogues/budget-2027/proposals/bulk",
        data={"ids": [str(ids[0])]},
        headers=world.admin.headers,
    )
    assert no_change.status_code == 422

    async with world.database.session() as session:
        from core.models import Group

        group_id = await session.scalar(select(Group.id).where(Group.name == "Voirie"))
    done = await client.post(
        "/admin/dialogues/budget-2027/proposals/bulk",
        data={
            "ids": [str(ids[0]), str(ids[1])],
            "status": "accepted",
            "review_group": str(group_id),
            "status_reason": "Retenue pour le vote.",
        },
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert done.status_code == 303
    statuses = [(await client.get(f"/api/v1/proposals/{i}")).json()["status"] for i in ids]
    assert statuses == ["accepted", "accepted", "published"]
    assert len(await outbox(world.database)) == 2
    filtered = await client.get(
        f"/admin/dialogues/budget-2027/proposals?group={group_id}", headers=world.admin.headers
    )
    assert "2 proposition(s)" in filtered.text
    reviewer = await world.person("voirie@ville.test", Role.REVIEWER)
    await client.put(
        "/api/v1/admin/groups/Voirie/members/voirie@ville.test", headers=world.admin.headers
    )
    mine = await client.get(
        "/admin/dialogues/budget-2027/proposals?group=mine", headers=reviewer.headers
    )
    assert "2 proposition(s)" in mine.text
    moderator = await world.person("modo@ville.test", Role.MODERATOR)
    refused = await client.post(
        "/admin/dialogues/budget-2027/proposals/bulk",
        data={"ids": [str(ids[2])], "status": "refused"},
        headers=moderator.headers,
    )
    assert refused.status_code == 403
