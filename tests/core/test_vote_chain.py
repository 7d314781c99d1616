"""The vote log's hash chain: one per dialogue, computed alike by PostgreSQL and by Python;
the database refuses to change or delete an entry; what is changed behind its triggers is
named by ``participe recount``; the migration chains the entries already stored."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import delete, inspect, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from core.db import Database, utcnow
from core.migrate import alembic_config, upgrade
from core.models import Ballot, Dialogue, VoteLogEntry, VoteLogHead
from core.models.dialogues import DialogueKind
from core.plugin_manager import Plugins
from core.services import ballots, organisations
from core.services.chain_check import ChainCheck, check_chain
from core.vote_chain import GENESIS, canonical_text, entry_hash
from participe.testing import TestDatabase, VoteSetup, put_vote, replace, vote_dialogue
from tests.conftest import World
from tests.vote_log_helpers import unguarded
from web.cli import main

Client = AsyncTestClient[Litestar]
SUPPORT = {"type": "support", "settings": {}}


def _on_postgresql(database: Database) -> bool:
    return database.engine.dialect.name == "postgresql"


# -- the canonical form ----------------------------------------------------------------


def test_the_canonical_text_of_an_entry() -> None:
    paris = timezone(timedelta(hours=1))
    body = canonical_text(
        GENESIS,
        dialogue_id=3,
        seq=1,
        ballot_id=7,
        action="cast",
        proposal_id=12,
        value=-1,
        reason="ligne\nsuivante",
        created_at=datetime(2026, 3, 1, 10, 30, 15, 5, tzinfo=paris),
    )
    assert body == (
        "participe vote log v1\n"
        f"previous {'0' * 64}\n"
        "dialogue 3\nseq 1\nballot 7\n"
        "action 4:cast\nproposal 12\nvalue -1\n"
        "reason 14:ligne\nsuivante\n"
        "created 2026-03-01T09:30:15.000005Z"
    )
    status = canonical_text(
        "f" * 64,
        dialogue_id=3,
        seq=2,
        ballot_id=7,
        action="confirm",
        proposal_id=None,
        value=None,
        reason="",
        created_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
    )
    assert "\nproposal -\nvalue -\nreason 0:\ncreated 2026-03-01T09:30:00.000000Z" in status
    with pytest.raises(ValueError, match="timezone"):
        canonical_text(
            GENESIS,
            dialogue_id=3,
            seq=1,
            ballot_id=7,
            action="void",
            proposal_id=None,
            value=None,
            reason="",
            created_at=datetime(2026, 3, 1),
        )


def test_an_entry_hash_is_the_sha256_of_its_canonical_text() -> None:
    fields: dict[str, Any] = {
        "dialogue_id": 1,
        "seq": 4,
        "ballot_id": 2,
        "action": "replace",
        "proposal_id": 9,
        "value": None,
        "reason": "",
        "created_at": datetime(2026, 3, 1, tzinfo=UTC),
    }
    expected = hashlib.sha256(canonical_text("a" * 64, **fields).encode()).hexdigest()
    assert entry_hash("a" * 64, **fields) == expected
    assert entry_hash("b" * 64, **fields) != expected
    assert entry_hash("a" * 64, **{**fields, "seq": 5}) != expected


#: Entries whose texts, numbers and times are easy to get wrong in one of the two forms.
AWKWARD: list[dict[str, Any]] = [
    {
        "dialogue_id": 1,
        "seq": 1,
        "ballot_id": 1,
        "action": "cast",
        "proposal_id": 2,
        "value": 1,
        "reason": "",
        "created_at": datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
    },
    {
        "dialogue_id": 2_000_000_000,
        "seq": 9_000_000_000,
        "ballot_id": 7,
        "action": "replace",
        "proposal_id": None,
        "value": None,
        "reason": "doublon : « même foyer »\nligne 2 🗳️ ; 'x' \\ %s",
        "created_at": datetime(1999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    },
    {
        "dialogue_id": 3,
        "seq": 2,
        "ballot_id": 4,
        "action": "change",
        "proposal_id": 5,
        "value": -3,
        "reason": "automatic",
        "created_at": datetime(2026, 7, 1, 1, 0, 0, 10, tzinfo=timezone(timedelta(hours=-9))),
    },
]


async def test_postgresql_hashes_the_same_bytes_as_python(database: Database) -> None:
    if not _on_postgresql(database):
        pytest.skip("SQLite has no hash function: Python chains its entries")
    previous = GENESIS
    async with database.session() as session:
        for fields in AWKWARD:
            hashed = await session.scalar(
                text(
                    "SELECT vote_log_entry_hash(:previous, :dialogue_id, :seq, :ballot_id,"
                    " :action, :proposal_id, :value, :reason, :created_at)"
                ),
                {"previous": previous, **fields},
            )
            assert hashed == entry_hash(previous, **fields)
            previous = hashed


# -- chains built by the app -------------------------------------------------------------


async def _dialogue(database: Database, setup: VoteSetup) -> Dialogue:
    async with database.session() as session:
        dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == setup.slug))
        assert dialogue is not None
        return dialogue


async def _entries(database: Database, dialogue_id: int) -> list[VoteLogEntry]:
    async with database.session() as session:
        return list(
            await session.scalars(
                select(VoteLogEntry)
                .where(VoteLogEntry.dialogue_id == dialogue_id)
                .order_by(VoteLogEntry.seq)
            )
        )


async def _check(database: Database, dialogue_id: int) -> ChainCheck:
    async with database.session() as session:
        return await check_chain(session, dialogue_id)


async def test_each_dialogue_chains_the_changes_of_all_its_ballots(
    client: Client, world: World, database: Database, plugins: Plugins
) -> None:
    first = await vote_dialogue(client, world, SUPPORT, proposals=3)
    second = await vote_dialogue(
        client,
        world,
        {"type": "points", "settings": {"mode": "distribute", "points_budget": 10}},
        slug="autre",
        proposals=3,
    )
    carole = await world.person("carole@example.org")
    a, b, c = first.proposals
    for person in (world.alice, world.bob, carole):  # the two dialogues' changes interleave
        assert (await put_vote(client, person, first, a)).status_code == 200
        assert (await put_vote(client, person, second, second.proposals[1], 4)).status_code == 200
    assert (await replace(client, world.bob, first, {b: 1, c: 1})).status_code == 200
    assert (await client.delete(first.vote(a), headers=world.alice.headers)).status_code == 200
    assert (await put_vote(client, world.alice, second, second.proposals[1], 6)).status_code == 200
    dialogue = await _dialogue(database, first)
    async with database.session() as session:
        voided = await session.scalar(select(Ballot.id).where(Ballot.user_id == carole.user.id))
        assert voided is not None
        await ballots.void_ballot(session, plugins, dialogue, voided, "doublon", now=utcnow())
        await session.commit()

    for setup in (first, second):
        dialogue = await _dialogue(database, setup)
        entries = await _entries(database, dialogue.id)
        assert len({entry.ballot_id for entry in entries}) == 3
        assert [entry.seq for entry in entries] == list(range(1, len(entries) + 1))
        assert [entry.id for entry in entries] == sorted(entry.id for entry in entries)
        previous = GENESIS
        for entry in entries:
            assert entry.hash == entry_hash(
                previous,
                dialogue_id=dialogue.id,
                seq=entry.seq,
                ballot_id=entry.ballot_id,
                action=entry.action,
                proposal_id=entry.proposal_id,
                value=entry.value,
                reason=entry.reason,
                created_at=entry.created_at,
            )
            previous = entry.hash
        async with database.session() as session:
            head = await session.get(VoteLogHead, dialogue.id)
        assert head is not None and (head.seq, head.hash) == (len(entries), previous)
        check = await _check(database, dialogue.id)
        assert check.intact, check
        assert (check.entries, check.head_hash) == (len(entries), previous)
    assert entries[-1].action == "change"  # the second dialogue's own chain ends with Alice's


async def test_a_dialogue_without_votes_has_an_empty_intact_chain(
    client: Client, world: World, database: Database
) -> None:
    setup = await vote_dialogue(client, world, SUPPORT)
    check = await _check(database, (await _dialogue(database, setup)).id)
    assert check.intact and check.entries == 0 and check.head_hash == GENESIS
    assert str(check) == f"vote log chain intact: 0 entries, head seq 0 hash {GENESIS}"


# -- what the database refuses -----------------------------------------------------------


async def _voted(client: Client, world: World, slug: str = "budget-2026") -> VoteSetup:
    setup = await vote_dialogue(client, world, SUPPORT, slug=slug)
    for person in (world.alice, world.bob):
        for proposal_id in setup.proposals[:2]:
            assert (await put_vote(client, person, setup, proposal_id)).status_code == 200
    assert (
        await client.delete(setup.vote(setup.proposals[0]), headers=world.bob.headers)
    ).is_success
    return setup


async def test_the_database_refuses_to_change_or_delete_an_entry(
    client: Client, world: World, database: Database
) -> None:
    setup = await _voted(client, world)
    dialogue_id = (await _dialogue(database, setup)).id
    before = await _entries(database, dialogue_id)
    for statement in (
        update(VoteLogEntry).values(value=5),
        update(VoteLogEntry).values(created_at=utcnow()),
        update(VoteLogEntry).values(network="c" * 32),
        update(VoteLogEntry).where(VoteLogEntry.seq == 2).values(hash="0" * 64),
        delete(VoteLogEntry).where(VoteLogEntry.seq == len(before)),
        # A ballot with logged changes is voided, never deleted: its entries would go.
        delete(Ballot).where(Ballot.user_id == world.bob.user.id),
    ):
        async with database.session() as session:
            with pytest.raises(IntegrityError, match="append-only"):
                await session.execute(statement)
    # The purge clears the networks after a while: that change, and only it, is allowed.
    async with database.session() as session:
        cleared = await session.execute(update(VoteLogEntry).values(network=None))
        await session.commit()
    assert cleared.rowcount == len(before)  # type: ignore[attr-defined]
    after = await _entries(database, dialogue_id)
    assert [(e.id, e.seq, e.hash, e.value) for e in after] == [
        (e.id, e.seq, e.hash, e.value) for e in before
    ]
    assert (await _check(database, dialogue_id)).intact


async def test_only_the_vote_logs_triggers_move_a_head(
    client: Client, world: World, database: Database
) -> None:
    if not _on_postgresql(database):
        pytest.skip("on SQLite the heads are moved by Python (core.vote_chain.link)")
    setup = await _voted(client, world)
    dialogue_id = (await _dialogue(database, setup)).id
    for statement in (
        update(VoteLogHead).values(seq=1),
        delete(VoteLogHead),
        text("INSERT INTO vote_log_heads (dialogue_id, seq, hash) VALUES (:d, 0, :h)").bindparams(
            d=dialogue_id, h=GENESIS
        ),
    ):
        async with database.session() as session:
            with pytest.raises(IntegrityError, match="vote_log_heads is written only"):
                await session.execute(statement)
    async with database.session() as session:
        ballot_id = await session.scalar(select(Ballot.id).where(Ballot.dialogue_id == dialogue_id))
    entries = len(await _entries(database, dialogue_id))
    # An entry that comes with a place of its own in the chain is refused at commit...
    async with database.session() as session:
        await session.execute(
            text(
                "INSERT INTO vote_log (dialogue_id, ballot_id, action, reason, created_at,"
                " seq, hash) VALUES (:d, :b, 'confirm', 'psql', now(), 1000, :h)"
            ),
            {"d": dialogue_id, "b": ballot_id, "h": "f" * 64},
        )
        with pytest.raises(IntegrityError, match="chained by the database"):
            await session.commit()
    assert len(await _entries(database, dialogue_id)) == entries
    # ...and one that someone else inserts without, here by hand, is chained all the same.
    async with database.session() as session:
        await session.execute(
            text(
                "INSERT INTO vote_log (dialogue_id, ballot_id, action, reason, created_at)"
                " VALUES (:d, :b, 'confirm', 'psql', now())"
            ),
            {"d": dialogue_id, "b": ballot_id},
        )
        await session.commit()
    check = await _check(database, dialogue_id)
    assert check.intact and check.entries == entries + 1


async def test_deleting_a_dialogue_takes_its_whole_chain(
    client: Client, world: World, database: Database
) -> None:
    gone = await _voted(client, world)
    kept = await _voted(client, world, slug="gardee")
    gone_id, kept_id = (await _dialogue(database, gone)).id, (await _dialogue(database, kept)).id
    kept_entries = len(await _entries(database, kept_id))
    async with database.session() as session:
        await session.execute(delete(Dialogue).where(Dialogue.id == gone_id))
        await session.commit()
    assert await _entries(database, gone_id) == []
    async with database.session() as session:
        assert await session.get(VoteLogHead, gone_id) is None
    check = await _check(database, kept_id)
    assert check.intact and check.entries == kept_entries > 0


# -- what the recount finds --------------------------------------------------------------


async def _recount(
    slug: str,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> tuple[int, str]:
    monkeypatch.setenv("PARTICIPE_DATABASE_URL", database_url)
    monkeypatch.setenv("PARTICIPE_LOAD_ENTRY_POINTS", "off")
    capsys.readouterr()
    code = await asyncio.to_thread(main, ["recount", slug, "--org", "ville"])
    return code, capsys.readouterr().out


async def test_the_recount_says_the_chain_is_intact(
    client: Client,
    world: World,
    database: Database,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    setup = await _voted(client, world)
    entries = await _entries(database, (await _dialogue(database, setup)).id)
    code, out = await _recount(setup.slug, database_url, monkeypatch, capsys)
    assert code == 0, out
    count = len(entries)
    assert (
        f"vote log chain intact: {count} entries, head seq {count} hash {entries[-1].hash}" in out
    )


async def test_the_recount_names_an_entry_edited_behind_the_triggers(
    client: Client,
    world: World,
    database: Database,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    setup = await _voted(client, world)
    dialogue_id = (await _dialogue(database, setup)).id
    edited = (await _entries(database, dialogue_id))[2]
    async with database.session() as session:
        async with unguarded(session):
            await session.execute(
                update(VoteLogEntry).where(VoteLogEntry.id == edited.id).values(reason="oups")
            )
        await session.commit()
    code, out = await _recount(setup.slug, database_url, monkeypatch, capsys)
    assert code == 1
    assert (
        f"vote log chain broken: entry {edited.id} (seq 3) of dialogue {dialogue_id}: "
        "its hash does not seal its content" in out
    )
    # The same edit with its hash recomputed breaks the entry after it.
    previous_hash = (await _entries(database, dialogue_id))[1].hash
    assert previous_hash is not None
    async with database.session() as session:
        async with unguarded(session):
            await session.execute(
                update(VoteLogEntry)
                .where(VoteLogEntry.id == edited.id)
                .values(
                    hash=entry_hash(
                        previous_hash,
                        dialogue_id=dialogue_id,
                        seq=3,
                        ballot_id=edited.ballot_id,
                        action=edited.action,
                        proposal_id=edited.proposal_id,
                        value=edited.value,
                        reason="oups",
                        created_at=edited.created_at,
                    )
                )
            )
        await session.commit()
    broken = (await _check(database, dialogue_id)).broken
    assert broken is not None and (broken.seq, broken.dialogue_id) == (4, dialogue_id)


async def test_the_recount_names_the_entry_after_a_deleted_one(
    client: Client,
    world: World,
    database: Database,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    setup = await _voted(client, world)
    dialogue_id = (await _dialogue(database, setup)).id
    entries = await _entries(database, dialogue_id)
    async with database.session() as session:
        async with unguarded(session):
            await session.execute(delete(VoteLogEntry).where(VoteLogEntry.seq == 2))
        await session.commit()
    code, out = await _recount(setup.slug, database_url, monkeypatch, capsys)
    assert code == 1
    assert (
        f"vote log chain broken: entry {entries[2].id} (seq 3) of dialogue {dialogue_id}: "
        "seq 2 expected" in out
    )


async def test_the_recount_names_a_deleted_last_entry(
    client: Client, world: World, database: Database
) -> None:
    setup = await _voted(client, world)
    dialogue_id = (await _dialogue(database, setup)).id
    last = len(await _entries(database, dialogue_id))
    async with database.session() as session:
        async with unguarded(session):
            await session.execute(delete(VoteLogEntry).where(VoteLogEntry.seq == last))
        await session.commit()
    check = await _check(database, dialogue_id)
    assert not check.intact
    assert str(check.broken) == (
        f"missing entry (seq {last}) of dialogue {dialogue_id}: "
        f"the head names seq {last}, the log ends at seq {last - 1}"
    )


# -- the migration -------------------------------------------------------------------------


@pytest.fixture
async def fresh_database(tmp_path: Path, plugins: Plugins) -> AsyncIterator[Database]:
    """A database of its own, migrated to every head, for migrating down and up again."""
    created = TestDatabase(tmp_path, "participe_chain")
    await created.create()
    await created.migrate(plugins.migration_locations())
    database = Database(created.url)
    yield database
    await database.dispose()
    await created.drop()


async def test_the_migration_chains_the_entries_already_stored(
    fresh_database: Database, plugins: Plugins
) -> None:
    database = fresh_database
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    async with database.session() as session:
        org = await organisations.create_organisation(session, slug="ville", name="Ville")
        dialogues = [
            Dialogue(organisation_id=org.id, slug=slug, title=slug, kind=DialogueKind.BUDGET)
            for slug in ("un", "deux")
        ]
        session.add_all(dialogues)
        await session.flush()
        voters = [Ballot(dialogue_id=dialogue.id) for dialogue in dialogues]
        session.add_all(voters)
        await session.flush()
        for n in range(6):  # the dialogues' entries interleave
            ballot = voters[n % 2]
            session.add(
                VoteLogEntry(
                    dialogue_id=ballot.dialogue_id,
                    ballot_id=ballot.id,
                    action="cast",
                    proposal_id=n,
                    value=n - 2,
                    reason=f"n°{n}\n",
                    created_at=start + timedelta(seconds=n, microseconds=n),
                )
            )
            await session.flush()
        await session.commit()
        chained = [
            tuple(row)
            for row in await session.execute(
                select(VoteLogEntry.id, VoteLogEntry.seq, VoteLogEntry.hash)
            )
        ]
    config = alembic_config(plugins.migration_locations())

    def down(connection: Connection) -> list[str]:
        config.attributes["connection"] = connection
        command.downgrade(config, "0012-1")
        return inspect(connection).get_table_names()

    def columns(connection: Connection) -> list[str]:
        return [column["name"] for column in inspect(connection).get_columns("vote_log")]

    async with database.engine.begin() as connection:
        assert "vote_log_heads" not in await connection.run_sync(down)
        assert not {"seq", "hash"} & set(await connection.run_sync(columns))
    await upgrade(database, plugins.migration_locations())
    async with database.session() as session:
        again = [
            tuple(row)
            for row in await session.execute(
                select(VoteLogEntry.id, VoteLogEntry.seq, VoteLogEntry.hash)
            )
        ]
        checks = [await check_chain(session, dialogue.id) for dialogue in dialogues]
    assert sorted(again) == sorted(chained)
    assert [(check.intact, check.entries) for check in checks] == [(True, 3), (True, 3)]
