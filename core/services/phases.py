"""Switching a dialogue's current phase by hand.

Dates are the one source of truth for the current phase (the last phase, in order, that
has started and not ended). Switching rewrites them: earlier phases end now, the chosen
phase starts now, later phases that had already started are put back to "not started".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import ValidationFailed
from core.models import Dialogue, Phase
from core.models.dialogues import PhaseKind
from core.plugin_manager import Plugins
from core.services import event_jobs
from core.services.vote_locks import lock_for_change


async def switch_phase(
    session: AsyncSession, plugins: Plugins, dialogue: Dialogue, kind: str, now: datetime
) -> tuple[Phase | None, Phase]:
    """Makes the phase of ``kind`` the current one at ``now``; returns (closed, opened).

    It holds the dialogue's lock (:func:`core.services.vote_locks.lock_for_change`): a
    ballot change under way commits before the switch, and one that comes after it is
    judged against the new phases, whichever worker serves it."""
    _phase_kind(kind)  # bad input is refused before any lock is taken
    dialogue = await lock_for_change(session, dialogue)
    closed, opened = rewrite_dates(dialogue, kind, now)
    if closed is not None:
        event_jobs.queue(session, plugins, dialogue, "phase_closed", closed.id)
    event_jobs.queue(session, plugins, dialogue, "phase_opened", opened.id)
    return closed, opened


def _phase_kind(kind: str) -> PhaseKind:
    try:
        return PhaseKind(kind)
    except ValueError:
        raise ValidationFailed(f"kind: unknown phase kind {kind!r}") from None


def rewrite_dates(dialogue: Dialogue, kind: str, now: datetime) -> tuple[Phase | None, Phase]:
    """The dates that make the phase of ``kind`` the current one at ``now``, written on
    ``dialogue``'s phases (no lock, no I/O: :func:`switch_phase` holds the lock)."""
    target = dialogue.phase(_phase_kind(kind))
    if target is None:
        raise ValidationFailed(f"kind: this dialogue has no {kind!r} phase")
    previous = dialogue.current_phase(now)
    for phase in dialogue.phases:
        if phase.position < target.position:
            if phase.starts_at is None or phase.starts_at > now:
                phase.starts_at = now
            if phase.ends_at is None or phase.ends_at > now:
                phase.ends_at = now
        elif phase is target:
            phase.starts_at = now
            if phase.ends_at is not None and phase.ends_at <= now:
                phase.ends_at = None
        else:
            if phase.starts_at is not None and phase.starts_at <= now:
                phase.starts_at = None
            if phase.ends_at is not None and phase.ends_at <= now:
                phase.ends_at = None
    closed = previous if previous is not None and previous is not target else None
    _mark_announced(dialogue, target, now)
    return closed, target


def _mark_announced(dialogue: Dialogue, target: Phase, now: datetime) -> None:
    """Records the phase events of the new dates as announced: the caller fires those of
    the switch itself, and earlier phases (skipped ones too) count as opened and closed,
    so that the sweep of :mod:`core.services.publication` does not fire them again.
    Later phases have not opened in the new dates: their events are to come."""
    for phase in dialogue.phases:
        if phase.position < target.position:
            phase.opened_announced_at = phase.opened_announced_at or now
            phase.closed_announced_at = phase.closed_announced_at or now
        elif phase is target:
            phase.opened_announced_at = now
            phase.closed_announced_at = None
        else:
            phase.opened_announced_at = None
            phase.closed_announced_at = None
