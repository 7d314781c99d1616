"""A citizen's questionnaire responses in their data download, and what their account
deletion leaves: responses that still count, linked to no one."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.db import Database
from core.models import Dialogue
from plugins.questionnaire.models import Draft, Participant, Response
from tests.conftest import World
from tests.questionnaire_helpers import (
    EVERY_KIND,
    QUESTIONNAIRE,
    RESPONSES,
    SLUG,
    MakeQuestionnaire,
    answers,
)

RESULTS = f"{QUESTIONNAIRE}/results"


async def test_named_responses_are_downloaded_then_unlinked_and_still_counted(
    client: AsyncTestClient[Litestar],
    world: World,
    database: Database,
    make_questionnaire: MakeQuestionnaire,
) -> None:
    ids = (await make_questionnaire())["ids"]
    for person, logo, why in (
        (world.alice, "blason", "Il raconte notre histoire."),
        (world.bob, "arbre", None),
    ):
        sent = await client.post(
            RESPONSES,
            json=answers(ids, logo, ["site"], 4, None, why),
            headers=person.headers,
        )
        assert sent.status_code == 201, sent.text

    data = (await client.get("/api/v1/me/data", headers=world.alice.headers)).json()
    [mine] = data["questionnaire"]["responses"]
    assert mine["dialogue"]["slug"] == SLUG and mine["anonymous"] is False
    assert mine["submitted_at"] is not None
    shown = {answer["question_id"]: answer for answer in mine["answers"]}
    assert shown[ids[0]]["value"] == "blason" and shown[ids[0]]["labels"] == ["Le blason"]
    assert shown[ids[0]]["question"] == "Quel logo pour notre ville ?"
    assert shown[ids[2]]["value"] == 4
    assert shown[ids[4]]["value"] == "Il raconte notre histoire."
    assert "arbre" not in str(mine)  # Bob's answer is not in Alice's file
    assert data["questionnaire"]["drafts"] == []

    before = (await client.get(RESULTS, headers=world.admin.headers)).json()
    deleted = await client.delete("/api/v1/me", headers=world.alice.headers)
    assert deleted.status_code == 204
    assert (await client.get(RESULTS, headers=world.admin.headers)).json() == before
    async with database.session() as session:
        responses = {r.id: r for r in await session.scalars(select(Response))}
        participants = set(await session.scalars(select(Participant.user_id)))
    assert len(responses) == 2
    assert sorted((r.user_id or 0) for r in responses.values()) == sorted([0, world.bob.user.id])
    unlinked = next(r for r in responses.values() if r.user_id is None)
    assert (unlinked.submitted_at, unlinked.updated_at) == (None, None)
    assert participants == {world.bob.user.id}


async def test_an_anonymous_response_is_only_said_to_exist(
    client: AsyncTestClient[Litestar],
    world: World,
    database: Database,
    make_questionnaire: MakeQuestionnaire,
) -> None:
    ids = (await make_questionnaire({**EVERY_KIND, "anonymous": True}))["ids"]
    sent = await client.post(
        RESPONSES, json=answers(ids, "riviere", None, 3), headers=world.alice.headers
    )
    assert sent.status_code == 201, sent.text
    data = (await client.get("/api/v1/me/data", headers=world.alice.headers)).json()
    assert data["questionnaire"]["responses"] == [
        {"dialogue": {"slug": SLUG, "title": "Le logo de la ville"}, "anonymous": True}
    ]


async def test_drafts_are_downloaded_and_deleted_with_the_account(
    client: AsyncTestClient[Litestar],
    world: World,
    database: Database,
    make_questionnaire: MakeQuestionnaire,
) -> None:
    ids = (await make_questionnaire())["ids"]
    async with database.session() as session:
        dialogue_id = await session.scalar(select(Dialogue.id).where(Dialogue.slug == SLUG))
        assert dialogue_id is not None
        session.add(
            Draft(
                dialogue_id=dialogue_id, user_id=world.alice.user.id, answers={str(ids[0]): "arbre"}
            )
        )
        await session.commit()
    data = (await client.get("/api/v1/me/data", headers=world.alice.headers)).json()
    [draft] = data["questionnaire"]["drafts"]
    assert draft["answers"] == {str(ids[0]): "arbre"}
    assert (await client.delete("/api/v1/me", headers=world.alice.headers)).status_code == 204
    async with database.session() as session:
        assert list(await session.scalars(select(Draft))) == []
