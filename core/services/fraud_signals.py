"""Fraud signals for staff: networks from which many accounts were created, or many
ballots changed, in a recent window.

A network is known only by its keyed digest (:mod:`core.networks`): accounts keep the
digest of the network they were created from (``users.created_network``), vote-log
entries the one each change came from (``vote_log.network``). Each signal is one grouped
query over the window, then one more for the dialogues concerned by the networks found,
which reads only their rows through the indexes that start with the digest
(``ix_users_created_network``, ``ix_vote_log_network``). The grouped query reads the
window's rows in one pass (on PostgreSQL, about 80 ms for 200,000 vote-log entries): no
index starts with the time, so that the vote path keeps one index less to write. A signal
is a hint for a person to look at, never a verdict: a school, a library or a mobile
operator puts many honest citizens behind one network.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import ValidationFailed
from core.models import Ballot, Dialogue, Organisation, User, VoteLogEntry

#: The window looked at when none is asked for, and the longest one (the retention purge
#: clears older digests anyway).
DEFAULT_HOURS = 24
MAX_HOURS = 24 * 90
#: From how many accounts created, or ballots changed, from one network in the window a
#: network is shown.
DEFAULT_ACCOUNTS = 5
DEFAULT_BALLOTS = 5
MAX_THRESHOLD = 1_000_000
#: The most networks listed per signal, the busiest first.
MAX_NETWORKS = 50
#: Characters of a digest shown to staff: enough to tell networks apart on one page.
SHORT_DIGEST = 10


@dataclass(frozen=True)
class DialogueShare:
    """The part of one network's activity in one dialogue: ``ballots`` linked to the
    network there, ``voided`` of them already voided."""

    slug: str
    title: str
    ballots: int
    voided: int


@dataclass(frozen=True)
class NetworkSignal:
    """One network over the window: ``count`` accounts created (account signal) or
    ballots changed (vote signal), ``changes`` vote-log entries (vote signal only), the
    first and last moments seen, and the dialogues concerned."""

    network: str
    count: int
    first_at: datetime
    last_at: datetime
    changes: int = 0
    dialogues: list[DialogueShare] = field(default_factory=list)

    @property
    def short(self) -> str:
        return self.network[:SHORT_DIGEST]


@dataclass(frozen=True)
class Signals:
    hours: int
    since: datetime
    accounts_threshold: int
    ballots_threshold: int
    accounts: list[NetworkSignal]
    votes: list[NetworkSignal]


def check_window(hours: int, accounts: int, ballots: int) -> None:
    """Refuses a window or thresholds out of bounds (422 ``validation``)."""
    if not 1 <= hours <= MAX_HOURS:
        raise ValidationFailed(
            f"hours: between 1 and {MAX_HOURS}",
            extra={"fields": {"hours": f"Entre 1 et {MAX_HOURS} heures."}},
        )
    for name, value in (("accounts", accounts), ("ballots", ballots)):
        if not 1 <= value <= MAX_THRESHOLD:
            raise ValidationFailed(
                f"{name}: between 1 and {MAX_THRESHOLD}",
                extra={"fields": {name: "Un seuil d'au moins 1."}},
            )


async def signals(
    session: AsyncSession,
    organisation: Organisation,
    *,
    now: datetime,
    hours: int = DEFAULT_HOURS,
    accounts_threshold: int = DEFAULT_ACCOUNTS,
    ballots_threshold: int = DEFAULT_BALLOTS,
    limit: int = MAX_NETWORKS,
) -> Signals:
    """Both signals of ``organisation`` over the ``hours`` before ``now``."""
    check_window(hours, accounts_threshold, ballots_threshold)
    since = now - timedelta(hours=hours)
    return Signals(
        hours=hours,
        since=since,
        accounts_threshold=accounts_threshold,
        ballots_threshold=ballots_threshold,
        accounts=await account_signals(
            session, organisation, since=since, threshold=accounts_threshold, limit=limit
        ),
        votes=await vote_signals(
            session, organisation, since=since, threshold=ballots_threshold, limit=limit
        ),
    )


async def account_signals(
    session: AsyncSession,
    organisation: Organisation,
    *,
    since: datetime,
    threshold: int = DEFAULT_ACCOUNTS,
    limit: int = MAX_NETWORKS,
) -> list[NetworkSignal]:
    """Networks from which at least ``threshold`` accounts of ``organisation`` were
    created since ``since``, the busiest first, each with the dialogues where those
    accounts hold a ballot."""
    accounts = func.count()
    rows = (
        await session.execute(
            select(
                User.created_network,
                accounts,
                func.min(User.created_at),
                func.max(User.created_at),
            )
            .where(
                User.created_network.is_not(None),
                User.created_at >= since,
                User.organisation_id == organisation.id,
            )
            .group_by(User.created_network)
            .having(accounts >= threshold)
            .order_by(accounts.desc(), User.created_network)
            .limit(limit)
        )
    ).all()
    networks = [row[0] for row in rows]
    shares: dict[str | None, list[DialogueShare]] = defaultdict(list)
    if networks:
        for network, slug, title, ballots, voided in await session.execute(
            select(
                User.created_network,
                Dialogue.slug,
                Dialogue.title,
                func.count(Ballot.id),
                func.count(Ballot.voided_at),
            )
            .join(Ballot, Ballot.user_id == User.id)
            .join(Dialogue, Dialogue.id == Ballot.dialogue_id)
            .where(
                User.created_network.in_(networks),
                User.created_at >= since,
                User.organisation_id == organisation.id,
            )
            .group_by(User.created_network, Dialogue.id, Dialogue.slug, Dialogue.title)
            .order_by(func.count(Ballot.id).desc(), Dialogue.slug)
        ):
            shares[network].append(DialogueShare(slug, title, ballots, voided))
    return [
        NetworkSignal(
            network=str(network),  # never None: the query leaves those out
            count=count,
            first_at=first_at,
            last_at=last_at,
            dialogues=shares.get(network, []),
        )
        for network, count, first_at, last_at in rows
    ]


async def vote_signals(
    session: AsyncSession,
    organisation: Organisation,
    *,
    since: datetime,
    threshold: int = DEFAULT_BALLOTS,
    limit: int = MAX_NETWORKS,
) -> list[NetworkSignal]:
    """Networks from which at least ``threshold`` ballots of ``organisation``'s
    dialogues changed since ``since``, the busiest first, each with its number of
    changes and the dialogues concerned."""
    ballots = func.count(distinct(VoteLogEntry.ballot_id))
    dialogue_ids = select(Dialogue.id).where(Dialogue.organisation_id == organisation.id)
    rows = (
        await session.execute(
            select(
                VoteLogEntry.network,
                ballots,
                func.count(),
                func.min(VoteLogEntry.created_at),
                func.max(VoteLogEntry.created_at),
            )
            .where(
                VoteLogEntry.network.is_not(None),
                VoteLogEntry.created_at >= since,
                VoteLogEntry.dialogue_id.in_(dialogue_ids),
            )
            .group_by(VoteLogEntry.network)
            .having(ballots >= threshold)
            .order_by(ballots.desc(), VoteLogEntry.network)
            .limit(limit)
        )
    ).all()
    networks = [row[0] for row in rows]
    shares: dict[str | None, list[DialogueShare]] = defaultdict(list)
    if networks:
        voided: Any = case((Ballot.voided_at.is_not(None), Ballot.id))
        in_dialogue = func.count(distinct(VoteLogEntry.ballot_id))
        for network, slug, title, count, voided_count in await session.execute(
            select(
                VoteLogEntry.network,
                Dialogue.slug,
                Dialogue.title,
                in_dialogue,
                func.count(distinct(voided)),
            )
            .join(Dialogue, Dialogue.id == VoteLogEntry.dialogue_id)
            .join(Ballot, Ballot.id == VoteLogEntry.ballot_id)
            .where(
                VoteLogEntry.network.in_(networks),
                VoteLogEntry.created_at >= since,
                Dialogue.organisation_id == organisation.id,
            )
            .group_by(VoteLogEntry.network, Dialogue.id, Dialogue.slug, Dialogue.title)
            .order_by(in_dialogue.desc(), Dialogue.slug)
        ):
            shares[network].append(DialogueShare(slug, title, count, voided_count))
    return [
        NetworkSignal(
            network=str(network),  # never None: the query leaves those out
            count=count,
            changes=changes,
            first_at=first_at,
            last_at=last_at,
            dialogues=shares.get(network, []),
        )
        for network, count, changes, first_at, last_at in rows
    ]
