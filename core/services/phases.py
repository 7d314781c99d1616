"""Switching a dialogue's current phase by hand.

Dates are the one source of truth for the current phase (the last phase, in order, that
has started and not ended). Switching rewrites them: earlier phases end now, the chosen
phase starts now, later phases that had already started are put back to "not started".
"""

from __future__ import annotations

from datetime import datetime

from core.errors import ValidationFailed
from core.models import Dialogue, Phase
from core.models.dialogues import PhaseKind


def switch_phase(dialogue: Dialogue, kind: str, now: datetime) -> tuple[Phase | None, Phase]:
    """Makes the phase of ``kind`` the current one at ``now``; returns (closed, opened)."""
    try:
        wanted = PhaseKind(kind)
    except ValueError:
        raise ValidationFailed(f"kind: unknown phase kind {kind!r}") from None
    target = dialogue.phase(wanted)
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
    return closed, target
