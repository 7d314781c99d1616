"""The operator's grants (``Organisation.module_grants``) as the database holds them, under
the locks that order a withdrawal with the changes that depend on a grant.

The rule: no dialogue of an organisation ends with a module on that the organisation may
not use. Withdrawing a grant turns the module off on every dialogue where it is on
(:func:`core.services.modules.set_grant`); that holds only if no dialogue can turn it on
unseen meanwhile. So:

- a change of the grants (:func:`lock_grants`) takes the organisation's row ``FOR UPDATE``
  and reads the grants again, then lists the dialogues where the module is on;
- a change that turns a module on, or creates a dialogue with the modules on by default
  (:func:`held_grants`), reads the grants ``FOR SHARE`` in its write transaction, before it
  locks the dialogue, and judges against what it read, never against the request's copy of
  the organisation (a worker's snapshot may be seconds old, and the command line changes
  grants from another process).

On PostgreSQL the two locks conflict: an enable that read the grant first holds the
withdrawal until it commits, and the withdrawal then finds the module on and turns it off;
an enable that comes second waits for the withdrawal's commit and reads that the grant is
gone (404 ``module.unknown``). Both take the organisation before the dialogue, so they do
not deadlock. ``FOR SHARE`` lets enables of one organisation run side by side. On SQLite
every write transaction holds the database's only write lock (``BEGIN IMMEDIATE``,
:func:`core.db.begin_write`), and reading the grants inside it is what makes a stale copy
lose.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import begin_write
from core.errors import NotFound
from core.models import Organisation

__all__ = ["held_grants", "lock_grants"]


async def lock_grants(session: AsyncSession, organisation: Organisation) -> Organisation:
    """Begins a write transaction that holds ``organisation``'s row ``FOR UPDATE``; returns
    the organisation as it stands now (the session's copy brought up to date)."""
    await begin_write(session)
    locked = await session.scalar(
        select(Organisation)
        .where(Organisation.id == organisation.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked is None:
        raise NotFound("organisation introuvable", code="organisation.unknown")
    return locked


async def held_grants(session: AsyncSession, organisation: Organisation) -> Mapping[str, Any]:
    """Begins a write transaction that holds ``organisation``'s row ``FOR SHARE`` until it
    ends; returns the grants it read."""
    await begin_write(session)
    grants = await session.scalar(
        select(Organisation.module_grants)
        .where(Organisation.id == organisation.id)
        .with_for_update(read=True)
    )
    if grants is None:
        raise NotFound("organisation introuvable", code="organisation.unknown")
    return dict(grants)
