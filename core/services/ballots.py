"""Ballot changes: cast, change or withdraw one vote, replace the whole ballot, confirm,
void.

Every change is one transaction that locks the citizen's ballot, re-reads it, has the
dialogue's vote type judge the whole resulting ballot, writes the difference and appends
it to the vote log. The lock is a row lock (``SELECT ... FOR UPDATE``) on PostgreSQL and
the database's write lock (``BEGIN IMMEDIATE``) on SQLite, so that concurrent requests
cannot together exceed a rule; the unique constraint on ``ballots(dialogue_id, user_id)``
and an insert that ignores a conflict make a citizen's first votes, sent at once, create
one ballot. The statements are Core ones built once (:mod:`core.services.ballot_statements`):
the lock, one read of the ballot's votes with the proposals asked for, and the writes (one
statement on PostgreSQL); the ORM is kept for what plugins see (the ``Ballot`` of the
events, the ``Proposal`` that a ``permission_allowed`` rule judges).

A citizen's change carries ``network``, the keyed digest of the network it came from
(:mod:`core.networks`; the web layer computes it), which the vote log keeps for the fraud
signals; staff and imported changes leave it ``None``.

The functions leave the transaction open with the changes written and the event jobs
queued (``core.events``): the caller commits, then calls :func:`announce` to fire the
event hooks. A refusal raises before anything is
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

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from core.db import begin_write
from core.errors import AuthRequired, Conflict, Forbidden, NotFound
from core.models import Ballot, Dialogue, Proposal, User, VoteLogEntry
from core.models.ballots import BallotStatus, VoteAction
from core.models.proposals import VOTABLE_STATUSES, ProposalStatus
from core.permissions import Action, check
from core.plugin_manager import Plugins
from core.services import ages, event_jobs, verification, vote_locks
from core.services import ballot_statements as statements
from core.services.ballot_box import BallotState, VotedProposal, VoteRules, load_votes, vote_rules
from core.services.proposal_facts import facts_from
from core.vote_types import InvalidVoteValue, ProposalFacts

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
    #: The dialogue's vote rules, decoded once for the change and its answer.
    rules: VoteRules | None = None


def _events(change: BallotChange) -> list[tuple[str, str]]:
    """The events of a change, in order: ``ballot_changed`` with the action when the
    votes changed (and with ``unconfirm`` when the ballot stopped counting), then
    ``ballot_confirmed`` (with no action) when it started counting."""
    events = []
    if change.changed:
        events.append(("ballot_changed", change.action.value))
    if change.unconfirmed:
        events.append(("ballot_changed", VoteAction.UNCONFIRM.value))
    if change.confirmed:
        events.append(("ballot_confirmed", ""))
    return events


def _queue_jobs(session: AsyncSession, plugins: Plugins, change: BallotChange) -> BallotChange:
    """Queues the event jobs of ``change`` in its transaction (``core.events``)."""
    ballot, dialogue = change.state.ballot, change.state.dialogue
    if ballot is not None:
        for name, action in _events(change):
            details = {"action": action} if action else {}
            event_jobs.queue(session, plugins, dialogue, name, ballot.id, **details)
    return change


def announce(plugins: Plugins, change: BallotChange) -> None:
    """Fires the event hooks of a committed change (:func:`_events`)."""
    ballot, dialogue = change.state.ballot, change.state.dialogue
    if ballot is None:
        return
    for name, action in _events(change):
        if name == "ballot_changed":
            plugins.ballot_changed(ballot, dialogue, action)
        else:
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
    network: str | None = None,
) -> BallotChange:
    """Casts (or changes) ``actor``'s vote on ``proposal_id`` with the API value
    ``raw_value``. ``network`` is the digest of the citizen's network
    (:func:`core.networks.network_digest`) that the vote log keeps, when they sent it."""
    asked = _Asked(plugins, actor, dialogue, now, group_ids, [proposal_id], votable=True)

    def change(rules: VoteRules, current: BallotState, found: dict[int, VotedProposal]) -> _Change:
        value = rules.kind.parse_value(rules.settings, raw_value)
        votes = rules.kind.place(rules.settings, current.votes, proposal_id, value)
        action = VoteAction.CHANGE if proposal_id in current.votes else VoteAction.CAST
        return votes, {**current.proposals, **found}, action

    return await _locked(session, asked, network, change, VoteAction.CAST)


async def withdraw_vote(
    session: AsyncSession,
    plugins: Plugins,
    dialogue: Dialogue,
    actor: User | None,
    proposal_id: int,
    *,
    now: datetime,
    group_ids: Collection[int] = (),
    network: str | None = None,
) -> BallotChange:
    """Withdraws ``actor``'s vote on ``proposal_id``; withdrawing a vote that was not cast
    changes nothing. A withdrawal is never refused by a vote rule."""
    asked = _Asked(plugins, actor, dialogue, now, group_ids, [proposal_id], votable=False)

    def change(
        rules: VoteRules, current: BallotState, found: dict[int, VotedProposal]
    ) -> _Change | None:
        if proposal_id not in current.votes:
            return None
        votes = rules.kind.withdrawn(rules.settings, current.votes, proposal_id)
        return votes, current.proposals, VoteAction.WITHDRAW

    return await _locked(session, asked, network, change, VoteAction.WITHDRAW, create=False)


async def replace_ballot(
    session: AsyncSession,
    plugins: Plugins,
    dialogue: Dialogue,
    actor: User | None,
    raw_votes: Sequence[tuple[int, object]],
    *,
    now: datetime,
    group_ids: Collection[int] = (),
    network: str | None = None,
    reason: str = "",
) -> BallotChange:
    """Replaces ``actor``'s whole ballot by ``raw_votes`` (``(proposal_id, API value)``
    pairs), judged as a whole: the way to reorder ranks or swap supports at once.
    ``reason``, when given, is the vote log's reason of every entry the change writes
    (an assisted vote at the desk says who cast it)."""
    if len(raw_votes) > MAX_BALLOT_SIZE:
        raise InvalidVoteValue(f"Un bulletin compte au plus {MAX_BALLOT_SIZE} votes.")
    wanted = [proposal_id for proposal_id, _ in raw_votes]
    if len(set(wanted)) != len(wanted):
        raise InvalidVoteValue("Une proposition figure deux fois dans le bulletin.")
    asked = _Asked(plugins, actor, dialogue, now, group_ids, wanted, votable=True)

    def change(rules: VoteRules, current: BallotState, found: dict[int, VotedProposal]) -> _Change:
        votes = {
            proposal_id: rules.kind.parse_value(rules.settings, raw)
            for proposal_id, raw in raw_votes
        }
        return votes, found, VoteAction.REPLACE

    return await _locked(
        session, asked, network, change, VoteAction.REPLACE, create=bool(raw_votes), reason=reason
    )


async def confirm_ballot(
    session: AsyncSession,
    plugins: Plugins,
    dialogue: Dialogue,
    actor: User | None,
    *,
    now: datetime,
    group_ids: Collection[int] = (),
    network: str | None = None,
    reason: str = "",
) -> BallotChange:
    """Confirms ``actor``'s ballot so that it counts; 409 ``vote.min_not_reached`` while
    it holds fewer votes than the minimum (or none). Confirming twice changes nothing.
    ``reason`` as for :func:`replace_ballot`."""
    asked = _Asked(plugins, actor, dialogue, now, group_ids, [], votable=False)

    def change(rules: VoteRules, current: BallotState, found: dict[int, VotedProposal]) -> _Change:
        if current.ballot is None:
            raise _min_not_reached(rules)
        return current.votes, current.proposals, VoteAction.CONFIRM

    return await _locked(
        session, asked, network, change, VoteAction.CONFIRM, create=False, reason=reason
    )


async def void_ballot(
    session: AsyncSession,
    plugins: Plugins,
    dialogue: Dialogue,
    ballot_id: int,
    reason: str,
    *,
    now: datetime,
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
    return _queue_jobs(session, plugins, BallotChange(state, VoteAction.VOID, changed=True))


# -- the transaction ----------------------------------------------------------------

#: What a change asks for: the resulting votes, what the ballot needs to know of each
#: voted proposal, and the action to log.
_Change = tuple[dict[int, int], dict[int, VotedProposal], VoteAction]


@dataclass(frozen=True)
class _Asked:
    """Who changes their ballot in which dialogue, and the proposals the change names
    (``votable``: they must be in the vote, not only in the dialogue)."""

    plugins: Plugins
    actor: User | None
    dialogue: Dialogue
    now: datetime
    group_ids: Collection[int]
    wanted: Sequence[int]
    votable: bool


@dataclass(frozen=True)
class _Judged:
    """A change asked for, as the database stands in its transaction: the dialogue, the
    voter allowed to vote in it, their groups, and the vote rules in force."""

    plugins: Plugins
    user: User
    dialogue: Dialogue
    now: datetime
    group_ids: Collection[int]
    wanted: Sequence[int]
    votable: bool
    rules: VoteRules


async def _judged(session: AsyncSession, asked: _Asked) -> tuple[_Judged, Any]:
    """Begins the write transaction, takes the dialogue's lock and the citizen's ballot's,
    and judges who may vote against what the database holds now
    (:mod:`core.services.vote_locks`); returns the judgement and the ballot's row (``None``
    without a ballot yet)."""
    actor = asked.actor
    if actor is None:  # refused before any lock, the same answer as the check's
        raise AuthRequired("Connexion requise.")
    await begin_write(session)
    connection = await session.connection()
    keys = {"dialogue_id": asked.dialogue.id, "user_id": actor.id}
    if connection.dialect.name == "postgresql":
        # The dialogue's lock and the ballot's in one round trip.
        locked = (await connection.execute(statements.PG_LOCK_WITH_VERSION, keys)).first()
        version = None if locked is None else locked.config_version
        row = locked if locked is not None and locked.id is not None else None
        dialogue = await vote_locks.dialogue_at(session, asked.dialogue, version)
    else:
        dialogue = await vote_locks.dialogue_for_vote(session, asked.dialogue)
        row = (await connection.execute(statements.LOCK, keys)).first()
    group_ids = await vote_locks.voter_groups(session, dialogue, actor, asked.now, asked.group_ids)
    user = check(asked.plugins, actor, Action.VOTE, dialogue, now=asked.now, group_ids=group_ids)
    rules = vote_rules(asked.plugins, dialogue).for_voter(dialogue, user.postal_code)
    methods = verification.accepted_methods(dialogue)
    if methods:  # a dialogue for verified residents: one vote per identity
        await verification.hold_vote(
            session, dialogue, user, methods, asked.now, claim=asked.votable
        )
    if asked.votable:  # a minimum age (nothing read where the dialogue asks none)
        await ages.check_age(session, dialogue, user, asked.now)
    judged = _Judged(
        asked.plugins, user, dialogue, asked.now, group_ids, asked.wanted, asked.votable, rules
    )
    return judged, row


async def _locked(
    session: AsyncSession,
    asked_for_change: _Asked,
    network: str | None,
    change: Callable[[VoteRules, BallotState, dict[int, VotedProposal]], _Change | None],
    action: VoteAction,
    *,
    create: bool = True,
    reason: str = "",
) -> BallotChange:
    """Runs ``change`` on the citizen's ballot, locked and re-read, in a write
    transaction that holds the dialogue's lock, and writes what it asks for. Without a
    ballot yet, creates it when ``create``, else runs ``change`` on an empty state and
    writes nothing."""
    asked, row = await _judged(session, asked_for_change)
    dialogue, user, rules, now = asked.dialogue, asked.user, asked.rules, asked.now
    found: dict[int, VotedProposal] = {}
    wanted = asked.wanted
    if asked.plugins.has_permission_rules and wanted:
        # A plugin's access rule sees each proposal as a model, as it always has; without
        # one, the proposals are read with the ballot, after the lock.
        found = await _check_proposal_models(session, asked)
        wanted = ()
    connection = await session.connection()
    keys = {"dialogue_id": dialogue.id, "user_id": user.id}
    current = BallotState(dialogue, None)
    if row is not None or wanted:
        query, params = statements.read_query(row.id if row else None, wanted)
        params["dialogue_id"] = dialogue.id
        statuses: dict[int, tuple[ProposalStatus, datetime | None]] = {}
        for proposal_id, value, title, status, hidden_at, *facts in await connection.execute(
            query, params
        ):
            voted = VotedProposal(title, facts_from(*facts))
            if value is None:
                found[proposal_id] = voted
                statuses[proposal_id] = (status, hidden_at)
            else:
                current.votes[proposal_id] = value
                current.proposals[proposal_id] = voted
        if wanted:
            _check_proposals(asked, statuses)
    if row is not None:
        if row.voided_at is not None:
            raise Forbidden("Ce bulletin a été annulé.", code="vote.not_allowed")
        current.ballot = _ballot(session, dialogue, user, row)
    asked_for = change(rules, current, found)
    if asked_for is None:
        return BallotChange(current, action, rules=rules)
    if current.ballot is None:
        if not create:
            return BallotChange(current, action, rules=rules)
        insert = statements.INSERT_BALLOT[connection.dialect.name]
        row = (await connection.execute(insert, {**keys, "now": now})).first()
        if row is None:  # created meanwhile by a concurrent request: lock it, read it
            row = (await connection.execute(statements.LOCK, keys)).first()
            assert row is not None
            if row.voided_at is not None:
                raise Forbidden("Ce bulletin a été annulé.", code="vote.not_allowed")
            current = await _reread(connection, current, row.id)
            asked_for = change(rules, current, found)
            if asked_for is None:
                return BallotChange(current, action, rules=rules)
        current.ballot = _ballot(session, dialogue, user, row)
    votes, proposals, action = asked_for
    written = await _write(
        connection, rules, current, votes, proposals, action, now, network, reason
    )
    return _queue_jobs(session, asked.plugins, written)


async def _check_proposal_models(session: AsyncSession, asked: _Judged) -> dict[int, VotedProposal]:
    """Reads the proposals asked for as models, checks them (:func:`_check_proposals`)
    and has the plugins' access rules judge each one."""
    models = {
        proposal.id: proposal
        for proposal in await session.scalars(
            select(Proposal).where(
                Proposal.id.in_(asked.wanted), Proposal.dialogue_id == asked.dialogue.id
            )
        )
    }
    _check_proposals(asked, {p.id: (p.status, p.hidden_at) for p in models.values()})
    if asked.votable:
        for proposal in models.values():
            check(
                asked.plugins,
                asked.user,
                Action.VOTE,
                asked.dialogue,
                now=asked.now,
                group_ids=asked.group_ids,
                resource=proposal,
            )
    return {p.id: VotedProposal(p.title, ProposalFacts.of(p)) for p in models.values()}


