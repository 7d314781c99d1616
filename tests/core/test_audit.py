"""The audit log: entries land with the caller's transaction, list newest first with their
actor, filter by action, and outlive the staff account that made them."""

from __future__ import annotations

from sqlalchemy import delete

from core.db import Database
from core.models import Organisation, User
from core.services import audit
from tests.conftest import World


async def test_entries_newest_first_with_actor_and_filter(database: Database, world: World) -> None:
    async with database.session() as session:
        org = await session.get(Organisation, world.org.id)
        admin = await session.get(User, world.admin.user.id)
        assert org is not None and admin is not None
        audit.record(session, org, admin, "ballot.void", "ballot:1", {"reason": "doublon"})
        audit.record(session, org, None, "retention.purge", "", {"sessions": 3})
        audit.record(session, org, admin, "proposal.review", "proposal:7" + "x" * 300)
        await session.commit()
    async with database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        page, total = await audit.entries(session, org)
        assert total == 3
        assert [entry.action for entry, _ in page] == [
            "proposal.review",
            "retention.purge",
            "ballot.void",
        ]
        assert len(page[0][0].target) == audit.MAX_TARGET
        assert page[1][1] is None
        assert page[2][1] is not None and page[2][1].id == world.admin.user.id
        assert page[2][0].details == {"reason": "doublon"}
        voids, total = await audit.entries(session, org, action="ballot.void")
        assert total == 1 and voids[0][0].target == "ballot:1"


async def test_rolled_back_action_leaves_no_entry(database: Database, world: World) -> None:
    async with database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        audit.record(session, org, None, "dialogue.update", "dialogue:x")
        await session.rollback()
    async with database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        assert (await audit.entries(session, org))[1] == 0


async def test_entries_outlive_the_staff_account(database: Database, world: World) -> None:
    async with database.session() as session:
        org = await session.get(Organisation, world.org.id)
        moderator = await session.get(User, world.bob.user.id)
        assert org is not None and moderator is not None
        audit.record(session, org, moderator, "comment.hide", "comment:3")
        await session.commit()
        await session.execute(delete(User).where(User.id == world.bob.user.id))
        await session.commit()
    async with database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        page, total = await audit.entries(session, org)
        assert total == 1 and page[0][1] is None and page[0][0].action == "comment.hide"
