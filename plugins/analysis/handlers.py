"""The event handlers that keep the stored analysis up to date, after the commit of the
change, so that a submission waits for no stemming and no analysis."""

from __future__ import annotations

from core.events import Event, EventContext
from plugins.analysis.results import request_refresh
from plugins.analysis.store import analyse_proposal


async def analyse_submitted(event: Event, context: EventContext) -> None:
    """A proposal was published or its status changed: its stems are stored again and its
    dialogue's results marked stale, in the job's short transaction; one later pass
    recomputes them (:mod:`plugins.analysis.results`), however many proposals came. Run
    twice, it writes the same text and asks for one more pass."""
    await analyse_proposal(context.session, event.subject_id)
    await request_refresh(context.session, event.dialogue_id)
