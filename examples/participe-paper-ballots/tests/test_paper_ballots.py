"""Paper ballots end to end, with the package installed beside Participe: enabled on a
dialogue, entered through the API and the pages under the vote type's rules, counted with
the online ballots, shown apart, exported, logged, and recounted from their own log."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from litestar import Litestar
from litestar.testing import AsyncTestClient
from participe_paper_ballots.models import PaperVote
from sqlalchemy import delete
from sqlalchemy.engine import Connection

from core.db import Base, Database
from core.plugin_manager import Plugins
from participe.testing import Person, World, recounted, vote_dialogue

Client = AsyncTestClient[Litestar]
SLUG = "budget-2027"
PAPER = f"/api/v1/admin/dialogues/{SLUG}/paper-ballots"
STATIONS = ["Mairie", "Médiathèque"]


async def _dialogue(client: Client, world: World, vote: dict[str, Any]) -> list[int]:
    setup = await vote_dialogue(
        client,
        world,
        vote,
        slug=SLUG,
        costs=[1000, 1000, 1000],
        title="Budget participatif 2027",
        results_visibility="live",
    )
    return setup.proposals


async def _enter(
    client: Client, staff: Person, votes: dict[int, Any], station: str = "Mairie", **more: Any
) -> Any:
    body = {
        "station": station,
        "votes": [{"proposal_id": p, "value": v} for p, v in votes.items()],
        **more,
    }
    return await client.post(PAPER, json=body, headers=staff.headers)


def test_the_plugin_is_loaded_through_its_entry_point(plugins: Plugins) -> None:
    info = next(i for i in plugins.infos if i.name == "paper_ballots")
    assert info.enabled and "participe-paper-ballots" in info.origin
    assert "paper_ballots" in plugins.ballot_sources
    assert "participe_paper_ballots:migrations" in plugins.migration_locations()


async def test_its_migration_builds_its_tables(database: Database) -> None:
    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [
            change
            for change in compare_metadata(context, Base.metadata)
            if not (isinstance(change, tuple) and change[1].name == "alembic_version")
        ]

    async with database.engine.connect() as connection:
        assert await connection.run_sync(diff) == []


async def test_paper_ballots_count_with_the_online_ones(
    client: Client, world: World, database: Database, plugins: Plugins
) -> None:
    a, b, c = await _dialogue(client, world, {"type": "support", "settings": {"max_votes": 2}})
    # Not enabled yet: refused, and nothing in the results.
    response = await _enter(client, world.admin, {a: None})
    assert (response.status_code, response.json()["code"]) == (409, "paper.not_enabled")
    assert "paper" not in (await client.get(f"/api/v1/dialogues/{SLUG}/results")).json()
    response = await client.put(
        f"{PAPER}/settings", json={"stations": STATIONS}, headers=world.admin.headers
    )
    assert response.status_code == 200, response.text

    # Online: two citizens.
    ballot = f"/api/v1/dialogues/{SLUG}/ballot"
    for person, votes in zip((world.alice, world.bob), ([a, b], [a]), strict=True):
        body = {"votes": [{"proposal_id": p} for p in votes]}
        assert (await client.put(ballot, json=body, headers=person.headers)).status_code == 200
    # On paper: three ballots, judged by the same rules.
    assert (await _enter(client, world.admin, {a: None, c: None}, reference="1")).status_code == 201
    assert (await _enter(client, world.admin, {c: 1}, station="Médiathèque")).status_code == 201
    entered = await _enter(client, world.admin, {b: None}, station="Médiathèque", reference="7")
    assert entered.status_code == 201, entered.text
    assert entered.json()["votes"] == [{"proposal_id": b, "value": 1}]
    for votes, station, more, expected in (
        ({a: None, b: None, c: None}, "Mairie", {}, (409, "vote.max_exceeded")),
        ({a: 2}, "Mairie", {}, (422, "vote.invalid_value")),
        ({}, "Mairie", {}, (409, "vote.min_not_reached")),
        ({a: None}, "Gare", {}, (422, "validation")),
        ({a: None}, "Mairie", {"reference": "1"}, (409, "paper.duplicate")),
        ({999_999: None}, "Mairie", {}, (404, "not_found")),
    ):
        response = await _enter(client, world.admin, votes, station, **more)
        assert (response.status_code, response.json()["code"]) == expected, votes
    # Staff only.
    response = await _enter(client, world.bob, {a: None})
    assert response.status_code == 403

    results = (await client.get(f"/api/v1/dialogues/{SLUG}/results")).json()
    assert results["ballots_counted"] == 5
    supports = {p["id"]: p["tally"]["supports"] for p in results["proposals"]}
    assert supports == {a: 3, b: 2, c: 2}
    paper = results["paper"]
    assert paper["ballots"] == 3
    assert paper["stations"] == [
        {"station": "Mairie", "ballots": 1},
        {"station": "Médiathèque", "ballots": 2},
    ]
    assert {p["id"]: p["votes"] for p in paper["proposals"]} == {a: 1, b: 1, c: 2}
    report = await recounted(database, plugins, SLUG)
    assert report.ok, report.differences
    assert report.from_log.ballots_counted == 5

    # Voiding one changes the results at once (the cached body is not served again).
    first = entered.json()["id"]
    response = await client.post(
        f"{PAPER}/{first}/void", json={"reason": "saisi deux fois"}, headers=world.admin.headers
    )
    assert response.status_code == 200 and response.json()["counted"] is False
    results = (await client.get(f"/api/v1/dialogues/{SLUG}/results")).json()
    assert results["ballots_counted"] == 4
    assert {p["id"]: p["tally"]["supports"] for p in results["proposals"]}[b] == 1
    assert (await recounted(database, plugins, SLUG)).ok

    # Every entry and voiding is in the log, with who and why.
    log = (await client.get(f"{PAPER}/log", headers=world.admin.headers)).json()
    assert [e["action"] for e in log["items"]] == ["void", "enter", "enter", "enter"]
    assert log["items"][0]["reason"] == "saisi deux fois"
    assert log["items"][0]["user_id"] is not None
    listed = (await client.get(PAPER, headers=world.admin.headers)).json()
    assert listed["settings"] == {"stations": STATIONS}
    assert listed["total"] == 3 and len(listed["items"]) == 3

    # The export lists them, voided ones marked.
    export = await client.get(
        f"/api/v1/admin/dialogues/{SLUG}/export?what=paper_ballots&format=csv",
        headers=world.admin.headers,
    )
    assert export.status_code == 200, export.text
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["bulletin papier", "bureau", "référence"]
    assert len(rows) == 1 + 4  # one row per vote
    assert [r[5] for r in rows[1:]].count("non") == 1


async def test_the_recount_reads_the_entry_log(
    client: Client, world: World, database: Database, plugins: Plugins
) -> None:
    a, _, _ = await _dialogue(client, world, {"type": "support", "settings": {}})
    await client.put(f"{PAPER}/settings", json={"stations": []}, headers=world.admin.headers)
    assert (
        await _enter(client, world.admin, {a: None}, station="Salle des fêtes")
    ).status_code == 201
    assert (await recounted(database, plugins, SLUG)).ok
    async with database.session() as session:  # a vote removed behind the plugin's back
        await session.execute(delete(PaperVote))
        await session.commit()
    report = await recounted(database, plugins, SLUG)
    assert not report.ok
    assert any(f"proposal {a}" in difference for difference in report.differences)


async def test_the_points_budget_holds_on_paper(client: Client, world: World) -> None:
    vote = {"type": "points", "settings": {"points_budget": 10}}
    a, b, _ = await _dialogue(client, world, vote)
    await client.put(f"{PAPER}/settings", json={}, headers=world.admin.headers)
    response = await _enter(client, world.admin, {a: 6, b: 5})
    assert (response.status_code, response.json()["code"]) == (409, "vote.points_exceeded")
    assert (await _enter(client, world.admin, {a: 6, b: 4})).status_code == 201
    results = (await client.get(f"/api/v1/dialogues/{SLUG}/results")).json()
    assert {p["id"]: p["tally"]["points"] for p in results["proposals"]}[a] == 6
    # As after an online vote, the vote's configuration can no longer change.
    response = await client.patch(
        f"/api/v1/admin/dialogues/{SLUG}",
        json={"vote": {"type": "points", "settings": {"points_budget": 20}}},
        headers=world.admin.headers,
    )
    assert (response.status_code, response.json()["code"]) == (409, "vote.config_frozen")


async def test_the_back_office_pages(client: Client, world: World) -> None:
    a, b, _ = await _dialogue(client, world, {"type": "binary", "settings": {}})
    page_path = f"/admin/dialogues/{SLUG}/paper-ballots"
    admin = world.admin.headers
    page = await client.get(page_path, headers=admin)
    assert page.status_code == 200
    assert "Activer la saisie des bulletins papier" in page.text
    assert 'name="settings.stations"' in page.text
    assert (await client.get(page_path, headers=world.bob.headers)).status_code == 403
    saved = await client.post(
        f"{page_path}/settings",
        data={"settings.stations": "Mairie\nMédiathèque"},
        headers=admin,
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    page = await client.get(page_path, headers=admin)
    assert re.search(rf'<select id="vote-{a}" name="vote-{a}">', page.text)
    assert '<option value="yes">' in page.text
    entered = await client.post(
        page_path,
        data={"station": "Médiathèque", f"vote-{a}": "yes", f"vote-{b}": "no"},
        headers=admin,
        follow_redirects=False,
    )
    assert entered.status_code == 303, entered.text
    refused = await client.post(
        page_path, data={"station": "Gare", f"vote-{a}": "yes"}, headers=admin
    )
    assert refused.status_code == 422
    assert "station: one of Mairie, Médiathèque" in refused.text
    page = await client.get(page_path, headers=admin)
    assert "1 bulletin(s) papier compté(s)" in page.text
    ballot_id = re.search(r'/paper-ballots/(\d+)/void"', page.text)
    assert ballot_id is not None
    voided = await client.post(
        f"{page_path}/{ballot_id.group(1)}/void",
        data={"reason": "erreur de saisie"},
        headers=admin,
        follow_redirects=False,
    )
    assert voided.status_code == 303
    page = await client.get(page_path, headers=admin)
    assert "annulé (erreur de saisie)" in page.text
    assert "0 bulletin(s) papier compté(s), 1 annulé(s)" in page.text
