"""Event handlers: a plugin's work after something happened on a dialogue, done in the
database, reliably.

The core's event hooks (``proposal_submitted``, ``ballot_changed``...) are synchronous
notifications fired after the commit, for work that needs no database. A feature that
must change data or send an email registers an :class:`EventHandler` instead
(``register_event_handlers``):

- when the event happens, the core records one job per handler that listens to it **in
  the transaction of the change** (``core.services.event_jobs.queue``): the change and
  its jobs are committed together, or neither is;
- after the commit, a runner (the app's background task, or ``participe events run``)
  calls each handler with the :class:`Event` and an :class:`EventContext` whose session is
  a transaction of its own: what the handler writes is committed with the job marked
  done, or rolled back with it kept for a later try if the handler raises;
- a handler runs at least once and, once it succeeded, never again; a job that failed
  :data:`MAX_ATTEMPTS` times is left for an operator (``participe events``).

A handler of a plugin that declares modules is queued only on the dialogues where one of
its modules is on, like the plugin's other hooks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.mail import Mailer
    from core.models import Dialogue, Organisation
    from core.plugin_manager import Plugins
    from core.settings import Settings

#: The events, and what an event's ``subject_id`` names for each.
EVENT_SUBJECTS: Mapping[str, str] = {
    "proposal_submitted": "proposal",
    "proposal_status_changed": "proposal",
    "proposal_answered": "proposal",
    "ballot_changed": "ballot",
    "ballot_confirmed": "ballot",
    "phase_opened": "phase",
    "phase_closed": "phase",
    "comment_posted": "comment",
    "comment_reported": "comment",
    "results_published": "dialogue",
}

#: A job that failed this many times is not tried again.
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Event:
    """What happened: ``name`` (a key of :data:`EVENT_SUBJECTS`), on which dialogue, to
    which ``subject_id`` (a proposal, ballot, phase, comment or dialogue id, as
    :data:`EVENT_SUBJECTS` says), with ``details``:

    - ``proposal_status_changed``: ``previous``, the status it had;
    - ``ballot_changed``: ``action``, as the ``ballot_changed`` hook says (``cast``,
      ``change``, ``withdraw``, ``replace``, ``void`` or ``unconfirm``);
    - ``comment_posted`` and ``comment_reported``: ``proposal_id``, the proposal it is
      about.
    """

    name: str
    organisation_id: int
    dialogue_id: int
    subject_id: int
    details: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EventContext:
    """What a handler works with: ``session`` is its own transaction, committed when the
    handler returns (never commit or roll it back yourself); ``organisation`` and
    ``dialogue`` are loaded in it; ``site_url`` is the organisation's address for the
    links of emails (no trailing slash); ``mailer`` queues emails with the core's
    templates and the plugins' (``Mailer.queue`` in ``session``: sent once committed)."""

    session: AsyncSession
    organisation: Organisation
    dialogue: Dialogue
    settings: Settings
    mailer: Mailer
    plugins: Plugins
    site_url: str


@dataclass(frozen=True)
class EventHandler:
    """One handler: a stable ``id`` (stored with its jobs: renaming it orphans them),
    the ``event`` it listens to, and ``handle``, the coroutine function that does the
    work. It may be run again after a failure or a crash: make it idempotent where that
    matters (check whether its work is already there)."""

    id: str
    event: str
    handle: Callable[[Event, EventContext], Awaitable[None]]

    def __post_init__(self) -> None:
        if self.event not in EVENT_SUBJECTS:
            known = ", ".join(EVENT_SUBJECTS)
            raise ValueError(f"event handler {self.id!r}: unknown event {self.event!r} ({known})")
