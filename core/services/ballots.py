"""Ballot changes: cast, change or withdraw one vote, replace the whole ballot, confirm,
void.

Every change is one transaction that locks the citizen's ballot, re-reads it, has the
dialogue's vote type judge the whole resulting ballot, writes the difference and appends
it to the vote log. The lock is a row lock (``SELECT ... FOR UPDATE``) on PostgreSQL and
the database's write lock (``BEGIN IMMEDIATE``) on SQLite, so that concurrent requests
cannot together exceed a rule; the unique constraint on ``ballots(dialogue_id, user_id)``
and an insert that ignores a conflict make a citizen's first votes, sent at once, create
one ballot.

The functions leave the transaction open with the changes flushed: the caller commits,
then calls :func:`announce` to fire the events. A refusal raises before anything is
written, leaving the transaction to the caller, whose rollback (closing the session is
one) releases the lock; the web layer's session is closed as soon as the error leaves the
handler.

Status: a ``confirmed`` ballot counts, a ``draft`` does not. When the vote type's
``min_votes`` is 0, a ballot is confirmed as soon as it holds a vote and goes back to
draft when emptied. Above 0, the citizen confirms it (:func:`confirm_ballot`), and a change
that takes it below the minimum turns it back into a draft, with the notice
``"unconfirmed"``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import begin_write
from core.errors import Conflict, Forbidden, NotFound
from core.models import Ballot, Dialogue, Proposal, User, Vote, VoteLogEntry
from core.models.ballots import BallotStatus, VoteAction
from core.permissions import Action, check
from core.plugin_manager import Plugins
from core.services.ballot_box import BallotState, VotedProposal, VoteRules, load_votes, vote_rules
from core.vote_types import InvalidVoteValue

#: The most votes one replacement may hold.
MAX_BALLOT_SIZE = 1000
UNCONFIRMED = "unconfirmed"


@dataclass
class BallotChange:
    """The outcome of one change: the new ``state``, the ``action`` asked for, whether
    the votes ``changed``, and whether the ballot was ``confirmed`` or ``unconfirmed``
    by it."""

    state: BallotState
    action: VoteAction
    changed: bool = False
    confirmed: bool = False
    unconfirmed: bool = False


def announce(plugins: Plugins, change: BallotChange) -> None:
    """Fires the events of a committed change: ``ballot_changed`` with the action when the
    votes changed (and with ``unconfirm`` when the ballot stopped counting), then
    ``ballot_confirmed`` when it started counting."""
    ballot, dialogue = change.state.ballot, change.state.dialogue
    if ballot is None:
        return
    if change.changed:
        plugins.ballot_changed(ballot, dialogue, change.action.value)
    if change.unconfirmed:
        plugins.ballot_changed(ballot, dialogue, VoteAction.UNCONFIRM.value)
    if change.confirmed:
        plugins.ballot_confirmed(ballot, dialogue)


# -- the changes -------------------------------------------------------------------


async def cast_vote(
    session: AsyncSession,
    plugins: Plugins,
    dialogue: Dialogue,
    actor: User | None,
    proposal_id: int,
    raw_value: object,
    *,
    now: datetime,
    group_ids: Collection[int] = (),
) -> BallotChange:
    """Casts (or changes) ``actor``'s vote on ``proposal_id`` with the API value
    ``raw_value``."""
    user = check(plugins, actor, Action.VOTE, dialogue, now=now, group_ids=group_ids)
    rules = vote_rules(plugins, dialogue)
    proposal = (await _proposals(session, dialogue, [proposal_id], votable=True))[proposal_id]
    check(plugins, user, Action.VOTE, dialogue, now=now, group_ids=group_ids, resource=proposal)
    value = rules.kind.parse_value(rules.settings, raw_value)

    async def change(ballot: Ballot | None, current: BallotState) -> BallotChange:
        assert ballot is not None
        votes = rules.kind.place(rules.settings, current.votes, proposal_id, value)
        proposals = {**current.proposals, proposal_id: VotedProposal(proposal.cost, proposal.title)}
        action = VoteAction.CHANGE if proposal_id in current.votes else VoteAction.CAST
        return await _write(session, rules, ballot, current, votes, proposals, action, now)

    return await _locked(session, dialogue, user, now, change)


async def withdraw_vote(
    session: AsyncSession,
    plugins: Plugins,
    dialogue: Dialogue,
    actor: User | None,
    proposal_id: int,
    *,
    now: datetime,
    group_ids: Collection[int] = (),
) -> BallotChange:
    """Withdraws ``actor``'s vote on ``proposal_id``; withdrawing a vote that was not cast
    changes nothing. A withdrawal is never refused by a vote rule."""
    user = check(plugins, actor, Action.VOTE, dialogue, now=now, group_ids=group_ids)
    rules = vote_rules(plugins, dialogue)
    await _proposals(session, dialogue, [proposal_id], votable=False)

    async def change(ballot: Ballot | None, current: BallotState) -> BallotChange:
        if ballot is None or proposal_id not in current.votes:
            return BallotChange(current, VoteAction.WITHDRAW)
        votes = rules.kind.withdrawn(rules.settings, current.votes, proposal_id)
        return await _write(
            session, rules, ballot, current, votes, current.proposals, VoteAction.WITHDRAW, now
        )

    return await _locked(session, dialogue, user, now, change, create=False)


async def replace_ballot(
    session: AsyncSession,
    plugins: Plugins,
    dialogue: Dialogue,
    actor: User | None,
    raw_votes: Sequence[tuple[int, object]],
    *,
    now: datetime,
    group_ids: Collection[int] = (),
) -> BallotChange:
    """Replaces ``actor``'s whole ballot by ``raw_votes`` (``(proposal_id, API value)``
    pairs), judged as a whole: the way to reorder ranks or swap supports at once."""
    user = check(plugins, actor, Action.VOTE, dialogue, now=now, group_ids=group_ids)
    rules = vote_rules(plugins, dialogue)
    if len(raw_votes) > MAX_BALLOT_SIZE:
        raise InvalidVoteValue(f"Un bulletin compte au plus {MAX_BALLOT_SIZE} votes.")
    wanted = [proposal_id for proposal_id, _ in raw_votes]
    if len(set(wanted)) != len(wanted):
        raise InvalidVoteValue("Une proposition figure deux fois dans le bulletin.")
    found = await _proposals(session, dialogue, wanted, votable=True)
    for proposal in found.values():
        check(plugins, user, Action.VOTE, dialogue, now=now, group_ids=group_ids, resource=proposal)
    votes = {
        proposal_id: rules.kind.parse_value(rules.settings, raw) for proposal_id, raw in raw_votes
    }
    proposals = {p.id: VotedProposal(p.cost, p.title) for p in found.values()}

    async def change(ballot: Ballot | None, current: BallotState) -> BallotChange:
        if ballot is None:  # no ballot yet, and an empty one asked for
            return BallotChange(current, VoteAction.REPLACE)
        return await _write(
            session, rules, ballot, current, votes, proposals, VoteAction.REPLACE, now
        )

    return await _locked(session, dialogue, user, now, change, create=bool(votes))


async def confirm_ballot(
    session: AsyncSession,
    plugins: Plugins,
    dialogue: Dialogue,
    actor: User | None,
    *,
    now: datetime,
    group_ids: Collection[int] = (),
) -> BallotChange:
    """Confirms ``actor``'s ballot so that it counts; 409 ``vote.min_not_reached`` while
    it holds fewer votes than the minimum (or none). Confirming twice changes nothing."""
    user = check(plugins, actor, Action.VOTE, dialogue, now=now, group_ids=group_ids)
    rules = vote_rules(plugins, dialogue)

    async def change(ballot: Ballot | None, current: BallotState) -> BallotChange:
        if ballot is None:
            raise _min_not_reached(rules)
        return await _write(
            session,
            rules,
            ballot,
            current,
            current.votes,
            current.proposals,
            VoteAction.CONFIRM,
            now,
        )

    return await _locked(session, dialogue, user, now, change, create=False)


async def void_ballot(
    session: AsyncSession, dialogue: Dialogue, ballot_id: int, reason: str, *, now: datetime
) -> BallotChange:
    """Voids a ballot (staff, e.g. a duplicate account): it stays stored and logged but is
    no longer counted, and its citizen can no longer change it."""
    await begin_write(session)
    ballot = await session.scalar(
        select(Ballot)
        .where(Ballot.id == ballot_id, Ballot.dialogue_id == dialogue.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if ballot is None:
        raise NotFound("bulletin introuvable")
    state = BallotState(dialogue, ballot, *(await load_votes(session, [ballot.id]))[ballot.id])
    if ballot.voided_at is not None:
        return BallotChange(state, VoteAction.VOID)
    ballot.voided_at = now
    ballot.void_reason = reason
    ballot.updated_at = now
    session.add(_log(ballot, VoteAction.VOID, now, reason=reason))
    await session.flush()
    return BallotChange(state, VoteAction.VOID, changed=True)


# -- the transaction ----------------------------------------------------------------


async def _proposals(
    session: AsyncSession, dialogue: Dialogue, ids: Sequence[int], *, votable: bool
) -> dict[int, Proposal]:
    """The proposals ``ids`` of ``dialogue``: 404 for one that is not in it, 409
    ``vote.not_in_vote`` when ``votable`` and one is not in the vote."""
    if not ids:
        return {}
    found = {
        proposal.id: proposal
        for proposal in await session.scalars(
            select(Proposal).where(Proposal.id.in_(ids), Proposal.dialogue_id == dialogue.id)
        )
    }
    missing = [proposal_id for proposal_id in ids if proposal_id not in found]
    if missing:
        raise NotFound(f"proposition {missing[0]} introuvable dans cette démarche")
    if votable:
        for proposal in found.values():
            if not proposal.is_votable:
                raise Conflict(
                    f"La proposition {proposal.id} ne fait pas partie du vote.",
                    code="vote.not_in_vote",
                )
    return found


def _ballot_query(dialogue: Dialogue, user: User) -> Any:
    return (
        select(Ballot)
        .where(Ballot.dialogue_id == dialogue.id, Ballot.user_id == user.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _insert_ballot(session: AsyncSession, dialogue: Dialogue, user: User, now: datetime) -> Any:
    """``INSERT`` of an empty ballot that does nothing when the citizen already has one
    (created meanwhile by a concurrent request)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return (
        dialect.insert(Ballot)
        .values(
            dialogue_id=dialogue.id,
            user_id=user.id,
            status=BallotStatus.DRAFT,
            void_reason="",
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["dialogue_id", "user_id"])
    )