def _check_proposals(
    asked: _Judged, statuses: dict[int, tuple[ProposalStatus, datetime | None]]
) -> None:
    """404 for a proposal asked for that is not in the dialogue, 409 ``vote.not_in_vote``
    for one that is not in the vote (when ``votable``)."""
    missing = [proposal_id for proposal_id in asked.wanted if proposal_id not in statuses]
    if missing:
        raise NotFound(f"proposition {missing[0]} introuvable dans cette démarche")
    if asked.votable:
        for proposal_id, (status, hidden_at) in statuses.items():
            if status not in VOTABLE_STATUSES or hidden_at is not None:
                raise Conflict(
                    f"La proposition {proposal_id} ne fait pas partie du vote.",
                    code="vote.not_in_vote",
                )


async def _reread(connection: AsyncConnection, current: BallotState, ballot_id: int) -> BallotState:
    state = BallotState(current.dialogue, None)
    query, params = statements.read_query(ballot_id, ())
    for proposal_id, value, title, _, _, *facts in await connection.execute(query, params):
        state.votes[proposal_id] = value
        state.proposals[proposal_id] = VotedProposal(title, facts_from(*facts))
    return state


def _ballot(session: AsyncSession, dialogue: Dialogue, user: User, row: Any) -> Ballot:
    """The ballot of ``row`` as a model, for the events: the session's own copy, brought
    up to date, when it holds one (as a query with ``populate_existing`` would), else a
    copy of its own."""
    key = inspect(Ballot).identity_key_from_primary_key((row.id,))
    ballot = session.identity_map.get(key)
    if ballot is None:
        ballot = Ballot(id=row.id)
    values = {
        "dialogue_id": dialogue.id,
        "user_id": user.id,
        "status": row.status,
        "confirmed_at": row.confirmed_at,
        "voided_at": row.voided_at,
        "void_reason": row.void_reason,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }
    for name, value in values.items():
        set_committed_value(ballot, name, value)
    return ballot


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


