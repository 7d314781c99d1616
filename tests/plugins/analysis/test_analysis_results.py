"""The stored analysis: computed after the commit, once for a burst of proposals, by one
worker at a time; read by the staff's pages and the API without computing; shown as
being updated while stale; a pair marked distinct or a merge taken out of it at once."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

pytest.importorskip("sklearn", reason="the participe[analysis] extra is not installed")

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from core.db import Database
from core.lifespan import LifespanContext
from core.models import Dialogue
from core.plugin_manager import Plugins
from core.settings import Settings
from participe.testing import run_event_jobs
from plugins import analysis
from plugins.analysis import results, store
from plugins.analysis.models import AnalysisResult
from tests.conftest import World
from tests.plugins.analysis.refreshing import analyse_now
from tests.plugins.analysis.test_analysis_module import ADMIN_API, API, SLUG, _dialogue
from tests.signin_helpers import sign_in

Client = AsyncTestClient[Litestar]


@pytest.fixture
def computations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the computations of a dialogue's analysis."""
    calls: list[int] = []
    real = results.compute

    def counted(data: results.Snapshot) -> results.Computed:
        calls.append(data.version.count)
        return real(data)

    monkeypatch.setattr(results, "compute", counted)
    return calls


async def _row(database: Database) -> AnalysisResult:
    async with database.read_session() as session:
        dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == SLUG))
        assert dialogue is not None
        row = await session.get(AnalysisResult, dialogue.id)
        assert row is not None
        return row


