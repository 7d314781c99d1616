"""Citizens answer through the API: every kind and rule, one response each, during the
vote phase only, and changes where the questionnaire allows them."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.db import Database
from participe.testing import switch_phase
from plugins.questionnaire.models import Answer, Response
from tests.conftest import World
from tests.questionnaire_helpers import (
    QUESTIONNAIRE,
    RESPONSES,
    SLUG,
    MakeQuestionnaire,
    answers,
)

RANKED = ["nature", "dynamisme", "patrimoine"]


async def _stored(database: Database) -> dict[int, tuple[Any, str | None]]:
    async with database.session() as session:
        rows = await session.scalars(select(Answer))
        return {row.question_id: (row.value, row.other_text) for row in rows}


async def test_a_full_response_is_stored(
    client: AsyncTestClient[Litestar],
    world: World,
    database: Database,
    make_questionnaire: MakeQuestionnaire,
) -> None:
    ids = (await make_questionnaire())["ids"]
    body = answers(
        ids, "blason", ["site", {"other": "Les t-shirts"}], 4, RANKED, "Il est beau.", " "
    )
    response = await client.post(RESPONSES, json=body, headers=world.alice.headers)
    assert response.status_code == 201, response.text
    assert response.json()["answers"] == {
        str(ids[0]): "blason",
        str(ids[1]): ["site", {"other": "Les t-shirts"}],
        str(ids[2]): 4,
        str(ids[3]): RANKED,
        str(ids[4]): "Il est beau.",
    }
    assert await _stored(database) == {
        ids[0]: ("blason", None),
        ids[1]: (["site", "other"], "Les t-shirts"),
        ids[2]: (4, None),
        ids[3]: (RANKED, None),
        ids[4]: ("Il est beau.", None),
    }
    async with database.session() as session:
        stored = await session.scalar(select(Response))
    assert stored is not None and stored.user_id == world.alice.user.id
    mine = (await client.get(f"{RESPONSES}/me", headers=world.alice.headers)).json()
    assert mine["answered"] is True and mine["answers"] == response.json()["answers"]
    assert mine["submitted_at"] is not None


async def test_other_please_specify_on_a_single_question(
    client: AsyncTestClient[Litestar],
    world: World,
    database: Database,
    make_questionnaire: MakeQuestionnaire,
) -> None:
    ids = (await make_questionnaire())["ids"]
    body = answers(ids, {"other": "Un hibou"}, None, 2)
    response = await client.post(RESPONSES, json=body, headers=world.alice.headers)
    assert response.status_code == 201, response.text
    assert (await _stored(database))[ids[0]] == ("other", "Un hibou")


# Each case: the answers in question order, and the question (by index) refused.
BAD_ANSWERS: dict[str, tuple[tuple[Any, ...], int]] = {
    "single: unknown key": (("dragon", None, 3), 0),
    "single: a list": ((["blason"], None, 3), 0),
    "single: 'other' as a plain key": (("other", None, 3), 0),
    "single: other without text": (({"other": " "}, None, 3), 0),
    "single: other too long": (({"other": "x" * 301}, None, 3), 0),
    "required single missing": ((None, None, 3), 0),
    "multiple: not a list": (("riviere", "site", 3), 1),
    "multiple: too many": (("riviere", ["site", "panneaux", "vehicules"], 3), 1),
    "multiple: twice the same": (("riviere", ["site", "site"], 3), 1),
    "multiple: unknown key": (("riviere", ["radio"], 3), 1),
    "multiple: two others": (("riviere", [{"other": "a"}, {"other": "b"}], 3), 1),
    "scale: below min": (("riviere", None, 0), 2),
    "scale: above max": (("riviere", None, 6), 2),
    "scale: a string": (("riviere", None, "3"), 2),
    "scale: a boolean": (("riviere", None, True), 2),
    "scale: a float": (("riviere", None, 2.5), 2),
    "required scale missing": (("riviere", None, None), 2),
    "ranking: incomplete": (("riviere", None, 3, ["nature", "patrimoine"]), 3),
    "ranking: repeated": (("riviere", None, 3, ["nature", "nature", "patrimoine"]), 3),
    "ranking: unknown": (("riviere", None, 3, ["nature", "mer", "patrimoine"]), 3),
    "ranking: not a list": (("riviere", None, 3, "nature"), 3),
    "text: not a string": (("riviere", None, 3, None, None, 12), 5),
    "text: too long": (("riviere", None, 3, None, None, "x" * 5001), 5),
    "hidden question answered": (("riviere", None, 3, None, "Parce que."), 4),
    "shown required question missing": (("blason", None, 3, None, None), 4),
}


@pytest.mark.parametrize("case", list(BAD_ANSWERS))
async def test_bad_answers_are_refused_with_the_question_named(
    client: AsyncTestClient[Litestar],
    world: World,
    database: Database,
    make_questionnaire: MakeQuestionnaire,
    case: str,
) -> None:
    ids = (await make_questionnaire())["ids"]
    values, refused = BAD_ANSWERS[case]
    response = await client.post(RESPONSES, json=answers(ids, *values), headers=world.alice.headers)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation"
    assert list(body["errors"]) == [str(ids[refused])]
    assert await _stored(database) == {}
    # Refused answers do not count as the citizen's one response.
    fixed = await client.post(
        RESPONSES, json=answers(ids, "riviere", None, 3), headers=world.alice.headers
    )
    assert fixed.status_code == 201, fixed.text


async def test_unknown_questions_and_shapes_are_refused(
    client: AsyncTestClient[Litestar], world: World, make_questionnaire: MakeQuestionnaire
) -> None:
    ids = (await make_questionnaire())["ids"]
    unknown = {"answers": {str(ids[0]): "riviere", str(ids[2]): 3, "999999": "x"}}
    response = await client.post(RESPONSES, json=unknown, headers=world.alice.headers)
    assert response.status_code == 422
    assert response.json()["errors"] == {"999999": "question inconnue"}
    for body in ({"answers": {"abc": 1}}, {"answers": []}, {"reponses": {}}, []):
        response = await client.post(RESPONSES, json=body, headers=world.alice.headers)
        assert response.status_code in (400, 422), body
        assert response.json()["code"] == "validation"


async def test_a_partial_ranking_within_bounds(
    client: AsyncTestClient[Litestar], world: World, make_questionnaire: MakeQuestionnaire
) -> None:
    questionnaire = {
        "questions": [
            {
                "kind": "ranking",
                "text": "Vos deux ou trois préférés ?",
                "min": 2,
                "max": 3,
                "required": True,
                "options": [{"key": k, "label": k} for k in ("a", "b", "c", "d")],
            }
        ]
    }
    ids = (await make_questionnaire(questionnaire))["ids"]
    one = await client.post(RESPONSES, json=answers(ids, ["a"]), headers=world.alice.headers)
    assert one.status_code == 422
    assert one.json()["errors"] == {str(ids[0]): "classez de 2 à 3 choix"}
    two = await client.post(RESPONSES, json=answers(ids, ["c", "a"]), headers=world.alice.headers)
    assert two.status_code == 201, two.text


async def test_one_response_per_citizen(
    client: AsyncTestClient[Litestar], world: World, make_questionnaire: MakeQuestionnaire
) -> None:
    ids = (await make_questionnaire())["ids"]
    first = await client.post(
        RESPONSES, json=answers(ids, "riviere", None, 3), headers=world.alice.headers
    )
    assert first.status_code == 201
    again = await client.post(
        RESPONSES, json=answers(ids, "arbre", None, 1), headers=world.alice.headers
    )
    assert again.status_code == 409
    assert again.json()["code"] == "questionnaire.already_answered"
    other = await client.post(
        RESPONSES, json=answers(ids, "arbre", None, 1), headers=world.bob.headers
    )
    assert other.status_code == 201


@pytest.mark.parametrize("phase", ["information", "results"])
async def test_answers_only_during_the_vote_phase(
    client: AsyncTestClient[Litestar],
    world: World,
    make_questionnaire: MakeQuestionnaire,
    phase: str,
) -> None:
    ids = (await make_questionnaire(phase=phase))["ids"]
    response = await client.post(
        RESPONSES, json=answers(ids, "riviere", None, 3), headers=world.alice.headers
    )
    assert response.status_code == 409
    assert response.json()["code"] == "vote.phase_closed"


async def test_answering_needs_a_signed_in_citizen_of_the_organisation(
    client: AsyncTestClient[Litestar], world: World, make_questionnaire: MakeQuestionnaire
) -> None:
    ids = (await make_questionnaire())["ids"]
    body = answers(ids, "riviere", None, 3)
    assert (await client.post(RESPONSES, json=body)).status_code == 401
    assert (await client.get(f"{RESPONSES}/me")).status_code == 401


async def test_an_editable_response_changes_until_the_phase_closes(
    client: AsyncTestClient[Litestar],
    world: World,
    database: Database,
    make_questionnaire: MakeQuestionnaire,
) -> None:
    from tests.questionnaire_helpers import EVERY_KIND

    ids = (await make_questionnaire({**EVERY_KIND, "editable": True}))["ids"]
    me = f"{RESPONSES}/me"
    before = await client.put(me, json=answers(ids, "arbre", None, 2), headers=world.alice.headers)
    assert before.status_code == 404
    assert before.json()["code"] == "questionnaire.no_response"
    first = await client.post(
        RESPONSES, json=answers(ids, "riviere", ["site"], 3), headers=world.alice.headers
    )
    assert first.status_code == 201
    changed = await client.put(me, json=answers(ids, "arbre", None, 2), headers=world.alice.headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["answers"] == {str(ids[0]): "arbre", str(ids[2]): 2}
    assert await _stored(database) == {ids[0]: ("arbre", None), ids[2]: (2, None)}
    invalid = await client.put(me, json=answers(ids, "arbre", None, 9), headers=world.alice.headers)
    assert invalid.status_code == 422
    assert await _stored(database) == {ids[0]: ("arbre", None), ids[2]: (2, None)}
    await switch_phase(client, world.admin.headers, SLUG, "results")
    closed = await client.put(
        me, json=answers(ids, "blason", None, 1, None, "x"), headers=world.alice.headers
    )
    assert closed.status_code == 409
    assert closed.json()["code"] == "vote.phase_closed"


async def test_a_response_is_final_unless_editable(
    client: AsyncTestClient[Litestar], world: World, make_questionnaire: MakeQuestionnaire
) -> None:
    ids = (await make_questionnaire())["ids"]
    await client.post(RESPONSES, json=answers(ids, "riviere", None, 3), headers=world.alice.headers)
    response = await client.put(
        f"{RESPONSES}/me", json=answers(ids, "arbre", None, 2), headers=world.alice.headers
    )
    assert response.status_code == 409
    assert response.json()["code"] == "questionnaire.not_editable"


async def test_the_questionnaire_is_public_and_unknown_dialogues_are_404(
    client: AsyncTestClient[Litestar], make_questionnaire: MakeQuestionnaire
) -> None:
    await make_questionnaire()
    assert (await client.get(QUESTIONNAIRE)).status_code == 200
    assert (await client.get("/api/v1/dialogues/autre/questionnaire")).status_code == 404
