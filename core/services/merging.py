"""Merging proposals that say the same thing into one (staff).

The merged proposals are closed (status ``refused`` with the custom status ``merged``:
« Fusionnée », or the organisation's own label under that key; the reason names the
proposal kept); their comments move to
the kept proposal; their votes are carried over to it without counting anyone twice:

- a ballot that votes on a merged proposal and not on the kept one gets its vote moved
  to the kept one (the same value), unless the vote type then refuses the ballot (a
  budget limit the kept proposal's cost exceeds, say): the vote is only taken off;
- a ballot that votes on the kept proposal too, or on two merged ones, keeps one vote:
  the others are taken off;
- each change is in the vote log (reason ``proposals_merged``); a confirmed ballot that
  falls under the vote's minimum goes back to draft, as a withdrawal would take it.

Everything runs in the caller's transaction, under the dialogue's lock
(:func:`core.services.vote_locks.lock_for_change`): no vote slips in between. The audit
log gets one ``proposal.merge`` entry with the counts; the caller announces the status
changes (:func:`core.services.review.announce`: the authors' emails and the
``proposal_status_changed`` jobs).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.models import Ballot, Comment, Dialogue, Organisation, Proposal, User, Vote
from core.models.ballots import BallotStatus, VoteAction
from core.models.proposals import ProposalStatus
from core.plugin_manager import Plugins
from core.services import audit
from core.services import ballot_statements as statements
from core.services.ballot_box import vote_rules
from core.services.review import MERGED_STATUS, StatusChange
from core.services.vote_locks import lock_for_change
from core.vote_types import BallotContent, ProposalFacts, VoteRejected

__all__ = ["MERGEABLE_STATUSES", "MERGED_STATUS", "REASON_MERGED", "Merge", "merge_proposals"]

#: The vote-log reason of the changes a merge makes to a ballot.
REASON_MERGED = "proposals_merged"
#: The statuses of the proposals a merge takes, kept and merged alike: a merged one is
#: ``refused`` after, so it cannot be merged twice.
MERGEABLE_STATUSES = frozenset(
    {ProposalStatus.PUBLISHED, ProposalStatus.UNDER_REVIEW, ProposalStatus.ACCEPTED}
)
#: At most this many proposals merged at once.
MAX_MERGED = 50


@dataclass
class Merge:
    """What a merge did: the proposals closed (as status changes, for the announcement),
    the votes moved to the kept proposal, those taken off because their ballot already
    counted it (``counted_once``) or its vote type refused the move, the comments moved,
    and the ballots that went back to draft."""

    kept: Proposal
    changes: list[StatusChange] = field(default_factory=list)
    votes_moved: int = 0
    counted_once: int = 0
    refused: int = 0
    comments_moved: int = 0
    unconfirmed: list[int] = field(default_factory=list)


async def _proposals(
    session: AsyncSession, dialogue: Dialogue, kept_id: int, merged_ids: Sequence[int]
) -> tuple[Proposal, list[Proposal]]:
    wanted = sorted(set(merged_ids))
    if not wanted or kept_id in wanted:
        raise ValidationFailed(
            "merged: au moins une proposition, autre que celle gardée",
            extra={"fields": {"merged": "Choisissez les propositions à fusionner."}},
        )
    if len(wanted) > MAX_MERGED:
        raise ValidationFailed(f"merged: au plus {MAX_MERGED} propositions à la fois")
    found = {
        p.id: p
        for p in await session.scalars(
            select(Proposal)
            .where(Proposal.id.in_([kept_id, *wanted]), Proposal.dialogue_id == dialogue.id)
            .order_by(Proposal.id)
            .with_for_update()
        )
    }
    if len(found) != len(wanted) + 1:
        raise NotFound("Proposition introuvable dans cette démarche.")
    for proposal in found.values():
        await session.refresh(proposal)
    closed = [p for p in found.values() if p.status not in MERGEABLE_STATUSES]
    if closed:
        raise Conflict(
            "Seules des propositions publiées, à l'étude ou retenues se fusionnent (pas un "
            "brouillon, ni une proposition refusée ou déjà fusionnée, ni une lauréate).",
            code="proposal.not_mergeable",
        )
    return found[kept_id], [found[pid] for pid in wanted]


async def merge_proposals(
    session: AsyncSession,
    plugins: Plugins,
    organisation: Organisation,
    dialogue: Dialogue,
    kept_id: int,
    merged_ids: Sequence[int],
    actor: User,
    *,
    now: datetime,
) -> Merge:
    """Merges the proposals ``merged_ids`` of ``dialogue`` into ``kept_id`` (see the
    module); the caller commits. 422 ``validation`` for an empty choice or the kept
    proposal among the merged, 404 for a proposal of another dialogue, 409
    ``proposal.not_mergeable`` for one that is not :data:`MERGEABLE_STATUSES`."""
    dialogue = await lock_for_change(session, dialogue)
    kept, merged = await _proposals(session, dialogue, kept_id, merged_ids)
    result = Merge(kept)
    merged_set = {p.id for p in merged}
    if dialogue.vote_type:
        await _carry_votes(session, plugins, dialogue, kept, merged_set, result, now)
    moved = await session.execute(
        update(Comment)
        .where(Comment.proposal_id.in_(merged_set))
        .values(proposal_id=kept.id)
        .execution_options(synchronize_session=False)
    )
    result.comments_moved = int(getattr(moved, "rowcount", 0) or 0)
    for proposal in merged:
        previous = proposal.status.value
        proposal.status = ProposalStatus.REFUSED
        proposal.status_label = MERGED_STATUS
        proposal.status_reason = f"Fusionnée avec « {kept.title} » (n° {kept.id})."
        result.changes.append(StatusChange(proposal, previous))
    audit.record(
        session,
        organisation,
        actor,
        "proposal.merge",
        f"proposal:{kept.id}",
        {
            "merged": sorted(merged_set),
            "votes_moved": result.votes_moved,
            "counted_once": result.counted_once,
            "refused": result.refused,
            "comments_moved": result.comments_moved,
            "unconfirmed": len(result.unconfirmed),
        },
        now=now,
    )
    await session.flush()
    return result


async def _carry_votes(
    session: AsyncSession,
    plugins: Plugins,
    dialogue: Dialogue,
    kept: Proposal,
    merged: set[int],
    result: Merge,
    now: datetime,
) -> None:
    rules = vote_rules(plugins, dialogue)
    touched = select(Vote.ballot_id).where(Vote.proposal_id.in_(merged))
    rows = (
        await session.execute(
            select(
                Ballot.id,
                Ballot.status,
                Ballot.confirmed_at,
                Vote.proposal_id,
                Vote.value,
                User.postal_code,
            )
            .join(Vote, Vote.ballot_id == Ballot.id)
            .outerjoin(User, User.id == Ballot.user_id)
            .where(Ballot.dialogue_id == dialogue.id, Ballot.id.in_(touched))
            .order_by(Ballot.id, Vote.proposal_id)
        )
    ).all()
    ballots: dict[int, dict[int, int]] = defaultdict(dict)
    standing: dict[int, tuple[BallotStatus, datetime | None]] = {}
    postal_codes: dict[int, str | None] = {}
    for row in rows:
        ballots[row.id][row.proposal_id] = row.value
        standing[row.id] = (row.status, row.confirmed_at)
        postal_codes[row.id] = row.postal_code
    voted = {pid for votes in ballots.values() for pid in votes}
    facts = {
        p.id: ProposalFacts.of(p)
        for p in await session.scalars(select(Proposal).where(Proposal.id.in_(voted | {kept.id})))
    }
    connection = await session.connection()
    for ballot_id, votes in ballots.items():
        status, confirmed_at = standing[ballot_id]
        writes = statements.Writes(
            dialogue_id=dialogue.id,
            ballot_id=ballot_id,
            status=status,
            confirmed_at=confirmed_at,
            now=now,
            network=None,
        )
        remaining = {pid: value for pid, value in votes.items() if pid not in merged}
        carried = next((votes[pid] for pid in sorted(votes) if pid in merged), None)
        for pid in sorted(votes):
            if pid in merged:
                writes.removed.append(pid)
                writes.entries.append((VoteAction.WITHDRAW.value, pid, None, REASON_MERGED))
        if kept.id in remaining or carried is None:
            result.counted_once += len(writes.removed)
        else:
            candidate = {**remaining, kept.id: carried}
            content = BallotContent(candidate, proposals={pid: facts[pid] for pid in candidate})
            try:
                rules.for_voter(dialogue, postal_codes[ballot_id]).judge(content)
            except (VoteRejected, Forbidden):  # a rule, or another sector's envelope
                result.refused += 1
            else:
                remaining = candidate
                writes.added[kept.id] = carried
                writes.entries.append((VoteAction.CAST.value, kept.id, carried, REASON_MERGED))
                result.votes_moved += 1
            result.counted_once += len(writes.removed) - 1
        confirmed = status == BallotStatus.CONFIRMED
        left = len(remaining)
        falls = left == 0 if rules.min_votes == 0 else left < rules.min_votes
        if confirmed and falls:
            writes.status, writes.confirmed_at = BallotStatus.DRAFT, None
            writes.entries.append((VoteAction.UNCONFIRM.value, None, None, REASON_MERGED))
            result.unconfirmed.append(ballot_id)
        await statements.write(connection, writes)
