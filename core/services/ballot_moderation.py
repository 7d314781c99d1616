"""Staff's view of a dialogue's ballots, and voiding one with a reason.

Voiding goes through :func:`core.services.ballots.void_ballot`: the ballot stays stored
and in the vote log with the reason, the tally no longer counts it, and its citizen can no
longer change it. The ``ballot.void`` audit entry lands in the same transaction; voiding a
ballot already voided changes nothing and records nothing.

The list shows no citizen: a ballot is its id, its status and its number of votes. Staff
narrow it to the ballots linked to one network (:mod:`core.services.fraud_signals`): the
ones changed from it, or held by an account created from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import ValidationFailed
from core.models import Ballot, Dialogue, Organisation, User, Vote, VoteLogEntry
from core.models.ballots import BallotStatus
from core.plugin_manager import Plugins
from core.services import audit
from core.services.ballots import BallotChange, void_ballot

MAX_REASON = 1_000
#: The states a list can be narrowed to.
STATES = ("counted", "draft", "voided")


@dataclass(frozen=True)
class BallotRow:
    id: int
    status: str
    counted: bool
    votes: int
    created_at: datetime
    updated_at: datetime
    voided_at: datetime | None
    void_reason: str


def check_reason(raw: str) -> str:
    """The reason, trimmed: required, :data:`MAX_REASON` characters at most."""
    reason = raw.strip()
    if not reason:
        raise ValidationFailed(
            "reason: une raison est obligatoire",
            extra={"fields": {"reason": "Dites pourquoi ce bulletin est annulé."}},
        )
    if len(reason) > MAX_REASON:
        message = f"{MAX_REASON} caractères au plus."
        raise ValidationFailed(f"reason: {message}", extra={"fields": {"reason": message}})
    return reason


async def ballot_page(
    session: AsyncSession,
    dialogue: Dialogue,
    *,
    network: str | None = None,
    state: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[BallotRow], int]:
    """One page of ``dialogue``'s ballots, newest first, and their total; ``network``
    keeps the ballots linked to that network digest, ``state`` one of :data:`STATES`."""
    where = [Ballot.dialogue_id == dialogue.id]
    if network:
        where.append(
            or_(
                Ballot.id.in_(
                    select(VoteLogEntry.ballot_id).where(
                        VoteLogEntry.network == network,
                        VoteLogEntry.dialogue_id == dialogue.id,
                    )
                ),
                Ballot.user_id.in_(select(User.id).where(User.created_network == network)),
            )
        )
    if state == "voided":
        where.append(Ballot.voided_at.is_not(None))
    elif state == "counted":
        where += [Ballot.voided_at.is_(None), Ballot.status == BallotStatus.CONFIRMED]
    elif state == "draft":
        where += [Ballot.voided_at.is_(None), Ballot.status == BallotStatus.DRAFT]
    total = await session.scalar(select(func.count()).select_from(Ballot).where(*where))
    votes = (
        select(func.count())
        .select_from(Vote)
        .where(Vote.ballot_id == Ballot.id)
        .correlate(Ballot)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Ballot, votes)
        .where(*where)
        .order_by(Ballot.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return [
        BallotRow(
            id=ballot.id,
            status=ballot.status.value,
            counted=ballot.status == BallotStatus.CONFIRMED and ballot.voided_at is None,
            votes=count,
            created_at=ballot.created_at,
            updated_at=ballot.updated_at,
            voided_at=ballot.voided_at,
            void_reason=ballot.void_reason,
        )
        for ballot, count in rows
    ], int(total or 0)


async def void(
    session: AsyncSession,
    plugins: Plugins,
    organisation: Organisation,
    dialogue: Dialogue,
    actor: User,
    ballot_id: int,
    reason: str,
    *,
    now: datetime,
) -> BallotChange:
    """Voids ballot ``ballot_id`` of ``dialogue`` for ``reason`` (404 when it is not one
    of its ballots) and records it in the audit log; the caller commits, then fires the
    events (:func:`core.services.ballots.announce`)."""
    reason = check_reason(reason)
    change = await void_ballot(session, plugins, dialogue, ballot_id, reason, now=now)
    if change.changed:
        audit.record(
            session,
            organisation,
            actor,
            "ballot.void",
            f"ballot:{ballot_id}",
            {"reason": reason, "dialogue": dialogue.slug},
            now=now,
        )
    return change
