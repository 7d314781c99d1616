"""A citizen's personal data (RGPD): the download of all of it, and the deletion of their
account.

The file holds the account (address, name, postal code, language, role, dates), its
groups, API tokens (names and dates, never a hash), sessions (dates), then the part of
every personal data source (:mod:`core.personal_data`): proposals, comments, ballots with
their vote logs, questionnaire responses... Sign-in links are not in it: they are
secrets, short-lived and already used or voided.

Deleting an account keeps what the citizen gave to the public debate and to the count,
without the person: the account row stays, emptied (no address, no name, no postal code,
no network digest) and marked deleted, so that their published proposals and comments
show "Utilisateur supprimé" and their ballots keep counting; everything that only served
the person (sessions, API tokens, sign-in links, group memberships, emails kept in the
outbox) is deleted. Each source erases its own part first, in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, NotFound
from core.models import (
    ApiToken,
    Group,
    GroupMembership,
    Organisation,
    OutboxMessage,
    SignInToken,
    User,
    UserSession,
)
from core.models.users import Role
from core.personal_data import PersonalDataContext
from core.plugin_manager import Plugins
from core.services import audit, groups

#: The version of the file's shape, its first key.
FORMAT = "participe.personal-data/1"


async def export_personal_data(
    session: AsyncSession, plugins: Plugins, user: User, *, now: datetime
) -> dict[str, Any]:
    """Everything the platform keeps about ``user``, as JSON values (times as
    ``datetime``): the account's parts, then one key per personal data source."""
    organisation = await session.get(Organisation, user.organisation_id)
    assert organisation is not None
    groups = await session.scalars(
        select(Group.name)
        .join(GroupMembership, GroupMembership.group_id == Group.id)
        .where(GroupMembership.user_id == user.id)
        .order_by(Group.name)
    )
    tokens = await session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
    )
    browser_sessions = await session.scalars(
        select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
    )
    data: dict[str, Any] = {
        "format": FORMAT,
        "exported_at": now,
        "organisation": {"slug": organisation.slug, "name": organisation.name},
        "account": {
            "id": user.id,
            "email": user.email,
            "display_name": user.display_name,
            "postal_code": user.postal_code,
            "language": user.language,
            "role": user.role.value,
            "created_at": user.created_at,
            "email_verified_at": user.email_verified_at,
            "last_seen_at": user.last_seen_at,
        },
        "groups": list(groups),
        "api_tokens": [
            {
                "name": token.name,
                "created_at": token.created_at,
                "last_used_at": token.last_used_at,
                "revoked_at": token.revoked_at,
            }
            for token in tokens
        ],
        "sessions": [
            {
                "created_at": row.created_at,
                "last_seen_at": row.last_seen_at,
                "expires_at": row.expires_at,
            }
            for row in browser_sessions
        ],
    }
    context = PersonalDataContext(plugins=plugins, now=now)
    for source in plugins.personal_data:
        data[source.id] = await source.export(session, user, context)
    return data


def encode(data: dict[str, Any]) -> bytes:
    """The downloaded file: indented JSON, readable in a text editor."""
    return msgspec.json.format(msgspec.json.encode(data), indent=2)


def file_name(now: datetime) -> str:
    """The name the browser saves the file under."""
    return f"participe-mes-donnees-{now:%Y-%m-%d}.json"


async def delete_account(
    session: AsyncSession,
    plugins: Plugins,
    user: User,
    *,
    now: datetime,
    by: User | None = None,
) -> None:
    """Deletes ``user``'s account as the module docstring says, in the caller's
    transaction (the caller commits); nothing happens when it is deleted already.

    ``by`` is the staff member who deletes it (``None``: its owner, or the retention
    purge). A staff member's deletion, and a staff account's own, are written in the
    audit log; the audit entries of a deleted staff account stay. The last administrator
    of an organisation cannot be deleted (409 ``role.last_admin``), also when two
    administrators delete their accounts, or one demotes the other, at the same instant:
    the account is locked and read again after the organisation
    (:func:`core.services.groups.lock_administrators`), so the caller's transaction must
    be a write one (:func:`core.db.begin_write`) that has not locked the account first.
    """
    if user.deleted_at is not None:
        return
    organisation = await session.get(Organisation, user.organisation_id)
    assert organisation is not None
    await groups.lock_administrators(session, organisation)
    # Read again under the lock: a deletion or a role change that held it has committed
    # (two deletions at once make one).
    await session.refresh(user, with_for_update=True)
    if user.deleted_at is not None:
        return
    if user.role is Role.ADMIN and await groups.count_administrators(session, organisation) <= 1:
        raise Conflict(
            "Vous êtes le seul compte d'administration de l'organisation : donnez ce "
            "rôle à une autre personne avant de supprimer votre compte."
            if by is None
            else "Ce compte est le seul compte d'administration de l'organisation.",
            code=groups.LAST_ADMIN,
        )
    context = PersonalDataContext(plugins=plugins, now=now)
    for source in plugins.personal_data:
        await source.erase(session, user, context)
    await session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    await session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    await session.execute(delete(GroupMembership).where(GroupMembership.user_id == user.id))
    if user.email:
        await session.execute(
            delete(SignInToken).where(
                SignInToken.organisation_id == organisation.id, SignInToken.email == user.email
            )
        )
        await session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.organisation_id == organisation.id,
                func.lower(OutboxMessage.recipient) == user.email,
            )
        )
    if by is not None or user.is_staff:
        audit.record(
            session,
            organisation,
            by or user,
            "user.delete",
            f"user:{user.id}",
            {"role": user.role.value, "by": "staff" if by is not None else "self"},
            now=now,
        )
    user.email = None
    user.display_name = ""
    user.postal_code = None
    user.created_network = None
    user.last_seen_at = None
    user.role = Role.CITIZEN
    user.deleted_at = now
    await session.flush()


async def delete_citizen_account(
    session: AsyncSession,
    plugins: Plugins,
    organisation: Organisation,
    user_id: int,
    *,
    by: User,
    now: datetime,
) -> User:
    """Staff deleting a citizen's account of ``organisation`` (404 for an account of
    another organisation or already deleted; 409 ``account.staff`` for a staff account,
    whose role must be taken away first). The caller commits, from a write transaction
    (:func:`core.db.begin_write`)."""
    # The organisation before the account, in the order every change of a role takes them.
    await groups.lock_administrators(session, organisation)
    user = await session.get(User, user_id, with_for_update=True, populate_existing=True)
    if user is None or user.organisation_id != organisation.id or user.deleted_at is not None:
        raise NotFound("compte introuvable")
    if user.is_staff:
        raise Conflict(
            "Ce compte fait partie de l'équipe : retirez-lui son rôle avant de le supprimer.",
            code="account.staff",
        )
    await delete_account(session, plugins, user, now=now, by=by)
    return user
