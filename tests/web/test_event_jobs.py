"""Event handlers (``core.events``): jobs queued with the change that caused them, run
after its commit in a transaction of their own, again after a failure, once only, by one
runner at a time, and only where the handler's module is on."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.db import Database, utcnow
from core.events import MAX_ATTEMPTS, Event, EventContext, EventHandler
from core.hookspecs import hookimpl
from core.mail import Mailer
from core.models import (
    AuditEntry,
    Comment,
    Dialogue,
    EventJob,
    Organisation,
    OutboxMessage,
    Proposal,
    User,
)
from core.modules import Module
from core.plugin_manager import Plugins
from core.registries import Registry
from core.services import audit, comments, modules
from core.services.event_jobs import EventRuntime, RunSummary, counts, run_waiting
from core.settings import Settings
from participe.testing import switch_phase
from tests.conftest import World
from tests.helpers import create_dialogue
from tests.web.test_outbox_command import participe
from web.app import create_app
from web.plugins import build_plugins

Client = AsyncTestClient[Litestar]
SLUG = "budget-2027"
WATCHED = Module(name="watched", title="Veille", granted_by_default=True)


class Watcher:
    """A client's feature: it notes each comment in the audit log and emails the
    organiser, in the database, after the comment is stored."""

    def __init__(self) -> None:
        self.calls: list[int] = []
        self.failures_left = 0
        self.events: list[Event] = []

    @hookimpl
    def register_event_handlers(self, registry: Registry[EventHandler]) -> None:
        registry.add(EventHandler("watch.comment", "comment_posted", self.on_comment))

    async def on_comment(self, event: Event, context: EventContext) -> None:
        self.calls.append(event.subject_id)
        comment = await context.session.get_one(Comment, event.subject_id)
        proposal = await context.session.get_one(Proposal, int(event.details["proposal_id"]))
        audit.record(
            context.session,
            context.organisation,
            None,
            "watch.comment",
            f"comment:{comment.id}",
            {"proposal": proposal.id},
        )
        await context.mailer.queue(
            context.session,
            "proposal_status",
            recipient="organiser@example.org",
            language="fr",
            organisation=context.organisation,
            proposal_title=proposal.title,
            dialogue_title=context.dialogue.title,
            status="under_review",
            custom_label=None,
            reason=comment.body,
            link=f"{context.site_url}/proposals/{proposal.id}",
        )
        if self.failures_left:
            self.failures_left -= 1
            raise RuntimeError("the organiser's directory is down")


class Recorder:
    """Listens to every event, in a module that is off unless turned on."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    @hookimpl
    def register_modules(self, registry: Registry[Module]) -> None:
        registry.add(WATCHED)

    @hookimpl
    def register_event_handlers(self, registry: Registry[EventHandler]) -> None:
        for name in (
            "proposal_submitted",
            "proposal_status_changed",
            "ballot_changed",
            "ballot_confirmed",
            "phase_opened",
            "phase_closed",
            "comment_posted",
        ):
            registry.add(EventHandler(f"record.{name}", name, self.record))

    async def record(self, event: Event, context: EventContext) -> None:
        assert context.dialogue.id == event.dialogue_id
        self.events.append(event)


@pytest.fixture
def watcher() -> Watcher:
    return Watcher()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def quiet_settings(settings: Settings) -> Settings:
    """No background runner: the tests run the jobs when they choose; and without the
    core's notifications, whose handlers would queue jobs beside the test plugins'."""
    return dataclasses.replace(
        settings,
        event_jobs_seconds=0,
        disabled_plugins=(*settings.disabled_plugins, "notifications"),
    )


@pytest.fixture
def event_plugins(quiet_settings: Settings, watcher: Watcher, recorder: Recorder) -> Plugins:
    return build_plugins(quiet_settings, extra=[("watcher", watcher), ("recorder", recorder)])


@pytest.fixture
def runtime(database: Database, quiet_settings: Settings, event_plugins: Plugins) -> EventRuntime:
    return EventRuntime(
        database, quiet_settings, Mailer.from_settings(quiet_settings), event_plugins
    )


@pytest.fixture
async def events_client(
    quiet_settings: Settings, event_plugins: Plugins, database: Database
) -> AsyncIterator[Client]:
    app = create_app(quiet_settings, plugins=event_plugins, database=database)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
        yield client