async def _propose(client: Client, world: World, title: str, body: str = "") -> int:
    created = await client.post(
        f"/api/v1/dialogues/{SLUG}/proposals",
        json={"title": title, "body": body},
        headers=world.alice.headers,
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


async def test_a_burst_of_proposals_costs_one_computation(
    client: Client, world: World, app: Litestar, database: Database, computations: list[int]
) -> None:
    await _dialogue(client, world)
    for n in range(5):
        await _propose(client, world, f"Un banc de plus place numéro {n}")
    assert computations == []  # a submission computes nothing
    assert (await run_event_jobs(app)).failed == 0
    assert computations == []  # nor do the event jobs
    row = await _row(database)
    assert row.generation == 13 and row.computed_generation == 0
    assert await results.refresh_stale(database) == 1
    assert computations == [13]
    assert await results.refresh_stale(database) == 0  # up to date: nothing again
    assert computations == [13]
    row = await _row(database)
    assert row.computed_generation == row.generation and row.proposal_count == 13
    assert row.computed_at is not None and row.groups and row.topics
    assert await results.stale_dialogues(database) == []
    # Computed at another threshold than the module's (its settings changed): stale.
    async with database.write_session() as session:
        await session.execute(update(AnalysisResult).values(threshold=0.5))
    assert await results.stale_dialogues(database) == [row.dialogue_id]


async def test_one_worker_at_a_time_computes_a_dialogue(
    client: Client, world: World, app: Litestar, database: Database, computations: list[int]
) -> None:
    await _dialogue(client, world)
    await run_event_jobs(app)
    dialogue_id = (await _row(database)).dialogue_id
    # Three workers (holders of the lease) at once, then three tasks of one worker.
    workers = (results.refresh(database, dialogue_id, holder=f"w{n}") for n in range(3))
    assert sorted(await asyncio.gather(*workers)) == [False, False, True]
    assert len(computations) == 1
    tasks = (results.refresh(database, dialogue_id) for _ in range(3))
    assert sorted(await asyncio.gather(*tasks)) == [False, False, True]
    assert len(computations) == 2


async def test_pages_and_api_read_the_stored_results_and_show_when_stale(
    client: Client,
    world: World,
    app: Litestar,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = await _dialogue(client, world)
    await sign_in(client, database, world.admin.user.email)
    never = await client.get(f"{ADMIN_API}/duplicates", headers=world.admin.headers)
    assert never.json() == {"items": [], "computed_at": None, "stale": True}
    page = await client.get(f"/admin/dialogues/{SLUG}/analysis")
    assert "Analyse pas encore calculée — mise à jour en cours." in page.text

    await analyse_now(app, database)

    def refused(*args: Any) -> Any:
        raise AssertionError("computed in a request")

    monkeypatch.setattr(results, "compute", refused)
    monkeypatch.setattr(store, "duplicate_groups", refused, raising=False)
    for path in ("duplicates", "topics", "themes"):
        read = await client.get(f"{ADMIN_API}/{path}", headers=world.admin.headers)
        assert read.status_code == 200, read.text
        assert read.json()["stale"] is False and read.json()["computed_at"]
        assert read.json()["items"]
    groups = (await client.get(f"{ADMIN_API}/duplicates", headers=world.admin.headers)).json()
    assert [p["id"] for p in groups["items"][0]["proposals"]] == [ids[0], ids[1]]
    page = await client.get(f"/admin/dialogues/{SLUG}/analysis")
    assert page.status_code == 200 and "Analyse calculée le " in page.text
    assert "mise à jour en cours" not in page.text
    export = await client.get(f"/admin/dialogues/{SLUG}/analysis/topics.csv")
    assert export.status_code == 200 and len(export.content.decode().splitlines()) == 9

    # A new proposal: the results shown are the last ones, said to be being updated.
    await _propose(client, world, "Une piste cyclable protégée avenue Jaurès", "Vélos")
    stale = await client.get(f"{ADMIN_API}/topics", headers=world.admin.headers)
    assert stale.json()["stale"] is True and stale.json()["items"]
    page = await client.get(f"/admin/dialogues/{SLUG}/analysis")
    assert "mise à jour en cours" in page.text and "Analyse calculée le " in page.text
    monkeypatch.undo()
    await analyse_now(app, database)
    fresh = await client.get(f"{ADMIN_API}/topics", headers=world.admin.headers)
    assert fresh.json()["stale"] is False
    assert sum(len(t["proposals"]) for t in fresh.json()["items"]) == len(ids) + 1


async def test_distinct_and_merge_leave_the_stored_results_at_once(
    client: Client, world: World, app: Litestar, database: Database, computations: list[int]
) -> None:
    ids = await _dialogue(client, world)
    await analyse_now(app, database)
    before = await _row(database)
    assert [ids[0], ids[1]] in [g["proposal_ids"] for g in before.groups]

    pair = {"proposal_ids": [ids[1], ids[0]]}
    marked = await client.post(f"{ADMIN_API}/distinct", json=pair, headers=world.admin.headers)
    assert marked.status_code == 201
    row = await _row(database)
    assert all(ids[1] not in g["proposal_ids"] for g in row.groups)
    assert row.generation > row.computed_generation  # stale, to be computed again
    calls = len(computations)
    shown = await client.get(f"{ADMIN_API}/duplicates", headers=world.admin.headers)
    assert shown.json()["stale"] is True
    assert [ids[0], ids[1]] not in [
        [p["id"] for p in g["proposals"]] for g in shown.json()["items"]
    ]
    assert len(computations) == calls  # the request computed nothing

    merged = await client.post(
        f"{ADMIN_API}/merge", json={"kept": ids[6], "merged": [ids[7]]}, headers=world.admin.headers
    )
    assert merged.status_code == 200, merged.text
    row = await _row(database)
    assert all(ids[7] not in g["proposal_ids"] for g in row.groups)
    assert all(ids[7] not in t["proposal_ids"] for t in row.topics)
    assert all(s["proposal_id"] != ids[7] for s in row.themes)
    topics = await client.get(f"{ADMIN_API}/topics", headers=world.admin.headers)
    assert ids[7] not in [p["id"] for t in topics.json()["items"] for p in t["proposals"]]
    await analyse_now(app, database)
    row = await _row(database)
    assert row.generation == row.computed_generation
    # Closed as merged, it stays a public proposal of its topic, in no duplicate group.
    groups = await client.get(f"{ADMIN_API}/duplicates", headers=world.admin.headers)
    assert ids[7] not in [p["id"] for g in groups.json()["items"] for p in g["proposals"]]


async def test_similar_while_writing_builds_the_index_once_per_version(
    client: Client, world: World, app: Litestar, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = await _dialogue(client, world)
    builds: list[int] = []
    real = store.similarity_index

    async def counted(session: Any, dialogue: Any) -> Any:
        builds.append(dialogue.id)
        return await real(session, dialogue)

    monkeypatch.setattr(store, "similarity_index", counted)
    for _ in range(3):
        found = await client.post(f"{API}/similar", json={"title": "Piste vélo avenue Jaurès"})
        assert found.status_code == 200, found.text
        assert found.json()["items"][0]["proposal"]["id"] in (ids[0], ids[1])
    assert len(builds) == 1
    new = await _propose(client, world, "Une piste cyclable sur l'avenue Jaurès enfin")
    found = await client.post(f"{API}/similar", json={"title": "Piste cyclable avenue Jaurès"})
    assert len(builds) == 2  # the proposals changed: built again, the new one in it
    assert new in [item["proposal"]["id"] for item in found.json()["items"]]


async def test_the_app_task_recomputes_stale_results_by_itself(
    client: Client,
    world: World,
    app: Litestar,
    database: Database,
    settings: Settings,
    plugins: Plugins,
) -> None:
    await _dialogue(client, world)
    await run_event_jobs(app)
    assert (await _row(database)).computed_generation == 0
    # The app's start-up starts the task where the event jobs' runner runs (not in the
    # tests' apps, whose runner is off); its stop stops it.
    running = dataclasses.replace(settings, event_jobs_seconds=0.05)
    context = LifespanContext(running, database, plugins)
    await analysis.startup(context)
    try:
        for _ in range(400):
            row = await _row(database)
            if row.computed_generation == row.generation:
                break
            await asyncio.sleep(0.05)
        assert row.computed_generation == row.generation == 8
    finally:
        await analysis.shutdown(context)
    assert not analysis._refreshers
