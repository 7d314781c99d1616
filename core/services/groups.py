"""Groups of users (selection committees, reviewers, residents) and the staff's roles.

Members are added by email, one by one or from a CSV file: an address without an account
gets one (unverified until its owner signs in), so a committee can be set up before its
members ever visit the platform.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import case, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import begin_write
from core.errors import Conflict, NotFound, ValidationFailed
from core.models import Group, GroupMembership, Organisation, User
from core.models.users import Role
from core.services.users import ensure_user, normalise_email

MAX_NAME = 120
#: Lines a CSV import reads at most; the rest is reported, not silently dropped.
MAX_IMPORT_LINES = 10_000


def _name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise ValidationFailed(
            "name: le nom du groupe est obligatoire",
            extra={"fields": {"name": "Donnez un nom au groupe."}},
        )
    if len(name) > MAX_NAME or "/" in name:
        message = f"{MAX_NAME} caractères au plus, sans « / »."
        raise ValidationFailed(f"name: {message}", extra={"fields": {"name": message}})
    return name


async def list_groups(session: AsyncSession, org: Organisation) -> list[tuple[Group, int]]:
    """The organisation's groups by name, each with its number of members."""
    rows = await session.execute(
        select(Group, func.count(GroupMembership.user_id))
        .outerjoin(GroupMembership, GroupMembership.group_id == Group.id)
        .where(Group.organisation_id == org.id)
        .group_by(Group.id)
        .order_by(Group.name)
    )
    return [(group, count) for group, count in rows.all()]


async def get_group(session: AsyncSession, org: Organisation, name: str) -> Group:
    group = await session.scalar(
        select(Group).where(Group.organisation_id == org.id, Group.name == name)
    )
    if group is None:
        raise NotFound(f"groupe {name!r} introuvable")
    return group


async def get_group_by_id(session: AsyncSession, org: Organisation, group_id: int) -> Group:
    group = await session.scalar(
        select(Group).where(Group.id == group_id, Group.organisation_id == org.id)
    )
    if group is None:
        raise NotFound("groupe introuvable")
    return group


async def create_group(session: AsyncSession, org: Organisation, name: str) -> Group:
    name = _name(name)
    taken = await session.scalar(
        select(Group.id).where(Group.organisation_id == org.id, Group.name == name)
    )
    conflict = Conflict(
        f"un groupe « {name} » existe déjà",
        code="group.exists",
        extra={"fields": {"name": "Ce nom est déjà pris."}},
    )
    if taken:
        raise conflict
    group = Group(organisation_id=org.id, name=name)
    try:
        async with session.begin_nested():
            session.add(group)
    except IntegrityError:  # created by someone else meanwhile
        raise conflict from None
    return group


async def rename_group(session: AsyncSession, org: Organisation, group: Group, name: str) -> Group:
    name = _name(name)
    if name != group.name:
        taken = await session.scalar(
            select(Group.id).where(Group.organisation_id == org.id, Group.name == name)
        )
        if taken:
            raise Conflict(
                f"un groupe « {name} » existe déjà",
                code="group.exists",
                extra={"fields": {"name": "Ce nom est déjà pris."}},
            )
        group.name = name
        await session.flush()
    return group


async def delete_group(session: AsyncSession, group: Group) -> None:
    await session.delete(group)
    await session.flush()


async def members(session: AsyncSession, group: Group) -> Sequence[User]:
    return (
        await session.scalars(
            select(User)
            .join(GroupMembership, GroupMembership.user_id == User.id)
            .where(GroupMembership.group_id == group.id)
            .order_by(User.email)
        )
    ).all()


async def add_member(
    session: AsyncSession,
    org: Organisation,
    group: Group,
    email: str,
    *,
    display_name: str | None = None,
    postal_code: str | None = None,
) -> tuple[User, bool]:
    """Adds the user with ``email`` (created if needed) to ``group``; returns the user and
    whether they were not a member yet."""
    user = await ensure_user(session, org, email, verified=False)
    if display_name and not user.display_name:
        user.display_name = display_name[:120]
    if postal_code and not user.postal_code:
        user.postal_code = postal_code[:16]
    present = await session.get(GroupMembership, (group.id, user.id))
    if present is not None:
        return user, False
    try:
        async with session.begin_nested():
            session.add(GroupMembership(group_id=group.id, user_id=user.id))
    except IntegrityError:  # added by a concurrent request
        return user, False
    return user, True


async def remove_member(session: AsyncSession, group: Group, user_id: int) -> None:
    await session.execute(
        delete(GroupMembership).where(
            GroupMembership.group_id == group.id, GroupMembership.user_id == user_id
        )
    )


@dataclass
class BadLine:
    number: int
    text: str
    reason: str


@dataclass
class ImportReport:
    """What a CSV import did: addresses added, already members, and refused lines."""

    added: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    bad: list[BadLine] = field(default_factory=list)


def _rows(text: str) -> list[list[str]]:
    sample = text[:4096]
    delimiter = ";" if sample.count(";") >= sample.count(",") and ";" in sample else ","
    if "\t" in sample and sample.count("\t") > sample.count(delimiter):
        delimiter = "\t"
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