async def _proposal(client: Client, world: World) -> int:
    await create_dialogue(client, world.admin.headers)
    response = await client.post(
        f"/api/v1/dialogues/{SLUG}/proposals",
        json={"title": "Un jardin partagé", "body": "Place du marché."},
        headers=world.alice.headers,
    )
    assert response.status_code == 201, response.text
    proposal_id: int = response.json()["id"]
    return proposal_id


async def _comment(client: Client, world: World, proposal_id: int, body: str) -> int:
    response = await client.post(
        f"/api/v1/proposals/{proposal_id}/comments", json={"body": body}, headers=world.bob.headers
    )
    assert response.status_code == 201, response.text
    comment_id: int = response.json()["id"]
    return comment_id


async def _jobs(database: Database) -> list[EventJob]:
    async with database.read_session() as session:
        return list(await session.scalars(select(EventJob).order_by(EventJob.id)))


async def _audit(database: Database, action: str) -> list[AuditEntry]:
    async with database.read_session() as session:
        return list(await session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


async def _outbox(database: Database) -> list[OutboxMessage]:
    async with database.read_session() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_hook_register_event_handlers_runs_database_work_after_the_commit(
    events_client: Client, world: World, database: Database, runtime: EventRuntime, watcher: Watcher
) -> None:
    proposal_id = await _proposal(events_client, world)
    comment_id = await _comment(events_client, world, proposal_id, "Bonne idée !")

    [job] = await _jobs(database)
    assert (job.handler, job.event, job.subject_id) == (
        "watch.comment",
        "comment_posted",
        comment_id,
    )
    assert job.details == {"proposal_id": str(proposal_id)} and job.done_at is None
    assert watcher.calls == []  # nothing ran in the request

    assert await run_waiting(runtime) == RunSummary(done=1)
    assert await run_waiting(runtime) == RunSummary(done=0)  # once only
    assert watcher.calls == [comment_id]
    [entry] = await _audit(database, "watch.comment")
    assert entry.target == f"comment:{comment_id}" and entry.details == {"proposal": proposal_id}
    [mail] = await _outbox(database)
    assert mail.recipient == "organiser@example.org"
    # Links come from the settings' base URL, as the core's own emails do.
    assert f"http://localhost:8000/proposals/{proposal_id}" in mail.text_body
    [job] = await _jobs(database)
    assert job.done_at is not None and job.attempts == 1 and job.locked_until is None
    assert await counts(database) == {"waiting": 0, "done": 1, "given_up": 0}


async def test_a_failing_handler_leaves_nothing_behind_and_is_tried_again(
    events_client: Client, world: World, database: Database, runtime: EventRuntime, watcher: Watcher
) -> None:
    proposal_id = await _proposal(events_client, world)
    await _comment(events_client, world, proposal_id, "Bonne idée !")
    watcher.failures_left = 1

    summary = await run_waiting(runtime)
    assert (summary.done, summary.failed) == (0, 1)
    # What the handler wrote before it failed was rolled back with it.
    assert await _audit(database, "watch.comment") == [] and await _outbox(database) == []
    [job] = await _jobs(database)
    assert job.done_at is None and job.attempts == 1 and job.locked_until is None
    assert job.last_error == "RuntimeError: the organiser's directory is down"

    summary = await run_waiting(runtime)
    assert (summary.done, summary.failed) == (1, 0)
    assert len(await _audit(database, "watch.comment")) == 1 and len(await _outbox(database)) == 1
    [job] = await _jobs(database)
    assert job.done_at is not None and job.attempts == 2 and job.last_error is None


async def test_a_job_that_keeps_failing_is_given_up(
    events_client: Client, world: World, database: Database, runtime: EventRuntime, watcher: Watcher
) -> None:
    proposal_id = await _proposal(events_client, world)
    await _comment(events_client, world, proposal_id, "Bonne idée !")
    watcher.failures_left = MAX_ATTEMPTS + 3
    for _ in range(MAX_ATTEMPTS + 2):
        await run_waiting(runtime)
    assert len(watcher.calls) == MAX_ATTEMPTS
    assert await counts(database) == {"waiting": 0, "done": 0, "given_up": 1}


async def test_a_change_rolled_back_leaves_no_job(
    events_client: Client, world: World, database: Database, event_plugins: Plugins
) -> None:
    proposal_id = await _proposal(events_client, world)
    async with database.session() as session:
        proposal = await session.get_one(Proposal, proposal_id)
        dialogue = await session.get_one(Dialogue, proposal.dialogue_id)
        bob = await session.get_one(User, world.bob.user.id)
        await comments.post_comment(
            session, event_plugins, dialogue, proposal, bob, body="Oui", now=utcnow()
        )
        await session.flush()
        assert len((await session.scalars(select(EventJob))).all()) == 1
        await session.rollback()
    assert await _jobs(database) == []


async def test_handlers_of_a_module_are_queued_only_where_it_is_on(
    events_client: Client,
    world: World,
    database: Database,
    runtime: EventRuntime,
    event_plugins: Plugins,
    recorder: Recorder,
) -> None:
    proposal_id = await _proposal(events_client, world)
    await _comment(events_client, world, proposal_id, "Avant")
    assert {job.handler for job in await _jobs(database)} == {"watch.comment"}

    response = await events_client.put(
        f"/api/v1/admin/dialogues/{SLUG}/modules/watched",
        json={"settings": {}},
        headers=world.admin.headers,
    )
    assert response.status_code == 200, response.text
    await _comment(events_client, world, proposal_id, "Après")
    await switch_phase(events_client, world.admin.headers, SLUG, "vote")
    review = await events_client.patch(
        f"/api/v1/admin/proposals/{proposal_id}",
        json={"status": "accepted"},
        headers=world.admin.headers,
    )
    assert review.status_code == 200, review.text
    recorded = [job.event for job in await _jobs(database) if job.handler.startswith("record.")]
    assert recorded[0] == "comment_posted"
    assert "phase_opened" in recorded and "proposal_status_changed" in recorded

    await run_waiting(runtime)
    status = [event for event in recorder.events if event.name == "proposal_status_changed"]
    assert [(event.subject_id, dict(event.details)) for event in status] == [
        (proposal_id, {"previous": "published"})
    ]
    # Turned off again: a handler's jobs queued before are left without running.
    async with database.session() as session:
        organisation = await session.get_one(Organisation, world.org.id)
        dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == SLUG))
        assert dialogue is not None
        await modules.disable_module(
            session, event_plugins, organisation, dialogue, "watched", actor=None, now=utcnow()
        )
        await session.commit()
    seen = len(recorder.events)
    await _comment(events_client, world, proposal_id, "Éteint")
    await run_waiting(runtime)
    assert len(recorder.events) == seen