async def _locked(
    session: AsyncSession,
    dialogue: Dialogue,
    user: User,
    now: datetime,
    change: Callable[[Ballot | None, BallotState], Awaitable[BallotChange]],
    *,
    create: bool = True,
) -> BallotChange:
    """Runs ``change`` on ``user``'s ballot, locked and re-read, in a write transaction.
    Without a ballot yet, creates it first when ``create``, else runs ``change`` on
    ``None`` and an empty state."""
    await begin_write(session)
    ballot = await session.scalar(_ballot_query(dialogue, user))
    if ballot is None:
        if not create:
            return await change(None, BallotState(dialogue, None))
        await session.execute(_insert_ballot(session, dialogue, user, now))
        ballot = await session.scalar(_ballot_query(dialogue, user))
        assert ballot is not None
    if ballot.voided_at is not None:
        raise Forbidden("Ce bulletin a été annulé.", code="vote.not_allowed")
    votes, proposals = (await load_votes(session, [ballot.id]))[ballot.id]
    return await change(ballot, BallotState(dialogue, ballot, votes, proposals))


def _min_not_reached(rules: VoteRules) -> Conflict:
    needed = max(rules.min_votes, 1)
    return Conflict(
        f"Votre bulletin doit compter au moins {needed} vote(s) pour être validé.",
        code="vote.min_not_reached",
    )


