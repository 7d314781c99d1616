"""The event handlers that keep the stored analysis up to date, after the commit of the
change, so that a submission waits for no stemming."""

from __future__ import annotations

from core.events import Event, EventContext
from plugins.analysis.store import analyse_proposal


async def analyse_submitted(event: Event, context: EventContext) -> None:
    """A proposal was published (or its status changed): its stems are stored again.
    Run twice, it writes the same text."""
    await analyse_proposal(context.session, event.subject_id)
