"""What a ballot change is judged against, and the locks that make it the truth at commit.

The rule: a ballot change is judged against the dialogue's vote configuration, phases,
candidates (status, cost, candidacy) and the voter's groups as they stand in the database
when its transaction commits, whichever worker serves it. A worker's snapshot of the
dialogue (:mod:`core.read_cache`) may serve pages; it never judges a vote.

How it holds:

- A ballot change begins its write transaction by taking its dialogue's row ``FOR KEY
  SHARE`` and reading ``config_version`` (:func:`dialogue_for_vote`). When the version is
  not the one of the dialogue it was handed, the dialogue and its phases are read again in
  the transaction. Ballot changes do not wait for each other on that lock (inserting a
  ballot or a vote-log entry takes the same lock anyway, through their foreign key).
- A change of what judges a vote (:func:`lock_for_change`) takes the row ``FOR UPDATE``:
  it waits for the ballot changes under way to commit, and those that start meanwhile wait
  for it. It bumps ``config_version`` and reads the dialogue again, so that its own checks
  (the freeze) see the latest phases too. Opening or closing a phase, a change of the vote
  settings or budget, and every change of a candidate go through it.
- When the current phase is restricted to groups, the voter's memberships of those groups
  are read in the transaction ``FOR KEY SHARE`` (:func:`voter_groups`): removing a member
  waits for their vote to commit, and a vote that starts after the removal sees it.
- Where the dialogue accepts verified residents only (a verification method's module
  on: ``census``, ``desk``, ``letter_code``, ``postal_code``), the voter's verification
  is read in the transaction and their identity's vote in the dialogue is taken, the
  row of ``identity_votes`` whose primary key lets one account per identity through
  (:func:`core.services.verification.hold_vote`); a dialogue without them reads nothing
  more.
- On SQLite every write transaction begins with ``BEGIN IMMEDIATE``, so writes are already
  one at a time; the version comparison is what makes a stale snapshot lose there.

Why a lock rather than a version checked in the vote's write: a check at the write would
need the whole change retried when it fails, and would still not cover the freeze check of
a staff change racing a first vote. The shared lock costs one short statement per vote.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from core.db import begin_write
from core.errors import NotFound
from core.models import Dialogue, GroupMembership, Phase, Proposal, User
from core.models.dialogues import PhaseKind
from core.models.proposals import CANDIDATE_STATUSES

__all__ = [
    "WITH_PHASES",
    "dialogue_at",
    "dialogue_for_vote",
    "is_candidate",
    "lock_for_change",
    "reload_dialogue",
    "vote_opened",
    "voter_groups",
]

#: Loads a dialogue's phases and their groups in the dialogue's own query (one statement
#: instead of three: every page and every vote reads a dialogue).
WITH_PHASES = joinedload(Dialogue.phases).joinedload(Phase.groups)


async def reload_dialogue(session: AsyncSession, dialogue_id: int) -> Dialogue:
    """The dialogue with its phases as the database holds them now, in ``session`` (its
    copy there, if any, brought up to date)."""
    found = await session.scalars(
        select(Dialogue)
        .where(Dialogue.id == dialogue_id)
        .options(WITH_PHASES)
        .execution_options(populate_existing=True)
    )
    dialogue = found.unique().first()
    if dialogue is None:
        raise NotFound("démarche introuvable")
    return dialogue


async def dialogue_for_vote(session: AsyncSession, dialogue: Dialogue) -> Dialogue:
    """Takes ``dialogue``'s row ``FOR KEY SHARE`` in the session's write transaction
    (begun by :func:`core.db.begin_write`) and returns the dialogue as it stands now:
    ``dialogue`` itself when its version is current, else a fresh read."""
    version = await session.scalar(
        select(Dialogue.config_version)
        .where(Dialogue.id == dialogue.id)
        .with_for_update(read=True, key_share=True)
    )
    return await dialogue_at(session, dialogue, version)


async def dialogue_at(session: AsyncSession, dialogue: Dialogue, version: int | None) -> Dialogue:
    """``dialogue`` when ``version`` (read under the lock) is its own, else the dialogue
    read again; 404 when ``version`` is ``None`` (no such dialogue any more)."""
    if version is None:
        raise NotFound("démarche introuvable")
    if version == dialogue.config_version:
        return dialogue
    return await reload_dialogue(session, dialogue.id)


async def voter_groups(
    session: AsyncSession, dialogue: Dialogue, user: User, now: datetime, given: Collection[int]
) -> set[int]:
    """The voter's groups as the database holds them now, for the groups the current phase
    is restricted to (read ``FOR KEY SHARE``); ``given`` (read with the request) for the
    others, which judge nothing here."""
    phase = dialogue.current_phase(now)
    if phase is None or not phase.groups:
        return set(given)
    allowed = {group.id for group in phase.groups}
    held = await session.scalars(
        select(GroupMembership.group_id)
        .where(GroupMembership.user_id == user.id, GroupMembership.group_id.in_(allowed))
        .with_for_update(read=True, key_share=True)
    )
    return (set(given) - allowed) | set(held)


async def lock_for_change(session: AsyncSession, dialogue: Dialogue) -> Dialogue:
    """Begins a write transaction that holds ``dialogue``'s row ``FOR UPDATE``, bumps its
    ``config_version`` and returns the dialogue as it stands now (the session's copy
    brought up to date). Every change of what judges a vote calls it first."""
    await begin_write(session)
    await session.execute(select(Dialogue.id).where(Dialogue.id == dialogue.id).with_for_update())
    await session.execute(
        update(Dialogue)
        .where(Dialogue.id == dialogue.id)
        .values(config_version=Dialogue.config_version + 1)
        .execution_options(synchronize_session=False)
    )
    return await reload_dialogue(session, dialogue.id)


def vote_opened(dialogue: Dialogue, now: datetime) -> bool:
    """Whether the dialogue's vote phase has opened by ``now`` (it may have closed since):
    from then on, what decides a vote's validity or the result is frozen."""
    phase = dialogue.phase(PhaseKind.VOTE)
    return phase is not None and phase.starts_at is not None and phase.starts_at <= now


def is_candidate(proposal: Proposal) -> bool:
    """Whether the count includes ``proposal``."""
    return (
        proposal.status in CANDIDATE_STATUSES
        and proposal.hidden_at is None
        and proposal.withdrawn_at is None
    )