async def import_members(
    session: AsyncSession, org: Organisation, group: Group, text: str
) -> ImportReport:
    """Adds the members a CSV text lists: one per line, the email address first, then
    optionally a display name and a postal code. A first line without an address is
    taken as a header. Bad lines are reported with their number and why, the good ones
    added all the same."""
    report = ImportReport()
    text = text.lstrip("\ufeff")
    seen: set[str] = set()
    rows = _rows(text)
    for number, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if number == 1 and "@" not in cells[0]:
            continue  # a header
        line = ";".join(row)
        if number > MAX_IMPORT_LINES:
            report.bad.append(
                BadLine(number, line[:200], f"au-delà de {MAX_IMPORT_LINES} lignes, non lue")
            )
            break
        try:
            email = normalise_email(cells[0])
        except ValidationFailed:
            report.bad.append(BadLine(number, line[:200], "adresse électronique invalide"))
            continue
        if email in seen:
            report.bad.append(BadLine(number, line[:200], "adresse déjà présente plus haut"))
            continue
        seen.add(email)
        name = cells[1] if len(cells) > 1 else None
        postal_code = cells[2] if len(cells) > 2 else None
        if postal_code and (len(postal_code) > 16 or not postal_code.replace(" ", "").isalnum()):
            report.bad.append(BadLine(number, line[:200], "code postal invalide"))
            continue
        _, added = await add_member(
            session, org, group, email, display_name=name, postal_code=postal_code
        )
        (report.added if added else report.already).append(email)
    await session.flush()
    return report


# -- people and roles --------------------------------------------------------------------


async def list_people(
    session: AsyncSession,
    org: Organisation,
    *,
    q: str | None = None,
    role: Role | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[Sequence[User], int]:
    """A page of the organisation's accounts (staff first), searched by address or name."""
    query = select(User).where(User.organisation_id == org.id, User.deleted_at.is_(None))
    if q:
        pattern = "%" + q.strip().lower().replace("%", r"\%").replace("_", r"\_") + "%"
        query = query.where(
            or_(
                User.email.like(pattern, escape="\\"),
                func.lower(User.display_name).like(pattern, escape="\\"),
            )
        )
    if role is not None:
        query = query.where(User.role == role)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    staff_first = case((User.role == Role.CITIZEN, 1), else_=0)
    rows = await session.scalars(
        query.order_by(staff_first, User.email).offset((page - 1) * per_page).limit(per_page)
    )
    return rows.all(), total


#: The code of the refusal to take its last administrator away from an organisation.
LAST_ADMIN = "role.last_admin"


async def lock_administrators(session: AsyncSession, organisation: Organisation) -> None:
    """Makes the caller's transaction the only one that may change who administers
    ``organisation`` until it ends.

    Counting the administrators, then taking one away, must not interleave with another
    change of the kind: two administrators who demote each other (or delete their own
    accounts) at the same instant would each count two and both succeed, leaving none.
    Every change that may take an administrator away (:func:`set_role`,
    :func:`core.services.personal_data.delete_account`) calls this before it reads the
    account it changes, so such changes queue one behind the other, always in the same
    order (the organisation, then the account), which cannot deadlock.

    On PostgreSQL, locks the organisation's row ``FOR NO KEY UPDATE``, which does not hold
    up the rows that refer to the organisation (their inserts take ``FOR KEY SHARE``). On
    SQLite, a write transaction (``BEGIN IMMEDIATE``) already excludes every other writer:
    the transaction becomes one (:func:`core.db.begin_write`) unless it is one already, so
    it must hold reads only so far.
    """
    if session.get_bind().dialect.name == "sqlite":
        await begin_write(session)
        return
    await session.execute(
        select(Organisation.id)
        .where(Organisation.id == organisation.id)
        .with_for_update(key_share=True)
    )


async def count_administrators(session: AsyncSession, organisation: Organisation) -> int:
    """The organisation's administrators; exact only under :func:`lock_administrators`."""
    count = await session.scalar(
        select(func.count()).where(
            User.organisation_id == organisation.id,
            User.role == Role.ADMIN,
            User.deleted_at.is_(None),
        )
    )
    return count or 0


async def set_role(session: AsyncSession, org: Organisation, user_id: int, role: Role) -> User:
    """Gives the user ``role``; the caller commits. The organisation always keeps one
    administrator (409 ``role.last_admin``), also when two of them demote each other at
    the same instant: the change runs under :func:`lock_administrators`, so the caller's
    transaction must hold reads only so far."""
    await lock_administrators(session, org)
    # Read again under the lock: a change that held it before has committed.
    user = await session.get(User, user_id, populate_existing=True)
    if user is None or user.organisation_id != org.id or user.deleted_at is not None:
        raise NotFound("compte introuvable")
    if (
        user.role == Role.ADMIN
        and role != Role.ADMIN
        and await count_administrators(session, org) <= 1
    ):
        raise Conflict(
            "L'organisation doit garder au moins un·e administrateur·rice.", code=LAST_ADMIN
        )
    user.role = role
    await session.flush()
    return user