async def _write(
    connection: AsyncConnection,
    rules: VoteRules,
    current: BallotState,
    votes: dict[int, int],
    proposals: dict[int, VotedProposal],
    action: VoteAction,
    now: datetime,
    network: str | None,
    reason: str = "",
) -> BallotChange:
    """Judges the resulting ``votes``, settles the status, writes the difference with
    ``current`` and logs it, each entry with ``reason`` (a status change made by a vote
    says ``automatic`` when no reason is given)."""
    ballot = current.ballot
    assert ballot is not None
    new = BallotState(current.dialogue, ballot, votes, {p: proposals[p] for p in votes})
    if action != VoteAction.WITHDRAW:
        rules.judge(new.content())
    before = current.votes
    replace = action == VoteAction.REPLACE
    writes = statements.Writes(
        dialogue_id=ballot.dialogue_id,
        ballot_id=ballot.id,
        status=ballot.status,
        confirmed_at=ballot.confirmed_at,
        now=now,
        network=network,
        removed=[p for p in before if p not in votes],
        added={p: value for p, value in votes.items() if p not in before},
        changed={p: value for p, value in votes.items() if p in before and before[p] != value},
    )
    entries = writes.entries
    logged = VoteAction.REPLACE if replace else VoteAction.WITHDRAW
    entries.extend((logged.value, p, None, reason) for p in writes.removed)
    logged = VoteAction.REPLACE if replace else VoteAction.CAST
    entries.extend((logged.value, p, value, reason) for p, value in writes.added.items())
    logged = VoteAction.REPLACE if replace else VoteAction.CHANGE
    entries.extend((logged.value, p, value, reason) for p, value in writes.changed.items())

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
        writes.status = BallotStatus.CONFIRMED if confirmed else BallotStatus.DRAFT
        writes.confirmed_at = now if confirmed else None
        automatic = "" if action == VoteAction.CONFIRM else "automatic"
        status_action = VoteAction.CONFIRM if confirmed else VoteAction.UNCONFIRM
        entries.append((status_action.value, None, None, reason or automatic))
    if not entries:
        return BallotChange(new, action, rules=rules)

    await statements.write(connection, writes)
    for name, value in (
        ("status", writes.status),
        ("confirmed_at", writes.confirmed_at),
        ("updated_at", now),
    ):
        set_committed_value(ballot, name, value)
    unconfirmed = was_confirmed and not confirmed
    if unconfirmed and rules.min_votes > 0:
        new.notice = UNCONFIRMED
    return BallotChange(
        new,
        action,
        changed=bool(writes.removed or writes.added or writes.changed),
        confirmed=confirmed and not was_confirmed,
        unconfirmed=unconfirmed,
        rules=rules,
    )
