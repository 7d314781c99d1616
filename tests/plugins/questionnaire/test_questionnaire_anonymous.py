"""An anonymous questionnaire stores no link from a response to its author, while each
citizen still answers once."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import inspect, select, text

from core.db import Database
from plugins.questionnaire.models import Participant, Response
from tests.conftest import World
from tests.questionnaire_helpers import EVERY_KIND, RESPONSES, MakeQuestionnaire, answers


async def _columns(database: Database, table: str) -> dict[str, list[str]]:
    """Column names and foreign keys' target tables of ``table``, read from the database."""

    def read(connection: object) -> dict[str, list[str]]:
        inspector = inspect(connection)
        return {
            "columns": [column["name"] for column in inspector.get_columns(table)],
            "references": [key["referred_table"] for key in inspector.get_foreign_keys(table)],
        }

    async with database.engine.connect() as connection:
        return await connection.run_sync(read)


async def test_anonymous_responses_carry_no_user_reference(
    client: AsyncTestClient[Litestar],
    world: World,
    database: Database,
    make_questionnaire: MakeQuestionnaire,
) -> None:
    shown = await make_questionnaire({**EVERY_KIND, "anonymous": True})
    assert shown["anonymous"] is True
    ids = shown["ids"]
    for person, logo in ((world.alice, "riviere"), (world.bob, "arbre")):
        response = await client.post(
            RESPONSES, json=answers(ids, logo, None, 3), headers=person.headers
        )
        assert response.status_code == 201, response.text
        # The author is not even told their answers back: they are no longer theirs.
        assert response.json()["answers"] is None

    async with database.session() as session:
        stored = list(await session.execute(text("SELECT * FROM questionnaire_responses")))
        answer_rows = list(await session.execute(text("SELECT * FROM questionnaire_answers")))
        participants = set(
            await session.execute(select(Participant.dialogue_id, Participant.user_id))
        )
    # Every column of every response is empty but the id and the dialogue.
    response_columns = (await _columns(database, "questionnaire_responses"))["columns"]
    for row in stored:
        values = dict(zip(response_columns, row, strict=True))
        assert set(key for key, value in values.items() if value is not None) == {
            "id",
            "dialogue_id",
        }
    user_ids = {world.alice.user.id, world.bob.user.id}
    # Answers refer to a response and a question only: no user table, no user id.
    answers_schema = await _columns(database, "questionnaire_answers")
    assert "users" not in answers_schema["references"]
    assert not any("user" in name for name in answers_schema["columns"])
    assert len(answer_rows) == 4
    # Who answered is known, but not which response is whose: the participants table
    # refers to no response.
    participants_schema = await _columns(database, "questionnaire_participants")
    assert participants_schema["columns"] == ["dialogue_id", "user_id"]
    assert "questionnaire_responses" not in participants_schema["references"]
    assert {user_id for _, user_id in participants} == user_ids


async def test_anonymous_still_one_response_per_citizen(
    client: AsyncTestClient[Litestar],
    world: World,
    database: Database,
    make_questionnaire: MakeQuestionnaire,
) -> None:
    ids = (await make_questionnaire({**EVERY_KIND, "anonymous": True}))["ids"]
    first = await client.post(
        RESPONSES, json=answers(ids, "riviere", None, 3), headers=world.alice.headers
    )
    assert first.status_code == 201
    again = await client.post(
        RESPONSES, json=answers(ids, "arbre", None, 1), headers=world.alice.headers
    )
    assert again.status_code == 409
    assert again.json()["code"] == "questionnaire.already_answered"
    mine = (await client.get(f"{RESPONSES}/me", headers=world.alice.headers)).json()
    assert mine == {
        "answered": True,
        "answers": None,
        "submitted_at": None,
        "updated_at": None,
        "editable": False,
    }
    async with database.session() as session:
        assert len(list(await session.scalars(select(Response)))) == 1


async def test_a_named_questionnaire_keeps_the_author(
    client: AsyncTestClient[Litestar],
    world: World,
    database: Database,
    make_questionnaire: MakeQuestionnaire,
) -> None:
    ids = (await make_questionnaire())["ids"]
    await client.post(RESPONSES, json=answers(ids, "riviere", None, 3), headers=world.alice.headers)
    async with database.session() as session:
        response = await session.scalar(select(Response))
    assert response is not None and response.user_id == world.alice.user.id
    assert response.submitted_at is not None
