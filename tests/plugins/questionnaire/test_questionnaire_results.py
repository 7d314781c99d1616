"""Results: the pure tally, then the results served for a questionnaire answered by many
citizens, checked against a count made here from the stored answers."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.db import Database
from participe.testing import switch_phase
from plugins.questionnaire.models import Answer
from plugins.questionnaire.tally import tally
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


def test_single_and_multiple_count_each_option_not_combinations() -> None:
    assert tally("single", ["a", "b", "other"], ["a", "a", "other"]) == {
        "answered": 3,
        "counts": {"a": 2, "b": 0, "other": 1},
    }
    result = tally("multiple", ["a", "b", "c"], [["a", "b"], ["a"], ["b", "a"], ["c"]])
    assert result == {"answered": 4, "counts": {"a": 3, "b": 2, "c": 1}}


def test_scale_counts_every_value_and_the_mean() -> None:
    assert tally("scale", [], [1, 5, 5, 2], low=1, high=5) == {
        "answered": 4,
        "counts": {"1": 1, "2": 1, "3": 0, "4": 0, "5": 2},
        "mean": 3.25,
    }
    assert tally("scale", [], [], low=0, high=2)["mean"] is None


def test_text_counts_answers_only() -> None:
    assert tally("text", [], ["oui", "non"]) == {"answered": 2, "counts": {}}


def test_ranking_borda_with_full_and_partial_rankings() -> None:
    # Four options: a full ranking gives 3, 2, 1, 0 points; ranking two options leaves
    # the two others sharing the bottom places, (4 - 1 - 2) / 2 = 0.5 point each.
    result = tally("ranking", ["a", "b", "c", "d"], [["b", "a", "c", "d"], ["c", "b"], ["a", "b"]])
    assert result["scores"] == {
        "a": 2 + 0.5 + 3,
        "b": 3 + 2 + 2,
        "c": 1 + 3 + 0.5,
        "d": 0 + 0.5 + 0.5,
    }
    assert result["order"] == ["b", "a", "c", "d"]
    assert result["counts"] == {"a": 1, "b": 1, "c": 1, "d": 0}
    assert result["answered"] == 3


def test_ranking_ties_keep_the_organisers_order() -> None:
    result = tally("ranking", ["x", "y", "z"], [["y", "x", "z"], ["x", "y", "z"]])
    assert result["order"] == ["x", "y", "z"]


def _random_answers(ids: list[int], rng: random.Random) -> dict[str, Any]:
    logo: Any = rng.choice(["blason", "riviere", "arbre", "other"])
    if logo == "other":
        logo = {"other": rng.choice(["Un hibou", "Une tour"])}
    where = rng.sample(["panneaux", "vehicules", "site", "other"], rng.randint(1, 2))
    where = [{"other": "Les bus"} if key == "other" else key for key in where]
    ranking = rng.sample(["nature", "patrimoine", "dynamisme"], 3) if rng.random() < 0.8 else None
    why = "Parce qu'il est beau." if logo == "blason" else None
    comment = rng.choice([None, "Merci !", "Bonne idée"])
    return answers(ids, logo, where, rng.randint(1, 5), ranking, why, comment)


async def _oracle(database: Database, ids: list[int]) -> list[dict[str, Any]]:
    """The expected results, counted here from the stored answers."""
    async with database.session() as session:
        rows = list(await session.execute(select(Answer.question_id, Answer.value)))
    values: dict[int, list[Any]] = {qid: [] for qid in ids}
    for question_id, value in rows:
        values[question_id].append(value)
    single, multiple, scale, ranking, why, comment = (values[qid] for qid in ids)
    borda: Counter[str] = Counter()
    for order in ranking:
        for position, key in enumerate(order):
            borda[key] += len(order) - 1 - position
    return [
        {
            "answered": len(single),
            "counts": {k: single.count(k) for k in ("blason", "riviere", "arbre", "other")},
        },
        {
            "answered": len(multiple),
            "counts": {
                k: sum(k in chosen for chosen in multiple)
                for k in ("panneaux", "vehicules", "site", "other")
            },
        },
        {
            "answered": len(scale),
            "counts": {str(v): scale.count(v) for v in range(1, 6)},
            "mean": sum(scale) / len(scale),
        },
        {
            "answered": len(ranking),
            "counts": {
                k: sum(order[0] == k for order in ranking)
                for k in ("nature", "patrimoine", "dynamisme")
            },
            "scores": {k: float(borda[k]) for k in ("nature", "patrimoine", "dynamisme")},
            "order": sorted(
                borda, key=lambda k: (-borda[k], ["nature", "patrimoine", "dynamisme"].index(k))
            ),
        },
        {"answered": len(why), "counts": {}},
        {"answered": len(comment), "counts": {}},
    ]


async def test_results_equal_a_count_of_the_stored_answers(
    client: AsyncTestClient[Litestar],
    world: World,
    database: Database,
    make_questionnaire: MakeQuestionnaire,
) -> None:
    ids = (await make_questionnaire())["ids"]
    rng = random.Random(2027)
    citizens = [await world.person(f"habitant{n}@example.org") for n in range(25)]
    for citizen in citizens:
        response = await client.post(
            RESPONSES, json=_random_answers(ids, rng), headers=citizen.headers
        )
        assert response.status_code == 201, response.text

    results = (await client.get(RESULTS)).json()
    assert results["responses"] == 25
    expected = await _oracle(database, ids)
    for question, shown, wanted in zip(
        EVERY_KIND["questions"], results["questions"], expected, strict=True
    ):
        assert shown.pop("text") == question["text"]
        assert shown.pop("kind") == question["kind"]
        shown.pop("id")
        if "mean" in wanted:
            assert shown.pop("mean") == pytest.approx(wanted.pop("mean"))
        assert shown == wanted
    # Every option counts once per answer holding it, so a multiple question's totals
    # exceed its number of answers when citizens chose several.
    multiple = results["questions"][1]
    assert sum(multiple["counts"].values()) > multiple["answered"]


async def test_free_texts_are_for_staff_only(
    client: AsyncTestClient[Litestar], world: World, make_questionnaire: MakeQuestionnaire
) -> None:
    ids = (await make_questionnaire())["ids"]
    body = answers(ids, "blason", [{"other": "Les bus"}], 3, None, "Il est beau.", "Bravo")
    await client.post(RESPONSES, json=body, headers=world.alice.headers)
    public = (await client.get(RESULTS, headers=world.bob.headers)).json()["questions"]
    assert all("answers" not in q and "other_answers" not in q for q in public)
    assert public[4] == {
        "id": ids[4],
        "kind": "text",
        "text": "Pourquoi le blason ?",
        "answered": 1,
        "counts": {},
    }
    staff = (await client.get(RESULTS, headers=world.admin.headers)).json()["questions"]
    assert staff[4]["answers"] == ["Il est beau."]
    assert staff[5]["answers"] == ["Bravo"]
    assert staff[1]["other_answers"] == ["Les bus"]
    assert staff[0]["other_answers"] == []


async def test_results_after_the_vote_phase_unless_staff(
    client: AsyncTestClient[Litestar], world: World, make_questionnaire: MakeQuestionnaire
) -> None:
    await make_questionnaire(results_visibility="after_vote")
    hidden = await client.get(RESULTS, headers=world.alice.headers)
    assert hidden.status_code == 403
    assert hidden.json()["code"] == "results.hidden"
    assert (await client.get(RESULTS, headers=world.admin.headers)).status_code == 200
    await switch_phase(client, world.admin.headers, SLUG, "results")
    assert (await client.get(RESULTS, headers=world.alice.headers)).status_code == 200
    assert (await client.get(RESULTS)).status_code == 200


async def test_manual_results_stay_hidden_until_published(
    client: AsyncTestClient[Litestar], world: World, make_questionnaire: MakeQuestionnaire
) -> None:
    await make_questionnaire(results_visibility="manual")
    await switch_phase(client, world.admin.headers, SLUG, "results")
    assert (await client.get(RESULTS, headers=world.alice.headers)).status_code == 403
    assert (await client.get(RESULTS, headers=world.admin.headers)).status_code == 200


async def test_the_results_page_says_a_question_has_no_answer_yet(
    client: AsyncTestClient[Litestar], world: World, make_questionnaire: MakeQuestionnaire
) -> None:
    """Without answers, no chart of zeros that reads like a ranking: a sentence."""
    await make_questionnaire()
    page = await client.get(f"/dialogues/{SLUG}/questionnaire/results", headers=world.admin.headers)
    assert page.status_code == 200, page.text
    assert page.text.count("Personne n'a encore répondu à cette question.") == 6
    assert "<svg" not in page.text
    english = await client.get(
        f"/dialogues/{SLUG}/questionnaire/results",
        headers={**world.admin.headers, "Accept-Language": "en"},
    )
    assert "Nobody has answered this question yet." in english.text
