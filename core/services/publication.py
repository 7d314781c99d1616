"""Who may see a dialogue's results, their publication, and the events of phases that open
and close by their dates.

Visibility (``Dialogue.results_visibility``):

- ``live``: always visible;
- ``after_vote``: visible as soon as the vote phase has ended, by its dates alone (no one
  has to click); ``results_published_at`` is then recorded (the phase's end) by the
  periodic sweep or by the next results request, whichever comes first;
- ``manual``: visible once an organiser publishes them.

Publishing by hand makes them visible whatever the mode. Unpublishing hides them again
and turns the mode to ``manual``, so that neither the dates nor the sweep publish them
behind the organiser's back. Staff of the organisation always see the results.

Phases open and close by their dates, without a request to notice it. The sweep
(:func:`sweep`, run every minute by the app) and the results request
(:func:`catch_up`) fire ``phase_opened`` and ``phase_closed`` for phases whose dates have
passed. Each event is claimed first by a conditional ``UPDATE`` of the phase
(``... WHERE opened_announced_at IS NULL``) that only one worker can win, committed, then
fired: an event fires once, however many workers run the sweep. Switching a phase by hand
(:func:`core.services.phases.switch_phase`) claims what it fires itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from core.db import begin_write
from core.errors import Forbidden
from core.models import Dialogue, Phase, User
from core.models.dialogues import PhaseKind, ResultsVisibility
from core.plugin_manager import Plugins
from core.services import event_jobs

__all__ = [
    "catch_up",
    "due_dialogue_ids",
    "is_staff_of",
    "publish",
    "require_visible",
    "results_visible",
    "sweep",
    "unpublish",
    "vote_ended",
]

log = logging.getLogger("participe.results")


def is_staff_of(viewer: User | None, dialogue: Dialogue) -> bool:
    return (
        viewer is not None
        and viewer.is_staff
        and viewer.organisation_id == dialogue.organisation_id
        and viewer.deleted_at is None
    )


def vote_ended(dialogue: Dialogue, now: datetime) -> bool:
    vote = dialogue.phase(PhaseKind.VOTE)
    return vote is not None and vote.has_ended(now)


def results_visible(dialogue: Dialogue, now: datetime) -> bool:
    """Whether citizens may see the results of ``dialogue`` at ``now``."""
    if dialogue.results_published_at is not None:
        return True
    if dialogue.results_visibility is ResultsVisibility.LIVE:
        return True
    if dialogue.results_visibility is ResultsVisibility.AFTER_VOTE:
        return vote_ended(dialogue, now)
    return False


def require_visible(dialogue: Dialogue, viewer: User | None, now: datetime) -> bool:
    """``published`` for the results body; 403 ``results.hidden`` for a citizen while the
    results are hidden (staff see them, unpublished)."""
    visible = results_visible(dialogue, now)
    if not visible and not is_staff_of(viewer, dialogue):
        raise Forbidden("Les résultats ne sont pas encore publiés.", code="results.hidden")
    return visible


def publish(session: AsyncSession, plugins: Plugins, dialogue: Dialogue, now: datetime) -> None:
    """Publishes the results now (they stay published whatever the dates), with the
    ``results_published`` event in the caller's transaction."""
    if dialogue.results_published_at is None:
        dialogue.results_published_at = now
        event_jobs.queue(session, plugins, dialogue, "results_published", dialogue.id)


def unpublish(dialogue: Dialogue) -> None:
    """Hides the results again until an organiser publishes them (mode ``manual``)."""
    dialogue.results_published_at = None
    dialogue.results_visibility = ResultsVisibility.MANUAL


# -- events and publication by the dates -----------------------------------------


@dataclass(frozen=True)
class _Due:
    """One thing due: an event of a phase, or the publication of the results."""

    at: datetime
    order: int  # at the same moment: closings, then openings, then publication
    phase: Phase | None
    event: str


