"""The vote log's hash chain: each entry seals its dialogue's log up to itself.

Every entry of ``vote_log`` carries ``seq``, its position in its dialogue's chain (1, 2,
3, ... with no gap), and ``hash``, the SHA-256 (64 lowercase hex digits) of the UTF-8
bytes of its canonical text (:func:`canonical_text`), which holds the ``hash`` of the
dialogue's previous entry (:data:`GENESIS` for the first). Changing, inserting or removing
an entry anywhere changes every hash after it, up to the dialogue's head
(``vote_log_heads``: the ``seq`` and ``hash`` of its last entry), so that a recount
(:mod:`core.services.chain_check`) finds the first entry that no longer follows.

The canonical text is these ten lines joined by ``\\n``, without a final newline (the free
texts may hold newlines of their own)::

    participe vote log v1
    previous <the previous entry's hash, or 64 zeros>
    dialogue <dialogue_id>
    seq <seq>
    ballot <ballot_id>
    action <number of characters>:<action>
    proposal <proposal_id, or - when NULL>
    value <value, or - when NULL>
    reason <number of characters>:<reason>
    created <created_at in UTC, YYYY-MM-DDTHH:MM:SS.ffffffZ>

Integers are written in decimal, ``-`` before a negative one; the free texts are prefixed
with their length in characters (Unicode code points), so that no content can pass for
another. ``network`` is left out: the purge clears it after a while
(:mod:`core.services.retention`), the only change an entry may undergo.

This form is frozen: every stored hash depends on it. PostgreSQL computes the same bytes
in its ``vote_log_entry_hash`` function (migration ``0012``), called by the trigger that
chains every inserted row, whoever inserts it. SQLite has no such function: there the
writers chain their rows with :func:`link` before inserting them, which every SQLite
transaction that writes a ballot change may do safely since it holds the database's only
write lock.
"""

from __future__ import annotations

import hashlib
from collections.abc import MutableMapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

#: The ``previous`` of a dialogue's first entry.
GENESIS = "0" * 64
#: The first line of the canonical text: the version of the form.
VERSION = "participe vote log v1"
#: The columns of an entry that its hash covers, besides ``seq`` and the previous hash.
CHAINED = (
    "dialogue_id",
    "ballot_id",
    "action",
    "proposal_id",
    "value",
    "reason",
    "created_at",
)


def timestamp(moment: datetime) -> str:
    """``moment`` in UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, always six fraction digits."""
    if moment.tzinfo is None:
        raise ValueError("a vote log entry's time must be timezone-aware")
    m = moment.astimezone(UTC)
    return (
        f"{m.year:04d}-{m.month:02d}-{m.day:02d}T"
        f"{m.hour:02d}:{m.minute:02d}:{m.second:02d}.{m.microsecond:06d}Z"
    )


def _sized(value: str) -> str:
    return f"{len(value)}:{value}"


def _optional(value: int | None) -> str:
    return "-" if value is None else str(value)


def canonical_text(
    previous: str,
    *,
    dialogue_id: int,
    seq: int,
    ballot_id: int,
    action: str,
    proposal_id: int | None,
    value: int | None,
    reason: str,
    created_at: datetime,
) -> str:
    """The text that an entry's hash seals (the form is described in the module)."""
    return "\n".join(
        (
            VERSION,
            f"previous {previous}",
            f"dialogue {dialogue_id}",
            f"seq {seq}",
            f"ballot {ballot_id}",
            f"action {_sized(action)}",
            f"proposal {_optional(proposal_id)}",
            f"value {_optional(value)}",
            f"reason {_sized(reason)}",
            f"created {timestamp(created_at)}",
        )
    )


def entry_hash(
    previous: str,
    *,
    dialogue_id: int,
    seq: int,
    ballot_id: int,
    action: str,
    proposal_id: int | None,
    value: int | None,
    reason: str,
    created_at: datetime,
) -> str:
    """The hash of an entry whose dialogue's previous entry has the hash ``previous``."""
    body = canonical_text(
        previous,
        dialogue_id=dialogue_id,
        seq=seq,
        ballot_id=ballot_id,
        action=action,
        proposal_id=proposal_id,
        value=value,
        reason=reason,
        created_at=created_at,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


# -- chaining on SQLite ----------------------------------------------------------

_READ_HEADS = text(
    "SELECT dialogue_id, seq, hash FROM vote_log_heads WHERE dialogue_id IN :dialogue_ids"
).bindparams(bindparam("dialogue_ids", expanding=True))
_MOVE_HEAD = text(
    "INSERT INTO vote_log_heads (dialogue_id, seq, hash) VALUES (:dialogue_id, :seq, :hash)"
    " ON CONFLICT (dialogue_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash"
)


def link(connection: Connection, rows: Sequence[MutableMapping[str, Any]]) -> None:
    """Chains ``rows``, vote log entries about to be inserted in this order (dicts keyed
    by column name, :data:`CHAINED` at least), on SQLite: sets each one's ``seq`` and
    ``hash`` after its dialogue's head, and moves the heads to the last of them, in the
    caller's transaction.

    The caller inserts the rows next, in the same transaction, which must be the only one
    writing (on SQLite, any transaction that writes is: a concurrent writer that read the
    heads before this one committed fails instead of forking a chain). On PostgreSQL,
    does nothing: the database's trigger chains every row when its transaction commits.
    """
    if connection.dialect.name != "sqlite" or not rows:
        return
    dialogue_ids = sorted({row["dialogue_id"] for row in rows})
    heads: dict[int, tuple[int, str]] = {
        dialogue_id: (seq, hash_)
        for dialogue_id, seq, hash_ in connection.execute(
            _READ_HEADS, {"dialogue_ids": dialogue_ids}
        )
    }
    for row in rows:
        dialogue_id = row["dialogue_id"]
        seq, previous = heads.get(dialogue_id, (0, GENESIS))
        seq += 1
        row["seq"] = seq
        row["hash"] = entry_hash(
            previous,
            dialogue_id=dialogue_id,
            seq=seq,
            ballot_id=row["ballot_id"],
            action=row["action"],
            proposal_id=row["proposal_id"],
            value=row["value"],
            reason=row["reason"],
            created_at=row["created_at"],
        )
        heads[dialogue_id] = (seq, row["hash"])
    connection.execute(
        _MOVE_HEAD,
        [
            {"dialogue_id": dialogue_id, "seq": seq, "hash": hash_}
            for dialogue_id, (seq, hash_) in heads.items()
        ],
    )


async def linked(
    connection: AsyncConnection, rows: Sequence[MutableMapping[str, Any]]
) -> Sequence[MutableMapping[str, Any]]:
    """:func:`link` for an async connection; returns ``rows``, chained."""
    if connection.dialect.name == "sqlite" and rows:
        await connection.run_sync(link, rows)
    return rows
