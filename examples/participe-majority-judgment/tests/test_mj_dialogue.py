"""A majority-judgment dialogue end to end, with the package installed beside Participe:
the settings and their back-office form, grades through the API and the pages, the
results (API and page) and the recount."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from core.plugin_manager import Plugins
from core.settings import Settings
from participe.testing import (
    World,
    build_test_plugins,
    http_client,
    make_app,
    recounted,
    vote_dialogue,
)

Client = AsyncTestClient[Litestar]
SLUG = "mediatheque"
VOTE: dict[str, Any] = {"type": "majority_judgment", "settings": {"grades": 5}}


async def _dialogue(client: Client, world: World, vote: dict[str, Any] = VOTE) -> list[int]:
    """A dialogue in its vote phase with three proposals of the organisers."""
    setup = await vote_dialogue(
        client,
        world,
        vote,
        slug=SLUG,
        proposals=("Simone-Veil", "Les Tilleuls", "La Fabrique"),
        author=world.admin,
        kind="consultation",
        title="Quel nom pour la nouvelle médiathèque ?",
        results_visibility="live",
    )
    return setup.proposals


def test_the_plugin_is_loaded_through_its_entry_point(plugins: Plugins) -> None:
    info = next(i for i in plugins.infos if i.name == "majority_judgment")
    assert info.enabled and "participe-majority-judgment" in info.origin
    assert "majority_judgment" in plugins.vote_types


async def test_settings_are_validated(client: Client, world: World) -> None:
    for settings in (
        {"grades": 2},
        {"grades": 8},
        {"grades": 3, "labels": ["Oui", "Non"]},
        {"grades": 3, "labels": ["Oui", "oui", "Non"]},
        {"grades": 3, "labels": ["Oui", "", "Non"]},
        {"colour": "red"},
    ):
        response = await client.post(
            "/api/v1/admin/dialogues",
            json={
                "slug": "x",
                "title": "X",
                "kind": "ideas",
                "vote": {"type": "majority_judgment", "settings": settings},
            },
            headers=world.admin.headers,
        )
        assert (response.status_code, response.json()["code"]) == (422, "validation"), settings


async def test_grading_through_the_api(
    client: Client, world: World, database: Database, plugins: Plugins
) -> None:
    a, b, c = await _dialogue(client, world)
    ballot = f"/api/v1/dialogues/{SLUG}/ballot"
    alice, bob, carol = world.alice, world.bob, await world.person("carol@example.org")
    response = await client.put(f"{ballot}/votes/{a}", json={"value": 4}, headers=alice.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["rules"]["mentions"] == [
        "Très bien",
        "Bien",
        "Assez bien",
        "Passable",
        "Insuffisant",
    ]
    assert body["counted"] is True
    # A mention may be given by its text too.
    response = await client.put(
        f"{ballot}/votes/{b}", json={"value": "Passable"}, headers=alice.headers
    )
    assert {v["proposal_id"]: v["value"] for v in response.json()["votes"]} == {a: 4, b: 1}
    for value in (5, -1, "Excellent", None):
        response = await client.put(
            f"{ballot}/votes/{c}", json={"value": value}, headers=alice.headers
        )
        assert (response.status_code, response.json()["code"]) == (422, "vote.invalid_value"), value
    replace = {
        "votes": [
            {"proposal_id": a, "value": 3},
            {"proposal_id": b, "value": 3},
            {"proposal_id": c, "value": 0},
        ]
    }
    assert (await client.put(ballot, json=replace, headers=bob.headers)).status_code == 200
    replace = {
        "votes": [
            {"proposal_id": a, "value": 1},
            {"proposal_id": b, "value": 4},
            {"proposal_id": c, "value": 2},
        ]
    }
    assert (await client.put(ballot, json=replace, headers=carol.headers)).status_code == 200

    results = (await client.get(f"/api/v1/dialogues/{SLUG}/results")).json()
    assert results["vote_type"] == "majority_judgment"
    assert results["ballots_counted"] == 3
    tally = {p["id"]: p["tally"] for p in results["proposals"]}
    # a: 4, 3, 1 -> median 3; b: 1, 3, 4 -> median 3; c: (unrated: 0), 0, 2 -> median 0.
    assert tally[a]["grades"] == [0, 1, 0, 1, 1]
    assert tally[b]["grades"] == [0, 1, 0, 1, 1]
    assert tally[c]["grades"] == [2, 0, 1, 0, 0]
    assert [tally[p]["median"] for p in (a, b, c)] == [3, 3, 0]
    assert (tally[a]["rank"], tally[b]["rank"], tally[c]["rank"]) == (1, 1, 3)
    assert results["winners"] == [a, b, c]

    report = await recounted(database, plugins, SLUG)
    assert report.ok, report.differences
    assert report.from_ballots.proposals == report.from_log.proposals


async def test_grading_from_the_pages_without_javascript(client: Client, world: World) -> None:
    a, _, _ = await _dialogue(client, world)
    citizen = world.alice.headers
    page = await client.get(f"/proposals/{a}", headers=citizen)
    assert page.status_code == 200
    radios = re.findall(r'<input type="radio" name="value" value="(\d)"', page.text)
    assert radios == ["4", "3", "2", "1", "0"]  # best mention first
    assert "Votre appréciation de « Simone-Veil »" in page.text
    response = await client.post(
        f"/proposals/{a}/vote",
        data={"action": "cast", "value": "3"},
        headers=citizen,
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "notice=vote_cast" in response.headers["location"]
    page = await client.get(f"/proposals/{a}", headers=citizen)
    assert 'value="3" required checked' in page.text
    ballot = (await client.get(f"/api/v1/dialogues/{SLUG}/ballot", headers=citizen)).json()
    assert ballot["votes"][0]["value"] == 3


async def test_the_results_page_draws_merit_profiles(client: Client, world: World) -> None:
    a, b, c = await _dialogue(client, world)
    citizens = [world.alice, world.bob, await world.person("carol@example.org")]
    for person, grades in zip(citizens, ([4, 2, 0], [3, 3, 1], [4, 1, 1]), strict=True):
        votes = [{"proposal_id": p, "value": g} for p, g in zip((a, b, c), grades, strict=True)]
        response = await client.put(
            f"/api/v1/dialogues/{SLUG}/ballot", json={"votes": votes}, headers=person.headers
        )
        assert response.status_code == 200
    page = await client.get(f"/dialogues/{SLUG}/results")
    assert page.status_code == 200, page.text
    svg = page.text[page.text.index("<svg") : page.text.index("</svg>")]
    assert 'role="img"' in svg
    assert '<title id="merit-title">Profils de mérite des propositions</title>' in svg
    assert "Simone-Veil : mention majoritaire Très bien" in svg
    assert "style=" not in svg and "<script" not in svg
    table = page.text[page.text.index('<table class="results-table">') :]
    rows = re.findall(r'<th scope="row"><a href="/proposals/(\d+)">', table)
    assert [int(r) for r in rows] == [a, b, c]


async def test_the_back_office_form_comes_from_the_settings(client: Client, world: World) -> None:
    await _dialogue(client, world)
    page = await client.get(
        f"/admin/dialogues/{SLUG}/vote?type=majority_judgment", headers=world.admin.headers
    )
    assert page.status_code == 200
    for name in (
        "settings.grades",
        "settings.labels",
        "settings.unrated_as_lowest",
        "settings.min_votes",
    ):
        assert f'name="{name}"' in page.text, name
    assert "Nombre de mentions" in page.text
    assert "De la meilleure à la moins bonne" in page.text


async def test_without_the_package_the_dialogue_says_its_module_is_missing(
    client: Client, world: World, settings: Settings, database: Database
) -> None:
    """What an operator sees after ``pip uninstall participe-majority-judgment`` (here
    the plugin is blocked, which removes it from the app the same way)."""
    a, _, _ = await _dialogue(client, world)
    grade = await client.put(
        f"/api/v1/dialogues/{SLUG}/ballot/votes/{a}",
        json={"value": 4},
        headers=world.alice.headers,
    )
    assert grade.status_code == 200
    without = build_test_plugins()  # the built-in plugins only
    assert "majority_judgment" not in without.vote_types
    async with http_client(make_app(settings, database, without)) as bare:
        results = await bare.get(f"/api/v1/dialogues/{SLUG}/results")
        assert (results.status_code, results.json()["code"]) == (409, "vote.type_missing")
        page = await bare.get(f"/proposals/{a}", headers=world.alice.headers)
        assert page.status_code == 200
        assert "pas installé" in page.text
        assert (await bare.get(f"/dialogues/{SLUG}")).status_code == 200
    # Installed again: the grade given before counts.
    results = await client.get(f"/api/v1/dialogues/{SLUG}/results")
    assert results.json()["ballots_counted"] == 1
