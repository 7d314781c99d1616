"""Users, their groups, and API bearer tokens (stored hashed)."""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.errors import NotFound, ValidationFailed
from core.models import ApiToken, Group, GroupMembership, Organisation, User
from core.models.users import Role

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s.]{2,63}$")
TOKEN_PREFIX = "pt_"


def normalise_email(email: str) -> str:
    value = email.strip().lower()
    if len(value) > 320 or not EMAIL.match(value):
        raise ValidationFailed("email: adresse électronique invalide")
    return value


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def get_user_by_email(
    session: AsyncSession, organisation: Organisation, email: str
) -> User | None:
    return await session.scalar(
        select(User).where(
            User.organisation_id == organisation.id, User.email == normalise_email(email)
        )
    )


async def ensure_user(
    session: AsyncSession,
    organisation: Organisation,
    email: str,
    *,
    role: Role | None = None,
    display_name: str | None = None,
    verified: bool = True,
) -> User:
    """Returns the user with ``email``, creating it if needed; ``role`` and
    ``display_name``, when given, are applied to an existing user too."""
    user = await get_user_by_email(session, organisation, email)
    if user is None:
        user = User(
            organisation_id=organisation.id,
            email=normalise_email(email),
            role=role or Role.CITIZEN,
            display_name=display_name or "",
            email_verified_at=utcnow() if verified else None,
        )
        session.add(user)
    else:
        if role is not None:
            user.role = role
        if display_name is not None:
            user.display_name = display_name
        if verified and user.email_verified_at is None:
            user.email_verified_at = utcnow()
    await session.flush()
    return user


async def create_api_token(session: AsyncSession, user: User, name: str = "") -> str:
    """Creates a bearer token for ``user`` and returns it; only its hash is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), name=name))
    await session.flush()
    return token


async def user_for_token(
    session: AsyncSession, organisation: Organisation, token: str
) -> User | None:
    """The user a bearer token belongs to, if the token is live and of this organisation."""
    row = (
        await session.execute(
            select(User, ApiToken.id)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(
                ApiToken.token_hash == hash_token(token),
                ApiToken.revoked_at.is_(None),
                User.organisation_id == organisation.id,
                User.deleted_at.is_(None),
            )
        )
    ).first()
    return None if row is None else row[0]


#: Built once: every request with a bearer token runs it.
TOKEN_USER_AND_GROUPS = (
    select(User, GroupMembership.group_id)
    .join(ApiToken, ApiToken.user_id == User.id)
    .outerjoin(GroupMembership, GroupMembership.user_id == User.id)
    .where(
        ApiToken.token_hash == bindparam("token_hash"),
        ApiToken.revoked_at.is_(None),
        User.organisation_id == bindparam("organisation_id"),
        User.deleted_at.is_(None),
    )
)


async def user_and_groups_for_token(
    session: AsyncSession, organisation: Organisation, token: str
) -> tuple[User, set[int]] | None:
    """What :func:`user_for_token` answers, with the ids of the user's groups, in one
    statement (a bearer-token request needs both, and a vote or a page is a handful of
    statements in all)."""
    rows = (
        await session.execute(
            TOKEN_USER_AND_GROUPS,
            {"token_hash": hash_token(token), "organisation_id": organisation.id},
        )
    ).all()
    if not rows:
        return None
    return rows[0][0], {group_id for _, group_id in rows if group_id is not None}


async def revoke_api_token(session: AsyncSession, user: User, token_id: int) -> None:
    result = await session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.user_id == user.id)
        .values(revoked_at=utcnow())
    )
    if not getattr(result, "rowcount", 0):
        raise NotFound("jeton inconnu")


async def group_ids_of(session: AsyncSession, user: User) -> set[int]:
    rows = await session.scalars(
        select(GroupMembership.group_id).where(GroupMembership.user_id == user.id)
    )
    return set(rows)


async def groups_by_name(
    session: AsyncSession, organisation: Organisation, names: list[str]
) -> list[Group]:
    """The groups named ``names``; an unknown name is a validation error."""
    if not names:
        return []
    groups = list(
        await session.scalars(
            select(Group).where(Group.organisation_id == organisation.id, Group.name.in_(names))
        )
    )
    missing = sorted(set(names) - {group.name for group in groups})
    if missing:
        raise ValidationFailed(f"groups: unknown group(s) {', '.join(missing)}")
    return groups
