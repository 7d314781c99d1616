"""The SQL of a ballot change, built once, for PostgreSQL and SQLite.

A vote is the platform's busiest write, and most of its cost was the ORM: each query
compiled into entities and each change tracked by the unit of work, where the change only
needs a few columns and already knows what to write. So :mod:`core.services.ballots`
runs these Core statements on the session's connection:

- :data:`LOCK`: the citizen's ballot row, locked (``FOR UPDATE`` on PostgreSQL; on SQLite
  the transaction already holds the write lock, ``BEGIN IMMEDIATE``);
- :data:`INSERT_BALLOT`: a first, empty ballot that a concurrent request may have created
  meanwhile (``ON CONFLICT DO NOTHING``, ``RETURNING`` what :data:`LOCK` reads);
- :func:`read_query`: in one statement, the ballot's votes with their proposals' title
  and facts (cost, theme, sector, field values), and the proposals the change asks for.
  It must run after the lock, as a statement of its own: in READ COMMITTED a statement
  sees what was committed when it started, so the votes read by the statement that
  waited for the lock could predate the change that held it;
- the writes: on PostgreSQL one statement (:data:`PG_WRITE`) whose data-modifying CTEs
  delete, insert and update the votes and update the ballot while its main ``INSERT``
  appends the vote log; SQLite has no data-modifying CTE, so :func:`sqlite_write` sends
  the same writes one by one (no round trip there: the database is in the process).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Table,
    bindparam,
    delete,
    insert,
    null,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from core import vote_chain
from core.db import UTCDateTime
from core.models import Ballot, Dialogue, Proposal, Vote, VoteLogEntry
from core.models.ballots import BallotStatus
from core.services.proposal_facts import FACT_COLUMNS

ballots = cast(Table, Ballot.__table__)
votes = cast(Table, Vote.__table__)
proposals = cast(Table, Proposal.__table__)
vote_log = cast(Table, VoteLogEntry.__table__)
dialogues = cast(Table, Dialogue.__table__)

#: The ballot's columns that a change reads, in this order.
BALLOT_COLUMNS = (
    ballots.c.id,
    ballots.c.status,
    ballots.c.confirmed_at,
    ballots.c.voided_at,
    ballots.c.void_reason,
    ballots.c.created_at,
    ballots.c.updated_at,
)

LOCK = (
    select(*BALLOT_COLUMNS)
    .where(
        ballots.c.dialogue_id == bindparam("dialogue_id"),
        ballots.c.user_id == bindparam("user_id"),
    )
    .with_for_update()
)

_LOCKED_DIALOGUE = (
    select(dialogues.c.config_version)
    .where(dialogues.c.id == bindparam("dialogue_id"))
    .with_for_update(read=True, key_share=True)
    .subquery("locked_dialogue")
)
_LOCKED_BALLOT = LOCK.lateral("locked_ballot")
#: PostgreSQL: in one statement, the dialogue's row ``FOR KEY SHARE`` with its
#: ``config_version`` (:mod:`core.services.vote_locks`), then the citizen's ballot row
#: ``FOR UPDATE`` (its columns NULL when there is none yet). No row: no such dialogue.
PG_LOCK_WITH_VERSION = select(_LOCKED_DIALOGUE.c.config_version, *_LOCKED_BALLOT.c).select_from(
    _LOCKED_DIALOGUE.outerjoin(_LOCKED_BALLOT, true())
)


def _insert_ballot(dialect: Any) -> Any:
    return (
        dialect.insert(ballots)
        .values(
            dialogue_id=bindparam("dialogue_id"),
            user_id=bindparam("user_id"),
            status=BallotStatus.DRAFT,
            void_reason="",
            created_at=bindparam("now", type_=UTCDateTime()),
            updated_at=bindparam("now", type_=UTCDateTime()),
        )
        .on_conflict_do_nothing(index_elements=["dialogue_id", "user_id"])
        .returning(*BALLOT_COLUMNS)
    )


INSERT_BALLOT = {"postgresql": _insert_ballot(postgresql), "sqlite": _insert_ballot(sqlite)}

_VOTED = (
    select(
        votes.c.proposal_id,
        votes.c.value,
        proposals.c.title,
        proposals.c.status,
        proposals.c.hidden_at,
        *FACT_COLUMNS,
    )
    .join(proposals, proposals.c.id == votes.c.proposal_id)
    .where(votes.c.ballot_id == bindparam("ballot_id"))
)
_WANTED = select(
    proposals.c.id,
    null().label("value"),
    proposals.c.title,
    proposals.c.status,
    proposals.c.hidden_at,
    *FACT_COLUMNS,
).where(
    proposals.c.id.in_(bindparam("wanted", expanding=True)),
    proposals.c.dialogue_id == bindparam("dialogue_id"),
)
#: Rows ``(proposal_id, value, title, status, hidden_at, *FACT_COLUMNS)``: a vote of the
#: ballot (``value`` set), or a proposal asked for (``value`` NULL: the column is NOT
#: NULL). The facts (:mod:`core.services.proposal_facts`) are what the vote type judges.
READ_BOTH = union_all(_VOTED, _WANTED)
READ_VOTES = _VOTED
READ_WANTED = _WANTED


def read_query(ballot_id: int | None, wanted: Sequence[int]) -> tuple[Any, dict[str, Any]]:
    """The statement and parameters that read the ballot's votes and the proposals
    ``wanted`` (either may be left out)."""
    if ballot_id is not None and wanted:
        return READ_BOTH, {"ballot_id": ballot_id, "wanted": list(wanted)}
    if ballot_id is not None:
        return READ_VOTES, {"ballot_id": ballot_id}
    return READ_WANTED, {"wanted": list(wanted)}


@dataclass
class Writes:
    """What one change writes: the vote differences, the ballot's new standing, and the
    vote-log entries ``(action, proposal_id, value, reason)`` in their order."""

    dialogue_id: int
    ballot_id: int
    status: BallotStatus
    confirmed_at: datetime | None
    now: datetime
    network: str | None
    removed: list[int] = field(default_factory=list)
    added: dict[int, int] = field(default_factory=dict)
    changed: dict[int, int] = field(default_factory=dict)
    entries: list[tuple[str, int | None, int | None, str]] = field(default_factory=list)


PG_WRITE = text(
    """
    WITH removed AS (
        DELETE FROM votes
        WHERE ballot_id = :ballot_id AND proposal_id = ANY(CAST(:removed AS INTEGER[]))
    ), added AS (
        INSERT INTO votes (ballot_id, proposal_id, value)
        SELECT :ballot_id, a.proposal_id, a.value
        FROM unnest(CAST(:added AS INTEGER[]), CAST(:added_values AS INTEGER[]))
            AS a(proposal_id, value)
    ), changed AS (
        UPDATE votes SET value = c.value
        FROM unnest(CAST(:changed AS INTEGER[]), CAST(:changed_values AS INTEGER[]))
            AS c(proposal_id, value)
        WHERE votes.ballot_id = :ballot_id AND votes.proposal_id = c.proposal_id
    ), ballot AS (
        UPDATE ballots SET status = :status, confirmed_at = :confirmed_at, updated_at = :now
        WHERE id = :ballot_id
    )
    INSERT INTO vote_log
        (dialogue_id, ballot_id, action, proposal_id, value, reason, network, created_at)
    SELECT :dialogue_id, :ballot_id, e.action, e.proposal_id, e.value, e.reason,
        :network, :now
    FROM unnest(
        CAST(:actions AS VARCHAR[]), CAST(:proposal_ids AS INTEGER[]),
        CAST(:values AS INTEGER[]), CAST(:reasons AS TEXT[])
    ) WITH ORDINALITY AS e(action, proposal_id, value, reason, n)
    ORDER BY e.n
    """
).bindparams(bindparam("now", type_=UTCDateTime()), bindparam("confirmed_at", type_=UTCDateTime()))


async def pg_write(connection: AsyncConnection, writes: Writes) -> None:
    """The writes of a change in one statement (PostgreSQL)."""
    await connection.execute(
        PG_WRITE,
        {
            "dialogue_id": writes.dialogue_id,
            "ballot_id": writes.ballot_id,
            "removed": writes.removed,
            "added": list(writes.added),
            "added_values": list(writes.added.values()),
            "changed": list(writes.changed),
            "changed_values": list(writes.changed.values()),
            "status": writes.status.value,
            "confirmed_at": writes.confirmed_at,
            "now": writes.now,
            "network": writes.network,
            "actions": [entry[0] for entry in writes.entries],
            "proposal_ids": [entry[1] for entry in writes.entries],
            "values": [entry[2] for entry in writes.entries],
            "reasons": [entry[3] for entry in writes.entries],
        },
    )


DELETE_VOTES = delete(votes).where(
    votes.c.ballot_id == bindparam("ballot_id"),
    votes.c.proposal_id.in_(bindparam("removed", expanding=True)),
)
INSERT_VOTES = insert(votes)
UPDATE_VOTES = (
    update(votes)
    .where(votes.c.ballot_id == bindparam("b_id"), votes.c.proposal_id == bindparam("p_id"))
    .values(value=bindparam("new_value"))
)
UPDATE_BALLOT = (
    update(ballots)
    .where(ballots.c.id == bindparam("b_id"))
    .values(
        status=bindparam("new_status"),
        confirmed_at=bindparam("new_confirmed_at"),
        updated_at=bindparam("now"),
    )
)
# Every column given, NULLs included, so that entries of every kind share one statement.
INSERT_LOG = insert(vote_log).values(
    dialogue_id=bindparam("dialogue_id"),
    ballot_id=bindparam("ballot_id"),
    action=bindparam("action"),
    proposal_id=bindparam("proposal_id"),
    value=bindparam("value"),
    reason=bindparam("reason"),
    network=bindparam("network"),
    created_at=bindparam("created_at", type_=UTCDateTime()),
    # Chained by :func:`core.vote_chain.link` (on PostgreSQL, the database's trigger).
    seq=bindparam("seq"),
    hash=bindparam("hash"),
)


async def sqlite_write(connection: AsyncConnection, writes: Writes) -> None:
    """The writes of a change, one statement per kind (SQLite)."""
    ballot_id = writes.ballot_id
    if writes.removed:
        await connection.execute(DELETE_VOTES, {"ballot_id": ballot_id, "removed": writes.removed})
    if writes.added:
        await connection.execute(
            INSERT_VOTES,
            [
                {"ballot_id": ballot_id, "proposal_id": proposal_id, "value": value}
                for proposal_id, value in writes.added.items()
            ],
        )
    if writes.changed:
        await connection.execute(
            UPDATE_VOTES,
            [
                {"b_id": ballot_id, "p_id": proposal_id, "new_value": value}
                for proposal_id, value in writes.changed.items()
            ],
        )
    await connection.execute(
        UPDATE_BALLOT,
        {
            "b_id": ballot_id,
            "new_status": writes.status,
            "new_confirmed_at": writes.confirmed_at,
            "now": writes.now,
        },
    )
    entries = [
        {
            "dialogue_id": writes.dialogue_id,
            "ballot_id": ballot_id,
            "action": action,
            "proposal_id": proposal_id,
            "value": value,
            "reason": reason,
            "network": writes.network,
            "created_at": writes.now,
        }
        for action, proposal_id, value, reason in writes.entries
    ]
    await connection.execute(INSERT_LOG, await vote_chain.linked(connection, entries))


async def write(connection: AsyncConnection, writes: Writes) -> None:
    """The writes of a change, the way the connection's database does them best."""
    if connection.dialect.name == "postgresql":
        await pg_write(connection, writes)
    else:
        await sqlite_write(connection, writes)
