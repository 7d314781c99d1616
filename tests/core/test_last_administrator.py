"""An organisation always keeps an administrator: the last one can be neither demoted
(:func:`core.services.groups.set_role`) nor deleted
(:func:`core.services.personal_data.delete_account`), also when two changes run at once.

The races below are played step by step on two connections: the first change holds its
transaction open while the second starts, which must wait for it and then see it. Without
:func:`core.services.groups.lock_administrators` the second counts two administrators and
goes through. ``tests/web/test_vote_races.py`` plays them over a two-worker server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database, begin_write, utcnow
from core.errors import Conflict
from core.models import Organisation, User
from core.models.users import Role
from core.plugin_manager import Plugins
from core.services import groups, personal_data
from tests.conftest import Person, World

#: Seconds the second change is given to (wrongly) go through while the first holds on.
WAIT = 0.3


async def _organisation(session: AsyncSession, world: World) -> Organisation:
    org = await session.get(Organisation, world.org.id)
    assert org is not None
    return org


async def _demote(session: AsyncSession, world: World, person: Person) -> None:
    await groups.set_role(
        session, await _organisation(session, world), person.user.id, Role.CITIZEN
    )


async def _delete(session: AsyncSession, plugins: Plugins, person: Person) -> None:
    await begin_write(session)
    user = await session.get(User, person.user.id)
    assert user is not None
    await personal_data.delete_account(session, plugins, user, now=utcnow())


async def _administrators(database: Database, world: World) -> list[str]:
    async with database.session() as session:
        rows = await session.scalars(
            select(User.email)
            .where(
                User.organisation_id == world.org.id,
                User.role == Role.ADMIN,
                User.deleted_at.is_(None),
            )
            .order_by(User.email)
        )
        return [email or "" for email in rows]


async def test_the_only_administrator_can_be_neither_demoted_nor_deleted(
    database: Database, world: World, plugins: Plugins
) -> None:
    async with database.session() as session:
        with pytest.raises(Conflict) as demoted:
            await _demote(session, world, world.admin)
        assert demoted.value.code == "role.last_admin"
        await session.rollback()
        with pytest.raises(Conflict) as deleted:
            await _delete(session, plugins, world.admin)
        assert deleted.value.code == "role.last_admin"
        assert "seul compte d'administration" in deleted.value.detail
    assert await _administrators(database, world) == ["admin@ville.test"]


async def test_with_two_administrators_one_may_go(
    database: Database, world: World, plugins: Plugins
) -> None:
    second = await world.person("second@ville.test", Role.ADMIN)
    async with database.session() as session:
        await _demote(session, world, second)
        await session.commit()
    assert await _administrators(database, world) == ["admin@ville.test"]

    async with database.session() as session:
        org = await _organisation(session, world)
        await groups.set_role(session, org, second.user.id, Role.ADMIN)
        await session.commit()
    async with database.session() as session:
        await _delete(session, plugins, world.admin)
        await session.commit()
    assert await _administrators(database, world) == ["second@ville.test"]
    async with database.session() as session:
        with pytest.raises(Conflict) as refused:
            await _delete(session, plugins, second)
        assert refused.value.code == "role.last_admin"
    # A role that changes nothing, or another account's, is no concern of the rule.
    async with database.session() as session:
        org = await _organisation(session, world)
        await groups.set_role(session, org, second.user.id, Role.ADMIN)
        await groups.set_role(session, org, world.alice.user.id, Role.REVIEWER)
        await session.commit()
    assert await _administrators(database, world) == ["second@ville.test"]


Change = Callable[[AsyncSession], Awaitable[None]]


async def _one_after_the_other(database: Database, first: Change, second: Change) -> Exception:
    """Runs ``first`` and holds its transaction open while ``second`` starts on another
    connection; ``second`` must wait, then be refused once ``first`` commits. Returns
    the refusal."""
    async with database.session() as holding, database.session() as waiting:
        await first(holding)
        late = asyncio.create_task(second(waiting))
        await asyncio.sleep(WAIT)
        assert not late.done(), "the second change did not wait for the first"
        await holding.commit()
        with pytest.raises(Conflict) as refused:
            await late
        await waiting.rollback()
    return refused.value


@pytest.mark.parametrize(
    "race",
    ["demote_each_other", "demote_the_other_and_delete_oneself", "both_delete_themselves"],
)
async def test_two_administrators_at_once_leave_one(
    database: Database, world: World, plugins: Plugins, race: str
) -> None:
    first = world.admin
    second = await world.person("second@ville.test", Role.ADMIN)
    changes: dict[str, tuple[Change, Change]] = {
        "demote_each_other": (
            lambda session: _demote(session, world, second),
            lambda session: _demote(session, world, first),
        ),
        "demote_the_other_and_delete_oneself": (
            lambda session: _demote(session, world, second),
            lambda session: _delete(session, plugins, first),
        ),
        "both_delete_themselves": (
            lambda session: _delete(session, plugins, first),
            lambda session: _delete(session, plugins, second),
        ),
    }
    refusal = await _one_after_the_other(database, *changes[race])
    assert getattr(refusal, "code", None) == "role.last_admin"
    assert len(await _administrators(database, world)) == 1


async def test_a_staff_deletion_waits_for_a_promotion_of_the_same_account(
    database: Database, world: World, plugins: Plugins
) -> None:
    """Staff delete a citizen whom another administrator is making a moderator: the
    deletion waits, then refuses a staff account (``account.staff``); both changes take
    the organisation before the account, so neither deadlocks."""

    async def promote(session: AsyncSession) -> None:
        org = await _organisation(session, world)
        await groups.set_role(session, org, world.alice.user.id, Role.MODERATOR)

    async def delete(session: AsyncSession) -> None:
        await begin_write(session)
        staff = await session.get(User, world.admin.user.id)
        assert staff is not None
        org = await _organisation(session, world)
        await personal_data.delete_citizen_account(
            session, plugins, org, world.alice.user.id, by=staff, now=utcnow()
        )

    refusal = await _one_after_the_other(database, promote, delete)
    assert getattr(refusal, "code", None) == "account.staff"
    async with database.session() as session:
        alice = await session.get(User, world.alice.user.id)
        assert alice is not None and alice.deleted_at is None and alice.role is Role.MODERATOR
        deleted = await session.scalar(
            select(func.count()).select_from(User).where(User.deleted_at.is_not(None))
        )
        assert deleted == 0