def _due(dialogue: Dialogue, now: datetime) -> list[_Due]:
    due = []
    for phase in dialogue.phases:
        started = phase.starts_at is not None and phase.starts_at <= now
        if started and phase.opened_announced_at is None:
            assert phase.starts_at is not None
            due.append(_Due(phase.starts_at, 1, phase, "opened"))
        if phase.has_ended(now) and phase.closed_announced_at is None:
            assert phase.ends_at is not None
            due.append(_Due(phase.ends_at, 0, phase, "closed"))
    if (
        dialogue.results_published_at is None
        and dialogue.results_visibility is ResultsVisibility.AFTER_VOTE
        and vote_ended(dialogue, now)
    ):
        vote = dialogue.phase(PhaseKind.VOTE)
        assert vote is not None and vote.ends_at is not None
        due.append(_Due(vote.ends_at, 2, None, "published"))
    return sorted(due, key=lambda d: (d.at, d.order, d.phase.position if d.phase else 0))


async def _claim(session: AsyncSession, dialogue: Dialogue, item: _Due, now: datetime) -> bool:
    """Marks ``item`` done unless another worker did; whether this one won."""
    if item.phase is None:
        statement: Any = (
            update(Dialogue)
            .where(Dialogue.id == dialogue.id, Dialogue.results_published_at.is_(None))
            .values(results_published_at=item.at)
        )
    else:
        column = Phase.opened_announced_at if item.event == "opened" else Phase.closed_announced_at
        statement = (
            update(Phase)
            .where(Phase.id == item.phase.id, column.is_(None))
            .values({column.key: now})
        )
    result: Any = await session.execute(statement.execution_options(synchronize_session=False))
    return bool(result.rowcount == 1)


async def catch_up(
    session: AsyncSession, plugins: Plugins, dialogue: Dialogue, now: datetime
) -> int:
    """Claims and fires what the dates of ``dialogue`` made due at ``now`` (phase events,
    the publication of ``after_vote`` results); returns how many were this caller's.

    Costs nothing when nothing is due (the phases are already loaded). Otherwise commits
    the session's transaction, claims in a write transaction, commits, and fires the
    events of the claims it won, in the order of their dates.
    """
    due = _due(dialogue, now)
    if not due:
        return 0
    await begin_write(session)
    won = [item for item in due if await _claim(session, dialogue, item, now)]
    for item in won:
        if item.phase is not None:
            event_jobs.queue(session, plugins, dialogue, f"phase_{item.event}", item.phase.id)
        else:
            event_jobs.queue(session, plugins, dialogue, "results_published", dialogue.id)
    await session.commit()
    # Claimed by this worker or another, every item is now done in the database: say so
    # on the loaded objects too, without making them dirty.
    for item in due:
        if item.phase is None:
            if dialogue.results_published_at is None:
                set_committed_value(dialogue, "results_published_at", item.at)
        else:
            name = f"{item.event}_announced_at"
            if getattr(item.phase, name) is None:
                set_committed_value(item.phase, name, now)
    for item in won:
        if item.phase is None:
            continue
        try:
            if item.event == "opened":
                plugins.phase_opened(item.phase, dialogue)
            else:
                plugins.phase_closed(item.phase, dialogue)
        except Exception:  # a broken plugin must not stop the others' events
            log.exception("phase_%s of phase %s failed", item.event, item.phase.id)
    return len(won)


async def due_dialogue_ids(session: AsyncSession, now: datetime) -> list[int]:
    """Dialogues (every organisation) that have a phase event or a publication due."""
    phases = select(Phase.dialogue_id).where(
        or_(
            (Phase.starts_at <= now) & Phase.opened_announced_at.is_(None),
            (Phase.ends_at <= now) & Phase.closed_announced_at.is_(None),
        )
    )
    publications = (
        select(Dialogue.id)
        .join(Phase, Phase.dialogue_id == Dialogue.id)
        .where(
            Dialogue.results_published_at.is_(None),
            Dialogue.results_visibility == ResultsVisibility.AFTER_VOTE,
            Phase.kind == PhaseKind.VOTE,
            Phase.ends_at <= now,
        )
    )
    ids = set(await session.scalars(phases)) | set(await session.scalars(publications))
    return sorted(ids)


async def sweep(sessions: Callable[[], Any], plugins: Plugins, now: datetime) -> int:
    """One pass of the periodic task: :func:`catch_up` on every dialogue with something
    due, each in its own session (``sessions()`` opens one); returns the claims won."""
    async with sessions() as session:
        ids = await due_dialogue_ids(session, now)
    won = 0
    for dialogue_id in ids:
        async with sessions() as session:
            dialogue = await session.get(Dialogue, dialogue_id)
            if dialogue is not None:
                won += await catch_up(session, plugins, dialogue, now)
    return won
