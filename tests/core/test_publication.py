"""The sweep: ``after_vote`` results published and phase events fired when the dates pass,
with no request at all, once each however many workers sweep; and the periodic task that
the app starts and stops."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any, ClassVar

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from core.db import Database, utcnow
from core.hookspecs import hookimpl
from core.models import Dialogue, Phase
from core.plugin_manager import Plugins
from core.services.phases import rewrite_dates
from core.services.publication import sweep
from core.settings import Settings
from participe.testing import vote_dialogue
from tests.conftest import World
from tests.results_helpers import read_results, set_phase_dates
from web.app import create_app
from web.plugins import build_plugins

SUPPORT = {"type": "support", "settings": {}}


class Recorder:
    events: ClassVar[list[tuple[str, str, str]]]

    def __init__(self) -> None:
        self.events = []

    @hookimpl
    def phase_opened(self, phase: Any, dialogue: Any) -> None:
        self.events.append(("opened", dialogue.slug, phase.kind.value))

    @hookimpl
    def phase_closed(self, phase: Any, dialogue: Any) -> None:
        self.events.append(("closed", dialogue.slug, phase.kind.value))


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def recorded(settings: Settings, recorder: Recorder) -> Plugins:
    return build_plugins(settings, extra=[("recorder", recorder)])


@pytest.fixture
def make_app(settings: Settings, database: Database, recorded: Plugins) -> Iterator[Any]:
    def factory(**changes: Any) -> Litestar:
        return create_app(settings.replace(**changes), plugins=recorded, database=database)

    yield factory


async def _after_vote(client: Any, world: World, slug: str = "budget-2026") -> None:
    await vote_dialogue(client, world, SUPPORT, slug=slug)
    response = await client.patch(
        f"/api/v1/admin/dialogues/{slug}",
        json={"results_visibility": "after_vote"},
        headers=world.admin.headers,
    )
    assert response.status_code == 200, response.text


async def _published_at(database: Database, slug: str) -> Any:
    async with database.session() as session:
        return await session.scalar(
            select(Dialogue.results_published_at).where(Dialogue.slug == slug)
        )


async def test_the_sweep_publishes_and_announces_once(
    make_app: Any, world: World, database: Database, recorded: Plugins, recorder: Recorder
) -> None:
    async with AsyncTestClient(make_app(), base_url="http://127.0.0.1") as client:
        await _after_vote(client, world)
        assert recorder.events == [
            ("opened", "budget-2026", "proposals"),
            ("closed", "budget-2026", "proposals"),
            ("opened", "budget-2026", "vote"),
        ]
        # Switched by hand: nothing left for the sweep.
        assert await sweep(database.session, recorded, utcnow()) == 0

        ended = utcnow() - timedelta(seconds=5)
        await set_phase_dates(database, "budget-2026", "vote", ends_at=ended)
        await set_phase_dates(database, "budget-2026", "results", starts_at=ended)
        assert await _published_at(database, "budget-2026") is None

        # Two workers sweep at the same moment: each event fires once.
        now = utcnow()
        won = await asyncio.gather(
            sweep(database.session, recorded, now), sweep(database.session, recorded, now)
        )
        assert sum(won) == 3  # vote closed, results opened, results published
        assert recorder.events[3:] == [
            ("closed", "budget-2026", "vote"),
            ("opened", "budget-2026", "results"),
        ]
        assert await _published_at(database, "budget-2026") == ended
        assert await sweep(database.session, recorded, utcnow()) == 0

        # Citizens see the results without anyone having published them.
        shown = await read_results(client, "budget-2026", world.alice)
        assert shown.status_code == 200 and shown.json()["published"] is True
    assert len(recorder.events) == 5


async def test_the_results_request_catches_up_lazily(
    make_app: Any, world: World, database: Database, recorder: Recorder
) -> None:
    async with AsyncTestClient(make_app(), base_url="http://127.0.0.1") as client:
        await _after_vote(client, world)
        await set_phase_dates(
            database, "budget-2026", "vote", ends_at=utcnow() - timedelta(seconds=1)
        )
        assert (await read_results(client, "budget-2026")).json()["published"] is True
        assert (await read_results(client, "budget-2026")).json()["published"] is True
    assert recorder.events.count(("closed", "budget-2026", "vote")) == 1
    assert await _published_at(database, "budget-2026") is not None


async def test_phases_that_open_by_their_dates_are_announced(
    world: World, database: Database, recorded: Plugins, recorder: Recorder, make_app: Any
) -> None:
    async with AsyncTestClient(make_app(), base_url="http://127.0.0.1") as client:
        await _after_vote(client, world)
    recorder.events.clear()
    soon = utcnow() + timedelta(hours=1)
    await set_phase_dates(database, "budget-2026", "vote", ends_at=soon)
    await set_phase_dates(database, "budget-2026", "results", starts_at=soon)
    assert await sweep(database.session, recorded, utcnow()) == 0
    later = soon + timedelta(seconds=1)
    assert await sweep(database.session, recorded, later) == 3
    assert recorder.events == [
        ("closed", "budget-2026", "vote"),
        ("opened", "budget-2026", "results"),
    ]


async def test_a_manual_switch_is_not_announced_again(
    world: World, database: Database, recorded: Plugins, recorder: Recorder, make_app: Any
) -> None:
    async with AsyncTestClient(make_app(), base_url="http://127.0.0.1") as client:
        await _after_vote(client, world)
        # Skipping straight to results: the caller fires vote closed / results opened.
        response = await client.post(
            "/api/v1/admin/dialogues/budget-2026/phase",
            json={"kind": "results"},
            headers=world.admin.headers,
        )
        assert response.status_code == 200
    fired = list(recorder.events)
    # Only the publication was left to do.
    assert await sweep(database.session, recorded, utcnow()) == 1
    assert recorder.events == fired
    async with database.session() as session:
        phases = (await session.scalars(select(Phase).order_by(Phase.position))).all()
        assert all(p.opened_announced_at is not None for p in phases)
        assert [p.closed_announced_at is not None for p in phases] == [True, True, False]


def test_switch_phase_forgets_the_announcements_of_later_phases() -> None:
    from core.models.dialogues import PhaseKind

    now = utcnow()
    earlier = now - timedelta(days=1)
    dialogue = Dialogue(
        phases=[
            Phase(position=0, kind=PhaseKind.PROPOSALS, starts_at=earlier,
                  opened_announced_at=earlier),
            Phase(position=1, kind=PhaseKind.VOTE, starts_at=earlier, ends_at=now,
                  opened_announced_at=earlier, closed_announced_at=now),
        ]
    )  # fmt: skip
    rewrite_dates(dialogue, "proposals", now)
    proposals, vote = dialogue.phases
    assert proposals.opened_announced_at == now and proposals.closed_announced_at is None
    assert vote.opened_announced_at is None and vote.closed_announced_at is None


async def test_the_app_sweeps_periodically_without_any_request(
    make_app: Any, world: World, database: Database, recorder: Recorder
) -> None:
    app = make_app(results_sweep_seconds=0.05)
    async with AsyncTestClient(app, base_url="http://127.0.0.1") as client:
        await _after_vote(client, world)
        await set_phase_dates(
            database, "budget-2026", "vote", ends_at=utcnow() - timedelta(seconds=1)
        )
        for _ in range(200):
            if await _published_at(database, "budget-2026") is not None:
                break
            await asyncio.sleep(0.02)
        assert await _published_at(database, "budget-2026") is not None
        assert ("closed", "budget-2026", "vote") in recorder.events
        runtime = app.state["results"]
        assert runtime.sweep.task is not None and not runtime.sweep.task.done()
    # Stopping the app cancels the task.
    assert runtime.sweep.task is None


async def test_no_sweep_when_turned_off(make_app: Any) -> None:
    app = make_app(results_sweep_seconds=0)
    async with AsyncTestClient(app, base_url="http://127.0.0.1"):
        assert app.state["results"].sweep.task is None


def test_sweep_interval_from_the_environment() -> None:
    from core.errors import ConfigurationError

    assert Settings.from_env({}).results_sweep_seconds == 60
    assert Settings.from_env({"PARTICIPE_RESULTS_SWEEP_SECONDS": "0"}).results_sweep_seconds == 0
    for bad in ("soon", "-1", "nan"):
        with pytest.raises(ConfigurationError, match="PARTICIPE_RESULTS_SWEEP_SECONDS"):
            Settings.from_env({"PARTICIPE_RESULTS_SWEEP_SECONDS": bad})


async def test_without_the_conditional_update_two_workers_fire_twice(
    make_app: Any,
    world: World,
    database: Database,
    recorded: Plugins,
    recorder: Recorder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two workers that both saw the event due (loaded before either claimed it): with the
    conditional update one fires; with a claim that always wins, both do."""
    from core.services import publication

    async with AsyncTestClient(make_app(), base_url="http://127.0.0.1") as client:
        await _after_vote(client, world)
    await set_phase_dates(database, "budget-2026", "vote", ends_at=utcnow() - timedelta(seconds=1))

    async def two_workers() -> int:
        recorder.events.clear()
        # Sessions that begin deferred on SQLite, like the requests': both read first.
        async with database.read_session() as first, database.read_session() as second:
            query = select(Dialogue).where(Dialogue.slug == "budget-2026")
            seen_first = await first.scalar(query)
            seen_second = await second.scalar(query)
            await second.commit()  # SQLite: let the first one write
            assert seen_first is not None and seen_second is not None
            now = utcnow()
            await publication.catch_up(first, recorded, seen_first, now)
            await publication.catch_up(second, recorded, seen_second, now)
        return recorder.events.count(("closed", "budget-2026", "vote"))

    async def reset() -> None:
        async with database.session() as session:
            await session.execute(
                update(Phase).values(closed_announced_at=None, opened_announced_at=None)
            )
            await session.execute(update(Dialogue).values(results_published_at=None))
            await session.commit()

    assert await two_workers() == 1
    await reset()

    async def always(*args: Any) -> bool:
        return True

    monkeypatch.setattr(publication, "_claim", always)
    assert await two_workers() == 2
