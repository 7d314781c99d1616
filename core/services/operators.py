"""Platform operators: the people of the host who choose the modules each organisation may
use (:mod:`core.modules`).

An operator is a user like any other, of one organisation, whose role there stays what it
was: ``User.is_operator`` adds the operator's page (``/operator/modules``) and nothing
else, so a host names operators without making them anyone's administrators. Naming one is
a platform action (the command line), recorded in the audit log of the operator's own
organisation.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from core.models import Organisation, User
from core.services import audit
from core.services.users import ensure_user, get_user_by_email

__all__ = ["list_operators", "name_operator", "remove_operator"]


async def name_operator(session: AsyncSession, organisation: Organisation, email: str) -> User:
    """Makes the user ``email`` of ``organisation`` an operator, creating a verified
    account (a citizen's) when there is none; their role does not change."""
    user = await ensure_user(session, organisation, email)
    if not user.is_operator:
        user.is_operator = True
        _record(session, organisation, user, "operator.add")
    await session.flush()
    return user


async def remove_operator(session: AsyncSession, organisation: Organisation, email: str) -> User:
    """Takes the operator's page from the user ``email`` of ``organisation`` (404 when
    there is no such user); their account and role stay."""
    user = await get_user_by_email(session, organisation, email)
    if user is None:
        raise NotFound(f"no user {email!r} in {organisation.slug}")
    if user.is_operator:
        user.is_operator = False
        _record(session, organisation, user, "operator.remove")
    await session.flush()
    return user


async def list_operators(session: AsyncSession) -> Sequence[tuple[User, Organisation]]:
    """Every operator with their organisation, by organisation then address."""
    rows = await session.execute(
        select(User, Organisation)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(User.is_operator, User.deleted_at.is_(None))
        .order_by(Organisation.slug, User.email)
    )
    return [(user, organisation) for user, organisation in rows]


def _record(session: AsyncSession, organisation: Organisation, user: User, action: str) -> None:
    audit.record(session, organisation, None, action, f"user:{user.id}")