async def test_two_runners_at_once_run_each_job_once(
    events_client: Client,
    world: World,
    database: Database,
    database_url: str,
    runtime: EventRuntime,
    watcher: Watcher,
) -> None:
    proposal_id = await _proposal(events_client, world)
    for index in range(12):
        await _comment(events_client, world, proposal_id, f"Commentaire {index}")
    other = Database(database_url)
    try:
        first, second = await asyncio.gather(
            run_waiting(runtime), run_waiting(dataclasses.replace(runtime, database=other))
        )
    finally:
        await other.dispose()
    assert first.done + second.done == 12 and first.failed + second.failed == 0
    assert sorted(watcher.calls) == sorted(set(watcher.calls)) and len(watcher.calls) == 12
    assert len(await _audit(database, "watch.comment")) == 12


async def test_the_app_runs_the_jobs_of_a_request_at_once(
    settings: Settings, database: Database, world: World, watcher: Watcher
) -> None:
    # A runner that would wait a minute between passes: the request wakes it.
    patient = dataclasses.replace(settings, event_jobs_seconds=60)
    plugins = build_plugins(patient, extra=[("watcher", watcher)])
    app = create_app(patient, plugins=plugins, database=database)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
        proposal_id = await _proposal(client, world)
        comment_id = await _comment(client, world, proposal_id, "Bonne idée !")
        for _ in range(200):
            if await _audit(database, "watch.comment"):
                break
            await asyncio.sleep(0.05)
    assert watcher.calls == [comment_id]
    [job] = [job for job in await _jobs(database) if job.handler.startswith("watch.")]
    assert job.done_at is not None


async def test_participe_events_lists_and_runs_the_jobs(
    events_client: Client, world: World, database: Database, database_url: str
) -> None:
    proposal_id = await _proposal(events_client, world)
    await _comment(events_client, world, proposal_id, "Bonne idée !")
    code, out, _ = await participe(database_url, "events")
    assert (code, out.strip()) == (0, "1 waiting, 0 done, 0 given up")
    # The command's platform has no such plugin: the job fails, and says why.
    code, out, _ = await participe(database_url, "events", "run")
    assert (code, out.strip()) == (1, "0 job(s) done, 1 failed")
    code, out, _ = await participe(database_url, "events", "list")
    assert code == 0 and "1 waiting" in out
    assert "comment_posted" in out and "no event handler 'watch.comment' is installed" in out