def _log(
    ballot: Ballot,
    action: VoteAction,
    now: datetime,
    proposal_id: int | None = None,
    value: int | None = None,
    reason: str = "",
) -> VoteLogEntry:
    return VoteLogEntry(
        dialogue_id=ballot.dialogue_id,
        ballot_id=ballot.id,
        action=action.value,
        proposal_id=proposal_id,
        value=value,
        reason=reason,
        created_at=now,
    )


def _log_values(entry: VoteLogEntry) -> dict[str, Any]:
    return {
        "dialogue_id": entry.dialogue_id,
        "ballot_id": entry.ballot_id,
        "action": entry.action,
        "proposal_id": entry.proposal_id,
        "value": entry.value,
        "reason": entry.reason,
        "created_at": entry.created_at,
    }


async def _write(
    session: AsyncSession,
    rules: VoteRules,
    ballot: Ballot,
    current: BallotState,
    votes: dict[int, int],
    proposals: dict[int, VotedProposal],
    action: VoteAction,
    now: datetime,
) -> BallotChange:
    """Judges the resulting ``votes``, settles the status, writes the difference with
    ``current`` and logs it."""
    new = BallotState(current.dialogue, ballot, votes, {p: proposals[p] for p in votes})
    if action != VoteAction.WITHDRAW:
        rules.kind.judge(rules.settings, new.content())
    before = current.votes
    removed = [p for p in before if p not in votes]
    added = [p for p in votes if p not in before]
    changed = [p for p in votes if p in before and before[p] != votes[p]]

    entries: list[VoteLogEntry] = []
    for proposal_id in removed:
        logged = VoteAction.REPLACE if action == VoteAction.REPLACE else VoteAction.WITHDRAW
        entries.append(_log(ballot, logged, now, proposal_id))
    for proposal_id in added:
        logged = VoteAction.REPLACE if action == VoteAction.REPLACE else VoteAction.CAST
        entries.append(_log(ballot, logged, now, proposal_id, votes[proposal_id]))
    for proposal_id in changed:
        logged = VoteAction.REPLACE if action == VoteAction.REPLACE else VoteAction.CHANGE
        entries.append(_log(ballot, logged, now, proposal_id, votes[proposal_id]))

    was_confirmed = ballot.status == BallotStatus.CONFIRMED
    if action == VoteAction.CONFIRM:
        if len(votes) < max(rules.min_votes, 1):
            raise _min_not_reached(rules)
        confirmed = True
    elif rules.min_votes == 0:
        confirmed = bool(votes)
    else:
        confirmed = was_confirmed and len(votes) >= rules.min_votes
    if confirmed != was_confirmed:
        ballot.status = BallotStatus.CONFIRMED if confirmed else BallotStatus.DRAFT
        ballot.confirmed_at = now if confirmed else None
        automatic = "" if action == VoteAction.CONFIRM else "automatic"
        status_action = VoteAction.CONFIRM if confirmed else VoteAction.UNCONFIRM
        entries.append(_log(ballot, status_action, now, reason=automatic))
    if not entries:
        return BallotChange(new, action)

    ballot.updated_at = now
    if removed:
        await session.execute(
            delete(Vote).where(Vote.ballot_id == ballot.id, Vote.proposal_id.in_(removed))
        )
    if added:
        await session.execute(
            insert(Vote),
            [{"ballot_id": ballot.id, "proposal_id": p, "value": votes[p]} for p in added],
        )
    if changed:
        await session.execute(
            update(Vote),
            [{"ballot_id": ballot.id, "proposal_id": p, "value": votes[p]} for p in changed],
        )
    # One multi-row INSERT, without reading back ids that nothing needs (the ORM's
    # unit of work would ask for them, one statement per row on SQLite); with its NULLs
    # written, entries of every kind share the statement.
    await session.execute(
        insert(VoteLogEntry).execution_options(render_nulls=True),
        [_log_values(entry) for entry in entries],
    )
    await session.flush()
    unconfirmed = was_confirmed and not confirmed
    if unconfirmed and rules.min_votes > 0:
        new.notice = UNCONFIRMED
    return BallotChange(
        new,
        action,
        changed=bool(removed or added or changed),
        confirmed=confirmed and not was_confirmed,
        unconfirmed=unconfirmed,
    )
