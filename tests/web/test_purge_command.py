"""``participe purge``: the retention purge from the command line, as cron runs it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.db import Database, utcnow
from core.models import Organisation, SignInToken, User, UserSession
from tests.conftest import World
from tests.web.test_outbox_command import participe


async def test_purge_prints_its_counts_and_does_nothing_more_the_second_time(
    world: World, database: Database, database_url: str
) -> None:
    now = utcnow()
    async with database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        old = User(
            organisation_id=org.id,
            email="ancien@example.org",
            display_name="Ancien",
            created_at=now - timedelta(days=4 * 365),
        )
        session.add(old)
        await session.flush()
        session.add_all(
            [
                UserSession(
                    id_hash="1" * 64,
                    user_id=world.alice.user.id,
                    last_seen_at=now - timedelta(days=31),
                    expires_at=now - timedelta(days=1),
                ),
                SignInToken(
                    organisation_id=org.id,
                    email="ancien@example.org",
                    token_hash="2" * 64,
                    expires_at=now - timedelta(days=900),
                ),
            ]
        )
        await session.commit()
        old_id = old.id

    code, out, err = await participe(database_url, "purge")
    assert code == 0, err
    # The old account's sign-in link goes with the account, before the links are purged.
    assert out.strip() == (
        "ville: accounts=1 emails=0 sessions=1 sign_in_links=0 account_networks=0 vote_networks=0"
    )
    async with database.session() as session:
        gone = await session.get(User, old_id)
        assert gone is not None and gone.deleted_at is not None and gone.email is None
        assert list(await session.scalars(select(UserSession))) == []
        assert list(await session.scalars(select(SignInToken))) == []

    code, out, _ = await participe(database_url, "purge", "--org", "ville")
    assert (code, out.strip()) == (
        0,
        "ville: accounts=0 emails=0 sessions=0 sign_in_links=0 account_networks=0 vote_networks=0",
    )
    code, out, err = await participe(database_url, "purge", "--org", "nowhere")
    assert code == 1 and "nowhere" in err and out == ""
