"""The check of a dialogue's vote log chain (:mod:`core.vote_chain`), as the recount runs it.

Walking the dialogue's entries in ``seq`` order, each must come next (``seq`` 1, 2, 3, ...
without a gap) and its stored hash must be the one recomputed from its content and the
stored hash of the entry before it; the dialogue's head (``vote_log_heads``) must name the
last entry. The first entry that fails is named: an entry edited in place fails itself, a
deleted one fails the entry after it (or the head, when it was the last), an entry whose
hash was recomputed after an edit fails the next one.

What the check cannot see: a chain rewritten from the edit to the head, head included, by
someone who can write the database with its triggers disabled. Comparing the head with a
copy kept elsewhere (printed by ``participe recount``) finds that too.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import VoteLogEntry, VoteLogHead
from core.services.tally import CHUNK
from core.vote_chain import GENESIS, entry_hash


@dataclass(frozen=True)
class ChainBreak:
    """The first entry of a dialogue's chain that does not follow: ``entry_id`` is
    ``None`` for an entry that is missing (the head names it, the log lacks it)."""

    dialogue_id: int
    entry_id: int | None
    seq: int
    problem: str

    def __str__(self) -> str:
        entry = "missing entry" if self.entry_id is None else f"entry {self.entry_id}"
        return f"{entry} (seq {self.seq}) of dialogue {self.dialogue_id}: {self.problem}"


@dataclass(frozen=True)
class ChainCheck:
    """How many entries the chain holds, its head, and the first break (``None``: intact)."""

    dialogue_id: int
    entries: int
    head_seq: int
    head_hash: str
    broken: ChainBreak | None = None

    @property
    def intact(self) -> bool:
        return self.broken is None

    def __str__(self) -> str:
        if self.broken is not None:
            return f"vote log chain broken: {self.broken}"
        return (
            f"vote log chain intact: {self.entries} entries, "
            f"head seq {self.head_seq} hash {self.head_hash}"
        )


async def check_chain(session: AsyncSession, dialogue_id: int) -> ChainCheck:
    """Checks the vote log chain of the dialogue ``dialogue_id``.

    It reads the entries, then the head: while the dialogue receives votes, run it in one
    snapshot (``REPEATABLE READ`` on PostgreSQL; a transaction on SQLite is one), or an
    entry committed in between would look missing.
    """
    result = await session.stream(
        select(
            VoteLogEntry.id,
            VoteLogEntry.seq,
            VoteLogEntry.hash,
            VoteLogEntry.ballot_id,
            VoteLogEntry.action,
            VoteLogEntry.proposal_id,
            VoteLogEntry.value,
            VoteLogEntry.reason,
            VoteLogEntry.created_at,
        )
        .where(VoteLogEntry.dialogue_id == dialogue_id)
        .order_by(VoteLogEntry.seq.asc().nulls_last())
        .execution_options(yield_per=CHUNK)
    )
    seq, previous, entries, last_id = 0, GENESIS, 0, None
    async for rows in result.partitions(CHUNK):
        for (
            entry_id,
            stored_seq,
            stored_hash,
            ballot_id,
            action,
            proposal_id,
            value,
            reason,
            created_at,
        ) in rows:
            entries += 1
            problem = None
            if stored_seq is None or stored_hash is None:
                problem = "it was never chained"
            elif stored_seq != seq + 1:
                problem = f"seq {seq + 1} expected"
            elif stored_hash != entry_hash(
                previous,
                dialogue_id=dialogue_id,
                seq=stored_seq,
                ballot_id=ballot_id,
                action=action,
                proposal_id=proposal_id,
                value=value,
                reason=reason,
                created_at=created_at,
            ):
                problem = "its hash does not seal its content and the previous entry's hash"
            if problem is not None or stored_seq is None or stored_hash is None:
                await result.close()
                at = seq + 1 if stored_seq is None else stored_seq
                broken = ChainBreak(dialogue_id, entry_id, at, problem or "it was never chained")
                return ChainCheck(dialogue_id, entries, seq, previous, broken)
            seq, previous, last_id = stored_seq, stored_hash, entry_id
    head = (
        await session.execute(
            select(VoteLogHead.seq, VoteLogHead.hash).where(VoteLogHead.dialogue_id == dialogue_id)
        )
    ).first()
    head_seq, head_hash = (0, GENESIS) if head is None else (head.seq, head.hash)
    if (head_seq, head_hash) == (seq, previous):
        return ChainCheck(dialogue_id, entries, seq, previous)
    if head is None:
        broken = ChainBreak(dialogue_id, last_id, seq, "the dialogue's head is missing")
    elif head_seq > seq:
        problem = f"the head names seq {head_seq}, the log ends at seq {seq}"
        broken = ChainBreak(dialogue_id, None, seq + 1, problem)
    elif head_seq == seq:
        broken = ChainBreak(dialogue_id, last_id, seq, "its hash is not the head's")
    else:
        after_head = await session.scalar(
            select(VoteLogEntry.id).where(
                VoteLogEntry.dialogue_id == dialogue_id, VoteLogEntry.seq == head_seq + 1
            )
        )
        problem = f"it comes after the head (seq {head_seq})"
        broken = ChainBreak(dialogue_id, after_head, head_seq + 1, problem)
    return ChainCheck(dialogue_id, entries, head_seq, head_hash, broken)
