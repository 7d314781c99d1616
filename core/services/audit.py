"""The audit log of staff actions: who did what to what, when, and why.

Services that act for staff call :func:`record` in the same transaction as the action, so
an action and its entry land or fail together. The log is append-only: nothing in the
platform updates or deletes an entry, except that deleting a staff account keeps its
entries without the person (``actor_id`` becomes ``None``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.models import AuditEntry, Organisation, User

#: The longest target or action kept; longer ones are cut, never refused.
MAX_TARGET = 200
MAX_ACTION = 64


def record(
    session: AsyncSession,
    organisation: Organisation,
    actor: User | None,
    action: str,
    target: str = "",
    details: Mapping[str, Any] | None = None,
    *,
    now: datetime | None = None,
) -> AuditEntry:
    """Adds an entry to ``session`` (flushed with the caller's transaction). ``actor`` is
    ``None`` for the platform itself; ``details`` must hold JSON values and no personal
    data (a reason, the fields changed, counts)."""
    entry = AuditEntry(
        organisation_id=organisation.id,
        actor_id=actor.id if actor is not None else None,
        action=action[:MAX_ACTION],
        target=target[:MAX_TARGET],
        details=dict(details or {}),
        created_at=now or utcnow(),
    )
    session.add(entry)
    return entry


async def entries(
    session: AsyncSession,
    organisation: Organisation,
    *,
    action: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[Sequence[tuple[AuditEntry, User | None]], int]:
    """One page of ``organisation``'s entries, newest first, each with its actor (``None``
    for the platform or a deleted account), and the total."""
    where = [AuditEntry.organisation_id == organisation.id]
    if action:
        where.append(AuditEntry.action == action)
    total = await session.scalar(select(func.count()).select_from(AuditEntry).where(*where))
    rows = await session.execute(
        select(AuditEntry, User)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .where(*where)
        .order_by(AuditEntry.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return [(entry, user) for entry, user in rows], int(total or 0)


async def actions(session: AsyncSession, organisation: Organisation) -> list[str]:
    """The actions ``organisation``'s log holds, in alphabetical order (for a filter)."""
    found = await session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.organisation_id == organisation.id)
        .distinct()
        .order_by(AuditEntry.action)
    )
    return list(found)


def fields_set(change: Any) -> list[str]:
    """The names of the fields that a request body (a msgspec Struct) or a change (a
    dataclass) sets, leaving out those left ``UNSET``: what ``details`` says changed."""
    names = getattr(change, "__struct_fields__", None)
    if names is None:
        names = [field.name for field in dataclasses.fields(change)]
    return sorted(name for name in names if getattr(change, name) is not msgspec.UNSET)
