"""A grant's withdrawal and an administrator's enable of the same module never leave it on
a dialogue of an organisation that may not use it (``core.services.module_grants``):
whichever transaction locks the organisation's grants first, the other waits for its
commit and then sees it. Real concurrent transactions, each on its own connection; the
objects each starts from were read beforehand, as a request's snapshots are. On SQLite the
write lock that every write transaction takes first orders them the same way."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database, utcnow
from core.errors import NotFound
from core.hookspecs import hookimpl
from core.models import Dialogue, Organisation
from core.modules import Module
from core.plugin_manager import Plugins
from core.registries import Registry
from core.services import dialogues, modules
from core.settings import Settings
from core.specs import DialogueSpec
from tests.conftest import World, without_installed
from web.plugins import build_plugins

T = TypeVar("T")
#: How long a transaction that must wait is given to show that it does.
WAIT = 0.5


class PetitionSettings(msgspec.Struct, forbid_unknown_fields=True):
    threshold: int = 50


PETITION = Module(name="petition", title="Pétition", settings_type=PetitionSettings)


class PetitionPlugin:
    @hookimpl
    def register_modules(self, registry: Registry[Module]) -> None:
        registry.add(PETITION)


@pytest.fixture
def grant_plugins(settings: Settings) -> Plugins:
    return build_plugins(without_installed(settings), extra=[("petition", PetitionPlugin())])


async def _dialogue(database: Database, plugins: Plugins, world: World, slug: str) -> None:
    async with database.session() as session:
        organisation = await session.get_one(Organisation, world.org.id)
        spec = DialogueSpec(slug=slug, title="Idées", kind="ideas")
        await dialogues.create_dialogue(session, plugins, organisation, spec)
        await session.commit()


async def _grant(database: Database, plugins: Plugins, world: World, granted: bool) -> list[str]:
    async with database.session() as session:
        organisation = await session.get_one(Organisation, world.org.id)
        turned_off = await modules.set_grant(
            session, plugins, organisation, PETITION.name, granted, now=utcnow()
        )
        await session.commit()
        return turned_off


async def _copies(world: World, slug: str) -> tuple[Organisation, Dialogue]:
    """The organisation and the dialogue as a request's snapshots hold them: read in a
    transaction of their own, before the race."""
    async with world.database.session() as session:
        organisation = await session.get_one(Organisation, world.org.id)
        dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == slug))
        assert dialogue is not None
        await session.refresh(dialogue, ["phases"])
        return organisation, dialogue


async def _state(world: World, slug: str) -> tuple[bool, bool]:
    """Whether the organisation may use the module, and whether it is on for ``slug``."""
    async with world.database.session() as session:
        organisation = await session.get_one(Organisation, world.org.id)
        dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == slug))
        assert dialogue is not None
        return PETITION.granted_to(organisation), PETITION.enabled_on(dialogue)


async def _in(session: AsyncSession, copies: tuple[Organisation, Dialogue]) -> list[Any]:
    """The copies merged into ``session`` without a statement (as the read cache does)."""
    return [await session.merge(item, load=False) for item in copies]


async def _enable(
    session: AsyncSession, plugins: Plugins, copies: tuple[Organisation, Dialogue]
) -> modules.EnabledModule:
    organisation, dialogue = await _in(session, copies)
    return await modules.enable_module(
        session, plugins, organisation, dialogue, PETITION.name, {}, actor=None, now=utcnow()
    )


async def _withdraw(
    session: AsyncSession, plugins: Plugins, copies: tuple[Organisation, Dialogue]
) -> list[str]:
    (organisation, _) = await _in(session, copies)
    return await modules.set_grant(
        session, plugins, organisation, PETITION.name, False, now=utcnow()
    )


async def _waits(task: asyncio.Task[T], what: str) -> None:
    await asyncio.sleep(WAIT)
    assert not task.done(), f"{what} did not wait for the transaction under way"


async def _granted_dialogue(
    plugins: Plugins, world: World, slug: str
) -> tuple[Organisation, Dialogue]:
    """A dialogue of an organisation that may use the module; their copies."""
    await _dialogue(world.database, plugins, world, slug)
    await _grant(world.database, plugins, world, True)
    return await _copies(world, slug)


async def _committed(session: AsyncSession, work: Callable[[], Awaitable[T]]) -> T:
    result = await work()
    await session.commit()
    return result


async def test_a_withdrawal_waits_for_an_enable_under_way_then_turns_it_off(
    database: Database, grant_plugins: Plugins, world: World
) -> None:
    copies = await _granted_dialogue(grant_plugins, world, "idees")
    async with database.session() as enabling, database.session() as withdrawing:
        await _enable(enabling, grant_plugins, copies)
        withdrawal = asyncio.create_task(
            _committed(withdrawing, lambda: _withdraw(withdrawing, grant_plugins, copies))
        )
        await _waits(withdrawal, "the withdrawal")
        await enabling.commit()
        assert await asyncio.wait_for(withdrawal, 30) == ["idees"]
    assert await _state(world, "idees") == (False, False)


async def test_an_enable_waits_for_a_withdrawal_under_way_and_is_refused(
    database: Database, grant_plugins: Plugins, world: World
) -> None:
    copies = await _granted_dialogue(grant_plugins, world, "idees")
    async with database.session() as withdrawing, database.session() as enabling:
        assert await _withdraw(withdrawing, grant_plugins, copies) == []
        enable = asyncio.create_task(_enable(enabling, grant_plugins, copies))
        await _waits(enable, "the enable")
        await withdrawing.commit()
        with pytest.raises(NotFound) as refused:
            await asyncio.wait_for(enable, 30)
        assert refused.value.code == "module.unknown"
    assert await _state(world, "idees") == (False, False)


async def test_a_stale_copy_of_the_organisation_never_grants_a_module(
    database: Database, grant_plugins: Plugins, world: World
) -> None:
    """A worker's snapshot taken before the command line withdrew the grant still holds
    it: the grants read under the lock say otherwise."""
    await _dialogue(database, grant_plugins, world, "idees")
    await _grant(database, grant_plugins, world, True)
    stale = await _copies(world, "idees")
    await _grant(database, grant_plugins, world, False)
    async with database.session() as session:
        with pytest.raises(NotFound) as refused:
            await _enable(session, grant_plugins, stale)
        assert refused.value.code == "module.unknown"
    assert await _state(world, "idees") == (False, False)


async def test_a_dialogue_created_during_a_withdrawal_keeps_the_module_off(
    database: Database, world: World, plugins: Plugins
) -> None:
    """A module on by default (sharing) is withdrawn while a dialogue is being created:
    the new dialogue stores it off."""
    await _dialogue(database, plugins, world, "avant")
    copies = await _copies(world, "avant")
    async with database.session() as withdrawing, database.session() as creating:
        (organisation, _) = await _in(withdrawing, copies)
        assert await modules.set_grant(
            withdrawing, plugins, organisation, "sharing", False, now=utcnow()
        ) == ["avant"]
        (stale, _) = await _in(creating, copies)
        spec = DialogueSpec(slug="apres", title="Après", kind="ideas")
        creation = asyncio.create_task(
            _committed(creating, lambda: dialogues.create_dialogue(creating, plugins, stale, spec))
        )
        await _waits(creation, "the creation")
        await withdrawing.commit()
        created = await asyncio.wait_for(creation, 30)
    sharing = plugins.modules.get("sharing")
    assert sharing is not None and created.modules.get("sharing", "absent") is None
    assert not sharing.enabled_on(created)


@pytest.mark.pg_only
async def test_enables_of_one_organisation_do_not_wait_for_each_other(
    database: Database, grant_plugins: Plugins, world: World
) -> None:
    """The grants are read ``FOR SHARE``: two administrators turning modules on in two
    dialogues of one organisation both go on at once."""
    for slug in ("idees", "autres"):
        await _dialogue(database, grant_plugins, world, slug)
    await _grant(database, grant_plugins, world, True)
    first, second = await _copies(world, "idees"), await _copies(world, "autres")
    async with database.session() as one, database.session() as other:
        await _enable(one, grant_plugins, first)
        await asyncio.wait_for(_enable(other, grant_plugins, second), 5)
        await one.commit()
        await other.commit()
    assert await _state(world, "idees") == (True, True)
    assert await _state(world, "autres") == (True, True)


async def _enable_at(
    database: Database,
    plugins: Plugins,
    copies: tuple[Organisation, Dialogue],
    barrier: asyncio.Barrier,
) -> str:
    """Enables once ``barrier`` lets it go: ``enabled``, or the refusal's code."""
    async with database.session() as session:
        await barrier.wait()
        try:
            await _committed(session, lambda: _enable(session, plugins, copies))
        except NotFound as error:
            return error.code
        return "enabled"


async def _withdraw_at(
    database: Database,
    plugins: Plugins,
    copies: tuple[Organisation, Dialogue],
    barrier: asyncio.Barrier,
) -> list[str]:
    async with database.session() as session:
        await barrier.wait()
        return await _committed(session, lambda: _withdraw(session, plugins, copies))


async def test_an_enable_and_a_withdrawal_sent_together_end_consistent(
    database: Database, grant_plugins: Plugins, world: World
) -> None:
    """Released together, round after round: whichever wins, the module is never left on
    without its grant."""
    await _dialogue(database, grant_plugins, world, "idees")
    for _ in range(8):
        await _grant(database, grant_plugins, world, True)
        copies = await _copies(world, "idees")
        barrier = asyncio.Barrier(2)
        enabled, turned_off = await asyncio.wait_for(
            asyncio.gather(
                _enable_at(database, grant_plugins, copies, barrier),
                _withdraw_at(database, grant_plugins, copies, barrier),
            ),
            60,
        )
        # Enabled first, then found and turned off; or refused after the withdrawal.
        assert (enabled, turned_off) in [("enabled", ["idees"]), ("module.unknown", [])]
        assert await _state(world, "idees") == (False, False)
